package content

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"proact/models"
)

// FrontMatter is the metadata block at the top of a practice note file. The
// field order here is the order of an exported file.
type FrontMatter struct {
	Title         string   `yaml:"title"`
	Summary       string   `yaml:"summary"`
	Language      string   `yaml:"language"`
	Countries     []string `yaml:"countries,flow"`
	Topics        []string `yaml:"topics,flow"`
	Sectors       []string `yaml:"sectors,flow"`
	Indicators    []string `yaml:"indicators,flow"`
	TargetGroups  []string `yaml:"target_groups,flow"`
	Stage         string   `yaml:"stage"`
	Evidence      string   `yaml:"evidence"`
	Visibility    string   `yaml:"visibility"`
	Organisation  string   `yaml:"organisation"`
	TranslationOf string   `yaml:"translation_of"`
	Published     string   `yaml:"published"`
}

// Limits on the size of a note, so that one file or form cannot exhaust memory
// or the database.
const (
	MaxTitle   = 200
	MaxSummary = 600
	MaxBody    = 200_000
	MaxSlug    = 120
)

// Problem is one thing wrong with a note. Key is the translation key of the
// message, Field the front matter field (or "body", "slug"), Value what was
// typed. Error gives an English sentence for the command line.
type Problem struct {
	Field string
	Value string
	Key   string
}

var problemText = map[string]string{
	"validation.required":     "%s is required",
	"validation.unknown_term": "%s: %q is not in the list of accepted values",
	"validation.too_long":     "%s is too long",
	"validation.bad_text":     "%s contains characters that are not allowed",
	"validation.bad_date":     "%s: %q is not a date (YYYY-MM-DD)",
	"validation.bad_slug":     "%s: %q must be lower-case letters, digits and hyphens",
	"validation.bad_yaml":     "%s: %s",
	"validation.bad_url":      "%s: %q is not a web address (https://...)",
	"validation.bad_email":    "%s: %q is not an e-mail address",
	"validation.no_front":     "%s: the file must start with a front matter block between --- lines",
	"validation.duplicate":    "%s: %q appears twice",
}

// Error is the problem in English, for the command line (pages translate Key).
func (p Problem) Error() string {
	format, ok := problemText[p.Key]
	if !ok {
		return p.Field + ": " + p.Key
	}
	if strings.Count(format, "%") == 1 {
		return fmt.Sprintf(format, p.Field)
	}
	return fmt.Sprintf(format, p.Field, p.Value)
}

// Problems is a list of problems; it is an error when not empty.
type Problems []Problem

// Error joins the problems' messages.
func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "; ")
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// ValidSlug reports whether s can be a slug: lower-case ASCII letters, digits
// and single hyphens.
func ValidSlug(s string) bool { return len(s) <= MaxSlug && slugPattern.MatchString(s) }

var frontDelimiter = []byte("---")

// SplitFile separates a note file into its front matter and Markdown body.
func SplitFile(data []byte) (FrontMatter, string, error) {
	var fm FrontMatter
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM from Windows editors
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	if !bytes.HasPrefix(data, append(frontDelimiter, '\n')) {
		return fm, "", Problems{{Field: "front matter", Key: "validation.no_front"}}
	}
	// rest keeps the newline after the opening delimiter, so that an empty
	// block ("---\n---\n") is found and YAML line numbers match the file's.
	rest := data[len(frontDelimiter):]
	end := bytes.Index(rest, []byte("\n---\n"))
	var head, body []byte
	switch {
	case end >= 0:
		head, body = rest[:end+1], rest[end+5:]
	case bytes.HasSuffix(rest, []byte("\n---")):
		head = rest[:len(rest)-3]
	default:
		return fm, "", Problems{{Field: "front matter", Key: "validation.no_front"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(head))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty block
		return fm, "", Problems{{Field: "front matter", Value: yamlMessage(err), Key: "validation.bad_yaml"}}
	}
	return fm, string(bytes.TrimLeft(body, "\n")), nil
}

func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// Note is a practice note as read from a file or a form, before it is stored.
type Note struct {
	Slug string
	FrontMatter
	Body string
}

// Validate checks every field against its vocabulary and limits, and returns
// all problems at once, so a member can fix a file in one go.
func (n *Note) Validate() Problems {
	var ps Problems
	text := func(field, v string, max int, required bool) {
		switch {
		case required && strings.TrimSpace(v) == "":
			ps = append(ps, Problem{Field: field, Key: "validation.required"})
		case len(v) > max:
			ps = append(ps, Problem{Field: field, Key: "validation.too_long"})
		case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
			ps = append(ps, Problem{Field: field, Key: "validation.bad_text"})
		}
	}
	one := func(field, v string, vocab models.Vocabulary, required bool) {
		switch {
		case v == "" && required:
			ps = append(ps, Problem{Field: field, Key: "validation.required"})
		case v != "" && !vocab.Has(v):
			ps = append(ps, Problem{Field: field, Value: v, Key: "validation.unknown_term"})
		}
	}
	many := func(field string, vs []string, vocab models.Vocabulary, required bool) {
		if required && len(vs) == 0 {
			ps = append(ps, Problem{Field: field, Key: "validation.required"})
		}
		for _, v := range vs {
			if !vocab.Has(v) {
				ps = append(ps, Problem{Field: field, Value: v, Key: "validation.unknown_term"})
			}
		}
	}
	if !ValidSlug(n.Slug) || models.ReservedSlug(n.Slug) {
		ps = append(ps, Problem{Field: "slug", Value: n.Slug, Key: "validation.bad_slug"})
	}
	text("title", n.Title, MaxTitle, true)
	text("summary", n.Summary, MaxSummary, false)
	text("body", n.Body, MaxBody, true)
	one("language", n.Language, models.Languages(), true)
	many("countries", n.Countries, models.Countries(), true)
	many("topics", n.Topics, models.Topics(), false)
	many("sectors", n.Sectors, models.Sectors(), false)
	many("indicators", n.Indicators, models.Indicators(), false)
	many("target_groups", n.TargetGroups, models.TargetGroups(), false)
	one("stage", n.Stage, models.PracticeStages(), false)
	one("evidence", n.Evidence, models.EvidenceLevels(), false)
	one("visibility", n.Visibility, models.Visibilities(), true)
	if n.Organisation != "" && !ValidSlug(n.Organisation) {
		ps = append(ps, Problem{Field: "organisation", Value: n.Organisation, Key: "validation.bad_slug"})
	}
	if n.TranslationOf != "" && !ValidSlug(n.TranslationOf) {
		ps = append(ps, Problem{Field: "translation_of", Value: n.TranslationOf, Key: "validation.bad_slug"})
	}
	if n.Published != "" {
		if _, err := time.Parse(time.DateOnly, n.Published); err != nil {
			ps = append(ps, Problem{Field: "published", Value: n.Published, Key: "validation.bad_date"})
		}
	}
	return ps
}

// ParseNote reads a note file named slug and validates it.
func ParseNote(slug string, data []byte) (*Note, error) {
	fm, body, err := SplitFile(data)
	if err != nil {
		return nil, err
	}
	n := &Note{Slug: slug, FrontMatter: fm, Body: body}
	if n.Visibility == "" {
		n.Visibility = models.VisibilityPublic
	}
	if ps := n.Validate(); len(ps) > 0 {
		return n, ps
	}
	return n, nil
}

// MarshalNote writes a note back as a file: front matter, then the body.
func MarshalNote(n *Note) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(n.FrontMatter); err != nil {
		return nil, fmt.Errorf("content: unable to write front matter: %w", err)
	}
	_ = enc.Close()
	buf.WriteString("---\n")
	buf.WriteString(n.Body)
	if !strings.HasSuffix(n.Body, "\n") {
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}
