package mail

import (
	"strconv"

	"proact/models"
)

// The messages of the portal, one constructor each. Subjects and bodies are
// catalogue keys (views/locales/*.yaml, under mail.*); the arguments fill
// their placeholders in the recipient's language.

// Inviter is who an invitation names as inviting: a person, or the network.
type Inviter struct {
	name string // a person's name, as typed
	key  string // else a catalogue key, translated for the recipient
}

// ByPerson is an invitation from a colleague, by name.
func ByPerson(name string) Inviter { return Inviter{name: name} }

// Inviters that are not a person: the network itself (an approved
// application), and an administrator at the command line.
var (
	ByNetwork     = Inviter{key: "site.name"}
	ByCommandLine = Inviter{key: "admin.cli.inviter"}
)

// Invitation invites u to choose a password, with the link of secret. orgName
// is the organisation u joins, or "" for the network itself.
func (m *Mailer) Invitation(u *models.User, orgName string, by Inviter, secret string) Message {
	loc := m.tr.For(u.Language)
	if orgName == "" {
		orgName = loc.T("site.name")
	}
	inviter := by.name
	if by.key != "" {
		inviter = loc.T(by.key)
	}
	// The greeting names the person; without a name, by their address.
	name := u.Name
	if name == "" {
		name = u.Email
	}
	return Message{To: u.Email, Language: u.Language, Kind: "invitation",
		Subject: "mail.invitation.subject", Body: "mail.invitation.body",
		Args: []any{"Name", name, "Organisation", orgName, "Inviter", inviter,
			"Link", m.siteURL + "/invitation/" + secret, "Days", int(InvitationTTL.Hours() / 24)}}
}

// PasswordReset sends u the link of secret to choose a new password.
func (m *Mailer) PasswordReset(u *models.User, secret string) Message {
	return Message{To: u.Email, Language: u.Language, Kind: "reset",
		Subject: "mail.reset.subject", Body: "mail.reset.body",
		Args: []any{"Name", u.Name, "Link", m.siteURL + "/password/reset/" + secret, "Minutes", int(ResetTTL.Minutes())}}
}

// ApplicationReceived confirms to the contact person that the application of
// orgName has arrived.
func (m *Mailer) ApplicationReceived(a *models.Application, orgName string) Message {
	return Message{To: a.ContactEmail, Language: a.Language, Kind: "application",
		Subject: "mail.application.subject", Body: "mail.application.body",
		Args: []any{"Name", a.ContactName, "Organisation", orgName}}
}

// ApplicationToStaff tells a moderator or administrator of a new application
// from orgName in country (a code, named in their language).
func (m *Mailer) ApplicationToStaff(staff *models.User, a *models.Application, orgName, country string) Message {
	return Message{To: staff.Email, Language: staff.Language, Kind: "application-staff",
		Subject: "mail.application.staff.subject", Body: "mail.application.staff.body",
		Args: []any{"Name", staff.Name, "Organisation", orgName, "Country", m.tr.For(staff.Language).Country(country),
			"Link", m.siteURL + "/admin/applications/" + strconv.FormatUint(uint64(a.ID), 10)}}
}

// ApplicationRejected tells the contact person that the application of
// orgName was rejected, and why.
func (m *Mailer) ApplicationRejected(a *models.Application, orgName, reason string) Message {
	return Message{To: a.ContactEmail, Language: a.Language, Kind: "rejected",
		Subject: "mail.rejected.subject", Body: "mail.rejected.body",
		Args: []any{"Name", a.ContactName, "Organisation", orgName, "Reason", reason}}
}

// NoteSubmitted tells a moderator that a practice note (or a new version of
// a published one, revision) waits for review at /admin/review/{id}.
func (m *Mailer) NoteSubmitted(staff *models.User, p *models.Practice, orgName string, revision bool) Message {
	body := "mail.note.submitted.body"
	if revision {
		body = "mail.note.revision.body"
	}
	return Message{To: staff.Email, Language: staff.Language, Kind: "note-submitted",
		Subject: "mail.note.submitted.subject", Body: body,
		Args: []any{"Name", staff.Name, "Title", p.Title, "Organisation", orgName, "Version", p.Version,
			"Link", m.siteURL + "/admin/review/" + strconv.FormatUint(uint64(p.ID), 10)}}
}

// NoteReturned tells the person who submitted a note that a moderator
// returned it, with the moderator's comments.
func (m *Mailer) NoteReturned(u *models.User, p *models.Practice, comment string) Message {
	return Message{To: u.Email, Language: u.Language, Kind: "note-returned",
		Subject: "mail.note.returned.subject", Body: "mail.note.returned.body",
		Args: []any{"Name", u.Name, "Title", p.Title, "Comment", comment,
			"Link", m.siteURL + "/practices/" + p.Slug + "/edit"}}
}

// NotePublished tells the person who submitted a note that it is published.
func (m *Mailer) NotePublished(u *models.User, p *models.Practice) Message {
	return Message{To: u.Email, Language: u.Language, Kind: "note-published",
		Subject: "mail.note.published.subject", Body: "mail.note.published.body",
		Args: []any{"Name", u.Name, "Title", p.Title, "Version", p.Version, "Link", m.siteURL + "/practices/" + p.Slug}}
}
