-- Channels that members post in the community group on behalf of ("send as"): when each was
-- first seen there (the newcomers' link rule counts from it, as from a member's join) and until
-- when it is banned from posting (after flooding, or a moderator's /mute or /ban with an end:
-- Telegram's ban of a channel has none, so a periodic sweep lifts it). Channel ids are
-- Telegram chat ids (negative).
CREATE TABLE mod_channels (
    chat_id     INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    first_seen  TEXT    NOT NULL,                -- ISO 8601 UTC
    muted_until TEXT,                            -- ISO 8601 UTC; NULL: nothing to lift
    PRIMARY KEY (chat_id, channel_id)
);
CREATE INDEX mod_channels_muted ON mod_channels (muted_until) WHERE muted_until IS NOT NULL;
