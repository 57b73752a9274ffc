package search

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Query is a search as a reader asks it. Values outside the controlled
// lists are ignored (Normalise), so a crafted URL cannot reach the index.
type Query struct {
	Text string
	// Filters: several values of one combine with OR, filters with AND.
	Kinds, Languages, Countries, Topics, Sectors, OrgTypes, Years []string
	Sort                                                          string // SortRelevance (default) or SortDate
	Page                                                          int    // 1-based
	PerPage                                                       int
	// NoExpand switches glossary expansion off.
	NoExpand bool
	// NoGroup lists every language version of a practice note as a hit of
	// its own, instead of one hit per translation family.
	NoGroup bool
}

// Sort orders.
const (
	SortRelevance = "relevance"
	SortDate      = "date"
)

// Limits on what a query may ask.
const (
	MaxQueryRunes  = 300
	DefaultPerPage = 20
	MaxPerPage     = 100
	MaxPage        = 50 // deeper than 5,000 hits, a reader refines the query
	maxWords       = 24
	maxFilterVals  = 20
)

// Normalise drops unknown filter values and clamps paging and length.
func (q Query) Normalise() Query {
	if utf8.RuneCountInString(q.Text) > MaxQueryRunes {
		q.Text = string([]rune(q.Text)[:MaxQueryRunes])
	}
	keep := func(vals []string, ok func(string) bool) []string {
		var out []string
		for _, v := range vals {
			if ok(v) && !slices.Contains(out, v) && len(out) < maxFilterVals {
				out = append(out, v)
			}
		}
		return out
	}
	q.Kinds = keep(q.Kinds, func(k string) bool { return slices.Contains(Kinds, k) })
	q.Languages = keep(q.Languages, knownLanguage)
	q.Countries = keep(q.Countries, knownCountry)
	q.Topics = keep(q.Topics, knownTopic)
	q.Sectors = keep(q.Sectors, knownSector)
	q.OrgTypes = keep(q.OrgTypes, knownOrgType)
	q.Years = keep(q.Years, isYear)
	if q.Sort != SortDate {
		q.Sort = SortRelevance
	}
	if q.PerPage <= 0 || q.PerPage > MaxPerPage {
		q.PerPage = DefaultPerPage
	}
	q.Page = min(max(q.Page, 1), MaxPage)
	return q
}

func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s >= "1990" && s <= "2100"
}

// filters maps facet fields to the values chosen.
func (q Query) filters() map[string][]string {
	return map[string][]string{fKind: q.Kinds, fLang: q.Languages, fCountry: q.Countries,
		fTopic: q.Topics, fSector: q.Sectors, fOrgType: q.OrgTypes, fYear: q.Years}
}

// word is one element of a query: a word or a "quoted phrase", and where it
// is in the text.
type word struct {
	text       string
	phrase     bool
	start, end int
}

// parsed is a query's structure: groups of words that must all match,
// joined by OR, and words that must not match (-word, -"phrase").
type parsed struct {
	groups  [][]word
	exclude []word
}

// parse reads the query syntax: "phrases in quotes", -word or -"phrase" to
// exclude, OR (in capitals) between alternatives; everything else is words
// that must all match. Unbalanced quotes end at the end of the text.
func parse(text string) parsed {
	var p parsed
	var group []word
	flush := func() {
		if len(group) > 0 {
			p.groups = append(p.groups, group)
			group = nil
		}
	}
	n := 0
	for i := 0; i < len(text) && n < maxWords; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		neg := false
		if r == '-' && i+1 < len(text) && !unicode.IsSpace(rune(text[i+1])) {
			neg, i = true, i+1
		}
		w := word{start: i}
		if i < len(text) && (text[i] == '"' || strings.HasPrefix(text[i:], "“") || strings.HasPrefix(text[i:], "„")) {
			_, qs := utf8.DecodeRuneInString(text[i:])
			i += qs
			w.start = i
			end := strings.IndexAny(text[i:], "\"”“")
			if end < 0 {
				end = len(text) - i
			}
			w.text, w.phrase, w.end = text[i:i+end], true, i+end
			i += end
			if i < len(text) {
				_, qs := utf8.DecodeRuneInString(text[i:])
				i += qs
			}
		} else {
			end := strings.IndexFunc(text[i:], unicode.IsSpace)
			if end < 0 {
				end = len(text) - i
			}
			w.text, w.end = text[i:i+end], i+end
			i += end
		}
		if strings.TrimSpace(w.text) == "" {
			continue
		}
		if (neg && repeated(p.exclude, w)) || (!neg && repeated(group, w)) {
			continue // the same word again asks nothing more, and costs a query
		}
		n++
		switch {
		case neg:
			p.exclude = append(p.exclude, w)
		case w.text == "OR" && !w.phrase:
			flush()
		default:
			group = append(group, w)
		}
	}
	flush()
	return p
}

// repeated reports whether words holds w already (the same text, both
// phrases or both words).
func repeated(words []word, w word) bool {
	for _, x := range words {
		if x.phrase == w.phrase && x.text == w.text {
			return true
		}
	}
	return false
}

// plan is a query turned into what the index is asked: the Bleve query, and
// the terms to highlight per field language ("" for the neutral field).
type plan struct {
	q         query.Query
	highlight map[string]map[string]bool
	expanded  []ExpandedConcept
	fuzzy     bool
}

// Boosts: a glossary expansion counts less than the words typed; an exact
// form (neutral field) a little more than a stem.
const (
	boostExpansion = 0.4
	boostNeutral   = 1.2
)

// builder turns parsed queries into Bleve queries over the fields of the
// languages that have documents.
type builder struct {
	langs  []string
	an     map[string]analysis.Analyzer
	gloss  *glossary
	expand bool
	fuzzy  bool // typo tolerance for words of five letters or more
	// relaxed: a group of words matches a document that has all of them
	// but one (see Search).
	relaxed bool
	hl      map[string]map[string]bool
	// fuzzyLeft is how many more words may get typo tolerance in this
	// query: each is a scan of the neutral field's dictionary.
	fuzzyLeft int
	// analysed holds what this search's words gave in each language, so
	// that each is analysed once per language: for the glossary, for the
	// query, and again for a second, typo-tolerant plan. It lives as long
	// as one search.
	analysed map[analysedKey]analysis.TokenStream
}

type analysedKey struct{ lang, text string }

// maxFuzzyWords bounds the words of one query that get typo tolerance: 24
// long misspelt words took 0.4 s at 3,000 notes, growing with the index.
const maxFuzzyWords = 6

func (b *builder) mark(lang, term string) {
	if b.hl[lang] == nil {
		b.hl[lang] = map[string]bool{}
	}
	b.hl[lang][term] = true
}

// tokens analyses text as the fields of lang ("" neutral) do. The tokens
// are shared: read them, never change them.
func (b *builder) tokens(lang, text string) analysis.TokenStream {
	a, ok := b.an[lang]
	if !ok {
		return nil
	}
	k := analysedKey{lang, text}
	if ts, ok := b.analysed[k]; ok {
		return ts
	}
	ts := a.Analyze([]byte(text))
	if b.analysed == nil {
		b.analysed = map[analysedKey]analysis.TokenStream{}
	}
	b.analysed[k] = ts
	return ts
}

// wordQuery matches one word or phrase in field, as analysed for lang; nil
// when the analyzer drops it entirely (a stop word).
func (b *builder) wordQuery(lang, field string, w word, boost float64) query.Query {
	ts := b.tokens(lang, w.text)
	if len(ts) == 0 {
		return nil
	}
	for _, t := range ts {
		b.mark(lang, string(t.Term))
	}
	var q query.Query
	switch {
	case len(ts) == 1:
		tq := query.NewTermQuery(string(ts[0].Term))
		tq.SetField(field)
		tq.SetBoost(boost)
		q = tq
	case lang == "": // no positions in the neutral field: every token, anywhere
		var all []query.Query
		for _, t := range ts {
			tq := query.NewTermQuery(string(t.Term))
			tq.SetField(field)
			tq.SetBoost(boost)
			all = append(all, tq)
		}
		q = query.NewConjunctionQuery(all)
	default:
		pq := query.NewMultiPhraseQuery(phraseSlots(ts), field)
		pq.SetBoost(boost)
		q = pq
	}
	if b.fuzzy && lang == "" && !w.phrase && len(ts) == 1 && b.fuzzyLeft > 0 {
		if n := utf8.RuneCount(ts[0].Term); n >= 5 {
			b.fuzzyLeft--
			fq := query.NewFuzzyQuery(string(ts[0].Term))
			fq.SetField(field)
			fq.SetFuzziness(1 + btoi(n >= 8))
			fq.SetPrefix(1)
			fq.SetBoost(boost * 0.5)
			return query.NewDisjunctionQuery([]query.Query{q, fq})
		}
	}
	return q
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// conceptQuery matches any term of a concept in the body field of lang.
func (b *builder) conceptQuery(lang string, c int) query.Query {
	forms := b.gloss.concepts[c].forms[lang]
	if len(forms) == 0 {
		return nil
	}
	var alts []query.Query
	for _, slots := range forms {
		for _, s := range slots {
			for _, t := range s {
				b.mark(lang, t)
			}
		}
		if len(slots) == 1 && len(slots[0]) == 1 {
			tq := query.NewTermQuery(slots[0][0])
			tq.SetField(bodyField(lang))
			tq.SetBoost(boostExpansion)
			alts = append(alts, tq)
			continue
		}
		pq := query.NewMultiPhraseQuery(slots, bodyField(lang))
		pq.SetBoost(boostExpansion)
		alts = append(alts, pq)
	}
	return query.NewDisjunctionQuery(alts)
}

// groupQuery: every word of the group must match, in the fields of one
// language (or the neutral field); a run of words that names a glossary
// concept may instead match any of the concept's terms in that language.
func (b *builder) groupQuery(text string, g []word, matches []match) query.Query {
	stop := b.stopWords(g)
	var perLang []query.Query
	for _, lang := range append(slices.Clone(b.langs), "") {
		field, boost := bodyField(lang), 1.0
		if lang == "" {
			field, boost = fNeutral, boostNeutral
		}
		// wide: the concepts of two words or more; must: the rest.
		var wide, must []query.Query
		covered := make([]bool, len(g))
		if lang != "" && b.expand {
			for _, m := range matches {
				cq := b.conceptQuery(lang, m.concept)
				var typed []query.Query
				for i, w := range g {
					if w.start < m.end && m.start < w.end {
						covered[i] = true
						if wq := b.wordQuery(lang, field, w, boost); wq != nil {
							typed = append(typed, wq)
						}
					}
				}
				var alts []query.Query
				if len(typed) > 0 {
					alts = append(alts, query.NewConjunctionQuery(typed))
				}
				if cq != nil {
					alts = append(alts, cq)
				}
				switch {
				case len(alts) == 0:
				case len(g)-missed(g, m) > 1:
					wide = append(wide, query.NewDisjunctionQuery(alts))
				default:
					must = append(must, query.NewDisjunctionQuery(alts))
				}
			}
		}
		for i, w := range g {
			if covered[i] || stop[i] {
				continue
			}
			wq := b.wordQuery(lang, field, w, boost)
			if wq == nil {
				continue // a stop word of this language
			}
			must = append(must, wq)
		}
		all := slices.Concat(wide, must)
		switch {
		case len(all) == 0:
		case len(all) == 1:
			perLang = append(perLang, all[0])
		case b.relaxed:
			perLang = append(perLang, allButOne(wide, must))
		default:
			perLang = append(perLang, query.NewConjunctionQuery(all))
		}
	}
	// A concept that is the whole group also finds what is tagged with it
	// (relaxed: the whole group but one word).
	for _, m := range matches {
		if n := missed(g, m); b.expand && (n == 0 || b.relaxed && n == 1) {
			tq := query.NewTermQuery(b.gloss.concepts[m.concept].ID)
			tq.SetField(fTag)
			tq.SetBoost(boostExpansion)
			perLang = append(perLang, tq)
		}
	}
	if len(perLang) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(perLang)
}

// allButOne matches all the words but one: every concept of two words or
// more (wide: missing, it would be two words missing), and all but one of
// the rest, in a disjunction whose coord ranks a document with more of
// them higher.
func allButOne(wide, rest []query.Query) query.Query {
	all := slices.Clone(wide)
	if len(rest) > 1 { // one alone is the one left out
		d := query.NewDisjunctionQuery(rest)
		d.SetMin(float64(len(rest) - 1))
		all = append(all, d)
	}
	if len(all) == 1 {
		return all[0]
	}
	return query.NewConjunctionQuery(all)
}

// stopWords marks, for a relaxed plan, the words of the group that the
// analyzer of some language of the index drops: left in, "the" or "de"
// would be one of "all the words but one" in every other language's
// fields and in the neutral one, and "the muncitori" would find every
// document with "the". None is marked for any other plan.
func (b *builder) stopWords(g []word) []bool {
	if !b.relaxed {
		return make([]bool, len(g))
	}
	stop := make([]bool, len(g))
	for i, w := range g {
		if w.phrase {
			continue
		}
		for _, lang := range b.langs {
			if _, ok := b.an[lang]; ok && len(b.tokens(lang, w.text)) == 0 {
				stop[i] = true
				break
			}
		}
	}
	return stop
}

// relaxable reports whether a relaxed plan (builder.relaxed) can find
// more than the plan as typed: some group has two words or more.
func relaxable(text string) bool {
	for _, g := range parse(text).groups {
		if len(g) > 1 {
			return true
		}
	}
	return false
}

// missed is how many words of the group the find does not span (a phrase
// is never spanned).
func missed(g []word, m match) int {
	n := 0
	for _, w := range g {
		if w.phrase || !(w.start < m.end && m.start < w.end) {
			n++
		}
	}
	return n
}

// excludeQuery matches a document that contains the word in any field.
func (b *builder) excludeQuery(w word) query.Query {
	var any []query.Query
	for _, lang := range append(slices.Clone(b.langs), "") {
		field := bodyField(lang)
		if lang == "" {
			field = fNeutral
		}
		saved := b.hl
		b.hl = map[string]map[string]bool{} // excluded words are never highlighted
		if q := b.wordQuery(lang, field, w, 1); q != nil {
			any = append(any, q)
		}
		b.hl = saved
	}
	if len(any) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(any)
}

// build turns the text into a plan; nil query when nothing in it can match.
func (b *builder) build(text string) plan {
	b.hl = map[string]map[string]bool{}
	b.fuzzyLeft = maxFuzzyWords
	p := parse(text)
	pl := plan{highlight: b.hl, fuzzy: b.fuzzy}
	var matches []match
	if b.expand && b.gloss != nil {
		// The glossary is looked for in the words typed, not in phrases'
		// inside nor in what is excluded.
		matches = b.gloss.find(text, b.tokens, b.gloss.langs)
		matches = slices.DeleteFunc(matches, func(m match) bool { return !coversWords(p, m) })
		for _, m := range matches {
			pl.expanded = append(pl.expanded, b.gloss.expanded(m, text))
		}
	}
	var groups []query.Query
	for _, g := range p.groups {
		if q := b.groupQuery(text, g, matches); q != nil {
			groups = append(groups, q)
		}
	}
	if len(groups) == 0 {
		return pl
	}
	var top query.Query = query.NewDisjunctionQuery(groups)
	var not []query.Query
	for _, w := range p.exclude {
		if q := b.excludeQuery(w); q != nil {
			not = append(not, q)
		}
	}
	if len(not) > 0 {
		top = query.NewBooleanQuery([]query.Query{top}, nil, not)
	}
	pl.q = top
	return pl
}

// coversWords reports whether a glossary find spans whole words of a
// group (not part of a phrase or an exclusion).
func coversWords(p parsed, m match) bool {
	for _, g := range p.groups {
		for _, w := range g {
			if w.phrase && w.start < m.end && m.start < w.end {
				return false
			}
		}
	}
	for _, w := range p.exclude {
		if w.start < m.end && m.start < w.end {
			return false
		}
	}
	return true
}
