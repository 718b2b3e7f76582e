"""Announcements: drafts and their versions, audiences resolved in SQL, and the outbox.

Audiences by region or country read the introductions feature's ``profiles`` table, and
audiences by session the reminders feature's ``reminders`` (by the session number users see).
"""

from __future__ import annotations

from datetime import datetime

from bot.announcements.model import (
    DEFAULT_VERSION,
    Announcement,
    Audience,
    AudienceKind,
    Content,
    Delivered,
    Figures,
    Kind,
    Status,
)
from storage.database import Database, Row
from storage.participants import spoken_language


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Announcements:
    """Repository of announcements, their versions and their per-recipient outbox."""

    def __init__(self, db: Database, default_language: str) -> None:
        self._db = db
        self._default_language = default_language

    async def create(self, author_id: int, content: Content, now: datetime) -> int:
        """Insert a draft with its default body; return its id."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO announcements (author_id, kind, file_id, created_at)"
                " VALUES (?, ?, ?, ?)",
                (author_id, content.kind.value, content.file_id, now.isoformat()),
            )
            announcement_id = cursor.lastrowid
            assert announcement_id is not None  # an INSERT always sets it
            await tx.execute(
                "INSERT INTO announcement_versions (announcement_id, language, body)"
                " VALUES (?, ?, ?)",
                (announcement_id, DEFAULT_VERSION, content.body),
            )
        return announcement_id

    async def get(self, announcement_id: int) -> Announcement | None:
        """Return the announcement with its versions, if it exists."""
        row = await self._db.fetchone(
            "SELECT * FROM announcements WHERE id = ?", (announcement_id,)
        )
        return await self._to_announcement(row) if row else None

    async def _to_announcement(self, row: Row) -> Announcement:
        rows = await self._db.fetchall(
            "SELECT language, body FROM announcement_versions WHERE announcement_id = ?",
            (row["id"],),
        )
        versions = {language: body for language, body in rows}
        return Announcement(
            id=row["id"],
            author_id=row["author_id"],
            status=Status(row["status"]),
            kind=Kind(row["kind"]),
            file_id=row["file_id"],
            audience=Audience(AudienceKind(row["audience"]), row["audience_value"]),
            versions=versions,
            created_at=datetime.fromisoformat(row["created_at"]),
            send_at=_time(row["send_at"]),
            started_at=_time(row["started_at"]),
            finished_at=_time(row["finished_at"]),
            progress_chat_id=row["progress_chat_id"],
            progress_message_id=row["progress_message_id"],
        )

    async def set_content(self, announcement_id: int, content: Content) -> None:
        """Replace the default body, the kind and the file of a draft."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE announcements SET kind = ?, file_id = ? WHERE id = ?",
                (content.kind.value, content.file_id, announcement_id),
            )
            await tx.execute(
                "UPDATE announcement_versions SET body = ? WHERE announcement_id = ?"
                " AND language = ?",
                (content.body, announcement_id, DEFAULT_VERSION),
            )

    async def set_version(self, announcement_id: int, language: str, body: str) -> None:
        """Add or replace the body of one language."""
        await self._db.execute(
            "INSERT INTO announcement_versions (announcement_id, language, body) VALUES (?, ?, ?)"
            " ON CONFLICT (announcement_id, language) DO UPDATE SET body = excluded.body",
            (announcement_id, language, body),
        )

    async def set_audience(self, announcement_id: int, audience: Audience) -> None:
        """Store who the announcement goes to."""
        await self._db.execute(
            "UPDATE announcements SET audience = ?, audience_value = ? WHERE id = ?",
            (audience.kind.value, audience.value, announcement_id),
        )

    async def set_send_at(self, announcement_id: int, send_at: datetime | None) -> None:
        """Store when the announcement goes out (None: when confirmed)."""
        await self._db.execute(
            "UPDATE announcements SET send_at = ? WHERE id = ?",
            (send_at.isoformat() if send_at else None, announcement_id),
        )

    async def set_status(self, announcement_id: int, status: Status, now: datetime) -> None:
        """Move the announcement to a new state; done and cancelled record the time."""
        finished = now.isoformat() if status in (Status.DONE, Status.CANCELLED) else None
        await self._db.execute(
            "UPDATE announcements SET status = ?, finished_at = COALESCE(?, finished_at)"
            " WHERE id = ?",
            (status.value, finished, announcement_id),
        )

    async def set_progress_message(
        self, announcement_id: int, chat_id: int, message_id: int
    ) -> None:
        """Remember the organiser's progress message, to keep editing it after a restart."""
        await self._db.execute(
            "UPDATE announcements SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
            (chat_id, message_id, announcement_id),
        )

    async def materialise(
        self, announcement_id: int, chats: list[tuple[int, str]] | None, now: datetime
    ) -> int:
        """Write one pending outbox row per recipient and mark the announcement sending.

        ``chats`` names the recipients outright (a group, a channel); None resolves the
        audience from the participants. Idempotent: an announcement already started is left
        alone. Returns the number of recipients written.
        """
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT status, audience, audience_value FROM announcements WHERE id = ?",
                (announcement_id,),
            )
            if row is None or row["status"] not in (Status.DRAFT, Status.SCHEDULED):
                return 0
            if chats is not None:
                await tx.executemany(
                    "INSERT OR IGNORE INTO announcement_outbox"
                    " (announcement_id, chat_id, language)"
                    " VALUES (?, ?, ?)",
                    [(announcement_id, chat_id, language) for chat_id, language in chats],
                )
            else:
                audience = Audience(AudienceKind(row["audience"]), row["audience_value"])
                where, params = await self._audience_filter(audience)
                await tx.execute(
                    "INSERT OR IGNORE INTO announcement_outbox"
                    " (announcement_id, chat_id, language)"
                    f" SELECT ?, p.user_id, {spoken_language('p')}"
                    " FROM participants AS p WHERE p.status = 'active'" + where,
                    (announcement_id, self._default_language, *params),
                )
            await tx.execute(
                "UPDATE announcements SET status = 'sending', started_at = ? WHERE id = ?",
                (now.isoformat(), announcement_id),
            )
            counted = await tx.fetchone(
                "SELECT COUNT(*) FROM announcement_outbox WHERE announcement_id = ?",
                (announcement_id,),
            )
        return int(counted[0]) if counted else 0

    async def _audience_filter(self, audience: Audience) -> tuple[str, tuple[str, ...]]:
        value = audience.value or ""
        if audience.kind is AudienceKind.LANGUAGE:
            return (
                f" AND {spoken_language('p')} = ?",
                (self._default_language, value),
            )
        if audience.kind is AudienceKind.REGION:
            return (" AND p.user_id IN (SELECT user_id FROM profiles WHERE region = ?)", (value,))
        if audience.kind is AudienceKind.COUNTRY:
            return (
                " AND p.user_id IN (SELECT user_id FROM profiles WHERE upper(country) = ?)",
                (value.upper(),),
            )
        if audience.kind is AudienceKind.SESSION:
            # The organiser names the session by the number users see; reminders key on guid.
            return (
                " AND p.user_id IN (SELECT r.user_id FROM reminders AS r"
                " JOIN schedule_sessions AS s ON s.guid = r.session_guid WHERE s.id = ?)",
                (value.strip().lstrip("#"),),
            )
        if audience.kind is AudienceKind.STAYING:
            return (
                " AND p.user_id IN (SELECT user_id FROM community_stay WHERE staying = 1)",
                (),
            )
        return "", ()

    async def audience_size(self, audience: Audience) -> int:
        """Count the reachable participants the audience has right now."""
        where, params = await self._audience_filter(audience)
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM participants AS p WHERE p.status = 'active'" + where, params
        )
        return int(row[0]) if row else 0

    async def audience_kinds(self) -> set[AudienceKind]:
        """Return the participant audiences beyond everyone and a language."""
        return {
            AudienceKind.REGION,
            AudienceKind.COUNTRY,
            AudienceKind.SESSION,
            AudienceKind.STAYING,
        }

    async def regions(self) -> list[str]:
        """Return the regions participants' profiles name."""
        rows = await self._db.fetchall("SELECT DISTINCT region FROM profiles ORDER BY region")
        return [row[0] for row in rows]

    async def pending(self, announcement_id: int) -> list[tuple[int, str]]:
        """Return the recipients still to send to, as (chat id, language), in a stable order."""
        rows = await self._db.fetchall(
            "SELECT chat_id, language FROM announcement_outbox"
            " WHERE announcement_id = ? AND status = 'pending' ORDER BY chat_id",
            (announcement_id,),
        )
        return [(row[0], row[1]) for row in rows]

    async def mark(
        self, announcement_id: int, chat_id: int, status: Delivered, error: str | None = None
    ) -> None:
        """Record what became of one recipient's send."""
        await self._db.execute(
            "UPDATE announcement_outbox SET status = ?, error = ?"
            " WHERE announcement_id = ? AND chat_id = ?",
            (status.value, error, announcement_id, chat_id),
        )

    async def figures(self, announcement_id: int) -> Figures:
        """Count the outbox by state, overall and per language."""
        totals = dict.fromkeys(Delivered, 0)
        by_language: dict[str, dict[Delivered, int]] = {}
        rows = await self._db.fetchall(
            "SELECT language, status, COUNT(*) FROM announcement_outbox"
            " WHERE announcement_id = ? GROUP BY language, status ORDER BY language",
            (announcement_id,),
        )
        for language, status, count in rows:
            state = Delivered(status)
            totals[state] += count
            by_language.setdefault(language, dict.fromkeys(Delivered, 0))[state] = count
        return Figures(
            pending=totals[Delivered.PENDING],
            sent=totals[Delivered.SENT],
            failed=totals[Delivered.FAILED],
            blocked=totals[Delivered.BLOCKED],
            by_language=by_language,
        )

    async def due(self, now: datetime) -> list[int]:
        """Return the scheduled announcements whose send time has come, oldest first."""
        rows = await self._db.fetchall(
            "SELECT id FROM announcements WHERE status = 'scheduled' AND send_at <= ?"
            " ORDER BY send_at, id",
            (now.isoformat(),),
        )
        return [row[0] for row in rows]

    async def in_progress(self) -> list[int]:
        """Return the announcements being sent (to resume after a restart)."""
        rows = await self._db.fetchall(
            "SELECT id FROM announcements WHERE status = 'sending' ORDER BY id"
        )
        return [row[0] for row in rows]

    async def recent(self, limit: int) -> list[Announcement]:
        """Return the latest announcements that are not drafts, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM announcements WHERE status != 'draft' ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [await self._to_announcement(row) for row in rows]
