package models

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
