-- A full rebuild of the search index reads the published notes one
-- language at a time, in id order within each (models/searchable.go,
-- PublishedPracticesAfter): one page of them at a time from this index.
-- +goose Up
CREATE INDEX practices_search_scan ON practices (status, language, id);

-- +goose Down
DROP INDEX practices_search_scan;
