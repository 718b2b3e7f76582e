-- The web side: the webhook's secret and the updates it received, the chats whose menu button
-- opens the Mini App in their language, and a heartbeat row the health check writes.

-- Small named values: 'webhook_secret' (the current one), 'webhook_secret_previous' (accepted
-- until Telegram confirms the new one), 'heartbeat' (unix seconds of the last health write).
CREATE TABLE web_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every update the webhook accepted, by Telegram's update_id: a redelivery finds its id and
-- is dropped. ``body`` is kept until the update is processed, so one received just before a
-- crash is processed at the next start. Rows older than Telegram's 24 h retention are pruned.
CREATE TABLE webhook_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,                -- unix seconds UTC
    body        TEXT                             -- the update's JSON; NULL once processed
);
CREATE INDEX webhook_updates_received ON webhook_updates (received_at);
CREATE INDEX webhook_updates_unprocessed ON webhook_updates (update_id) WHERE body IS NOT NULL;

-- The language of the Mini App button set in each private chat's menu.
CREATE TABLE web_menu_buttons (
    user_id  INTEGER PRIMARY KEY REFERENCES participants (user_id) ON DELETE CASCADE,
    language TEXT NOT NULL
) WITHOUT ROWID;
