package models

import (
	"context"
	"fmt"
	"time"
)

// Audit actions of invitations, the mail outbox, suspensions and the review
// of applications.
const (
	AuditInvitationRenewed   = "user.invitation_renewed"
	AuditInvitationWithdrawn = "user.invitation_withdrawn"
	AuditMailRequeued        = "mail.requeued"
	AuditReviewRequested     = "organisation.review_requested"
	AuditInfoRequested       = "application.info_requested"
	AuditApplicationNoted    = "application.noted"
)

func moderationAuditActions() []string {
	return []string{AuditInvitationRenewed, AuditInvitationWithdrawn, AuditMailRequeued, AuditReviewRequested,
		AuditInfoRequested, AuditApplicationNoted}
}

// RecentAudit counts the entries of action about one target written in the
// last window: what a write that may only happen so often checks first.
func (s *Store) RecentAudit(ctx context.Context, action, targetKind string, targetID uint, window time.Duration) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&AuditEntry{}).
		Where("action = ? AND target_kind = ? AND target_id = ? AND at >= ?", action, targetKind, targetID, s.now().Add(-window)).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: unable to read the audit log: %w", err)
	}
	return n, nil
}
