package content

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gosimple/slug"
	"gopkg.in/yaml.v3"

	"proact/models"
)

// Demo consultations: consultations/*.yaml in the demo folder, with times
// relative to when they are loaded (so that the open one is open whenever
// the demo starts) and, for a closed one, the responses of demo
// organisations with their publication choices.

// ConsultationFile is one consultation of the demo.
type ConsultationFile struct {
	Slug          string   `yaml:"slug"`
	Title         string   `yaml:"title"`
	Description   string   `yaml:"description"`
	InitiativeURL string   `yaml:"initiative_url"`
	Languages     []string `yaml:"languages,flow"`
	// OpensInDays and ClosesInDays count days from the load, at At o'clock
	// Brussels time (HH:MM).
	OpensInDays  int                    `yaml:"opens_in_days"`
	ClosesInDays int                    `yaml:"closes_in_days"`
	At           string                 `yaml:"at"`
	Results      bool                   `yaml:"results"`
	Questions    []QuestionFile         `yaml:"questions"`
	Responses    []ConsultationResponse `yaml:"responses"`
}

// QuestionFile is one question, or with Section a section heading.
type QuestionFile struct {
	Section   string   `yaml:"section"`
	Type      string   `yaml:"type"`
	Title     string   `yaml:"title"`
	Help      string   `yaml:"help"`
	Required  bool     `yaml:"required"`
	Options   []string `yaml:"options"`
	Min       int      `yaml:"min"`
	Max       int      `yaml:"max"`
	MaxLength int      `yaml:"max_length"`
	Low       string   `yaml:"low"`
	High      string   `yaml:"high"`
}

// ConsultationResponse is a demo organisation's submitted response: answers
// by question number (1 is the first question), choices by their labels.
type ConsultationResponse struct {
	Organisation string            `yaml:"organisation"`
	Publication  string            `yaml:"publication"`
	Language     string            `yaml:"language"`
	Answers      map[int]yaml.Node `yaml:"answers"`
}

const consultationsDir = "consultations"

// ImportConsultations loads the consultations of fsys (consultations/*.yaml)
// whose slugs are not taken yet, at now; it returns how many it loaded.
// brussels is the zone their times of day are in.
func ImportConsultations(ctx context.Context, store *models.Store, r *Renderer, fsys fs.FS, now time.Time, brussels *time.Location) (int, error) {
	files, err := fs.Glob(fsys, path.Join(consultationsDir, "*.yaml"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return n, err
		}
		var f ConsultationFile
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			return n, FileError{name, err}
		}
		loaded, err := importConsultation(ctx, store, r, &f, now, brussels)
		if err != nil {
			return n, FileError{name, err}
		}
		if loaded {
			n++
		}
	}
	return n, nil
}

// demoActor is who the audit log says loaded the demo.
var demoActor = models.AuditEntry{ActorEmail: "demo"}

func importConsultation(ctx context.Context, store *models.Store, r *Renderer, f *ConsultationFile, now time.Time, brussels *time.Location) (bool, error) {
	if _, err := store.ConsultationBySlug(ctx, models.Viewer{Role: models.RoleAdmin}, f.Slug); err == nil {
		return false, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return false, err
	}
	html, err := r.Render(f.Description)
	if err != nil {
		return false, err
	}
	opens, err := dayAt(now, f.OpensInDays, f.At, brussels)
	if err != nil {
		return false, err
	}
	closes, err := dayAt(now, f.ClosesInDays, f.At, brussels)
	if err != nil {
		return false, err
	}
	c := &models.Consultation{Slug: f.Slug, Title: f.Title, DescriptionMD: f.Description, DescriptionHTML: html,
		InitiativeURL: f.InitiativeURL, Languages: f.Languages, OpensAt: opens, ClosesAt: closes, Demo: true}
	if err := store.CreateConsultation(ctx, c, demoActor); err != nil {
		return false, err
	}
	if c.Slug != f.Slug {
		return false, fmt.Errorf("content: the slug %q was taken", f.Slug)
	}
	for _, qf := range f.Questions {
		q := qf.question()
		q.ConsultationID = c.ID
		if err := store.AddQuestion(ctx, &q, demoActor); err != nil {
			return false, err
		}
	}
	if err := store.PublishConsultation(ctx, c.ID, demoActor); err != nil {
		return false, err
	}
	if len(f.Responses) == 0 {
		return true, nil
	}
	full, err := store.ConsultationBySlug(ctx, models.Viewer{Role: models.RoleAdmin}, c.Slug)
	if err != nil {
		return false, err
	}
	orgs, err := store.OrganisationIDsBySlug(ctx)
	if err != nil {
		return false, err
	}
	for i, resp := range f.Responses {
		org, ok := orgs[resp.Organisation]
		if !ok {
			return false, fmt.Errorf("content: response %d: no organisation %q", i+1, resp.Organisation)
		}
		answers, err := resp.answers(full)
		if err != nil {
			return false, fmt.Errorf("content: response of %s: %w", resp.Organisation, err)
		}
		// Submitted while it was open: a day after the opening, an hour apart.
		at := opens.Add(24*time.Hour + time.Duration(i)*time.Hour)
		in := models.ResponseInput{ConsultationID: c.ID, OrganisationID: org, By: demoActor, Now: at,
			Answers: answers, SetMeta: true, Publication: resp.Publication, Language: resp.Language, Submit: true,
			QuestionsVersion: full.QuestionsVersion}
		for _, q := range full.Answerable() {
			in.Covered = append(in.Covered, q.ID)
		}
		if _, err := store.SaveResponse(ctx, in, nil); err != nil {
			return false, err
		}
	}
	if f.Results {
		if err := store.PublishResults(ctx, c.ID, now, demoActor); err != nil {
			return false, err
		}
	}
	return true, nil
}

// dayAt is the day days from now, at hhmm in loc.
func dayAt(now time.Time, days int, hhmm string, loc *time.Location) (time.Time, error) {
	if hhmm == "" {
		hhmm = "12:00"
	}
	hm, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, fmt.Errorf("content: at %q is not HH:MM", hhmm)
	}
	d := now.In(loc).AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc), nil
}

func (qf QuestionFile) question() models.Question {
	if qf.Section != "" {
		return models.Question{Type: models.QuestionSection, Title: qf.Section, Help: qf.Help}
	}
	return models.Question{Type: qf.Type, Title: qf.Title, Help: qf.Help, Required: qf.Required,
		Options:    models.OptionsFromLines(strings.Join(qf.Options, "\n"), slug.Make),
		MinChoices: qf.Min, MaxChoices: qf.Max, MaxLength: qf.MaxLength, ScaleLow: qf.Low, ScaleHigh: qf.High}
}

// answers maps a demo response's answers, by question number, to the
// consultation's questions.
func (resp ConsultationResponse) answers(c *models.Consultation) (models.Answers, error) {
	qs := c.Answerable()
	out := models.Answers{}
	for n, node := range resp.Answers {
		if n < 1 || n > len(qs) {
			return nil, fmt.Errorf("no question %d", n)
		}
		q := &qs[n-1]
		byLabel := func(label string) (string, error) {
			for _, o := range q.Options {
				if o.Label == label {
					return o.Value, nil
				}
			}
			return "", fmt.Errorf("question %d has no choice %q", n, label)
		}
		switch q.Type {
		case models.QuestionMultiple:
			var labels []string
			if err := node.Decode(&labels); err != nil {
				return nil, err
			}
			var a models.Answer
			for _, l := range labels {
				v, err := byLabel(l)
				if err != nil {
					return nil, err
				}
				a.Choices = append(a.Choices, v)
			}
			out[q.ID] = a
		case models.QuestionScale:
			v, err := strconv.Atoi(node.Value)
			if err != nil {
				return nil, fmt.Errorf("question %d: %q is no number", n, node.Value)
			}
			out[q.ID] = models.Answer{Number: v}
		case models.QuestionSingle:
			v, err := byLabel(node.Value)
			if err != nil {
				return nil, err
			}
			out[q.ID] = models.Answer{Text: v}
		default:
			out[q.ID] = models.Answer{Text: strings.TrimRight(node.Value, "\n")}
		}
	}
	return out, nil
}
