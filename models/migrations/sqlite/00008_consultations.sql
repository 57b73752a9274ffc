-- Consultations: questionnaires, one response per organisation with its
-- submissions (history and late copies), idempotency keys of submissions, and
-- the claims that make each reminder go out once, whatever the instances.
-- +goose Up
CREATE TABLE consultations (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    slug                 TEXT        NOT NULL UNIQUE,
    title                TEXT        NOT NULL,
    description_md       TEXT        NOT NULL DEFAULT '',
    description_html     TEXT        NOT NULL DEFAULT '',
    initiative_url       TEXT        NOT NULL DEFAULT '',
    languages            TEXT        NOT NULL DEFAULT '[]',
    opens_at             DATETIME NOT NULL,
    closes_at            DATETIME NOT NULL,
    published_at         DATETIME,
    results_published_at DATETIME,
    frozen_at            DATETIME,
    version              INTEGER     NOT NULL DEFAULT 1,
    questions_version    INTEGER     NOT NULL DEFAULT 1,
    created_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    demo                 BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    CHECK (closes_at > opens_at)
);
CREATE INDEX consultations_closes_at ON consultations (closes_at);

CREATE TABLE consultation_questions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id INTEGER  NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    type            TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    help            TEXT    NOT NULL DEFAULT '',
    required        BOOLEAN NOT NULL DEFAULT FALSE,
    options         TEXT    NOT NULL DEFAULT '[]',
    min_choices     INTEGER NOT NULL DEFAULT 0,
    max_choices     INTEGER NOT NULL DEFAULT 0,
    max_length      INTEGER NOT NULL DEFAULT 0,
    scale_low       TEXT    NOT NULL DEFAULT '',
    scale_high      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX consultation_questions_order ON consultation_questions (consultation_id, position);

CREATE TABLE consultation_responses (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    consultation_id INTEGER      NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    organisation_id INTEGER      NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    reference       TEXT        NOT NULL UNIQUE,
    status          TEXT        NOT NULL DEFAULT 'draft',
    answers         TEXT        NOT NULL DEFAULT '{}',
    answer_versions TEXT        NOT NULL DEFAULT '{}',
    publication     TEXT        NOT NULL DEFAULT '',
    language        TEXT        NOT NULL DEFAULT '',
    version         INTEGER     NOT NULL DEFAULT 1,
    updated_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    submission_id   INTEGER,
    submitted_at    DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    -- One response per organisation: the database says so, not only the code.
    UNIQUE (consultation_id, organisation_id)
);
CREATE INDEX consultation_responses_status ON consultation_responses (consultation_id, status);

CREATE TABLE consultation_submissions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id     INTEGER      NOT NULL REFERENCES consultation_responses (id) ON DELETE CASCADE,
    seq             INTEGER     NOT NULL,
    kind            TEXT        NOT NULL,
    answers         TEXT        NOT NULL,
    publication     TEXT        NOT NULL DEFAULT '',
    language        TEXT        NOT NULL DEFAULT '',
    by_user         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at              DATETIME NOT NULL,
    UNIQUE (response_id, seq)
);

CREATE TABLE consultation_idempotency (
    consultation_id INTEGER      NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    organisation_id INTEGER      NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    key             TEXT        NOT NULL,
    request_hash    TEXT        NOT NULL,
    response_id     INTEGER      NOT NULL REFERENCES consultation_responses (id) ON DELETE CASCADE,
    created_at      DATETIME NOT NULL,
    PRIMARY KEY (consultation_id, organisation_id, key)
);

CREATE TABLE consultation_reminders (
    consultation_id INTEGER      NOT NULL REFERENCES consultations (id) ON DELETE CASCADE,
    kind            TEXT        NOT NULL,
    -- A deadline moved later gets its own reminders.
    closes_at       DATETIME NOT NULL,
    claimed_at      DATETIME NOT NULL,
    mails           INTEGER     NOT NULL DEFAULT 0,
    PRIMARY KEY (consultation_id, kind, closes_at)
);

-- +goose Down
DROP TABLE consultation_reminders;
DROP TABLE consultation_idempotency;
DROP TABLE consultation_submissions;
DROP TABLE consultation_responses;
DROP TABLE consultation_questions;
DROP TABLE consultations;
