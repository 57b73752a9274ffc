-- The sessions epoch (SQLite): moved in the same transaction by every write
-- of a session row (sess: keys of kv), by triggers, whatever the process
-- (another instance on the file, the command line). A member's request
-- reads it with the content version and the accounts epoch, and takes its
-- session's stored value from this instance's memory while it has not
-- moved (models/sessions_epoch.go): one statement of three lookups instead
-- of four and a copy of the value. PostgreSQL's 00018 notifies instead.
-- +goose Up
CREATE TABLE sessions_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO sessions_epoch (id, n) VALUES (1, 1);
-- +goose StatementBegin
CREATE TRIGGER kv_sessions_insert AFTER INSERT ON kv WHEN substr(NEW.key, 1, 5) = 'sess:'
BEGIN UPDATE sessions_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER kv_sessions_update AFTER UPDATE ON kv WHEN substr(NEW.key, 1, 5) = 'sess:' OR substr(OLD.key, 1, 5) = 'sess:'
BEGIN UPDATE sessions_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER kv_sessions_delete AFTER DELETE ON kv WHEN substr(OLD.key, 1, 5) = 'sess:'
BEGIN UPDATE sessions_epoch SET n = n + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER kv_sessions_delete;
DROP TRIGGER kv_sessions_update;
DROP TRIGGER kv_sessions_insert;
DROP TABLE sessions_epoch;
