package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Facet counts kept as writes happen (migration 00011): facet_counts holds,
// per audience, vocabulary and term, how many published notes carry the
// term; facet_contributions what each note adds. Every write of a note
// writes an outbox row in its transaction (enqueue), and the same call
// recounts that one note here: the home page's figures and the list's
// filter counts then read a few hundred rows, whatever the corpus.

// Audiences of facet_counts.
const (
	audiencePublic  = "public"  // published public notes: what visitors count
	audienceMembers = "members" // every published note: what members count
)

type facetContribution struct {
	PracticeID uint
	Vocab      string
	Term       string
	Public     int
}

func (facetContribution) TableName() string { return "facet_contributions" }

type facetCount struct {
	Audience, Vocab, Term string
	Count                 int64
}

func audienceOf(v Viewer) string {
	if v.SeesMembersOnly() {
		return audienceMembers
	}
	return audiencePublic
}

// recount replaces what note id adds to facet_counts by what it adds now;
// call it inside the transaction of the write, after the write.
func (s *Store) recount(ctx context.Context, id uint) error {
	db := s.conn(ctx)
	var old []facetContribution
	if err := db.Where("practice_id = ?", id).Find(&old).Error; err != nil {
		return fmt.Errorf("models: unable to recount note %d: %w", id, err)
	}
	var now []facetContribution
	var p Practice
	err := db.Select("id", "status", "visibility", "language").Where("id = ?", id).Limit(1).Find(&p).Error
	if err != nil {
		return fmt.Errorf("models: unable to recount note %d: %w", id, err)
	}
	if p.ID != 0 && p.Status == StatusPublished {
		public := 0
		if p.Visibility == VisibilityPublic {
			public = 1
		}
		now = append(now, facetContribution{id, "", "", public}, facetContribution{id, Languages().Name(), p.Language, public})
		var terms []PracticeTerm
		if err := db.Where("practice_id = ?", id).Find(&terms).Error; err != nil {
			return fmt.Errorf("models: unable to recount note %d: %w", id, err)
		}
		for _, t := range terms {
			now = append(now, facetContribution{id, t.Vocab, t.Term, public})
		}
	}
	deltas := contributionDeltas(old, now, func(c facetContribution) (string, string, int) { return c.Vocab, c.Term, c.Public })
	if deltas == nil {
		return nil
	}
	if err := s.applyCounts(ctx, "facet_counts", deltas); err != nil {
		return fmt.Errorf("models: unable to recount note %d: %w", id, err)
	}
	if len(old) > 0 {
		if err := db.Where("practice_id = ?", id).Delete(&facetContribution{}).Error; err != nil {
			return fmt.Errorf("models: unable to recount note %d: %w", id, err)
		}
	}
	if len(now) > 0 {
		if err := db.Create(&now).Error; err != nil {
			return fmt.Errorf("models: unable to recount note %d: %w", id, err)
		}
	}
	return nil
}

// applyCounts adds the deltas to the counts of table (facet_counts or
// family_counts), one upsert each.
func (s *Store) applyCounts(ctx context.Context, table string, deltas map[facetCount]int64) error {
	keys := make([]facetCount, 0, len(deltas))
	for k, d := range deltas {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	// One order for every writer, so that two of them never wait on each
	// other's rows in a cycle (PostgreSQL).
	slices.SortFunc(keys, func(a, b facetCount) int {
		return cmp.Or(cmp.Compare(a.Audience, b.Audience), cmp.Compare(a.Vocab, b.Vocab), cmp.Compare(a.Term, b.Term))
	})
	for _, k := range keys {
		err := s.conn(ctx).Exec(`INSERT INTO `+table+` (audience, vocab, term, count) VALUES (?, ?, ?, ?)
ON CONFLICT (audience, vocab, term) DO UPDATE SET count = `+table+`.count + excluded.count`,
			k.Audience, k.Vocab, k.Term, deltas[k]).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// facetCounts reads the kept counts of the viewer's audience for the
// vocabularies, most frequent first: one index range, a few hundred rows.
func (s *Store) facetCounts(ctx context.Context, v Viewer, vocabs ...string) (map[string][]TermCount, error) {
	return s.readCounts(ctx, "facet_counts", v, vocabs...)
}

// readCounts reads the kept counts of table (facet_counts: notes,
// family_counts: families) for the viewer's audience.
func (s *Store) readCounts(ctx context.Context, table string, v Viewer, vocabs ...string) (map[string][]TermCount, error) {
	var rows []facetCount
	err := s.conn(ctx).Table(table).Select("vocab, term, count").
		Where("audience = ? AND vocab IN ? AND count > 0", audienceOf(v), vocabs).
		Order("vocab, count DESC, term").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("models: unable to read the counts: %w", err)
	}
	out := make(map[string][]TermCount, len(vocabs))
	for _, r := range rows {
		out[r.Vocab] = append(out[r.Vocab], TermCount{Term: r.Term, Count: r.Count})
	}
	return out, nil
}

// contributionDeltas is what replacing the contributions old by now (one
// note's, or one family's) changes in a table of counts, for both
// audiences; nil when they are the same. It sorts both.
func contributionDeltas[T comparable](old, now []T, of func(T) (vocab, term string, public int)) map[facetCount]int64 {
	byKey := func(a, b T) int {
		av, at, ap := of(a)
		bv, bt, bp := of(b)
		return cmp.Or(cmp.Compare(av, bv), cmp.Compare(at, bt), cmp.Compare(ap, bp))
	}
	slices.SortFunc(old, byKey)
	slices.SortFunc(now, byKey)
	if slices.Equal(old, now) {
		return nil
	}
	deltas := map[facetCount]int64{}
	add := func(list []T, sign int64) {
		for _, c := range list {
			vocab, term, public := of(c)
			deltas[facetCount{Audience: audienceMembers, Vocab: vocab, Term: term}] += sign
			if public == 1 {
				deltas[facetCount{Audience: audiencePublic, Vocab: vocab, Term: term}] += sign
			}
		}
	}
	add(old, -1)
	add(now, +1)
	return deltas
}
