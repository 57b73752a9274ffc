package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Response statuses.
const (
	ResponseDraft     = "draft"     // never submitted
	ResponseSubmitted = "submitted" // the latest submission is the working copy
	ResponseReopened  = "reopened"  // submitted, being changed: the last submission counts until the next
)

// Publication choices of a response.
const (
	PublishNamed     = "named"
	PublishAnonymous = "anonymous"
	PublishNone      = "unpublished"
)

// Publications lists the publication choices, in the order they are offered.
func Publications() []string { return []string{PublishNamed, PublishAnonymous, PublishNone} }

// Submission kinds.
const (
	SubmissionSubmitted = "submitted"
	// SubmissionLate is what arrived after the closing time: kept for the
	// organisation to read and copy, never counted.
	SubmissionLate = "late"
)

// ErrIdempotencyMismatch: an idempotency key was used again for a
// different request.
var ErrIdempotencyMismatch = errors.New("models: idempotency key reused for a different request")

// Answer is the answer to one question: Text for text, single choice (the
// option's value) and yes/no ("yes", "no"); Choices for multiple choice;
// Number for a scale.
type Answer struct {
	Text    string   `json:"t,omitempty"`
	Choices []string `json:"c,omitempty"`
	Number  int      `json:"n,omitempty"`
}

// Empty reports whether nothing is answered.
func (a Answer) Empty() bool {
	return strings.TrimSpace(a.Text) == "" && len(a.Choices) == 0 && a.Number == 0
}

// Equal reports whether two answers say the same.
func (a Answer) Equal(b Answer) bool {
	return a.Text == b.Text && a.Number == b.Number && slices.Equal(a.Choices, b.Choices)
}

// Answers maps question ids to answers.
type Answers map[uint]Answer

// Clone copies the answers.
func (as Answers) Clone() Answers {
	out := make(Answers, len(as))
	for k, v := range as {
		v.Choices = slices.Clone(v.Choices)
		out[k] = v
	}
	return out
}

// Equal reports whether both hold the same non-empty answers.
func (as Answers) Equal(bs Answers) bool {
	for k, a := range as {
		if !a.Empty() && !a.Equal(bs[k]) {
			return false
		}
	}
	for k, b := range bs {
		if !b.Empty() && !b.Equal(as[k]) {
			return false
		}
	}
	return true
}

// metaKey is where AnswerVersions notes the last change of the publication
// choice and the language, which are no question.
const metaKey uint = 0

// Response is an organisation's response to a consultation: its working
// copy (what members edit) and, once submitted, a pointer to the submission
// that counts.
type Response struct {
	ID             uint
	ConsultationID uint
	OrganisationID uint
	// Reference is given when the response is first saved and stays the
	// same through every submission.
	Reference string
	Status    string
	Answers   Answers `gorm:"serializer:json"`
	// AnswerVersions notes, per question, the version that last changed its
	// answer: two colleagues saving different questions do not collide.
	AnswerVersions map[uint]int `gorm:"serializer:json"`
	Publication    string
	Language       string
	Version        int
	UpdatedBy      *uint
	SubmissionID   *uint
	SubmittedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// UpdatedByName is the name of the member who changed it last (loaded).
	UpdatedByName string `gorm:"-"`
}

// TableName names the responses table.
func (Response) TableName() string { return "consultation_responses" }

// Submission is one submission of a response (or a late copy): what was
// sent, by whom, when. Every submission is kept: the history.
type Submission struct {
	ID          uint
	ResponseID  uint
	Seq         int
	Kind        string
	Answers     Answers `gorm:"serializer:json"`
	Publication string
	Language    string
	ByUser      *uint
	At          time.Time

	ByName string `gorm:"-"`
}

// TableName names the submissions table.
func (Submission) TableName() string { return "consultation_submissions" }

type idempotencyKey struct {
	ConsultationID uint
	OrganisationID uint
	Key            string
	RequestHash    string
	ResponseID     uint
	CreatedAt      time.Time
}

func (idempotencyKey) TableName() string { return "consultation_idempotency" }

// MaxIdempotencyKey bounds an Idempotency-Key, in bytes.
const MaxIdempotencyKey = 200

// ResponseInput is one save or submission of an organisation's response.
type ResponseInput struct {
	ConsultationID uint
	OrganisationID uint
	// By is who saves (ActorID, ActorEmail) and from where (IP), for the
	// audit log and "changed last by".
	By AuditEntry
	// Now is the server's time of the request: the deadline is checked
	// against it.
	Now time.Time
	// Base is the version of the response the person edited (0 when there
	// was none yet); with CheckBase, answers someone else changed since Base
	// are conflicts, not overwritten, and a submission must be of version
	// Base. The API, which replaces the answers it sends, does not check.
	Base      int
	CheckBase bool
	// Covered are the questions this save is about (a page of the form, or
	// every question): their answers become Answers' (absent: cleared).
	Covered []uint
	Answers Answers
	// SetMeta says whether Publication and Language are part of the save.
	SetMeta     bool
	Publication string
	Language    string
	// Submit asks for the working copy to be submitted after the save.
	Submit bool
	// QuestionsVersion is the version of the questions the answers were
	// checked against; a submission against other questions is refused.
	QuestionsVersion int
	// IdempotencyKey, with RequestHash (a digest of the request), makes a
	// retried request answer as the first did without storing anything again.
	IdempotencyKey string
	RequestHash    string
}

// ResponseResult says what a save did.
type ResponseResult struct {
	Response *Response
	Created  bool // the response was created by this request
	Changed  bool // the working copy changed
	// Submitted: this request stored a new submission (a receipt is due).
	Submitted bool
	// Repeat: the same request was made before (same key), or the same
	// answers were submitted already: nothing new was stored.
	Repeat bool
	// Late: the request came after the closing time. Nothing changed but
	// its text, kept as a late copy that the organisation can read.
	Late bool
	// Conflicts are the questions (0: the publication choice and language)
	// that someone else changed since Base; their new text was not saved.
	Conflicts []uint
}

// ErrAlreadySubmitted: a save of a submitted response that was not reopened.
var ErrAlreadySubmitted = errors.New("models: the response has been submitted; reopen it first")

// ErrQuestionsChanged: the questions changed since the answers were
// checked (before the first submission froze them).
var ErrQuestionsChanged = errors.New("models: the questions changed while the response was written")

// ErrStale: the response changed since the person reviewed it.
var ErrStale = errors.New("models: the response changed since it was reviewed")

// SaveResponse saves an organisation's response and, when asked, submits
// it: in one transaction with its submission, audit, outbox and idempotency
// rows. The caller's function after, when not nil, runs in the same
// transaction once the outcome is known (to queue the receipt mail).
//
// After the closing time nothing changes: the text is kept as a late copy
// and the result says Late. A duplicate request (same idempotency key, or
// a second submission of the same answers) stores nothing and answers with
// the same response.
func (s *Store) SaveResponse(ctx context.Context, in ResponseInput, after func(tx *Store, r ResponseResult) error) (ResponseResult, error) {
	var res ResponseResult
	try := func() error {
		return s.WithTx(ctx, func(tx *Store) error {
			var err error
			if res, err = tx.saveResponse(ctx, in); err != nil {
				return err
			}
			if after != nil {
				return after(tx, res)
			}
			return nil
		})
	}
	err := try()
	if errors.Is(err, ErrConflict) {
		// Two first saves of one organisation, or two requests with one key,
		// met at a unique constraint: the other has committed now, so a
		// second try finds its row (or its key) and proceeds from there.
		err = try()
	}
	return res, err
}

func (s *Store) saveResponse(ctx context.Context, in ResponseInput) (ResponseResult, error) {
	var res ResponseResult
	c, err := s.consultationRow(ctx, in.ConsultationID)
	if err != nil {
		return res, err
	}
	if c.PublishedAt == nil {
		return res, ErrNotFound
	}
	now := in.Now.UTC()
	if now.Before(c.OpensAt) {
		return res, ErrNotOpen
	}
	if in.IdempotencyKey != "" {
		r, err := s.repeated(ctx, in)
		if err != nil || r != nil {
			return ResponseResult{Response: r, Repeat: r != nil}, err
		}
	}
	r, err := s.lockResponse(ctx, in.ConsultationID, in.OrganisationID)
	if errors.Is(err, ErrNotFound) {
		r, err = s.createResponse(ctx, in, now)
		res.Created = true
	}
	if err != nil {
		return res, err
	}
	res.Response = r
	if !now.Before(c.ClosesAt) || c.ResultsPublishedAt != nil {
		res.Late = true
		return res, s.keepLate(ctx, r, in, now, c.ClosesAt)
	}
	if in.Submit {
		if err := s.freezeQuestions(ctx, c, now); err != nil {
			return res, err
		}
		if c.QuestionsVersion != in.QuestionsVersion {
			return res, ErrQuestionsChanged
		}
		if in.CheckBase && in.Base != r.Version {
			return res, ErrStale
		}
	} else if r.Status == ResponseSubmitted {
		return res, ErrAlreadySubmitted
	}
	changed, conflicts := merge(r, in)
	res.Conflicts = conflicts
	if in.Submit && len(conflicts) > 0 {
		return res, ErrStale
	}
	if changed {
		r.Version++
		res.Changed = true
	}
	if in.Submit {
		submitted, err := s.submit(ctx, r, in, now)
		if err != nil {
			return res, err
		}
		res.Submitted, res.Repeat = submitted, !submitted && !changed
	}
	if res.Changed || res.Submitted {
		r.UpdatedBy, r.UpdatedAt = in.By.ActorID, now
		if err := s.writeResponse(ctx, r); err != nil {
			return res, err
		}
	}
	if in.IdempotencyKey != "" {
		key := idempotencyKey{ConsultationID: in.ConsultationID, OrganisationID: in.OrganisationID,
			Key: in.IdempotencyKey, RequestHash: in.RequestHash, ResponseID: r.ID, CreatedAt: now}
		if err := s.conn(ctx).Create(&key).Error; err != nil {
			return res, fmt.Errorf("models: unable to store the idempotency key: %w", conflict(err))
		}
	}
	return res, nil
}

// repeated returns the response of an earlier request with the same key, or
// nil when the key is new.
func (s *Store) repeated(ctx context.Context, in ResponseInput) (*Response, error) {
	var k idempotencyKey
	err := s.conn(ctx).Take(&k, "consultation_id = ? AND organisation_id = ? AND key = ?",
		in.ConsultationID, in.OrganisationID, in.IdempotencyKey).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("models: unable to read the idempotency key: %w", err)
	}
	if k.RequestHash != in.RequestHash {
		return nil, ErrIdempotencyMismatch
	}
	var r Response
	if err := s.conn(ctx).Take(&r, "id = ?", k.ResponseID).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load response %d: %w", k.ResponseID, notFound(err))
	}
	return &r, nil
}

// lockResponse loads the organisation's response, locked until the end of
// the transaction on PostgreSQL (SQLite transactions are serial already).
func (s *Store) lockResponse(ctx context.Context, cid, orgID uint) (*Response, error) {
	q := s.conn(ctx)
	if s.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var r Response
	if err := q.Take(&r, "consultation_id = ? AND organisation_id = ?", cid, orgID).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the response: %w", notFound(err))
	}
	normaliseResponse(&r)
	return &r, nil
}

func normaliseResponse(r *Response) {
	if r.Answers == nil {
		r.Answers = Answers{}
	}
	if r.AnswerVersions == nil {
		r.AnswerVersions = map[uint]int{}
	}
}

// NewReference returns a response reference: PRO-YYYY-XXXX-XXXX, with eight
// random base32 characters (no 0/1/8/9 to misread).
func NewReference(now time.Time) string {
	t := rand.Text()
	return fmt.Sprintf("PRO-%d-%s-%s", now.Year(), t[:4], t[4:8])
}

func (s *Store) createResponse(ctx context.Context, in ResponseInput, now time.Time) (*Response, error) {
	r := &Response{ConsultationID: in.ConsultationID, OrganisationID: in.OrganisationID, Reference: NewReference(now),
		Status: ResponseDraft, Answers: Answers{}, AnswerVersions: map[uint]int{}, Version: 1,
		UpdatedBy: in.By.ActorID, CreatedAt: now, UpdatedAt: now}
	if err := s.conn(ctx).Omit("SubmissionID", "SubmittedAt").Create(r).Error; err != nil {
		return nil, fmt.Errorf("models: unable to create the response: %w", conflict(err))
	}
	return r, nil
}

// merge applies the covered answers of in to the working copy, except those
// someone else changed since in.Base, which it returns as conflicts.
func merge(r *Response, in ResponseInput) (changed bool, conflicts []uint) {
	next := r.Version + 1
	for _, q := range in.Covered {
		posted, current := in.Answers[q], r.Answers[q]
		if posted.Equal(current) || (posted.Empty() && current.Empty()) {
			continue
		}
		if in.CheckBase && r.AnswerVersions[q] > in.Base {
			conflicts = append(conflicts, q)
			continue
		}
		if posted.Empty() {
			delete(r.Answers, q)
		} else {
			r.Answers[q] = posted
		}
		r.AnswerVersions[q] = next
		changed = true
	}
	if in.SetMeta && (in.Publication != r.Publication || in.Language != r.Language) {
		if in.CheckBase && r.AnswerVersions[metaKey] > in.Base {
			conflicts = append(conflicts, metaKey)
		} else {
			r.Publication, r.Language = in.Publication, in.Language
			r.AnswerVersions[metaKey] = next
			changed = true
		}
	}
	return changed, conflicts
}

// freezeQuestions notes the first submission on the consultation row, which
// takes the row's lock: a change of questions in flight either committed
// before (and the questions version read next shows it) or waits and is
// refused.
func (s *Store) freezeQuestions(ctx context.Context, c *Consultation, now time.Time) error {
	if c.FrozenAt == nil {
		err := s.conn(ctx).Model(&Consultation{}).Where("id = ? AND frozen_at IS NULL", c.ID).Update("frozen_at", now).Error
		if err != nil {
			return fmt.Errorf("models: unable to freeze the questions: %w", err)
		}
	}
	var v int
	if err := s.conn(ctx).Model(&Consultation{}).Where("id = ?", c.ID).Select("questions_version").Scan(&v).Error; err != nil {
		return fmt.Errorf("models: unable to read the questions version: %w", err)
	}
	c.QuestionsVersion = v
	return nil
}

// submit stores the working copy as a new submission, unless it is the
// very submission that counts already (a double click): then it reports false.
func (s *Store) submit(ctx context.Context, r *Response, in ResponseInput, now time.Time) (bool, error) {
	if r.SubmissionID != nil {
		var last Submission
		if err := s.conn(ctx).Take(&last, "id = ?", *r.SubmissionID).Error; err != nil {
			return false, fmt.Errorf("models: unable to load submission %d: %w", *r.SubmissionID, err)
		}
		if last.Answers.Equal(r.Answers) && last.Publication == r.Publication && last.Language == r.Language {
			if r.Status == ResponseSubmitted {
				return false, nil
			}
		}
	}
	seq, err := s.nextSeq(ctx, r.ID)
	if err != nil {
		return false, err
	}
	sub := Submission{ResponseID: r.ID, Seq: seq, Kind: SubmissionSubmitted, Answers: r.Answers.Clone(),
		Publication: r.Publication, Language: r.Language, ByUser: in.By.ActorID, At: now}
	if err := s.conn(ctx).Create(&sub).Error; err != nil {
		return false, fmt.Errorf("models: unable to store the submission: %w", err)
	}
	r.Status, r.SubmissionID, r.SubmittedAt = ResponseSubmitted, &sub.ID, &now
	r.Version++
	detail := fmt.Sprintf("%s #%d", r.Reference, seq)
	if err := s.Audit(ctx, auditOf(in.By, AuditResponseSubmitted, KindResponse, r.ID, detail)); err != nil {
		return false, err
	}
	return true, s.enqueue(ctx, KindResponse, r.ID, OpUpsert)
}

func (s *Store) nextSeq(ctx context.Context, responseID uint) (int, error) {
	var last *int
	if err := s.conn(ctx).Model(&Submission{}).Where("response_id = ?", responseID).Select("MAX(seq)").Scan(&last).Error; err != nil {
		return 0, fmt.Errorf("models: unable to number the submission: %w", err)
	}
	if last == nil {
		return 1, nil
	}
	return *last + 1, nil
}

// keepLate keeps what arrived after the closing time as the response's late
// copy (one per response: the latest), for the organisation to read. The
// response itself does not change.
func (s *Store) keepLate(ctx context.Context, r *Response, in ResponseInput, now, closesAt time.Time) error {
	copyOf := &Response{Answers: r.Answers.Clone(), AnswerVersions: map[uint]int{}, Publication: r.Publication, Language: r.Language}
	late := in
	late.CheckBase = false // keep all of it, conflict or not
	merge(copyOf, late)
	if err := s.conn(ctx).Where("response_id = ? AND kind = ?", r.ID, SubmissionLate).Delete(&Submission{}).Error; err != nil {
		return fmt.Errorf("models: unable to keep the late copy: %w", err)
	}
	seq, err := s.nextSeq(ctx, r.ID)
	if err != nil {
		return err
	}
	sub := Submission{ResponseID: r.ID, Seq: seq, Kind: SubmissionLate, Answers: copyOf.Answers,
		Publication: copyOf.Publication, Language: copyOf.Language, ByUser: in.By.ActorID, At: now}
	if err := s.conn(ctx).Create(&sub).Error; err != nil {
		return fmt.Errorf("models: unable to keep the late copy: %w", err)
	}
	detail := fmt.Sprintf("%s arrived %s after the closing time", r.Reference, now.Sub(closesAt).Round(time.Millisecond))
	return s.Audit(ctx, auditOf(in.By, AuditResponseLate, KindResponse, r.ID, detail))
}

// writeResponse saves the columns a save changes.
func (s *Store) writeResponse(ctx context.Context, r *Response) error {
	err := s.conn(ctx).Model(&Response{}).Where("id = ?", r.ID).Updates(map[string]any{
		"status": r.Status, "answers": jsonText(r.Answers), "answer_versions": jsonText(r.AnswerVersions),
		"publication": r.Publication, "language": r.Language, "version": r.Version,
		"updated_by": r.UpdatedBy, "updated_at": r.UpdatedAt,
		"submission_id": r.SubmissionID, "submitted_at": r.SubmittedAt,
	}).Error
	if err != nil {
		return fmt.Errorf("models: unable to save response %d: %w", r.ID, err)
	}
	return nil
}

// ReopenResponse lets an organisation change a submitted response before the
// deadline. The submission keeps counting until the next one.
func (s *Store) ReopenResponse(ctx context.Context, cid, orgID uint, now time.Time, by AuditEntry) (*Response, error) {
	var r *Response
	err := s.WithTx(ctx, func(tx *Store) error {
		c, err := tx.consultationRow(ctx, cid)
		if err != nil {
			return err
		}
		if c.PublishedAt == nil {
			return ErrNotFound
		}
		if !now.Before(c.ClosesAt) || c.ResultsPublishedAt != nil {
			return ErrClosed
		}
		if r, err = tx.lockResponse(ctx, cid, orgID); err != nil {
			return err
		}
		if r.Status != ResponseSubmitted {
			return nil // reopened already, or a draft: nothing to do
		}
		r.Status, r.Version, r.UpdatedBy, r.UpdatedAt = ResponseReopened, r.Version+1, by.ActorID, now.UTC()
		if err := tx.writeResponse(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, auditOf(by, AuditResponseReopened, KindResponse, r.ID, r.Reference))
	})
	return r, err
}

// ResponseOf returns an organisation's response to a consultation, with the
// name of whoever changed it last, or ErrNotFound when there is none.
func (s *Store) ResponseOf(ctx context.Context, cid, orgID uint) (*Response, error) {
	var r Response
	if err := s.conn(ctx).Take(&r, "consultation_id = ? AND organisation_id = ?", cid, orgID).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the response: %w", notFound(err))
	}
	normaliseResponse(&r)
	if r.UpdatedBy != nil {
		names, err := s.userNames(ctx, []uint{*r.UpdatedBy})
		if err != nil {
			return nil, err
		}
		r.UpdatedByName = names[*r.UpdatedBy]
	}
	return &r, nil
}

// Submissions returns the history of a response: every submission and the
// late copy, oldest first, with the names of who sent them.
func (s *Store) Submissions(ctx context.Context, responseID uint) ([]Submission, error) {
	var list []Submission
	if err := s.conn(ctx).Where("response_id = ?", responseID).Order("seq").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the submissions of response %d: %w", responseID, err)
	}
	var ids []uint
	for _, sub := range list {
		if sub.ByUser != nil {
			ids = append(ids, *sub.ByUser)
		}
	}
	names, err := s.userNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ByUser != nil {
			list[i].ByName = names[*list[i].ByUser]
		}
		if list[i].Answers == nil {
			list[i].Answers = Answers{}
		}
	}
	return list, nil
}

// userNames maps user ids to names (or e-mail addresses when unnamed).
func (s *Store) userNames(ctx context.Context, ids []uint) (map[uint]string, error) {
	out := map[uint]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []User
	if err := s.conn(ctx).Select("id", "name", "email").Where("id IN ?", uniqIDs(ids)).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load names: %w", err)
	}
	for _, u := range rows {
		out[u.ID] = u.Name
		if u.Name == "" {
			out[u.ID] = u.Email
		}
	}
	return out, nil
}

func uniqIDs(ids []uint) []uint {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// SubmittedResponse is a counted response as moderators see it: the
// organisation, always, and its latest submission.
type SubmittedResponse struct {
	ResponseID   uint
	Reference    string
	Status       string // submitted, or reopened (the submission still counts)
	OrgID        uint
	OrgSlug      string
	OrgName      string
	Country      string
	OrgType      string
	Seq          int
	Publication  string
	Language     string
	Answers      Answers
	SubmittedAt  time.Time
	SubmittedBy  string
	FirstVersion bool // Seq == 1
}

type submittedRow struct {
	ResponseID  uint
	Reference   string
	Status      string
	OrgID       uint
	OrgSlug     string
	OrgName     string
	Country     string
	OrgType     string
	Seq         int
	Publication string
	Language    string
	Answers     Answers `gorm:"serializer:json"`
	At          time.Time
	ByUser      *uint
}

// submittedQuery selects the counted submission of every response.
func (s *Store) submittedQuery(ctx context.Context, cid uint) *gorm.DB {
	return s.conn(ctx).Table("consultation_responses r").
		Select("r.id AS response_id, r.reference, r.status, o.id AS org_id, o.slug AS org_slug, o.name AS org_name, "+
			"o.country, o.type AS org_type, sub.seq, sub.publication, sub.language, sub.answers, sub.at, sub.by_user").
		Joins("JOIN consultation_submissions sub ON sub.id = r.submission_id").
		Joins("JOIN organisations o ON o.id = r.organisation_id").
		Where("r.consultation_id = ?", cid)
}

// SubmittedResponses returns every counted response, by organisation name:
// for moderators, exports and statistics.
func (s *Store) SubmittedResponses(ctx context.Context, cid uint) ([]SubmittedResponse, error) {
	var rows []submittedRow
	if err := s.submittedQuery(ctx, cid).Order("o.name, r.id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list the responses of consultation %d: %w", cid, err)
	}
	var ids []uint
	for _, r := range rows {
		if r.ByUser != nil {
			ids = append(ids, *r.ByUser)
		}
	}
	names, err := s.userNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]SubmittedResponse, len(rows))
	for i, r := range rows {
		out[i] = SubmittedResponse{ResponseID: r.ResponseID, Reference: r.Reference, Status: r.Status, OrgID: r.OrgID,
			OrgSlug: r.OrgSlug, OrgName: r.OrgName, Country: r.Country, OrgType: r.OrgType, Seq: r.Seq,
			Publication: r.Publication, Language: r.Language, Answers: r.Answers, SubmittedAt: r.At, FirstVersion: r.Seq == 1}
		if out[i].Answers == nil {
			out[i].Answers = Answers{}
		}
		if r.ByUser != nil {
			out[i].SubmittedBy = names[*r.ByUser]
		}
	}
	return out, nil
}

// PublicResponse is a response as published with the results. Anonymous
// ones carry no organisation, country, type, date or reference: nothing
// that says who wrote them.
type PublicResponse struct {
	ID          uint
	Named       bool
	OrgSlug     string
	OrgName     string
	Country     string
	OrgType     string
	SubmittedAt time.Time
	Language    string
	Answers     Answers
}

func publicOf(r submittedRow) PublicResponse {
	p := PublicResponse{ID: r.ResponseID, Language: r.Language, Answers: r.Answers}
	if p.Answers == nil {
		p.Answers = Answers{}
	}
	if r.Publication == PublishNamed {
		p.Named, p.OrgSlug, p.OrgName, p.Country, p.OrgType, p.SubmittedAt = true, r.OrgSlug, r.OrgName, r.Country, r.OrgType, r.At
	}
	return p
}

// PublishedResponses returns the responses published with the results of a
// consultation: named ones by organisation name, then anonymous ones in an
// order that says nothing of when or by whom they came (a digest of the
// reference). Before the results are published there are none.
func (s *Store) PublishedResponses(ctx context.Context, cid uint) ([]PublicResponse, error) {
	var rows []submittedRow
	err := s.submittedQuery(ctx, cid).
		Joins("JOIN consultations c ON c.id = r.consultation_id").
		Where("c.results_published_at IS NOT NULL AND sub.publication IN ?", []string{PublishNamed, PublishAnonymous}).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list the published responses of consultation %d: %w", cid, err)
	}
	digest := func(r submittedRow) string { h := sha256.Sum256([]byte(r.Reference)); return string(h[:]) }
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if (a.Publication == PublishNamed) != (b.Publication == PublishNamed) {
			return a.Publication == PublishNamed
		}
		if a.Publication == PublishNamed {
			return a.OrgName < b.OrgName
		}
		return digest(a) < digest(b)
	})
	out := make([]PublicResponse, len(rows))
	for i, r := range rows {
		out[i] = publicOf(r)
	}
	return out, nil
}

// SearchableResponse is a published response for the search index, with its
// consultation's slug and title: what PublishedResponses shows, and no more.
type SearchableResponse struct {
	PublicResponse
	ConsultationID    uint
	ConsultationSlug  string
	ConsultationTitle string
	// Questions are the consultation's questions, to label the answers.
	Questions []Question
}

// SearchableResponse loads a response as published, or ErrNotFound when it
// is not (a draft, unpublished by its organisation, results not published).
func (s *Store) SearchableResponse(ctx context.Context, id uint) (*SearchableResponse, error) {
	var r Response
	if err := s.conn(ctx).Select("id", "consultation_id").Take(&r, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load response %d: %w", id, notFound(err))
	}
	list, err := s.PublishedResponses(ctx, r.ConsultationID)
	if err != nil {
		return nil, err
	}
	for _, p := range list {
		if p.ID == id {
			c, err := s.ConsultationByID(ctx, r.ConsultationID)
			if err != nil {
				return nil, err
			}
			return &SearchableResponse{PublicResponse: p, ConsultationID: c.ID, ConsultationSlug: c.Slug,
				ConsultationTitle: c.Title, Questions: c.Answerable()}, nil
		}
	}
	return nil, fmt.Errorf("models: response %d is not published: %w", id, ErrNotFound)
}

// CountSearchableResponses counts the published responses of every consultation.
func (s *Store) CountSearchableResponses(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Table("consultation_responses r").
		Joins("JOIN consultation_submissions sub ON sub.id = r.submission_id").
		Joins("JOIN consultations c ON c.id = r.consultation_id").
		Where("c.results_published_at IS NOT NULL AND sub.publication IN ?", []string{PublishNamed, PublishAnonymous}).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: unable to count published responses: %w", err)
	}
	return n, nil
}

// SearchableResponsesAfter returns up to limit published responses with an
// id above after, in id order: for rebuilds of the index.
func (s *Store) SearchableResponsesAfter(ctx context.Context, after uint, limit int) ([]SearchableResponse, error) {
	var ids []uint
	err := s.conn(ctx).Table("consultation_responses r").Select("r.id").
		Joins("JOIN consultation_submissions sub ON sub.id = r.submission_id").
		Joins("JOIN consultations c ON c.id = r.consultation_id").
		Where("c.results_published_at IS NOT NULL AND sub.publication IN ? AND r.id > ?", []string{PublishNamed, PublishAnonymous}, after).
		Order("r.id").Limit(limit).Pluck("r.id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list published responses: %w", err)
	}
	out := make([]SearchableResponse, 0, len(ids))
	for _, id := range ids {
		r, err := s.SearchableResponse(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}
