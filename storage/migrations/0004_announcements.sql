-- Organiser announcements: the message (one default body and optional per-language bodies),
-- its audience and state, and a durable per-recipient outbox that makes delivery resumable.
CREATE TABLE announcements (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id      INTEGER NOT NULL,                  -- the organiser's Telegram id
    status         TEXT    NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    kind           TEXT    NOT NULL DEFAULT 'text' CHECK (kind IN ('text', 'photo', 'document')),
    file_id        TEXT,                              -- the photo or document, for media kinds
    audience       TEXT    NOT NULL DEFAULT 'all',    -- all, language, region, country, ...
    audience_value TEXT,                              -- the language, region, country, session
    send_at        TEXT,                              -- ISO 8601 UTC; NULL = when confirmed
    created_at     TEXT    NOT NULL,
    started_at     TEXT,
    finished_at    TEXT,
    progress_chat_id    INTEGER,                      -- the organiser's progress message
    progress_message_id INTEGER
);
CREATE INDEX announcements_status ON announcements (status, send_at);

-- The body in HTML; language '' is the default every recipient without a version gets.
CREATE TABLE announcement_versions (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    language        TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    PRIMARY KEY (announcement_id, language)
);

-- One row per recipient, written when the announcement starts; each row is marked after its
-- send, so a restart resumes with the rows still pending.
CREATE TABLE announcement_outbox (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    language        TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'blocked')),
    error           TEXT,
    PRIMARY KEY (announcement_id, chat_id)
) WITHOUT ROWID;
CREATE INDEX announcement_outbox_status ON announcement_outbox (announcement_id, status);
