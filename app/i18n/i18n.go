// Package i18n holds the translation catalogues and picks the language of a
// request or of a mail: negotiation (the switcher's cookie, then
// Accept-Language, then English), messages, and the names of countries and
// languages in every interface language.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sync"
	"unicode"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"gopkg.in/yaml.v3"

	"proact/models"
	"proact/views"
)

// languages are the languages the interface is translated into, English
// first (the fallback). To add one: copy the English catalogues
// (views/locales/*.en.yaml) to NAME.LANG.yaml, translate them, and add the
// code here.
var languages = []string{"en", "nl", "ro", "fr", "de", "es", "it", "pl"}

// Languages returns the interface languages, English first.
func Languages() []string { return slices.Clone(languages) }

// Supported reports whether code is an interface language.
func Supported(code string) bool { return slices.Contains(languages, code) }

// Translator holds the translation catalogues and picks a language per
// request. It is safe for concurrent use.
type Translator struct {
	matcher language.Matcher
	locs    map[string]*Localizer
}

// Embedded returns the translator of the catalogues built into the binary
// (views/locales). They cannot change, and a Translator is never changed
// after New, so they are parsed once per process and shared.
func Embedded() (*Translator, error) { return embedded() }

var embedded = sync.OnceValues(func() (*Translator, error) {
	locales, err := fs.Sub(views.FS, "locales")
	if err != nil {
		return nil, err
	}
	return New(locales)
})

// New loads every catalogue in fsys (files named NAME.LANG.yaml).
func New(fsys fs.FS) (*Translator, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("i18n: no translation catalogues found")
	}
	for _, f := range files {
		if _, err := b.LoadMessageFileFS(fsys, f); err != nil {
			return nil, fmt.Errorf("i18n: unable to load catalogue %s: %w", f, err)
		}
	}
	t := &Translator{locs: map[string]*Localizer{}}
	tags := make([]language.Tag, 0, len(languages))
	for _, l := range languages {
		tag := language.MustParse(l)
		tags = append(tags, tag)
		t.locs[l] = &Localizer{
			Lang:    l,
			loc:     goi18n.NewLocalizer(b, l),
			langs:   display.Tags(tag),
			regions: display.Regions(tag),
		}
	}
	t.matcher = language.NewMatcher(tags)
	return t, nil
}

// Negotiate picks the interface language: the one chosen in the switcher
// (cookie), else the best match for Accept-Language, else English.
func (t *Translator) Negotiate(cookie, acceptLanguage string) *Localizer {
	if l, ok := t.locs[cookie]; ok {
		return l
	}
	tag, _ := language.MatchStrings(t.matcher, acceptLanguage)
	base, _ := tag.Base()
	if l, ok := t.locs[base.String()]; ok {
		return l
	}
	return t.locs["en"]
}

// For returns the localizer of an interface language, or English: the
// language of someone's mail, say.
func (t *Translator) For(lang string) *Localizer { return t.Negotiate(lang, "") }

// MessageIDs lists the message ids of one language's catalogues: for the test
// that every catalogue is complete.
func MessageIDs(fsys fs.FS, lang string) (map[string]bool, error) {
	ids := map[string]bool{}
	files, err := fs.Glob(fsys, "*."+lang+".yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]any // a message, or its plural forms
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(f), err)
		}
		for k := range m {
			ids[k] = true
		}
	}
	return ids, nil
}

// PluralForms lists the plural messages of one language's catalogues and
// the forms each one gives (one, few, many, other): for the test that each
// language has the forms its grammar needs.
func PluralForms(fsys fs.FS, lang string) (map[string][]string, error) {
	out := map[string][]string{}
	files, err := fs.Glob(fsys, "*."+lang+".yaml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", path.Base(f), err)
		}
		for k, v := range m {
			if forms, ok := v.(map[string]any); ok {
				for form := range forms {
					out[k] = append(out[k], form)
				}
				slices.Sort(out[k])
			}
		}
	}
	return out, nil
}

// pluralArgs are the arguments whose number chooses a plural form, the
// first one present: "1 result", "2 results"; Polish and Romanian have
// three forms, and the catalogues give each one.
var pluralArgs = []string{"Count", "Minutes"}

// Localizer translates into one language. Its methods are what templates
// call: {{.T "home.title"}}, {{.Label "topic" "outreach"}}, {{.Country "NL"}}.
type Localizer struct {
	Lang    string
	loc     *goi18n.Localizer
	langs   display.Namer
	regions display.Namer
	plain   sync.Map // key → message, for messages shown without arguments
}

// T translates a message; args are name/value pairs for the template
// ({{.T "practices.found" "Count" 12}}). A missing key shows the key itself,
// and the catalogue test makes sure none is missing.
func (l *Localizer) T(key string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.plain.Load(key); ok {
			return s.(string)
		}
	}
	var data map[string]any
	if len(args) > 1 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			data[fmt.Sprint(args[i])] = args[i+1]
		}
	}
	cfg := &goi18n.LocalizeConfig{MessageID: key, TemplateData: data}
	for _, a := range pluralArgs {
		if n, ok := data[a]; ok {
			switch n := n.(type) {
			case int, int64, int32:
				cfg.PluralCount = n
			case uint:
				cfg.PluralCount = int64(n)
			case uint64:
				cfg.PluralCount = int64(n)
			case uint32:
				cfg.PluralCount = int64(n)
			}
			break
		}
	}
	s, err := l.loc.Localize(cfg)
	if err != nil && s == "" {
		return key
	}
	if len(args) == 0 && err == nil {
		// Only catalogue keys get here, so the cache is bounded by the catalogue.
		l.plain.Store(key, s)
	}
	return s
}

// TOr translates key, or gives raw when the catalogue has no such key (an
// audit action or a mail kind added later, say).
func (l *Localizer) TOr(key, raw string) string {
	if s := l.T(key); s != key {
		return s
	}
	return raw
}

// Label is the translated label of a vocabulary term: countries and
// languages are named by golang.org/x/text, the other vocabularies by the
// catalogues.
func (l *Localizer) Label(vocab, term string) string {
	switch vocab {
	case models.Countries().Name():
		return l.Country(term)
	case models.Languages().Name():
		return l.LanguageName(term)
	}
	return l.T(vocab + "." + term)
}

// Country names a country (or "EU") in this language.
func (l *Localizer) Country(code string) string {
	if code == "EU" {
		return l.T("country.EU")
	}
	r, err := language.ParseRegion(code)
	if err != nil {
		return code
	}
	if name := l.regions.Name(r); name != "" {
		return name
	}
	return code
}

// LanguageName names a language in this language.
func (l *Localizer) LanguageName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	if name := l.langs.Name(tag); name != "" {
		return name
	}
	return code
}

// SelfName names a language in itself ("Română"), for the language switcher.
func SelfName(code string) string {
	tag, err := language.Parse(code)
	if err != nil {
		return code
	}
	name := display.Self.Name(tag)
	if name == "" {
		return code
	}
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
