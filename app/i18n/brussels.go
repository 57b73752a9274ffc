package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	// The time zone database is built in, so that Brussels time is right on
	// any machine, with or without /usr/share/zoneinfo.
	_ "time/tzdata"

	"proact/models"
)

// Consultation deadlines are set and shown in Brussels time, the time of the
// EU institutions, with the zone written beside every time, whatever the
// reader's own zone.

var brussels = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		panic("i18n: the embedded time zone database has no Europe/Brussels: " + err.Error())
	}
	return loc
}()

// Brussels is the Europe/Brussels time zone.
func Brussels() *time.Location { return brussels }

// DateTimeLayout is how a time is typed: the value of <input type="datetime-local">.
const DateTimeLayout = "2006-01-02T15:04"

// ParseBrussels reads a time typed in Brussels time (2026-03-31T12:00, or
// with a space instead of the T). It is false for text that is no time, and
// for a time that does not exist in Brussels (the hour skipped when the
// clocks go forward).
func ParseBrussels(s string) (time.Time, bool) {
	s = strings.Replace(strings.TrimSpace(s), " ", "T", 1)
	t, err := time.ParseInLocation(DateTimeLayout, s, brussels)
	if err != nil {
		return time.Time{}, false
	}
	if t.Format(DateTimeLayout) != s {
		return time.Time{}, false // normalised out of a gap: not a real local time
	}
	return t, true
}

// BrusselsInput is t as the value of a datetime-local field, in Brussels time.
func BrusselsInput(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(brussels).Format(DateTimeLayout)
}

// BrusselsTime shows a time in Brussels time with the zone beside it:
// "2026-03-31 12:00 Brussels time (UTC+02:00)".
func (l *Localizer) BrusselsTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	bt := t.In(brussels)
	return l.Date(bt) + ", " + bt.Format("15:04") + " " + l.T("consult.time.zone", "Offset", bt.Format("-07:00"))
}

// ISOTime is t for a <time datetime> attribute.
func ISOTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// TimeLeft says how long until t, from now: "3 d 4 h", "5 h 20 min", "45 min".
func (l *Localizer) TimeLeft(now, t time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return l.T("consult.left.none")
	}
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return l.T("consult.left.days", "Days", days, "Hours", hours)
	case hours > 0:
		return l.T("consult.left.hours", "Hours", hours, "Minutes", minutes)
	case minutes > 0:
		return l.T("consult.left.minutes", "Minutes", minutes)
	}
	return l.T("consult.left.seconds")
}

// Answer shows an answer as its reader reads it: the labels of the options
// chosen, "yes" or "no" in this language, a scale number with the label of
// its end, or the text as typed. It is nil for no answer.
func (l *Localizer) Answer(q *models.Question, a models.Answer) []string {
	if a.Empty() {
		return nil
	}
	switch q.Type {
	case models.QuestionSingle:
		return []string{optionLabel(q, a.Text)}
	case models.QuestionMultiple:
		out := make([]string, len(a.Choices))
		for i, v := range a.Choices {
			out[i] = optionLabel(q, v)
		}
		return out
	case models.QuestionYesNo:
		return []string{l.T("consult.answer." + a.Text)}
	case models.QuestionScale:
		s := strconv.Itoa(a.Number)
		switch {
		case a.Number == models.ScaleMin && q.ScaleLow != "":
			s += " (" + q.ScaleLow + ")"
		case a.Number == models.ScaleMax && q.ScaleHigh != "":
			s += " (" + q.ScaleHigh + ")"
		}
		return []string{fmt.Sprintf("%s / %d", s, models.ScaleMax)}
	}
	return []string{a.Text}
}

// AnswerText is Answer on one line, the choices separated by semicolons.
func (l *Localizer) AnswerText(q *models.Question, a models.Answer) string {
	return strings.Join(l.Answer(q, a), "; ")
}

func optionLabel(q *models.Question, value string) string {
	if label := q.OptionLabel(value); label != "" {
		return label
	}
	return value
}

// Date is a day as readers of the language write it: "2 March 2024",
// "2 martie 2024", "2. März 2024", "2 marca 2024". The month names and the
// order are in the catalogue (date.months, date.format): golang.org/x/text
// names languages and countries but formats no dates.
func (l *Localizer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	months := strings.Split(l.T("date.months"), ",")
	month := strconv.Itoa(int(t.Month()))
	if len(months) == 12 {
		month = strings.TrimSpace(months[t.Month()-1])
	}
	return l.T("date.format", "Day", strconv.Itoa(t.Day()), "Month", month, "Year", strconv.Itoa(t.Year()))
}

// DateTime is a day and a time of day in UTC, to the second: what
// administration pages show of a moment.
func (l *Localizer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.UTC()
	return l.Date(t) + ", " + t.Format("15:04:05") + " UTC"
}
