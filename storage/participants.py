"""Participants: who has talked to the bot, their language, zone, consents and reachability."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.participants.model import MissedNotice, Participant, Recipient, UserSeen
from storage.database import Database, Row
from storage.rows import from_row


def _to_participant(row: Row) -> Participant:
    return from_row(
        Participant,
        row,
        is_blocked=row["status"] == "blocked",
        started=row["started_at"] is not None,
    )


# Ids per query: well under SQLite's limit on a statement's parameters.
_CHUNK = 900


def spoken_language(alias: str = "") -> str:
    """SQL for the language the bot speaks to a participant: ``bot.i18n.resolve_language``.

    Takes one parameter, the forum's default language. Both columns hold supported codes only
    (a chosen language is picked from them; Telegram's is normalised before it is stored, in
    ``handlers.core``), so the first one set is the answer. ``alias`` names the participants
    table when the query joins others (``"p"``).
    """
    table = f"{alias}." if alias else ""
    return f"COALESCE({table}language, {table}telegram_language, ?)"


# How stale ``last_seen`` may get before an update from the same user writes it again.
SEEN_RESOLUTION = timedelta(minutes=5)


async def recipients_of(db: Database, user_ids: Sequence[int], default: str) -> list[Recipient]:
    """Return whom messages to these users go to (language, zone, reachability), by user id.

    ``default`` is the forum's default language; users never seen are left out.
    """
    found: list[Recipient] = []
    unique = sorted(set(user_ids))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        rows = await db.fetchall(
            f"SELECT user_id, {spoken_language()}, timezone, status FROM participants"
            f" WHERE user_id IN ({', '.join('?' * len(chunk))}) ORDER BY user_id",
            (default, *chunk),
        )
        found += [Recipient(row[0], row[1], row[2], row[3] == "blocked") for row in rows]
    return found


# Participants kept in memory, most recently seen first out last: enough for every active
# participant of a forum, bounded however many people write.
CACHE_SIZE = 4096


class Participants:
    """Repository of the participants table, with a bounded cache of the rows read.

    Every update starts by recording its sender; doing that in SQLite each time would cost a
    round trip to the database thread per update. The cache (least recently used out first)
    answers when nothing changed and ``last_seen`` is recent, and also remembers who is not a
    participant, so a group member who never started the bot costs no query per message. All
    writes to the table go through this class (or call ``invalidate``), so the cache never
    disagrees with the database.
    """

    def __init__(self, db: Database, cache_size: int = CACHE_SIZE) -> None:
        self._db = db
        self._cache: OrderedDict[int, Participant | None] = OrderedDict()
        self._cache_size = cache_size

    @property
    def cached(self) -> int:
        """Return how many people the cache holds (participants and known non-participants)."""
        return len(self._cache)

    def invalidate(self, user_id: int) -> None:
        """Forget the cached row of a user whose row was changed elsewhere."""
        self._cache.pop(user_id, None)

    def _remember(self, user_id: int, participant: Participant | None) -> None:
        self._cache[user_id] = participant
        self._cache.move_to_end(user_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _fresh(self, user: UserSeen, now: datetime) -> tuple[bool, Participant | None]:
        """Return (True, cached) when the cache can answer for this sender without a query."""
        if user.user_id not in self._cache:
            return False, None
        self._cache.move_to_end(user.user_id)
        cached = self._cache[user.user_id]
        if cached is None:
            return True, None
        unchanged = (
            (cached.first_name, cached.last_name, cached.username)
            == (user.first_name, user.last_name, user.username)
            and (user.language_code is None or user.language_code == cached.telegram_language)
            and now - cached.last_seen < SEEN_RESOLUTION
        )
        return unchanged, cached if unchanged else None

    async def record_seen(self, user: UserSeen, now: datetime) -> tuple[Participant, bool]:
        """Insert (as started) or refresh a participant from a private update; True when new."""
        answered, cached = self._fresh(user, now)
        if answered and cached is not None:
            return cached, False
        params = (
            user.user_id,
            user.first_name,
            user.last_name,
            user.username,
            user.language_code,
            now.isoformat(),
            now.isoformat(),
            now.isoformat(),
        )
        written = await self._db.execute(
            """
            INSERT INTO participants
                (user_id, first_name, last_name, username, telegram_language,
                 first_seen, last_seen, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO NOTHING
            RETURNING *
            """,
            params,
        )
        if written.rows:
            participant = _to_participant(written.rows[0])
            self._remember(user.user_id, participant)
            return participant, True
        refreshed = await self._refresh(user, now)
        if refreshed is None:  # pragma: no cover - the row was there a statement ago
            raise RuntimeError(f"participant {user.user_id} was not stored")
        return refreshed, False

    async def refresh_seen(self, user: UserSeen, now: datetime) -> Participant | None:
        """Refresh a participant seen outside a private chat; None for anyone else."""
        answered, cached = self._fresh(user, now)
        if answered:
            return cached
        return await self._refresh(user, now)

    async def _refresh(self, user: UserSeen, now: datetime) -> Participant | None:
        written = await self._db.execute(
            """
            UPDATE participants SET
                first_name = ?, last_name = ?, username = ?,
                telegram_language = COALESCE(?, telegram_language), last_seen = ?
            WHERE user_id = ?
            RETURNING *
            """,
            (
                user.first_name,
                user.last_name,
                user.username,
                user.language_code,
                now.isoformat(),
                user.user_id,
            ),
        )
        participant = _to_participant(written.rows[0]) if written.rows else None
        self._remember(user.user_id, participant)
        return participant

    async def get(self, user_id: int) -> Participant | None:
        """Return the participant with this Telegram id, if known."""
        if user_id in self._cache:
            self._cache.move_to_end(user_id)
            return self._cache[user_id]
        row = await self._db.fetchone("SELECT * FROM participants WHERE user_id = ?", (user_id,))
        participant = _to_participant(row) if row is not None else None
        self._remember(user_id, participant)
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
        return await self._db.exists(
            "SELECT 1 FROM missed_notices WHERE user_id = ? LIMIT 1", (user_id,)
        )

    async def take_missed(self, user_id: int) -> list[MissedNotice]:
        """Return and forget the notices the user missed, oldest first."""
        written = await self._db.execute(
            "DELETE FROM missed_notices WHERE user_id = ? RETURNING text, sent_to, created_at",
            (user_id,),
        )
        found = [MissedNotice(r[0], r[1], datetime.fromisoformat(r[2])) for r in written.rows]
        return sorted(found, key=lambda notice: notice.created_at)
