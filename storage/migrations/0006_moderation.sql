-- Moderation of the community group: who administers it, who still has to verify, warnings,
-- the rules text and the log of every action. Times are ISO 8601 UTC.

-- The group's Telegram administrators, kept current from chat_member updates.
CREATE TABLE mod_admins (
    chat_id  INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

-- Newcomers who have not pressed "I agree" yet; removed at their deadline by a periodic sweep,
-- so a restart loses nothing.
CREATE TABLE mod_pending (
    chat_id            INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,
    first_name         TEXT    NOT NULL,
    welcome_message_id INTEGER,                  -- the bot's welcome, deleted afterwards
    joined_at          TEXT    NOT NULL,
    deadline           TEXT    NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE INDEX mod_pending_deadline ON mod_pending (deadline);

-- When a member joined, for the optional "no links in the first hours" rule.
CREATE TABLE mod_newcomers (
    chat_id   INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    joined_at TEXT    NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE mod_warnings (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    given_by   INTEGER NOT NULL,
    reason     TEXT,
    given_at   TEXT    NOT NULL,
    revoked_at TEXT                              -- set by /unwarn
);

CREATE INDEX mod_warnings_user ON mod_warnings (chat_id, user_id, revoked_at);

CREATE TABLE mod_rules (
    chat_id INTEGER PRIMARY KEY,
    text    TEXT    NOT NULL,
    set_by  INTEGER NOT NULL,
    set_at  TEXT    NOT NULL
);

-- Every moderation action: who (NULL = the bot on its own), whom, what, why, when.
CREATE TABLE mod_log (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT,
    target_id   INTEGER,
    target_name TEXT,
    reason      TEXT,
    until       TEXT,                            -- end of a mute or ban, if any
    link        TEXT,                            -- t.me link to the message concerned
    created_at  TEXT    NOT NULL
);

CREATE INDEX mod_log_created ON mod_log (created_at);
