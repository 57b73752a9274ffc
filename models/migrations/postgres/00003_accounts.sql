-- Accounts, vetting and the directory: sign-in with two-factor, invitations
-- and password resets, applications to join, audit log, API tokens, mail.
-- +goose Up
ALTER TABLE users ADD COLUMN org_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;
CREATE INDEX users_organisation ON users (organisation_id);

ALTER TABLE organisations ADD COLUMN public_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX organisations_directory ON organisations (status, country, type);

CREATE TABLE organisation_referrals (
    organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    refers_to_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (organisation_id, refers_to_id)
);

CREATE TABLE applications (
    id              BIGSERIAL PRIMARY KEY,
    status          TEXT    NOT NULL DEFAULT 'pending',
    profile         TEXT    NOT NULL,
    contact_name    TEXT    NOT NULL,
    contact_email   TEXT    NOT NULL,
    language        TEXT    NOT NULL DEFAULT 'en',
    reason          TEXT    NOT NULL DEFAULT '',
    reviewed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at     TIMESTAMPTZ,
    organisation_id BIGINT REFERENCES organisations (id) ON DELETE SET NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX applications_status ON applications (status, created_at);

CREATE TABLE tokens (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE recovery_codes (
    id      BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    TEXT    NOT NULL,
    used_at TIMESTAMPTZ
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    hash         TEXT    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id BIGINT,
    actor_email TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    target_kind TEXT    NOT NULL DEFAULT '',
    target_id BIGINT,
    detail      TEXT    NOT NULL DEFAULT '',
    ip          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);

CREATE TABLE mail_outbox (
    id         BIGSERIAL PRIMARY KEY,
    to_addr    TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    kind       TEXT    NOT NULL DEFAULT '',
    language   TEXT    NOT NULL DEFAULT 'en',
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT '',
    sent_at    TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX mail_outbox_unsent ON mail_outbox (sent_at, id);

-- +goose Down
DROP TABLE mail_outbox;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE recovery_codes;
DROP TABLE tokens;
DROP TABLE applications;
DROP TABLE organisation_referrals;
DROP INDEX organisations_directory;
DROP INDEX users_organisation;
ALTER TABLE organisations DROP COLUMN public_phone, DROP COLUMN contact_name, DROP COLUMN contact_email,
    DROP COLUMN contact_phone, DROP COLUMN suspended_reason;
ALTER TABLE users DROP COLUMN org_admin, DROP COLUMN totp_secret, DROP COLUMN totp_enabled,
    DROP COLUMN session_epoch, DROP COLUMN last_login_at;
