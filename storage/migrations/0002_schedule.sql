-- The imported programme: the durable copy of what the bot answers from in memory.
-- The full-text index (FTS5, when the SQLite build has it) is derived data: ScheduleStore
-- creates and rebuilds it at runtime, so a build without FTS5 still migrates.
CREATE TABLE schedule_sessions (
    guid        TEXT PRIMARY KEY,                -- stable key across imports (ICS UID)
    id          TEXT NOT NULL UNIQUE,            -- what users see and type ("12")
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    start_utc   TEXT NOT NULL,                   -- ISO 8601 UTC
    end_utc     TEXT NOT NULL,
    day         TEXT NOT NULL,                   -- event day (ISO date) the session belongs to
    room        TEXT NOT NULL,
    track       TEXT,
    type        TEXT,
    speakers    TEXT NOT NULL DEFAULT '[]',      -- JSON array of names
    language    TEXT,
    url         TEXT,
    titles      TEXT NOT NULL DEFAULT '{}',      -- JSON object lang -> title
    descriptions TEXT NOT NULL DEFAULT '{}',     -- JSON object lang -> description
    search_text TEXT NOT NULL DEFAULT ''         -- casefolded, accent-free text for LIKE search
);

CREATE INDEX schedule_sessions_start ON schedule_sessions (start_utc);

-- iCalendar SEQUENCE per guid; kept when a session disappears so a return still counts up.
CREATE TABLE schedule_sequences (
    guid     TEXT PRIMARY KEY,
    sequence INTEGER NOT NULL DEFAULT 0
);

-- One row describing the imported programme.
CREATE TABLE schedule_programme (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    name        TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    version     TEXT NOT NULL,
    days        TEXT NOT NULL,                   -- JSON array of ISO dates
    imported_at TEXT NOT NULL                    -- ISO 8601 UTC
);
