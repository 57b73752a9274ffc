package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxAttachments bounds the files of one note.
const MaxAttachments = 50

// ErrTooManyAttachments: the note has MaxAttachments files already.
var ErrTooManyAttachments = fmt.Errorf("%w: too many attachments", ErrConflict)

// PracticeAttachment is an image or a PDF that belongs to a note. The file is
// stored outside the web root under Name, a random name the portal chose;
// Filename is the name it was uploaded with, for downloads.
type PracticeAttachment struct {
	ID          uint
	PracticeID  uint
	Name        string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string `gorm:"column:sha256"`
	UploadedBy  *uint
	CreatedAt   time.Time
}

// IsImage reports whether the attachment can be shown in a note's text.
func (a *PracticeAttachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// AddAttachment records a file the viewer uploaded to a note they may edit,
// with its audit entry, in one transaction.
func (s *Store) AddAttachment(ctx context.Context, v Viewer, practiceID uint, a *PracticeAttachment, audit AuditEntry) error {
	return s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, practiceID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.conn(ctx).Model(&PracticeAttachment{}).Where("practice_id = ?", p.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("models: unable to count the attachments of %q: %w", p.Slug, err)
		}
		if n >= MaxAttachments {
			return ErrTooManyAttachments
		}
		a.ID, a.PracticeID, a.UploadedBy, a.CreatedAt = 0, p.ID, &v.UserID, tx.now()
		if err := tx.conn(ctx).Create(a).Error; err != nil {
			return fmt.Errorf("models: unable to add an attachment to %q: %w", p.Slug, conflict(err))
		}
		audit.Action, audit.TargetKind, audit.TargetID = AuditAttachmentAdded, KindPractice, &p.ID
		audit.Detail = p.Slug + ": " + a.Name + " (" + a.ContentType + ")"
		return tx.Audit(ctx, audit)
	})
}

// Attachments lists a note's files, oldest first.
func (s *Store) Attachments(ctx context.Context, practiceID uint) ([]PracticeAttachment, error) {
	var list []PracticeAttachment
	err := s.conn(ctx).Where("practice_id = ?", practiceID).Order("id").Limit(MaxAttachments).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list the attachments of practice %d: %w", practiceID, err)
	}
	return list, nil
}

// AttachmentByName returns a note's file by its stored name.
func (s *Store) AttachmentByName(ctx context.Context, practiceID uint, name string) (*PracticeAttachment, error) {
	var a PracticeAttachment
	if err := s.conn(ctx).Where("practice_id = ? AND name = ?", practiceID, name).Take(&a).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load attachment %q: %w", name, notFound(err))
	}
	return &a, nil
}

// DeleteAttachment removes a file's row from a note the viewer may edit and
// returns it, so that the file goes once the transaction commits. A file the
// published or the newest version still shows is refused with ErrInUse.
func (s *Store) DeleteAttachment(ctx context.Context, v Viewer, practiceID, id uint, audit AuditEntry) (*PracticeAttachment, error) {
	var out PracticeAttachment
	err := s.WithTx(ctx, func(tx *Store) error {
		p, err := tx.editable(ctx, v, practiceID)
		if err != nil {
			return err
		}
		if err := tx.conn(ctx).Where("practice_id = ? AND id = ?", p.ID, id).Take(&out).Error; err != nil {
			return fmt.Errorf("models: unable to load attachment %d: %w", id, notFound(err))
		}
		head, err := tx.revision(ctx, p.ID, p.Version)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if strings.Contains(p.BodyMD, out.Name) || (head != nil && strings.Contains(head.BodyMD, out.Name)) {
			return ErrInUse
		}
		if err := tx.conn(ctx).Delete(&PracticeAttachment{}, "id = ?", out.ID).Error; err != nil {
			return fmt.Errorf("models: unable to delete attachment %d: %w", id, err)
		}
		audit.Action, audit.TargetKind, audit.TargetID = AuditAttachmentDeleted, KindPractice, &p.ID
		audit.Detail = p.Slug + ": " + out.Name
		return tx.Audit(ctx, audit)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// AttachmentNames lists the stored names of a note's files: the images its
// text may show.
func (s *Store) AttachmentNames(ctx context.Context, practiceID uint) ([]string, error) {
	var names []string
	err := s.conn(ctx).Model(&PracticeAttachment{}).Where("practice_id = ?", practiceID).Order("id").Pluck("name", &names).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list the attachments of practice %d: %w", practiceID, err)
	}
	return names, nil
}
