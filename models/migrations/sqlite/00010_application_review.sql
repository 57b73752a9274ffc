-- The moderators' review of an application: their internal notes, the
-- vetting checklist (the ticked items, comma-separated), and when they last
-- asked the applicant for more information (the application then waits in
-- status info_requested).
-- +goose Up
ALTER TABLE applications ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN checklist TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN info_requested_at DATETIME;

-- +goose Down
ALTER TABLE applications DROP COLUMN info_requested_at;
ALTER TABLE applications DROP COLUMN checklist;
ALTER TABLE applications DROP COLUMN notes;
