package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Practice statuses: only published notes are shown to readers. A note is
// written (draft), submitted for review, returned to its authors with the
// moderator's comments or published; a published note may be archived. The
// same states, but archived and published, describe a pending revision of a
// published note (Practice.Pending).
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusReturned  = "returned"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Visibility values.
const (
	VisibilityPublic  = "public"
	VisibilityMembers = "members"
)

// Practice is a practice note: a good or promising practice written by a
// member. Its row holds what readers see: the published version, or, for a
// note never published, its latest draft. Every saved version is a
// PracticeRevision; Version is the newest one, PublishedVersion the one
// published (0: none yet).
type Practice struct {
	ID             uint
	Slug           string
	Title          string
	Summary        string
	Language       string
	Stage          string
	Evidence       string
	Visibility     string
	Status         string
	OrganisationID *uint
	TranslationOf  string
	BodyMD         string `gorm:"column:body_md"`
	BodyHTML       string `gorm:"column:body_html"`
	Version        int
	PublishedAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Pending is the review state of a newer version of a published note
	// ("" when there is none): draft, submitted or returned.
	Pending          string
	PublishedVersion int
	// RevisedAt is when the published version was published.
	RevisedAt   *time.Time
	CreatedBy   *uint
	SubmittedBy *uint
	SubmittedAt *time.Time

	Organisation *Organisation `gorm:"-"`
	// Terms are loaded from practice_terms.
	Countries    []string `gorm:"-"`
	Topics       []string `gorm:"-"`
	Sectors      []string `gorm:"-"`
	Indicators   []string `gorm:"-"`
	TargetGroups []string `gorm:"-"`
}

// termSets maps a vocabulary name to the practice's slice of terms, so that
// loading and saving terms is one loop for every list.
func (p *Practice) termSets() map[string]*[]string {
	return map[string]*[]string{
		Countries().Name():    &p.Countries,
		Topics().Name():       &p.Topics,
		Sectors().Name():      &p.Sectors,
		Indicators().Name():   &p.Indicators,
		TargetGroups().Name(): &p.TargetGroups,
	}
}

// PracticeTerm is one vocabulary term attached to a practice.
type PracticeTerm struct {
	PracticeID uint
	Vocab      string
	Term       string
}

// practiceListing is how the list of notes pages and sorts.
var practiceListing = listing{perPage: 20, maxPerPage: 100, sorts: []sortOrder{
	by("newest", "published_at DESC, id DESC"),
	by("oldest", "published_at ASC, id ASC"),
	by("title", "title ASC, id ASC"),
}}

// PracticeSortNames lists the accepted sort names, the default first.
func PracticeSortNames() []string { return practiceListing.sortNames() }

// PracticeFilter selects published practice notes. Empty fields do not filter.
type PracticeFilter struct {
	Country  string
	Language string
	Topic    string
	Sector   string
	OrgID    uint
	// Group lists a note and its translations once, as one card (when no
	// language is chosen): the version in Prefer if there is one, else the
	// original, else the oldest translation.
	Group bool
	// Prefer is the reader's language: notes in it come first, and it is
	// the version a group shows.
	Prefer string
	ListOptions

	// Indicator is a forced-labour indicator: the coverage matrix and note
	// pages link to it.
	Indicator string
	// Target is a target group: note pages link to it.
	Target string
}

// Normalise drops values that are not in their vocabulary and clamps paging,
// so a crafted URL can neither inject nor ask for a million rows.
func (f PracticeFilter) Normalise() PracticeFilter {
	if !Countries().Has(f.Country) {
		f.Country = ""
	}
	if !Languages().Has(f.Language) {
		f.Language = ""
	}
	if !Topics().Has(f.Topic) {
		f.Topic = ""
	}
	if !Sectors().Has(f.Sector) {
		f.Sector = ""
	}
	if !Indicators().Has(f.Indicator) {
		f.Indicator = ""
	}
	if !TargetGroups().Has(f.Target) {
		f.Target = ""
	}
	if !Languages().Has(f.Prefer) {
		f.Prefer = ""
	}
	f.ListOptions = practiceListing.normalise(f.ListOptions)
	return f
}

// visiblePractices is the one place that decides which notes a viewer may read.
func (s *Store) visiblePractices(ctx context.Context, v Viewer) *gorm.DB {
	q := s.conn(ctx).Model(&Practice{}).Where("practices.status = ?", StatusPublished)
	if !v.SeesMembersOnly() {
		q = q.Where("practices.visibility = ?", VisibilityPublic)
	}
	return q
}

func withTerm(q *gorm.DB, vocab, term string) *gorm.DB {
	if term == "" {
		return q
	}
	return q.Where("practices.id IN (SELECT practice_id FROM practice_terms WHERE vocab = ? AND term = ?)", vocab, term)
}

// translationRoot is the SQL of Practice.TranslationRoot: the slug that
// names a note's group of translations.
func translationRoot(table string) string {
	return "CASE WHEN " + table + ".translation_of = '' THEN " + table + ".slug ELSE " + table + ".translation_of END"
}

// languageRank orders the versions of a group: the preferred language, then
// the original, then the others.
func languageRank(table string) string {
	return "CASE WHEN " + table + ".language = @prefer THEN 0 WHEN " + table + ".translation_of = '' THEN 1 ELSE 2 END"
}

// matching restricts q (on table) to the notes that pass the filter's terms,
// language and organisation.
func matching(q *gorm.DB, table string, f PracticeFilter) *gorm.DB {
	for _, t := range []struct{ vocab, term string }{
		{Countries().Name(), f.Country}, {Topics().Name(), f.Topic}, {Sectors().Name(), f.Sector},
		{Indicators().Name(), f.Indicator}, {TargetGroups().Name(), f.Target},
	} {
		if t.term != "" {
			q = q.Where(table+".id IN (SELECT practice_id FROM practice_terms WHERE vocab = ? AND term = ?)", t.vocab, t.term)
		}
	}
	if f.Language != "" {
		q = q.Where(table+".language = ?", f.Language)
	}
	if f.OrgID != 0 {
		q = q.Where(table+".organisation_id = ?", f.OrgID)
	}
	return q
}

func (s *Store) filteredPractices(ctx context.Context, v Viewer, f PracticeFilter) *gorm.DB {
	q := matching(s.visiblePractices(ctx, v), "practices", f)
	if f.Group && f.Language == "" {
		// One card per group: a note is left out when a better version of
		// its group (languageRank, then the lower id) is visible and
		// passes the same filters.
		better := matching(s.conn(ctx).Table("practices AS o").Select("1").
			Where("o.status = ?", StatusPublished), "o", f).
			Where("(o.slug = "+translationRoot("practices")+" OR o.translation_of = "+translationRoot("practices")+")").
			Where("o.id <> practices.id").
			Where("("+languageRank("o")+" < "+languageRank("practices")+" OR ("+languageRank("o")+" = "+languageRank("practices")+" AND o.id < practices.id))",
				sql.Named("prefer", f.Prefer))
		if !v.SeesMembersOnly() {
			better = better.Where("o.visibility = ?", VisibilityPublic)
		}
		q = q.Where("NOT EXISTS (?)", better)
	}
	return q
}

// ListPractices returns one page of the practice notes the viewer may read,
// newest first unless the filter says otherwise, and the total count.
// Pages are kept per content version (see cached): a list is read from the
// database once after each change.
func (s *Store) ListPractices(ctx context.Context, v Viewer, f PracticeFilter) ([]Practice, int64, error) {
	f = f.Normalise()
	type page struct {
		list  []Practice
		total int64
	}
	p, err := cached(ctx, s, fmt.Sprintf("practices:%s:%+v", viewerClass(v), f), func() (page, error) {
		list, total, err := s.listPractices(ctx, v, f)
		return page{list, total}, err
	})
	return slices.Clone(p.list), p.total, err
}

func (s *Store) listPractices(ctx context.Context, v Viewer, f PracticeFilter) ([]Practice, int64, error) {
	if unfilteredGroup(f) {
		// The kept families (families.go), not a count of the corpus.
		return s.listFamilies(ctx, v, f)
	}
	return s.countedPractices(ctx, v, f)
}

// countedPractices is listPractices from the notes themselves: what the
// kept families must always give for the grouped list (tests).
func (s *Store) countedPractices(ctx context.Context, v Viewer, f PracticeFilter) ([]Practice, int64, error) {
	var total int64
	if !f.Group && f.unfiltered() {
		// Unfiltered: the kept count, not a count of the corpus.
		counts, err := s.facetCounts(ctx, v, "")
		if err != nil {
			return nil, 0, err
		}
		for _, c := range counts[""] {
			total += c.Count
		}
	} else if err := s.filteredPractices(ctx, v, f).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("models: unable to count practices: %w", err)
	}
	var list []Practice
	q := s.filteredPractices(ctx, v, f).Omit("body_md", "body_html")
	if f.Prefer != "" && f.Language == "" {
		// Normalise keeps only a code of the languages' allow-list (two
		// letters), so it may stand in the SQL: GORM drops an ORDER BY
		// expression with parameters when the sort's columns follow.
		q = q.Order("CASE WHEN practices.language = '" + f.Prefer + "' THEN 0 ELSE 1 END")
	}
	err := practiceListing.page(q, f.ListOptions).Find(&list).Error
	if err != nil {
		return nil, 0, fmt.Errorf("models: unable to list practices: %w", err)
	}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, 0, err
	}
	return list, total, nil
}

// PracticeBySlug returns a published note the viewer may read, or ErrNotFound
// (also when it exists but is members-only and the viewer is anonymous).
func (s *Store) PracticeBySlug(ctx context.Context, v Viewer, slug string) (*Practice, error) {
	var p Practice
	err := s.visiblePractices(ctx, v).Where("practices.slug = ?", slug).Take(&p).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load practice %q: %w", slug, notFound(err))
	}
	list := []Practice{p}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// PracticeByID loads any practice by id, whatever its status: for the indexer
// and exports, which apply their own visibility rules.
func (s *Store) PracticeByID(ctx context.Context, id uint) (*Practice, error) {
	var p Practice
	if err := s.conn(ctx).Take(&p, "id = ?", id).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load practice %d: %w", id, notFound(err))
	}
	list := []Practice{p}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// AllPractices returns every practice note with its terms, in slug order: for
// export and reindexing.
func (s *Store) AllPractices(ctx context.Context) ([]Practice, error) {
	var list []Practice
	if err := s.conn(ctx).Order("slug").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list practices: %w", err)
	}
	if err := s.loadPracticeRelations(ctx, list); err != nil {
		return nil, err
	}
	return list, nil
}

// PracticeSlugs lists the slug of every note, whatever its state (the
// importer checks translation_of against them): one column, so it stays
// one query at any size, where AllPractices loads every relation.
func (s *Store) PracticeSlugs(ctx context.Context) ([]string, error) {
	var slugs []string
	if err := s.conn(ctx).Model(&Practice{}).Order("slug").Pluck("slug", &slugs).Error; err != nil {
		return nil, fmt.Errorf("models: unable to list the notes' slugs: %w", err)
	}
	return slugs, nil
}

// PracticesByIDs loads the notes with these ids that the viewer may read, in
// the order of ids (a search ranking); others are left out.
func (s *Store) PracticesByIDs(ctx context.Context, v Viewer, ids []uint) ([]Practice, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var found []Practice
	q := s.visiblePractices(ctx, v)
	if s.dialect == SQLite {
		// Without this SQLite scans the listing index (status, visibility)
		// instead of looking the ids up by primary key: NOT INDEXED still
		// allows rowid lookups. A search shows each page through here.
		q = q.Table("practices NOT INDEXED")
	}
	if err := q.Omit("body_md", "body_html").Where("practices.id IN ?", ids).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("models: unable to load practices: %w", err)
	}
	if err := s.loadPracticeRelations(ctx, found); err != nil {
		return nil, err
	}
	byID := make(map[uint]Practice, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	out := make([]Practice, 0, len(found))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// Translations returns the other published language versions of a note that
// the viewer may read: the original and every note that translates it.
func (s *Store) Translations(ctx context.Context, v Viewer, p *Practice) ([]Practice, error) {
	root := p.Slug
	if p.TranslationOf != "" {
		root = p.TranslationOf
	}
	var list []Practice
	err := s.visiblePractices(ctx, v).
		Select("id", "slug", "title", "language").
		Where("(practices.slug = ? OR practices.translation_of = ?) AND practices.id <> ?", root, root, p.ID).
		Order("language").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load translations: %w", err)
	}
	return list, nil
}

// TranslationGroups returns, for each of the roots (slugs of originals), the
// published notes of its group the viewer may read: the original and its
// translations, by language. One query for a whole list.
func (s *Store) TranslationGroups(ctx context.Context, v Viewer, roots []string) (map[string][]Practice, error) {
	if len(roots) == 0 {
		return map[string][]Practice{}, nil
	}
	roots = uniq(roots)
	return cached(ctx, s, "translations:"+viewerClass(v)+":"+strings.Join(roots, "\x00"), func() (map[string][]Practice, error) {
		return s.translationGroups(ctx, v, roots)
	})
}

func (s *Store) translationGroups(ctx context.Context, v Viewer, roots []string) (map[string][]Practice, error) {
	out := map[string][]Practice{}
	var list []Practice
	err := s.visiblePractices(ctx, v).Select("id", "slug", "title", "language", "translation_of").
		Where("practices.slug IN ? OR practices.translation_of IN ?", roots, roots).
		Order("language").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to load translations: %w", err)
	}
	for _, p := range list {
		root := p.TranslationRoot()
		out[root] = append(out[root], p)
	}
	return out, nil
}

// SearchablePractices returns, in one query, the published notes the viewer
// may read among those with these ids and those of the translation groups
// named by roots (slugs of originals), by language: what a page of search
// hits is checked against (which hits may be shown, which are members-only,
// and each note's other language versions). Only id, slug, title, language,
// translation_of and visibility are read. Nothing is cached: the answer is
// the database's now.
func (s *Store) SearchablePractices(ctx context.Context, v Viewer, ids []uint, roots []string) ([]Practice, error) {
	ids, roots = uniqIDs(ids), slices.DeleteFunc(uniq(roots), func(r string) bool { return r == "" })
	if len(ids) == 0 && len(roots) == 0 {
		return nil, nil
	}
	if s.dialect == SQLite {
		return s.searchablePracticesSQLite(ctx, v, ids, roots)
	}
	// PostgreSQL reads the primary key and the slug and translation_of
	// indexes and ORs them (BitmapOr).
	q := s.conn(ctx).Model(&Practice{}).Select("id", "slug", "title", "language", "translation_of", "visibility").
		Where("practices.status = ?", StatusPublished)
	if !v.SeesMembersOnly() {
		q = q.Where("practices.visibility = ?", VisibilityPublic)
	}
	var cond []string
	var args []any
	if len(ids) > 0 {
		cond, args = append(cond, "practices.id IN ?"), append(args, ids)
	}
	if len(roots) > 0 {
		cond, args = append(cond, "practices.slug IN ? OR practices.translation_of IN ?"), append(args, roots, roots)
	}
	if len(cond) == 0 {
		return nil, nil
	}
	var list []Practice
	err := q.Where(strings.Join(cond, " OR "), args...).Order("language, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to check practices: %w", err)
	}
	return list, nil
}

// searchablePracticesSQL is SearchablePractices on SQLite: one statement
// whatever the number of ids and roots (JSON arrays read by json_each), so
// that it is prepared once. SQLite, without statistics, would rather scan
// the listing index (status, visibility) than look up the ids, slugs and
// translation_of values (a scan per page of hits: 15 ms at 10,000 notes);
// the unary + keeps those two columns out of its choice of index, so that
// it reads the three indexes and ORs them (MULTI-INDEX OR).
const searchablePracticesSQL = `SELECT id, slug, title, language, translation_of, visibility FROM practices
WHERE +status = ? AND (? OR +visibility = ?) AND (
  id IN (SELECT value FROM json_each(?)) OR slug IN (SELECT value FROM json_each(?))
  OR translation_of IN (SELECT value FROM json_each(?)))
ORDER BY language, id`

func (s *Store) searchablePracticesSQLite(ctx context.Context, v Viewer, ids []uint, roots []string) ([]Practice, error) {
	if ids == nil {
		ids = []uint{} // [], not null
	}
	if roots == nil {
		roots = []string{}
	}
	idList, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rootList, err := json.Marshal(roots)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn(ctx).Session(&gorm.Session{PrepareStmt: true}).
		Raw(searchablePracticesSQL, StatusPublished, v.SeesMembersOnly(), VisibilityPublic, string(idList), string(rootList), string(rootList)).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: unable to check practices: %w", err)
	}
	defer rows.Close()
	var list []Practice
	for rows.Next() {
		var p Practice
		if err := rows.Scan(&p.ID, &p.Slug, &p.Title, &p.Language, &p.TranslationOf, &p.Visibility); err != nil {
			return nil, fmt.Errorf("models: unable to check practices: %w", err)
		}
		list = append(list, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: unable to check practices: %w", err)
	}
	return list, nil
}

// SitemapEntry is one public note of the sitemap.
type SitemapEntry struct {
	ID            uint
	Slug          string
	Language      string
	TranslationOf string
	RevisedAt     *time.Time
	UpdatedAt     time.Time
}

// PublicPracticesAfter returns up to limit published public notes with an id
// above after, in id order (keyset paging): what the sitemap lists.
func (s *Store) PublicPracticesAfter(ctx context.Context, after uint, limit int) ([]SitemapEntry, error) {
	var out []SitemapEntry
	err := s.visiblePractices(ctx, Viewer{}).Select("id", "slug", "language", "translation_of", "revised_at", "updated_at").
		Where("practices.id > ?", after).Order("practices.id").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to list public practices: %w", err)
	}
	return out, nil
}

func (s *Store) loadPracticeRelations(ctx context.Context, list []Practice) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]uint, 0, len(list))
	orgIDs := make([]uint, 0, len(list))
	byID := make(map[uint]*Practice, len(list))
	for i := range list {
		ids = append(ids, list[i].ID)
		byID[list[i].ID] = &list[i]
		if list[i].OrganisationID != nil {
			orgIDs = append(orgIDs, *list[i].OrganisationID)
		}
	}
	var terms []PracticeTerm
	if err := s.conn(ctx).Where("practice_id IN ?", ids).Order("vocab, term").Find(&terms).Error; err != nil {
		return fmt.Errorf("models: unable to load practice terms: %w", err)
	}
	for _, t := range terms {
		if set, ok := byID[t.PracticeID].termSets()[t.Vocab]; ok {
			*set = append(*set, t.Term)
		}
	}
	if len(orgIDs) == 0 {
		return nil
	}
	var orgs []Organisation
	if err := s.conn(ctx).Where("id IN ?", orgIDs).Find(&orgs).Error; err != nil {
		return fmt.Errorf("models: unable to load organisations: %w", err)
	}
	orgByID := make(map[uint]*Organisation, len(orgs))
	for i := range orgs {
		orgByID[orgs[i].ID] = &orgs[i]
	}
	for i := range list {
		if list[i].OrganisationID != nil {
			list[i].Organisation = orgByID[*list[i].OrganisationID]
		}
	}
	return nil
}

// SavePractice stores the note as given, with its terms, as a new kept
// version, and records the change in the outbox, all in one transaction: it
// inserts the note, or replaces the one with the same slug (a pending
// revision of it is then dropped: the file is what the note is now). It is
// the way in of imports and the demo content; members write through
// CreatePractice and SavePracticeRevision.
func (s *Store) SavePractice(ctx context.Context, p *Practice) error {
	return s.WithTx(ctx, func(tx *Store) error {
		now := tx.now()
		var existing Practice
		err := tx.conn(ctx).Select("id", "version", "created_at", "created_by").Where("slug = ?", p.Slug).Take(&existing).Error
		switch {
		case err == nil:
			p.ID, p.CreatedAt, p.Version, p.CreatedBy = existing.ID, existing.CreatedAt, existing.Version+1, existing.CreatedBy
		case notFound(err) == ErrNotFound:
			p.ID, p.CreatedAt, p.Version = 0, now, 1
		default:
			return fmt.Errorf("models: unable to save practice %q: %w", p.Slug, err)
		}
		p.UpdatedAt, p.Pending, p.PublishedVersion = now, "", 0
		if p.Status == StatusPublished || p.Status == StatusArchived {
			p.PublishedVersion = p.Version
			if p.PublishedAt == nil {
				p.PublishedAt = &now
			}
			revised := *p.PublishedAt
			if existing.ID != 0 {
				revised = now
			}
			p.RevisedAt = &revised
		}
		if err := tx.conn(ctx).Omit(clause.Associations).Save(p).Error; err != nil {
			return fmt.Errorf("models: unable to save practice %q: %w", p.Slug, conflict(err))
		}
		if err := tx.saveTerms(ctx, p.ID, p.termSets()); err != nil {
			return err
		}
		r := revisionOf(p, p.Version, nil, "", now)
		if p.PublishedVersion > 0 {
			r.PublishedAt = p.RevisedAt
		}
		if err := tx.conn(ctx).Create(r).Error; err != nil {
			return fmt.Errorf("models: unable to save version %d of %q: %w", p.Version, p.Slug, err)
		}
		return tx.enqueue(ctx, KindPractice, p.ID, OpUpsert)
	})
}

// saveTerms replaces the terms of a note.
func (s *Store) saveTerms(ctx context.Context, practiceID uint, sets map[string]*[]string) error {
	if err := s.conn(ctx).Where("practice_id = ?", practiceID).Delete(&PracticeTerm{}).Error; err != nil {
		return fmt.Errorf("models: unable to save practice terms: %w", err)
	}
	var terms []PracticeTerm
	for vocab, set := range sets {
		for _, t := range uniq(*set) {
			terms = append(terms, PracticeTerm{PracticeID: practiceID, Vocab: vocab, Term: t})
		}
	}
	if len(terms) > 0 {
		if err := s.conn(ctx).Create(&terms).Error; err != nil {
			return fmt.Errorf("models: unable to save practice terms: %w", err)
		}
	}
	return nil
}

// PracticeTermCounts counts, for one vocabulary, the published notes the viewer
// may read that carry each term: the options of a filter, with their counts.
// Members-only notes are never counted for anonymous visitors.
func (s *Store) PracticeTermCounts(ctx context.Context, v Viewer, vocab string) ([]TermCount, error) {
	var out []TermCount
	visible := s.visiblePractices(ctx, v).Select("practices.id")
	var err error
	if vocab == Languages().Name() {
		err = s.visiblePractices(ctx, v).Select("language AS term, COUNT(*) AS count").
			Group("language").Order("count DESC, term").Scan(&out).Error
	} else {
		err = s.conn(ctx).Model(&PracticeTerm{}).Select("term, COUNT(*) AS count").
			Where("vocab = ? AND practice_id IN (?)", vocab, visible).
			Group("term").Order("count DESC, term").Scan(&out).Error
	}
	if err != nil {
		return nil, fmt.Errorf("models: unable to count %s terms: %w", vocab, err)
	}
	return out, nil
}

// PracticeFacets counts, for several vocabularies at once, the published
// notes the viewer may read that carry each term: the options of the filters
// of a list, in two queries whatever their number. Members-only notes are
// never counted for anonymous visitors.
// The counts are kept per content version (see cached).
func (s *Store) PracticeFacets(ctx context.Context, v Viewer, vocabs ...string) (map[string][]TermCount, error) {
	return cached(ctx, s, "facets:"+viewerClass(v)+":"+strings.Join(vocabs, ","), func() (map[string][]TermCount, error) {
		return s.practiceFacets(ctx, v, vocabs...)
	})
}

func (s *Store) practiceFacets(ctx context.Context, v Viewer, vocabs ...string) (map[string][]TermCount, error) {
	return s.facetCounts(ctx, v, vocabs...)
}

// countPracticeFacets counts the facets from the notes themselves (in
// proportion to the corpus): what the kept counts must always equal (tests).
func (s *Store) countPracticeFacets(ctx context.Context, v Viewer, vocabs ...string) (map[string][]TermCount, error) {
	out := make(map[string][]TermCount, len(vocabs))
	var terms []string
	for _, vocab := range vocabs {
		if vocab == Languages().Name() {
			counts, err := s.PracticeTermCounts(ctx, v, vocab)
			if err != nil {
				return nil, err
			}
			out[vocab] = counts
			continue
		}
		terms = append(terms, vocab)
	}
	if len(terms) == 0 {
		return out, nil
	}
	var rows []struct {
		Vocab string
		TermCount
	}
	err := s.conn(ctx).Model(&PracticeTerm{}).Select("vocab, term, COUNT(*) AS count").
		Where("vocab IN ? AND practice_id IN (?)", terms, s.visiblePractices(ctx, v).Select("practices.id")).
		Group("vocab, term").Order("vocab, count DESC, term").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to count terms: %w", err)
	}
	for _, r := range rows {
		out[r.Vocab] = append(out[r.Vocab], r.TermCount)
	}
	return out, nil
}

// without returns the filter with one facet's choice cleared (vocab names
// the facet: a vocabulary's name).
func (f PracticeFilter) without(vocab string) PracticeFilter {
	switch vocab {
	case Countries().Name():
		f.Country = ""
	case Languages().Name():
		f.Language = ""
	case Topics().Name():
		f.Topic = ""
	case Sectors().Name():
		f.Sector = ""
	case Indicators().Name():
		f.Indicator = ""
	case TargetGroups().Name():
		f.Target = ""
	}
	return f
}

// Without is the filter with one facet's choice cleared: what the reader
// gets by removing it.
func (f PracticeFilter) Without(vocab string) PracticeFilter { return f.without(vocab) }

// FilteredFacets counts, for each vocabulary, what choosing each of its
// terms would list given the other choices of the filter: a facet's own
// choice is left out of its counts, every other one applies. With f.Group
// a note and its translations count once, as the list shows them. Each
// count is one grouped query over the term index; members-only notes are
// never counted for anonymous visitors. The counts are cached per content
// version (aggregates.go), so a list seen again costs no query.
//
// A facet with nothing else chosen has the kept counts: by note
// (facets.go), or by family with f.Group (families.go).
func (s *Store) FilteredFacets(ctx context.Context, v Viewer, f PracticeFilter, vocabs ...string) (map[string][]TermCount, error) {
	f = f.Normalise()
	// The counts do not depend on the order, the page or the reader's
	// language: one cached entry serves every page of a list.
	key := f
	key.ListOptions, key.Prefer = ListOptions{}, ""
	if key == (PracticeFilter{}) {
		return s.PracticeFacets(ctx, v, vocabs...)
	}
	return cached(ctx, s, fmt.Sprintf("filtered-facets:%s:%+v:%s", viewerClass(v), key, strings.Join(vocabs, ",")), func() (map[string][]TermCount, error) {
		return s.filteredFacets(ctx, v, f, vocabs...)
	})
}

func (s *Store) filteredFacets(ctx context.Context, v Viewer, f PracticeFilter, vocabs ...string) (map[string][]TermCount, error) {
	return s.filteredFacetsCounting(ctx, v, f, false, vocabs...)
}

// filteredFacetsCounting is filteredFacets; with count, every count is
// counted from the notes, none read from the kept ones (what the kept ones
// must always equal: tests).
func (s *Store) filteredFacetsCounting(ctx context.Context, v Viewer, f PracticeFilter, count bool, vocabs ...string) (map[string][]TermCount, error) {
	out := make(map[string][]TermCount, len(vocabs))
	var kept, keptFamilies map[string][]TermCount
	for _, vocab := range vocabs {
		g := f.without(vocab)
		g.Group = false // the counting query groups by itself
		plain := g
		plain.ListOptions, plain.Prefer = ListOptions{}, ""
		byNote := !f.Group || vocab == Languages().Name()    // languages are counted by note, grouped or not
		if !count && plain == (PracticeFilter{}) && byNote { // only this facet is chosen: its counts are the kept ones
			if kept == nil {
				var err error
				if kept, err = s.PracticeFacets(ctx, v, vocabs...); err != nil {
					return nil, err
				}
			}
			out[vocab] = kept[vocab]
			continue
		}
		if !count && plain == (PracticeFilter{}) { // the same, counted by family (families.go)
			if keptFamilies == nil {
				var err error
				if keptFamilies, err = s.readCounts(ctx, "family_counts", v, vocabs...); err != nil {
					return nil, err
				}
			}
			out[vocab] = keptFamilies[vocab]
			continue
		}
		count := "COUNT(*)"
		if f.Group && vocab != Languages().Name() {
			count = "COUNT(DISTINCT " + translationRoot("practices") + ")"
		}
		var rows []TermCount
		q := s.filteredPractices(ctx, v, g)
		if vocab == Languages().Name() {
			q = q.Select("practices.language AS term, " + count + " AS count").Group("practices.language")
		} else {
			q = q.Joins("JOIN practice_terms pt ON pt.practice_id = practices.id AND pt.vocab = ?", vocab).
				Select("pt.term AS term, " + count + " AS count").Group("pt.term")
		}
		if err := q.Order("count DESC, term").Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("models: unable to count %s terms: %w", vocab, err)
		}
		out[vocab] = rows
	}
	return out, nil
}

// CountPractices counts what ListPractices would list.
func (s *Store) CountPractices(ctx context.Context, v Viewer, f PracticeFilter) (int64, error) {
	var n int64
	if err := s.filteredPractices(ctx, v, f.Normalise()).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("models: unable to count practices: %w", err)
	}
	return n, nil
}

// RelatedPractices returns up to limit published notes the viewer may read
// that share a topic or an indicator with p (not p nor its translations),
// those sharing the most first, then the newest; a note's translations
// count once (the version in prefer, else the original). The candidates are
// the relatedCandidates notes written last of each topic and indicator of
// p, so that a note page's first view costs the same at 100,000 notes as at
// 100 (counting shared terms over every note of a topic took seconds).
// Cached per content version, like the lists.
func (s *Store) RelatedPractices(ctx context.Context, v Viewer, p *Practice, prefer string, limit int) ([]Practice, error) {
	list, err := cached(ctx, s, fmt.Sprintf("related:%s:%d:%s:%d", viewerClass(v), p.ID, prefer, limit), func() ([]Practice, error) {
		return s.relatedPractices(ctx, v, p, prefer, limit)
	})
	return slices.Clone(list), err
}

// relatedCandidates bounds the notes of one term that RelatedPractices
// weighs: the ones written last (by id, an index range read backwards).
const relatedCandidates = 400

func (s *Store) relatedPractices(ctx context.Context, v Viewer, p *Practice, prefer string, limit int) ([]Practice, error) {
	var keys []any
	var parts []string
	add := func(vocab string, terms []string) {
		for _, t := range terms {
			parts = append(parts, fmt.Sprintf("SELECT practice_id FROM (SELECT practice_id FROM practice_terms WHERE vocab = ? AND term = ? ORDER BY practice_id DESC LIMIT %d) AS c%d", relatedCandidates, len(parts)))
			keys = append(keys, vocab, t)
		}
	}
	add(Topics().Name(), p.Topics)
	add(Indicators().Name(), p.Indicators)
	if len(parts) == 0 {
		return nil, nil
	}
	var shared []struct {
		PracticeID uint
		N          int
	}
	sub := s.conn(ctx).Raw("SELECT practice_id, COUNT(*) AS n FROM ("+strings.Join(parts, " UNION ALL ")+") AS candidates GROUP BY practice_id", keys...)
	root := p.TranslationRoot()
	q := s.filteredPractices(ctx, v, PracticeFilter{Group: true, Prefer: prefer}).
		Joins("JOIN (?) AS shared ON shared.practice_id = practices.id", sub).
		Where("practices.slug <> ? AND practices.translation_of <> ?", root, root).
		Select("practices.id AS practice_id, shared.n AS n").
		Order("shared.n DESC, practices.published_at DESC, practices.id DESC").Limit(limit)
	if err := q.Scan(&shared).Error; err != nil {
		return nil, fmt.Errorf("models: unable to find related practices: %w", err)
	}
	ids := make([]uint, len(shared))
	for i, r := range shared {
		ids[i] = r.PracticeID
	}
	return s.PracticesByIDs(ctx, v, ids)
}

// Stats are the headline figures on the home page.
type Stats struct {
	Practices     int64
	Organisations int64
	Countries     int64
	Languages     int64
}

// PracticeStats counts what the viewer can see.
// They are kept per content version (see cached).
func (s *Store) PracticeStats(ctx context.Context, v Viewer) (Stats, error) {
	return cached(ctx, s, "stats:"+viewerClass(v), func() (Stats, error) { return s.practiceStats(ctx, v) })
}

func (s *Store) practiceStats(ctx context.Context, v Viewer) (Stats, error) {
	var st Stats
	counts, err := s.facetCounts(ctx, v, "", Languages().Name(), Countries().Name())
	if err != nil {
		return st, err
	}
	for _, c := range counts[""] {
		st.Practices += c.Count
	}
	st.Languages = int64(len(counts[Languages().Name()]))
	for _, c := range counts[Countries().Name()] {
		if c.Term != "EU" {
			st.Countries++
		}
	}
	if err := s.conn(ctx).Model(&Organisation{}).Where("status = ?", OrgApproved).Count(&st.Organisations).Error; err != nil {
		return st, fmt.Errorf("models: unable to count organisations: %w", err)
	}
	return st, nil
}

// countPracticeStats counts the figures from the notes themselves: what the
// kept counts must always give (tests).
func (s *Store) countPracticeStats(ctx context.Context, v Viewer) (Stats, error) {
	var st Stats
	visible := s.visiblePractices(ctx, v)
	if err := visible.Count(&st.Practices).Error; err != nil {
		return st, fmt.Errorf("models: unable to count practices: %w", err)
	}
	if err := s.visiblePractices(ctx, v).Distinct("language").Count(&st.Languages).Error; err != nil {
		return st, fmt.Errorf("models: unable to count languages: %w", err)
	}
	err := s.conn(ctx).Model(&PracticeTerm{}).
		Where("vocab = ? AND term <> 'EU' AND practice_id IN (?)", Countries().Name(), s.visiblePractices(ctx, v).Select("practices.id")).
		Distinct("term").Count(&st.Countries).Error
	if err != nil {
		return st, fmt.Errorf("models: unable to count countries: %w", err)
	}
	if err := s.conn(ctx).Model(&Organisation{}).Where("status = ?", OrgApproved).Count(&st.Organisations).Error; err != nil {
		return st, fmt.Errorf("models: unable to count organisations: %w", err)
	}
	return st, nil
}
