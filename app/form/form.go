// Package form parses what people type into forms and checks it, keys first:
// a check records the translation key of what is wrong, and the page that
// shows the form again translates the keys in the reader's language.
//
// How a handler uses it:
//
//	var f accountForm
//	if err := form.Parse(c, &f); err != nil {
//		return err // 400: not a form at all
//	}
//	ps := f.validate() // form.Problems, built with ps.Text, ps.Email ...
//	if !ps.OK() {
//		return h.renderAccount(c, fiber.StatusUnprocessableEntity, f, ps)
//	}
//
// and the page data carries ps.Messages(loc, "prefix.field.") (one translated
// message per field) and, for long forms, its Summary in the form's order,
// together with the values as typed.
package form

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// Parse reads the body of a form into dst (a struct with `form:"name"`
// tags). A body that cannot be read is a 400, not a form with problems.
func Parse(c *fiber.Ctx, dst any) error {
	if err := c.BodyParser(dst); err != nil {
		return fiber.ErrBadRequest
	}
	return nil
}

// Problem is one thing wrong with what someone typed: the field, the
// translation key of the message, and the value it is about (for messages
// that quote it).
type Problem struct {
	Field string
	Key   string
	Value string
}

// Problems are what is wrong with a form: at most one problem per field (the
// first one found), in the order found. The zero value is an empty list.
// Returned as an error, it is answered with 422.
type Problems []Problem

// OK reports whether nothing is wrong.
func (ps Problems) OK() bool { return len(ps) == 0 }

// Error lists the fields and keys, for logs; people see Messages.
func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + ": " + p.Key
	}
	return "form: " + strings.Join(parts, "; ")
}

// Has reports whether field has a problem.
func (ps Problems) Has(field string) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Field == field })
}

// Key is the translation key of field's problem, or "".
func (ps Problems) Key(field string) string {
	for _, p := range ps {
		if p.Field == field {
			return p.Key
		}
	}
	return ""
}

// Add records that field has the problem key, unless it has one already.
func (ps *Problems) Add(field, key string) { ps.AddValue(field, key, "") }

// AddValue is Add with the value the message quotes.
func (ps *Problems) AddValue(field, key, value string) {
	if !ps.Has(field) {
		*ps = append(*ps, Problem{Field: field, Key: key, Value: value})
	}
}

// Required records validation.required when v is blank.
func (ps *Problems) Required(field, v string) {
	if strings.TrimSpace(v) == "" {
		ps.Add(field, "validation.required")
	}
}

// Text checks a one-line text: required or not, at most max bytes, and no
// control character at all (it may end up in a mail header).
func (ps *Problems) Text(field, v string, max int, required bool) {
	ps.text(field, v, max, required, false)
}

// Multiline checks a text of several lines: like Text, but line breaks and
// tabs are allowed.
func (ps *Problems) Multiline(field, v string, max int, required bool) {
	ps.text(field, v, max, required, true)
}

func (ps *Problems) text(field, v string, max int, required, multiline bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		ps.Add(field, "validation.required")
	case len(v) > max:
		ps.Add(field, "validation.too_long")
	case !CleanText(v, multiline):
		ps.Add(field, "validation.bad_text")
	}
}

// MaxEmail bounds an e-mail address (RFC 5321), in bytes.
const MaxEmail = 254

// Email checks an e-mail address: a bare address, without a display name.
func (ps *Problems) Email(field, v string, required bool) {
	ps.Text(field, v, MaxEmail, required)
	if v != "" {
		if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
			ps.AddValue(field, "validation.bad_email", v)
		}
	}
}

// MaxPhone bounds a phone number, in bytes.
const MaxPhone = 40

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()./-]{2,39}$`)

// Phone checks a phone number: digits, spaces and the usual separators.
func (ps *Problems) Phone(field, v string) {
	ps.Text(field, v, MaxPhone, false)
	if v != "" && !phonePattern.MatchString(v) {
		ps.AddValue(field, "directory.validation.phone", v)
	}
}

// OneOf records validation.unknown_term unless v is one of allowed.
func (ps *Problems) OneOf(field, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		ps.AddValue(field, "validation.unknown_term", v)
	}
}

// MaxName bounds the name of a person or of an API token, in characters.
const MaxName = 100

// Name checks the name of a person or of a token, with keys under prefix:
// prefix.required, prefix.too_long, or account.text.invalid.
func (ps *Problems) Name(field, v, prefix string) {
	switch {
	case v == "":
		ps.Add(field, prefix+".required")
	case !utf8.ValidString(v) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		ps.Add(field, "account.text.invalid")
	case utf8.RuneCountInString(v) > MaxName:
		ps.Add(field, prefix+".too_long")
	}
}

// Translator translates a key with name/value arguments; *i18n.Localizer is one.
type Translator interface {
	T(key string, args ...any) string
}

// Messages are the translated problems of a form, one per field, for its
// template: {{with .Data.Errors.name}}<p class="field-error">{{.}}</p>{{end}}.
type Messages map[string]string

// Messages translates the problems. Their messages may name the field
// ({{.Field}}: the translation of labels+field) and quote the value
// ({{.Value}}).
func (ps Problems) Messages(t Translator, labels string) Messages {
	if len(ps) == 0 {
		return nil
	}
	out := make(Messages, len(ps))
	for _, p := range ps {
		label := ""
		if labels != "" {
			label = t.T(labels + p.Field)
		}
		out[p.Field] = t.T(p.Key, "Field", label, "Value", p.Value)
	}
	return out
}

// Link is one entry of the error summary above a long form: a link to the
// field, and its message.
type Link struct {
	Field   string
	Message string
}

// Summary lists the messages in the order of the form's fields.
func (m Messages) Summary(order []string) []Link {
	var out []Link
	for _, field := range order {
		if msg, ok := m[field]; ok {
			out = append(out, Link{Field: field, Message: msg})
		}
	}
	return out
}

// CleanText reports whether s is valid UTF-8 without control characters
// (line breaks and tabs allowed when multiline).
func CleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// PlausibleEmail accepts a bare address (no display name) of sensible length.
func PlausibleEmail(s string) bool {
	if s == "" || len(s) > MaxEmail || !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

// Query makes a text from the query string safe to search for: valid UTF-8,
// no control characters, trimmed, at most max characters.
func Query(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	return Truncate(strings.TrimSpace(s), max)
}

// Truncate cuts s to at most n characters, never inside one.
func Truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Dedupe trims the choices of a multiple-choice field and drops empty and
// repeated ones, keeping the order.
func Dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	// A set, not a scan of out per value: a crafted request may repeat a
	// field as often as the body limit allows.
	seen := make(map[string]struct{}, len(in))
	for _, v := range in {
		v = strings.TrimSpace(v)
		if _, dup := seen[v]; v == "" || dup {
			continue
		}
		seen[v] = struct{}{}
		out = append(out, v)
	}
	return out
}
