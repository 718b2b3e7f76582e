-- Introductions: profiles, the guided conversation's state, introduction requests, blocks,
-- /meet suggestions and self-introductions. Every row hangs off participants and goes with it.
CREATE TABLE profiles (
    profile_id   INTEGER PRIMARY KEY AUTOINCREMENT,  -- shown on cards and in buttons, never the Telegram id
    user_id      INTEGER NOT NULL UNIQUE REFERENCES participants (user_id) ON DELETE CASCADE,
    display_name TEXT    NOT NULL,
    organisation TEXT    NOT NULL DEFAULT '',
    city         TEXT    NOT NULL DEFAULT '',
    country      TEXT    NOT NULL,                   -- ISO 3166-1 alpha-2
    region       TEXT    NOT NULL CHECK (region IN ('europe', 'africa', 'latam', 'other')),
    role         TEXT    NOT NULL DEFAULT '',
    topics       TEXT    NOT NULL DEFAULT ',',       -- ",id,id," for matching in one scan
    languages    TEXT    NOT NULL DEFAULT ',',       -- ",en,fr,"
    bio          TEXT    NOT NULL DEFAULT '',
    listed       INTEGER NOT NULL DEFAULT 0,         -- consent: shown in /people
    accepts_intros INTEGER NOT NULL DEFAULT 0,       -- consent: may receive requests
    meet_opt_in  INTEGER NOT NULL DEFAULT 0,         -- takes part in /meet
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX profiles_listed ON profiles (listed, profile_id);
CREATE INDEX profiles_listed_country ON profiles (listed, country, profile_id);
CREATE INDEX profiles_listed_region ON profiles (listed, region, profile_id);

-- One row per topic and per language, for the directory's indexed filters.
CREATE TABLE profile_topics (
    profile_id INTEGER NOT NULL REFERENCES profiles (profile_id) ON DELETE CASCADE,
    topic      TEXT    NOT NULL,
    PRIMARY KEY (profile_id, topic)
);
CREATE INDEX profile_topics_topic ON profile_topics (topic, profile_id);

CREATE TABLE profile_languages (
    profile_id INTEGER NOT NULL REFERENCES profiles (profile_id) ON DELETE CASCADE,
    language   TEXT    NOT NULL,
    PRIMARY KEY (profile_id, language)
);
CREATE INDEX profile_languages_language ON profile_languages (language, profile_id);

-- What the user is in the middle of (a profile step, writing a note); survives a restart.
CREATE TABLE intro_conversations (
    user_id    INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    step       TEXT    NOT NULL,
    data       TEXT    NOT NULL DEFAULT '{}',        -- JSON
    updated_at TEXT    NOT NULL
);

CREATE TABLE intro_requests (
    request_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    target_id    INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    note         TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'declined', 'blocked')),
    created_at   TEXT    NOT NULL,
    decided_at   TEXT,
    CHECK (requester_id <> target_id)
);
CREATE INDEX intro_requests_requester ON intro_requests (requester_id, status);
CREATE INDEX intro_requests_target ON intro_requests (target_id, status);
-- At most one open (pending or accepted) request per ordered pair; the service also checks
-- the reverse direction.
CREATE UNIQUE INDEX intro_requests_open_pair ON intro_requests (requester_id, target_id)
    WHERE status IN ('pending', 'accepted');

-- The blocker's own data: it goes when the blocker forgets themselves.
CREATE TABLE intro_blocks (
    blocker_id INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX intro_blocks_blocked ON intro_blocks (blocked_id);

CREATE TABLE meet_suggestions (
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    suggested_id INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (user_id, suggested_id)
);

CREATE TABLE self_intros (
    intro_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'posted', 'rejected')),
    created_at TEXT    NOT NULL,
    decided_at TEXT
);
CREATE INDEX self_intros_user ON self_intros (user_id, status);
