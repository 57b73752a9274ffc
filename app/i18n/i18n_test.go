package i18n

import (
	"io/fs"
	"regexp"
	"slices"
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
	raw := make(map[string]string, len(ids))
	for k := range ids {
		raw[k] = ""
	}
	// Each file once (reading them all again for each key was quadratic:
	// seconds per language): a key's first line "key: ...", in the files'
	// order, is its message.
	seen := map[string]bool{}
	files, _ := fs.Glob(locales, "*."+lang+".yaml")
	for _, f := range files {
		data, _ := fs.ReadFile(locales, f)
		for _, line := range strings.Split(string(data), "\n") {
			key, msg, ok := strings.Cut(line, ": ")
			if _, known := raw[key]; !ok || !known || seen[key] {
				continue
			}
			seen[key] = true
			raw[key] = strings.Trim(msg, `"`)
		}
	}
	return raw
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

// TestPluralForms: a message that counts gives every form its language's
// grammar needs (Romanian and Polish three), is chosen by the number, and
// nothing is written "result(s)" any more.
func TestPluralForms(t *testing.T) {
	locales, err := fs.Sub(views.FS, "locales")
	if err != nil {
		t.Fatal(err)
	}
	needs := map[string][]string{
		"en": {"one", "other"}, "nl": {"one", "other"}, "de": {"one", "other"},
		"fr": {"one", "other"}, "es": {"one", "other"}, "it": {"one", "other"},
		"ro": {"few", "one", "other"}, "pl": {"few", "many", "one"},
	}
	en, err := PluralForms(locales, "en")
	if err != nil || len(en) == 0 {
		t.Fatalf("English plural messages: %v %v", en, err)
	}
	for _, lang := range Languages() {
		forms, err := PluralForms(locales, lang)
		if err != nil {
			t.Fatal(err)
		}
		for key := range en {
			for _, need := range needs[lang] {
				if !slices.Contains(forms[key], need) {
					t.Errorf("%s: %s has no %q form (has %v)", lang, key, need, forms[key])
				}
			}
		}
	}
	tr, err := New(locales)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang  string
		count any
		want  string
	}{
		{"en", 1, "1 result"}, {"en", int64(2), "2 results"}, {"en", uint64(0), "0 results"},
		{"ro", 1, "1 rezultat"}, {"ro", 2, "2 rezultate"}, {"ro", 19, "19 rezultate"}, {"ro", 20, "20 de rezultate"}, {"ro", 101, "101 rezultate"},
		{"pl", 1, "1 wynik"}, {"pl", 3, "3 wyniki"}, {"pl", 5, "5 wyników"}, {"pl", 22, "22 wyniki"}, {"pl", 25, "25 wyników"}, {"pl", 12, "12 wyników"},
		{"fr", 0, "0 résultat"}, {"fr", 2, "2 résultats"}, {"fr", 1000000, "1000000 résultats"},
		{"de", 1, "1 Ergebnis"}, {"de", 7, "7 Ergebnisse"},
	} {
		if got := tr.For(c.lang).T("search.found_filtered", "Count", c.count); got != c.want {
			t.Errorf("%s %v: %q, want %q", c.lang, c.count, got, c.want)
		}
	}
	// "(s)", "(e)", "/i" after a word, in a message with a number: a
	// plural hedged rather than chosen ("connecté(e)" without one is gender).
	hedge := regexp.MustCompile(`\p{L}(\((s|e|en|n|es|i|uri)\)|/(i|e|minuten)\b)`)
	number := regexp.MustCompile(`{{\.(Count|Minutes|Min|Max)}}`)
	for _, lang := range Languages() {
		for k, v := range catalogueText(t, locales, lang) {
			if number.MatchString(v) && hedge.MatchString(v) {
				t.Errorf("%s: %s still hedges its plural: %q", lang, k, v)
			}
		}
	}
}
