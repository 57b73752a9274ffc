package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Families kept as writes happen (migration 00017). The grouped list of
// notes (PracticeFilter.Group) shows a note and its translations once: a
// family, named by its root (translationRoot: the slug of the original). Its
// total, its filter counts and the order of its cards, computed, cost in
// proportion to the corpus (about 1.8 s at 100,000 notes on SQLite, once
// after every write). So the same transaction that recounts a written note
// (recount) recounts its family here: family_counts holds per audience,
// vocabulary and term how many families carry the term in some visible
// version; practice_families the version each family shows, per audience and
// reader language, with its sort columns, so that a page of the list is an
// index range.

// familyLock is the first key of the PostgreSQL advisory locks that
// serialise the recounts of one family (the second is the root's hash): two
// transactions writing two versions of one family would each count the
// other's version as it was.
const familyLock = 0x66616d69 // "fami"

type familyMember struct {
	PracticeID uint
	Root       string
}

func (familyMember) TableName() string { return "family_members" }

type familyContribution struct {
	Root, Vocab, Term string
	Public            int
}

func (familyContribution) TableName() string { return "family_contributions" }

// practiceFamily is the version a family shows to an audience: Language ""
// when the reader's language has none (the original, else the oldest
// translation), Language xx the oldest version in xx.
type practiceFamily struct {
	Root, Audience, Language string
	PracticeID               uint
	PublishedAt              *time.Time
	Title                    string
}

func (practiceFamily) TableName() string { return "practice_families" }

func (r practiceFamily) same(o practiceFamily) bool {
	samePublished := (r.PublishedAt == nil) == (o.PublishedAt == nil) &&
		(r.PublishedAt == nil || r.PublishedAt.Equal(*o.PublishedAt))
	return r.Root == o.Root && r.Audience == o.Audience && r.Language == o.Language &&
		r.PracticeID == o.PracticeID && r.Title == o.Title && samePublished
}

// recountFamilies recounts the family of note id, and the one it was
// counted in before if that differs (a translation moved to another
// original, or unpublished); call it inside the transaction of the write,
// after the write.
func (s *Store) recountFamilies(ctx context.Context, id uint) error {
	db := s.conn(ctx)
	var was []familyMember
	if err := db.Where("practice_id = ?", id).Find(&was).Error; err != nil {
		return fmt.Errorf("models: unable to recount the family of note %d: %w", id, err)
	}
	var p Practice
	if err := db.Select("id", "slug", "translation_of", "status").Where("id = ?", id).Limit(1).Find(&p).Error; err != nil {
		return fmt.Errorf("models: unable to recount the family of note %d: %w", id, err)
	}
	var roots []string
	for _, m := range was {
		roots = append(roots, m.Root)
	}
	published := p.ID != 0 && p.Status == StatusPublished
	if published {
		roots = append(roots, p.TranslationRoot())
	}
	if len(roots) == 0 {
		return nil // neither counted before nor now
	}
	if len(was) == 0 || !published || was[0].Root != p.TranslationRoot() {
		if len(was) > 0 {
			if err := db.Where("practice_id = ?", id).Delete(&familyMember{}).Error; err != nil {
				return fmt.Errorf("models: unable to recount the family of note %d: %w", id, err)
			}
		}
		if published {
			if err := db.Create(&familyMember{PracticeID: id, Root: p.TranslationRoot()}).Error; err != nil {
				return fmt.Errorf("models: unable to recount the family of note %d: %w", id, err)
			}
		}
	}
	slices.Sort(roots) // one order of locks for every writer
	for _, root := range slices.Compact(roots) {
		if err := s.recountFamily(ctx, root); err != nil {
			return err
		}
	}
	return nil
}

// recountFamily replaces what the family of root adds to family_counts and
// the versions it shows in practice_families by what it has now.
func (s *Store) recountFamily(ctx context.Context, root string) error {
	db := s.conn(ctx)
	fail := func(err error) error {
		return fmt.Errorf("models: unable to recount the family %q: %w", root, err)
	}
	if s.dialect == Postgres {
		if err := db.Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", familyLock, root).Error; err != nil {
			return fail(err)
		}
	}
	// The status is checked here, not in the query: with it there, SQLite
	// (which has no statistics) walks every published note by status
	// instead of looking up the two indexed columns, and each write of the
	// demo corpus read the whole table.
	var versions []Practice
	err := db.Select("id", "slug", "translation_of", "language", "visibility", "published_at", "title", "status").
		Where("slug = ? OR translation_of = ?", root, root).Order("id").Find(&versions).Error
	if err != nil {
		return fail(err)
	}
	// A note named root that translates another one is of that one's family.
	versions = slices.DeleteFunc(versions, func(p Practice) bool {
		return p.Status != StatusPublished || p.TranslationRoot() != root
	})
	if err := s.recountFamilyTerms(ctx, root, versions); err != nil {
		return fail(err)
	}
	var old []practiceFamily
	if err := db.Where("root = ?", root).Order("audience, language").Find(&old).Error; err != nil {
		return fail(err)
	}
	now := familyRows(root, versions)
	if slices.EqualFunc(old, now, practiceFamily.same) {
		return nil
	}
	if len(old) > 0 {
		if err := db.Where("root = ?", root).Delete(&practiceFamily{}).Error; err != nil {
			return fail(err)
		}
	}
	if len(now) > 0 {
		if err := db.Create(&now).Error; err != nil {
			return fail(err)
		}
	}
	return nil
}

// familyRows are the versions a family shows to each audience, in
// (audience, language) order: per audience, the one shown when the
// reader's language has none (the original, else the oldest translation,
// as languageRank orders them) and the oldest in each language. versions
// are in id order.
func familyRows(root string, versions []Practice) []practiceFamily {
	var out []practiceFamily
	for _, audience := range []string{audienceMembers, audiencePublic} {
		var shown []Practice
		for _, p := range versions {
			if audience == audienceMembers || p.Visibility == VisibilityPublic {
				shown = append(shown, p)
			}
		}
		if len(shown) == 0 {
			continue
		}
		row := func(lang string, p Practice) practiceFamily {
			return practiceFamily{Root: root, Audience: audience, Language: lang, PracticeID: p.ID, PublishedAt: p.PublishedAt, Title: p.Title}
		}
		first := shown[0]
		if i := slices.IndexFunc(shown, func(p Practice) bool { return p.TranslationOf == "" }); i >= 0 {
			first = shown[i]
		}
		rows := []practiceFamily{row("", first)}
		seen := map[string]bool{}
		for _, p := range shown {
			if !seen[p.Language] {
				seen[p.Language] = true
				rows = append(rows, row(p.Language, p))
			}
		}
		slices.SortFunc(rows, func(a, b practiceFamily) int { return cmp.Compare(a.Language, b.Language) })
		out = append(out, rows...)
	}
	return out
}

// recountFamilyTerms replaces what the family adds to family_counts: the
// family itself (vocabulary "" term ""), and every term some version of it
// carries, public when a public version does.
func (s *Store) recountFamilyTerms(ctx context.Context, root string, versions []Practice) error {
	db := s.conn(ctx)
	var old []familyContribution
	if err := db.Where("root = ?", root).Find(&old).Error; err != nil {
		return err
	}
	var now []familyContribution
	if len(versions) > 0 {
		public := map[uint]int{}
		ids := make([]uint, len(versions))
		for i, p := range versions {
			ids[i] = p.ID
			if p.Visibility == VisibilityPublic {
				public[p.ID] = 1
			}
		}
		var terms []PracticeTerm
		if err := db.Where("practice_id IN ?", ids).Find(&terms).Error; err != nil {
			return err
		}
		carried := map[[2]string]int{}
		for _, id := range ids {
			carried[[2]string{"", ""}] = max(carried[[2]string{"", ""}], public[id])
		}
		for _, t := range terms {
			k := [2]string{t.Vocab, t.Term}
			carried[k] = max(carried[k], public[t.PracticeID])
		}
		for k, pub := range carried {
			now = append(now, familyContribution{root, k[0], k[1], pub})
		}
	}
	deltas := contributionDeltas(old, now, func(c familyContribution) (string, string, int) { return c.Vocab, c.Term, c.Public })
	if deltas == nil {
		return nil
	}
	if err := s.applyCounts(ctx, "family_counts", deltas); err != nil {
		return err
	}
	if len(old) > 0 {
		if err := db.Where("root = ?", root).Delete(&familyContribution{}).Error; err != nil {
			return err
		}
	}
	if len(now) > 0 {
		if err := db.Create(&now).Error; err != nil {
			return err
		}
	}
	return nil
}

// familyListing is how the grouped list pages and sorts, in the columns of
// practice_families: the orders of practiceListing.
var familyListing = listing{perPage: practiceListing.perPage, maxPerPage: practiceListing.maxPerPage, sorts: []sortOrder{
	by("newest", "published_at DESC, practice_id DESC"),
	by("oldest", "published_at ASC, practice_id ASC"),
	by("title", "title ASC, practice_id ASC"),
}}

// unfilteredGroup reports whether f is the grouped list with nothing
// chosen: the list practice_families and family_counts keep.
func unfilteredGroup(f PracticeFilter) bool { return f.Group && f.unfiltered() }

// unfiltered says whether f chooses nothing: only its order, page, reader
// language and grouping are set. Compared with the zero filter, so that a
// filter added later cannot be forgotten here.
func (f PracticeFilter) unfiltered() bool {
	f.ListOptions, f.Prefer, f.Group = ListOptions{}, "", false
	return f == PracticeFilter{}
}

// listFamilies is one page of the unfiltered grouped list, read from
// practice_families: the families with a version in the reader's language
// first (that version), then the others (their original, else their oldest
// translation), each part in the list's order; the same cards in the same
// order as filteredPractices gives, from an index range (OFFSET costs what
// it skips, as on the notes' own list).
func (s *Store) listFamilies(ctx context.Context, v Viewer, f PracticeFilter) ([]Practice, int64, error) {
	counts, err := s.readCounts(ctx, "family_counts", v, "")
	if err != nil {
		return nil, 0, err
	}
	var total int64
	for _, c := range counts[""] {
		total += c.Count
	}
	o := familyListing.normalise(f.ListOptions)
	order, offset, limit := familyListing.orderBy(o.Sort), o.Offset(), o.PerPage
	fail := func(err error) error { return fmt.Errorf("models: unable to list practices: %w", err) }
	rows := func() *gorm.DB {
		return s.conn(ctx).Model(&practiceFamily{}).Where("practice_families.audience = ?", audienceOf(v))
	}
	var ids []uint
	if f.Prefer != "" {
		inReaderLanguage := rows().Where("practice_families.language = ?", f.Prefer)
		if err := inReaderLanguage.Order(order).Limit(limit).Offset(offset).Pluck("practice_id", &ids).Error; err != nil {
			return nil, 0, fail(err)
		}
		first := int64(offset + len(ids)) // how many cards the first part has, when this page reaches its end
		if len(ids) == 0 && offset > 0 {
			// The page is past the first part: count it (an index range no
			// longer than the rows OFFSET skips anyway).
			if err := rows().Where("practice_families.language = ?", f.Prefer).Count(&first).Error; err != nil {
				return nil, 0, fail(err)
			}
		}
		if len(ids) < limit {
			var more []uint
			q := rows().Where("practice_families.language = ''").
				Where("NOT EXISTS (SELECT 1 FROM practice_families g WHERE g.root = practice_families.root AND g.audience = practice_families.audience AND g.language = ?)", f.Prefer)
			err := q.Order(order).Limit(limit-len(ids)).Offset(max(0, offset-int(first))).Pluck("practice_id", &more).Error
			if err != nil {
				return nil, 0, fail(err)
			}
			ids = append(ids, more...)
		}
	} else if err := rows().Where("practice_families.language = ''").Order(order).Limit(limit).Offset(offset).Pluck("practice_id", &ids).Error; err != nil {
		return nil, 0, fail(err)
	}
	// The notes themselves, checked again for the viewer (PracticesByIDs).
	list, err := s.PracticesByIDs(ctx, v, ids)
	if err != nil {
		return nil, 0, err
	}
	return list, total, nil
}
