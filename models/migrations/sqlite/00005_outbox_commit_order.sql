-- The outbox consumer follows commits, not sequence values (see the
-- PostgreSQL migration). SQLite has one writer at a time, so ids commit in
-- order and txid stays 0: the same (txid, id) order is the id order.
-- Consumers record their position so the outbox can be pruned behind the
-- slowest of them.
-- +goose Up
ALTER TABLE outbox ADD COLUMN txid INTEGER NOT NULL DEFAULT 0;

CREATE TABLE outbox_consumers (
    name      TEXT     PRIMARY KEY,
    txid      INTEGER  NOT NULL,
    outbox_id INTEGER  NOT NULL,
    seen_at   DATETIME NOT NULL
);

-- One row: the highest position ever pruned. A consumer behind it has missed
-- rows and rebuilds its index from the database.
CREATE TABLE outbox_pruned (
    id        INTEGER  PRIMARY KEY CHECK (id = 1),
    txid      INTEGER  NOT NULL,
    outbox_id INTEGER  NOT NULL,
    pruned_at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE outbox_pruned;
DROP TABLE outbox_consumers;
ALTER TABLE outbox DROP COLUMN txid;
