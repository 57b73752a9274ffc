-- Referral pathways: the moderators' note on each country's national referral
-- mechanism, one per country and language, with every earlier text kept.
-- +goose Up
CREATE TABLE national_notes (
    id              BIGSERIAL PRIMARY KEY,
    country         TEXT     NOT NULL,
    language        TEXT     NOT NULL,
    identified_by   TEXT     NOT NULL DEFAULT '',
    body_md         TEXT     NOT NULL DEFAULT '',
    body_html       TEXT     NOT NULL DEFAULT '',
    version         INTEGER  NOT NULL DEFAULT 1,
    updated_by      BIGINT   REFERENCES users (id) ON DELETE SET NULL,
    updated_by_name TEXT     NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (country, language)
);

CREATE TABLE national_note_revisions (
    id            BIGSERIAL PRIMARY KEY,
    note_id       BIGINT   NOT NULL REFERENCES national_notes (id) ON DELETE CASCADE,
    version       INTEGER  NOT NULL,
    identified_by TEXT     NOT NULL DEFAULT '',
    body_md       TEXT     NOT NULL DEFAULT '',
    author_id     BIGINT   REFERENCES users (id) ON DELETE SET NULL,
    author_name   TEXT     NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (note_id, version)
);

-- A pathway also draws the referrals that come in from abroad: look them up by target.
CREATE INDEX organisation_referrals_target ON organisation_referrals (refers_to_id);

-- +goose Down
DROP INDEX organisation_referrals_target;
DROP TABLE national_note_revisions;
DROP TABLE national_notes;
