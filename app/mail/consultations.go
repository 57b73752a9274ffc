package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"proact/app/i18n"
	"proact/models"
)

// The mail of consultations: the receipt of a submitted response, and the
// reminders before the deadline, which every running instance may try to
// send and only one sends (a claim row in the database).

// Receipt is what the receipt of a submitted response says.
type Receipt struct {
	Consultation *models.Consultation
	OrgName      string
	Reference    string
	Seq          int // 1 for the first submission, 2 for the next ...
	At           time.Time
	By           string
	Publication  string
	Language     string
	Answers      models.Answers
}

// AnswersText writes every question and its answer as plain text, in the
// reader's language: the copy of the answers a receipt gives.
func AnswersText(loc *i18n.Localizer, qs []models.Question, as models.Answers) string {
	var b strings.Builder
	n := 0
	for i := range qs {
		q := &qs[i]
		if q.Type == models.QuestionSection {
			fmt.Fprintf(&b, "== %s ==\n\n", q.Title)
			continue
		}
		n++
		fmt.Fprintf(&b, "%d. %s\n", n, q.Title)
		lines := loc.Answer(q, as[q.ID])
		if len(lines) == 0 {
			lines = []string{loc.T("consult.answer.none")}
		}
		for _, l := range lines {
			for _, part := range strings.Split(l, "\n") {
				b.WriteString("   " + part + "\n")
			}
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// ResponseReceipt confirms to u (an admin of the organisation) that the
// response was submitted: reference, time, who, and a copy of the answers.
func (m *Mailer) ResponseReceipt(u *models.User, r Receipt) Message {
	loc := m.tr.For(u.Language)
	language := ""
	if r.Language != "" {
		language = loc.LanguageName(r.Language)
	}
	return Message{To: u.Email, Language: u.Language, Kind: "receipt",
		Subject: "mail.receipt.subject", Body: "mail.receipt.body",
		Args: []any{"Name", nameOf(u), "Consultation", r.Consultation.Title, "Organisation", r.OrgName,
			"Reference", r.Reference, "Number", r.Seq, "Time", loc.BrusselsTime(r.At), "By", r.By,
			"Publication", loc.T("consult.publication." + r.Publication), "Language", language,
			"Closes", loc.BrusselsTime(r.Consultation.ClosesAt),
			"Answers", AnswersText(loc, r.Consultation.Questions, r.Answers),
			"Link", m.siteURL + "/consultations/" + r.Consultation.Slug + "/response/receipt"}}
}

// ConsultationReminder reminds u that their organisation has not submitted
// its response (or has reopened it) and how long is left.
func (m *Mailer) ConsultationReminder(u *models.User, orgName string, c *models.Consultation, status string, now time.Time) Message {
	loc := m.tr.For(u.Language)
	body := "mail.reminder.body"
	if status == models.ResponseReopened {
		body = "mail.reminder.reopened.body"
	}
	return Message{To: u.Email, Language: u.Language, Kind: "reminder",
		Subject: "mail.reminder.subject", Body: body,
		Args: []any{"Name", nameOf(u), "Organisation", orgName, "Consultation", c.Title,
			"Time", loc.BrusselsTime(c.ClosesAt), "Left", loc.TimeLeft(now, c.ClosesAt),
			"Link", m.siteURL + "/consultations/" + c.Slug + "/response"}}
}

func nameOf(u *models.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// SendReminders queues the reminders due at now: for each, it claims the
// reminder and queues its mails in one transaction, so that of several
// instances running this at once exactly one sends it, and a failure sends
// nothing and claims nothing. It returns how many mails it queued.
func (m *Mailer) SendReminders(ctx context.Context, store *models.Store, now time.Time) (int, error) {
	due, err := store.DueReminders(ctx, now)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, d := range due {
		n := 0
		err := store.WithTx(ctx, func(tx *models.Store) error {
			for _, kind := range d.Skip {
				if _, err := tx.ClaimReminder(ctx, &d.Consultation, kind, now); err != nil {
					return err
				}
			}
			claimed, err := tx.ClaimReminder(ctx, &d.Consultation, d.Kind, now)
			if err != nil || !claimed {
				return err
			}
			recipients, err := tx.ReminderRecipients(ctx, d.Consultation.ID)
			if err != nil {
				return err
			}
			msgs := make([]Message, len(recipients))
			for i := range recipients {
				r := &recipients[i]
				msgs[i] = m.ConsultationReminder(&r.User, r.OrgName, &d.Consultation, r.ResponseStatus, now)
			}
			if err := m.Queue(ctx, tx, msgs...); err != nil {
				return err
			}
			n = len(msgs)
			return tx.SetReminderMails(ctx, &d.Consultation, d.Kind, len(msgs))
		})
		if err != nil {
			return queued, fmt.Errorf("mail: reminders of consultation %d: %w", d.Consultation.ID, err)
		}
		queued += n
	}
	return queued, nil
}

// RunReminders sends the reminders due every interval until ctx ends.
func (m *Mailer) RunReminders(ctx context.Context, store *models.Store, clock func() time.Time, interval time.Duration, logf func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := m.SendReminders(ctx, store, clock()); err != nil && ctx.Err() == nil {
			logf(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
