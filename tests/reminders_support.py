"""Shared pieces of the reminders tests: a settable clock, a small programme to store, and a
fixed programme standing in for the schedule service.

The end-to-end tests run the bot on the shared harness (``tests/e2e/harness.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.reminders.service import Reminders
from bot.schedule.diff import ScheduleDiff
from bot.schedule.model import Programme, Session
from storage.database import Database
from storage.schedule import ScheduleStore

os.environ.setdefault("PTB_TIMEDELTA", "1")

T0 = datetime(2027, 3, 16, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


def session(
    sid: str,
    start: datetime,
    minutes: int = 60,
    *,
    title: str | None = None,
    room: str = "Plenary Hall",
    kind: str = "plenary",
    speakers: tuple[str, ...] = ("Ana Lima", "Bo Chen"),
    url: str | None = None,
) -> Session:
    """Return a session of the test programme."""
    return Session(
        guid=f"guid-{sid}",
        id=sid,
        title=title or f"Session {sid}",
        start=start,
        end=start + timedelta(minutes=minutes),
        room=room,
        day=date(2027, 3, 16),
        type=kind,
        speakers=speakers,
        url=url,
    )


OPENING = session("12", T0 + timedelta(hours=1), title="Opening <plenary> & welcome")
WORKSHOP = session("13", T0 + timedelta(hours=1, minutes=30), room="Room <Rhein>", kind="workshop")
LATER = session("14", T0 + timedelta(hours=4), kind="workshop", room="Room Ahr")


def programme(*sessions: Session) -> Programme:
    """Return a programme of these sessions (the default three when none are given)."""
    chosen: Sequence[Session] = sessions or (OPENING, WORKSHOP, LATER)
    return Programme.build(
        name="Test forum", timezone="Europe/Berlin", version="t1", sessions=list(chosen)
    )


def moved(original: Session, *, by: timedelta = timedelta(0), room: str | None = None) -> Session:
    """Return the session moved in time and/or room."""
    return replace(
        original,
        start=original.start + by,
        end=original.end + by,
        room=room if room is not None else original.room,
    )


async def store_programme(database: Path, programme: Programme, now: datetime = T0) -> None:
    """Write a programme into the bot's database before the bot starts."""
    db = Database(database)
    await db.open()
    try:
        await ScheduleStore(db).replace_programme(programme, now)
    finally:
        await db.close()


class FixedProgramme:
    """Stands in for the schedule service's live programme: one held in memory."""

    def __init__(self, programme: Programme | None) -> None:
        self.programme = programme

    async def sequences(self) -> dict[str, int]:
        """Return no sequences: every session is at its first version."""
        return {}


async def changed(service: Reminders, change: ScheduleDiff, new: Programme) -> int:
    """Swap the fixed programme as a schedule reload would, then tell the service."""
    assert isinstance(service.source, FixedProgramme)
    service.source.programme = new
    return await service.on_programme_changed(change)
