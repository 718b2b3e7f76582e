"""Shared fixtures for the schedule tests: the mini programme in three formats and a database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.schedule.importers import load_programme
from bot.schedule.model import Programme
from storage.database import Database
from storage.schedule import ScheduleStore

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def mini() -> Programme:
    """Return the mini programme, read from its JSON form."""
    return load_programme(FIXTURES / "mini.json", timezone="Europe/Berlin")


@pytest.fixture
def example() -> Programme:
    """Return the illustrative three-day example shipped at the repository root."""
    return load_programme(ROOT / "schedule.example.json", timezone="Europe/Berlin")


@pytest.fixture
def english_only(example: Programme) -> Programme:
    """Return the example as most organisers write it: titles in English only."""
    return Programme.build(
        name=example.name,
        timezone=example.timezone,
        version=example.version,
        sessions=[replace(s, titles={}, descriptions={}) for s in example.sessions],
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ScheduleStore]:
    """Return a prepared store over a fresh SQLite file with all migrations applied."""
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    schedule = ScheduleStore(db)
    await schedule.prepare()
    yield schedule
    await db.close()
