package app

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"proact/app/i18n"
	"proact/models"
)

func TestLanguageNegotiation(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	tests := []struct {
		name, cookie, accept, wantLang string
	}{
		{"default", "", "", "en"},
		{"accept-language", "", "de-AT,de;q=0.9,en;q=0.5", "de"},
		{"accept-language second choice", "", "sv-SE,pl;q=0.8", "pl"},
		{"unsupported", "", "ja-JP", "en"},
		{"cookie beats header", "ro", "fr-FR", "ro"},
		{"bad cookie ignored", "xx<script>", "nl-BE", "nl"},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.cookie != "" {
			req.AddCookie(&http.Cookie{Name: langCookie, Value: tc.cookie})
		}
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		_, body := ta.do(t, req)
		if !strings.Contains(body, `<html lang="`+tc.wantLang+`"`) {
			t.Errorf("%s: want <html lang=%q>", tc.name, tc.wantLang)
		}
	}
}

func TestLanguageSwitcher(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t, models.SQLite, nil)
	res, _ := ta.get(t, "/language/fr?next=/practices%3Fcountry%3DRO")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/practices?country=RO" {
		t.Fatalf("switch: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == langCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "fr" || !cookie.HttpOnly {
		t.Fatalf("language cookie: %+v", cookie)
	}
	req, _ := http.NewRequest(http.MethodGet, "/practices?country=RO", nil)
	req.AddCookie(cookie)
	_, body := ta.do(t, req)
	mustContain(t, "French page", body, `<html lang="fr"`, html.EscapeString(ta.tr(t, "fr", "practices.title")))

	for _, next := range []string{"https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)"} {
		res, _ := ta.get(t, "/language/de?next="+strings.ReplaceAll(next, "/", "%2F"))
		if loc := res.Header.Get("Location"); loc != "/" {
			t.Errorf("next=%q redirected to %q, want /", next, loc)
		}
	}
	if res, _ := ta.get(t, "/language/xx"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown language: %d", res.StatusCode)
	}
}

// tr translates a key the way the app does, for assertions.
func (ta *testApp) tr(t *testing.T, lang, key string) string {
	t.Helper()
	tr, err := i18n.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return tr.For(lang).T(key)
}
