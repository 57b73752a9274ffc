package content_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"proact/content"
	"proact/models"
)

// validFile is a complete, valid practice note file.
const validFile = `---
title: Mobile units in the strawberry fields
summary: Caseworkers visit farms with labour inspectors during the harvest.
language: en
countries: [ES, RO]
topics: [outreach, labour-inspection]
sectors: [A]
indicators: [deception, withholding-of-wages]
target_groups: [seasonal-workers]
stage: pilot
evidence: monitoring-data
visibility: members
organisation: huelva-field-workers
translation_of: mobile-units-original
published: 2026-03-15
---
## Context

Every spring thousands of workers arrive.
`

// fileWith returns validFile with the front matter line that starts with
// key+":" replaced by line.
func fileWith(t *testing.T, key, line string) string {
	t.Helper()
	lines := strings.Split(validFile, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, key+":") {
			lines[i] = line
			return strings.Join(lines, "\n")
		}
	}
	t.Fatalf("validFile has no %q line", key)
	return ""
}

// asProblems returns the Problems carried by err, failing the test when err is
// not a Problems list.
func asProblems(t *testing.T, err error) content.Problems {
	t.Helper()
	var ps content.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v (%T) is not content.Problems", err, err)
	}
	return ps
}

// findProblem returns the first problem about field, or false.
func findProblem(ps content.Problems, field string) (content.Problem, bool) {
	for _, p := range ps {
		if p.Field == field {
			return p, true
		}
	}
	return content.Problem{}, false
}

func TestSplitFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		data      string
		wantTitle string
		wantBody  string
		wantErr   string // substring of the error; empty means success
	}{
		{name: "valid", data: validFile, wantTitle: "Mobile units in the strawberry fields",
			wantBody: "## Context\n\nEvery spring thousands of workers arrive.\n"},
		{name: "CRLF", data: strings.ReplaceAll(validFile, "\n", "\r\n"),
			wantTitle: "Mobile units in the strawberry fields",
			wantBody:  "## Context\n\nEvery spring thousands of workers arrive.\n"},
		{name: "BOM", data: "\xef\xbb\xbf" + validFile, wantTitle: "Mobile units in the strawberry fields",
			wantBody: "## Context\n\nEvery spring thousands of workers arrive.\n"},
		{name: "BOM and CRLF", data: "\xef\xbb\xbf" + strings.ReplaceAll(validFile, "\n", "\r\n"),
			wantTitle: "Mobile units in the strawberry fields",
			wantBody:  "## Context\n\nEvery spring thousands of workers arrive.\n"},
		{name: "blank lines before the body are dropped", data: "---\ntitle: T\n---\n\n\nBody\n",
			wantTitle: "T", wantBody: "Body\n"},
		{name: "front matter only", data: "---\ntitle: T\n---", wantTitle: "T"},
		{name: "empty front matter", data: "---\n---\nBody\n", wantBody: "Body\n"},
		{name: "empty front matter, no body", data: "---\n---"},
		{name: "missing front matter", data: "## Context\n\nNo metadata.\n", wantErr: "front matter block"},
		{name: "empty file", data: "", wantErr: "front matter block"},
		{name: "unclosed front matter", data: "---\ntitle: T\nBody\n", wantErr: "front matter block"},
		{name: "delimiter not at the start", data: "\n---\ntitle: T\n---\nBody\n", wantErr: "front matter block"},
		{name: "unknown field", data: fileWith(t, "stage", "colour: blue"), wantErr: "colour"},
		{name: "broken YAML", data: "---\ntitle: [unclosed\n---\nBody\n", wantErr: "front matter"},
		{name: "list where a string is expected", data: fileWith(t, "title", "title: [a, b]"), wantErr: "front matter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fm, body, err := content.SplitFile([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("SplitFile(%q): no error, want one containing %q", tt.data, tt.wantErr)
				}
				ps := asProblems(t, err)
				if len(ps) == 0 || ps[0].Field != "front matter" {
					t.Errorf("SplitFile(%q): problems %+v, want one about the front matter", tt.data, ps)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("SplitFile(%q): error %q, want it to contain %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SplitFile(%q): %v", tt.data, err)
			}
			if fm.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", fm.Title, tt.wantTitle)
			}
			if body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestSplitFileUnknownFieldNamesIt(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"author", "tags", "Title", "organization"} {
		t.Run(field, func(t *testing.T) {
			t.Parallel()
			data := strings.Replace(validFile, "---\ntitle:", "---\n"+field+": x\ntitle:", 1)
			_, _, err := content.SplitFile([]byte(data))
			ps := asProblems(t, err)
			if len(ps) != 1 || ps[0].Key != "validation.bad_yaml" || !strings.Contains(ps[0].Value, field) {
				t.Errorf("problems %+v, want one bad_yaml problem naming %q", ps, field)
			}
			// The field is on line 2 of the file; the message says so.
			if len(ps) == 1 && !strings.Contains(ps[0].Value, "line 2:") {
				t.Errorf("problem value %q, want it to give the file's line 2", ps[0].Value)
			}
		})
	}
}

func TestParseNoteValid(t *testing.T) {
	t.Parallel()
	n, err := content.ParseNote("mobile-units", []byte(validFile))
	if err != nil {
		t.Fatalf("ParseNote: %v", err)
	}
	want := &content.Note{
		Slug: "mobile-units",
		FrontMatter: content.FrontMatter{
			Title:         "Mobile units in the strawberry fields",
			Summary:       "Caseworkers visit farms with labour inspectors during the harvest.",
			Language:      "en",
			Countries:     []string{"ES", "RO"},
			Topics:        []string{"outreach", "labour-inspection"},
			Sectors:       []string{"A"},
			Indicators:    []string{"deception", "withholding-of-wages"},
			TargetGroups:  []string{"seasonal-workers"},
			Stage:         "pilot",
			Evidence:      "monitoring-data",
			Visibility:    "members",
			Organisation:  "huelva-field-workers",
			TranslationOf: "mobile-units-original",
			Published:     "2026-03-15",
		},
		Body: "## Context\n\nEvery spring thousands of workers arrive.\n",
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("ParseNote =\n%+v\nwant\n%+v", n, want)
	}
}

func TestParseNoteDefaultsVisibility(t *testing.T) {
	t.Parallel()
	n, err := content.ParseNote("x", []byte(fileWith(t, "visibility", "")))
	if err != nil {
		t.Fatalf("ParseNote: %v", err)
	}
	if n.Visibility != models.VisibilityPublic {
		t.Errorf("visibility = %q, want %q", n.Visibility, models.VisibilityPublic)
	}
}

func TestParseNoteProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		slug      string
		data      string
		field     string
		key       string
		value     string // expected Problem.Value; "-" means not checked
		wantError string // substring of the problem's sentence
	}{
		{name: "bad country", data: fileWith(t, "countries", "countries: [ES, XX]"),
			field: "countries", key: "validation.unknown_term", value: "XX"},
		{name: "lower-case country", data: fileWith(t, "countries", "countries: [es]"),
			field: "countries", key: "validation.unknown_term", value: "es"},
		{name: "no country", data: fileWith(t, "countries", "countries: []"),
			field: "countries", key: "validation.required", value: ""},
		{name: "bad topic", data: fileWith(t, "topics", "topics: [outreach, gardening]"),
			field: "topics", key: "validation.unknown_term", value: "gardening"},
		{name: "bad sector", data: fileWith(t, "sectors", "sectors: [Z]"),
			field: "sectors", key: "validation.unknown_term", value: "Z"},
		{name: "bad indicator", data: fileWith(t, "indicators", "indicators: [boredom]"),
			field: "indicators", key: "validation.unknown_term", value: "boredom"},
		{name: "bad target group", data: fileWith(t, "target_groups", "target_groups: [tourists]"),
			field: "target_groups", key: "validation.unknown_term", value: "tourists"},
		{name: "bad language", data: fileWith(t, "language", "language: klingon"),
			field: "language", key: "validation.unknown_term", value: "klingon"},
		{name: "no language", data: fileWith(t, "language", "language: \"\""),
			field: "language", key: "validation.required", value: ""},
		{name: "bad stage", data: fileWith(t, "stage", "stage: finished"),
			field: "stage", key: "validation.unknown_term", value: "finished"},
		{name: "bad evidence", data: fileWith(t, "evidence", "evidence: anecdotes"),
			field: "evidence", key: "validation.unknown_term", value: "anecdotes"},
		{name: "bad visibility", data: fileWith(t, "visibility", "visibility: secret"),
			field: "visibility", key: "validation.unknown_term", value: "secret"},
		{name: "bad date", data: fileWith(t, "published", "published: 15/03/2026"),
			field: "published", key: "validation.bad_date", value: "15/03/2026"},
		{name: "impossible date", data: fileWith(t, "published", "published: 2026-02-30"),
			field: "published", key: "validation.bad_date", value: "2026-02-30"},
		{name: "bad slug", slug: "Mobile_Units", data: validFile,
			field: "slug", key: "validation.bad_slug", value: "Mobile_Units"},
		{name: "empty slug", slug: "", data: validFile,
			field: "slug", key: "validation.bad_slug", value: ""},
		{name: "slug too long", slug: strings.Repeat("a", content.MaxSlug+1), data: validFile,
			field: "slug", key: "validation.bad_slug", value: "-"},
		{name: "bad organisation slug", data: fileWith(t, "organisation", "organisation: Huelva Workers"),
			field: "organisation", key: "validation.bad_slug", value: "Huelva Workers"},
		{name: "bad translation_of slug", data: fileWith(t, "translation_of", "translation_of: ../etc/passwd"),
			field: "translation_of", key: "validation.bad_slug", value: "../etc/passwd"},
		{name: "no title", data: fileWith(t, "title", "title: \"   \""),
			field: "title", key: "validation.required", value: ""},
		{name: "title too long", data: fileWith(t, "title", "title: "+strings.Repeat("x", content.MaxTitle+1)),
			field: "title", key: "validation.too_long", value: "", wantError: "title is too long"},
		{name: "summary too long", data: fileWith(t, "summary", "summary: "+strings.Repeat("x", content.MaxSummary+1)),
			field: "summary", key: "validation.too_long", value: ""},
		{name: "NUL in title", data: fileWith(t, "title", `title: "a\0b"`),
			field: "title", key: "validation.bad_text", value: ""},
		{name: "NUL in body", data: validFile + "a\x00b\n",
			field: "body", key: "validation.bad_text", value: ""},
		{name: "no body", data: strings.SplitAfter(validFile, "published: 2026-03-15\n---\n")[0],
			field: "body", key: "validation.required", value: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			slug := tt.slug
			if slug == "" && tt.field != "slug" {
				slug = "mobile-units"
			}
			n, err := content.ParseNote(slug, []byte(tt.data))
			if err == nil {
				t.Fatalf("ParseNote: no error, want a %s problem about %s", tt.key, tt.field)
			}
			if n == nil {
				t.Errorf("ParseNote returned no note with its problems")
			}
			ps := asProblems(t, err)
			p, ok := findProblem(ps, tt.field)
			if !ok {
				t.Fatalf("problems %+v, want one about %q", ps, tt.field)
			}
			if p.Key != tt.key {
				t.Errorf("problem %+v: key %q, want %q", p, p.Key, tt.key)
			}
			if tt.value != "-" && p.Value != tt.value {
				t.Errorf("problem %+v: value %q, want %q", p, p.Value, tt.value)
			}
			if len(ps) != 1 {
				t.Errorf("problems %+v, want only the one about %q", ps, tt.field)
			}
			msg := p.Error()
			if !strings.Contains(msg, tt.field) || (p.Value != "" && !strings.Contains(msg, p.Value)) {
				t.Errorf("problem sentence %q does not name the field %q and value %q", msg, tt.field, p.Value)
			}
			if tt.wantError != "" && !strings.Contains(err.Error(), tt.wantError) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantError)
			}
		})
	}
}

// TestParseNoteNULByteInYAML checks that a raw NUL byte in the front matter is
// refused (by the YAML reader or by validation), never stored.
func TestParseNoteNULByteInYAML(t *testing.T) {
	t.Parallel()
	_, err := content.ParseNote("x", []byte(fileWith(t, "title", "title: a\x00b")))
	ps := asProblems(t, err)
	if len(ps) == 0 || (ps[0].Field != "front matter" && ps[0].Field != "title") {
		t.Errorf("problems %+v, want one about the front matter or the title", ps)
	}
}

func TestParseNoteReportsEveryProblem(t *testing.T) {
	t.Parallel()
	data := fileWith(t, "stage", "stage: finished")
	data = strings.Replace(data, "evidence: monitoring-data", "evidence: anecdotes", 1)
	data = strings.Replace(data, "countries: [ES, RO]", "countries: [ES, XX, YY]", 1)
	_, err := content.ParseNote("x", []byte(data))
	ps := asProblems(t, err)
	var got []string
	for _, p := range ps {
		got = append(got, p.Field+"="+p.Value)
	}
	want := []string{"countries=XX", "countries=YY", "stage=finished", "evidence=anecdotes"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

// sameNote reports how two notes differ (empty when they are the same); a nil
// and an empty term list count as the same, which is what YAML can express.
func sameNote(a, b *content.Note) string {
	var diffs []string
	str := func(field, x, y string) {
		if x != y {
			diffs = append(diffs, field+": "+quote(x)+" != "+quote(y))
		}
	}
	list := func(field string, x, y []string) {
		if !slices.Equal(x, y) {
			diffs = append(diffs, field+": "+strings.Join(x, ",")+" != "+strings.Join(y, ","))
		}
	}
	str("slug", a.Slug, b.Slug)
	str("title", a.Title, b.Title)
	str("summary", a.Summary, b.Summary)
	str("language", a.Language, b.Language)
	list("countries", a.Countries, b.Countries)
	list("topics", a.Topics, b.Topics)
	list("sectors", a.Sectors, b.Sectors)
	list("indicators", a.Indicators, b.Indicators)
	list("target_groups", a.TargetGroups, b.TargetGroups)
	str("stage", a.Stage, b.Stage)
	str("evidence", a.Evidence, b.Evidence)
	str("visibility", a.Visibility, b.Visibility)
	str("organisation", a.Organisation, b.Organisation)
	str("translation_of", a.TranslationOf, b.TranslationOf)
	str("published", a.Published, b.Published)
	str("body", a.Body, b.Body)
	return strings.Join(diffs, "; ")
}

// quote shortens s to 80 runes and shows its newlines, for a diff line.
func quote(s string) string {
	q := []rune(s)
	if len(q) > 80 {
		s = string(q[:80]) + "…"
	}
	return `"` + strings.ReplaceAll(s, "\n", `\n`) + `"`
}

func TestMarshalNoteRoundTrip(t *testing.T) {
	t.Parallel()
	full, err := content.ParseNote("mobile-units", []byte(validFile))
	if err != nil {
		t.Fatalf("ParseNote: %v", err)
	}
	tricky := *full
	tricky.Slug = "tricky"
	tricky.Title = `Title: with "quotes", 'apostrophes', # hash & ampersand`
	tricky.Summary = "Line one\nline two\n\n  indented line three"
	tricky.Body = "---\nNot front matter.\n---\n\n- item\n"
	yamlish := *full
	yamlish.Slug = "yamlish"
	yamlish.Title = "yes"
	yamlish.Summary = "2026-03-15"
	yamlish.Body = "null\n"
	greek := *full
	greek.Slug = "greek"
	greek.Title = "Κινητές μονάδες στα χωράφια με φράουλες"
	greek.Summary = "Резултати и поуки — «quotes» “curly” ‘single’"
	greek.Language = "el"
	greek.Body = "## Αξιολόγηση\n\nΚείμενο.\n"
	spaces := *full
	spaces.Slug = "spaces"
	spaces.Title = "  leading and trailing  "
	spaces.Summary = "trailing space \nnext"
	minimal := &content.Note{Slug: "minimal", Body: "Body.\n", FrontMatter: content.FrontMatter{
		Title: "T", Language: "en", Countries: []string{"EU"}, Visibility: models.VisibilityPublic,
	}}
	tests := []struct {
		name string
		note *content.Note
	}{
		{"full", full},
		{"YAML special characters", &tricky},
		{"values YAML would read as other types", &yamlish},
		{"Greek and Cyrillic", &greek},
		{"surrounding spaces", &spaces},
		{"minimal", minimal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := content.MarshalNote(tt.note)
			if err != nil {
				t.Fatalf("MarshalNote: %v", err)
			}
			got, err := content.ParseNote(tt.note.Slug, data)
			if err != nil {
				t.Fatalf("ParseNote of\n%s\n: %v", data, err)
			}
			if d := sameNote(got, tt.note); d != "" {
				t.Errorf("round trip changed the note: %s\nfile:\n%s", d, data)
			}
			again, err := content.MarshalNote(got)
			if err != nil {
				t.Fatalf("MarshalNote (second time): %v", err)
			}
			if string(again) != string(data) {
				t.Errorf("the second MarshalNote differs:\n%s\nwant\n%s", again, data)
			}
		})
	}
	t.Run("full is identical", func(t *testing.T) {
		t.Parallel()
		data, err := content.MarshalNote(full)
		if err != nil {
			t.Fatalf("MarshalNote: %v", err)
		}
		got, err := content.ParseNote(full.Slug, data)
		if err != nil {
			t.Fatalf("ParseNote: %v", err)
		}
		if !reflect.DeepEqual(got, full) {
			t.Errorf("round trip = %+v, want %+v", got, full)
		}
	})
}

func TestMarshalNoteAddsFinalNewline(t *testing.T) {
	t.Parallel()
	n := &content.Note{Slug: "x", Body: "no newline", FrontMatter: content.FrontMatter{Title: "T"}}
	data, err := content.MarshalNote(n)
	if err != nil {
		t.Fatalf("MarshalNote: %v", err)
	}
	if !strings.HasSuffix(string(data), "\n---\nno newline\n") {
		t.Errorf("MarshalNote = %q, want the body after the closing delimiter, ending in a newline", data)
	}
}

func TestProblemError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p    content.Problem
		want string
	}{
		{content.Problem{Field: "title", Key: "validation.required"}, "title is required"},
		{content.Problem{Field: "topics", Value: "x", Key: "validation.unknown_term"}, `topics: "x" is not in the list of accepted values`},
		{content.Problem{Field: "published", Value: "soon", Key: "validation.bad_date"}, `published: "soon" is not a date (YYYY-MM-DD)`},
		{content.Problem{Field: "title", Key: "validation.unheard_of"}, "title: validation.unheard_of"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("%+v.Error() = %q, want %q", tt.p, got, tt.want)
		}
	}
	ps := content.Problems{tests[0].p, tests[1].p}
	if got, want := ps.Error(), tests[0].want+"; "+tests[1].want; got != want {
		t.Errorf("Problems.Error() = %q, want %q", got, want)
	}
}

func TestValidSlug(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    string
		want bool
	}{
		{"mobile-units", true},
		{"a1", true},
		{strings.Repeat("a", content.MaxSlug), true},
		{strings.Repeat("a", content.MaxSlug+1), false},
		{"", false},
		{"-a", false},
		{"a-", false},
		{"a--b", false},
		{"A", false},
		{"a_b", false},
		{"a/b", false},
		{"..", false},
		{"ελληνικά", false},
	}
	for _, tt := range tests {
		if got := content.ValidSlug(tt.s); got != tt.want {
			t.Errorf("ValidSlug(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
