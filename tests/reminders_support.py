"""Shared pieces of the reminders tests: a settable clock, a small programme, a running bot.

``RunningBot`` starts the real Application (built by ``build_application``) against the fake
Bot API in this process, with the clock injected, and stops it cleanly.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import ForumApplication, build_application, processor_of, runtime_of
from bot.config import Config
from bot.reminders.dispatch import Report
from bot.runtime import Runtime
from bot.schedule.model import Programme, Session
from storage.database import Database
from storage.schedule import ScheduleStore
from tests.fakeapi import TEST_TOKEN, FakeTelegram

os.environ.setdefault("PTB_TIMEDELTA", "1")

T0 = datetime(2027, 3, 16, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


class SettableClock:
    """The bot's injected clock: tz-aware UTC, moved by the test."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        """Jump to ``now``."""
        self.now = now


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


def make_config(fake: FakeTelegram | str, database: Path, **reminders: Any) -> Config:
    """Return a configuration pointing at the fake, fast sends, no start-up menus."""
    base_url = fake if isinstance(fake, str) else fake.base_url
    return Config(
        event={"name": "Test <Forum>", "timezone": "Europe/Berlin"},
        telegram={
            "api_base_url": base_url,
            "set_commands": False,
            "poll_timeout_seconds": 1,
            "messages_per_second": 1000,
        },
        storage={"database": database},
        reminders={"dispatch_interval_seconds": 60, "group_morning_hour": -1, **reminders},
    )


async def store_programme(database: Path, programme: Programme, now: datetime = T0) -> None:
    """Write a programme into the bot's database before the bot starts."""
    db = Database(database)
    await db.open()
    try:
        await ScheduleStore(db).replace_programme(programme, now)
    finally:
        await db.close()


@dataclass
class RunningBot:
    """The real Application polling the fake, with helpers to settle and dispatch."""

    application: ForumApplication
    fake: FakeTelegram
    injected: int = 0

    def count_update(self) -> int:
        """Count one more update sent to the bot and return the total."""
        self.injected += 1
        return self.injected

    @property
    def runtime(self) -> Runtime:
        """Return the bot's services."""
        return runtime_of(self.application)

    async def start(self) -> None:
        """Initialise, run post_init, start polling and the job queue."""
        app = self.application
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, timeout=1)
        await app.start()

    async def stop(self) -> None:
        """Stop polling and the application, then run post_shutdown."""
        app = self.application
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        if app.post_shutdown:
            await app.post_shutdown(app)
        await app.shutdown()

    async def settle(self, updates: int) -> None:
        """Wait until the bot has processed ``updates`` updates in all."""
        await asyncio.wait_for(processor_of(self.application).wait_finished(updates), 10)

    async def dispatch(self) -> Report:
        """Run one dispatcher round now (waiting for a round the job started, if any)."""
        for _ in range(500):
            report = await self.runtime.reminder_dispatch.run(self.application.bot)
            if report is not None:
                return report
            await asyncio.sleep(0.01)
        raise AssertionError("the dispatcher stayed busy")


def start_bot(fake: FakeTelegram, config: Config, clock: SettableClock) -> RunningBot:
    """Build (not start) the bot for the fake."""
    return RunningBot(build_application(config, TEST_TOKEN, clock=clock), fake)
