package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Consultations: the secretariat asks the member organisations a set of
// questions between an opening and a closing time; each organisation answers
// once (consultation_responses.go), moderators publish the results. Every
// time is stored in UTC; the web layer shows it in Brussels time.

// Kinds of the outbox for consultations and their published responses.
const (
	KindConsultation = "consultation"
	KindResponse     = "response"
)

// Consultation states, derived from the times and the two publication dates.
const (
	ConsultationDraft    = "draft"    // being prepared: moderators only
	ConsultationUpcoming = "upcoming" // published, not open yet
	ConsultationOpen     = "open"
	ConsultationClosed   = "closed"  // results not published yet
	ConsultationResults  = "results" // results published
)

// ConsultationStates lists the states in the order the list page shows them.
func ConsultationStates() []string {
	return []string{ConsultationOpen, ConsultationUpcoming, ConsultationClosed, ConsultationResults, ConsultationDraft}
}

// Audit actions of consultations.
const (
	AuditConsultationCreated     = "consultation.created"
	AuditConsultationUpdated     = "consultation.updated"
	AuditConsultationQuestions   = "consultation.questions"
	AuditConsultationPublished   = "consultation.published"
	AuditConsultationUnpublished = "consultation.unpublished"
	AuditConsultationResults     = "consultation.results"
	AuditConsultationWithdrawn   = "consultation.results_withdrawn"
	AuditConsultationDeleted     = "consultation.deleted"
	AuditConsultationExported    = "consultation.exported"
	AuditResponseSubmitted       = "response.submitted"
	AuditResponseReopened        = "response.reopened"
	AuditResponseLate            = "response.late"
)

// consultationAuditActions lists them for the audit log's filter.
func consultationAuditActions() []string {
	return []string{AuditConsultationCreated, AuditConsultationUpdated, AuditConsultationQuestions,
		AuditConsultationPublished, AuditConsultationUnpublished, AuditConsultationResults, AuditConsultationWithdrawn,
		AuditConsultationDeleted, AuditConsultationExported, AuditResponseSubmitted, AuditResponseReopened, AuditResponseLate}
}

// Errors of consultations.
var (
	// ErrQuestionsFrozen: an organisation has submitted a response, so the
	// questions it answered can no longer change.
	ErrQuestionsFrozen = errors.New("models: the questions are frozen by a submitted response")
	// ErrNotOpen: the consultation has not opened yet.
	ErrNotOpen = errors.New("models: the consultation is not open yet")
	// ErrClosed: the consultation has closed (for actions other than
	// responding, which keep a late copy instead: see ResponseResult.Late).
	ErrClosed = errors.New("models: the consultation has closed")
	// ErrStillOpen: results can only be published once it has closed.
	ErrStillOpen = errors.New("models: the consultation is still open")
	// ErrHasResponses: a consultation with responses cannot go back to
	// draft or be deleted.
	ErrHasResponses = errors.New("models: the consultation has responses")
)

// Consultation is a questionnaire with its times.
type Consultation struct {
	ID              uint
	Slug            string
	Title           string
	DescriptionMD   string `gorm:"column:description_md"`
	DescriptionHTML string `gorm:"column:description_html"`
	// InitiativeURL links to the EU initiative the network is answering.
	InitiativeURL string
	// Languages are the languages responses may be written in (ISO 639-1).
	Languages          []string `gorm:"serializer:json"`
	OpensAt            time.Time
	ClosesAt           time.Time
	PublishedAt        *time.Time
	ResultsPublishedAt *time.Time
	// FrozenAt is the first submission: from then on the questions stay.
	FrozenAt *time.Time
	// Version counts edits of the details, QuestionsVersion edits of the
	// questions: a submission is checked against the questions it answered.
	Version          int
	QuestionsVersion int
	CreatedBy        *uint
	Demo             bool
	CreatedAt        time.Time
	UpdatedAt        time.Time

	Questions []Question `gorm:"-"`
}

// State is the consultation's state at now.
func (c *Consultation) State(now time.Time) string {
	switch {
	case c.PublishedAt == nil:
		return ConsultationDraft
	case c.ResultsPublishedAt != nil:
		return ConsultationResults
	case now.Before(c.OpensAt):
		return ConsultationUpcoming
	case now.Before(c.ClosesAt):
		return ConsultationOpen
	}
	return ConsultationClosed
}

// Answerable returns the questions that take an answer, without sections.
func (c *Consultation) Answerable() []Question {
	out := make([]Question, 0, len(c.Questions))
	for _, q := range c.Questions {
		if q.Type != QuestionSection {
			out = append(out, q)
		}
	}
	return out
}

// Question returns the question with the id, or nil.
func (c *Consultation) Question(id uint) *Question {
	for i := range c.Questions {
		if c.Questions[i].ID == id && c.Questions[i].Type != QuestionSection {
			return &c.Questions[i]
		}
	}
	return nil
}

// by fills the audit entry of an action: by carries who did it and from where.
func auditOf(by AuditEntry, action, kind string, id uint, detail string) AuditEntry {
	by.Action, by.TargetKind, by.TargetID, by.Detail = action, kind, &id, truncate(detail, 500)
	return by
}

// CreateConsultation inserts a draft under the first free slug of c.Slug,
// with its audit and outbox rows.
func (s *Store) CreateConsultation(ctx context.Context, c *Consultation, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		var taken []string
		err := tx.conn(ctx).Model(&Consultation{}).
			Where("slug = ? OR slug LIKE ? ESCAPE '\\'", base(c.Slug), escapeLike(base(c.Slug))+"-%").
			Pluck("slug", &taken).Error
		if err != nil {
			return fmt.Errorf("models: unable to choose a slug: %w", err)
		}
		now := tx.now()
		c.Slug = freeSlug(c.Slug, taken)
		c.ID, c.PublishedAt, c.ResultsPublishedAt, c.FrozenAt = 0, nil, nil, nil
		c.Version, c.QuestionsVersion, c.CreatedAt, c.UpdatedAt = 1, 1, now, now
		c.OpensAt, c.ClosesAt = c.OpensAt.UTC(), c.ClosesAt.UTC()
		if c.Languages == nil {
			c.Languages = []string{}
		}
		if err := tx.conn(ctx).Omit("Questions").Create(c).Error; err != nil {
			return fmt.Errorf("models: unable to create consultation %q: %w", c.Slug, conflict(err))
		}
		if err := tx.Audit(ctx, auditOf(by, AuditConsultationCreated, KindConsultation, c.ID, c.Slug)); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindConsultation, c.ID, OpUpsert)
	})
}

// UpdateConsultation saves the details moderators edit (title, description,
// link, languages, times) if nobody saved them since version base. The
// questions and the publication dates are left alone.
func (s *Store) UpdateConsultation(ctx context.Context, c *Consultation, base int, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		langs := c.Languages
		if langs == nil {
			langs = []string{}
		}
		res := tx.conn(ctx).Model(&Consultation{}).Where("id = ? AND version = ?", c.ID, base).Updates(map[string]any{
			"title": c.Title, "description_md": c.DescriptionMD, "description_html": c.DescriptionHTML,
			"initiative_url": c.InitiativeURL, "languages": jsonText(langs),
			"opens_at": c.OpensAt.UTC(), "closes_at": c.ClosesAt.UTC(),
			"version": gorm.Expr("version + 1"), "updated_at": tx.now(),
		})
		if res.Error != nil {
			return fmt.Errorf("models: unable to save consultation %d: %w", c.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := tx.consultationRow(ctx, c.ID); err != nil {
				return err
			}
			return ErrConflict
		}
		c.Version = base + 1
		if err := tx.Audit(ctx, auditOf(by, AuditConsultationUpdated, KindConsultation, c.ID, c.Slug)); err != nil {
			return err
		}
		// Published responses are found under the consultation's title.
		if err := tx.enqueueResponses(ctx, c.ID, OpUpsert); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindConsultation, c.ID, OpUpsert)
	})
}

// PublishConsultation makes a draft visible: upcoming until it opens.
func (s *Store) PublishConsultation(ctx context.Context, id uint, by AuditEntry) error {
	return s.setConsultationDate(ctx, id, "published_at IS NULL", map[string]any{"published_at": s.now()}, AuditConsultationPublished, by)
}

// UnpublishConsultation takes a consultation back to draft, as long as no
// organisation has started a response.
func (s *Store) UnpublishConsultation(ctx context.Context, id uint, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if n, err := tx.countResponses(ctx, id); err != nil {
			return err
		} else if n > 0 {
			return ErrHasResponses
		}
		return tx.setConsultationDate(ctx, id, "published_at IS NOT NULL", map[string]any{"published_at": nil}, AuditConsultationUnpublished, by)
	})
}

// PublishResults publishes the results of a closed consultation: the
// statistics and the responses whose organisations chose to be published.
// Their outbox rows go with it, so the index learns of them.
func (s *Store) PublishResults(ctx context.Context, id uint, now time.Time, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.consultationRow(ctx, id)
		if err != nil {
			return err
		}
		if c.PublishedAt == nil {
			return ErrNotFound
		}
		if now.Before(c.ClosesAt) {
			return ErrStillOpen
		}
		if err := tx.setConsultationDate(ctx, id, "results_published_at IS NULL", map[string]any{"results_published_at": tx.now()}, AuditConsultationResults, by); err != nil {
			return err
		}
		return tx.enqueueResponses(ctx, id, OpUpsert)
	})
}

// WithdrawResults takes the results down again (a mistake, a complaint):
// the published responses leave the index.
func (s *Store) WithdrawResults(ctx context.Context, id uint, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		if err := tx.setConsultationDate(ctx, id, "results_published_at IS NOT NULL", map[string]any{"results_published_at": nil}, AuditConsultationWithdrawn, by); err != nil {
			return err
		}
		return tx.enqueueResponses(ctx, id, OpDelete)
	})
}

// DeleteConsultation deletes a draft that no organisation has answered.
func (s *Store) DeleteConsultation(ctx context.Context, id uint, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.consultationRow(ctx, id)
		if err != nil {
			return err
		}
		if c.PublishedAt != nil {
			return ErrConflict
		}
		if n, err := tx.countResponses(ctx, id); err != nil {
			return err
		} else if n > 0 {
			return ErrHasResponses
		}
		if err := tx.conn(ctx).Delete(&Consultation{}, "id = ?", id).Error; err != nil {
			return fmt.Errorf("models: unable to delete consultation %d: %w", id, err)
		}
		if err := tx.Audit(ctx, auditOf(by, AuditConsultationDeleted, KindConsultation, id, c.Slug)); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindConsultation, id, OpDelete)
	})
}

// setConsultationDate changes publication columns when the row is in the
// state named by cond (so a double click changes nothing twice), with the
// audit and outbox rows. A row in another state gives ErrConflict.
func (s *Store) setConsultationDate(ctx context.Context, id uint, cond string, updates map[string]any, action string, by AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		updates["updated_at"] = tx.now()
		updates["version"] = gorm.Expr("version + 1")
		res := tx.conn(ctx).Model(&Consultation{}).Where("id = ? AND "+cond, id).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("models: unable to change consultation %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := tx.consultationRow(ctx, id); err != nil {
				return err
			}
			return ErrConflict
		}
		if err := tx.Audit(ctx, auditOf(by, action, KindConsultation, id, "")); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindConsultation, id, OpUpsert)
	})
}

// enqueueResponses writes an outbox row for every submitted response of the
// consultation: its index entry follows the results' publication.
func (s *Store) enqueueResponses(ctx context.Context, consultationID uint, op string) error {
	var ids []uint
	err := s.conn(ctx).Model(&Response{}).Where("consultation_id = ? AND submission_id IS NOT NULL", consultationID).
		Order("id").Pluck("id", &ids).Error
	if err != nil {
		return fmt.Errorf("models: unable to list responses: %w", err)
	}
	for _, id := range ids {
		if err := s.enqueue(ctx, KindResponse, id, op); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) countResponses(ctx context.Context, consultationID uint) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Response{}).Where("consultation_id = ?", consultationID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count responses: %w", err)
	}
	return n, nil
}

func (s *Store) consultationRow(ctx context.Context, id uint) (*Consultation, error) {
	var c Consultation
	if err := s.conn(ctx).Take(&c, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load consultation %d: %w", id, notFound(err))
	}
	return &c, nil
}

// ConsultationBySlug loads a consultation with its questions. Drafts exist
// only for moderators; for anyone else they are ErrNotFound.
func (s *Store) ConsultationBySlug(ctx context.Context, v Viewer, slug string) (*Consultation, error) {
	var c Consultation
	q := s.conn(ctx).Where("slug = ?", slug)
	if !v.Moderates() {
		q = q.Where("published_at IS NOT NULL")
	}
	if err := q.Take(&c).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load consultation %q: %w", slug, notFound(err))
	}
	if err := s.loadQuestions(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// ConsultationByID loads any consultation with its questions, whatever its
// state: for the indexer and background work, never for a page.
func (s *Store) ConsultationByID(ctx context.Context, id uint) (*Consultation, error) {
	c, err := s.consultationRow(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.loadQuestions(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// ConsultationFilter selects consultations for a list.
type ConsultationFilter struct {
	// States are the states to list (ConsultationStates); none means every
	// state the viewer may see. Drafts are listed for moderators only.
	States []string
	// Now is the time the states are computed at.
	Now time.Time
	ListOptions
}

// consultationListing: soonest deadline first, so that what closes next is
// on top; "recent" puts the latest deadlines first, for past consultations.
var consultationListing = listing{perPage: 20, maxPerPage: 100, maxPage: 1000, sorts: []sortOrder{
	by("deadline", "closes_at ASC, id ASC"),
	by("recent", "closes_at DESC, id DESC"),
	by("opening", "opens_at ASC, id ASC"),
}}

// ConsultationSortNames lists the orders of consultation lists, the default first.
func ConsultationSortNames() []string { return consultationListing.sortNames() }

// Normalise drops unknown states and clamps paging.
func (f ConsultationFilter) Normalise() ConsultationFilter {
	var states []string
	for _, st := range f.States {
		if slices.Contains(ConsultationStates(), st) && !slices.Contains(states, st) {
			states = append(states, st)
		}
	}
	f.States = states
	f.ListOptions = consultationListing.normalise(f.ListOptions)
	return f
}

// stateCondition is the SQL of one state at now.
func stateCondition(q *gorm.DB, state string, now time.Time) *gorm.DB {
	switch state {
	case ConsultationDraft:
		return q.Where("published_at IS NULL")
	case ConsultationResults:
		return q.Where("published_at IS NOT NULL AND results_published_at IS NOT NULL")
	case ConsultationUpcoming:
		return q.Where("published_at IS NOT NULL AND results_published_at IS NULL AND opens_at > ?", now)
	case ConsultationOpen:
		return q.Where("published_at IS NOT NULL AND results_published_at IS NULL AND opens_at <= ? AND closes_at > ?", now, now)
	}
	return q.Where("published_at IS NOT NULL AND results_published_at IS NULL AND closes_at <= ?", now)
}

// ListConsultations returns one page of the consultations in the filter's
// states that the viewer may see, and the total. Questions are not loaded.
func (s *Store) ListConsultations(ctx context.Context, v Viewer, f ConsultationFilter) ([]Consultation, int64, error) {
	f = f.Normalise()
	now := f.Now.UTC()
	q := s.conn(ctx).Model(&Consultation{})
	if !v.Moderates() {
		q = q.Where("published_at IS NOT NULL")
	}
	if len(f.States) > 0 {
		or := s.conn(ctx)
		for i, st := range f.States {
			cond := stateCondition(s.conn(ctx).Session(&gorm.Session{NewDB: true}), st, now)
			if i == 0 {
				or = or.Where(cond)
			} else {
				or = or.Or(cond)
			}
		}
		q = q.Where(or)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count consultations: %w", err)
	}
	var list []Consultation
	if err := consultationListing.page(q, f.ListOptions).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list consultations: %w", err)
	}
	return list, total, nil
}

// Search index loaders. The index holds only what everyone may read: a
// published consultation (not a draft) with its questions, and the
// responses published with the results as their organisations chose.

// SearchableConsultation returns a published consultation with its
// questions, or ErrNotFound for a draft or a deleted one.
func (s *Store) SearchableConsultation(ctx context.Context, id uint) (*Consultation, error) {
	c, err := s.ConsultationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.PublishedAt == nil {
		return nil, fmt.Errorf("models: consultation %d is a draft: %w", id, ErrNotFound)
	}
	return c, nil
}

// CountSearchableConsultations counts the published consultations.
func (s *Store) CountSearchableConsultations(ctx context.Context) (int64, error) {
	var n int64
	if err := s.conn(ctx).Model(&Consultation{}).Where("published_at IS NOT NULL").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count consultations: %w", err)
	}
	return n, nil
}

// SearchableConsultationsAfter returns up to limit published consultations
// with an id above after, in id order, with their questions: for rebuilds.
func (s *Store) SearchableConsultationsAfter(ctx context.Context, after uint, limit int) ([]Consultation, error) {
	var list []Consultation
	err := s.conn(ctx).Where("published_at IS NOT NULL AND id > ?", after).Order("id").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list consultations: %w", err)
	}
	for i := range list {
		if err := s.loadQuestions(ctx, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}
