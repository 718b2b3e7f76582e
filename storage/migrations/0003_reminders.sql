-- Personal reminders, reminder settings, change notices and at-most-once posts.
-- Times are unix seconds (UTC) so that "due" is an integer comparison on an index.

-- Per-user reminder settings; a missing row means every default.
CREATE TABLE reminder_settings (
    user_id       INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    lead_minutes  INTEGER,                       -- NULL: reminders.default_lead_minutes
    all_plenaries INTEGER NOT NULL DEFAULT 0,    -- remind me of every plenary
    digest_hour   INTEGER CHECK (digest_hour BETWEEN 0 AND 23)  -- NULL: no morning digest
);

-- One reminder per (user, session). The dispatcher moves a row pending -> sending -> sent in
-- separate transactions; 'sending' rows found at start were in flight at a crash.
CREATE TABLE reminders (
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    session_guid TEXT    NOT NULL,
    fire_at      INTEGER NOT NULL,               -- unix seconds UTC
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'skipped')),
    origin       TEXT    NOT NULL DEFAULT 'chosen' CHECK (origin IN ('chosen', 'plenary')),
    note         TEXT,                           -- why skipped, or 'late'
    PRIMARY KEY (user_id, session_guid)
);

CREATE INDEX reminders_due ON reminders (state, fire_at);
CREATE INDEX reminders_session ON reminders (session_guid);

-- Messages telling subscribers that a session moved, changed room or was cancelled.
-- version names the change, so the same change is told once however often it is computed.
CREATE TABLE reminder_notices (
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    session_guid TEXT    NOT NULL,
    version      TEXT    NOT NULL,
    payload      TEXT    NOT NULL,               -- JSON: what changed
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'skipped')),
    PRIMARY KEY (user_id, session_guid, version)
);

CREATE INDEX reminder_notices_state ON reminder_notices (state);

-- Group posts and morning digests, each claimed once by key before it is sent (at most once).
CREATE TABLE reminder_posts (
    key        TEXT PRIMARY KEY,                 -- 'group:<guid>:<start>', 'morning:<date>', ...
    state      TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
    claimed_at INTEGER NOT NULL
);
