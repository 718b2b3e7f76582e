-- What each user's next message is for, for every multi-step conversation (an announcement's
-- new body or send time, a profile step, an introduction note): one row per user, a new prompt
-- replaces the last, and a restart loses nothing. Replaces announcement_inputs (0007) and
-- intro_conversations (0005), whose rows move here.
CREATE TABLE awaited_inputs (
    user_id  INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    feature  TEXT    NOT NULL,                 -- the conversation: announcements, intros, …
    step     TEXT    NOT NULL,                 -- its state: body, time, name, note, …
    data     TEXT    NOT NULL DEFAULT '{}',    -- JSON: what the conversation carries
    set_at   TEXT    NOT NULL                  -- ISO 8601 UTC
);

INSERT OR REPLACE INTO awaited_inputs (user_id, feature, step, data, set_at)
    SELECT c.user_id, 'intros', c.step, c.data, c.updated_at
    FROM intro_conversations AS c;

-- An organiser's pending announcement prompt wins over a profile step (it was asked later in
-- the handler order too). "version:de" becomes step "version" with the language in the data.
INSERT OR REPLACE INTO awaited_inputs (user_id, feature, step, data, set_at)
    SELECT i.user_id, 'announcements',
           CASE WHEN i.what LIKE 'version:%' THEN 'version' ELSE i.what END,
           json_object(
               'announcement_id', i.announcement_id,
               'language', CASE WHEN i.what LIKE 'version:%' THEN substr(i.what, 9) ELSE '' END
           ),
           i.set_at
    FROM announcement_inputs AS i
    WHERE i.user_id IN (SELECT user_id FROM participants);

DROP TABLE announcement_inputs;
DROP TABLE intro_conversations;

-- The introductions' old table name stays readable (operators' queries, exports) as a view.
CREATE VIEW intro_conversations AS
    SELECT user_id, step, data, set_at AS updated_at FROM awaited_inputs WHERE feature = 'intros';
