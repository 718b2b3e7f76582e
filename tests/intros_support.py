"""Shared set-up for the introductions tests: a database with the migrations applied.

Migration numbers are assigned per feature (0005 is introductions) and the runner insists on
1..N without gaps, so until the features owning 0002-0004 are merged this branch has a gap.
``fill_migration_gaps`` stands in for those absent migrations with empty ones, in tests only;
once they are merged it changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

import storage.database
from bot.models import UserSeen
from storage.database import Database
from storage.participants import Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)
_real_migrations = storage.database.migrations


def _migrations_with_gaps_filled() -> list[tuple[int, str, str]]:
    from importlib import resources

    found = {}
    for entry in resources.files("storage.migrations").iterdir():
        match = storage.database._MIGRATION_NAME.match(entry.name)
        if match:
            found[int(match.group(1))] = (entry.name, entry.read_text(encoding="utf-8"))
    return [
        (version, *found.get(version, (f"{version:04d}_absent.sql", "SELECT 1;")))
        for version in range(1, max(found) + 1)
    ]


@pytest.fixture
def fill_migration_gaps(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Let the database open although migrations numbered before 0005 are not merged yet."""
    monkeypatch.setattr(storage.database, "migrations", _migrations_with_gaps_filled)
    yield


@pytest_asyncio.fixture
async def db(tmp_path: Path, fill_migration_gaps: None) -> AsyncIterator[Database]:
    """Return an open database in a temporary folder."""
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    yield database
    await database.close()


async def add_participant(db: Database, user_id: int, name: str = "Ana") -> None:
    """Record a participant as if they had written to the bot."""
    await Participants(db).record_seen(UserSeen(user_id, name, None, None, "en"), NOW)
