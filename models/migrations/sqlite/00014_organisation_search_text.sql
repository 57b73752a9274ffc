-- The directory's text search ignores accents and case: the name and city,
-- folded by the application (models.Fold) on every write, and for the rows
-- already there by models.FillSearchText right after migrating.
-- +goose Up
ALTER TABLE organisations ADD COLUMN search_text TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE organisations DROP COLUMN search_text;
