package content

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"proact/models"
)

//go:embed demo
var demo embed.FS

// Demo returns the demo content: fictional organisations and practice notes.
func Demo() fs.FS {
	sub, err := fs.Sub(demo, "demo")
	if err != nil {
		panic(err) // the folder is embedded at build time; this cannot fail
	}
	return sub
}

// The layout of an import or export folder.
const (
	organisationsFile = "organisations.yaml"
	practicesDir      = "practices"
)

// OrganisationFile is one organisation in organisations.yaml.
type OrganisationFile struct {
	Slug           string   `yaml:"slug"`
	Name           string   `yaml:"name"`
	Country        string   `yaml:"country"`
	City           string   `yaml:"city"`
	Type           string   `yaml:"type"`
	Services       []string `yaml:"services,flow"`
	ReferralStages []string `yaml:"referral_stages,flow"`
	Languages      []string `yaml:"languages,flow"`
	Website        string   `yaml:"website"`
	PublicEmail    string   `yaml:"public_email"`
	Description    string   `yaml:"description"`
	Demo           bool     `yaml:"demo,omitempty"`

	// The referral pathway and the members-only contact (shown to signed-in
	// members only, never to visitors): optional.
	PublicPhone  string   `yaml:"public_phone,omitempty"`
	ContactName  string   `yaml:"contact_name,omitempty"`
	ContactEmail string   `yaml:"contact_email,omitempty"`
	ContactPhone string   `yaml:"contact_phone,omitempty"`
	RefersTo     []string `yaml:"refers_to,flow,omitempty"`
}

// Validate checks an organisation entry against the vocabularies.
func (o *OrganisationFile) Validate() Problems {
	var ps Problems
	if !ValidSlug(o.Slug) || models.ReservedSlug(o.Slug) {
		ps = append(ps, Problem{Field: "slug", Value: o.Slug, Key: "validation.bad_slug"})
	}
	if strings.TrimSpace(o.Name) == "" {
		ps = append(ps, Problem{Field: "name", Key: "validation.required"})
	} else if len(o.Name) > MaxTitle {
		ps = append(ps, Problem{Field: "name", Key: "validation.too_long"})
	}
	check := func(field string, vocab models.Vocabulary, vs ...string) {
		for _, v := range vs {
			if !vocab.Has(v) {
				ps = append(ps, Problem{Field: field, Value: v, Key: "validation.unknown_term"})
			}
		}
	}
	check("country", models.Countries(), o.Country)
	check("type", models.OrganisationTypes(), o.Type)
	check("services", models.Services(), o.Services...)
	check("referral_stages", models.ReferralStages(), o.ReferralStages...)
	check("languages", models.Languages(), o.Languages...)
	if o.Website != "" {
		if u, err := url.Parse(o.Website); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ps = append(ps, Problem{Field: "website", Value: o.Website, Key: "validation.bad_url"})
		}
	}
	if o.PublicEmail != "" {
		if a, err := mail.ParseAddress(o.PublicEmail); err != nil || a.Address != o.PublicEmail {
			ps = append(ps, Problem{Field: "public_email", Value: o.PublicEmail, Key: "validation.bad_email"})
		}
	}
	if len(o.Description) > MaxBody {
		ps = append(ps, Problem{Field: "description", Key: "validation.too_long"})
	}
	if o.ContactEmail != "" {
		if a, err := mail.ParseAddress(o.ContactEmail); err != nil || a.Address != o.ContactEmail {
			ps = append(ps, Problem{Field: "contact_email", Value: o.ContactEmail, Key: "validation.bad_email"})
		}
	}
	for _, r := range o.RefersTo {
		if !ValidSlug(r) || r == o.Slug {
			ps = append(ps, Problem{Field: "refers_to", Value: r, Key: "validation.unknown_term"})
		}
	}
	return ps
}

// FileError is a problem in one file of an import.
type FileError struct {
	File string
	Err  error
}

// Error names the file and what is wrong with it.
func (e FileError) Error() string { return e.File + ": " + e.Err.Error() }

// ImportError lists every file of an import that could not be read; nothing
// was written.
type ImportError []FileError

// Error lists the files, one a line.
func (e ImportError) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Error()
	}
	return "content: the import was refused, nothing was written:\n  " + strings.Join(msgs, "\n  ")
}

// ImportReport says what an import wrote.
type ImportReport struct {
	Organisations int
	Practices     int
	NationalNotes int
}

// Import reads organisations.yaml and practices/*.md from fsys, checks all of
// it, and only then writes it in one transaction. Notes are published; a note
// or organisation with a slug that exists already is updated.
func Import(ctx context.Context, store *models.Store, r *Renderer, fsys fs.FS, demo bool) (ImportReport, error) {
	orgs, notes, errs := readFolder(fsys)
	national, nerrs := readNationalNotes(fsys)
	errs = append(errs, nerrs...)
	known, err := store.OrganisationIDsBySlug(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	slugs := map[string]bool{}
	for _, o := range orgs {
		known[o.Slug] = 0
	}
	for _, n := range notes {
		slugs[n.Slug] = true
	}
	existing, err := store.PracticeSlugs(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	for _, slug := range existing {
		slugs[slug] = true
	}
	for _, o := range orgs {
		for _, r := range o.RefersTo {
			if _, ok := known[r]; !ok {
				errs = append(errs, FileError{fmt.Sprintf("%s (%s)", organisationsFile, o.Slug), Problem{Field: "refers_to", Value: r, Key: "validation.unknown_term"}})
			}
		}
	}
	for _, n := range notes {
		file := path.Join(practicesDir, n.Slug+".md")
		if _, ok := known[n.Organisation]; n.Organisation != "" && !ok {
			errs = append(errs, FileError{file, Problem{Field: "organisation", Value: n.Organisation, Key: "validation.unknown_term"}})
		}
		if n.TranslationOf != "" && (!slugs[n.TranslationOf] || n.TranslationOf == n.Slug) {
			errs = append(errs, FileError{file, Problem{Field: "translation_of", Value: n.TranslationOf, Key: "validation.unknown_term"}})
		}
	}
	if len(errs) > 0 {
		return ImportReport{}, errs
	}
	err = store.WithTx(ctx, func(tx *models.Store) error {
		// Referrals name organisations by slug, possibly ones later in the
		// file: every organisation is saved first, then those that refer
		// people elsewhere once more, with their referrals.
		var referring []*models.Organisation
		for i := range orgs {
			o, err := orgs[i].toModel(r, demo)
			if err != nil {
				return err
			}
			refs := o.RefersTo
			o.RefersTo = nil
			if err := tx.SaveOrganisation(ctx, o); err != nil {
				return err
			}
			if len(refs) > 0 {
				o.RefersTo = refs
				referring = append(referring, o)
			}
		}
		for _, o := range referring {
			if err := tx.SaveOrganisation(ctx, o); err != nil {
				return err
			}
		}
		ids, err := tx.OrganisationIDsBySlug(ctx)
		if err != nil {
			return err
		}
		for _, n := range notes {
			p, err := n.ToPractice(r, ids)
			if err != nil {
				return err
			}
			if err := tx.SavePractice(ctx, p); err != nil {
				return err
			}
		}
		return importNationalNotes(ctx, tx, r, national)
	})
	if err != nil {
		return ImportReport{}, err
	}
	return ImportReport{Organisations: len(orgs), Practices: len(notes), NationalNotes: len(national)}, nil
}

func readFolder(fsys fs.FS) ([]OrganisationFile, []*Note, ImportError) {
	var errs ImportError
	var orgs []OrganisationFile
	data, err := fs.ReadFile(fsys, organisationsFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		errs = append(errs, FileError{organisationsFile, err})
	default:
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&orgs); err != nil {
			errs = append(errs, FileError{organisationsFile, Problem{Field: "yaml", Value: yamlMessage(err), Key: "validation.bad_yaml"}})
		}
		for i := range orgs {
			if ps := orgs[i].Validate(); len(ps) > 0 {
				errs = append(errs, FileError{fmt.Sprintf("%s (%s)", organisationsFile, orgs[i].Slug), ps})
			}
		}
	}
	entries, err := fs.ReadDir(fsys, practicesDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, FileError{practicesDir, err})
	}
	var notes []*Note
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		file := path.Join(practicesDir, e.Name())
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			errs = append(errs, FileError{file, err})
			continue
		}
		n, err := ParseNote(strings.TrimSuffix(e.Name(), ".md"), data)
		if err != nil {
			errs = append(errs, FileError{file, err})
			continue
		}
		notes = append(notes, n)
	}
	return orgs, notes, errs
}

func (o *OrganisationFile) toModel(r *Renderer, demo bool) (*models.Organisation, error) {
	html, err := r.Render(o.Description)
	if err != nil {
		return nil, err
	}
	return &models.Organisation{
		Slug: o.Slug, Name: strings.TrimSpace(o.Name), Country: o.Country, City: o.City, Type: o.Type,
		Website: o.Website, PublicEmail: o.PublicEmail, DescriptionMD: o.Description,
		DescriptionHTML: html, Status: models.OrgApproved, Demo: demo || o.Demo,
		Services: o.Services, ReferralStages: o.ReferralStages, Languages: o.Languages,
		PublicPhone: o.PublicPhone, ContactName: o.ContactName, ContactEmail: o.ContactEmail,
		ContactPhone: o.ContactPhone, RefersTo: o.RefersTo,
	}, nil
}

// ToPractice converts a validated note into a published practice, rendering
// its body; orgIDs maps organisation slugs to ids.
func (n *Note) ToPractice(r *Renderer, orgIDs map[string]uint) (*models.Practice, error) {
	html, err := r.Render(n.Body)
	if err != nil {
		return nil, err
	}
	published := time.Now().UTC()
	if n.Published != "" {
		published, _ = time.Parse(time.DateOnly, n.Published) // checked by Validate
	}
	p := &models.Practice{
		Slug: n.Slug, Title: strings.TrimSpace(n.Title), Summary: strings.TrimSpace(n.Summary),
		Language: n.Language, Stage: n.Stage, Evidence: n.Evidence, Visibility: n.Visibility,
		Status: models.StatusPublished, TranslationOf: n.TranslationOf,
		BodyMD: n.Body, BodyHTML: html, PublishedAt: &published,
		Countries: n.Countries, Topics: n.Topics, Sectors: n.Sectors,
		Indicators: n.Indicators, TargetGroups: n.TargetGroups,
	}
	if id, ok := orgIDs[n.Organisation]; ok && n.Organisation != "" {
		p.OrganisationID = &id
	}
	return p, nil
}

// NoteFromPractice is the file form of a stored practice.
func NoteFromPractice(p *models.Practice) *Note {
	n := &Note{Slug: p.Slug, Body: p.BodyMD, FrontMatter: FrontMatter{
		Title: p.Title, Summary: p.Summary, Language: p.Language,
		Countries: p.Countries, Topics: p.Topics, Sectors: p.Sectors,
		Indicators: p.Indicators, TargetGroups: p.TargetGroups,
		Stage: p.Stage, Evidence: p.Evidence, Visibility: p.Visibility,
		TranslationOf: p.TranslationOf,
	}}
	if p.Organisation != nil {
		n.Organisation = p.Organisation.Slug
	}
	if p.PublishedAt != nil {
		n.Published = p.PublishedAt.UTC().Format(time.DateOnly)
	}
	return n
}

// ExportReport says what an export wrote.
type ExportReport = ImportReport

// Export writes every organisation and published practice note into dir, in
// the layout Import reads, so that import → export → import is lossless.
func Export(ctx context.Context, store *models.Store, dir string) (ExportReport, error) {
	orgs, err := store.AllOrganisations(ctx)
	if err != nil {
		return ExportReport{}, err
	}
	practices, err := store.AllPractices(ctx)
	if err != nil {
		return ExportReport{}, err
	}
	if err := os.MkdirAll(filepath.Join(dir, practicesDir), 0o750); err != nil {
		return ExportReport{}, fmt.Errorf("content: unable to create %s: %w", dir, err)
	}
	files := make([]OrganisationFile, 0, len(orgs))
	for _, o := range orgs {
		files = append(files, OrganisationFile{
			Slug: o.Slug, Name: o.Name, Country: o.Country, City: o.City, Type: o.Type,
			Services: o.Services, ReferralStages: o.ReferralStages, Languages: o.Languages,
			Website: o.Website, PublicEmail: o.PublicEmail, Description: o.DescriptionMD, Demo: o.Demo,
			PublicPhone: o.PublicPhone, ContactName: o.ContactName, ContactEmail: o.ContactEmail,
			ContactPhone: o.ContactPhone, RefersTo: o.RefersTo,
		})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Slug < files[j].Slug })
	data, err := yaml.Marshal(files)
	if err != nil {
		return ExportReport{}, fmt.Errorf("content: unable to write organisations: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, organisationsFile), data, 0o640); err != nil {
		return ExportReport{}, fmt.Errorf("content: unable to write organisations: %w", err)
	}
	written := 0
	for i := range practices {
		if practices[i].Status != models.StatusPublished {
			continue
		}
		data, err := MarshalNote(NoteFromPractice(&practices[i]))
		if err != nil {
			return ExportReport{}, err
		}
		name := filepath.Join(dir, practicesDir, practices[i].Slug+".md")
		if err := os.WriteFile(name, data, 0o640); err != nil {
			return ExportReport{}, fmt.Errorf("content: unable to write %s: %w", name, err)
		}
		written++
	}
	national, err := exportNationalNotes(ctx, store, dir)
	if err != nil {
		return ExportReport{}, err
	}
	return ExportReport{Organisations: len(files), Practices: written, NationalNotes: national}, nil
}
