"""Crash test: the bot as a subprocess, SIGKILLed mid-announcement, then restarted.

After the restart the announcement continues from its outbox: every reachable recipient gets
it, and a recipient gets it twice only if their send was in flight at the kill, so the
duplicates are at most ``[announcements] concurrency`` (the sends in flight at once).
"""

from __future__ import annotations

import asyncio
import signal
from asyncio.subprocess import DEVNULL
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from storage.database import Database
from tests.e2e.harness import ROOT
from tests.e2e.processes import bot_config, forum_bot, until
from tests.fakeapi import FakeTelegram, SimUser

RECIPIENTS = 1000
UNREACHABLE = 5
CONCURRENCY = 32
TEXT = "Room change: hall B"


async def _participants(path: Path, users: list[SimUser]) -> None:
    db = Database(path)
    await db.open()
    now = datetime.now(UTC).isoformat()
    await db.executemany(
        "INSERT INTO participants (user_id, first_name, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?)",
        [(u.id, u.first_name, now, now) for u in users],
    )
    await db.close()


async def test_sigkill_mid_announcement_then_restart_reaches_everyone_once(
    tmp_path: Path,
) -> None:
    async with FakeTelegram() as fake:
        organiser = fake.add_user("Olga")
        people = [fake.add_user(f"P{i}") for i in range(RECIPIENTS + UNREACHABLE)]
        for person in people:
            person.started = True
        for person in people[-UNREACHABLE:]:
            person.blocked = True
        await _participants(tmp_path / "bot.sqlite3", people)
        config = bot_config(
            tmp_path,
            fake.base_url,
            organisers=[organiser.id],
            settings={
                "telegram": {"set_commands": False, "messages_per_second": 400},
                "event": {"name": "Crash test"},
                "announcements": {"concurrency": CONCURRENCY, "progress_seconds": 1},
            },
        )

        def received() -> Counter[int]:
            return Counter(
                int(c.params["chat_id"])
                for c in fake.calls_to("sendMessage")
                if c.status == 200 and c.params.get("text") == TEXT
            )

        bot = await forum_bot(
            "run", "--config", str(config), cwd=ROOT, stdout=DEVNULL, stderr=DEVNULL
        )
        try:
            await organiser.send(f"/announce {TEXT}")
            control = await organiser.chat.wait_bot_message(2, timeout=20)
            await organiser.click("Confirm", control)
            await until(lambda: sum(received().values()) >= RECIPIENTS // 3, "sending", 30)
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
        at_kill = sum(received().values())
        assert at_kill < RECIPIENTS, "the kill came too late to test anything"

        bot = await forum_bot(
            "run", "--config", str(config), cwd=ROOT, stdout=DEVNULL, stderr=DEVNULL
        )
        try:
            # The organiser is a participant too, so they receive it as well.
            reachable = {p.id for p in people[:RECIPIENTS]} | {organiser.id}
            await until(lambda: reachable <= set(received()), "everyone reached", 60)
            await until(
                lambda: "is sent" in (organiser.chat.bot_messages[-1].text or ""), "report", 20
            )
        finally:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), timeout=20)

    counts = received()
    duplicates = sum(n - 1 for n in counts.values())
    assert set(counts) == reachable  # nobody skipped, nobody unreachable "reached"
    assert duplicates <= CONCURRENCY
    report = organiser.chat.bot_messages[-1].text or ""
    assert f"blocked: {UNREACHABLE}" in report
    assert f"Delivered: {RECIPIENTS + 1}" in report
    print(f"sent before the kill: {at_kill}, duplicates after restart: {duplicates}")
