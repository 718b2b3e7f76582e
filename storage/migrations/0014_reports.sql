-- /report: one report per message, counted per reporter, and told to the moderators in
-- digests. A report is a mod_log row (action 'report'); these columns say which message it is
-- about and when a digest included it.
ALTER TABLE mod_log ADD COLUMN message_id INTEGER;      -- the reported message (reports only)
ALTER TABLE mod_log ADD COLUMN digested_at TEXT;        -- ISO 8601 UTC; NULL: not told yet
-- Reports made before this migration were told one by one already.
UPDATE mod_log SET digested_at = created_at WHERE action = 'report';
CREATE UNIQUE INDEX mod_log_reported ON mod_log (chat_id, message_id) WHERE action = 'report';
CREATE INDEX mod_log_reporter ON mod_log (actor_id, created_at) WHERE action = 'report';
CREATE INDEX mod_log_undigested ON mod_log (id) WHERE action = 'report' AND digested_at IS NULL;
