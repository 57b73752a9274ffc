-- Failed attempts (sign-in, two-step codes, reset and invitation links) are
-- counted per key with one atomic increment (INSERT ... ON CONFLICT DO
-- UPDATE SET n = n + 1 RETURNING n), so that parallel guesses all count; the
-- count starts again once its window has passed (reset_at, Unix seconds).
-- Staff accounts belong to no organisation: promoting a member detaches them,
-- and any staff account still attached is detached here.
-- +goose Up
CREATE TABLE failure_counts (
    key      TEXT    PRIMARY KEY,
    n        INTEGER NOT NULL,
    reset_at BIGINT  NOT NULL
);
CREATE INDEX failure_counts_reset_at ON failure_counts (reset_at);

UPDATE users SET organisation_id = NULL, org_admin = FALSE WHERE role IN ('admin', 'moderator');

-- +goose Down
DROP TABLE failure_counts;
