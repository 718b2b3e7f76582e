"""What a person is about to type for the questions and feedback features, kept in SQLite.

A small stand-in for the shared awaited-input engine (issue 12): one row per person, replaced by
the next prompt, taken once by the answer, and surviving a restart.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.database import Database


class DialogueInputStore:
    """Repository of ``dialogue_inputs``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def expect(
        self, user_id: int, kind: str, payload: dict[str, Any], now: datetime
    ) -> None:
        """Remember that the person's next text answers ``kind`` (replacing any earlier one)."""
        await self._db.execute(
            "INSERT OR REPLACE INTO dialogue_inputs (user_id, kind, payload, created_at)"
            " VALUES (?, ?, ?, ?)",
            (user_id, kind, json.dumps(payload), int(now.timestamp())),
        )

    async def take(self, user_id: int) -> tuple[str, dict[str, Any]] | None:
        """Return and forget what the person was expected to type."""
        written = await self._db.execute(
            "DELETE FROM dialogue_inputs WHERE user_id = ? RETURNING kind, payload", (user_id,)
        )
        if not written.rows:
            return None
        row = written.rows[0]
        payload = json.loads(row["payload"])
        return str(row["kind"]), payload if isinstance(payload, dict) else {}

    async def drop(self, user_id: int, kind: str | None = None) -> bool:
        """Stop waiting for the person's text (of one kind, or any); True if it was awaited."""
        if kind is None:
            written = await self._db.execute(
                "DELETE FROM dialogue_inputs WHERE user_id = ?", (user_id,)
            )
        else:
            written = await self._db.execute(
                "DELETE FROM dialogue_inputs WHERE user_id = ? AND kind = ?", (user_id, kind)
            )
        return written.rowcount == 1

    async def waiting(self) -> dict[int, str]:
        """Return everyone the features are waiting for, with what for."""
        rows = await self._db.fetchall("SELECT user_id, kind FROM dialogue_inputs")
        return {int(row[0]): str(row[1]) for row in rows}
