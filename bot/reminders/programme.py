"""The programme as the reminders feature sees it: the schedule service's, or a fixed one.

The schedule feature owns loading and reloading the programme; reminders only read it and
hear of changes through the schedule's listeners (``Reminders.programme_listener``).
"""

from __future__ import annotations

from typing import Protocol

from bot.schedule.model import Programme
from bot.schedule.service import ScheduleService


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


class LiveProgramme:
    """The schedule service's live programme (it loads and reloads; this only reads)."""

    def __init__(self, schedule: ScheduleService) -> None:
        self._schedule = schedule

    @property
    def programme(self) -> Programme | None:
        """Return the live programme."""
        return self._schedule.programme

    async def open(self) -> None:
        """Nothing to load: the schedule service opens first."""

    async def refresh(self, programme: Programme | None = None) -> None:
        """Nothing to do: the schedule service holds the new programme already."""

    async def sequences(self) -> dict[str, int]:
        """Return the stored iCalendar SEQUENCE of each session."""
        return await self._schedule.store.sequences()
