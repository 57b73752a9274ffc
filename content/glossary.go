package content

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"
)

// The glossary of the field: concepts of labour exploitation and trafficking
// for forced labour with their terms in the 24 official EU languages. Search
// uses it to expand a query typed in one language into every other.

//go:embed glossary.yaml
var glossaryYAML []byte

// glossaryLanguages are the 24 official languages of the EU: every concept
// has terms in each of them.
var glossaryLanguages = []string{
	"bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt",
	"lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
}

// glossaryCategories are the kinds of concept, in the order the file lists them.
var glossaryCategories = []string{
	"indicator", "exploitation", "actor", "service", "remedy", "sector", "document", "process",
}

// Limits that keep a hostile or mistaken proposal from bloating every
// expanded query.
const (
	maxGlossaryBytes = 4 << 20
	maxTermRunes     = 120
	maxTermsPerLang  = 20
)

// Concept is one idea of the field with its terms per language (ISO 639-1
// code → terms); the first term of a language is the preferred one.
type Concept struct {
	ID       string
	Category string
	Terms    map[string][]string
}

// Glossary is a validated set of concepts. It is never changed after it is
// built (Merge returns a new one), so one value can be shared by every
// goroutine.
type Glossary struct {
	concepts []Concept // sorted by ID
	overlaps map[[2]string]bool
	// lines remembers where each concept ("id") and each of its languages
	// ("id/lang") was written, so that Merge can point at the proposal's line.
	lines map[string]int
}

// GlossaryError is one problem of a glossary file or of a merge. Line is the
// line of the file (0 when the problem has no single place).
type GlossaryError struct {
	Line     int
	Concept  string
	Language string
	Problem  string
}

func (e *GlossaryError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Concept != "" {
		fmt.Fprintf(&b, "concept %q: ", e.Concept)
	}
	if e.Language != "" {
		fmt.Fprintf(&b, "language %q: ", e.Language)
	}
	b.WriteString(e.Problem)
	return b.String()
}

// embeddedGlossary parses the embedded file once: it is a constant of the
// binary, and the result is immutable.
var embeddedGlossary = sync.OnceValues(func() (*Glossary, error) {
	return ParseGlossary(bytes.NewReader(glossaryYAML))
})

// LoadGlossary returns the glossary embedded in the binary
// (content/glossary.yaml). It is parsed on the first call only.
func LoadGlossary() (*Glossary, error) { return embeddedGlossary() }

// ParseGlossary reads and validates a complete glossary: every concept has
// terms in all 24 languages. All problems are returned at once (joined
// *GlossaryError values), so a file can be fixed in one go.
func ParseGlossary(r io.Reader) (*Glossary, error) { return parseGlossary(r, true) }

// ParseProposal reads a moderator's proposal: the same format as the
// glossary, but a concept may list only some languages, because a concept
// that is already in the glossary only gains the terms it lists. Whether a
// new concept is complete, and whether its terms clash with the glossary's,
// is checked by Merge.
func ParseProposal(r io.Reader) (*Glossary, error) { return parseGlossary(r, false) }

func parseGlossary(r io.Reader, complete bool) (*Glossary, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxGlossaryBytes+1))
	if err != nil {
		return nil, fmt.Errorf("content: unable to read the glossary: %w", err)
	}
	if len(data) > maxGlossaryBytes {
		return nil, &GlossaryError{Problem: fmt.Sprintf("the file is larger than %d MiB", maxGlossaryBytes>>20)}
	}
	g, errs := decodeGlossary(data)
	errs = append(errs, g.check(complete, complete, nil)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g, nil
}

// Concepts returns a copy of the concepts, sorted by ID.
func (g *Glossary) Concepts() []Concept {
	out := make([]Concept, len(g.concepts))
	for i, c := range g.concepts {
		out[i] = c.clone()
	}
	return out
}

// Languages returns the language codes the glossary has terms in, sorted.
func (g *Glossary) Languages() []string {
	seen := map[string]bool{}
	for _, c := range g.concepts {
		for lang := range c.Terms {
			seen[lang] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Merge returns a new glossary with other's concepts added to g's; g and
// other are unchanged. A concept of other whose ID is new must have terms in
// all 24 languages; one whose ID exists must have the same category, and its
// terms are added after the existing ones (the preferred term stays). A term
// that already names another concept in the same language is a conflict,
// unless one of the two concepts lists the other under overlaps.
func (g *Glossary) Merge(other *Glossary) (*Glossary, error) {
	m := &Glossary{overlaps: maps.Clone(g.overlaps), lines: map[string]int{}}
	maps.Copy(m.overlaps, other.overlaps)
	byID := map[string]int{}
	for _, c := range g.concepts {
		byID[c.ID] = len(m.concepts)
		m.concepts = append(m.concepts, c.clone())
	}
	var errs []error
	proposed := map[string]bool{}
	for _, oc := range other.concepts {
		maps.Copy(m.lines, other.linesOf(oc))
		i, ok := byID[oc.ID]
		if !ok {
			proposed[oc.ID] = true
			m.concepts = append(m.concepts, oc.clone())
			continue
		}
		c := &m.concepts[i]
		if c.Category != oc.Category {
			errs = append(errs, &GlossaryError{Line: other.lines[oc.ID], Concept: oc.ID,
				Problem: fmt.Sprintf("category %q differs from the glossary's %q", oc.Category, c.Category)})
			continue
		}
		fold := cases.Fold()
		for lang, terms := range oc.Terms {
			for _, t := range terms {
				if !slices.ContainsFunc(c.Terms[lang], func(s string) bool { return fold.String(s) == fold.String(t) }) {
					proposed[oc.ID+"/"+lang] = true
					c.Terms[lang] = append(c.Terms[lang], t)
				}
			}
		}
	}
	slices.SortFunc(m.concepts, func(a, b Concept) int { return strings.Compare(a.ID, b.ID) })
	// The glossary itself is valid; check what the proposal brings, against
	// all of it.
	errs = append(errs, m.check(true, true, proposed)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

func (c Concept) clone() Concept {
	out := Concept{ID: c.ID, Category: c.Category, Terms: make(map[string][]string, len(c.Terms))}
	for lang, terms := range c.Terms {
		out.Terms[lang] = slices.Clone(terms)
	}
	return out
}

func (g *Glossary) linesOf(c Concept) map[string]int {
	out := map[string]int{c.ID: g.lines[c.ID]}
	for lang := range c.Terms {
		out[c.ID+"/"+lang] = g.lines[c.ID+"/"+lang]
	}
	return out
}

// check validates what decodeGlossary cannot see in one concept alone, or
// what a merge can change: duplicate IDs, overlaps that name no concept, a
// term shared by two concepts, too many terms, and (when complete) a missing
// language. When only is set (a
// merge), missing languages and shared terms are reported only where they
// touch the concepts ("id") and languages ("id/lang") it names: the rest is
// the glossary, which is valid already.
func (g *Glossary) check(complete, knownOverlaps bool, only map[string]bool) []error {
	var errs []error
	touched := func(id, lang string) bool { return only == nil || only[id] || only[id+"/"+lang] }
	report := func(id, lang, problem string) {
		key := id
		if lang != "" && g.lines[id+"/"+lang] > 0 {
			key = id + "/" + lang
		}
		errs = append(errs, &GlossaryError{Line: g.lines[key], Concept: id, Language: lang, Problem: problem})
	}
	ids := map[string]bool{}
	for i, c := range g.concepts {
		if i > 0 && g.concepts[i-1].ID == c.ID {
			report(c.ID, "", "the id is used by another concept too")
		}
		ids[c.ID] = true
	}
	if knownOverlaps {
		for _, pair := range slices.SortedFunc(maps.Keys(g.overlaps), func(a, b [2]string) int {
			return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1])
		}) {
			for i, id := range pair {
				if !ids[id] {
					report(pair[1-i], "", fmt.Sprintf("overlaps names %q, which is not a concept", id))
				}
			}
		}
	}
	fold := cases.Fold()
	owners := map[string][]string{} // "lang\x00folded term" → concept IDs
	for _, c := range g.concepts {
		for _, lang := range glossaryLanguages {
			terms, ok := c.Terms[lang]
			if !ok {
				// A concept without any terms has been reported already.
				if complete && c.Terms != nil && touched(c.ID, lang) {
					report(c.ID, lang, "terms are missing in this language")
				}
				continue
			}
			if len(terms) > maxTermsPerLang && touched(c.ID, lang) {
				report(c.ID, lang, fmt.Sprintf("%d terms; at most %d are allowed in one language", len(terms), maxTermsPerLang))
			}
			for _, t := range terms {
				key := lang + "\x00" + fold.String(t)
				for _, o := range owners[key] {
					switch {
					case o == c.ID || g.overlaps[overlapPair(o, c.ID)]:
					case touched(c.ID, lang):
						report(c.ID, lang, fmt.Sprintf("term %q is also a term of concept %q (list it under overlaps if both are meant)", t, o))
					case touched(o, lang):
						report(o, lang, fmt.Sprintf("term %q is also a term of concept %q (list it under overlaps if both are meant)", t, c.ID))
					}
				}
				owners[key] = append(owners[key], c.ID)
			}
		}
	}
	return errs
}

func overlapPair(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

// decodeGlossary walks the YAML nodes itself, rather than decoding into
// structs, so that every problem carries its line and unknown fields,
// repeated keys and aliases are refused.
func decodeGlossary(data []byte) (*Glossary, []error) {
	g := &Glossary{overlaps: map[[2]string]bool{}, lines: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return g, []error{&GlossaryError{Problem: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	if len(doc.Content) == 0 {
		return g, []error{&GlossaryError{Problem: "the file is empty; it needs a list of concepts under \"concepts:\""}}
	}
	if a := findAlias(&doc); a != nil {
		return g, []error{&GlossaryError{Line: a.Line, Problem: "aliases (*name) are not allowed; write each concept out"}}
	}
	root := doc.Content[0]
	var errs []error
	fail := func(n *yaml.Node, id, lang, problem string) {
		errs = append(errs, &GlossaryError{Line: n.Line, Concept: id, Language: lang, Problem: problem})
	}
	var list *yaml.Node
	eachPair(root, func(k, v *yaml.Node) {
		if k.Value != "concepts" {
			fail(k, "", "", fmt.Sprintf("unknown field %q (the file has one field, concepts)", k.Value))
			return
		}
		list = v
	}, func(n *yaml.Node, problem string) { fail(n, "", "", problem) })
	if list == nil || list.Kind != yaml.SequenceNode {
		if len(errs) == 0 {
			fail(root, "", "", "the file needs a list of concepts under \"concepts:\"")
		}
		return g, errs
	}
	for _, n := range list.Content {
		c, cerrs := decodeConcept(n, g.lines, g.overlaps)
		errs = append(errs, cerrs...)
		if c.ID != "" {
			g.concepts = append(g.concepts, c)
		}
	}
	slices.SortStableFunc(g.concepts, func(a, b Concept) int { return strings.Compare(a.ID, b.ID) })
	return g, errs
}

// findAlias returns the first alias in the tree, if any: a glossary has no
// use for them, and refusing them rules out alias bombs.
func findAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := findAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// eachPair calls fn for each key and value of a mapping node, refusing
// aliases, non-scalar keys and repeated keys.
func eachPair(n *yaml.Node, fn func(k, v *yaml.Node), fail func(*yaml.Node, string)) {
	if n.Kind != yaml.MappingNode {
		fail(n, "expected a mapping (key: value lines)")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			fail(k, "a key must be plain text")
		case seen[k.Value]:
			fail(k, fmt.Sprintf("%q is given twice", k.Value))
		default:
			seen[k.Value] = true
			fn(k, v)
		}
	}
}

func decodeConcept(n *yaml.Node, lines map[string]int, overlaps map[[2]string]bool) (Concept, []error) {
	var c Concept
	var errs []error
	fail := func(at *yaml.Node, lang, problem string) {
		errs = append(errs, &GlossaryError{Line: at.Line, Concept: c.ID, Language: lang, Problem: problem})
	}
	var idNode, catNode, termsNode, overlapsNode *yaml.Node
	var unknown []*yaml.Node
	eachPair(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "id":
			idNode = v
		case "category":
			catNode = v
		case "terms":
			termsNode = v
		case "overlaps":
			overlapsNode = v
		default:
			unknown = append(unknown, k)
		}
	}, func(at *yaml.Node, problem string) { fail(at, "", problem) })
	if n.Kind != yaml.MappingNode {
		return c, errs
	}
	if id := scalar(idNode); ValidSlug(id) {
		c.ID = id // first, so that every problem below names the concept
	}
	for _, k := range unknown {
		fail(k, "", fmt.Sprintf("unknown field %q (a concept has id, category, terms and overlaps)", k.Value))
	}
	switch id := scalar(idNode); {
	case idNode == nil:
		fail(n, "", "the concept has no id")
	case !ValidSlug(id):
		fail(idNode, "", fmt.Sprintf("id %q must be an English slug: lower-case letters, digits and single hyphens", id))
	default:
		lines[id] = n.Line
	}
	switch cat := scalar(catNode); {
	case catNode == nil:
		fail(n, "", "the concept has no category")
	case !slices.Contains(glossaryCategories, cat):
		fail(catNode, "", fmt.Sprintf("unknown category %q (one of %s)", cat, strings.Join(glossaryCategories, ", ")))
	default:
		c.Category = cat
	}
	if overlapsNode != nil {
		for _, o := range scalars(overlapsNode, func(at *yaml.Node, p string) { fail(at, "", "overlaps: "+p) }) {
			if o == c.ID || !ValidSlug(o) {
				fail(overlapsNode, "", fmt.Sprintf("overlaps: %q is not another concept's id", o))
			} else if c.ID != "" {
				overlaps[overlapPair(c.ID, o)] = true
			}
		}
	}
	if termsNode == nil {
		fail(n, "", "the concept has no terms")
		return c, errs
	}
	c.Terms = map[string][]string{}
	fold := cases.Fold()
	eachPair(termsNode, func(k, v *yaml.Node) {
		lang := k.Value
		if !slices.Contains(glossaryLanguages, lang) {
			fail(k, lang, "unknown language code (one of the 24 EU languages: "+strings.Join(glossaryLanguages, ", ")+")")
			return
		}
		lines[c.ID+"/"+lang] = k.Line
		var terms []string
		seen := map[string]bool{}
		raw := scalars(v, func(at *yaml.Node, p string) { fail(at, lang, p) })
		for _, r := range raw {
			t, problem := normaliseTerm(r)
			switch f := fold.String(t); {
			case problem != "":
				fail(v, lang, problem)
			case seen[f]:
				fail(v, lang, fmt.Sprintf("term %q is listed twice", t))
			default:
				seen[f] = true
				terms = append(terms, t)
			}
		}
		if len(raw) == 0 {
			fail(k, lang, "no terms are given")
		}
		// Kept even when empty: the problem is reported, and the language is
		// not then reported as missing too.
		c.Terms[lang] = terms
	}, func(at *yaml.Node, problem string) { fail(at, "", "terms: "+problem) })
	return c, errs
}

// scalar is the text of a scalar node; "" for anything else or null.
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return ""
	}
	return n.Value
}

// scalars reads a list of texts, or one text standing alone. Nulls come back
// as "" so that an empty term is reported, not skipped.
func scalars(n *yaml.Node, fail func(*yaml.Node, string)) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{scalar(n)}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				fail(item, "expected a term (text), found a list or mapping")
				continue
			}
			out = append(out, scalar(item))
		}
		return out
	}
	fail(n, "expected a term or a list of terms")
	return nil
}

// normaliseTerm returns the term in NFC with single spaces, so that a term
// typed with combining accents or a stray double space is the same term; or
// the reason it cannot be one.
func normaliseTerm(raw string) (string, string) {
	t := norm.NFC.String(strings.Join(strings.Fields(raw), " "))
	switch {
	case t == "":
		return "", "empty term"
	case !utf8.ValidString(t):
		return "", "the term is not valid UTF-8"
	case utf8.RuneCountInString(t) > maxTermRunes:
		return "", fmt.Sprintf("term %q is longer than %d characters", string([]rune(t)[:40])+"...", maxTermRunes)
	case strings.IndexFunc(t, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return "", fmt.Sprintf("term %q contains control or invisible formatting characters", t)
	}
	return t, ""
}
