-- Practice notes written in the browser: every saved version kept
-- (practice_revisions), a review conversation (practice_reviews), the
-- personal-data flags of each version and the moderators' confirmations of
-- them, and attachments. The practices row holds what readers see: the
-- published version, or the latest draft of a note never published.
-- +goose Up
ALTER TABLE practices ADD COLUMN pending TEXT NOT NULL DEFAULT '';
ALTER TABLE practices ADD COLUMN published_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE practices ADD COLUMN revised_at DATETIME;
ALTER TABLE practices ADD COLUMN created_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE practices ADD COLUMN submitted_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE practices ADD COLUMN submitted_at DATETIME;
CREATE INDEX practices_review ON practices (status, pending, submitted_at);
CREATE INDEX practices_org_updated ON practices (organisation_id, updated_at);
UPDATE practices SET published_version = version, revised_at = COALESCE(published_at, updated_at)
    WHERE status = 'published';

CREATE TABLE practice_revisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id    INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    title          TEXT    NOT NULL,
    summary        TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL,
    stage          TEXT    NOT NULL DEFAULT '',
    evidence       TEXT    NOT NULL DEFAULT '',
    visibility     TEXT    NOT NULL DEFAULT 'public',
    terms          TEXT    NOT NULL DEFAULT '{}',
    body_md        TEXT    NOT NULL DEFAULT '',
    body_html      TEXT    NOT NULL DEFAULT '',
    author_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    message        TEXT    NOT NULL DEFAULT '',
    restored_from  INTEGER,
    published_at   DATETIME,
    created_at     DATETIME NOT NULL,
    UNIQUE (practice_id, version)
);

-- Every note already stored becomes its own first kept version.
INSERT INTO practice_revisions (practice_id, version, title, summary, language, stage, evidence,
        visibility, terms, body_md, body_html, message, published_at, created_at)
SELECT p.id, p.version, p.title, p.summary, p.language, p.stage, p.evidence, p.visibility,
       COALESCE((SELECT json_group_object(g.vocab, json(g.terms)) FROM
                   (SELECT t.vocab, json_group_array(t.term) AS terms FROM
                      (SELECT vocab, term FROM practice_terms WHERE practice_id = p.id ORDER BY vocab, term) t
                    GROUP BY t.vocab) g), '{}'),
       p.body_md, p.body_html, '',
       CASE WHEN p.status = 'published' THEN COALESCE(p.published_at, p.updated_at) END, p.updated_at
FROM practices p;

CREATE TABLE practice_reviews (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action      TEXT    NOT NULL,
    comment     TEXT    NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL
);
CREATE INDEX practice_reviews_practice ON practice_reviews (practice_id, created_at);

CREATE TABLE practice_flags (
    practice_id INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    field       TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    length      INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    PRIMARY KEY (practice_id, version, field, position)
);

CREATE TABLE practice_flag_confirmations (
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    fingerprint  TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    confirmed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    confirmed_at DATETIME NOT NULL,
    PRIMARY KEY (practice_id, fingerprint)
);

CREATE TABLE practice_attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id  INTEGER NOT NULL REFERENCES practices (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL UNIQUE,
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    uploaded_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX practice_attachments_practice ON practice_attachments (practice_id);

-- +goose Down
DROP TABLE practice_attachments;
DROP TABLE practice_flag_confirmations;
DROP TABLE practice_flags;
DROP TABLE practice_reviews;
DROP TABLE practice_revisions;
DROP INDEX practices_org_updated;
DROP INDEX practices_review;
ALTER TABLE practices DROP COLUMN submitted_at;
ALTER TABLE practices DROP COLUMN submitted_by;
ALTER TABLE practices DROP COLUMN created_by;
ALTER TABLE practices DROP COLUMN revised_at;
ALTER TABLE practices DROP COLUMN published_version;
ALTER TABLE practices DROP COLUMN pending;
