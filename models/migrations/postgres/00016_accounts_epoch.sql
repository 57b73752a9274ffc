-- The accounts epoch: moved in the same transaction by every write to a user
-- or an organisation (triggers, so that no write path can forget it). Each
-- instance keeps who a session belongs to (the user and organisation rows)
-- in memory while it has not moved (app/identity.go). The trigger runs
-- before each statement, so a transaction takes the epoch's row lock before
-- any lock of its rows of users or organisations.
-- +goose Up
CREATE TABLE accounts_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);
INSERT INTO accounts_epoch (id, n) VALUES (1, 1);
-- +goose StatementBegin
CREATE FUNCTION accounts_epoch_bump() RETURNS trigger AS $$
BEGIN
    UPDATE accounts_epoch SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER users_epoch BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_epoch_bump();
CREATE TRIGGER organisations_epoch BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_epoch_bump();

-- +goose Down
DROP TRIGGER organisations_epoch ON organisations;
DROP TRIGGER users_epoch ON users;
DROP FUNCTION accounts_epoch_bump();
DROP TABLE accounts_epoch;
