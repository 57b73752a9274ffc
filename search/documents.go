package search

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"proact/models"
)

// Document kinds: practice notes, organisations, consultations, the
// responses published with their results, and the national notes of the
// referral pathways.
const (
	KindPractice     = models.KindPractice
	KindOrganisation = models.KindOrganisation
	KindConsultation = models.KindConsultation
	KindResponse     = models.KindResponse
	KindPathway      = "pathway"
)

// Kinds lists the document kinds, in the order the facets panel shows them.
var Kinds = []string{KindPractice, KindOrganisation, KindConsultation, KindResponse, KindPathway}

// Audiences say who may find a document.
const (
	AudiencePublic  = models.VisibilityPublic  // everyone
	AudienceMembers = models.VisibilityMembers // signed-in members
)

// Document is what the index holds for one searchable entity. A Source
// builds it from the database; nothing that its audience may not read goes
// into it (a draft, a pending revision, the contact of an organisation, the
// identity behind an anonymous response), since everything in it can come
// out again in a hit, a snippet, a count or a suggestion.
type Document struct {
	Kind     string
	ID       uint
	Slug     string
	Language string // ISO 639-1; its analyzer reads Title, Summary and Body
	Title    string
	Summary  string
	Body     string // plain text
	// Extra is more text, indexed only in the language-neutral field: names
	// of organisations and places.
	Extra     string
	Countries []string
	Topics    []string
	Sectors   []string
	// Indicators are the forced-labour indicators a note describes.
	Indicators []string
	OrgType    string
	Date       time.Time // publication, for sorting by date and the year facet
	Audience   string
	// Family is the slug of the original of a practice note's translations
	// (its own slug for an original); empty for other kinds.
	Family string
}

// Source builds the documents of one kind from the database. The indexer
// calls Load for every outbox entry of its kind (reloading the entity by
// id: the outbox says what changed, the database what it is now), and a
// rebuild calls Count and Scan. To make a new kind searchable: write its
// Source, add it to Config.Sources (DefaultSources), and have the store
// write an outbox row of that kind in the transaction of every change.
type Source interface {
	Kind() string
	// Load returns the document of one entity, or nil (and no error) when
	// it is not searchable (any more): deleted, a draft, unpublished.
	Load(ctx context.Context, id uint) (*Document, error)
	// Count says about how many documents Scan will give (for progress).
	Count(ctx context.Context) (int, error)
	// Scan gives every searchable document of the kind. A rebuild makes
	// its segments of one language each where it can (bulk.go): a Scan
	// that gives a language's documents together, as notes do, makes it
	// faster.
	Scan(ctx context.Context, fn func(*Document) error) error
}

// outboxKinder is a Source whose outbox rows carry another kind than its
// documents (national notes are found as "pathway").
type outboxKinder interface{ OutboxKind() string }

func outboxKind(s Source) string {
	if o, ok := s.(outboxKinder); ok {
		return o.OutboxKind()
	}
	return s.Kind()
}

// DefaultSources are the kinds indexed.
func DefaultSources(store *models.Store) []Source {
	return []Source{practiceSource{store}, organisationSource{store},
		consultationSource{store}, responseSource{store}, pathwaySource{store}}
}

// scanPage is how many entities a Scan loads at a time (a variable for
// tests: smallSegments).
var scanPage = 500

// scanPages is a Scan in the order of a cursor (an id, or a language and an
// id), scanPage entities at a time: page loads those after a cursor (the
// zero cursor: from the first), cursor reads one's, doc makes its document.
func scanPages[T, C any](ctx context.Context, page func(context.Context, C, int) ([]T, error),
	cursor func(*T) C, doc func(*T) *Document, fn func(*Document) error) error {
	var after C
	for {
		list, err := page(ctx, after, scanPage)
		if err != nil || len(list) == 0 {
			return err
		}
		for i := range list {
			if err := fn(doc(&list[i])); err != nil {
				return err
			}
		}
		after = cursor(&list[len(list)-1])
	}
}

// plainText turns the sanitized HTML of a note, an organisation's
// description, a consultation or a pathway note into the text a reader
// sees, on one line: the text of every element (entities decoded), none of
// script, style and the like (as a strict sanitizer drops them), words of
// two blocks kept apart (the end of a paragraph, a list item, a cell or a
// heading, a line break), every run of white space one space. It reads the
// HTML with the tokenizer a sanitizer reads it with (golang.org/x/net/html),
// once: a strict sanitizer, a replacer for the block ends, unescaping and
// splitting on spaces each read the whole text again (3-4% of a full
// build's CPU time). TestPlainTextAsSanitizer compares the two.
func plainText(h string) string {
	var b strings.Builder
	b.Grow(len(h))
	space := false // a space is due before the next word
	skip := 0      // inside elements whose content is not text
	z := nethtml.NewTokenizer(strings.NewReader(h))
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			return b.String()
		case nethtml.TextToken:
			if skip > 0 {
				continue
			}
			for _, r := range string(z.Text()) {
				if unicode.IsSpace(r) {
					space = true
					continue
				}
				if space && b.Len() > 0 {
					b.WriteByte(' ')
				}
				space = false
				b.WriteRune(r)
			}
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case skipContent[a] && tt == nethtml.StartTagToken:
				skip++
			case skipContent[a] && tt == nethtml.EndTagToken:
				skip = max(skip-1, 0)
			case a == atom.Br || (tt == nethtml.EndTagToken && blockEnd[a]):
				space = true
			}
		}
	}
}

// blockEnd is the elements whose end ends a word.
var blockEnd = map[atom.Atom]bool{atom.P: true, atom.Li: true, atom.Td: true, atom.Th: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Div: true, atom.Tr: true, atom.Dd: true, atom.Dt: true}

// skipContent is the elements whose content a strict sanitizer drops
// (bluemonday's setOfElementsToSkipContent).
var skipContent = map[atom.Atom]bool{atom.Frameset: true, atom.Iframe: true, atom.Noembed: true,
	atom.Noframes: true, atom.Noscript: true, atom.Object: true, atom.Script: true, atom.Style: true,
	atom.Title: true}

type practiceSource struct {
	store *models.Store
}

func (practiceSource) Kind() string { return KindPractice }

func (s practiceSource) Load(ctx context.Context, id uint) (*Document, error) {
	p, err := s.store.PracticeByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && p.Status != models.StatusPublished) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.document(p), nil
}

func (s practiceSource) Count(ctx context.Context) (int, error) {
	n, err := s.store.CountPublishedPractices(ctx)
	return int(n), err
}

func (s practiceSource) Scan(ctx context.Context, fn func(*Document) error) error {
	return scanPages(ctx, s.store.PublishedPracticesAfter, (*models.Practice).ScanCursor, s.document, fn)
}

func (s practiceSource) document(p *models.Practice) *Document {
	d := &Document{Kind: KindPractice, ID: p.ID, Slug: p.Slug, Language: p.Language,
		Title: p.Title, Summary: p.Summary, Body: plainText(p.BodyHTML),
		Countries: p.Countries, Topics: p.Topics, Sectors: p.Sectors, Indicators: p.Indicators, Audience: AudienceMembers,
		Family: p.TranslationRoot()}
	if p.Visibility == models.VisibilityPublic {
		d.Audience = AudiencePublic
	}
	if p.PublishedAt != nil {
		d.Date = *p.PublishedAt
	}
	if o := p.Organisation; o != nil && o.Status == models.OrgApproved {
		d.OrgType, d.Extra = o.Type, o.Name+"\n"+o.City
	}
	return d
}

type organisationSource struct {
	store *models.Store
}

func (organisationSource) Kind() string { return KindOrganisation }

func (s organisationSource) Load(ctx context.Context, id uint) (*Document, error) {
	o, err := s.store.OrganisationByID(ctx, id)
	if errors.Is(err, models.ErrNotFound) || (err == nil && o.Status != models.OrgApproved) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.document(o), nil
}

func (s organisationSource) Count(ctx context.Context) (int, error) {
	n, err := s.store.CountApprovedOrganisations(ctx)
	return int(n), err
}

func (s organisationSource) Scan(ctx context.Context, fn func(*Document) error) error {
	return scanPages(ctx, s.store.ApprovedOrganisationsAfter, func(e *models.Organisation) uint { return e.ID }, s.document, fn)
}

// document indexes what the directory shows everyone: never the
// members-only contact.
func (s organisationSource) document(o *models.Organisation) *Document {
	body := plainText(o.DescriptionHTML)
	return &Document{Kind: KindOrganisation, ID: o.ID, Slug: o.Slug,
		Language: detectLanguage(body, o.Languages), Title: o.Name, Summary: o.City, Body: body,
		Extra: o.Name + "\n" + o.City + "\n" + o.Website, Countries: []string{o.Country},
		OrgType: o.Type, Date: o.CreatedAt, Audience: AudiencePublic}
}

func docID(kind string, id uint) string { return kind + ":" + strconv.FormatUint(uint64(id), 10) }

func parseDocID(s string) (kind string, id uint, ok bool) {
	kind, n, ok := strings.Cut(s, ":")
	if !ok {
		return "", 0, false
	}
	v, err := strconv.ParseUint(n, 10, 64)
	return kind, uint(v), err == nil
}

// maxStoredBody bounds the text kept for snippets.
const maxStoredBody = 20000

// fields maps a document to the index's fields.
func (d *Document) fields() map[string]any {
	f, _ := d.fieldsShared()
	return f
}

// sharedText is what a document's language field and its neutral field
// both read: the language field's value, where in it begins the text that
// the neutral field takes its words from (neutralText), and what the
// neutral field adds after them (names of the organisation and place). A
// full build tokenises the text once for both (memo.go, shareTokens).
type sharedText struct {
	body     string
	textFrom int
	extra    string
}

// fieldsShared is fields, and the text that its language and neutral
// fields share (nil when the document has no language field).
func (d *Document) fieldsShared() (map[string]any, *sharedText) {
	text := d.Title + "\n" + d.Summary + "\n" + d.Body
	var shared *sharedText
	f := map[string]any{
		fKind: d.Kind, fLang: d.Language, fAudience: d.Audience,
		fCountry: d.Countries, fTopic: d.Topics, fSector: d.Sectors, fTag: append(slices.Clone(d.Indicators), d.Topics...),
		fNeutral: neutralText(text) + "\n" + d.Extra,
		sTitle:   d.Title, sSummary: d.Summary, sBody: truncate(d.Body, maxStoredBody),
		sSlug: d.Slug, sCountries: strings.Join(d.Countries, " "),
	}
	if knownLanguage(d.Language) {
		body := d.Title + "\n" + text
		f[bodyField(d.Language)] = body
		shared = &sharedText{body: body, textFrom: len(d.Title) + 1, extra: d.Extra}
	}
	if d.OrgType != "" {
		f[fOrgType] = d.OrgType
	}
	if d.Family != "" {
		f[fFamily] = d.Family
	}
	if d.Kind != KindResponse { // a response's title is its consultation's
		f[fSuggest] = suggestTerms(d.Title)
	}
	if !d.Date.IsZero() {
		f[fYear] = strconv.Itoa(d.Date.Year())
		f[fDate] = fmt.Sprintf("%012d", max(0, d.Date.Unix()))
	}
	return f, shared
}

// neutralText is what of a document's own text goes into the neutral
// field: every word of neutralMinRunes characters or more, and shorter ones
// that carry a capital letter or a digit (names, acronyms, numbers, codes).
// Each is kept with what is attached to it, so that the neutral analyzer
// splits it as it would in the sentence (a space always ends a word).
// Shorter words are nearly all stop words or their own stems, found in the
// language's field, which the query analyses with the same rules; dropping
// them takes a seventh of the neutral field's terms (154 → 133 a note in
// the benchmark corpus) off a build. Dropping more costs relevance, since
// the neutral field is also where the exact form of a word outscores its
// stem: in TestUDHRRelevance, capitalised words only gave 725 of 744, words
// of five letters and more 735, of four and more 737, as every word did.
// Typo tolerance looks for words of five letters or more in this field.
func neutralText(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for chunk := range strings.FieldsSeq(text) {
		if utf8.RuneCountInString(chunk) < neutralMinRunes && !strings.ContainsFunc(chunk, upperOrDigit) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(chunk)
	}
	return b.String()
}

// neutralMinRunes: see neutralText.
const neutralMinRunes = 4

func upperOrDigit(r rune) bool { return unicode.IsUpper(r) || unicode.IsDigit(r) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
