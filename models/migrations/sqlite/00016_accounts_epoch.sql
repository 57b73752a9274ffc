-- The accounts epoch: moved in the same transaction by every write to a user
-- or an organisation (triggers, so that no write path can forget it). Each
-- instance keeps who a session belongs to (the user and organisation rows)
-- in memory while it has not moved (app/identity.go).
-- +goose Up
CREATE TABLE accounts_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO accounts_epoch (id, n) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER users_epoch_insert AFTER INSERT ON users BEGIN UPDATE accounts_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_epoch_update AFTER UPDATE ON users BEGIN UPDATE accounts_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER users_epoch_delete AFTER DELETE ON users BEGIN UPDATE accounts_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_epoch_insert AFTER INSERT ON organisations BEGIN UPDATE accounts_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_epoch_update AFTER UPDATE ON organisations BEGIN UPDATE accounts_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER organisations_epoch_delete AFTER DELETE ON organisations BEGIN UPDATE accounts_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER organisations_epoch_delete;
DROP TRIGGER organisations_epoch_update;
DROP TRIGGER organisations_epoch_insert;
DROP TRIGGER users_epoch_delete;
DROP TRIGGER users_epoch_update;
DROP TRIGGER users_epoch_insert;
DROP TABLE accounts_epoch;
