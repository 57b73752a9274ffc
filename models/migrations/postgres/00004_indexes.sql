-- The indexes the queries need: an organisation's notes, a person's sign-in
-- links and API tokens (and their erasure), the audit log by actor and by
-- target (the audit page, a person's data export, erasure), mail to an
-- address (erasure), and who refers people to an organisation.
-- +goose Up
CREATE INDEX practices_organisation ON practices (organisation_id);
CREATE INDEX tokens_user_kind ON tokens (user_id, kind);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);
CREATE INDEX mail_outbox_to ON mail_outbox (to_addr);
CREATE INDEX organisation_referrals_refers_to ON organisation_referrals (refers_to_id);

-- +goose Down
DROP INDEX organisation_referrals_refers_to;
DROP INDEX mail_outbox_to;
DROP INDEX audit_log_target;
DROP INDEX audit_log_actor;
DROP INDEX api_tokens_user;
DROP INDEX tokens_user_kind;
DROP INDEX practices_organisation;
