"""After the forum: who got the last day's message, who stays in the community, and the
monthly /meet claims. Contacts are read from the introductions feature's tables."""

from __future__ import annotations

from datetime import datetime

from bot.afterforum.model import Stay
from bot.intros.model import Contact
from bot.participants.model import Recipient
from storage.database import Database
from storage.participants import recipients_of


class AfterForumStore:
    """Repository of ``afterforum_sends`` and ``community_stay``."""

    def __init__(self, db: Database, default_language: str = "en") -> None:
        self._db = db
        self._default_language = default_language

    async def claim_recipients(self, limit: int, now: datetime) -> list[Recipient]:
        """Claim reachable participants who have not had the message yet (at most once)."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                """
                SELECT user_id FROM participants
                WHERE status = 'active'
                  AND user_id NOT IN (SELECT user_id FROM afterforum_sends)
                ORDER BY user_id LIMIT ?
                """,
                (limit,),
            )
            await tx.executemany(
                "INSERT INTO afterforum_sends (user_id, state, sent_at) VALUES (?, 'sending', ?)",
                [(row[0], int(now.timestamp())) for row in rows],
            )
        return await recipients_of(self._db, [row[0] for row in rows], self._default_language)

    async def finish(self, user_id: int, sent: bool) -> None:
        """Record whether the message reached the person."""
        await self._db.execute(
            "UPDATE afterforum_sends SET state = ? WHERE user_id = ?",
            ("sent" if sent else "failed", user_id),
        )

    async def recover_in_flight(self) -> int:
        """Count messages in flight at a crash as sent (never sent twice)."""
        written = await self._db.execute(
            "UPDATE afterforum_sends SET state = 'sent' WHERE state = 'sending'"
        )
        return written.rowcount

    async def contacts(self, user_id: int) -> list[Contact]:
        """Return the people the person was introduced to, with their name and username."""
        rows = await self._db.fetchall(
            """
            SELECT other.user_id, COALESCE(f.display_name, other.first_name) AS name,
                   other.username
            FROM intro_requests AS r
            JOIN participants AS other ON other.user_id =
                 CASE WHEN r.requester_id = ? THEN r.target_id ELSE r.requester_id END
            LEFT JOIN profiles AS f ON f.user_id = other.user_id
            WHERE r.status = 'accepted' AND (r.requester_id = ? OR r.target_id = ?)
            ORDER BY name
            """,
            (user_id, user_id, user_id),
        )
        return [Contact(int(row[0]), str(row[1]), row[2]) for row in rows]

    async def set_stay(self, user_id: int, staying: bool, now: datetime) -> Stay:
        """Record the person's choice (staying off also stops the monthly suggestion)."""
        written = await self._db.execute(
            """
            INSERT INTO community_stay (user_id, staying, monthly_meet, decided_at)
            VALUES (?, ?, 0, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                staying = excluded.staying,
                monthly_meet = CASE WHEN excluded.staying THEN monthly_meet ELSE 0 END,
                decided_at = excluded.decided_at
            RETURNING user_id, staying, monthly_meet, decided_at
            """,
            (user_id, int(staying), now.isoformat()),
        )
        row = written.rows[0]
        return Stay(int(row[0]), bool(row[1]), bool(row[2]), datetime.fromisoformat(str(row[3])))

    async def set_monthly(self, user_id: int, on: bool) -> bool:
        """Switch the monthly suggestion for someone who stays; False if they do not."""
        return await self._db.changed_one(
            "UPDATE community_stay SET monthly_meet = ? WHERE user_id = ? AND staying = 1",
            (int(on), user_id),
        )

    async def stay(self, user_id: int) -> Stay | None:
        """Return the person's choice, if they made one."""
        row = await self._db.fetchone(
            "SELECT user_id, staying, monthly_meet, decided_at FROM community_stay"
            " WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return None
        return Stay(int(row[0]), bool(row[1]), bool(row[2]), datetime.fromisoformat(str(row[3])))

    async def claim_monthly(self, month: str, limit: int) -> list[Recipient]:
        """Claim this month's suggestion of those who stay and asked for it."""
        written = await self._db.execute(
            """
            UPDATE community_stay SET last_meet_month = ?
            WHERE user_id IN (
                SELECT c.user_id FROM community_stay AS c
                JOIN participants AS p ON p.user_id = c.user_id AND p.status = 'active'
                WHERE c.staying = 1 AND c.monthly_meet = 1
                  AND COALESCE(c.last_meet_month, '') <> ?
                ORDER BY c.user_id LIMIT ?)
            RETURNING user_id
            """,
            (month, month, limit),
        )
        ids = [int(row[0]) for row in written.rows]
        return await recipients_of(self._db, ids, self._default_language)

    async def staying_count(self) -> int:
        """Count who stays in the community."""
        return int(
            await self._db.fetchval("SELECT COUNT(*) FROM community_stay WHERE staying = 1") or 0
        )
