package modelstest

import (
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"proact/models"
)

// The large benchmark corpora (10,000 and 100,000 notes) of the search
// benchmarks: real sentences, realistic metadata, built deterministically.

// BigCorpusVersion changes whenever BigCorpus builds different notes, so
// that a cached database of an older recipe is not reused.
const BigCorpusVersion = 1

// Sentences returns the sentences corpus: language code → sentences, for
// the languages of corpora/sentences, in name order (see CorpusFiles: it
// skips without the corpus, and fails in CI).
func Sentences(tb testing.TB) ([]string, map[string][]string) {
	tb.Helper()
	files := CorpusFiles(tb, filepath.Join("sentences", "*.txt"))
	langs := make([]string, 0, len(files))
	out := map[string][]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		lang := strings.TrimSuffix(filepath.Base(f), ".txt")
		langs = append(langs, lang)
		for line := range strings.SplitSeq(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out[lang] = append(out[lang], line)
			}
		}
	}
	return langs, out
}

// languageCountries are the countries where each language is spoken, the
// first most often: a note in a language is mostly about those.
var languageCountries = map[string][]string{
	"bg": {"BG"}, "cs": {"CZ"}, "da": {"DK"}, "de": {"DE", "AT", "LU", "BE"}, "el": {"GR", "CY"},
	"en": {"IE", "MT", "EU", "GB"}, "es": {"ES"}, "et": {"EE"}, "fi": {"FI"}, "fr": {"FR", "BE", "LU"},
	"ga": {"IE"}, "hr": {"HR"}, "hu": {"HU"}, "it": {"IT"}, "lt": {"LT"}, "lv": {"LV"}, "nl": {"NL", "BE"},
	"pl": {"PL"}, "pt": {"PT"}, "ro": {"RO"}, "sk": {"SK"}, "sl": {"SI"}, "sv": {"SE", "FI"},
}

// origins are countries people come from, named as second countries.
var origins = []string{"RO", "BG", "PL", "UA", "MD", "IN", "PK", "BD", "NP", "PH", "VN", "MA", "NG", "SN", "UZ"}

// BigCorpusOrganisations is how many organisations the notes belong to.
const BigCorpusOrganisations = 240

// BigCorpus returns n published notes and the organisations they belong
// to. Note i is in a language drawn with English, German, French, Spanish,
// Italian, Polish, Romanian and Dutch twice as likely as the others; it
// takes 8 to 15 sentences of that language (drawn at random, with
// replacement, from its 1,000): the first cut to 120 characters is the
// title, the second the summary, the rest the body in paragraphs of two or
// three. One to three countries (mostly where the language is spoken, at
// times a country of origin), one to three topics, one or two sectors, a
// stage, an organisation of the note's main country when there is one, a
// publication date between 2019 and 2026; every tenth note is members-only.
// The same n always gives the same notes.
func BigCorpus(tb testing.TB, n int) ([]*models.Practice, []*models.Organisation) {
	tb.Helper()
	langs, sentences := Sentences(tb)
	r := rand.New(rand.NewPCG(uint64(n), BigCorpusVersion))
	var weighted []string
	for _, l := range langs {
		weighted = append(weighted, l)
		if strings.Contains("en de fr es it pl ro nl", l) {
			weighted = append(weighted, l)
		}
	}
	orgTypes := models.OrganisationTypes().Terms()
	orgs := make([]*models.Organisation, BigCorpusOrganisations)
	byCountry := map[string][]int{}
	for i := range orgs {
		lang := langs[i%len(langs)]
		country := languageCountries[lang][i/len(langs)%len(languageCountries[lang])]
		orgs[i] = &models.Organisation{
			Slug: fmt.Sprintf("bench-org-%03d", i), Name: fmt.Sprintf("Bench organisation %03d %s", i, country),
			Country: country, City: "City " + country, Type: orgTypes[i%len(orgTypes)], Status: models.OrgApproved,
			DescriptionMD:   sentences[lang][i%len(sentences[lang])],
			DescriptionHTML: "<p>" + html.EscapeString(sentences[lang][i%len(sentences[lang])]) + "</p>",
			Languages:       []string{lang},
		}
		byCountry[country] = append(byCountry[country], i)
	}
	topics, sectors, stages := models.Topics().Terms(), models.Sectors().Terms(), models.PracticeStages().Terms()
	base := time.Date(2019, 1, 1, 8, 0, 0, 0, time.UTC)
	span := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC).Sub(base)
	notes := make([]*models.Practice, n)
	for i := range notes {
		lang := weighted[r.IntN(len(weighted))]
		pool := sentences[lang]
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
		home := languageCountries[lang]
		countries := []string{home[r.IntN(len(home))]}
		for extra := r.IntN(3); extra > 0; extra-- {
			if r.IntN(2) == 0 {
				countries = append(countries, origins[r.IntN(len(origins))])
			} else {
				countries = append(countries, home[r.IntN(len(home))])
			}
		}
		var ts []string
		for range 1 + r.IntN(3) {
			ts = append(ts, topics[r.IntN(len(topics))])
		}
		ss := []string{sectors[r.IntN(len(sectors))]}
		if r.IntN(3) == 0 {
			ss = append(ss, sectors[r.IntN(len(sectors))])
		}
		visibility := models.VisibilityPublic
		if i%10 == 9 {
			visibility = models.VisibilityMembers
		}
		published := base.Add(time.Duration(r.Int64N(int64(span))))
		p := &models.Practice{
			Slug:  fmt.Sprintf("bench-%s-%06d", lang, i),
			Title: strings.TrimSpace(string(title)), Summary: picked[1], Language: lang,
			Stage: stages[r.IntN(len(stages))], Visibility: visibility, Status: models.StatusPublished,
			BodyMD: md.String(), BodyHTML: htm.String(), PublishedAt: &published,
			Countries: countries, Topics: ts, Sectors: ss,
		}
		if list := byCountry[countries[0]]; len(list) > 0 {
			p.Organisation = orgs[list[r.IntN(len(list))]]
		}
		notes[i] = p
	}
	return notes, orgs
}

// BigCorpusStore returns a database of dialect d holding BigCorpus(n),
// saved through the store's own methods. On SQLite the database is built
// once and kept in the cache folder (PROACT_BENCH_CACHE, or the system's
// temporary folder), then copied for each use: building 100,000 notes takes
// minutes.
func BigCorpusStore(tb testing.TB, d models.Dialect, n int) *models.Store {
	tb.Helper()
	if d == models.SQLite {
		cache := os.Getenv("PROACT_BENCH_CACHE")
		if cache == "" {
			cache = filepath.Join(os.TempDir(), "proact-bench")
		}
		file := filepath.Join(cache, fmt.Sprintf("corpus-%d-v%d-m%d.db", n, BigCorpusVersion, latestMigration(tb)))
		if _, err := os.Stat(file); err != nil && !migrateOlderCorpus(tb, cache, file, n) {
			buildSQLiteCorpus(tb, file, n)
		}
		dir := tb.TempDir()
		if err := copyFile(file, filepath.Join(dir, "proact.db")); err != nil {
			tb.Fatal(err)
		}
		db, _, err := models.Open(context.Background(), "", dir)
		if err != nil {
			tb.Fatal(err)
		}
		store := models.NewStore(db, d)
		tb.Cleanup(func() { _ = store.Close() })
		return store
	}
	store := New(tb, d)
	seedBigCorpus(tb, store, n)
	return store
}

func latestMigration(tb testing.TB) int64 {
	store := New(tb, models.SQLite)
	st, err := models.Schema(context.Background(), store.DB(), models.SQLite)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Latest
}

// migrateOlderCorpus makes file from the newest corpus of n notes kept
// under an older schema, migrated forward (a migration that does not touch
// the notes would otherwise cost a rebuild of minutes). It reports whether
// it did.
func migrateOlderCorpus(tb testing.TB, cache, file string, n int) bool {
	tb.Helper()
	older, _ := filepath.Glob(filepath.Join(cache, fmt.Sprintf("corpus-%d-v%d-m*.db", n, BigCorpusVersion)))
	var best string
	var bestM int64 = -1
	for _, f := range older {
		var m int64
		if _, err := fmt.Sscanf(filepath.Base(f), fmt.Sprintf("corpus-%d-v%d-m%%d.db", n, BigCorpusVersion), &m); err == nil && m > bestM && f != file {
			best, bestM = f, m
		}
	}
	if best == "" {
		return false
	}
	tmp := tb.TempDir()
	if err := copyFile(best, filepath.Join(tmp, "proact.db")); err != nil {
		tb.Fatal(err)
	}
	db, _, err := models.Open(context.Background(), "", tmp)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := models.Migrate(context.Background(), db, models.SQLite); err != nil {
		tb.Fatal(err)
	}
	keepCorpus(tb, models.NewStore(db, models.SQLite), tmp, file)
	return true
}

func buildSQLiteCorpus(tb testing.TB, file string, n int) {
	tb.Helper()
	tmp := tb.TempDir()
	db, _, err := models.Open(context.Background(), "", tmp)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := models.Migrate(context.Background(), db, models.SQLite); err != nil {
		tb.Fatal(err)
	}
	store := models.NewStore(db, models.SQLite)
	seedBigCorpus(tb, store, n)
	keepCorpus(tb, store, tmp, file)
}

// keepCorpus closes store, whose database is in folder tmp, and puts that
// database at file whole (written beside it, then renamed).
func keepCorpus(tb testing.TB, store *models.Store, tmp, file string) {
	tb.Helper()
	if err := store.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
		tb.Fatal(err)
	}
	_ = store.Close()
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		tb.Fatal(err)
	}
	if err := copyFile(filepath.Join(tmp, "proact.db"), file+".tmp"); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(file+".tmp", file); err != nil {
		tb.Fatal(err)
	}
}

// seedBigCorpus saves the organisations, then the notes, a thousand per
// transaction.
func seedBigCorpus(tb testing.TB, store *models.Store, n int) {
	tb.Helper()
	notes, orgs := BigCorpus(tb, n)
	ctx := context.Background()
	for _, o := range orgs {
		if err := store.SaveOrganisation(ctx, o); err != nil {
			tb.Fatal(err)
		}
	}
	for start := 0; start < len(notes); start += 1000 {
		err := store.WithTx(ctx, func(tx *models.Store) error {
			for _, p := range notes[start:min(len(notes), start+1000)] {
				if p.Organisation != nil {
					id := p.Organisation.ID
					p.OrganisationID = &id
				}
				if err := tx.SavePractice(ctx, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatalf("seeding notes: %v", err)
		}
	}
	if store.Dialect() == models.Postgres {
		if err := store.DB().Exec("ANALYZE").Error; err != nil {
			tb.Fatal(err)
		}
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
