package mail

import (
	"strconv"

	"proact/models"
)

// OrganisationSuspended tells an organisation admin that orgName is
// suspended, why, and how to ask for a review.
func (m *Mailer) OrganisationSuspended(u *models.User, orgName, reason string) Message {
	return Message{To: u.Email, Language: u.Language, Kind: "suspended",
		Subject: "staff.mail.suspended.subject", Body: "staff.mail.suspended.body",
		Args: []any{"Name", nameOf(u), "Organisation", orgName, "Reason", reason, "Link", m.siteURL + "/account/review"}}
}

// ReviewRequested tells a moderator that a suspended organisation asks for
// a review, with its message.
func (m *Mailer) ReviewRequested(staff *models.User, orgName, slug, from, message string) Message {
	return Message{To: staff.Email, Language: staff.Language, Kind: "review-request",
		Subject: "staff.mail.review.subject", Body: "staff.mail.review.body",
		Args: []any{"Name", nameOf(staff), "Organisation", orgName, "From", from, "Message", message,
			"Link", m.siteURL + "/admin/organisations?status=suspended&q=" + slug}}
}

// MoreInformation asks an application's contact person for more
// information, with the moderator's questions.
func (m *Mailer) MoreInformation(a *models.Application, orgName, questions string) Message {
	return Message{To: a.ContactEmail, Language: a.Language, Kind: "application-info",
		Subject: "staff.mail.info.subject", Body: "staff.mail.info.body",
		Args: []any{"Name", a.ContactName, "Organisation", orgName, "Questions", questions,
			"Reference", strconv.FormatUint(uint64(a.ID), 10)}}
}
