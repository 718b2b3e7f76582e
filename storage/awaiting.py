"""Awaited inputs: what each user's next message is for (``bot.awaiting``), one row per user."""

from __future__ import annotations

import json
from datetime import datetime

from bot.awaiting.model import Awaited
from storage.database import Database


class AwaitedInputStore:
    """Repository of the ``awaited_inputs`` table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, awaited: Awaited, now: datetime) -> None:
        """Store what the user's next message is for, replacing any earlier prompt."""
        await self._db.execute(
            "INSERT INTO awaited_inputs (user_id, feature, step, data, set_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
            " feature = excluded.feature, step = excluded.step, data = excluded.data,"
            " set_at = excluded.set_at",
            (
                awaited.user_id,
                awaited.feature,
                awaited.step,
                json.dumps(awaited.data, ensure_ascii=False),
                now.isoformat(),
            ),
        )

    async def get(self, user_id: int) -> Awaited | None:
        """Return what the user's next message is for, if anything."""
        row = await self._db.fetchone(
            "SELECT feature, step, data FROM awaited_inputs WHERE user_id = ?", (user_id,)
        )
        return Awaited(user_id, row[0], row[1], json.loads(row[2])) if row else None

    async def delete(self, user_id: int, feature: str) -> Awaited | None:
        """Forget the user's awaited input if it is ``feature``'s; return it."""
        written = await self._db.execute(
            "DELETE FROM awaited_inputs WHERE user_id = ? AND feature = ?"
            " RETURNING feature, step, data",
            (user_id, feature),
        )
        row = written.rows[0] if written.rows else None
        return Awaited(user_id, row[0], row[1], json.loads(row[2])) if row else None

    async def features(self) -> dict[int, str]:
        """Return every awaited user with the conversation awaiting them."""
        rows = await self._db.fetchall("SELECT user_id, feature FROM awaited_inputs")
        return {row[0]: row[1] for row in rows}
