"""Participants: who has talked to the bot, their language, zone, consents and reachability."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.participants.model import MissedNotice, Participant, UserSeen
from storage.database import Database, Row
from storage.rows import from_row


def _to_participant(row: Row) -> Participant:
    return from_row(
        Participant,
        row,
        is_blocked=row["status"] == "blocked",
        started=row["started_at"] is not None,
    )


# How stale ``last_seen`` may get before an update from the same user writes it again.
SEEN_RESOLUTION = timedelta(minutes=5)


async def languages_of(
    db: Database, user_ids: Sequence[int], default: str
) -> list[tuple[int, str]]:
    """Return each user's language (chosen, else Telegram's, else ``default``), by user id."""
    if not user_ids:
        return []
    marks = ", ".join("?" for _ in user_ids)
    rows = await db.fetchall(
        f"SELECT user_id, COALESCE(language, telegram_language, ?) FROM participants"
        f" WHERE user_id IN ({marks}) ORDER BY user_id",
        (default, *user_ids),
    )
    return [(int(row[0]), str(row[1])) for row in rows]


class Participants:
    """Repository of the participants table, with a write-through cache of the rows read.

    Every update starts by recording its sender; doing that in SQLite each time would cost a
    round trip to the database thread per update. The cache answers when nothing changed and
    ``last_seen`` is recent. All writes to the table go through this class (or call
    ``invalidate``), so the cache never disagrees with the database.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[int, Participant] = {}

    def invalidate(self, user_id: int) -> None:
        """Forget the cached row of a user whose row was changed elsewhere."""
        self._cache.pop(user_id, None)

    async def record_seen(self, user: UserSeen, now: datetime) -> Participant:
        """Insert or refresh the user from an update and return their row."""
        cached = self._cache.get(user.user_id)
        if (
            cached is not None
            and (cached.first_name, cached.last_name, cached.username)
            == (user.first_name, user.last_name, user.username)
            and (user.language_code is None or user.language_code == cached.telegram_language)
            and now - cached.last_seen < SEEN_RESOLUTION
        ):
            return cached
        written = await self._db.execute(
            """
            INSERT INTO participants
                (user_id, first_name, last_name, username, telegram_language,
                 first_seen, last_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                first_name = excluded.first_name,
                last_name = excluded.last_name,
                username = excluded.username,
                telegram_language = COALESCE(excluded.telegram_language, telegram_language),
                last_seen = excluded.last_seen
            RETURNING *
            """,
            (
                user.user_id,
                user.first_name,
                user.last_name,
                user.username,
                user.language_code,
                now.isoformat(),
                now.isoformat(),
            ),
        )
        row = written.rows[0] if written.rows else None
        if row is None:  # pragma: no cover - RETURNING always yields the upserted row
            raise RuntimeError(f"participant {user.user_id} was not stored")
        participant = _to_participant(row)
        self._cache[user.user_id] = participant
        return participant

    async def get(self, user_id: int) -> Participant | None:
        """Return the participant with this Telegram id, if known."""
        if user_id in self._cache:
            return self._cache[user_id]
        row = await self._db.fetchone("SELECT * FROM participants WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        participant = self._cache[user_id] = _to_participant(row)
        return participant

    async def set_language(self, user_id: int, language: str) -> None:
        """Store the user's chosen interface language."""
        await self._db.execute(
            "UPDATE participants SET language = ? WHERE user_id = ?", (language, user_id)
        )
        self.invalidate(user_id)

    async def set_timezone(self, user_id: int, timezone: str) -> None:
        """Store the user's IANA time zone."""
        await self._db.execute(
            "UPDATE participants SET timezone = ? WHERE user_id = ?", (timezone, user_id)
        )
        self.invalidate(user_id)

    async def mark_blocked(self, user_id: int) -> None:
        """Remember that the user blocked the bot: skip them until they come back."""
        await self._db.execute(
            "UPDATE participants SET status = 'blocked' WHERE user_id = ?", (user_id,)
        )
        self.invalidate(user_id)

    async def mark_active(self, user_id: int) -> None:
        """Remember that the user can be reached again."""
        await self._db.execute(
            "UPDATE participants SET status = 'active' WHERE user_id = ?", (user_id,)
        )
        self.invalidate(user_id)

    async def mark_started(self, user_id: int, now: datetime) -> bool:
        """Record that the user opened a private chat with the bot; True the first time."""
        written = await self._db.execute(
            "UPDATE participants SET started_at = ?, status = 'active'"
            " WHERE user_id = ? AND (started_at IS NULL OR status = 'blocked')",
            (now.isoformat(), user_id),
        )
        self.invalidate(user_id)
        return written.rowcount > 0

    async def add_missed(
        self, user_id: int, text: str, sent_to: int | None, now: datetime
    ) -> None:
        """Keep a staff notice the user could not be sent, to tell them when they return."""
        await self._db.execute(
            "INSERT INTO missed_notices (user_id, text, sent_to, created_at) VALUES (?, ?, ?, ?)",
            (user_id, text, sent_to, now.isoformat()),
        )

    async def has_missed(self, user_id: int) -> bool:
        """Tell whether notices wait for the user (so they could not be reached)."""
        found = await self._db.fetchval(
            "SELECT 1 FROM missed_notices WHERE user_id = ? LIMIT 1", (user_id,)
        )
        return found is not None

    async def take_missed(self, user_id: int) -> list[MissedNotice]:
        """Return and forget the notices the user missed, oldest first."""
        written = await self._db.execute(
            "DELETE FROM missed_notices WHERE user_id = ? RETURNING text, sent_to, created_at",
            (user_id,),
        )
        found = [MissedNotice(r[0], r[1], datetime.fromisoformat(r[2])) for r in written.rows]
        return sorted(found, key=lambda notice: notice.created_at)
