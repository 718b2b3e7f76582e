-- Insight for organisers: the counts /stats needs that no other table keeps, and the indexes
-- that keep its figures fast over large forums.

-- Messages in the community group per UTC hour: a count only, no content and no person.
-- /stats adds the hours up into days of the event's zone.
CREATE TABLE group_activity (
    chat_id  INTEGER NOT NULL,
    hour     INTEGER NOT NULL,                   -- unix seconds of the hour's start, UTC
    messages INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, hour)
) WITHOUT ROWID;

-- When a newcomer pressed "I agree" (NULL: not verified, or joined while verification was off).
ALTER TABLE mod_newcomers ADD COLUMN verified_at TEXT;

-- The room's capacity for a session, where the schedule gives one.
ALTER TABLE schedule_sessions ADD COLUMN capacity INTEGER;

-- Subscriptions per session count only chosen reminders: this index answers without the table.
CREATE INDEX reminders_origin_session ON reminders (origin, session_guid);
