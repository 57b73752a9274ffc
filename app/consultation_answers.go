package app

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"proact/app/form"
	"proact/models"
)

// Answers as the form and the API send them, and their checks. A check
// records a translation key per question (field "q-ID"); the form shows it
// beside the question, the API names the question.

// answerField is the form field of a question's answer.
func answerField(id uint) string { return "q-" + itoa(id) }

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }

// Fields of the publication choice and the language of a response.
const (
	fieldPublication = "publication"
	fieldLanguage    = "language"
)

// hardLimit bounds what a draft keeps of a text that is too long: the
// writer is told to shorten it, and nothing is lost meanwhile, but nobody
// fills the database.
func hardLimit(q *models.Question) int { return 2*q.Limit() + 1000 }

// formAnswers reads the answers to qs from a posted form, as typed: text
// with its line breaks made \n, the values of choices.
func formAnswers(c *fiber.Ctx, qs []models.Question) models.Answers {
	args := c.Context().PostArgs()
	out := models.Answers{}
	for i := range qs {
		q := &qs[i]
		var values []string
		for _, v := range args.PeekMulti(answerField(q.ID)) {
			values = append(values, string(v))
		}
		if a, ok := answerOf(q, values); ok {
			out[q.ID] = a
		}
	}
	return out
}

// answerOf makes an answer of the values posted for q; false for no answer.
// Values that are no option are kept here, so that the check can name them.
func answerOf(q *models.Question, values []string) (models.Answer, bool) {
	switch q.Type {
	case models.QuestionSection:
		return models.Answer{}, false
	case models.QuestionMultiple:
		choices := form.Dedupe(values)
		return models.Answer{Choices: choices}, len(choices) > 0
	case models.QuestionScale:
		if len(values) == 0 || strings.TrimSpace(values[0]) == "" {
			return models.Answer{}, false
		}
		n, err := strconv.Atoi(strings.TrimSpace(values[0]))
		if err != nil {
			n = -1 // reported as out of range
		}
		return models.Answer{Number: n}, true
	}
	if len(values) == 0 {
		return models.Answer{}, false
	}
	text := values[0]
	if q.Text() {
		text = strings.ReplaceAll(text, "\r\n", "\n")
	} else {
		text = strings.TrimSpace(text)
	}
	return models.Answer{Text: text}, text != ""
}

// checkAnswers checks the answers to qs. It returns what may be stored and
// the problems: for a draft (submit false) an answer too long or with too
// many choices is kept and reported; for a submission every rule applies,
// required answers included. What cannot be stored at all (a value that is
// no option, text beyond the hard limit, control characters) is left out
// and reported.
func checkAnswers(qs []models.Question, as models.Answers, submit bool) (models.Answers, form.Problems) {
	keep := models.Answers{}
	var ps form.Problems
	for i := range qs {
		q := &qs[i]
		if q.Type == models.QuestionSection {
			continue
		}
		field := answerField(q.ID)
		a, ok := as[q.ID]
		if !ok || a.Empty() {
			if submit && q.Required {
				ps.Add(field, "consult.validation.required")
			}
			continue
		}
		if stored, ok := checkAnswer(q, a, submit, &ps, field); ok {
			keep[q.ID] = stored
		}
	}
	return keep, ps
}

func checkAnswer(q *models.Question, a models.Answer, submit bool, ps *form.Problems, field string) (models.Answer, bool) {
	switch q.Type {
	case models.QuestionShortText, models.QuestionLongText:
		n := utf8.RuneCountInString(a.Text)
		switch {
		case !form.CleanText(a.Text, q.Type == models.QuestionLongText):
			ps.Add(field, "consult.validation.bad_text")
			return a, false
		case n > hardLimit(q):
			ps.AddValue(field, "consult.validation.too_long", strconv.Itoa(q.Limit()))
			return a, false
		case n > q.Limit():
			ps.AddValue(field, "consult.validation.too_long", strconv.Itoa(q.Limit()))
			return a, true
		case submit && strings.TrimSpace(a.Text) == "" && q.Required:
			ps.Add(field, "consult.validation.required")
		}
		return models.Answer{Text: a.Text}, true
	case models.QuestionSingle:
		if !q.HasOption(a.Text) {
			ps.AddValue(field, "consult.validation.unknown_option", form.Truncate(a.Text, 60))
			return a, false
		}
		return models.Answer{Text: a.Text}, true
	case models.QuestionYesNo:
		if a.Text != "yes" && a.Text != "no" {
			ps.Add(field, "consult.validation.yes_no")
			return a, false
		}
		return models.Answer{Text: a.Text}, true
	case models.QuestionScale:
		if a.Number < models.ScaleMin || a.Number > models.ScaleMax {
			ps.Add(field, "consult.validation.scale")
			return a, false
		}
		return models.Answer{Number: a.Number}, true
	case models.QuestionMultiple:
		var choices []string
		for _, v := range a.Choices {
			if !q.HasOption(v) {
				ps.AddValue(field, "consult.validation.unknown_option", form.Truncate(v, 60))
				continue
			}
			choices = append(choices, v)
		}
		// In the options' order, whatever the order posted.
		slices.SortStableFunc(choices, func(x, y string) int { return optionIndex(q, x) - optionIndex(q, y) })
		if len(choices) == 0 {
			return a, false
		}
		if q.MaxChoices > 0 && len(choices) > q.MaxChoices {
			ps.AddValue(field, "consult.validation.max_choices", strconv.Itoa(q.MaxChoices))
		} else if submit && q.MinChoices > 0 && len(choices) < q.MinChoices {
			ps.AddValue(field, "consult.validation.min_choices", strconv.Itoa(q.MinChoices))
		}
		return models.Answer{Choices: choices}, true
	}
	return a, false
}

func optionIndex(q *models.Question, v string) int {
	return slices.IndexFunc(q.Options, func(o models.Option) bool { return o.Value == v })
}

// responseLanguages are the languages a response to m may be written in.
func responseLanguages(m *models.Consultation) []string {
	if len(m.Languages) > 0 {
		return m.Languages
	}
	return models.Languages().Terms()
}

// checkMeta checks the publication choice and the language: required for a
// submission, and when given, one of the accepted values.
func checkMeta(m *models.Consultation, publication, language string, submit bool, ps *form.Problems) {
	switch {
	case publication == "" && submit:
		ps.Add(fieldPublication, "consult.validation.publication")
	case publication != "" && !slices.Contains(models.Publications(), publication):
		ps.Add(fieldPublication, "consult.validation.publication")
	}
	switch {
	case language == "" && submit:
		ps.Add(fieldLanguage, "consult.validation.language")
	case language != "" && !slices.Contains(responseLanguages(m), language):
		ps.Add(fieldLanguage, "consult.validation.language")
	}
}

// jsonAnswers reads the answers of an API request: question ids as keys,
// a string, a number or a list of strings as values, as each question takes.
func jsonAnswers(m *models.Consultation, raw map[string]json.RawMessage) (models.Answers, form.Problems) {
	out := models.Answers{}
	var ps form.Problems
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		id, err := strconv.ParseUint(strings.TrimPrefix(k, "q-"), 10, 32)
		q := m.Question(uint(id))
		if err != nil || q == nil {
			ps.AddValue("q-"+form.Truncate(k, 40), "consult.validation.no_such_question", form.Truncate(k, 40))
			continue
		}
		var values []string
		var s string
		var n json.Number
		var list []string
		switch v := raw[k]; {
		case string(v) == "null":
			continue
		case json.Unmarshal(v, &s) == nil:
			values = []string{s}
		case json.Unmarshal(v, &n) == nil:
			values = []string{n.String()}
		case json.Unmarshal(v, &list) == nil:
			values = list
		default:
			ps.Add(answerField(q.ID), "consult.validation.type")
			continue
		}
		if wrongShape(q, raw[k]) {
			ps.Add(answerField(q.ID), "consult.validation.type")
			continue
		}
		if a, ok := answerOf(q, values); ok {
			if q.Text() {
				a.Text = values[0] // as sent: the API's text is stored exactly
			}
			out[q.ID] = a
		}
	}
	return out, ps
}

// wrongShape: a list for a question of one value, or one value where a list
// is expected; a number for a scale, a string for the rest.
func wrongShape(q *models.Question, v json.RawMessage) bool {
	first := strings.TrimSpace(string(v))[:1]
	switch q.Type {
	case models.QuestionMultiple:
		return first != "["
	case models.QuestionScale:
		return first == "[" || first == "{"
	}
	return first != `"`
}
