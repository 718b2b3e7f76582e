-- Sessions become dialogues: questions to the panel, feedback, the end-of-forum survey, and the
-- community that stays after the forum. Times are unix seconds (UTC) where the bot compares
-- them ("due"), ISO 8601 UTC text where they are only shown.

-- A question to a session. 'draft' waits for the asker's choice to sign or stay anonymous;
-- 'pending' waits for a host's approval (pre-moderation); 'open' and 'answered' are public;
-- 'hidden' is shown to nobody. The asker is kept (to tell them when it is answered, and for
-- /mydata and /forget) but never shown when the question is anonymous.
CREATE TABLE questions (
    question_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    session_guid TEXT    NOT NULL,
    asker_id     INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    anonymous    INTEGER NOT NULL DEFAULT 1,
    signature    TEXT    NOT NULL DEFAULT '',        -- the name signed; '' if anonymous
    region       TEXT    NOT NULL DEFAULT 'other',   -- the asker's region, shown when anonymous
    language     TEXT    NOT NULL,                   -- the asker's interface language
    text         TEXT    NOT NULL,
    status       TEXT    NOT NULL
                 CHECK (status IN ('draft', 'pending', 'open', 'answered', 'hidden')),
    pinned       INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    answered_at  INTEGER
);
CREATE INDEX questions_session ON questions (session_guid, status);
CREATE INDEX questions_asker ON questions (asker_id);

-- One "+1" per person and question.
CREATE TABLE question_votes (
    question_id INTEGER NOT NULL REFERENCES questions (question_id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, user_id)
) WITHOUT ROWID;
CREATE INDEX question_votes_user ON question_votes (user_id);

-- Session hosts, assigned by organisers (organisers and moderators host every session).
CREATE TABLE session_hosts (
    session_guid TEXT    NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    assigned_at  INTEGER NOT NULL,
    PRIMARY KEY (session_guid, user_id)
);
CREATE INDEX session_hosts_user ON session_hosts (user_id);

-- Live host views: messages edited in place as the queue changes (kept across restarts).
CREATE TABLE question_views (
    chat_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL,
    session_guid TEXT    NOT NULL,
    opened_at    INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX question_views_session ON question_views (session_guid);

-- Top questions posted to the community group once a session ended: claimed once by session.
CREATE TABLE question_posts (
    session_guid TEXT PRIMARY KEY,
    state        TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'none')),
    claimed_at   INTEGER NOT NULL
);

-- Sessions whose feedback prompts have been planned (once each).
CREATE TABLE feedback_sessions (
    session_guid TEXT PRIMARY KEY,
    planned_at   INTEGER NOT NULL
);

-- One prompt per person and session at most; several due together go out as one message.
CREATE TABLE feedback_prompts (
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    session_guid TEXT    NOT NULL,
    due_at       INTEGER NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'skipped')),
    sent_at      INTEGER,
    PRIMARY KEY (user_id, session_guid)
);
CREATE INDEX feedback_prompts_due ON feedback_prompts (state, due_at);
CREATE INDEX feedback_prompts_sent ON feedback_prompts (user_id, sent_at);

-- A rating pressed but not yet submitted (waiting for the optional comment): still linked to
-- the person until it is submitted.
CREATE TABLE feedback_drafts (
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    session_guid TEXT    NOT NULL,
    rating       INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    named        INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, session_guid)
);

-- Who has rated which session (so nobody rates twice), without saying how. No rowid and no
-- time, so it cannot be lined up with feedback_ratings.
CREATE TABLE feedback_given (
    user_id      INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    session_guid TEXT    NOT NULL,
    PRIMARY KEY (user_id, session_guid)
) WITHOUT ROWID;

-- Submitted ratings: anonymous (no person) unless the person chose to be named.
CREATE TABLE feedback_ratings (
    rating_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    session_guid  TEXT    NOT NULL,
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT    NOT NULL DEFAULT '',
    language      TEXT    NOT NULL,
    region        TEXT    NOT NULL,
    named_user_id INTEGER REFERENCES participants (user_id) ON DELETE CASCADE,
    named_as      TEXT,
    submitted_on  TEXT    NOT NULL                    -- the day (ISO date), not the time
);
CREATE INDEX feedback_ratings_session ON feedback_ratings (session_guid);

-- The survey's progress per person: sent with the "after the forum" message, one reminder.
CREATE TABLE survey_state (
    user_id      INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    sent_at      INTEGER,
    reminded_at  INTEGER,
    completed_at INTEGER
);

-- Answers given so far by someone still taking the survey (linked until they finish).
CREATE TABLE survey_drafts (
    user_id     INTEGER NOT NULL REFERENCES participants (user_id) ON DELETE CASCADE,
    question_id TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    PRIMARY KEY (user_id, question_id)
);

-- Finished surveys, anonymous: a response has a language and a region, never a person.
CREATE TABLE survey_responses (
    response_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    language     TEXT NOT NULL,
    region       TEXT NOT NULL,
    submitted_on TEXT NOT NULL
);
CREATE TABLE survey_answers (
    response_id INTEGER NOT NULL REFERENCES survey_responses (response_id) ON DELETE CASCADE,
    question_id TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    PRIMARY KEY (response_id, question_id)
);

-- The "after the forum" message: sent once per person on the last day.
CREATE TABLE afterforum_sends (
    user_id INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    state   TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
    sent_at INTEGER NOT NULL
);

-- Explicit, revocable consent to stay in the community for the next forum: the profile is kept
-- past the purge. monthly_meet asks for a /meet suggestion each month.
CREATE TABLE community_stay (
    user_id         INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    staying         INTEGER NOT NULL,
    monthly_meet    INTEGER NOT NULL DEFAULT 0,
    decided_at      TEXT    NOT NULL,                 -- ISO 8601 UTC, the consent's record
    last_meet_month TEXT                              -- 'YYYY-MM' of the last suggestion sent
);
