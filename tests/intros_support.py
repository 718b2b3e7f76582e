"""Shared set-up for the introductions tests: participants recorded as if they had written."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.participants.model import UserSeen
from storage.database import Database
from storage.participants import Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


async def add_participant(db: Database, user_id: int, name: str = "Ana") -> None:
    """Record a participant as if they had written to the bot."""
    await Participants(db).record_seen(UserSeen(user_id, name, None, None, "en"), NOW)
