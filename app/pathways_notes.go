package app

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/content"
	"proact/models"
)

// The national notes: moderators write, per country and language, how the
// national referral mechanism works and who formally identifies victims. The
// note heads the pathway page and the booklet. Each save names the version it
// started from; a save that meets a newer version is shown again with the
// other text beside the typed one, nothing lost.

// nationalNoteForm is what the note form sends.
type nationalNoteForm struct {
	Language     string `form:"language"`
	IdentifiedBy string `form:"identified_by"`
	Body         string `form:"body"`
	// Version is the version the moderator started from ("0" for a new note).
	Version string `form:"version"`
}

// nationalNoteFields is the order of the form, for the error summary.
var nationalNoteFields = []string{"language", "identified_by", "body", "version"}

func (f *nationalNoteForm) normalise() {
	f.Language, f.IdentifiedBy, f.Version = strings.TrimSpace(f.Language), strings.TrimSpace(f.IdentifiedBy), strings.TrimSpace(f.Version)
	f.Body = strings.ReplaceAll(f.Body, "\r\n", "\n")
}

// version is the version the form started from; ok is false when it is not a
// number (the form was not the portal's).
func (f *nationalNoteForm) version() (int, bool) {
	n, err := strconv.Atoi(f.Version)
	return n, err == nil && n >= 0 && n < 1<<30
}

func (f *nationalNoteForm) validate() form.Problems {
	f.normalise()
	var ps form.Problems
	ps.OneOf("language", f.Language, models.Languages().Terms())
	ps.Text("identified_by", f.IdentifiedBy, content.MaxIdentifiedBy, false)
	ps.Multiline("body", f.Body, content.MaxNationalNote, true)
	if _, ok := f.version(); !ok {
		ps.Add("version", "pathways.note.validation.version")
	}
	return ps
}

// noteRevision is one line of a note's history.
type noteRevision struct {
	Version int
	Author  string
	At      time.Time
}

type noteEditData struct {
	Country     string
	CountryName string
	Form        nationalNoteForm
	Errors      form.Messages
	Summary     []form.Link
	Languages   []option
	Existing    []noteLanguage // the note in other languages, to edit
	Exists      bool           // the note in this language exists (it can be deleted)
	Revisions   []noteRevision
	// Conflict is the text saved meanwhile by someone else.
	Conflict *nationalNoteView
	Deleted  bool // the note was deleted meanwhile
}

// renderNoteEdit shows the note form for the form's language, with the
// note's history and the other languages.
func (h *handlers) renderNoteEdit(c *fiber.Ctx, status int, code string, d noteEditData, ps form.Problems) error {
	ctx, loc := c.UserContext(), localizer(c)
	d.Country, d.CountryName = code, loc.Country(code)
	d.Errors = ps.Messages(loc, "pathways.note.field.")
	d.Summary = d.Errors.Summary(nationalNoteFields)
	notes, err := h.store.NationalNotes(ctx, code)
	if err != nil {
		return err
	}
	for _, n := range notes {
		if n.Language == d.Form.Language {
			d.Exists = true
			revs, err := h.store.NationalNoteRevisions(ctx, n.ID, 20)
			if err != nil {
				return err
			}
			for _, r := range revs {
				d.Revisions = append(d.Revisions, noteRevision{Version: r.Version, Author: models.PublicName(r.AuthorName), At: r.CreatedAt})
			}
			continue
		}
		d.Existing = append(d.Existing, noteLanguage{Language: n.Language,
			Href: "/pathways/" + code + "/note?language=" + url.QueryEscape(n.Language)})
	}
	d.Languages = vocabOptions(loc, models.Languages(), []string{d.Form.Language}, true)
	title := loc.T("pathways.note.edit_title", "Country", d.CountryName)
	return h.render(c, status, tplNationalNoteEdit, h.page(c, title, d))
}

// editNationalNote is the note form, for the language of ?language= or the
// reader's.
func (h *handlers) editNationalNote(c *fiber.Ctx) error {
	code, redirect, err := pathwayCountry(c)
	if err != nil {
		return err
	}
	if redirect {
		return canonicalPathway(c, code)
	}
	lang := c.Query("language")
	if !models.Languages().Has(lang) {
		lang = localizer(c).Lang
	}
	f := nationalNoteForm{Language: lang, Version: "0"}
	n, err := h.store.NationalNote(c.UserContext(), code, lang)
	switch {
	case err == nil:
		f.IdentifiedBy, f.Body, f.Version = n.IdentifiedBy, n.BodyMD, strconv.Itoa(n.Version)
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	return h.renderNoteEdit(c, fiber.StatusOK, code, noteEditData{Form: f}, nil)
}

// saveNationalNote saves the note; its Markdown goes through the sanitizing
// pipeline. The note, its revision, the outbox row and the audit entry are
// one transaction.
func (h *handlers) saveNationalNote(c *fiber.Ctx) error {
	code, _, err := pathwayCountry(c)
	if err != nil {
		return err
	}
	var f nationalNoteForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	if ps := f.validate(); !ps.OK() {
		return h.renderNoteEdit(c, fiber.StatusUnprocessableEntity, code, noteEditData{Form: f}, ps)
	}
	html, err := h.renderer.Render(f.Body)
	if err != nil {
		return err
	}
	version, _ := f.version()
	n := &models.NationalNote{Country: code, Language: f.Language, IdentifiedBy: f.IdentifiedBy,
		BodyMD: f.Body, BodyHTML: html, Version: version}
	err = h.store.SaveNationalNote(c.UserContext(), n, currentUser(c), h.auditEntry(c))
	switch {
	case errors.Is(err, models.ErrConflict), errors.Is(err, models.ErrNotFound):
		return h.noteConflict(c, code, f)
	case err != nil:
		return err
	}
	h.flash(c, "pathways.note.saved")
	return c.Redirect("/pathways/"+code+"?note="+url.QueryEscape(n.Language)+"#national-note", fiber.StatusSeeOther)
}

// noteConflict shows the form again, as typed, beside the text saved
// meanwhile; its version becomes the current one, so that saving again
// replaces that text knowingly.
func (h *handlers) noteConflict(c *fiber.Ctx, code string, f nationalNoteForm) error {
	d := noteEditData{Form: f}
	current, err := h.store.NationalNote(c.UserContext(), code, f.Language)
	switch {
	case err == nil:
		d.Conflict = noteView(current)
		d.Form.Version = strconv.Itoa(current.Version)
	case errors.Is(err, models.ErrNotFound):
		d.Deleted, d.Form.Version = true, "0"
	default:
		return err
	}
	return h.renderNoteEdit(c, fiber.StatusConflict, code, d, nil)
}

// deleteNationalNote removes the note in one language, if nobody changed it
// meanwhile.
func (h *handlers) deleteNationalNote(c *fiber.Ctx) error {
	code, _, err := pathwayCountry(c)
	if err != nil {
		return err
	}
	var f nationalNoteForm
	if err := form.Parse(c, &f); err != nil {
		return err
	}
	f.normalise()
	version, ok := f.version()
	if !models.Languages().Has(f.Language) || !ok {
		return models.ErrNotFound
	}
	err = h.store.DeleteNationalNote(c.UserContext(), code, f.Language, version, h.auditEntry(c))
	if errors.Is(err, models.ErrConflict) {
		n, err := h.store.NationalNote(c.UserContext(), code, f.Language)
		if err != nil {
			return err
		}
		f.IdentifiedBy, f.Body = n.IdentifiedBy, n.BodyMD
		return h.noteConflict(c, code, f)
	}
	if err != nil {
		return err
	}
	h.flash(c, "pathways.note.deleted")
	return c.Redirect("/pathways/"+code, fiber.StatusSeeOther)
}

// auditEntry is an audit entry of the request's person and address, for a
// store method to complete and write in its transaction.
func (h *handlers) auditEntry(c *fiber.Ctx) models.AuditEntry {
	e := models.AuditEntry{IP: c.IP()}
	if u := currentUser(c); u != nil {
		e.ActorID, e.ActorEmail = &u.ID, u.Email
	}
	return e
}
