package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Errors of writing notes. Each is an ErrConflict (409) unless the handler
// says more: the page shows the reason in the reader's language.
var (
	// ErrStaleVersion: the note was saved by someone else since the version
	// the writer started from.
	ErrStaleVersion = fmt.Errorf("%w: the note has a newer version", ErrConflict)
	// ErrWrongState: the note is not in a state that allows the action
	// (publishing a draft that was never submitted, editing an archived note).
	ErrWrongState = fmt.Errorf("%w: the note's state does not allow this", ErrConflict)
	// ErrTranslationExists: the note already has a version in that language.
	ErrTranslationExists = fmt.Errorf("%w: a version in this language exists", ErrConflict)
	// ErrInUse: the attachment is still shown by the note's text.
	ErrInUse = fmt.Errorf("%w: still in use", ErrConflict)
	// ErrOwnVersion: a moderator may not publish a version they wrote or
	// submitted themselves; another moderator reviews it (four eyes).
	ErrOwnVersion = fmt.Errorf("%w: a version is published by someone other than its writer", ErrConflict)
)

// NoteContent is everything an author writes in a note: the text and every
// metadata field. BodyHTML is BodyMD rendered by content.Renderer.
type NoteContent struct {
	Title, Summary, Language, Stage, Evidence, Visibility string
	Countries, Topics, Sectors, Indicators, TargetGroups  []string
	BodyMD, BodyHTML                                      string
}

func (c *NoteContent) termSets() map[string]*[]string {
	return map[string]*[]string{
		Countries().Name():    &c.Countries,
		Topics().Name():       &c.Topics,
		Sectors().Name():      &c.Sectors,
		Indicators().Name():   &c.Indicators,
		TargetGroups().Name(): &c.TargetGroups,
	}
}

// Content is what the practice row holds of a note: its published version,
// or the draft of a note never published.
func (p *Practice) Content() NoteContent {
	return NoteContent{
		Title: p.Title, Summary: p.Summary, Language: p.Language, Stage: p.Stage, Evidence: p.Evidence,
		Visibility: p.Visibility, Countries: p.Countries, Topics: p.Topics, Sectors: p.Sectors,
		Indicators: p.Indicators, TargetGroups: p.TargetGroups, BodyMD: p.BodyMD, BodyHTML: p.BodyHTML,
	}
}

func (p *Practice) setContent(c NoteContent) {
	p.Title, p.Summary, p.Language, p.Stage, p.Evidence = c.Title, c.Summary, c.Language, c.Stage, c.Evidence
	p.Visibility, p.BodyMD, p.BodyHTML = c.Visibility, c.BodyMD, c.BodyHTML
	p.Countries, p.Topics, p.Sectors = uniq(c.Countries), uniq(c.Topics), uniq(c.Sectors)
	p.Indicators, p.TargetGroups = uniq(c.Indicators), uniq(c.TargetGroups)
}

// contentColumns are the practice columns a published version replaces.
func contentColumns(c NoteContent) map[string]any {
	return map[string]any{
		"title": c.Title, "summary": c.Summary, "language": c.Language, "stage": c.Stage,
		"evidence": c.Evidence, "visibility": c.Visibility, "body_md": c.BodyMD, "body_html": c.BodyHTML,
	}
}

// State is where a note stands, for its authors and moderators: its status,
// or, for a published note with a newer version in the works, that
// version's state (Pending).
func (p *Practice) State() string {
	if p.Status == StatusPublished && p.Pending != "" {
		return p.Pending
	}
	return p.Status
}

// reviewState is the state of the newest version: what Submit, Return and
// Publish act on.
func (p *Practice) reviewState() string {
	if p.PublishedVersion > 0 && p.Status == StatusPublished {
		if p.Pending == "" {
			return StatusPublished
		}
		return p.Pending
	}
	return p.Status
}

// HasPendingRevision reports whether a published note has a newer version
// that readers do not see yet.
func (p *Practice) HasPendingRevision() bool {
	return p.PublishedVersion > 0 && p.Version > p.PublishedVersion
}

// TranslationRoot is the slug of the original of a note's translations.
func (p *Practice) TranslationRoot() string {
	if p.TranslationOf != "" {
		return p.TranslationOf
	}
	return p.Slug
}

// SeesUnpublished reports whether the viewer may see a note that readers do
// not (drafts, notes in review, archived ones, pending versions): the
// members of the organisation that wrote it, and moderators.
func (v Viewer) SeesUnpublished(p *Practice) bool {
	if v.Moderates() {
		return true
	}
	return v.OrganisationID != 0 && p.OrganisationID != nil && *p.OrganisationID == v.OrganisationID
}

// EditsPractice reports whether the viewer may change a note: the members of
// its organisation while the organisation is active, and moderators.
func (v Viewer) EditsPractice(p *Practice) bool {
	return v.CanWrite() && v.SeesUnpublished(p)
}

// PracticeRevision is one saved version of a note, kept for ever: its
// content, who saved it and when, and, once published, when.
type PracticeRevision struct {
	ID           uint
	PracticeID   uint
	Version      int
	Title        string
	Summary      string
	Language     string
	Stage        string
	Evidence     string
	Visibility   string
	Terms        string // JSON: vocabulary → terms
	BodyMD       string `gorm:"column:body_md"`
	BodyHTML     string `gorm:"column:body_html"`
	AuthorID     *uint
	Message      string // what the author says changed
	RestoredFrom *int
	PublishedAt  *time.Time
	CreatedAt    time.Time

	// AuthorName is the author's name (or address), "" once the account is gone.
	AuthorName string `gorm:"-"`
}

// Content decodes the version's content.
func (r *PracticeRevision) Content() NoteContent {
	c := NoteContent{
		Title: r.Title, Summary: r.Summary, Language: r.Language, Stage: r.Stage, Evidence: r.Evidence,
		Visibility: r.Visibility, BodyMD: r.BodyMD, BodyHTML: r.BodyHTML,
	}
	var terms map[string][]string
	_ = json.Unmarshal([]byte(r.Terms), &terms) // written by revisionOf; an unreadable list is empty
	for vocab, set := range c.termSets() {
		*set = terms[vocab]
	}
	return c
}

func newRevision(practiceID uint, version int, c NoteContent, author *uint, message string, at time.Time) *PracticeRevision {
	terms := map[string][]string{}
	for vocab, set := range c.termSets() {
		if len(*set) > 0 {
			terms[vocab] = uniq(*set)
		}
	}
	data, _ := json.Marshal(terms) // a map of string slices always marshals
	return &PracticeRevision{
		PracticeID: practiceID, Version: version, Title: c.Title, Summary: c.Summary, Language: c.Language,
		Stage: c.Stage, Evidence: c.Evidence, Visibility: c.Visibility, Terms: string(data),
		BodyMD: c.BodyMD, BodyHTML: c.BodyHTML, AuthorID: author, Message: message, CreatedAt: at,
	}
}

func revisionOf(p *Practice, version int, author *uint, message string, at time.Time) *PracticeRevision {
	return newRevision(p.ID, version, p.Content(), author, message, at)
}

// NoteBySlug returns the note of slug as the viewer may see it: a published
// note they may read, or any note of their own organisation (moderators: any
// note). Anyone else gets ErrNotFound, as for a slug that does not exist.
func (s *Store) NoteBySlug(ctx context.Context, v Viewer, slug string) (*Practice, error) {
	var p Practice
	if err := s.conn(ctx).Where("slug = ?", slug).Take(&p).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load practice %q: %w", slug, notFound(err))
	}
	readable := p.Status == StatusPublished && (p.Visibility == VisibilityPublic || v.SeesMembersOnly())
	if !readable && !v.SeesUnpublished(&p) {
		return nil, fmt.Errorf("models: practice %q: %w", slug, ErrNotFound)
	}
	list := []Practice{p}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// editable loads a note for a change by the viewer, inside a transaction.
func (s *Store) editable(ctx context.Context, v Viewer, id uint) (*Practice, error) {
	p, err := s.PracticeByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.EditsPractice(p) {
		return nil, fmt.Errorf("models: practice %d: %w", id, ErrNotFound)
	}
	return p, nil
}

// NewNote is a note as its author first saves it.
type NewNote struct {
	Content NoteContent
	// BaseSlug is the address wanted; a number is added when it is taken.
	BaseSlug      string
	TranslationOf string // the slug of the original, for a translation
	Submit        bool   // submit it for review at once
	Message       string // for the reviewers
	Flags         []PracticeFlag
}

// NoteEdit is a new version of an existing note.
type NoteEdit struct {
	Content NoteContent
	// BaseVersion is the version the writer started from: if the note has a
	// newer one, the save is refused with ErrStaleVersion.
	BaseVersion int
	Submit      bool
	Message     string
	Flags       []PracticeFlag
	// RestoredFrom is the old version this one brings back, if any.
	RestoredFrom int
}

// ReviewNotice is what a change of review state tells: the note, and the
// people to tell by mail (moderators of a submission, the person who
// submitted of a decision).
type ReviewNotice struct {
	Practice *Practice
	Notify   []User
}

// CreatePractice writes a new note of the viewer's organisation as its first
// version, in draft or submitted for review, with its flags, audit entry and
// outbox row, in one transaction. The slug is BaseSlug, or BaseSlug-2 ...
// when taken.
func (s *Store) CreatePractice(ctx context.Context, v Viewer, n NewNote, audit AuditEntry) (*ReviewNotice, error) {
	if !v.CanWrite() {
		return nil, fmt.Errorf("models: unable to create a note: %w", ErrNotFound)
	}
	var notice *ReviewNotice
	err := s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		if n.TranslationOf != "" {
			if err := tx.checkTranslationLanguage(ctx, n.TranslationOf, n.Content.Language, 0); err != nil {
				return err
			}
		}
		slug, err := tx.freeSlug(ctx, n.BaseSlug)
		if err != nil {
			return err
		}
		p := &Practice{Slug: slug, TranslationOf: n.TranslationOf, Status: StatusDraft, Version: 1,
			CreatedAt: now, UpdatedAt: now, CreatedBy: &v.UserID}
		p.setContent(n.Content)
		if v.OrganisationID != 0 {
			p.OrganisationID = &v.OrganisationID
		}
		if n.Submit {
			p.Status, p.SubmittedBy, p.SubmittedAt = StatusSubmitted, &v.UserID, &now
		}
		if err := tx.conn(ctx).Create(p).Error; err != nil {
			return fmt.Errorf("models: unable to create practice %q: %w", slug, conflict(err))
		}
		if err := tx.saveTerms(ctx, p.ID, p.termSets()); err != nil {
			return err
		}
		if err := tx.conn(ctx).Create(revisionOf(p, 1, &v.UserID, n.Message, now)).Error; err != nil {
			return fmt.Errorf("models: unable to save version 1 of %q: %w", slug, err)
		}
		if err := tx.saveFlags(ctx, p.ID, 1, n.Flags); err != nil {
			return err
		}
		audit.Action, audit.TargetKind, audit.TargetID, audit.Detail = AuditPracticeCreated, KindPractice, &p.ID, slug
		if err := tx.Audit(ctx, audit); err != nil {
			return err
		}
		if notice, err = tx.afterSave(ctx, v, p, n.Submit, n.Message, audit); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindPractice, p.ID, OpUpsert)
	})
	return notice, err
}

// afterSave records a submission made with a save: its event, its audit
// entry, and the moderators to tell.
func (s *Store) afterSave(ctx context.Context, v Viewer, p *Practice, submitted bool, message string, audit AuditEntry) (*ReviewNotice, error) {
	notice := &ReviewNotice{Practice: p}
	if !submitted {
		return notice, nil
	}
	if err := s.addEvent(ctx, p.ID, p.Version, v.UserID, EventSubmitted, message); err != nil {
		return nil, err
	}
	audit.Action, audit.Detail = AuditPracticeSubmitted, p.Slug+" v"+strconv.Itoa(p.Version)
	if err := s.Audit(ctx, audit); err != nil {
		return nil, err
	}
	mods, err := s.UsersWithRole(ctx, RoleModerator, RoleAdmin)
	if err != nil {
		return nil, err
	}
	notice.Notify = mods
	if p.Organisation == nil && p.OrganisationID != nil {
		if p.Organisation, err = s.OrganisationByID(ctx, *p.OrganisationID); err != nil {
			return nil, err
		}
	}
	return notice, nil
}

// freeSlug returns base, or base-N with the smallest N from 2 that is free.
func (s *Store) freeSlug(ctx context.Context, base string) (string, error) {
	var taken []string
	err := s.conn(ctx).Model(&Practice{}).Where("slug = ? OR slug LIKE ? ESCAPE '\\'", base, escapeLike(base)+"-%").
		Pluck("slug", &taken).Error
	if err != nil {
		return "", fmt.Errorf("models: unable to choose a slug: %w", err)
	}
	used := make(map[string]bool, len(taken)+1)
	for _, t := range taken {
		used[t] = true
	}
	used[base] = used[base] || reservedSlugs[base]
	slug := base
	for i := 2; used[slug]; i++ {
		slug = base + "-" + strconv.Itoa(i)
	}
	return slug, nil
}

// checkTranslationLanguage refuses a language that the original of root, or
// one of its translations other than self, is written in already.
func (s *Store) checkTranslationLanguage(ctx context.Context, root, lang string, self uint) error {
	var n int64
	err := s.conn(ctx).Model(&Practice{}).
		Where("(slug = ? OR translation_of = ?) AND language = ? AND id <> ?", root, root, lang, self).Count(&n).Error
	if err != nil {
		return fmt.Errorf("models: unable to check the translations of %q: %w", root, err)
	}
	if n > 0 {
		return ErrTranslationExists
	}
	return nil
}

// TranslationLanguages lists the languages the original of root and its
// translations are written in, whatever their state: a new translation
// needs another one.
func (s *Store) TranslationLanguages(ctx context.Context, root string) ([]string, error) {
	var langs []string
	err := s.conn(ctx).Model(&Practice{}).Where("slug = ? OR translation_of = ?", root, root).
		Distinct().Order("language").Pluck("language", &langs).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list the languages of %q: %w", root, err)
	}
	return langs, nil
}

// SavePracticeRevision saves a new version of a note, if the viewer may edit
// it and nobody saved a newer one since e.BaseVersion (else ErrStaleVersion).
// A note never published is replaced by it; a published note keeps showing
// its published version, and the new one waits (Pending) until a moderator
// publishes it. With its flags, submission and outbox row, in one
// transaction.
func (s *Store) SavePracticeRevision(ctx context.Context, v Viewer, id uint, e NoteEdit, audit AuditEntry) (*ReviewNotice, error) {
	var notice *ReviewNotice
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, id)
		if err != nil {
			return err
		}
		if p.Status == StatusArchived {
			return ErrWrongState
		}
		if p.Version != e.BaseVersion {
			return ErrStaleVersion
		}
		if e.Content.Language != p.Language {
			if err := tx.checkTranslationLanguage(ctx, p.TranslationRoot(), e.Content.Language, p.ID); err != nil {
				return err
			}
		}
		now, version := tx.now(), p.Version+1
		state := StatusDraft
		switch {
		case e.Submit:
			state = StatusSubmitted
		case p.reviewState() == StatusReturned:
			state = StatusReturned // still with its authors, being fixed
		}
		updates := map[string]any{"version": version, "updated_at": now}
		if e.Submit {
			updates["submitted_by"], updates["submitted_at"] = v.UserID, now
		}
		if p.PublishedVersion == 0 {
			for k, val := range contentColumns(e.Content) {
				updates[k] = val
			}
			updates["status"] = state
		} else {
			updates["pending"] = state
		}
		// The version in the WHERE clause makes the check and the write one
		// statement: of two saves from the same version, one wins.
		res := tx.conn(ctx).Model(&Practice{}).Where("id = ? AND version = ?", p.ID, e.BaseVersion).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("models: unable to save practice %q: %w", p.Slug, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrStaleVersion
		}
		if p.PublishedVersion == 0 {
			p.setContent(e.Content)
			if err := tx.saveTerms(ctx, p.ID, p.termSets()); err != nil {
				return err
			}
			p.Status = state
		} else {
			p.Pending = state
		}
		p.Version, p.UpdatedAt = version, now
		r := newRevision(p.ID, version, e.Content, &v.UserID, e.Message, now)
		if e.RestoredFrom > 0 {
			r.RestoredFrom = &e.RestoredFrom
		}
		if err := tx.conn(ctx).Create(r).Error; err != nil {
			return fmt.Errorf("models: unable to save version %d of %q: %w", version, p.Slug, conflict(err))
		}
		if err := tx.saveFlags(ctx, p.ID, version, e.Flags); err != nil {
			return err
		}
		audit.TargetKind, audit.TargetID = KindPractice, &p.ID
		if e.RestoredFrom > 0 {
			audit.Action = AuditPracticeRestored
			audit.Detail = fmt.Sprintf("%s v%d from v%d", p.Slug, version, e.RestoredFrom)
			if err := tx.Audit(ctx, audit); err != nil {
				return err
			}
		}
		if notice, err = tx.afterSave(ctx, v, p, e.Submit, e.Message, audit); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindPractice, p.ID, OpUpsert)
	})
	return notice, err
}

// RestorePracticeRevision saves the content of an old version as a new
// version (draft, or pending for a published note), from baseVersion as
// SavePracticeRevision does. The old version's flags come with it.
func (s *Store) RestorePracticeRevision(ctx context.Context, v Viewer, id uint, from, baseVersion int, audit AuditEntry) (*ReviewNotice, error) {
	var notice *ReviewNotice
	err := s.WithTx(ctx, func(tx *Store) error {
		old, err := tx.revision(ctx, id, from)
		if err != nil {
			return err
		}
		flags, err := tx.flagsOf(ctx, id, from)
		if err != nil {
			return err
		}
		notice, err = tx.SavePracticeRevision(ctx, v, id, NoteEdit{Content: old.Content(), BaseVersion: baseVersion,
			Flags: flags, RestoredFrom: from}, audit)
		return err
	})
	return notice, err
}

// DeletePractice deletes a note that was never published, with its versions,
// conversation and attachments' rows, and returns the attachments so that
// their files can be removed once the transaction commits.
func (s *Store) DeletePractice(ctx context.Context, v Viewer, id uint, audit AuditEntry) ([]PracticeAttachment, error) {
	var files []PracticeAttachment
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, id)
		if err != nil {
			return err
		}
		if p.PublishedVersion > 0 {
			return ErrWrongState
		}
		var translations int64
		if err := tx.conn(ctx).Model(&Practice{}).Where("translation_of = ?", p.Slug).Count(&translations).Error; err != nil {
			return fmt.Errorf("models: unable to delete practice %q: %w", p.Slug, err)
		}
		if translations > 0 {
			return ErrWrongState
		}
		if files, err = tx.Attachments(ctx, p.ID); err != nil {
			return err
		}
		// Cascades to versions, events, flags, confirmations, terms and attachments.
		if err := tx.conn(ctx).Delete(&Practice{}, "id = ?", p.ID).Error; err != nil {
			return fmt.Errorf("models: unable to delete practice %q: %w", p.Slug, err)
		}
		audit.Action, audit.TargetKind, audit.TargetID, audit.Detail = AuditPracticeDeleted, KindPractice, &p.ID, p.Slug
		if err := tx.Audit(ctx, audit); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindPractice, p.ID, OpDelete)
	})
	return files, err
}

// revisionListing is how a note's versions are listed: newest first.
var revisionListing = listing{perPage: 100, maxPerPage: 500, sorts: []sortOrder{by("newest", "version DESC")}}

// revisionsFor restricts a note's versions to those the viewer may see: all
// of them for its organisation and moderators, the published ones for
// everyone else (a draft a moderator returned may hold what must not be
// published), and for visitors only those that were published for everyone:
// a note first published for members and later made public keeps its
// members-only versions from visitors.
func revisionsFor(q *gorm.DB, v Viewer, p *Practice) *gorm.DB {
	if !v.SeesUnpublished(p) {
		q = q.Where("published_at IS NOT NULL")
		if !v.SeesMembersOnly() {
			q = q.Where("visibility = ?", VisibilityPublic)
		}
	}
	return q
}

// PracticeHistory lists the versions of a note the viewer may see, newest
// first, without their text, with their authors' names, and the total.
func (s *Store) PracticeHistory(ctx context.Context, v Viewer, p *Practice, o ListOptions) ([]PracticeRevision, int64, error) {
	q := revisionsFor(s.conn(ctx).Model(&PracticeRevision{}).Where("practice_id = ?", p.ID), v, p)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count the versions of %q: %w", p.Slug, err)
	}
	var list []PracticeRevision
	q = revisionsFor(s.conn(ctx).Where("practice_id = ?", p.ID), v, p).Omit("body_md", "body_html", "terms")
	if err := revisionListing.page(q, o).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list the versions of %q: %w", p.Slug, err)
	}
	if err := s.loadAuthors(ctx, list); err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// PracticeRevisionFor returns one version of a note if the viewer may see it.
func (s *Store) PracticeRevisionFor(ctx context.Context, v Viewer, p *Practice, version int) (*PracticeRevision, error) {
	var r PracticeRevision
	q := revisionsFor(s.conn(ctx).Where("practice_id = ? AND version = ?", p.ID, version), v, p)
	if err := q.Take(&r).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load version %d of %q: %w", version, p.Slug, notFound(err))
	}
	list := []PracticeRevision{r}
	if err := s.loadAuthors(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

func (s *Store) revision(ctx context.Context, id uint, version int) (*PracticeRevision, error) {
	var r PracticeRevision
	if err := s.conn(ctx).Where("practice_id = ? AND version = ?", id, version).Take(&r).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load version %d of practice %d: %w", version, id, notFound(err))
	}
	return &r, nil
}

func (s *Store) loadAuthors(ctx context.Context, list []PracticeRevision) error {
	var ids []uint
	for _, r := range list {
		if r.AuthorID != nil {
			ids = append(ids, *r.AuthorID)
		}
	}
	names, err := s.userNames(ctx, ids)
	if err != nil {
		return err
	}
	for i := range list {
		if list[i].AuthorID != nil {
			list[i].AuthorName = names[*list[i].AuthorID]
		}
	}
	return nil
}

// HeadRevision returns the newest version of a note, for its editors.
func (s *Store) HeadRevision(ctx context.Context, v Viewer, p *Practice) (*PracticeRevision, error) {
	if !v.SeesUnpublished(p) {
		return nil, fmt.Errorf("models: practice %q: %w", p.Slug, ErrNotFound)
	}
	r, err := s.revision(ctx, p.ID, p.Version)
	if errors.Is(err, ErrNotFound) {
		// Never the case for a note written here; a row from before versions
		// were kept stands for its own version.
		return revisionOf(p, p.Version, nil, "", p.UpdatedAt), nil
	}
	if err != nil {
		return nil, err
	}
	list := []PracticeRevision{*r}
	if err := s.loadAuthors(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}
