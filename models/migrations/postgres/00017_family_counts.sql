-- The grouped list of notes (a note and its translations once, as one card:
-- a family, named by its root, the slug of the original) kept as writes
-- happen, beside facet_counts (00011), in the transaction of every write of
-- a note (models/families.go), so that its first view after a write reads
-- an index instead of counting the corpus (issue 13).
--
-- family_members: the root of each published note, as last counted (a
-- write that moves a translation to another original, or unpublishes it,
-- recounts the family it left). family_contributions: what each family
-- adds to family_counts, per vocabulary and term ("" "": the family
-- itself), public 1 when a public version carries it. family_counts: per
-- audience (public: families with a published public version; members:
-- with any published version), vocabulary and term, how many families
-- carry the term. practice_families: the version each family shows, per
-- audience: language "" the one shown when the reader's language has none
-- (the original, else the oldest translation), language xx the oldest
-- version in xx; with the columns the list sorts by.
-- +goose Up
CREATE TABLE family_members (
    practice_id BIGINT  NOT NULL PRIMARY KEY,
    root        TEXT    NOT NULL
);
CREATE INDEX family_members_root ON family_members (root, practice_id);
CREATE TABLE family_contributions (
    root   TEXT    NOT NULL,
    vocab  TEXT    NOT NULL,
    term   TEXT    NOT NULL,
    public INTEGER NOT NULL,
    PRIMARY KEY (root, vocab, term)
);
CREATE TABLE family_counts (
    audience TEXT    NOT NULL,
    vocab    TEXT    NOT NULL,
    term     TEXT    NOT NULL,
    count    BIGINT  NOT NULL,
    PRIMARY KEY (audience, vocab, term)
);
CREATE TABLE practice_families (
    root         TEXT    NOT NULL,
    audience     TEXT    NOT NULL,
    language     TEXT    NOT NULL,
    practice_id  BIGINT  NOT NULL,
    published_at TIMESTAMPTZ,
    title        TEXT    NOT NULL,
    PRIMARY KEY (root, audience, language)
);
CREATE INDEX practice_families_newest ON practice_families (audience, language, published_at, practice_id);
CREATE INDEX practice_families_title ON practice_families (audience, language, title, practice_id);

INSERT INTO family_members (practice_id, root)
SELECT id, CASE WHEN translation_of = '' THEN slug ELSE translation_of END FROM practices WHERE status = 'published';
INSERT INTO family_contributions (root, vocab, term, public)
SELECT m.root, t.vocab, t.term, MAX(CASE WHEN p.visibility = 'public' THEN 1 ELSE 0 END)
FROM family_members m JOIN practices p ON p.id = m.practice_id JOIN practice_terms t ON t.practice_id = m.practice_id
GROUP BY m.root, t.vocab, t.term;
INSERT INTO family_contributions (root, vocab, term, public)
SELECT m.root, '', '', MAX(CASE WHEN p.visibility = 'public' THEN 1 ELSE 0 END)
FROM family_members m JOIN practices p ON p.id = m.practice_id GROUP BY m.root;
INSERT INTO family_counts (audience, vocab, term, count)
SELECT 'members', vocab, term, COUNT(*) FROM family_contributions GROUP BY vocab, term;
INSERT INTO family_counts (audience, vocab, term, count)
SELECT 'public', vocab, term, COUNT(*) FROM family_contributions WHERE public = 1 GROUP BY vocab, term;
INSERT INTO practice_families (root, audience, language, practice_id, published_at, title)
SELECT root, audience, language, id, published_at, title FROM (
    SELECT m.root, a.audience, '' AS language, p.id, p.published_at, p.title,
        ROW_NUMBER() OVER (PARTITION BY m.root, a.audience
            ORDER BY CASE WHEN p.translation_of = '' THEN 0 ELSE 1 END, p.id) AS n
    FROM family_members m JOIN practices p ON p.id = m.practice_id
    JOIN (SELECT 'members' AS audience UNION ALL SELECT 'public') a ON a.audience = 'members' OR p.visibility = 'public'
    UNION ALL
    SELECT m.root, a.audience, p.language, p.id, p.published_at, p.title,
        ROW_NUMBER() OVER (PARTITION BY m.root, a.audience, p.language ORDER BY p.id) AS n
    FROM family_members m JOIN practices p ON p.id = m.practice_id
    JOIN (SELECT 'members' AS audience UNION ALL SELECT 'public') a ON a.audience = 'members' OR p.visibility = 'public'
) ranked WHERE n = 1;

-- +goose Down
DROP TABLE practice_families;
DROP TABLE family_counts;
DROP TABLE family_contributions;
DROP TABLE family_members;
