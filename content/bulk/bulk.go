// Package bulk fills an empty database with a large, realistic demo corpus
// (`proact demo --notes N --organisations M`): the input of the load tests
// in BENCHMARKS.md. Notes are made of the real sentences of the shared
// corpora (../shared/corpora/sentences, one file per language), never of
// generated filler, and the same options always give the same database.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"proact/models"
)

// Options say how much to make and where the sentences are.
type Options struct {
	Notes         int
	Organisations int
	// Sentences is the folder of LANG.txt files, one sentence a line.
	Sentences string
	// Progress, when not nil, receives a progress bar and the rate.
	Progress io.Writer
	// Now dates the notes (up to it); zero: the real clock.
	Now time.Time
}

// Result counts what was made.
type Result struct {
	Organisations, Notes, Versions, Translations, MembersOnly, Published int
	Elapsed                                                              time.Duration
}

// languageCountries are the countries where each language is spoken, the
// first most often: a note in a language is mostly about those.
var languageCountries = map[string][]string{
	"bg": {"BG"}, "cs": {"CZ"}, "da": {"DK"}, "de": {"DE", "AT", "LU", "BE"}, "el": {"GR", "CY"},
	"en": {"IE", "MT", "EU"}, "es": {"ES"}, "et": {"EE"}, "fi": {"FI"}, "fr": {"FR", "BE", "LU"},
	"ga": {"IE"}, "hr": {"HR"}, "hu": {"HU"}, "it": {"IT"}, "lt": {"LT"}, "lv": {"LV"}, "nl": {"NL", "BE"},
	"pl": {"PL"}, "pt": {"PT"}, "ro": {"RO"}, "sk": {"SK"}, "sl": {"SI"}, "sv": {"SE", "FI"},
}

// origins are countries people come from, named as further countries.
var origins = []string{"RO", "BG", "PL", "UA", "MD", "IN", "PK", "BD", "NP", "PH", "VN", "MA", "NG", "SN", "UZ"}

// ReadSentences reads dir/*.txt: language code → sentences, languages in
// name order.
func ReadSentences(dir string) ([]string, map[string][]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("bulk: no sentences (LANG.txt) in %s: pass --sentences, the corpora's sentences folder", dir)
	}
	slices.Sort(files)
	var langs []string
	out := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("bulk: %w", err)
		}
		lang := strings.TrimSuffix(filepath.Base(f), ".txt")
		if !models.Languages().Has(lang) {
			continue
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out[lang] = append(out[lang], line)
			}
		}
		if len(out[lang]) > 0 {
			langs = append(langs, lang)
		}
	}
	if len(langs) == 0 {
		return nil, nil, fmt.Errorf("bulk: no sentences in a known language in %s", dir)
	}
	return langs, out, nil
}

// ErrNotEmpty: the database already holds notes.
var ErrNotEmpty = errors.New("bulk: the database already holds practice notes: fill an empty one")

// Generate fills the store. Organisations spread over the countries of the
// languages, every type and referral stage, most approved (one in twenty
// pending, one in fifty suspended). Note i is in a language drawn with the
// eight most spoken languages of the network twice as likely; 8 to 15
// sentences of it make the title (cut to 120 characters), the summary and
// the body in paragraphs; one to three countries (mostly where the
// language is spoken, at times a country of origin), topics, sectors,
// indicators, target groups, a stage, an evidence level, an organisation of
// its country, a date over the last seven years. Every tenth note is
// members-only; one in five is a translation of the note before it (in
// another language); one in three has a second version and one in seven a
// third; one in fifty is still a draft and one in a hundred archived.
func Generate(ctx context.Context, store *models.Store, o Options) (Result, error) {
	start := time.Now()
	var res Result
	if o.Notes < 0 || o.Organisations < 1 {
		return res, errors.New("bulk: --notes must be 0 or more and --organisations 1 or more")
	}
	var existing int64
	if err := store.DB().WithContext(ctx).Model(&models.Practice{}).Count(&existing).Error; err != nil {
		return res, err
	}
	if existing > 0 {
		return res, ErrNotEmpty
	}
	langs, sentences, err := ReadSentences(o.Sentences)
	if err != nil {
		return res, err
	}
	now := o.Now
	if now.IsZero() {
		now = time.Now().UTC()
	}
	r := rand.New(rand.NewPCG(uint64(o.Notes), uint64(o.Organisations)))
	bar := newProgress(o.Progress, o.Organisations+o.Notes)

	// Organisations.
	types, services, stages := models.OrganisationTypes().Terms(), models.Services().Terms(), models.ReferralStages().Terms()
	byCountry := map[string][]uint{}
	for i := range o.Organisations {
		lang := langs[i%len(langs)]
		home := languageCountries[lang]
		if len(home) == 0 {
			home = []string{"EU"}
		}
		country := home[(i/len(langs))%len(home)]
		desc := sentences[lang][r.IntN(len(sentences[lang]))] + " " + sentences[lang][r.IntN(len(sentences[lang]))]
		status := models.OrgApproved
		switch {
		case i%20 == 19:
			status = models.OrgPending
		case i%50 == 48:
			status = models.OrgSuspended
		}
		org := &models.Organisation{
			Slug: fmt.Sprintf("demo-org-%05d", i), Name: fmt.Sprintf("%s %05d", orgName(types[i%len(types)]), i),
			Country: country, City: "City of " + country, Type: types[i%len(types)], Status: status,
			DescriptionMD: desc, DescriptionHTML: "<p>" + html.EscapeString(desc) + "</p>",
			Website: fmt.Sprintf("https://org-%05d.example.org", i), PublicEmail: fmt.Sprintf("contact@org-%05d.example.org", i),
			Services:       pick(r, services, 1+r.IntN(3)),
			ReferralStages: pick(r, stages, 1+r.IntN(2)),
			Languages:      uniqAppend([]string{lang}, langs[r.IntN(len(langs))]),
			Demo:           true,
		}
		if err := store.SaveOrganisation(ctx, org); err != nil {
			return res, err
		}
		if status == models.OrgApproved {
			byCountry[country] = append(byCountry[country], org.ID)
		}
		res.Organisations++
		bar.step(1)
	}

	// Notes, a few hundred per transaction.
	var weighted []string
	for _, l := range langs {
		weighted = append(weighted, l)
		if strings.Contains(" en de fr es it pl ro nl ", " "+l+" ") {
			weighted = append(weighted, l)
		}
	}
	topics, sectors, indicators := models.Topics().Terms(), models.Sectors().Terms(), models.Indicators().Terms()
	targets, pstages, evidence := models.TargetGroups().Terms(), models.PracticeStages().Terms(), models.EvidenceLevels().Terms()
	span := 7 * 365 * 24 * time.Hour
	var prev *models.Practice
	const batch = 250
	analysed := 500 // notes when the planner's statistics were last gathered
	for first := 0; first < o.Notes; first += batch {
		if first >= 2*analysed {
			// Statistics that follow the growth: a planner that last saw
			// an empty table reads all of it for lookups by a column (a
			// server without autovacuum, or one that lags behind a bulk
			// load, never gathers them). Seen on PostgreSQL without
			// autovacuum: at 18,000 notes, 35 reads of the whole practices
			// table a second and about 30 notes/s; after one ANALYZE, none
			// and 123 notes/s.
			if err := store.DB().WithContext(ctx).Exec("ANALYZE").Error; err != nil {
				return res, err
			}
			analysed = first
		}
		err := store.WithTx(ctx, func(tx *models.Store) error {
			for i := first; i < min(o.Notes, first+batch); i++ {
				lang := weighted[r.IntN(len(weighted))]
				translation := i%5 == 4 && prev != nil && prev.TranslationOf == ""
				if translation {
					for lang == prev.Language {
						lang = weighted[r.IntN(len(weighted))]
					}
				}
				p := note(r, sentences[lang], lang)
				p.Slug = fmt.Sprintf("demo-%s-%06d", lang, i)
				home := languageCountries[lang]
				p.Countries = []string{home[r.IntN(len(home))]}
				for extra := r.IntN(3); extra > 0; extra-- {
					if r.IntN(2) == 0 {
						p.Countries = uniqAppend(p.Countries, origins[r.IntN(len(origins))])
					} else {
						p.Countries = uniqAppend(p.Countries, home[r.IntN(len(home))])
					}
				}
				p.Topics = pick(r, topics, 1+r.IntN(3))
				p.Sectors = pick(r, sectors, 1+r.IntN(2))
				p.Indicators = pick(r, indicators, r.IntN(4))
				p.TargetGroups = pick(r, targets, 1+r.IntN(2))
				p.Stage, p.Evidence = pstages[r.IntN(len(pstages))], evidence[r.IntN(len(evidence))]
				p.Visibility, p.Status = models.VisibilityPublic, models.StatusPublished
				switch {
				case i%50 == 17:
					p.Status = models.StatusDraft
				case i%100 == 33:
					p.Status = models.StatusArchived
				}
				if translation {
					p.TranslationOf = prev.Slug
					p.Countries, p.Topics, p.Sectors, p.Visibility = prev.Countries, prev.Topics, prev.Sectors, prev.Visibility
					p.OrganisationID = prev.OrganisationID
					res.Translations++
				} else if ids := byCountry[p.Countries[0]]; len(ids) > 0 {
					id := ids[r.IntN(len(ids))]
					p.OrganisationID = &id
				}
				if i%10 == 9 {
					p.Visibility = models.VisibilityMembers
				}
				if p.Status != models.StatusDraft {
					at := now.Add(-time.Duration(r.Int64N(int64(span))))
					p.PublishedAt = &at
				}
				versions := 1
				if i%3 == 0 {
					versions++
				}
				if i%7 == 0 {
					versions++
				}
				for v := range versions {
					if v > 0 {
						// A later version: the summary reworded, a paragraph added.
						extra := sentences[lang][r.IntN(len(sentences[lang]))]
						p.Summary = extra
						p.BodyMD += extra + "\n\n"
						p.BodyHTML += "<p>" + html.EscapeString(extra) + "</p>\n"
					}
					if err := tx.SavePractice(ctx, p); err != nil {
						return err
					}
					res.Versions++
				}
				res.Notes++
				if p.Visibility == models.VisibilityMembers {
					res.MembersOnly++
				}
				if p.Status == models.StatusPublished {
					res.Published++
				}
				prev = p
				bar.step(1)
			}
			return nil
		})
		if err != nil {
			return res, err
		}
	}
	if err := store.DB().WithContext(ctx).Exec("ANALYZE").Error; err != nil {
		return res, err
	}
	bar.done()
	res.Elapsed = time.Since(start)
	return res, nil
}

// note makes the text of a note from 8 to 15 sentences of its language.
func note(r *rand.Rand, pool []string, lang string) *models.Practice {
	k := 8 + r.IntN(8)
	picked := make([]string, k)
	for j := range picked {
		picked[j] = pool[r.IntN(len(pool))]
	}
	title := []rune(picked[0])
	if len(title) > 120 {
		title = title[:120]
	}
	var md, htm strings.Builder
	for j := 2; j < k; {
		m := min(k-j, 2+r.IntN(2))
		para := strings.Join(picked[j:j+m], " ")
		md.WriteString(para + "\n\n")
		htm.WriteString("<p>" + html.EscapeString(para) + "</p>\n")
		j += m
	}
	return &models.Practice{
		Title: strings.TrimSpace(string(title)), Summary: picked[1], Language: lang,
		BodyMD: md.String(), BodyHTML: htm.String(),
	}
}

func orgName(typ string) string {
	if typ == "" {
		return "Organisation"
	}
	return strings.ToUpper(typ[:1]) + strings.ReplaceAll(typ[1:], "-", " ")
}

// pick returns n distinct terms of the vocabulary, in its order.
func pick(r *rand.Rand, terms []string, n int) []string {
	n = min(n, len(terms))
	idx := r.Perm(len(terms))[:n]
	slices.Sort(idx)
	out := make([]string, n)
	for i, j := range idx {
		out[i] = terms[j]
	}
	return out
}

func uniqAppend(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// progress draws a bar with the count and the rate on one line.
type progress struct {
	w          io.Writer
	total, n   int
	start, ago time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, start: time.Now()}
}

func (p *progress) step(k int) {
	p.n += k
	if p.w == nil || (time.Since(p.ago) < 500*time.Millisecond && p.n < p.total) {
		return
	}
	p.ago = time.Now()
	const width = 30
	filled := width
	if p.total > 0 {
		filled = width * p.n / p.total
	}
	rate := float64(p.n) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d  %.0f/s  ", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), p.n, p.total, rate)
}

func (p *progress) done() {
	if p.w != nil {
		p.ago = time.Time{}
		p.step(0)
		fmt.Fprintln(p.w)
	}
}
