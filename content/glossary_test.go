package content_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/cases"

	"proact/content"
	"proact/models"
)

// euLanguages are the 24 official EU languages, which models lists first.
var euLanguages = models.Languages().Terms()[:24]

func embedded(t testing.TB) *content.Glossary {
	t.Helper()
	g, err := content.LoadGlossary()
	if err != nil {
		t.Fatalf("LoadGlossary: %v", err)
	}
	return g
}

func TestEmbeddedGlossaryIsComplete(t *testing.T) {
	g := embedded(t)
	concepts := g.Concepts()
	if len(concepts) < 150 {
		t.Errorf("%d concepts, want at least 150", len(concepts))
	}
	if got := g.Languages(); !slices.Equal(got, slices.Sorted(slices.Values(euLanguages))) {
		t.Errorf("Languages() = %v, want the 24 EU languages", got)
	}
	if !slices.IsSortedFunc(concepts, func(a, b content.Concept) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("Concepts() is not sorted by ID")
	}
	perCategory := map[string]int{}
	var indicators []string
	for _, c := range concepts {
		perCategory[c.Category]++
		if c.Category == "indicator" {
			indicators = append(indicators, c.ID)
		}
		for _, lang := range euLanguages {
			if len(c.Terms[lang]) == 0 || c.Terms[lang][0] == "" {
				t.Errorf("concept %s has no term in %s", c.ID, lang)
			}
		}
		if len(c.Terms) != 24 {
			t.Errorf("concept %s has terms in %d languages, want 24", c.ID, len(c.Terms))
		}
	}
	// The indicators are exactly the vocabulary that notes are tagged with.
	if want := slices.Sorted(slices.Values(models.Indicators().Terms())); !slices.Equal(indicators, want) {
		t.Errorf("indicator concepts %v, want the ILO's 11: %v", indicators, want)
	}
	for _, cat := range []string{"indicator", "exploitation", "actor", "service", "remedy", "sector", "document", "process"} {
		if perCategory[cat] < 10 {
			t.Errorf("category %s has %d concepts, want at least 10", cat, perCategory[cat])
		}
	}
	t.Logf("%d concepts: %v", len(concepts), perCategory)
}

// termIndex maps "lang:case-folded term" to the concepts that have the term.
func termIndex(g *content.Glossary) map[string][]string {
	fold := cases.Fold()
	idx := map[string][]string{}
	for _, c := range g.Concepts() {
		for lang, terms := range c.Terms {
			for _, term := range terms {
				key := lang + ":" + fold.String(term)
				idx[key] = append(idx[key], c.ID)
			}
		}
	}
	return idx
}

func TestEmbeddedGlossaryJoinsLanguages(t *testing.T) {
	idx := termIndex(embedded(t))
	fold := cases.Fold()
	tests := []struct {
		concept string
		terms   []string // "lang:term"
	}{
		{"debt-bondage", []string{"en:debt bondage", "en:bonded labour", "fr:servitude pour dettes",
			"ro:robie prin îndatorare", "ro:servitute pentru datorii", "de:Schuldknechtschaft",
			"nl:schuldslavernij", "pl:niewola za długi", "bg:дългово робство", "el:δουλεία λόγω χρέους"}},
		{"labour-inspectorate", []string{"en:labour inspectorate", "de:Arbeitsinspektion", "de:ARBEITSAUFSICHT",
			"ro:inspecția muncii", "fr:inspection du travail", "nl:arbeidsinspectie",
			"pl:Państwowa Inspekcja Pracy", "it:ispettorato del lavoro", "es:Inspección de Trabajo"}},
		{"withholding-of-wages", []string{"en:withholding of wages", "en:unpaid wages", "fr:retenue de salaire",
			"de:Lohnvorenthaltung", "ro:reținerea salariilor", "nl:inhouden van loon",
			"pl:niewypłacanie wynagrodzenia", "it:mancato pagamento delle retribuzioni", "es:retención del salario"}},
		{"forced-labour", []string{"en:forced labour", "en:forced labor", "fr:travail forcé", "de:Zwangsarbeit",
			"ro:muncă forțată", "pl:praca przymusowa", "el:καταναγκαστική εργασία", "bg:принудителен труд"}},
		{"trafficking-in-human-beings", []string{"en:human trafficking", "fr:traite des êtres humains",
			"de:Menschenhandel", "ro:trafic de persoane", "nl:mensenhandel", "bg:трафик на хора"}},
		{"seasonal-worker", []string{"en:seasonal worker", "fr:travailleur saisonnier", "de:Saisonarbeitskraft",
			"ro:lucrător sezonier", "pl:pracownik sezonowy", "es:temporero"}},
		{"posted-worker", []string{"en:posted worker", "fr:travailleur détaché", "de:entsandter Arbeitnehmer",
			"pl:pracownik delegowany", "ro:lucrător detașat"}},
		{"reflection-period", []string{"en:recovery and reflection period", "fr:délai de réflexion",
			"de:Bedenkfrist", "nl:bedenktijd"}},
		{"meat-processing", []string{"en:meat processing", "de:Fleischindustrie", "nl:vleesindustrie", "da:kødindustri"}},
		{"illegal-labour-intermediation", []string{"it:caporalato", "nl:koppelbazerij", "en:illegal gangmastering"}},
	}
	for _, tt := range tests {
		for _, lt := range tt.terms {
			lang, term, _ := strings.Cut(lt, ":")
			got := idx[lang+":"+fold.String(term)]
			if !slices.Equal(got, []string{tt.concept}) {
				t.Errorf("%s %q belongs to %v, want [%s]", lang, term, got, tt.concept)
			}
		}
	}
}

// sameAsEnglish lists the concepts whose preferred term really is spelt as
// in English in some languages (names, and words such as French "police").
var sameAsEnglish = map[string][]string{
	"isolation":      {"da", "de"},
	"servitude":      {"fr"},
	"social-dumping": {"da"},
	"police":         {"fr"},
	"agriculture":    {"fr"},
	"construction":   {"fr"},
	"visa":           {"fr"},
	"identification": {"fr"},
	"europol":        euLanguages,
	"eurojust":       euLanguages,
}

var (
	acronym = regexp.MustCompile(`^[\p{Lu}0-9-]+$`)
	word    = regexp.MustCompile(`[\p{L}\p{M}]+`)
)

// TestEmbeddedGlossaryIsWrittenInEachLanguage guards against placeholders
// and typing slips: an English copy, a word that mixes scripts (a Cyrillic
// "а" in a Latin word looks right and never matches), Romanian cedillas.
func TestEmbeddedGlossaryIsWrittenInEachLanguage(t *testing.T) {
	native := map[string]*unicode.RangeTable{"bg": unicode.Cyrillic, "el": unicode.Greek}
	for _, c := range embedded(t).Concepts() {
		english := map[string]bool{}
		for _, term := range c.Terms["en"] {
			english[strings.ToLower(term)] = true
		}
		for lang, terms := range c.Terms {
			if lang != "en" && strings.EqualFold(terms[0], c.Terms["en"][0]) && !slices.Contains(sameAsEnglish[c.ID], lang) {
				t.Errorf("%s/%s: the preferred term %q is the English one", c.ID, lang, terms[0])
			}
			script := native[lang]
			if script == nil {
				script = unicode.Latin
			}
			for i, term := range terms {
				for _, w := range word.FindAllString(term, -1) {
					if !inScript(w, unicode.Latin) && !inScript(w, unicode.Cyrillic) && !inScript(w, unicode.Greek) {
						t.Errorf("%s/%s: %q mixes scripts in %q", c.ID, lang, term, w)
					}
				}
				latinLoan := acronym.MatchString(term) || english[strings.ToLower(term)]
				switch {
				case script != unicode.Latin && i == 0 && !hasScript(term, script):
					t.Errorf("%s/%s: the preferred term %q is not in the language's script", c.ID, lang, term)
				case script != unicode.Latin && !hasScript(term, script) && !latinLoan:
					t.Errorf("%s/%s: %q is not in the language's script (nor an acronym or the English name)", c.ID, lang, term)
				case script == unicode.Latin && (hasScript(term, unicode.Cyrillic) || hasScript(term, unicode.Greek)):
					t.Errorf("%s/%s: %q has Cyrillic or Greek letters", c.ID, lang, term)
				case lang == "ro" && strings.ContainsAny(term, "şţŞŢ"):
					t.Errorf("%s/ro: %q uses ş/ţ with a cedilla; Romanian writes ș/ț with a comma below", c.ID, term)
				}
			}
		}
	}
}

func inScript(w string, script *unicode.RangeTable) bool {
	for _, r := range w {
		if unicode.IsLetter(r) && !unicode.Is(script, r) {
			return false
		}
	}
	return true
}

func hasScript(s string, script *unicode.RangeTable) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(script, r) }) >= 0
}

// TestEmbeddedGlossaryOverlapsAreDeliberate documents the one term two
// concepts share: Romanian abbreviates both the ILO and the IOM as "OIM".
func TestEmbeddedGlossaryOverlapsAreDeliberate(t *testing.T) {
	for key, ids := range termIndex(embedded(t)) {
		if len(ids) > 1 && key != "ro:oim" {
			t.Errorf("%s is a term of %v", key, ids)
		}
	}
}

func TestConceptsReturnsACopy(t *testing.T) {
	g := embedded(t)
	cs := g.Concepts()
	cs[0].Terms["en"][0] = "changed"
	cs[0].Terms["xx"] = []string{"added"}
	cs[1] = content.Concept{ID: "replaced"}
	again := g.Concepts()
	if again[0].Terms["en"][0] == "changed" || again[0].Terms["xx"] != nil || again[1].ID == "replaced" {
		t.Error("changing the result of Concepts() changed the glossary")
	}
}

// fixture writes a glossary file: each concept is "id category", and gets a
// term "<id> <lang>" in every language, changed by the edits ("lang: [...]"
// lines replace that language's line, "-lang" removes it, other lines are
// added to the concept as they are).
type fixtureConcept struct {
	head  string
	edits []string
}

func fixture(concepts ...fixtureConcept) string {
	var b strings.Builder
	b.WriteString("# a test glossary\nconcepts:\n")
	for _, c := range concepts {
		id, category, _ := strings.Cut(c.head, " ")
		fmt.Fprintf(&b, "  - id: %s\n    category: %s\n", id, category)
		replace := map[string]string{}
		for _, e := range c.edits {
			switch lang, _, isLang := strings.Cut(e, ":"); {
			case strings.HasPrefix(e, "-"):
				replace[e[1:]] = ""
			case isLang && len(lang) == 2:
				replace[lang] = e
			default:
				fmt.Fprintf(&b, "    %s\n", e)
			}
		}
		b.WriteString("    terms:\n")
		for _, lang := range euLanguages {
			line, ok := replace[lang]
			switch {
			case !ok:
				fmt.Fprintf(&b, "      %s: [%s %s, %s %s synonym]\n", lang, id, lang, id, lang)
			case line != "":
				fmt.Fprintf(&b, "      %s\n", line)
			}
			delete(replace, lang)
		}
		for _, line := range replace { // languages that are not EU languages
			if line != "" {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
	}
	return b.String()
}

func parse(t *testing.T, yaml string) (*content.Glossary, error) {
	t.Helper()
	return content.ParseGlossary(strings.NewReader(yaml))
}

func TestParseGlossaryAcceptsAValidFile(t *testing.T) {
	g, err := parse(t, fixture(
		fixtureConcept{head: "beta process", edits: []string{"fr: [  Bêta   FR ]", "de: Beta allein"}},
		fixtureConcept{head: "alpha indicator"},
	))
	if err != nil {
		t.Fatal(err)
	}
	cs := g.Concepts()
	if len(cs) != 2 || cs[0].ID != "alpha" || cs[1].ID != "beta" || cs[1].Category != "process" {
		t.Fatalf("concepts = %+v", cs)
	}
	if got := cs[1].Terms["fr"]; !slices.Equal(got, []string{"Bêta FR"}) {
		t.Errorf("fr terms = %q, want the term with single spaces", got)
	}
	if got := cs[1].Terms["de"]; !slices.Equal(got, []string{"Beta allein"}) {
		t.Errorf("a single term without brackets: de terms = %q", got)
	}
	if got := cs[0].Terms["ro"]; !slices.Equal(got, []string{"alpha ro", "alpha ro synonym"}) {
		t.Errorf("ro terms = %q, want the preferred term first", got)
	}
}

func TestParseGlossaryRejects(t *testing.T) {
	decomposed := "t\u0326" // t + combining comma below: the same letter as "ț"
	tests := []struct {
		name         string
		yaml         string
		concept      string
		lang         string
		wantInReport string
	}{
		{"unknown category", fixture(fixtureConcept{head: "a sector"}, fixtureConcept{head: "b actors"}),
			"b", "", `unknown category "actors"`},
		{"unknown language", fixture(fixtureConcept{head: "a sector", edits: []string{"xx: [term]"}}),
			"a", "xx", "unknown language code"},
		{"language code in capitals", fixture(fixtureConcept{head: "a sector", edits: []string{"-fr", "FR: [terme]"}}),
			"a", "FR", "unknown language code"},
		{"empty term", fixture(fixtureConcept{head: "a sector", edits: []string{`fr: [terme, ""]`}}),
			"a", "fr", "empty term"},
		{"blank term", fixture(fixtureConcept{head: "a sector", edits: []string{`fr: ["   "]`}}),
			"a", "fr", "empty term"},
		{"null term", fixture(fixtureConcept{head: "a sector", edits: []string{"fr: [~]"}}),
			"a", "fr", "empty term"},
		{"no terms in a language", fixture(fixtureConcept{head: "a sector", edits: []string{"fr: []"}}),
			"a", "fr", "no terms are given"},
		{"missing language", fixture(fixtureConcept{head: "a sector"}, fixtureConcept{head: "b sector", edits: []string{"-mt"}}),
			"b", "mt", "terms are missing in this language"},
		{"duplicate id", fixture(fixtureConcept{head: "a sector"}, fixtureConcept{head: "a actor", edits: []string{"en: [other]"}}),
			"a", "", "the id is used by another concept too"},
		{"same term in two concepts", fixture(fixtureConcept{head: "a sector", edits: []string{"de: [Schuldknechtschaft]"}},
			fixtureConcept{head: "b indicator", edits: []string{"de: [Zwangsarbeit, SCHULDKNECHTSCHAFT]"}}),
			"b", "de", `term "SCHULDKNECHTSCHAFT" is also a term of concept "a"`},
		{"same term after Unicode normalisation", fixture(fixtureConcept{head: "a sector", edits: []string{"ro: [muncă forțată]"}},
			fixtureConcept{head: "b indicator", edits: []string{"ro: [muncă for" + decomposed + "ată]"}}),
			"b", "ro", `is also a term of concept "a"`},
		{"term twice in one concept", fixture(fixtureConcept{head: "a sector", edits: []string{"es: [trata, Trata]"}}),
			"a", "es", `term "Trata" is listed twice`},
		{"unknown field", fixture(fixtureConcept{head: "a sector", edits: []string{"catgory: sector"}}),
			"a", "", `unknown field "catgory"`},
		{"id not a slug", fixture(fixtureConcept{head: "Debt_Bondage indicator"}),
			"", "", `id "Debt_Bondage" must be an English slug`},
		{"overlap with a concept that does not exist", fixture(fixtureConcept{head: "a sector", edits: []string{"overlaps: [nobody]"}}),
			"a", "", `overlaps names "nobody"`},
		{"control character", fixture(fixtureConcept{head: "a sector", edits: []string{"it: [\"lavoro\\u0007forzato\"]"}}),
			"a", "it", "control or invisible formatting characters"},
		{"term too long", fixture(fixtureConcept{head: "a sector", edits: []string{"pl: [" + strings.Repeat("praca ", 30) + "]"}}),
			"a", "pl", "longer than 120 characters"},
		{"too many terms", fixture(fixtureConcept{head: "a sector", edits: []string{"lt: [" + numbered("a lt", 21) + "]"}}),
			"a", "lt", "21 terms; at most 20"},
		{"list in a list", fixture(fixtureConcept{head: "a sector", edits: []string{"sv: [[tvångsarbete]]"}}),
			"a", "sv", "expected a term"},
		{"alias", "concepts:\n  - &c {id: a, category: sector, terms: {en: [x]}}\n  - *c\n",
			"", "", "aliases"},
		{"no concepts", "glossary:\n  - id: a\n", "", "", `unknown field "glossary"`},
		{"empty file", "# nothing\n", "", "", "the file is empty"},
		{"not YAML", "concepts: [\n", "", "", "not valid YAML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := parse(t, tt.yaml)
			if err == nil {
				t.Fatalf("no error; glossary %+v", g.Concepts())
			}
			if g != nil {
				t.Error("a glossary came back with the error")
			}
			var ge *content.GlossaryError
			if !errors.As(err, &ge) {
				t.Fatalf("error %v is not a *GlossaryError", err)
			}
			var found *content.GlossaryError
			for _, e := range flatten(err) {
				if found == nil && strings.Contains(e.Error(), tt.wantInReport) {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("error %q does not say %q", err, tt.wantInReport)
			}
			if found.Concept != tt.concept || found.Language != tt.lang {
				t.Errorf("error names concept %q, language %q; want %q, %q", found.Concept, found.Language, tt.concept, tt.lang)
			}
			for _, name := range []string{tt.concept, tt.lang} {
				if name != "" && !strings.Contains(found.Error(), `"`+name+`"`) {
					t.Errorf("message %q does not name %q", found.Error(), name)
				}
			}
		})
	}
}

// numbered returns n terms "prefix 1, prefix 2, ..." for a flow list.
func numbered(prefix string, n int) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = fmt.Sprintf("%s %d", prefix, i+1)
	}
	return strings.Join(terms, ", ")
}

// flatten returns the *GlossaryError values joined in err.
func flatten(err error) []*content.GlossaryError {
	var out []*content.GlossaryError
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	var ge *content.GlossaryError
	if errors.As(err, &ge) {
		out = append(out, ge)
	}
	return out
}

func TestParseGlossaryReportsEveryProblemWithItsLine(t *testing.T) {
	yaml := fixture(
		fixtureConcept{head: "a sector", edits: []string{`fr: [""]`}},
		fixtureConcept{head: "b nonsense", edits: []string{"-ga"}},
	)
	_, err := parse(t, yaml)
	errs := flatten(err)
	if len(errs) != 3 {
		t.Fatalf("%d problems, want 3 (empty term, category, missing language):\n%v", len(errs), err)
	}
	lines := strings.Split(yaml, "\n")
	for _, e := range errs {
		if e.Line < 1 || e.Line > len(lines) {
			t.Errorf("%v: no line", e)
			continue
		}
		line := lines[e.Line-1]
		var want string
		switch {
		case e.Language == "fr":
			want = "fr:"
		case strings.Contains(e.Problem, "category"):
			want = "nonsense"
		default: // a missing language points at the concept
			want = "id: b"
		}
		if !strings.Contains(line, want) {
			t.Errorf("%v points at line %d %q, want the line with %q", e, e.Line, line, want)
		}
	}
}

func TestOverlapAllowsASharedTerm(t *testing.T) {
	for _, side := range []string{"a", "b"} {
		a := fixtureConcept{head: "a actor", edits: []string{"ro: [OIM, Organizația Internațională a Muncii]"}}
		b := fixtureConcept{head: "b actor", edits: []string{"ro: [Organizația Internațională pentru Migrație, oim]"}}
		if side == "a" {
			a.edits = append(a.edits, "overlaps: [b]")
		} else {
			b.edits = append(b.edits, "overlaps: [a]")
		}
		if _, err := parse(t, fixture(a, b)); err != nil {
			t.Errorf("overlaps on %s: %v", side, err)
		}
	}
}

func proposal(t *testing.T, yaml string) *content.Glossary {
	t.Helper()
	p, err := content.ParseProposal(strings.NewReader(yaml))
	if err != nil {
		t.Fatalf("ParseProposal: %v", err)
	}
	return p
}

func TestMergeAddsConceptsAndTerms(t *testing.T) {
	base, err := parse(t, fixture(fixtureConcept{head: "a indicator"}, fixtureConcept{head: "b sector"}))
	if err != nil {
		t.Fatal(err)
	}
	before := base.Concepts()
	p := proposal(t, "concepts:\n"+
		"  - id: a\n    category: indicator\n    terms:\n      fr: [a fr new, A FR]\n      mt: a mt new\n"+
		strings.TrimPrefix(fixture(fixtureConcept{head: "c remedy"}), "# a test glossary\nconcepts:\n"))
	merged, err := base.Merge(p)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	cs := merged.Concepts()
	if ids := []string{cs[0].ID, cs[1].ID, cs[2].ID}; len(cs) != 3 || !slices.Equal(ids, []string{"a", "b", "c"}) {
		t.Fatalf("merged concepts %v", cs)
	}
	if got := cs[0].Terms["fr"]; !slices.Equal(got, []string{"a fr", "a fr synonym", "a fr new"}) {
		t.Errorf("fr terms of a = %q: new terms go after the existing ones, a term already there is not repeated", got)
	}
	if got := cs[0].Terms["mt"]; !slices.Equal(got, []string{"a mt", "a mt synonym", "a mt new"}) {
		t.Errorf("mt terms of a = %q", got)
	}
	if !slices.EqualFunc(base.Concepts(), before, equalConcept) {
		t.Error("Merge changed the glossary it was called on")
	}
}

func equalConcept(a, b content.Concept) bool {
	if a.ID != b.ID || a.Category != b.Category || len(a.Terms) != len(b.Terms) {
		return false
	}
	for lang, terms := range a.Terms {
		if !slices.Equal(terms, b.Terms[lang]) {
			return false
		}
	}
	return true
}

func TestMergeRefusesConflicts(t *testing.T) {
	base, err := parse(t, fixture(fixtureConcept{head: "a indicator", edits: []string{"de: [Schuldknechtschaft]"}},
		fixtureConcept{head: "b sector"}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		proposal string
		concept  string
		lang     string
		want     string
	}{
		{"other category", "concepts:\n  - id: a\n    category: sector\n    terms: {fr: [nouveau]}\n",
			"a", "", `category "sector" differs from the glossary's "indicator"`},
		{"new concept without every language", "concepts:\n  - id: c\n    category: remedy\n    terms: {en: [compensation], fr: [indemnisation]}\n",
			"c", "bg", "terms are missing in this language"},
		{"new term of another concept", "concepts:\n  - id: b\n    category: sector\n    terms: {de: [schuldknechtschaft]}\n",
			"b", "de", `term "schuldknechtschaft" is also a term of concept "a"`},
		{"new concept reusing a term", strings.Replace(fixture(fixtureConcept{head: "0-first remedy"}), "0-first de", "Schuldknechtschaft", 1),
			"0-first", "de", `is also a term of concept "a"`},
		{"overlap with a concept that does not exist", "concepts:\n  - id: b\n    category: sector\n    overlaps: [zzz]\n    terms: {fr: [b fr]}\n",
			"b", "", `overlaps names "zzz"`},
		{"too many terms in all", "concepts:\n  - id: b\n    category: sector\n    terms:\n      it: [" + numbered("b it", 19) + "]\n",
			"b", "it", "21 terms; at most 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			merged, err := base.Merge(proposal(t, tt.proposal))
			if err == nil {
				t.Fatalf("no conflict; merged %+v", merged.Concepts())
			}
			var found *content.GlossaryError
			for _, e := range flatten(err) {
				if found == nil && strings.Contains(e.Error(), tt.want) {
					found = e
				}
			}
			if found == nil {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
			if found.Concept != tt.concept || found.Language != tt.lang {
				t.Errorf("error names %q/%q, want %q/%q", found.Concept, found.Language, tt.concept, tt.lang)
			}
			if found.Line == 0 {
				t.Errorf("%v: no line of the proposal", found)
			}
		})
	}
	// A proposal may share a term on purpose.
	ok := "concepts:\n  - id: b\n    category: sector\n    overlaps: [a]\n    terms: {de: [Schuldknechtschaft]}\n"
	if _, err := base.Merge(proposal(t, ok)); err != nil {
		t.Errorf("a declared overlap: %v", err)
	}
}

func TestMergeIntoTheEmbeddedGlossary(t *testing.T) {
	g := embedded(t)
	same, err := g.Merge(g)
	if err != nil {
		t.Fatalf("merging the glossary into itself: %v", err)
	}
	if !slices.EqualFunc(same.Concepts(), g.Concepts(), equalConcept) {
		t.Error("merging the glossary into itself changed it")
	}
	p := proposal(t, "concepts:\n  - id: debt-bondage\n    category: indicator\n    terms:\n      fr: [servage pour dettes]\n")
	merged, err := g.Merge(p)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	idx := termIndex(merged)
	if got := idx["fr:servage pour dettes"]; !slices.Equal(got, []string{"debt-bondage"}) {
		t.Errorf("the new synonym belongs to %v", got)
	}
	if _, err := content.ParseGlossary(strings.NewReader("concepts:\n  - id: debt-bondage\n    category: indicator\n    terms:\n      fr: [servage pour dettes]\n")); err == nil {
		t.Error("ParseGlossary accepted a concept with one language; only a proposal may")
	}
}

// BenchmarkParseGlossary measures what the first LoadGlossary costs.
func BenchmarkParseGlossary(b *testing.B) {
	data, err := os.ReadFile("glossary.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := content.ParseGlossary(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
