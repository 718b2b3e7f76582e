-- Who can receive private messages: a person who has opened a private chat with the bot
-- (Telegram refuses "bot can't initiate conversation" to anyone else). Rows from before this
-- migration were made by people the bot already answered, so they count as started.
ALTER TABLE participants ADD COLUMN started_at TEXT;  -- ISO 8601 UTC of the first private update
UPDATE participants SET started_at = first_seen;

-- Staff notices a moderator or organiser could not be sent in private (they never started the
-- bot, or blocked it); they went to the modlog chat instead, and the person is told once, when
-- they next start the bot, what they missed.
CREATE TABLE missed_notices (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL,                  -- the staff member's Telegram id
    text       TEXT    NOT NULL,                  -- the notice as HTML, in the staff language
    sent_to    INTEGER,                           -- the chat it went to instead, if any
    created_at TEXT    NOT NULL                   -- ISO 8601 UTC
);
CREATE INDEX missed_notices_user ON missed_notices (user_id);
