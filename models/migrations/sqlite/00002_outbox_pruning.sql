-- The outbox is pruned of rows older than every running indexer's position;
-- this index keeps that cheap as the table grows.
-- +goose Up
CREATE INDEX outbox_created_at ON outbox (created_at);

-- +goose Down
DROP INDEX outbox_created_at;
