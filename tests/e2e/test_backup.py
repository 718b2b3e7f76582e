"""Backups of a running bot's database: consistent under concurrent writes, scheduled, restored."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from bot.cli import EXIT_OK, EXIT_RUNNING, main
from handlers.backup import BACKUP_JOB
from storage.backup import backups_in, newest_version, snapshot
from tests.e2e.conftest import MakeBot

WRITERS = 20
BASE = 10_000_000  # user ids of the writers' rows, far from any simulated user


def user_id(task: int, step: int) -> int:
    return BASE + task * 100_000 + step


async def test_backup_under_twenty_writers_holds_whole_transactions_only(
    make_bot: MakeBot, tmp_path: Path
) -> None:
    bot = await make_bot()
    db = bot.runtime.db
    database = Path(bot.config.storage.database)
    committed = [0] * WRITERS
    stop = asyncio.Event()

    async def writer(task: int) -> None:
        # Each transaction writes two rows that belong together, a participant and their
        # reminder settings, and numbers itself in commit order (``lead_minutes`` = sequence,
        # assigned inside the serialised transaction).
        step = 0
        while not stop.is_set():
            async with db.transaction() as tx:
                uid = user_id(task, step)
                sequence = await tx.fetchval(
                    "SELECT COALESCE(MAX(lead_minutes), 0) + 1 FROM reminder_settings "
                    "WHERE user_id >= ?",
                    (BASE,),
                )
                await tx.execute(
                    "INSERT INTO participants (user_id, first_name, first_seen, last_seen) "
                    "VALUES (?, ?, ?, ?)",
                    (uid, f"w{task}", "2027-03-15T09:00:00+00:00", "2027-03-15T09:00:00+00:00"),
                )
                await tx.execute(
                    "INSERT INTO reminder_settings (user_id, lead_minutes) VALUES (?, ?)",
                    (uid, sequence),
                )
            step += 1
            committed[task] = step
            await asyncio.sleep(0)

    def newest_sequence() -> int:
        with sqlite3.connect(database) as conn:
            found = conn.execute("SELECT MAX(lead_minutes) FROM reminder_settings").fetchone()
        return int(found[0] or 0)

    loop = asyncio.get_running_loop()
    copy_started = threading.Event()
    writes_went_on = threading.Event()
    bound: list[int] = []
    wanted_more = 3 * WRITERS

    def during_copy() -> None:
        # Inside the copy's read transaction: everything committed so far is at most
        # ``bound``; hold the copy until the writers have committed more, which it must not hold.
        if not copy_started.is_set():
            bound.append(newest_sequence())
            copy_started.set()
            writes_went_on.wait(timeout=30)

    async def watch_commits() -> None:
        await asyncio.to_thread(copy_started.wait)
        # ``committed`` lags the database (a task notes its commit when it resumes), so once
        # it shows enough, the database has at least as many.
        while sum(committed) < bound[0] + wanted_more:
            await asyncio.sleep(0.001)
        writes_went_on.set()

    tasks = [loop.create_task(writer(task)) for task in range(WRITERS)]
    watcher = loop.create_task(watch_commits())
    while sum(committed) < 5 * WRITERS:
        await asyncio.sleep(0.001)
    before = list(committed)
    target = tmp_path / "during.sqlite3"
    summary = await asyncio.to_thread(
        snapshot, database, target, newest_version=newest_version(), during_copy=during_copy
    )
    stop.set()
    await asyncio.gather(*tasks, watcher)

    assert summary.schema_version == newest_version()
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        people = {
            row[0]
            for row in conn.execute("SELECT user_id FROM participants WHERE user_id >= ?", (BASE,))
        }
        settings = dict(
            conn.execute(
                "SELECT user_id, lead_minutes FROM reminder_settings WHERE user_id >= ?", (BASE,)
            ).fetchall()
        )
    assert people == set(settings), "a transaction is in the backup by half"
    # A consistent snapshot holds a prefix of the commit order: transactions 1..K, no gap.
    assert sorted(settings.values()) == list(range(1, len(settings) + 1))
    for task in range(WRITERS):
        held = sorted(uid - user_id(task, 0) for uid in people if (uid - BASE) // 100_000 == task)
        assert held == list(range(len(held))), f"task {task}: a gap in its committed writes"
        assert len(held) >= before[task], f"task {task}: a write committed earlier is missing"
    # Writes committed while the copy was open are not in it.
    assert len(settings) <= bound[0] < bound[0] + wanted_more <= newest_sequence()


async def test_scheduled_backups_are_made_and_pruned(make_bot: MakeBot, tmp_path: Path) -> None:
    folder = tmp_path / "scheduled"
    bot = await make_bot(
        settings={
            "storage": {
                "backup_every_hours": 6,
                "backup_keep": 2,
                "backup_folder": str(folder),
            }
        }
    )
    job_queue = bot.application.job_queue
    assert job_queue is not None
    (job,) = job_queue.get_jobs_by_name(BACKUP_JOB)
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    for _ in range(3):
        await job.run(bot.application)
        bot.clock.advance(hours=6)
    kept = backups_in(folder)
    assert len(kept) == 2
    with sqlite3.connect(kept[-1]) as conn:
        assert conn.execute("SELECT first_name FROM participants").fetchall() == [("Ada",)]


async def test_restore_refused_while_the_bot_runs_then_round_trips(
    make_bot: MakeBot, tmp_path: Path
) -> None:
    bot = await make_bot()
    ada = bot.user("Ada")
    await bot.ask(ada, "/start")
    config = str(bot.config_path)
    backup = tmp_path / "before.sqlite3"
    assert await asyncio.to_thread(main, ["backup", str(backup), "--config", config]) == EXIT_OK
    await bot.ask(bot.user("Bea"), "/start")

    status = await asyncio.to_thread(main, ["restore", str(backup), "--config", config])
    assert status == EXIT_RUNNING
    assert len(await bot.runtime.db.fetchall("SELECT * FROM participants")) == 2

    await bot.stop()
    assert await asyncio.to_thread(main, ["restore", str(backup), "--config", config]) == EXIT_OK
    await bot.start()
    rows = await bot.runtime.db.fetchall("SELECT first_name FROM participants")
    assert [row[0] for row in rows] == ["Ada"]
    assert "Ada" in (await bot.ask(ada, "/start")).text
