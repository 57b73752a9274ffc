-- The indexes of the public pages' queries (issue 13), so that each page's
-- query reads an index in its order instead of sorting the corpus: the list
-- of notes newest first, oldest first and by title, for visitors (public
-- notes) and members (every published note); the notes of a filter term with
-- their ids (the filtered counts read the index alone); the directory by
-- name. EXPLAIN of every page query is checked in models/explain_test.go.
-- +goose Up
DROP INDEX practices_listing;
CREATE INDEX practices_listing ON practices (status, visibility, published_at, id);
CREATE INDEX practices_published ON practices (status, published_at, id);
CREATE INDEX practices_title ON practices (status, visibility, title, id);
CREATE INDEX practices_published_title ON practices (status, title, id);
DROP INDEX practice_terms_by_term;
CREATE INDEX practice_terms_by_term ON practice_terms (vocab, term, practice_id);
CREATE INDEX organisations_by_name ON organisations (status, name, id);

-- +goose Down
DROP INDEX organisations_by_name;
DROP INDEX practice_terms_by_term;
CREATE INDEX practice_terms_by_term ON practice_terms (vocab, term);
DROP INDEX practices_published_title;
DROP INDEX practices_title;
DROP INDEX practices_published;
DROP INDEX practices_listing;
CREATE INDEX practices_listing ON practices (status, visibility, published_at);
