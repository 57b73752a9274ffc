-- The indexes of the public pages' queries (issue 13), so that each page's
-- query reads an index in its order instead of sorting the corpus: the list
-- of notes newest first, oldest first and by title, for visitors (public
-- notes) and members (every published note); the notes of a filter term with
-- their ids (the filtered counts read the index alone); the directory by
-- name. EXPLAIN of every page query is checked in app/explain_test.go.
-- +goose Up
DROP INDEX practices_listing;
CREATE INDEX practices_listing ON practices (status, visibility, published_at, id);
CREATE INDEX practices_published ON practices (status, published_at, id);
CREATE INDEX practices_title ON practices (status, visibility, title, id);
CREATE INDEX practices_published_title ON practices (status, title, id);
DROP INDEX practice_terms_by_term;
CREATE INDEX practice_terms_by_term ON practice_terms (vocab, term, practice_id);
CREATE INDEX organisations_by_name ON organisations (status, name, id);

-- The aggregates of the public pages, kept up to date in the transaction of
-- every write of a note (models/facets.go): for each audience (public:
-- published public notes, for visitors; members: every published note),
-- vocabulary and term, how many notes carry it; vocabulary "language" the
-- notes' languages, vocabulary "" term "" all of them. facet_contributions
-- records what each note adds, so that a write takes it back exactly.
CREATE TABLE facet_counts (
    audience TEXT    NOT NULL,
    vocab    TEXT    NOT NULL,
    term     TEXT    NOT NULL,
    count    BIGINT  NOT NULL,
    PRIMARY KEY (audience, vocab, term)
);
CREATE TABLE facet_contributions (
    practice_id BIGINT  NOT NULL,
    vocab       TEXT    NOT NULL,
    term        TEXT    NOT NULL,
    public      INTEGER NOT NULL,
    PRIMARY KEY (practice_id, vocab, term)
);
INSERT INTO facet_contributions (practice_id, vocab, term, public)
SELECT t.practice_id, t.vocab, t.term, CASE WHEN p.visibility = 'public' THEN 1 ELSE 0 END
FROM practice_terms t JOIN practices p ON p.id = t.practice_id WHERE p.status = 'published';
INSERT INTO facet_contributions (practice_id, vocab, term, public)
SELECT id, 'language', language, CASE WHEN visibility = 'public' THEN 1 ELSE 0 END FROM practices WHERE status = 'published';
INSERT INTO facet_contributions (practice_id, vocab, term, public)
SELECT id, '', '', CASE WHEN visibility = 'public' THEN 1 ELSE 0 END FROM practices WHERE status = 'published';
INSERT INTO facet_counts (audience, vocab, term, count)
SELECT 'members', vocab, term, COUNT(*) FROM facet_contributions GROUP BY vocab, term;
INSERT INTO facet_counts (audience, vocab, term, count)
SELECT 'public', vocab, term, COUNT(*) FROM facet_contributions WHERE public = 1 GROUP BY vocab, term;

-- +goose Down
DROP TABLE facet_contributions;
DROP TABLE facet_counts;
DROP INDEX organisations_by_name;
DROP INDEX practice_terms_by_term;
CREATE INDEX practice_terms_by_term ON practice_terms (vocab, term);
DROP INDEX practices_published_title;
DROP INDEX practices_title;
DROP INDEX practices_published;
DROP INDEX practices_listing;
CREATE INDEX practices_listing ON practices (status, visibility, published_at);
