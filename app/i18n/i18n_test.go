package i18n

import (
	"io/fs"
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
	for _, lang := range Languages()[1:] {
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

func TestNegotiate(t *testing.T) {
	tr, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cookie, accept, want string
	}{
		{"", "", "en"},
		{"", "de-AT,de;q=0.9,en;q=0.5", "de"},
		{"", "sv-SE,pl;q=0.8", "pl"},
		{"", "ja-JP", "en"},
		{"ro", "fr-FR", "ro"},
		{"xx<script>", "nl-BE", "nl"},
		{"", "\xff;q=x,,", "en"},
	} {
		if got := tr.Negotiate(tc.cookie, tc.accept).Lang; got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", tc.cookie, tc.accept, got, tc.want)
		}
	}
	fr := tr.For("fr")
	if fr.Country("RO") != "Roumanie" || fr.LanguageName("de") != "allemand" || fr.Label("orgtype", "ngo") == "orgtype.ngo" {
		t.Errorf("French names: %q %q %q", fr.Country("RO"), fr.LanguageName("de"), fr.Label("orgtype", "ngo"))
	}
	if fr.TOr("no.such.key", "raw") != "raw" || SelfName("ro") != "Română" || !Supported("pl") || Supported("sv") {
		t.Error("TOr, SelfName or Supported")
	}
}
