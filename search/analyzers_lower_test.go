package search

import (
	"bytes"
	"context"
	"testing"
	"unicode/utf8"

	"proact/models"
	"proact/models/modelstest"
)

// TestLowerFilter: lower case rune by rune, the rest of a term moved where
// a rune's lower case is shorter (Bleve's to_lower left "i\xb0stanbu").
func TestLowerFilter(t *testing.T) {
	for in, want := range map[string]string{
		"ASCII Words":  "ascii words",
		"İstanbul":     "istanbul",
		"İZMİR":        "izmir",
		"STRAẞE":       "straße",
		"\u212Aelvin":  "kelvin",
		"ΟΔΟΣ":         "οδος",
		"οδοσ":         "οδοσ", // a small sigma stays as it is
		"Ⱥbc":          "ⱥbc",  // a lower case that is wider
		"ÉTÉ été":      "été été",
		"a\xffB":       "a\xffb", // bytes that are not UTF-8 kept
		"":             "",
		"ŁÓDŹ Dąbrowa": "łódź dąbrowa",
	} {
		if got := string(lowerTerm([]byte(in))); got != want {
			t.Errorf("lowerTerm(%q) = %q, want %q", in, got, want)
		}
		if got, std := string(lowerTerm([]byte(in))), string(bytes.ToLower([]byte(in))); in != "ΟΔΟΣ" && utf8.ValidString(in) && got != std {
			t.Errorf("lowerTerm(%q) = %q, bytes.ToLower %q", in, got, std)
		}
	}
}

// TestCapitalsWhoseLowerCaseIsShorterAreFound: "İstanbul", "İzmir" and
// "STRAẞE" in notes, found by their lower case on the live path and after
// a rebuild alike.
func TestCapitalsWhoseLowerCaseIsShorterAreFound(t *testing.T) {
	ctx := context.Background()
	store := modelstest.New(t, models.SQLite)
	live := readyIndex(t, Config{Store: store})
	for _, n := range []*models.Practice{
		note("tr-en", "en", "Recruiters in İstanbul and İzmir", "public"),
		note("tr-de", "de", "Beratung in der HAUPTSTRAẞE", "public"),
	} {
		if err := store.SavePractice(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	catchUp(t, live)
	rebuilt := readyIndex(t, Config{Store: store})
	for _, ix := range []*Index{live, rebuilt} {
		for q, want := range map[string]string{"istanbul": "tr-en", "İstanbul": "tr-en", "izmir": "tr-en", "hauptstraße": "tr-de", "HAUPTSTRAẞE": "tr-de"} {
			res, err := ix.Search(ctx, models.Viewer{}, Query{Text: q, NoExpand: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := slugs(res); len(got) != 1 || got[0] != want || res.Fuzzy {
				t.Errorf("%q: %v (fuzzy %v), want %s", q, got, res.Fuzzy, want)
			}
		}
	}
}
