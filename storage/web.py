"""The web side's storage: the webhook secret, received updates, menu buttons, the heartbeat."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.database import Database

SECRET = "webhook_secret"
PREVIOUS_SECRET = "webhook_secret_previous"
HEARTBEAT = "heartbeat"
# Telegram keeps an undelivered update for at most 24 hours; an id older than that cannot
# come back, so its row only needs to outlive that (plus a margin for clock drift).
UPDATE_MEMORY = timedelta(hours=25)
# And never more rows than this, however busy the bot (the newest are kept).
MAX_UPDATE_ROWS = 100_000


def _ts(instant: datetime) -> int:
    return int(instant.timestamp())


class WebStore:
    """Repository of the web tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the webhook's secret -----------------------------------------------------------------

    async def rotate_secret(self, secret: str) -> None:
        """Make ``secret`` the current one, keeping the old one until Telegram has the new."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT OR REPLACE INTO web_state (key, value) "
                "SELECT ?, value FROM web_state WHERE key = ?",
                (PREVIOUS_SECRET, SECRET),
            )
            await tx.execute(
                "INSERT OR REPLACE INTO web_state (key, value) VALUES (?, ?)", (SECRET, secret)
            )

    async def forget_previous_secret(self) -> None:
        """Stop accepting the secret from before the last rotation."""
        await self._db.execute("DELETE FROM web_state WHERE key = ?", (PREVIOUS_SECRET,))

    async def secrets(self) -> list[str]:
        """Return the secrets a webhook request may carry (the current one first)."""
        rows = await self._db.fetchall(
            "SELECT value FROM web_state WHERE key IN (?, ?) ORDER BY key = ? DESC",
            (SECRET, PREVIOUS_SECRET, SECRET),
        )
        return [row[0] for row in rows]

    # -- received updates ----------------------------------------------------------------------

    async def receive(self, update_id: int, body: str, now: datetime) -> bool:
        """Record an update the webhook got; False when this update_id was seen before."""
        return await self._db.changed_one(
            "INSERT OR IGNORE INTO webhook_updates (update_id, received_at, body) "
            "VALUES (?, ?, ?)",
            (update_id, _ts(now), body),
        )

    async def processed(self, update_id: int) -> None:
        """Mark an update processed: only its id is kept, to recognise a redelivery."""
        await self._db.execute(
            "UPDATE webhook_updates SET body = NULL WHERE update_id = ? AND body IS NOT NULL",
            (update_id,),
        )

    async def unprocessed(self) -> list[tuple[int, str]]:
        """Return the updates received but not processed (a crash came between), in order."""
        rows = await self._db.fetchall(
            "SELECT update_id, body FROM webhook_updates WHERE body IS NOT NULL ORDER BY update_id"
        )
        return [(row[0], row[1]) for row in rows]

    async def prune(self, now: datetime) -> int:
        """Forget processed ids Telegram can no longer redeliver; return how many."""
        async with self._db.transaction() as tx:
            old = await tx.execute(
                "DELETE FROM webhook_updates WHERE received_at < ? AND body IS NULL",
                (_ts(now - UPDATE_MEMORY),),
            )
            excess = await tx.execute(
                "DELETE FROM webhook_updates WHERE body IS NULL AND update_id NOT IN "
                "(SELECT update_id FROM webhook_updates ORDER BY update_id DESC LIMIT ?)",
                (MAX_UPDATE_ROWS,),
            )
        return old.rowcount + excess.rowcount

    # -- menu buttons ----------------------------------------------------------------------------

    async def menu_languages(self) -> dict[int, str]:
        """Return the language of the Mini App button set in each private chat."""
        rows = await self._db.fetchall("SELECT user_id, language FROM web_menu_buttons")
        return {row[0]: row[1] for row in rows}

    async def set_menu_language(self, user_id: int, language: str) -> None:
        """Record that the chat's menu button was set in ``language``."""
        await self._db.execute(
            "INSERT OR REPLACE INTO web_menu_buttons (user_id, language) VALUES (?, ?)",
            (user_id, language),
        )

    # -- health ----------------------------------------------------------------------------------

    async def heartbeat(self, now: datetime) -> None:
        """Write the heartbeat row: the health check's proof that the database takes writes."""
        await self._db.execute(
            "INSERT OR REPLACE INTO web_state (key, value) VALUES (?, ?)",
            (HEARTBEAT, str(_ts(now))),
        )


class MonitoringStore:
    """Read-only counts across features for the metrics, taken at scrape time."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def pending_reminders(self) -> int:
        """Return reminders and change notices not yet sent."""
        value = await self._db.fetchval(
            "SELECT (SELECT COUNT(*) FROM reminders WHERE state IN ('pending', 'sending')) + "
            "(SELECT COUNT(*) FROM reminder_notices WHERE state IN ('pending', 'sending'))"
        )
        return int(value or 0)

    async def outbox_rows(self) -> int:
        """Return announcement deliveries not yet sent."""
        value = await self._db.fetchval(
            "SELECT COUNT(*) FROM announcement_outbox WHERE status = 'pending'"
        )
        return int(value or 0)
