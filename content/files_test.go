package content_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"proact/content"
	"proact/models"
	"proact/models/modelstest"
)

// importFS imports fsys into store and fails the test on error.
func importFS(t *testing.T, store *models.Store, fsys fs.FS, demo bool) content.ImportReport {
	t.Helper()
	rep, err := content.Import(t.Context(), store, renderer, fsys, demo)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return rep
}

// allPractices returns every stored practice, failing the test on error.
func allPractices(t *testing.T, store *models.Store) []models.Practice {
	t.Helper()
	ps, err := store.AllPractices(t.Context())
	if err != nil {
		t.Fatalf("AllPractices: %v", err)
	}
	return ps
}

// allOrganisations returns every stored organisation, failing the test on error.
func allOrganisations(t *testing.T, store *models.Store) []models.Organisation {
	t.Helper()
	list, err := store.AllOrganisations(t.Context())
	if err != nil {
		t.Fatalf("AllOrganisations: %v", err)
	}
	return list
}

// exportTo exports store into a new temporary folder and returns its path.
func exportTo(t *testing.T, store *models.Store) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := content.Export(t.Context(), store, dir); err != nil {
		t.Fatalf("Export: %v", err)
	}
	return dir
}

// readTree returns every regular file under dir, keyed by its slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return files
}

func TestImportDemo(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		t.Parallel()
		rep := importFS(t, store, content.Demo(), true)
		practices := allPractices(t, store)
		orgs := allOrganisations(t, store)
		if len(practices) < 24 {
			t.Errorf("%d practice notes, want at least 24", len(practices))
		}
		if len(orgs) < 12 {
			t.Errorf("%d organisations, want at least 12", len(orgs))
		}
		if rep.Practices != len(practices) || rep.Organisations != len(orgs) {
			t.Errorf("report %+v, but %d notes and %d organisations are stored", rep, len(practices), len(orgs))
		}
		languages, countries := map[string]bool{}, map[string]bool{}
		withOrg := 0
		for _, p := range practices {
			languages[p.Language] = true
			for _, c := range p.Countries {
				if c != "EU" {
					countries[c] = true
				}
			}
			if p.Status != models.StatusPublished {
				t.Errorf("%s: status %q, want %q", p.Slug, p.Status, models.StatusPublished)
			}
			if p.Version != 1 {
				t.Errorf("%s: version %d, want 1", p.Slug, p.Version)
			}
			if p.PublishedAt == nil {
				t.Errorf("%s: no publication date", p.Slug)
			}
			if strings.TrimSpace(p.BodyHTML) == "" || p.BodyMD == "" {
				t.Errorf("%s: empty body (markdown %d bytes, html %d bytes)", p.Slug, len(p.BodyMD), len(p.BodyHTML))
			}
			if p.Organisation != nil {
				withOrg++
			}
		}
		if len(languages) < 8 {
			t.Errorf("%d languages, want at least 8", len(languages))
		}
		if len(countries) < 12 {
			t.Errorf("%d countries, want at least 12", len(countries))
		}
		if withOrg == 0 {
			t.Errorf("no demo note is linked to its organisation")
		}
		for _, o := range orgs {
			if !o.Demo {
				t.Errorf("organisation %s: Demo = false, want true", o.Slug)
			}
			if o.Status != models.OrgApproved {
				t.Errorf("organisation %s: status %q, want %q", o.Slug, o.Status, models.OrgApproved)
			}
			if o.DescriptionMD != "" && strings.TrimSpace(o.DescriptionHTML) == "" {
				t.Errorf("organisation %s: description not rendered", o.Slug)
			}
		}
	})
}

// practiceDiff reports how two stored practices differ in what a file carries
// (empty when they agree).
func practiceDiff(a, b *models.Practice) string {
	var diffs []string
	str := func(field, x, y string) {
		if x != y {
			diffs = append(diffs, field+": "+quote(x)+" != "+quote(y))
		}
	}
	list := func(field string, x, y []string) {
		if !slices.Equal(x, y) {
			diffs = append(diffs, field+": ["+strings.Join(x, ",")+"] != ["+strings.Join(y, ",")+"]")
		}
	}
	orgSlug := func(p *models.Practice) string {
		if p.Organisation == nil {
			return ""
		}
		return p.Organisation.Slug
	}
	date := func(p *models.Practice) string {
		if p.PublishedAt == nil {
			return ""
		}
		return p.PublishedAt.UTC().Format(time.DateOnly)
	}
	str("title", a.Title, b.Title)
	str("summary", a.Summary, b.Summary)
	str("body", a.BodyMD, b.BodyMD)
	str("body html", a.BodyHTML, b.BodyHTML)
	str("language", a.Language, b.Language)
	str("stage", a.Stage, b.Stage)
	str("evidence", a.Evidence, b.Evidence)
	str("visibility", a.Visibility, b.Visibility)
	str("status", a.Status, b.Status)
	str("organisation", orgSlug(a), orgSlug(b))
	str("translation_of", a.TranslationOf, b.TranslationOf)
	str("published", date(a), date(b))
	list("countries", a.Countries, b.Countries)
	list("topics", a.Topics, b.Topics)
	list("sectors", a.Sectors, b.Sectors)
	list("indicators", a.Indicators, b.Indicators)
	list("target_groups", a.TargetGroups, b.TargetGroups)
	return strings.Join(diffs, "; ")
}

// organisationDiff reports how two stored organisations differ in what a file
// carries (empty when they agree).
func organisationDiff(a, b *models.Organisation) string {
	var diffs []string
	str := func(field, x, y string) {
		if x != y {
			diffs = append(diffs, field+": "+quote(x)+" != "+quote(y))
		}
	}
	list := func(field string, x, y []string) {
		if !slices.Equal(x, y) {
			diffs = append(diffs, field+": ["+strings.Join(x, ",")+"] != ["+strings.Join(y, ",")+"]")
		}
	}
	str("name", a.Name, b.Name)
	str("country", a.Country, b.Country)
	str("city", a.City, b.City)
	str("type", a.Type, b.Type)
	str("website", a.Website, b.Website)
	str("public_email", a.PublicEmail, b.PublicEmail)
	str("description", a.DescriptionMD, b.DescriptionMD)
	str("description html", a.DescriptionHTML, b.DescriptionHTML)
	if a.Demo != b.Demo {
		diffs = append(diffs, "demo differs")
	}
	list("services", a.Services, b.Services)
	list("referral_stages", a.ReferralStages, b.ReferralStages)
	list("languages", a.Languages, b.Languages)
	list("refers_to", a.RefersTo, b.RefersTo)
	str("public phone", a.PublicPhone, b.PublicPhone)
	str("contact", a.ContactName+a.ContactEmail+a.ContactPhone, b.ContactName+b.ContactEmail+b.ContactPhone)
	return strings.Join(diffs, "; ")
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, first *models.Store) {
		t.Parallel()
		importFS(t, first, content.Demo(), true)
		dir1 := exportTo(t, first)

		second := modelstest.New(t, first.Dialect())
		rep := importFS(t, second, os.DirFS(dir1), false)
		dir2 := exportTo(t, second)

		files1, files2 := readTree(t, dir1), readTree(t, dir2)
		if rep.NationalNotes == 0 {
			t.Error("the demo's national notes did not come through export and import")
		}
		if len(files1) != rep.Practices+2 {
			t.Errorf("the export holds %d files, want %d notes, organisations.yaml and national_notes.yaml", len(files1), rep.Practices)
		}
		for name, data := range files1 {
			other, ok := files2[name]
			switch {
			case !ok:
				t.Errorf("%s: in the first export only", name)
			case !bytes.Equal(data, other):
				t.Errorf("%s differs between the exports:\n%s\n----\n%s", name, data, other)
			}
		}
		for name := range files2 {
			if _, ok := files1[name]; !ok {
				t.Errorf("%s: in the second export only", name)
			}
		}

		p1, p2 := allPractices(t, first), allPractices(t, second)
		if len(p1) != len(p2) {
			t.Fatalf("%d notes after the first import, %d after the second", len(p1), len(p2))
		}
		for i := range p1 { // both in slug order
			if p1[i].Slug != p2[i].Slug {
				t.Fatalf("note %d: slug %q, then %q", i, p1[i].Slug, p2[i].Slug)
			}
			if d := practiceDiff(&p1[i], &p2[i]); d != "" {
				t.Errorf("%s changed through export and import: %s", p1[i].Slug, d)
			}
		}
		o1, o2 := allOrganisations(t, first), allOrganisations(t, second)
		if len(o1) != len(o2) {
			t.Fatalf("%d organisations after the first import, %d after the second", len(o1), len(o2))
		}
		for i := range o1 {
			if o1[i].Slug != o2[i].Slug {
				t.Fatalf("organisation %d: slug %q, then %q", i, o1[i].Slug, o2[i].Slug)
			}
			if d := organisationDiff(&o1[i], &o2[i]); d != "" {
				t.Errorf("organisation %s changed through export and import: %s", o1[i].Slug, d)
			}
		}
	})
}

// testOrgs is an organisations.yaml with one organisation.
const testOrgs = `- slug: test-org
  name: Test Organisation
  country: NL
  type: ngo
  services: [outreach]
  languages: [en, nl]
`

// noteFile returns a valid note file; org and translationOf may be empty.
func noteFile(title, org, translationOf string) string {
	return "---\ntitle: " + title + "\nlanguage: en\ncountries: [NL]\nvisibility: public\n" +
		"organisation: " + org + "\ntranslation_of: " + translationOf + "\npublished: 2026-01-02\n---\nBody of " + title + ".\n"
}

// seed imports one organisation and one note, the state every refused import
// must leave untouched.
func seed(t *testing.T, store *models.Store) {
	t.Helper()
	importFS(t, store, fstest.MapFS{
		"organisations.yaml":    {Data: []byte(testOrgs)},
		"practices/existing.md": {Data: []byte(noteFile("Existing", "test-org", ""))},
	}, false)
}

func TestImportRefused(t *testing.T) {
	t.Parallel()
	newOrg := `- slug: new-org
  name: New Organisation
  country: BE
  type: trade-union
`
	tests := []struct {
		name  string
		files fstest.MapFS
		file  string // the file the error must name
		field string // the problem's field, when it is a Problem
	}{
		{
			name: "one bad vocabulary value among good files",
			files: fstest.MapFS{
				"organisations.yaml": {Data: []byte(newOrg)},
				"practices/good.md":  {Data: []byte(noteFile("Good", "new-org", ""))},
				"practices/bad.md":   {Data: []byte(strings.Replace(noteFile("Bad", "", ""), "countries: [NL]", "countries: [NL, XX]", 1))},
			},
			file: "practices/bad.md", field: "countries",
		},
		{
			name: "a file without front matter",
			files: fstest.MapFS{
				"practices/good.md": {Data: []byte(noteFile("Good", "", ""))},
				"practices/bad.md":  {Data: []byte("# Just Markdown\n")},
			},
			file: "practices/bad.md", field: "front matter",
		},
		{
			name: "an unknown front matter field",
			files: fstest.MapFS{
				"practices/good.md": {Data: []byte(noteFile("Good", "", ""))},
				"practices/bad.md":  {Data: []byte(strings.Replace(noteFile("Bad", "", ""), "language: en", "language: en\nauthor: me", 1))},
			},
			file: "practices/bad.md", field: "front matter",
		},
		{
			name: "a bad file name",
			files: fstest.MapFS{
				"practices/good.md":     {Data: []byte(noteFile("Good", "", ""))},
				"practices/Bad_Name.md": {Data: []byte(noteFile("Bad", "", ""))},
			},
			file: "practices/Bad_Name.md", field: "slug",
		},
		{
			name: "a bad organisation entry",
			files: fstest.MapFS{
				"organisations.yaml": {Data: []byte(newOrg + "- slug: broken\n  name: Broken\n  country: XX\n  type: ngo\n")},
				"practices/good.md":  {Data: []byte(noteFile("Good", "new-org", ""))},
			},
			file: "organisations.yaml (broken)", field: "country",
		},
		{
			name: "broken organisations.yaml",
			files: fstest.MapFS{
				"organisations.yaml": {Data: []byte("- slug: [\n")},
				"practices/good.md":  {Data: []byte(noteFile("Good", "", ""))},
			},
			file: "organisations.yaml", field: "yaml",
		},
		{
			name: "an organisation that does not exist",
			files: fstest.MapFS{
				"practices/orphan.md": {Data: []byte(noteFile("Orphan", "no-such-org", ""))},
			},
			file: "practices/orphan.md", field: "organisation",
		},
		{
			name: "translation_of an unknown note",
			files: fstest.MapFS{
				"practices/translation.md": {Data: []byte(noteFile("Translation", "", "no-such-note"))},
			},
			file: "practices/translation.md", field: "translation_of",
		},
		{
			name: "translation_of itself",
			files: fstest.MapFS{
				"practices/loop.md": {Data: []byte(noteFile("Loop", "", "loop"))},
			},
			file: "practices/loop.md", field: "translation_of",
		},
	}
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		t.Parallel()
		seed(t, store)
		before := allPractices(t, store)
		orgsBefore := len(allOrganisations(t, store))
		// The cases run one after the other on the same store: each must
		// leave it exactly as seed left it.
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := content.Import(t.Context(), store, renderer, tt.files, false)
				if err == nil {
					t.Fatalf("Import succeeded, want it refused because of %s", tt.file)
				}
				var ie content.ImportError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v (%T), want a content.ImportError", err, err)
				}
				if len(ie) != 1 || ie[0].File != tt.file {
					t.Errorf("error names %+v, want only %q", ie, tt.file)
				}
				if !strings.Contains(err.Error(), tt.file) || !strings.Contains(err.Error(), "nothing was written") {
					t.Errorf("error %q, want it to name %q and say nothing was written", err, tt.file)
				}
				if len(ie) > 0 {
					var ps content.Problems
					var p content.Problem
					switch {
					case errors.As(ie[0].Err, &ps):
						if _, ok := findProblem(ps, tt.field); !ok {
							t.Errorf("problems %+v, want one about %q", ps, tt.field)
						}
					case errors.As(ie[0].Err, &p):
						if p.Field != tt.field {
							t.Errorf("problem %+v, want one about %q", p, tt.field)
						}
					default:
						t.Errorf("file error %v (%T), want a Problem", ie[0].Err, ie[0].Err)
					}
				}
				after := allPractices(t, store)
				if len(after) != len(before) {
					t.Errorf("%d notes after the refused import, %d before", len(after), len(before))
				}
				for i := range min(len(after), len(before)) {
					if after[i].Slug != before[i].Slug || after[i].Version != before[i].Version {
						t.Errorf("note %s version %d became %s version %d", before[i].Slug, before[i].Version, after[i].Slug, after[i].Version)
					}
				}
				if n := len(allOrganisations(t, store)); n != orgsBefore {
					t.Errorf("%d organisations after the refused import, %d before", n, orgsBefore)
				}
			})
		}
	})
}

func TestImportReferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files fstest.MapFS
		slug  string // the note to check
		org   string // its expected organisation slug
		of    string // its expected translation_of
	}{
		{
			name:  "organisation already stored",
			files: fstest.MapFS{"practices/with-stored-org.md": {Data: []byte(noteFile("New", "test-org", ""))}},
			slug:  "with-stored-org", org: "test-org",
		},
		{
			name: "organisation in the same folder",
			files: fstest.MapFS{
				"organisations.yaml":        {Data: []byte("- slug: other-org\n  name: Other\n  country: FR\n  type: shelter\n")},
				"practices/with-new-org.md": {Data: []byte(noteFile("New", "other-org", ""))},
			},
			slug: "with-new-org", org: "other-org",
		},
		{
			name:  "translation of a stored note",
			files: fstest.MapFS{"practices/existing-nl.md": {Data: []byte(noteFile("Bestaand", "", "existing"))}},
			slug:  "existing-nl", of: "existing",
		},
		{
			name: "translation of a note in the same folder",
			files: fstest.MapFS{
				"practices/original.md":    {Data: []byte(noteFile("Original", "", ""))},
				"practices/original-fr.md": {Data: []byte(noteFile("Originale", "", "original"))},
			},
			slug: "original-fr", of: "original",
		},
	}
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		t.Parallel()
		seed(t, store)
		// The cases run one after the other on the same store, each adding
		// notes with slugs of its own.
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				importFS(t, store, tt.files, false)
				for _, p := range allPractices(t, store) {
					if p.Slug != tt.slug {
						continue
					}
					org := ""
					if p.Organisation != nil {
						org = p.Organisation.Slug
					}
					if org != tt.org || p.TranslationOf != tt.of {
						t.Errorf("%s: organisation %q, translation_of %q; want %q, %q", p.Slug, org, p.TranslationOf, tt.org, tt.of)
					}
					return
				}
				t.Errorf("note %s was not imported", tt.slug)
			})
		}
	})
}

func TestImportTwiceUpdates(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		t.Parallel()
		importFS(t, store, content.Demo(), true)
		first := allPractices(t, store)
		orgs := len(allOrganisations(t, store))
		importFS(t, store, content.Demo(), true)
		second := allPractices(t, store)
		if len(second) != len(first) {
			t.Fatalf("%d notes after the second import, %d after the first: duplicated", len(second), len(first))
		}
		if n := len(allOrganisations(t, store)); n != orgs {
			t.Errorf("%d organisations after the second import, %d after the first", n, orgs)
		}
		for i := range first {
			a, b := &first[i], &second[i]
			if a.Slug != b.Slug || a.ID != b.ID {
				t.Errorf("note %d: %s (id %d) became %s (id %d)", i, a.Slug, a.ID, b.Slug, b.ID)
			}
			if b.Version != a.Version+1 {
				t.Errorf("%s: version %d after the second import, %d after the first", a.Slug, b.Version, a.Version)
			}
			if d := practiceDiff(a, b); d != "" {
				t.Errorf("%s: the same file gave a different note: %s", a.Slug, d)
			}
		}
	})
}

func TestImportUpdatesChangedNote(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		t.Parallel()
		seed(t, store)
		changed := strings.Replace(noteFile("Existing, revised", "test-org", ""), "countries: [NL]", "countries: [NL, BE]", 1)
		importFS(t, store, fstest.MapFS{"practices/existing.md": {Data: []byte(changed)}}, false)
		ps := allPractices(t, store)
		if len(ps) != 1 {
			t.Fatalf("%d notes, want 1", len(ps))
		}
		p := ps[0]
		if p.Title != "Existing, revised" || !slices.Equal(p.Countries, []string{"BE", "NL"}) || p.Version != 2 {
			t.Errorf("after the update: title %q, countries %q, version %d; want the revised title, [BE NL], 2",
				p.Title, p.Countries, p.Version)
		}
	})
}

func TestExportSkipsUnpublished(t *testing.T) {
	t.Parallel()
	modelstest.ForEach(t, func(t *testing.T, store *models.Store) {
		t.Parallel()
		seed(t, store)
		draft := &models.Practice{Slug: "a-draft", Title: "Draft", Language: "en", Visibility: "public",
			Status: models.StatusDraft, BodyMD: "Not yet.\n", Countries: []string{"NL"}}
		if err := store.SavePractice(t.Context(), draft); err != nil {
			t.Fatalf("SavePractice: %v", err)
		}
		dir := t.TempDir()
		rep, err := content.Export(t.Context(), store, dir)
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		files := readTree(t, dir)
		if _, ok := files["practices/a-draft.md"]; ok {
			t.Errorf("the draft was exported")
		}
		if _, ok := files["practices/existing.md"]; !ok || rep.Practices != 1 || rep.Organisations != 1 {
			t.Errorf("export report %+v and files %d, want the published note and the organisation", rep, len(files))
		}
	})
}
