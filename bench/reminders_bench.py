"""Reminders benchmark: a burst against Telegram's flood limits, and start-up with 100k rows.

    python -m bench.reminders_bench burst --users 1000      # 10000 takes about 6 minutes
    python -m bench.reminders_bench startup --reminders 100000

``burst``: N participants follow one session; the clock is set to the reminder's due time and
one dispatcher round runs through the real Application (PTB's rate limiter, the shared
Outbound queue) against the fake Bot API enforcing Telegram's flood limits, served from its
own thread and event loop. Reports the time
from due to the last delivery against the floor N ÷ rate, and the number of 429 answers.

``startup``: a database with that many stored reminders (all pending, in the future); a fresh
process opens the bot (migrations check, programme load, in-flight recovery) and runs its
first dispatcher round. Reports the time and the peak RSS of that process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot.app import build_application, runtime_of
from bot.config import Config
from storage.database import Database
from storage.reminders import ReminderStore
from storage.schedule import ScheduleStore
from tests.fakeapi import TEST_TOKEN, FakeTelegram
from tests.reminders_support import OPENING, T0, programme, session
from tests.virtualtime import TestClock

DUE = OPENING.start - timedelta(minutes=10)


def make_config(fake: FakeTelegram, database: Path) -> Config:
    """Return a configuration pointing at the fake, without start-up menus or morning posts."""
    return Config(
        event={"name": "Bench forum", "timezone": "Europe/Berlin"},
        telegram={"api_base_url": fake.base_url, "set_commands": False},
        storage={"database": database},
        reminders={"dispatch_interval_seconds": 60, "group_morning_hour": -1},
    )


async def _fill(database: Path, user_ids: list[int], sessions_per_user: int) -> None:
    sessions = [
        session(str(100 + i), T0 + timedelta(days=1, minutes=15 * i))
        for i in range(sessions_per_user)
    ]
    db = Database(database)
    await db.open()
    try:
        await ScheduleStore(db).replace_programme(programme(OPENING, *sessions), T0)
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO participants (user_id, first_name, telegram_language, first_seen, "
                "last_seen) VALUES (?, ?, 'en', ?, ?)",
                [(uid, f"U{uid}", T0.isoformat(), T0.isoformat()) for uid in user_ids],
            )
        store = ReminderStore(db)
        chosen = sessions if sessions_per_user > 1 else [OPENING]
        for s in chosen:
            await store.subscribe_many(
                [(uid, s.guid, s.start - timedelta(minutes=10)) for uid in user_ids], "chosen"
            )
    finally:
        await db.close()


class FakeInThread:
    """The fake server on its own event loop in a thread.

    Telegram stamps a request when it arrives; a fake sharing the bot's event loop would stamp
    it when the loop gets round to it, so a stall of the bot's loop would show up as a burst.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def create() -> FakeTelegram:
            fake = FakeTelegram(flood_control=True)
            await fake.start()
            return fake

        self.fake = asyncio.run_coroutine_threadsafe(create(), self.loop).result()

    def stop(self) -> None:
        """Stop the server and its loop."""
        asyncio.run_coroutine_threadsafe(self.fake.stop(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


async def burst(users: int) -> None:
    """Run one dispatcher round for ``users`` due reminders against the flood-limited fake."""
    server = FakeInThread()
    fake = server.fake
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        people = [fake.add_user(f"U{i}") for i in range(users)]
        for person in people:
            person.started = True
        await _fill(database, [p.id for p in people], 1)
        config = make_config(fake, database)
        config = config.model_copy(
            update={"telegram": config.telegram.model_copy(update={"messages_per_second": 29})}
        )
        clock = TestClock(DUE)
        application = build_application(config, TEST_TOKEN, clock=clock)
        await application.initialize()
        assert application.post_init is not None
        await application.post_init(application)
        runtime = runtime_of(application)
        rate = config.telegram.messages_per_second
        started = time.monotonic()
        report = await runtime.reminder_dispatch.run()
        elapsed = time.monotonic() - started
        assert report is not None
        counts = await runtime.reminders.store.count_by_state()
        floor = users / rate
        print(f"burst: N={users} rate={rate}/s")
        print(
            f"  due -> last delivered: {elapsed:.1f} s (floor N/rate = {floor:.1f} s, "
            f"{100 * (elapsed / floor - 1):+.1f} %)"
        )
        print(
            f"  sent={report.sent} skipped={report.skipped} retried={report.retry} states={counts}"
        )
        print(f"  429 answers from the fake: {fake.flood_errors}")
        if application.post_shutdown:
            await application.post_shutdown(application)
        await application.shutdown()
    server.stop()


async def startup_child(database: Path) -> None:
    """In a fresh process: open the bot on an existing database and run one round."""
    began = time.monotonic()
    fake = FakeTelegram()
    await fake.start()
    config = make_config(fake, database)
    application = build_application(config, TEST_TOKEN, clock=TestClock(T0))
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    runtime = runtime_of(application)
    opened = time.monotonic()
    report = await runtime.reminder_dispatch.run()
    done = time.monotonic()
    counts = await runtime.reminders.store.count_by_state()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  stored reminders: {sum(counts.values())} {counts}")
    print(
        f"  open (initialize + post_init): {opened - began:.2f} s; first round: "
        f"{done - opened:.3f} s (sent {report.sent if report else '-'})"
    )
    print(f"  start-up total: {done - began:.2f} s; peak RSS: {rss_mb:.0f} MB")
    if application.post_shutdown:
        await application.post_shutdown(application)
    await application.shutdown()
    await fake.stop()


def startup(reminders: int) -> None:
    """Fill a database with ``reminders`` rows, then time a fresh process opening it."""
    per_user = 5
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.sqlite3"
        filling = time.monotonic()
        asyncio.run(_fill(database, list(range(1, reminders // per_user + 1)), per_user))
        print(f"startup: filled {reminders} reminders in {time.monotonic() - filling:.1f} s")
        began = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "bench.reminders_bench", "startup-child", str(database)],
            check=True,
        )
        print(f"  whole child process incl. imports: {time.monotonic() - began:.2f} s")


def main() -> None:
    """Parse the command line and run a benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    b = sub.add_parser("burst")
    b.add_argument("--users", type=int, default=1000)
    s = sub.add_parser("startup")
    s.add_argument("--reminders", type=int, default=100_000)
    c = sub.add_parser("startup-child")
    c.add_argument("database", type=Path)
    args = parser.parse_args()
    if args.what == "burst":
        asyncio.run(burst(args.users))
    elif args.what == "startup":
        startup(args.reminders)
    else:
        asyncio.run(startup_child(args.database))


if __name__ == "__main__":
    main()
