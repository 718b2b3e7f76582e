"""Test-wide settings and the fixtures every tier shares."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from storage.database import Database

# PTB 22 warns when RetryAfter.retry_after is read as an int; opt in to timedelta values.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """Return an open database file in a temporary folder, every migration applied."""
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()
