"""Shared set-up for the introductions tests: a database with the migrations applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio

from bot.participants.model import UserSeen
from storage.database import Database
from storage.participants import Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """Return an open database in a temporary folder."""
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()


async def add_participant(db: Database, user_id: int, name: str = "Ana") -> None:
    """Record a participant as if they had written to the bot."""
    await Participants(db).record_seen(UserSeen(user_id, name, None, None, "en"), NOW)
