package models

import (
	"strconv"
)

// Statistics of a consultation's answers, per question.

// OptionCount is how many responses chose one value of a question.
type OptionCount struct {
	Value string
	Label string // the option's label; empty for scale numbers and yes/no
	Count int
	// Percent is Count out of the responses that answered the question.
	Percent float64
}

// QuestionStats are the figures of one question.
type QuestionStats struct {
	Question Question
	// Answered counts the responses that answered it, out of Responses.
	Answered  int
	Responses int
	// Options counts each value of a choice, scale or yes/no question, in
	// the question's order; nil for text questions.
	Options []OptionCount
	// Mean is the average of a scale (0 without answers).
	Mean float64
}

// Tally counts the answers of the responses to each answerable question.
func Tally(questions []Question, responses []Answers) []QuestionStats {
	var out []QuestionStats
	for _, q := range questions {
		if q.Type == QuestionSection {
			continue
		}
		st := QuestionStats{Question: q, Responses: len(responses)}
		counts := map[string]int{}
		sum := 0
		for _, as := range responses {
			a, ok := as[q.ID]
			if !ok || a.Empty() {
				continue
			}
			st.Answered++
			switch q.Type {
			case QuestionMultiple:
				for _, v := range a.Choices {
					counts[v]++
				}
			case QuestionScale:
				counts[strconv.Itoa(a.Number)]++
				sum += a.Number
			default:
				counts[a.Text]++
			}
		}
		if values := q.Values(); values != nil {
			st.Options = make([]OptionCount, len(values))
			for i, v := range values {
				oc := OptionCount{Value: v, Label: q.OptionLabel(v), Count: counts[v]}
				if st.Answered > 0 {
					oc.Percent = 100 * float64(oc.Count) / float64(st.Answered)
				}
				st.Options[i] = oc
			}
		}
		if q.Type == QuestionScale && st.Answered > 0 {
			st.Mean = float64(sum) / float64(st.Answered)
		}
		out = append(out, st)
	}
	return out
}
