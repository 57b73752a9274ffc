-- Each instance keeps the request state in memory on PostgreSQL
-- (models/live.go): the content version (the outbox already notifies
-- proact_outbox), the accounts epoch and the stored values of sessions. So
-- that every instance hears of the last two at once, they notify too, in the
-- writing transaction (delivered at its commit): proact_accounts with every
-- statement that writes users or organisations, as the epoch moves (payload
-- empty: identical notifications of one transaction are folded into one),
-- proact_sessions with the key of every session row
-- written or deleted (empty: all of them, on TRUNCATE).
-- The triggers are of their own, beside 00016's (which move the epoch), so
-- that this migration does not depend on that one (numbers are handed out
-- per branch: either may land first).
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION accounts_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('proact_accounts', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER users_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_notify();
CREATE TRIGGER organisations_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_notify();
-- The sessions epoch, as on SQLite (where requests read it: see
-- models/sessions_epoch.go), moved by the same triggers; PostgreSQL's
-- instances follow the notifications instead.
CREATE TABLE sessions_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO sessions_epoch (id, n) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION kv_session_notify() RETURNS trigger AS $$
BEGIN
    UPDATE sessions_epoch SET n = n + 1 WHERE id = 1;
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('proact_sessions', '');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('proact_sessions', OLD.key);
    ELSE
        PERFORM pg_notify('proact_sessions', NEW.key);
        IF TG_OP = 'UPDATE' AND OLD.key <> NEW.key THEN
            PERFORM pg_notify('proact_sessions', OLD.key);
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER kv_session_insert AFTER INSERT ON kv FOR EACH ROW
    WHEN (substr(NEW.key, 1, 5) = 'sess:') EXECUTE FUNCTION kv_session_notify();
CREATE TRIGGER kv_session_update AFTER UPDATE ON kv FOR EACH ROW
    WHEN (substr(NEW.key, 1, 5) = 'sess:' OR substr(OLD.key, 1, 5) = 'sess:') EXECUTE FUNCTION kv_session_notify();
CREATE TRIGGER kv_session_delete AFTER DELETE ON kv FOR EACH ROW
    WHEN (substr(OLD.key, 1, 5) = 'sess:') EXECUTE FUNCTION kv_session_notify();
CREATE TRIGGER kv_session_truncate AFTER TRUNCATE ON kv
    FOR EACH STATEMENT EXECUTE FUNCTION kv_session_notify();

-- +goose Down
DROP TRIGGER kv_session_truncate ON kv;
DROP TRIGGER kv_session_delete ON kv;
DROP TRIGGER kv_session_update ON kv;
DROP TRIGGER kv_session_insert ON kv;
DROP FUNCTION kv_session_notify();
DROP TABLE sessions_epoch;
DROP TRIGGER organisations_notify ON organisations;
DROP TRIGGER users_notify ON users;
DROP FUNCTION accounts_notify();
