package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Question types.
const (
	QuestionShortText = "short_text"
	QuestionLongText  = "long_text"
	QuestionSingle    = "single_choice"
	QuestionMultiple  = "multiple_choice"
	QuestionScale     = "scale"
	QuestionYesNo     = "yes_no"
	// QuestionSection is no question: it starts a new page of the
	// questionnaire, with a title and an introduction.
	QuestionSection = "section"
)

// QuestionTypes lists the types, sections last, for the builder's choice.
func QuestionTypes() []string {
	return []string{QuestionShortText, QuestionLongText, QuestionSingle, QuestionMultiple, QuestionScale, QuestionYesNo, QuestionSection}
}

// Limits of questions and answers, in characters.
const (
	MaxShortAnswer   = 500
	MaxLongAnswer    = 20000
	DefaultLongLimit = 5000
	MaxOptions       = 50
	ScaleMin         = 1
	ScaleMax         = 5
)

// Question is one question of a consultation, or a section heading.
type Question struct {
	ID             uint
	ConsultationID uint
	Position       int
	Type           string
	Title          string
	Help           string
	Required       bool
	Options        []Option `gorm:"serializer:json"`
	MinChoices     int
	MaxChoices     int
	MaxLength      int
	// ScaleLow and ScaleHigh name the two ends of a scale ("not at all",
	// "completely"); empty shows the numbers only.
	ScaleLow  string
	ScaleHigh string
}

// TableName names the questions table.
func (Question) TableName() string { return "consultation_questions" }

// Option is one choice of a single or multiple choice question. Its value is
// what answers store and the API sends; its label what people read.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Choice reports whether answers choose among options.
func (q *Question) Choice() bool { return q.Type == QuestionSingle || q.Type == QuestionMultiple }

// Text reports whether answers are typed text.
func (q *Question) Text() bool { return q.Type == QuestionShortText || q.Type == QuestionLongText }

// Limit is the most characters an answer of a text question may have.
func (q *Question) Limit() int {
	switch q.Type {
	case QuestionShortText:
		return MaxShortAnswer
	case QuestionLongText:
		if q.MaxLength > 0 {
			return q.MaxLength
		}
		return DefaultLongLimit
	}
	return 0
}

// OptionLabel returns the label of an option value ("" when unknown).
func (q *Question) OptionLabel(value string) string {
	for _, o := range q.Options {
		if o.Value == value {
			return o.Label
		}
	}
	return ""
}

// HasOption reports whether value is one of the question's options.
func (q *Question) HasOption(value string) bool {
	return slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == value })
}

// Values lists what an answer to q may be: option values, scale numbers,
// yes and no; nil for text questions.
func (q *Question) Values() []string {
	switch q.Type {
	case QuestionSingle, QuestionMultiple:
		out := make([]string, len(q.Options))
		for i, o := range q.Options {
			out[i] = o.Value
		}
		return out
	case QuestionScale:
		out := []string{}
		for n := ScaleMin; n <= ScaleMax; n++ {
			out = append(out, strconv.Itoa(n))
		}
		return out
	case QuestionYesNo:
		return []string{"yes", "no"}
	}
	return nil
}

// jsonText is v as JSON text, for updates that bypass GORM's serializers.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("models: unable to encode " + fmt.Sprintf("%T", v)) // only plain data types get here
	}
	return string(b)
}

func (s *Store) loadQuestions(ctx context.Context, c *Consultation) error {
	var qs []Question
	if err := s.conn(ctx).Where("consultation_id = ?", c.ID).Order("position, id").Find(&qs).Error; err != nil {
		return fmt.Errorf("models: unable to load the questions of consultation %d: %w", c.ID, err)
	}
	c.Questions = qs
	return nil
}

// changeQuestions runs fn, which changes the questions of consultation
// cid, unless a response has been submitted: the consultation row is updated
// first (its questions version raised), which takes its lock, so that a
// first submission and a change of questions cannot pass each other.
func (s *Store) changeQuestions(ctx context.Context, cid uint, by AuditEntry, detail string, fn func(tx *Store) error) error {
	return s.WithTx(ctx, func(tx *Store) error {
		res := tx.conn(ctx).Model(&Consultation{}).Where("id = ? AND frozen_at IS NULL", cid).
			Updates(map[string]any{"questions_version": gorm.Expr("questions_version + 1"), "updated_at": tx.now()})
		if res.Error != nil {
			return fmt.Errorf("models: unable to change the questions of consultation %d: %w", cid, res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := tx.consultationRow(ctx, cid); err != nil {
				return err
			}
			return ErrQuestionsFrozen
		}
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.Audit(ctx, auditOf(by, AuditConsultationQuestions, KindConsultation, cid, detail)); err != nil {
			return err
		}
		return tx.enqueue(ctx, KindConsultation, cid, OpUpsert)
	})
}

// AddQuestion appends a question (or a section) to a consultation whose
// questions are not frozen.
func (s *Store) AddQuestion(ctx context.Context, q *Question, by AuditEntry) error {
	return s.changeQuestions(ctx, q.ConsultationID, by, "added "+q.Type, func(tx *Store) error {
		var last *int
		if err := tx.conn(ctx).Model(&Question{}).Where("consultation_id = ?", q.ConsultationID).Select("MAX(position)").Scan(&last).Error; err != nil {
			return fmt.Errorf("models: unable to add a question: %w", err)
		}
		q.ID, q.Position = 0, 1
		if last != nil {
			q.Position = *last + 1
		}
		if q.Options == nil {
			q.Options = []Option{}
		}
		if err := tx.conn(ctx).Create(q).Error; err != nil {
			return fmt.Errorf("models: unable to add a question: %w", err)
		}
		return nil
	})
}

// UpdateQuestion saves a question's text and settings; its position stays.
func (s *Store) UpdateQuestion(ctx context.Context, q *Question, by AuditEntry) error {
	return s.changeQuestions(ctx, q.ConsultationID, by, fmt.Sprintf("changed question %d", q.ID), func(tx *Store) error {
		opts := q.Options
		if opts == nil {
			opts = []Option{}
		}
		res := tx.conn(ctx).Model(&Question{}).Where("id = ? AND consultation_id = ?", q.ID, q.ConsultationID).Updates(map[string]any{
			"type": q.Type, "title": q.Title, "help": q.Help, "required": q.Required, "options": jsonText(opts),
			"min_choices": q.MinChoices, "max_choices": q.MaxChoices, "max_length": q.MaxLength,
			"scale_low": q.ScaleLow, "scale_high": q.ScaleHigh,
		})
		if res.Error != nil {
			return fmt.Errorf("models: unable to save question %d: %w", q.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeleteQuestion removes a question; drafts keep no answer to it.
func (s *Store) DeleteQuestion(ctx context.Context, cid, qid uint, by AuditEntry) error {
	return s.changeQuestions(ctx, cid, by, fmt.Sprintf("deleted question %d", qid), func(tx *Store) error {
		res := tx.conn(ctx).Where("id = ? AND consultation_id = ?", qid, cid).Delete(&Question{})
		if res.Error != nil {
			return fmt.Errorf("models: unable to delete question %d: %w", qid, res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// MoveQuestion moves a question one place up (delta -1) or down (+1).
func (s *Store) MoveQuestion(ctx context.Context, cid, qid uint, delta int, by AuditEntry) error {
	return s.changeQuestions(ctx, cid, by, fmt.Sprintf("moved question %d", qid), func(tx *Store) error {
		var qs []Question
		if err := tx.conn(ctx).Select("id", "position").Where("consultation_id = ?", cid).Order("position, id").Find(&qs).Error; err != nil {
			return fmt.Errorf("models: unable to move question %d: %w", qid, err)
		}
		i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == qid })
		if i < 0 {
			return ErrNotFound
		}
		j := i + delta
		if j < 0 || j >= len(qs) {
			return nil // already first or last
		}
		qs[i], qs[j] = qs[j], qs[i]
		for n, q := range qs {
			if q.Position == n+1 {
				continue
			}
			if err := tx.conn(ctx).Model(&Question{}).Where("id = ?", q.ID).Update("position", n+1).Error; err != nil {
				return fmt.Errorf("models: unable to move question %d: %w", qid, err)
			}
		}
		return nil
	})
}

// OptionsFromLines makes options from one label per line: blank lines are
// dropped, values are made from the labels (unique, stable while the label
// stays). slugify turns a label into a value.
func OptionsFromLines(text string, slugify func(string) string) []Option {
	var out []Option
	used := map[string]bool{}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		label := strings.TrimSpace(line)
		if label == "" {
			continue
		}
		v := slugify(label)
		if v == "" {
			v = "option"
		}
		if len(v) > 60 {
			v = strings.TrimRight(v[:60], "-")
		}
		candidate := v
		for n := 2; used[candidate]; n++ {
			candidate = v + "-" + strconv.Itoa(n)
		}
		used[candidate] = true
		out = append(out, Option{Value: candidate, Label: label})
	}
	return out
}
