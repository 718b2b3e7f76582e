"""The programme as the reminders feature sees it, wrapped until the schedule wiring lands.

The schedule feature owns loading and reloading the programme (``storage.schedule``); this
wrapper only reads its stored copy, imports the configured file when the database has none,
and is refreshed by ``Reminders.on_programme_changed``. Once the schedule's runtime service
exists, anything with a ``programme`` attribute can replace it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from bot.clock import Clock
from bot.schedule.importers import load_programme
from bot.schedule.model import Programme
from storage.database import Database
from storage.schedule import ScheduleStore

logger = logging.getLogger(__name__)


class ProgrammeSource(Protocol):
    """Anything that holds the current programme."""

    @property
    def programme(self) -> Programme | None:
        """Return the current programme, or None before the first import."""
        ...

    async def open(self) -> None:
        """Load the programme at start."""
        ...

    async def refresh(self, programme: Programme | None = None) -> None:
        """Take the new programme after a reload (or re-read it when not given)."""
        ...

    async def sequences(self) -> dict[str, int]:
        """Return the iCalendar SEQUENCE of each session, by guid."""
        ...


class FixedProgramme:
    """A programme held in memory (tests, benchmarks)."""

    def __init__(self, programme: Programme | None) -> None:
        self.programme = programme

    async def open(self) -> None:
        """Nothing to load."""

    async def refresh(self, programme: Programme | None = None) -> None:
        """Take the new programme."""
        if programme is not None:
            self.programme = programme

    async def sequences(self) -> dict[str, int]:
        """Return no sequences: every session is at its first version."""
        return {}


class StoredProgramme:
    """The stored programme, importing the configured file on first start."""

    def __init__(self, db: Database, schedule_file: Path | None, timezone: str, clock: Clock):
        self._store = ScheduleStore(db)
        self._file = schedule_file
        self._timezone = timezone
        self._clock = clock
        self.programme: Programme | None = None

    async def open(self) -> None:
        """Load the stored programme, or import the configured file if there is none."""
        self.programme = await self._store.load_programme()
        if self.programme is None and self._file is not None:
            programme = load_programme(self._file, timezone=self._timezone)
            await self._store.replace_programme(programme, self._clock())
            self.programme = programme
            logger.info("imported %d sessions from %s", len(programme.sessions), self._file)

    async def refresh(self, programme: Programme | None = None) -> None:
        """Take the new programme after a reload, re-reading it when not given."""
        self.programme = programme or await self._store.load_programme()

    async def sequences(self) -> dict[str, int]:
        """Return the stored iCalendar SEQUENCE of each session."""
        return await self._store.sequences()
