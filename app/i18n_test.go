package app

import (
	"html"
	"io/fs"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"proact/models"
	"proact/views"
)

// TestCataloguesAreComplete fails when any key is missing from any catalogue,
// or when a vocabulary term has no label in some language.
func TestCataloguesAreComplete(t *testing.T) {
	locales, err := fs.Sub(views.FS, "locales")
	if err != nil {
		t.Fatal(err)
	}
	en, err := MessageIDs(locales, "en")
	if err != nil || len(en) == 0 {
		t.Fatalf("English catalogue: %v (%d keys)", err, len(en))
	}
	for _, v := range models.Vocabularies() {
		for _, term := range v.Terms() {
			if !en[v.LabelKey(term)] {
				t.Errorf("en: no label for %s", v.LabelKey(term))
			}
		}
	}
	placeholder := regexp.MustCompile(`{{\s*\.\w+\s*}}`)
	enText := catalogueText(t, locales, "en")
	for _, lang := range uiLanguages[1:] {
		ids, err := MessageIDs(locales, lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		var missing, extra []string
		for k := range en {
			if !ids[k] {
				missing = append(missing, k)
			}
		}
		for k := range ids {
			if !en[k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		if len(missing) > 0 {
			t.Errorf("%s: %d keys missing: %s", lang, len(missing), strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			t.Errorf("%s: %d keys not in English: %s", lang, len(extra), strings.Join(extra, ", "))
		}
		text := catalogueText(t, locales, lang)
		for k, v := range enText {
			for _, ph := range placeholder.FindAllString(v, -1) {
				if tr, ok := text[k]; ok && !strings.Contains(tr, ph) {
					t.Errorf("%s: %s lacks the placeholder %s", lang, k, ph)
				}
			}
		}
	}
}

// catalogueText reads one language's messages as written, placeholders and all.
func catalogueText(t *testing.T, locales fs.FS, lang string) map[string]string {
	t.Helper()
	ids, _ := MessageIDs(locales, lang)
	raw := map[string]string{}
	for k := range ids {
		raw[k] = rawMessage(t, locales, lang, k)
	}
	return raw
}

// rawMessage reads a message as written, placeholders and all.
func rawMessage(t *testing.T, locales fs.FS, lang, key string) string {
	t.Helper()
	files, _ := fs.Glob(locales, "*."+lang+".yaml")
	for _, f := range files {
		data, _ := fs.ReadFile(locales, f)
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, key+": ") {
				return strings.Trim(strings.TrimPrefix(line, key+": "), `"`)
			}
		}
	}
	return ""
}

func TestLanguageNegotiation(t *testing.T) {
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
	locales, _ := fs.Sub(views.FS, "locales")
	tr, err := NewTranslator(locales)
	if err != nil {
		t.Fatal(err)
	}
	return tr.For(lang).T(key)
}
