package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Audit actions of practice notes.
const (
	AuditPracticeCreated    = "practice.created"
	AuditPracticeSubmitted  = "practice.submitted"
	AuditPracticeReturned   = "practice.returned"
	AuditPracticePublished  = "practice.published"
	AuditPracticeArchived   = "practice.archived"
	AuditPracticeUnarchived = "practice.unarchived"
	AuditPracticeRestored   = "practice.restored"
	AuditPracticeDeleted    = "practice.deleted"
	AuditFlagConfirmed      = "practice.flag_confirmed"
	AuditAttachmentAdded    = "attachment.added"
	AuditAttachmentDeleted  = "attachment.deleted"
)

// practiceAuditActions lists the actions above, for AuditActions.
func practiceAuditActions() []string {
	return []string{AuditPracticeCreated, AuditPracticeSubmitted, AuditPracticeReturned, AuditPracticePublished,
		AuditPracticeArchived, AuditPracticeUnarchived, AuditPracticeRestored, AuditPracticeDeleted,
		AuditFlagConfirmed, AuditAttachmentAdded, AuditAttachmentDeleted}
}

// Events of a note's review conversation.
const (
	EventSubmitted  = "submitted"
	EventReturned   = "returned"
	EventPublished  = "published"
	EventArchived   = "archived"
	EventUnarchived = "unarchived"
	EventComment    = "comment"
)

// PracticeEvent is one step of a note's review: a submission, a decision or
// a comment, by whom, on which version, with what was said.
type PracticeEvent struct {
	ID         uint
	PracticeID uint
	Version    int
	UserID     *uint
	Action     string
	Comment    string
	CreatedAt  time.Time

	UserName string `gorm:"-"`
}

// TableName names the table of review events.
func (PracticeEvent) TableName() string { return "practice_reviews" }

func (s *Store) addEvent(ctx context.Context, practiceID uint, version int, userID uint, action, comment string) error {
	e := PracticeEvent{PracticeID: practiceID, Version: version, Action: action, Comment: comment, CreatedAt: s.now()}
	if userID != 0 {
		e.UserID = &userID
	}
	if err := s.conn(ctx).Create(&e).Error; err != nil {
		return fmt.Errorf("models: unable to record the review of practice %d: %w", practiceID, err)
	}
	return nil
}

// PracticeEvents returns a note's review conversation, oldest first, for its
// organisation and moderators.
func (s *Store) PracticeEvents(ctx context.Context, v Viewer, p *Practice) ([]PracticeEvent, error) {
	if !v.SeesUnpublished(p) {
		return nil, nil
	}
	var list []PracticeEvent
	if err := s.conn(ctx).Where("practice_id = ?", p.ID).Order("created_at, id").Limit(500).Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load the review of %q: %w", p.Slug, err)
	}
	var ids []uint
	for _, e := range list {
		if e.UserID != nil {
			ids = append(ids, *e.UserID)
		}
	}
	names, err := s.userNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].UserID != nil {
			list[i].UserName = names[*list[i].UserID]
		}
	}
	return list, nil
}

// PracticeFlag is one thing in a version of a note that looks like personal
// data: where it is (field, byte position and length) and what kind of thing
// it is. The text itself is not copied: it is in the version. Fingerprint
// identifies the same finding in later versions, so that a confirmation
// holds for them too.
type PracticeFlag struct {
	PracticeID  uint
	Version     int
	Field       string
	Position    int
	Length      int
	Kind        string
	Fingerprint string

	// Confirmed is set when a moderator has confirmed this finding.
	Confirmed bool `gorm:"-"`
}

// FlagConfirmation records that a moderator checked a finding and let it
// be published.
type FlagConfirmation struct {
	PracticeID  uint
	Fingerprint string
	Kind        string
	Version     int
	ConfirmedBy *uint
	ConfirmedAt time.Time
}

// TableName names the table of confirmations.
func (FlagConfirmation) TableName() string { return "practice_flag_confirmations" }

func (s *Store) saveFlags(ctx context.Context, practiceID uint, version int, flags []PracticeFlag) error {
	if len(flags) == 0 {
		return nil
	}
	rows := make([]PracticeFlag, 0, len(flags))
	seen := map[string]bool{}
	for _, f := range flags {
		key := f.Field + ":" + strconv.Itoa(f.Position)
		if seen[key] {
			continue
		}
		seen[key] = true
		f.PracticeID, f.Version = practiceID, version
		rows = append(rows, f)
	}
	if err := s.conn(ctx).CreateInBatches(rows, 200).Error; err != nil {
		return fmt.Errorf("models: unable to save the flags of practice %d: %w", practiceID, err)
	}
	return nil
}

func (s *Store) flagsOf(ctx context.Context, practiceID uint, version int) ([]PracticeFlag, error) {
	var flags []PracticeFlag
	err := s.conn(ctx).Where("practice_id = ? AND version = ?", practiceID, version).
		Order("field, position").Find(&flags).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load the flags of practice %d: %w", practiceID, err)
	}
	var confirmed []string
	err = s.conn(ctx).Model(&FlagConfirmation{}).Where("practice_id = ?", practiceID).Pluck("fingerprint", &confirmed).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load the confirmations of practice %d: %w", practiceID, err)
	}
	for i := range flags {
		flags[i].Confirmed = slices.Contains(confirmed, flags[i].Fingerprint)
	}
	return flags, nil
}

// PracticeFlags returns the flags of one version of a note, each marked
// confirmed or not, for its organisation and moderators.
func (s *Store) PracticeFlags(ctx context.Context, v Viewer, p *Practice, version int) ([]PracticeFlag, error) {
	if !v.SeesUnpublished(p) {
		return nil, nil
	}
	return s.flagsOf(ctx, p.ID, version)
}

// OpenFlagsError is the refusal to publish a version with findings no
// moderator has confirmed: it lists them.
type OpenFlagsError struct{ Flags []PracticeFlag }

func (e *OpenFlagsError) Error() string {
	return fmt.Sprintf("models: %d personal-data flags are not confirmed", len(e.Flags))
}

// Is makes an OpenFlagsError an ErrConflict.
func (e *OpenFlagsError) Is(target error) bool { return target == ErrConflict }

// reviewable loads a note whose newest version a moderator decides on.
func (s *Store) reviewable(ctx context.Context, v Viewer, id uint, version int, states ...string) (*Practice, error) {
	if !v.Moderates() {
		return nil, fmt.Errorf("models: practice %d: %w", id, ErrNotFound)
	}
	p, err := s.PracticeByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Version != version {
		return nil, ErrStaleVersion
	}
	if !slices.Contains(states, p.reviewState()) {
		return nil, ErrWrongState
	}
	return p, nil
}

// setReviewState moves the newest version of a note to state, checking that
// nobody saved a newer version meanwhile.
func (s *Store) setReviewState(ctx context.Context, p *Practice, state string, extra map[string]any) error {
	updates := map[string]any{"updated_at": s.now()}
	for k, v := range extra {
		updates[k] = v
	}
	if p.PublishedVersion > 0 && p.Status == StatusPublished {
		updates["pending"], p.Pending = state, state
	} else {
		updates["status"], p.Status = state, state
	}
	res := s.conn(ctx).Model(&Practice{}).Where("id = ? AND version = ?", p.ID, p.Version).Updates(updates)
	if res.Error != nil {
		return fmt.Errorf("models: unable to change practice %q: %w", p.Slug, res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrStaleVersion
	}
	return nil
}

// notifySubmitter returns the person who submitted the note, to tell of a
// decision (none when the account is gone or disabled).
func (s *Store) notifySubmitter(ctx context.Context, p *Practice) ([]User, error) {
	who := p.SubmittedBy
	if who == nil {
		who = p.CreatedBy
	}
	if who == nil {
		return nil, nil
	}
	u, err := s.UserByID(ctx, *who)
	if errors.Is(err, ErrNotFound) || (err == nil && u.Status != UserActive) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []User{*u}, nil
}

// SubmitPractice submits the newest version of a note (a draft, or one
// returned) for review, with the author's message, telling the moderators.
func (s *Store) SubmitPractice(ctx context.Context, v Viewer, id uint, version int, message string, audit AuditEntry) (*ReviewNotice, error) {
	var notice *ReviewNotice
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, id)
		if err != nil {
			return err
		}
		if p.Version != version {
			return ErrStaleVersion
		}
		if st := p.reviewState(); st != StatusDraft && st != StatusReturned {
			return ErrWrongState
		}
		now := tx.now()
		if err := tx.setReviewState(ctx, p, StatusSubmitted, map[string]any{"submitted_by": v.UserID, "submitted_at": now}); err != nil {
			return err
		}
		p.SubmittedBy, p.SubmittedAt = &v.UserID, &now
		audit.TargetKind, audit.TargetID = KindPractice, &p.ID
		if notice, err = tx.afterSave(ctx, v, p, true, message, audit); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindPractice, p.ID, OpUpsert)
	})
	return notice, err
}

// ReturnPractice returns a submitted version to its authors with the
// moderator's comment, telling the person who submitted it.
func (s *Store) ReturnPractice(ctx context.Context, v Viewer, id uint, version int, comment string, audit AuditEntry) (*ReviewNotice, error) {
	var notice *ReviewNotice
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.reviewable(ctx, v, id, version, StatusSubmitted)
		if err != nil {
			return err
		}
		if err := tx.setReviewState(ctx, p, StatusReturned, nil); err != nil {
			return err
		}
		if err := tx.addEvent(ctx, p.ID, version, v.UserID, EventReturned, comment); err != nil {
			return err
		}
		audit.Action, audit.TargetKind, audit.TargetID = AuditPracticeReturned, KindPractice, &p.ID
		audit.Detail = p.Slug + " v" + strconv.Itoa(version)
		if err := tx.Audit(ctx, audit); err != nil {
			return err
		}
		notify, err := tx.notifySubmitter(ctx, p)
		if err != nil {
			return err
		}
		notice = &ReviewNotice{Practice: p, Notify: notify}
		return tx.enqueue(ctx, KindPractice, p.ID, OpUpsert)
	})
	return notice, err
}

// PublishPractice publishes a submitted version: readers see it from now on,
// the search index follows. A moderator never publishes a version they wrote
// or submitted (ErrOwnVersion): another moderator reviews it. Every personal-data flag of the version must be
// confirmed, before or by confirm (the fingerprints the moderator ticked,
// each recorded and audited); otherwise it answers *OpenFlagsError and
// changes nothing.
func (s *Store) PublishPractice(ctx context.Context, v Viewer, id uint, version int, confirm []string, comment string, audit AuditEntry) (*ReviewNotice, error) {
	var notice *ReviewNotice
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.reviewable(ctx, v, id, version, StatusSubmitted)
		if err != nil {
			return err
		}
		r, err := tx.revision(ctx, id, version)
		if err != nil {
			return err
		}
		if (r.AuthorID != nil && *r.AuthorID == v.UserID) || (p.SubmittedBy != nil && *p.SubmittedBy == v.UserID) {
			return ErrOwnVersion
		}
		flags, err := tx.flagsOf(ctx, id, version)
		if err != nil {
			return err
		}
		now := tx.now()
		var open []PracticeFlag
		confirmed := map[string]bool{}
		for _, f := range flags {
			switch {
			case f.Confirmed || confirmed[f.Fingerprint]:
			case slices.Contains(confirm, f.Fingerprint):
				confirmed[f.Fingerprint] = true
				c := FlagConfirmation{PracticeID: id, Fingerprint: f.Fingerprint, Kind: f.Kind, Version: version,
					ConfirmedBy: &v.UserID, ConfirmedAt: now}
				if err := tx.conn(ctx).Create(&c).Error; err != nil {
					return fmt.Errorf("models: unable to confirm a flag of %q: %w", p.Slug, err)
				}
				a := audit
				a.Action, a.TargetKind, a.TargetID = AuditFlagConfirmed, KindPractice, &p.ID
				a.Detail = fmt.Sprintf("%s v%d: %s in %s (%s)", p.Slug, version, f.Kind, f.Field, f.Fingerprint)
				if err := tx.Audit(ctx, a); err != nil {
					return err
				}
			default:
				open = append(open, f)
			}
		}
		if len(open) > 0 {
			return &OpenFlagsError{Flags: open}
		}
		c := r.Content()
		updates := contentColumns(c)
		updates["status"], updates["pending"], updates["published_version"] = StatusPublished, "", version
		updates["revised_at"], updates["updated_at"] = now, now
		if p.PublishedAt == nil {
			updates["published_at"] = now
		}
		res := tx.conn(ctx).Model(&Practice{}).Where("id = ? AND version = ?", id, version).Updates(updates)
		if res.Error != nil {
			return fmt.Errorf("models: unable to publish practice %q: %w", p.Slug, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrStaleVersion
		}
		p.setContent(c)
		if err := tx.saveTerms(ctx, id, p.termSets()); err != nil {
			return err
		}
		if err := tx.conn(ctx).Model(&PracticeRevision{}).Where("id = ?", r.ID).Update("published_at", now).Error; err != nil {
			return fmt.Errorf("models: unable to publish practice %q: %w", p.Slug, err)
		}
		if err := tx.addEvent(ctx, id, version, v.UserID, EventPublished, comment); err != nil {
			return err
		}
		audit.Action, audit.TargetKind, audit.TargetID = AuditPracticePublished, KindPractice, &p.ID
		audit.Detail = p.Slug + " v" + strconv.Itoa(version)
		if err := tx.Audit(ctx, audit); err != nil {
			return err
		}
		p.Status, p.Pending, p.PublishedVersion, p.RevisedAt = StatusPublished, "", version, &now
		if p.PublishedAt == nil {
			p.PublishedAt = &now
		}
		notify, err := tx.notifySubmitter(ctx, p)
		if err != nil {
			return err
		}
		notice = &ReviewNotice{Practice: p, Notify: notify}
		return tx.enqueue(ctx, KindPractice, id, OpUpsert)
	})
	return notice, err
}

// ArchivePractice takes a published note out of the lists, the feeds and the
// index (its address then answers 404 to readers); its organisation and
// moderators still see it. Its organisation may archive its own note.
func (s *Store) ArchivePractice(ctx context.Context, v Viewer, id uint, comment string, audit AuditEntry) (*Practice, error) {
	return s.setArchived(ctx, v, id, true, comment, audit)
}

// UnarchivePractice publishes an archived note again: moderators only.
func (s *Store) UnarchivePractice(ctx context.Context, v Viewer, id uint, comment string, audit AuditEntry) (*Practice, error) {
	if !v.Moderates() {
		return nil, fmt.Errorf("models: practice %d: %w", id, ErrNotFound)
	}
	return s.setArchived(ctx, v, id, false, comment, audit)
}

func (s *Store) setArchived(ctx context.Context, v Viewer, id uint, archive bool, comment string, audit AuditEntry) (*Practice, error) {
	var out *Practice
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, id)
		if err != nil {
			return err
		}
		from, to, event, action := StatusPublished, StatusArchived, EventArchived, AuditPracticeArchived
		if !archive {
			from, to, event, action = StatusArchived, StatusPublished, EventUnarchived, AuditPracticeUnarchived
		}
		if p.Status != from || p.PublishedVersion == 0 {
			return ErrWrongState
		}
		res := tx.conn(ctx).Model(&Practice{}).Where("id = ? AND status = ?", id, from).
			Updates(map[string]any{"status": to, "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to change practice %q: %w", p.Slug, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrWrongState
		}
		p.Status = to
		if err := tx.addEvent(ctx, id, p.Version, v.UserID, event, comment); err != nil {
			return err
		}
		audit.Action, audit.TargetKind, audit.TargetID, audit.Detail = action, KindPractice, &p.ID, p.Slug
		if err := tx.Audit(ctx, audit); err != nil {
			return err
		}
		out = p
		return tx.enqueue(ctx, KindPractice, id, OpUpsert)
	})
	return out, err
}

// CommentPractice adds a comment to a note's review conversation: its
// organisation and moderators talk there.
func (s *Store) CommentPractice(ctx context.Context, v Viewer, id uint, comment string) (*Practice, error) {
	var out *Practice
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, id)
		if err != nil {
			return err
		}
		out = p
		return tx.addEvent(ctx, id, p.Version, v.UserID, EventComment, comment)
	})
	return out, err
}

// ReviewItem is one note of the review queue.
type ReviewItem struct {
	Practice
	OpenFlags     int64
	SubmitterName string `gorm:"-"`
}

// ReviewFilter selects the review queue.
type ReviewFilter struct {
	// State is submitted (the default: waiting for a moderator), returned
	// (with their authors) or draft (being written).
	State    string
	Country  string
	Language string
	ListOptions
}

// reviewListing is how the queue pages: the longest waiting first.
var reviewListing = listing{perPage: 25, maxPerPage: 100, sorts: []sortOrder{
	by("oldest", "practices.submitted_at ASC, practices.id ASC"),
	by("newest", "practices.submitted_at DESC, practices.id DESC"),
	by("title", "practices.title ASC, practices.id ASC"),
}}

// ReviewSortNames lists the sorts of the queue, the default first.
func ReviewSortNames() []string { return reviewListing.sortNames() }

// ReviewStates lists the states the queue can show, the default first.
func ReviewStates() []string { return []string{StatusSubmitted, StatusReturned, StatusDraft} }

// Normalise drops unknown values and clamps paging.
func (f ReviewFilter) Normalise() ReviewFilter {
	if !slices.Contains(ReviewStates(), f.State) {
		f.State = StatusSubmitted
	}
	if !Countries().Has(f.Country) {
		f.Country = ""
	}
	if !Languages().Has(f.Language) {
		f.Language = ""
	}
	f.ListOptions = reviewListing.normalise(f.ListOptions)
	return f
}

// inState selects notes whose newest version is in state: unpublished notes
// by status, published ones by their pending version.
func inState(q *gorm.DB, state string) *gorm.DB {
	return q.Where("(practices.status = ? OR (practices.status = ? AND practices.pending = ?))", state, StatusPublished, state)
}

// openFlagsCount is the number of unconfirmed flags of a note's newest version.
const openFlagsCount = `(SELECT COUNT(*) FROM practice_flags f WHERE f.practice_id = practices.id
	AND f.version = practices.version AND NOT EXISTS (SELECT 1 FROM practice_flag_confirmations c
	WHERE c.practice_id = f.practice_id AND c.fingerprint = f.fingerprint)) AS open_flags`

// ReviewQueue lists the notes in a review state for moderators, the longest
// waiting first, with their open flags, and the total.
func (s *Store) ReviewQueue(ctx context.Context, v Viewer, f ReviewFilter) ([]ReviewItem, int64, error) {
	if !v.Moderates() {
		return nil, 0, nil
	}
	f = f.Normalise()
	q := func() *gorm.DB {
		q := inState(s.conn(ctx).Model(&Practice{}), f.State)
		q = withTerm(q, Countries().Name(), f.Country)
		if f.Language != "" {
			q = q.Where("practices.language = ?", f.Language)
		}
		return q
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count the review queue: %w", err)
	}
	var items []ReviewItem
	page := reviewListing.page(q().Select("practices.*", openFlagsCount).Omit("body_md", "body_html"), f.ListOptions)
	if err := page.Find(&items).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list the review queue: %w", err)
	}
	list := make([]Practice, len(items))
	var ids []uint
	for i := range items {
		list[i] = items[i].Practice
		if items[i].SubmittedBy != nil {
			ids = append(ids, *items[i].SubmittedBy)
		}
	}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, 0, err
	}
	names, err := s.userNames(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	for i := range items {
		items[i].Practice = list[i]
		if items[i].SubmittedBy != nil {
			items[i].SubmitterName = names[*items[i].SubmittedBy]
		}
	}
	return items, total, nil
}

// ReviewCounts counts the notes in each review state, for the queue's tabs
// and the dashboard.
func (s *Store) ReviewCounts(ctx context.Context, v Viewer) (map[string]int64, error) {
	out := map[string]int64{}
	if !v.Moderates() {
		return out, nil
	}
	for _, st := range ReviewStates() {
		var n int64
		if err := inState(s.conn(ctx).Model(&Practice{}), st).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("models: unable to count the review queue: %w", err)
		}
		out[st] = n
	}
	return out, nil
}

// OwnNotesFilter selects the notes of the viewer's organisation (or, for
// staff without one, their own), by the state of their newest version.
type OwnNotesFilter struct {
	State string // draft, submitted, returned, published, archived; "" for all
	ListOptions
}

// ownNotesListing is how a member's notes page: the last changed first.
var ownNotesListing = listing{perPage: 25, maxPerPage: 100, sorts: []sortOrder{
	by("updated", "practices.updated_at DESC, practices.id DESC"),
	by("title", "practices.title ASC, practices.id ASC"),
}}

// OwnNoteStates lists the states of the member's notes page, in its order.
func OwnNoteStates() []string {
	return []string{StatusDraft, StatusSubmitted, StatusReturned, StatusPublished, StatusArchived}
}

func (s *Store) ownNotes(ctx context.Context, v Viewer) *gorm.DB {
	q := s.conn(ctx).Model(&Practice{})
	if v.OrganisationID != 0 {
		return q.Where("practices.organisation_id = ?", v.OrganisationID)
	}
	return q.Where("practices.organisation_id IS NULL AND practices.created_by = ?", v.UserID)
}

func ownState(q *gorm.DB, state string) *gorm.DB {
	switch state {
	case "":
		return q
	case StatusPublished, StatusArchived:
		return q.Where("practices.status = ?", state)
	}
	return inState(q, state)
}

// OwnNotes lists the notes of the viewer's organisation in every state, the
// last changed first, and the total.
func (s *Store) OwnNotes(ctx context.Context, v Viewer, f OwnNotesFilter) ([]Practice, int64, error) {
	if !v.SignedIn() {
		return nil, 0, nil
	}
	if f.State != "" && !slices.Contains(OwnNoteStates(), f.State) {
		f.State = ""
	}
	f.ListOptions = ownNotesListing.normalise(f.ListOptions)
	var total int64
	if err := ownState(s.ownNotes(ctx, v), f.State).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count the notes: %w", err)
	}
	var list []Practice
	q := ownState(s.ownNotes(ctx, v), f.State).Omit("body_md", "body_html")
	if err := ownNotesListing.page(q, f.ListOptions).Find(&list).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to list the notes: %w", err)
	}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// OwnNoteCounts counts the viewer's organisation's notes in each state.
func (s *Store) OwnNoteCounts(ctx context.Context, v Viewer) (map[string]int64, error) {
	out := map[string]int64{}
	if !v.SignedIn() {
		return out, nil
	}
	for _, st := range OwnNoteStates() {
		var n int64
		if err := ownState(s.ownNotes(ctx, v), st).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("models: unable to count the notes: %w", err)
		}
		out[st] = n
	}
	return out, nil
}

// LastReturn returns the newest "returned" event of each note among ids:
// the moderator's comments the authors must see.
func (s *Store) LastReturn(ctx context.Context, ids []uint) (map[uint]PracticeEvent, error) {
	out := map[uint]PracticeEvent{}
	if len(ids) == 0 {
		return out, nil
	}
	var list []PracticeEvent
	err := s.conn(ctx).Where("practice_id IN ? AND action = ?", ids, EventReturned).Order("created_at, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load review comments: %w", err)
	}
	for _, e := range list {
		out[e.PracticeID] = e
	}
	return out, nil
}
