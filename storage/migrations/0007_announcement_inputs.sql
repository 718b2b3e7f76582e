-- What an organiser composing an announcement is about to type next (a new body, a language
-- version, a send time, a country or a session), so a restart between the button press and
-- the organiser's message loses nothing. One row per organiser: a new prompt replaces the last.
CREATE TABLE announcement_inputs (
    user_id         INTEGER PRIMARY KEY,              -- the organiser's Telegram id
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    what            TEXT    NOT NULL,                 -- body, version:<lang>, time, country, session
    set_at          TEXT    NOT NULL                  -- ISO 8601 UTC
);
