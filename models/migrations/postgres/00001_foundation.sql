-- +goose Up
CREATE TABLE organisations (
    id               BIGSERIAL PRIMARY KEY,
    slug             TEXT    NOT NULL UNIQUE,
    name             TEXT    NOT NULL,
    country          TEXT    NOT NULL,
    city             TEXT    NOT NULL DEFAULT '',
    type             TEXT    NOT NULL,
    website          TEXT    NOT NULL DEFAULT '',
    public_email     TEXT    NOT NULL DEFAULT '',
    description_md   TEXT    NOT NULL DEFAULT '',
    description_html TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT 'approved',
    demo             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE organisation_terms (
    organisation_id BIGINT  NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    vocab           TEXT    NOT NULL,
    term            TEXT    NOT NULL,
    PRIMARY KEY (organisation_id, vocab, term)
);
CREATE INDEX organisation_terms_by_term ON organisation_terms (vocab, term);

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    email                TEXT    NOT NULL UNIQUE,
    name                 TEXT    NOT NULL DEFAULT '',
    password_hash        TEXT    NOT NULL DEFAULT '',
    role                 TEXT    NOT NULL,
    organisation_id      BIGINT  REFERENCES organisations (id) ON DELETE SET NULL,
    language             TEXT    NOT NULL DEFAULT 'en',
    status               TEXT    NOT NULL DEFAULT 'active',
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);

CREATE TABLE practices (
    id              BIGSERIAL PRIMARY KEY,
    slug            TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL,
    summary         TEXT    NOT NULL DEFAULT '',
    language        TEXT    NOT NULL,
    stage           TEXT    NOT NULL DEFAULT '',
    evidence        TEXT    NOT NULL DEFAULT '',
    visibility      TEXT    NOT NULL DEFAULT 'public',
    status          TEXT    NOT NULL DEFAULT 'draft',
    organisation_id BIGINT  REFERENCES organisations (id) ON DELETE SET NULL,
    translation_of  TEXT    NOT NULL DEFAULT '',
    body_md         TEXT    NOT NULL DEFAULT '',
    body_html       TEXT    NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    published_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX practices_listing ON practices (status, visibility, published_at);
CREATE INDEX practices_translation_of ON practices (translation_of);

CREATE TABLE practice_terms (
    practice_id BIGINT  NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    vocab       TEXT    NOT NULL,
    term        TEXT    NOT NULL,
    PRIMARY KEY (practice_id, vocab, term)
);
CREATE INDEX practice_terms_by_term ON practice_terms (vocab, term);

CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    entity_id  BIGINT  NOT NULL,
    op         TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE kv (
    key        TEXT    PRIMARY KEY,
    value      BYTEA   NOT NULL,
    expires_at BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX kv_expires_at ON kv (expires_at);

-- Every outbox row wakes the indexers of all running instances at once; the
-- poll they also run catches anything a lost connection missed.
-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('proact_outbox', NEW.id::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION outbox_notify();

-- +goose Down
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
DROP TABLE kv;
DROP TABLE outbox;
DROP TABLE practice_terms;
DROP TABLE practices;
DROP TABLE users;
DROP TABLE organisation_terms;
DROP TABLE organisations;
