package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"proact/models"
)

// nationalNotesFile holds the national notes of an import or export folder:
// per country and language, how the national referral mechanism works.
const nationalNotesFile = "national_notes.yaml"

// Limits of a national note, shared with the form.
const (
	MaxIdentifiedBy = 300
	MaxNationalNote = 20_000
)

// NationalNoteFile is one national note in national_notes.yaml.
type NationalNoteFile struct {
	Country      string `yaml:"country"`
	Language     string `yaml:"language"`
	IdentifiedBy string `yaml:"identified_by,omitempty"`
	Author       string `yaml:"author,omitempty"`
	Updated      string `yaml:"updated,omitempty"` // YYYY-MM-DD
	Body         string `yaml:"body"`
}

// Validate checks a national note against the vocabularies and limits.
func (n *NationalNoteFile) Validate() Problems {
	var ps Problems
	if !models.Countries().Has(n.Country) {
		ps = append(ps, Problem{Field: "country", Value: n.Country, Key: "validation.unknown_term"})
	}
	if !models.Languages().Has(n.Language) {
		ps = append(ps, Problem{Field: "language", Value: n.Language, Key: "validation.unknown_term"})
	}
	if len(n.IdentifiedBy) > MaxIdentifiedBy {
		ps = append(ps, Problem{Field: "identified_by", Key: "validation.too_long"})
	}
	if len(n.Author) > MaxTitle {
		ps = append(ps, Problem{Field: "author", Key: "validation.too_long"})
	}
	if n.Updated != "" {
		if _, err := time.Parse(time.DateOnly, n.Updated); err != nil {
			ps = append(ps, Problem{Field: "updated", Value: n.Updated, Key: "validation.bad_date"})
		}
	}
	switch {
	case strings.TrimSpace(n.Body) == "":
		ps = append(ps, Problem{Field: "body", Key: "validation.required"})
	case len(n.Body) > MaxNationalNote:
		ps = append(ps, Problem{Field: "body", Key: "validation.too_long"})
	}
	return ps
}

// readNationalNotes reads and checks national_notes.yaml, if there is one.
func readNationalNotes(fsys fs.FS) ([]NationalNoteFile, ImportError) {
	data, err := fs.ReadFile(fsys, nationalNotesFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, ImportError{{nationalNotesFile, err}}
	}
	var notes []NationalNoteFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&notes); err != nil {
		return nil, ImportError{{nationalNotesFile, Problem{Field: "yaml", Value: yamlMessage(err), Key: "validation.bad_yaml"}}}
	}
	var errs ImportError
	seen := map[string]bool{}
	for i := range notes {
		key := notes[i].Country + "/" + notes[i].Language
		file := fmt.Sprintf("%s (%s)", nationalNotesFile, key)
		if ps := notes[i].Validate(); len(ps) > 0 {
			errs = append(errs, FileError{file, ps})
		}
		if seen[key] {
			errs = append(errs, FileError{file, Problem{Field: "language", Value: notes[i].Language, Key: "validation.duplicate"}})
		}
		seen[key] = true
	}
	return notes, errs
}

// importNationalNotes writes the notes inside the import's transaction.
func importNationalNotes(ctx context.Context, tx *models.Store, r *Renderer, notes []NationalNoteFile) error {
	for _, nf := range notes {
		html, err := r.Render(nf.Body)
		if err != nil {
			return err
		}
		n := &models.NationalNote{Country: nf.Country, Language: nf.Language, IdentifiedBy: strings.TrimSpace(nf.IdentifiedBy),
			BodyMD: nf.Body, BodyHTML: html, UpdatedByName: strings.TrimSpace(nf.Author)}
		if nf.Updated != "" {
			n.UpdatedAt, _ = time.Parse(time.DateOnly, nf.Updated) // checked by Validate
		}
		if err := tx.ImportNationalNote(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// exportNationalNotes writes national_notes.yaml into dir, when there is any note.
func exportNationalNotes(ctx context.Context, store *models.Store, dir string) (int, error) {
	all, err := store.AllNationalNotes(ctx)
	if err != nil || len(all) == 0 {
		return 0, err
	}
	files := make([]NationalNoteFile, len(all))
	for i, n := range all {
		files[i] = NationalNoteFile{Country: n.Country, Language: n.Language, IdentifiedBy: n.IdentifiedBy,
			Author: n.UpdatedByName, Updated: n.UpdatedAt.UTC().Format(time.DateOnly), Body: n.BodyMD}
	}
	data, err := yaml.Marshal(files)
	if err != nil {
		return 0, fmt.Errorf("content: unable to write the national notes: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, nationalNotesFile), data, 0o640); err != nil {
		return 0, fmt.Errorf("content: unable to write the national notes: %w", err)
	}
	return len(files), nil
}
