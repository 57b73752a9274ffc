-- The outbox consumer follows commits, not sequence values: a transaction
-- that took outbox id N can commit after one that took N+1, so "id > last"
-- skips it for ever. Each row records its transaction id; a consumer applies
-- rows in (txid, id) order and only counts a row as final once every
-- transaction with a lower id has ended (pg_snapshot_xmin). Consumers record
-- their position so the outbox can be pruned behind the slowest of them.
-- +goose Up
ALTER TABLE outbox ADD COLUMN txid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX outbox_position ON outbox (txid, id);

CREATE TABLE outbox_consumers (
    name      TEXT        PRIMARY KEY,
    txid      BIGINT      NOT NULL,
    outbox_id BIGINT      NOT NULL,
    seen_at   TIMESTAMPTZ NOT NULL
);

-- One row: the highest position ever pruned. A consumer behind it has missed
-- rows and rebuilds its index from the database.
CREATE TABLE outbox_pruned (
    id        INTEGER     PRIMARY KEY CHECK (id = 1),
    txid      BIGINT      NOT NULL,
    outbox_id BIGINT      NOT NULL,
    pruned_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE outbox_pruned;
DROP TABLE outbox_consumers;
DROP INDEX outbox_position;
ALTER TABLE outbox DROP COLUMN txid;
