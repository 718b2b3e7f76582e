"""Moderation storage: group admins, pending verifications, newcomers, warnings, rules, log."""

from __future__ import annotations

from datetime import datetime

from bot.moderation.model import LogEntry, ModAction, Pending, Person, Warning
from storage.database import Database, Queries, Row
from storage.rows import from_row


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _person(user_id: int | None, name: str | None) -> Person | None:
    return Person(user_id, name or str(user_id)) if user_id is not None else None


def _to_pending(row: Row) -> Pending:
    return from_row(Pending, row)


def _to_entry(row: Row) -> LogEntry:
    return from_row(
        LogEntry,
        row,
        action=ModAction(row["action"]),
        actor=_person(row["actor_id"], row["actor_name"]),
        target=_person(row["target_id"], row["target_name"]),
    )


class ModerationStore:
    """Repository of the moderation tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- administrators --------------------------------------------------------------------

    async def set_admin(self, chat_id: int, user_id: int, is_admin: bool) -> None:
        """Record whether the user is a Telegram administrator of the chat."""
        if is_admin:
            sql = "INSERT OR IGNORE INTO mod_admins (chat_id, user_id) VALUES (?, ?)"
        else:
            sql = "DELETE FROM mod_admins WHERE chat_id = ? AND user_id = ?"
        await self._db.execute(sql, (chat_id, user_id))

    async def replace_admins(self, chat_id: int, user_ids: list[int]) -> None:
        """Replace the chat's administrators with the list Telegram gave."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM mod_admins WHERE chat_id = ?", (chat_id,))
            await tx.executemany(
                "INSERT OR IGNORE INTO mod_admins (chat_id, user_id) VALUES (?, ?)",
                [(chat_id, user_id) for user_id in user_ids],
            )

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Tell whether the user is a recorded administrator of the chat."""
        return await self._db.exists(
            "SELECT 1 FROM mod_admins WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )

    async def admin_ids(self, chat_id: int) -> list[int]:
        """Return the recorded administrators of the chat."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM mod_admins WHERE chat_id = ? ORDER BY user_id", (chat_id,)
        )
        return [row[0] for row in rows]

    # -- verification ----------------------------------------------------------------------

    async def add_pending(self, pending: Pending) -> bool:
        """Record a newcomer awaiting verification; False if they already were."""
        return await self._db.changed_one(
            """
            INSERT OR IGNORE INTO mod_pending
                (chat_id, user_id, first_name, welcome_message_id, joined_at, deadline)
            VALUES (?, ?, ?, ?, ?, ?)
            """,
            (
                pending.chat_id,
                pending.user_id,
                pending.first_name,
                pending.welcome_message_id,
                pending.joined_at.isoformat(),
                pending.deadline.isoformat(),
            ),
        )

    async def set_welcome_message(self, chat_id: int, user_id: int, message_id: int) -> None:
        """Remember which message welcomed the newcomer, to delete it later."""
        await self._db.execute(
            "UPDATE mod_pending SET welcome_message_id = ? WHERE chat_id = ? AND user_id = ?",
            (message_id, chat_id, user_id),
        )

    async def get_pending(self, chat_id: int, user_id: int) -> Pending | None:
        """Return the newcomer's pending verification, if any."""
        row = await self._db.fetchone(
            "SELECT * FROM mod_pending WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )
        return _to_pending(row) if row else None

    async def take_pending(self, chat_id: int, user_id: int) -> Pending | None:
        """Remove and return the newcomer's pending verification (None if already gone)."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "SELECT * FROM mod_pending WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
            )
            if row is None:
                return None
            await tx.execute(
                "DELETE FROM mod_pending WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
            )
        return _to_pending(row)

    async def due_pending(self, now: datetime) -> list[Pending]:
        """Return the verifications whose deadline has passed, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM mod_pending WHERE deadline <= ? ORDER BY deadline", (now.isoformat(),)
        )
        return [_to_pending(row) for row in rows]

    async def add_newcomer(self, chat_id: int, user_id: int, joined_at: datetime) -> None:
        """Record when a member joined (for the first-hours link rule)."""
        await self._db.execute(
            "INSERT OR REPLACE INTO mod_newcomers (chat_id, user_id, joined_at) VALUES (?, ?, ?)",
            (chat_id, user_id, joined_at.isoformat()),
        )

    async def mark_verified(self, chat_id: int, user_id: int, now: datetime) -> None:
        """Record that a newcomer agreed to the rules (counted in the organisers' /stats)."""
        await self._db.execute(
            "UPDATE mod_newcomers SET verified_at = ? WHERE chat_id = ? AND user_id = ?",
            (now.isoformat(), chat_id, user_id),
        )

    async def joined_at(self, chat_id: int, user_id: int) -> datetime | None:
        """Return when the member joined, if the bot saw it."""
        row = await self._db.fetchone(
            "SELECT joined_at FROM mod_newcomers WHERE chat_id = ? AND user_id = ?",
            (chat_id, user_id),
        )
        return datetime.fromisoformat(row[0]) if row else None

    # -- channel identities ----------------------------------------------------------------

    async def note_channel(self, chat_id: int, channel_id: int, now: datetime) -> None:
        """Record when a channel first posted in the chat (a later sighting changes nothing)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO mod_channels (chat_id, channel_id, first_seen) "
            "VALUES (?, ?, ?)",
            (chat_id, channel_id, now.isoformat()),
        )

    async def channel_first_seen(self, chat_id: int, channel_id: int) -> datetime | None:
        """Return when the channel first posted in the chat, if the bot saw it."""
        found = await self._db.fetchval(
            "SELECT first_seen FROM mod_channels WHERE chat_id = ? AND channel_id = ?",
            (chat_id, channel_id),
        )
        return datetime.fromisoformat(found) if found else None

    async def mute_channel(
        self, chat_id: int, channel_id: int, until: datetime | None, now: datetime
    ) -> None:
        """Record that a channel may not post until then (None: until a moderator unbans it)."""
        await self._db.execute(
            """
            INSERT INTO mod_channels (chat_id, channel_id, first_seen, muted_until)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (chat_id, channel_id) DO UPDATE SET muted_until = excluded.muted_until
            """,
            (chat_id, channel_id, now.isoformat(), until.isoformat() if until else None),
        )

    async def due_channel_mutes(self, now: datetime) -> list[tuple[int, int]]:
        """Return (chat, channel) of every channel whose ban for flooding has run out."""
        rows = await self._db.fetchall(
            "SELECT chat_id, channel_id FROM mod_channels "
            "WHERE muted_until IS NOT NULL AND muted_until <= ?",
            (now.isoformat(),),
        )
        return [(row[0], row[1]) for row in rows]

    async def end_channel_mute(self, chat_id: int, channel_id: int) -> None:
        """Record that a channel may post again."""
        await self._db.execute(
            "UPDATE mod_channels SET muted_until = NULL WHERE chat_id = ? AND channel_id = ?",
            (chat_id, channel_id),
        )

    # -- warnings --------------------------------------------------------------------------

    async def add_warning(
        self, chat_id: int, user_id: int, given_by: int, reason: str | None, now: datetime
    ) -> int:
        """Record a warning and return how many active warnings the member now has."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO mod_warnings (chat_id, user_id, given_by, reason, given_at)
                VALUES (?, ?, ?, ?, ?)
                """,
                (chat_id, user_id, given_by, reason, now.isoformat()),
            )
            return await self._count(tx, chat_id, user_id)

    async def revoke_warning(self, chat_id: int, user_id: int, now: datetime) -> int | None:
        """Revoke the member's latest warning; return the count left, None if there was none."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                """
                UPDATE mod_warnings SET revoked_at = ?
                WHERE id = (SELECT id FROM mod_warnings
                            WHERE chat_id = ? AND user_id = ? AND revoked_at IS NULL
                            ORDER BY id DESC LIMIT 1)
                """,
                (now.isoformat(), chat_id, user_id),
            )
            if cursor.rowcount == 0:
                return None
            return await self._count(tx, chat_id, user_id)

    async def warnings(self, chat_id: int, user_id: int) -> list[Warning]:
        """Return the member's active warnings, oldest first."""
        rows = await self._db.fetchall(
            """
            SELECT * FROM mod_warnings
            WHERE chat_id = ? AND user_id = ? AND revoked_at IS NULL ORDER BY id
            """,
            (chat_id, user_id),
        )
        return [from_row(Warning, row) for row in rows]

    @staticmethod
    async def _count(tx: Queries, chat_id: int, user_id: int) -> int:
        row = await tx.fetchone(
            """
            SELECT COUNT(*) FROM mod_warnings
            WHERE chat_id = ? AND user_id = ? AND revoked_at IS NULL
            """,
            (chat_id, user_id),
        )
        return int(row[0]) if row else 0

    # -- rules -----------------------------------------------------------------------------

    async def set_rules(self, chat_id: int, text: str, set_by: int, now: datetime) -> None:
        """Store the chat's rules text."""
        await self._db.execute(
            "INSERT OR REPLACE INTO mod_rules (chat_id, text, set_by, set_at) VALUES (?, ?, ?, ?)",
            (chat_id, text, set_by, now.isoformat()),
        )

    async def rules(self, chat_id: int) -> str | None:
        """Return the chat's rules text, if a moderator set one."""
        row = await self._db.fetchone("SELECT text FROM mod_rules WHERE chat_id = ?", (chat_id,))
        return str(row[0]) if row else None

    # -- people ----------------------------------------------------------------------------

    async def remember_member(
        self, chat_id: int, member: Person, username: str | None, now: datetime
    ) -> None:
        """Record how the group shows a member: their name and @username."""
        await self._db.execute(
            """
            INSERT INTO mod_members (chat_id, user_id, name, username, seen_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (chat_id, user_id) DO UPDATE SET
                name = excluded.name, username = excluded.username, seen_at = excluded.seen_at
            """,
            (chat_id, member.user_id, member.name, username, now.isoformat()),
        )

    async def find_by_username(self, username: str, since: datetime) -> list[Person]:
        """Return everyone the bot saw using this @username since then, most recent first: a
        participant, or a group member known only to moderation."""
        rows = await self._db.fetchall(
            """
            SELECT user_id, name FROM (
                SELECT user_id, first_name || COALESCE(' ' || last_name, '') AS name,
                       last_seen AS seen
                FROM participants WHERE username = ?1 COLLATE NOCASE AND last_seen >= ?2
                UNION ALL
                SELECT user_id, name, seen_at FROM mod_members
                WHERE username = ?1 COLLATE NOCASE AND seen_at >= ?2
                  AND user_id NOT IN (SELECT user_id FROM participants)
            ) ORDER BY seen DESC
            """,
            (username.lstrip("@"), since.isoformat()),
        )
        return [Person(row[0], row[1]) for row in rows]

    async def find_by_id(self, user_id: int) -> Person | None:
        """Return the person with this id (a participant or group member), if known."""
        row = await self._db.fetchone(
            """
            SELECT first_name || COALESCE(' ' || last_name, '') FROM participants
            WHERE user_id = ?1
            UNION ALL
            SELECT name FROM mod_members WHERE user_id = ?1
            LIMIT 1
            """,
            (user_id,),
        )
        return Person(user_id, row[0]) if row is not None else None

    # -- log -------------------------------------------------------------------------------

    async def log(
        self,
        chat_id: int,
        action: ModAction,
        actor: Person | None,
        target: Person | None,
        reason: str | None,
        now: datetime,
        until: datetime | None = None,
        link: str | None = None,
        message_id: int | None = None,
    ) -> LogEntry | None:
        """Record one moderation action and return it; None for a report of a message that
        was reported already (a report names its ``message_id``)."""
        cursor = await self._db.execute(
            """
            INSERT OR IGNORE INTO mod_log (chat_id, action, actor_id, actor_name, target_id,
                                 target_name, reason, until, link, created_at, message_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                chat_id,
                action.value,
                actor.user_id if actor else None,
                actor.name if actor else None,
                target.user_id if target else None,
                target.name if target else None,
                reason,
                until.isoformat() if until else None,
                link,
                now.isoformat(),
                message_id,
            ),
        )
        if cursor.rowcount == 0:
            return None
        entry_id = cursor.lastrowid
        assert entry_id is not None  # an INSERT on a rowid table always has one
        return LogEntry(entry_id, chat_id, action, actor, target, reason, until, link, now)

    async def reports_since(self, reporter_id: int, since: datetime) -> int:
        """Return how many reports the member made since then."""
        found = await self._db.fetchval(
            "SELECT COUNT(*) FROM mod_log "
            "WHERE action = 'report' AND actor_id = ? AND created_at > ?",
            (reporter_id, since.isoformat()),
        )
        return int(found or 0)

    async def is_reported(self, chat_id: int, message_id: int) -> bool:
        """Tell whether someone reported this message already."""
        return await self._db.exists(
            "SELECT 1 FROM mod_log WHERE action = 'report' AND chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    async def undigested_reports(self, limit: int) -> list[LogEntry]:
        """Return the reports no digest has told the moderators of yet, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM mod_log WHERE action = 'report' AND digested_at IS NULL "
            "ORDER BY id LIMIT ?",
            (limit,),
        )
        return [_to_entry(row) for row in rows]

    async def mark_digested(self, entry_ids: list[int], now: datetime) -> None:
        """Record that a digest told the moderators of these reports."""
        await self._db.executemany(
            "UPDATE mod_log SET digested_at = ? WHERE id = ?",
            [(now.isoformat(), entry_id) for entry_id in entry_ids],
        )

    async def recent_log(self, limit: int = 20) -> list[LogEntry]:
        """Return the latest log entries, newest first."""
        rows = await self._db.fetchall("SELECT * FROM mod_log ORDER BY id DESC LIMIT ?", (limit,))
        return [_to_entry(row) for row in rows]
