-- The indexes of the writes' queries: a note submitted for review tells the
-- active moderators and administrators, found by role. EXPLAIN of every
-- statement of a note's writes is checked in models/write_plans_test.go.
-- +goose Up
CREATE INDEX users_role ON users (role, status);

-- +goose Down
DROP INDEX users_role;
