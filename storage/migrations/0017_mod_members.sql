-- Members of the community group as moderation knows them, whether or not they ever started
-- the bot: their id, the name the group shows and the @username last seen, so that a moderator
-- can name them (/warn @name). Nothing else about them is stored; they are purged with the
-- rest of the forum's personal data.
CREATE TABLE mod_members (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    username TEXT,
    seen_at  TEXT    NOT NULL,                   -- ISO 8601 UTC
    PRIMARY KEY (chat_id, user_id)
);
CREATE INDEX mod_members_username ON mod_members (username COLLATE NOCASE);
