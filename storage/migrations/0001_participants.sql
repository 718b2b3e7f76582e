-- Everyone who has talked to the bot. Later features hang their rows off this table.
CREATE TABLE participants (
    user_id        INTEGER PRIMARY KEY,          -- Telegram user id
    first_name     TEXT    NOT NULL,
    last_name      TEXT,
    username       TEXT,
    telegram_language TEXT,                      -- language_code Telegram reported last
    language       TEXT,                         -- the user's own choice (/language), else NULL
    timezone       TEXT,                         -- IANA zone chosen with /timezone, else NULL
    consent_directory INTEGER NOT NULL DEFAULT 0, -- may be listed in /people
    consent_intros    INTEGER NOT NULL DEFAULT 0, -- may receive introduction requests
    status         TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
    first_seen     TEXT    NOT NULL,             -- ISO 8601 UTC
    last_seen      TEXT    NOT NULL
);

CREATE INDEX participants_status ON participants (status);
