-- Personal data beyond the features' own tables: the purge's advance notices and its record,
-- the minimal records /forget keeps, and the key of their pseudonyms.

-- The key that turns a Telegram id into a pseudonym (HMAC-SHA256). It never leaves the file.
CREATE TABLE privacy_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    secret    BLOB    NOT NULL
);
INSERT INTO privacy_key (singleton, secret) VALUES (1, randomblob(32));

-- The notice a week before the purge, one per participant and purge date, claimed before it
-- is sent so that a restart neither repeats nor loses it.
CREATE TABLE privacy_notices (
    user_id  INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    purge_on TEXT    NOT NULL,                   -- the purge date the notice announced
    state    TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
    PRIMARY KEY (user_id, purge_on)
);

-- A minimal record that outlives a forgotten person, under a pseudonym instead of their id:
-- 'intro_block' keeps someone's block of them (owner_id is the blocker), so that it holds if
-- they return. Deleted with its owner, and at the purge.
CREATE TABLE privacy_kept (
    id         INTEGER PRIMARY KEY,
    pseudonym  TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('intro_block')),
    owner_id   INTEGER NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX privacy_kept_pseudonym ON privacy_kept (pseudonym);
CREATE INDEX privacy_kept_owner ON privacy_kept (owner_id);

-- Each purge, recorded once it has run, so that people who come after it are not purged too.
CREATE TABLE privacy_purges (
    purge_on TEXT    PRIMARY KEY,                -- the purge date (ISO) of that forum
    purged   INTEGER NOT NULL,                   -- how many people were forgotten
    done_at  TEXT    NOT NULL
);
