"""Crash tests: the bot runs as a subprocess against the fake and is killed with SIGKILL.

Policy under test: a reminder left in 'sending' by a crash is resent at the next start, so
none is lost and duplicates are bounded by the reminders in flight at the kill (at most one
claim batch, ``reminders.dispatch_batch``).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest_asyncio

from bot.participants.model import UserSeen
from storage.database import Database
from storage.participants import Participants
from storage.reminders import ReminderStore
from storage.schedule import ScheduleStore
from tests.e2e.harness import ROOT
from tests.e2e.processes import bot_config, until
from tests.fakeapi import TEST_TOKEN, FakeTelegram, SimUser
from tests.reminders_support import OPENING, T0, programme

DUE = OPENING.start - timedelta(minutes=10)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


def write_config(tmp_path: Path, fake: FakeTelegram, rate: int) -> Path:
    """Write the bot's configuration: sends at ``rate`` per second, dispatch every half second."""
    return bot_config(
        tmp_path,
        fake.base_url,
        settings={
            "telegram": {"set_commands": False, "messages_per_second": rate},
            "event": {"name": "Crash forum"},
            "reminders": {
                "dispatch_interval_seconds": 0.5,
                "dispatch_batch": 64,
                "group_morning_hour": -1,
            },
        },
    )


async def prepare(database: Path, users: list[SimUser]) -> None:
    """Store the programme, the participants and one reminder each for the opening."""
    db = Database(database)
    await db.open()
    try:
        await ScheduleStore(db).replace_programme(programme(), T0)
        people = Participants(db)
        for user in users:
            user.started = True
            await people.record_seen(UserSeen(user.id, user.first_name, None, None, "en"), T0)
        await ReminderStore(db).subscribe_many(
            [(u.id, OPENING.guid, DUE) for u in users], "chosen"
        )
    finally:
        await db.close()


def start_bot(config: Path, now: datetime, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FORUMBOT_TOKEN": TEST_TOKEN, "FORUMBOT_TEST_NOW": now.isoformat()}
    env.pop("FORUMBOT_TELEGRAM__API_BASE_URL", None)
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.reminders_botproc", str(config)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def states(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        return dict(
            conn.execute("SELECT state, COUNT(*) FROM reminders GROUP BY state").fetchall()
        )


def sends(fake: FakeTelegram) -> list[int]:
    return [
        int(call.params["chat_id"]) for call in fake.calls_to("sendMessage") if call.status == 200
    ]


async def test_killed_before_due_then_restarted_after_due_sends_exactly_one(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    user = fake.add_user("Ana")
    database = tmp_path / "bot.sqlite3"
    await prepare(database, [user])
    config = write_config(tmp_path, fake, rate=29)
    log = tmp_path / "bot.log"

    first = start_bot(config, DUE - timedelta(seconds=60), log)
    try:
        await until(lambda: len(fake.calls_to("getUpdates")) >= 2, "the bot to poll")
    finally:
        kill(first)
    assert sends(fake) == [] and states(database) == {"pending": 1}

    second = start_bot(config, DUE + timedelta(minutes=2), log)
    try:
        await until(lambda: states(database) == {"sent": 1}, "the reminder to be recorded")
        await until(lambda: len(fake.calls_to("getUpdates")) >= 6, "a few more polls")
    finally:
        kill(second)
    assert sends(fake) == [user.id]
    text = user.inbox[0].text or ""
    assert "starts in 8 minutes" in text and "Late" in text


async def test_killed_during_a_burst_loses_none_and_duplicates_at_most_in_flight(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    users = [fake.add_user(f"U{i}") for i in range(500)]
    database = tmp_path / "bot.sqlite3"
    await prepare(database, users)
    config = write_config(tmp_path, fake, rate=250)
    log = tmp_path / "bot.log"

    first = start_bot(config, DUE + timedelta(seconds=5), log)
    try:
        await until(lambda: len(sends(fake)) >= 200, "the burst to be under way")
    finally:
        kill(first)
    at_kill = states(database)
    in_flight = at_kill.get("sending", 0)
    sent_before = len(sends(fake))
    assert at_kill.get("pending", 0) > 0 and in_flight <= 64

    second = start_bot(config, DUE + timedelta(seconds=30), log)
    try:
        await until(lambda: states(database) == {"sent": 500}, "every reminder to be sent")
    finally:
        kill(second)
    delivered = sends(fake)
    assert set(delivered) == {u.id for u in users}  # none lost
    duplicates = len(delivered) - 500
    assert duplicates <= in_flight, (duplicates, in_flight, at_kill, sent_before)
    print(f"burst kill: {at_kill} after {sent_before} sends; duplicates {duplicates}")
