"""Crash test: the bot as a subprocess, SIGKILLed mid-announcement, then restarted.

After the restart the announcement continues from its outbox: every reachable recipient gets
it, and a recipient gets it twice only if their send was in flight at the kill, so the
duplicates are at most ``[announcements] concurrency`` (the sends in flight at once).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from storage.database import Database
from tests.fakeapi import TEST_TOKEN, FakeTelegram, SimUser

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 1000
UNREACHABLE = 5
CONCURRENCY = 32
TEXT = "Room change: hall B"


def _config(fake: FakeTelegram, folder: Path, organiser: int) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[telegram]
api_base_url = "{fake.base_url}"
set_commands = false
poll_timeout_seconds = 1
messages_per_second = 400

[event]
name = "Crash test"

[roles]
organisers = [{organiser}]

[storage]
database = "bot.sqlite3"

[announcements]
concurrency = {CONCURRENCY}
progress_seconds = 1
""",
        encoding="utf-8",
    )
    return path


async def _start_bot(config: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "FORUMBOT_TOKEN": TEST_TOKEN}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _until(condition: Callable[[], bool], within: float) -> None:
    async def wait() -> None:
        # Polls the fake's call journal, which signals no event for it.
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), within)


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
        config = _config(fake, tmp_path, organiser.id)

        def received() -> Counter[int]:
            return Counter(
                int(c.params["chat_id"])
                for c in fake.calls_to("sendMessage")
                if c.status == 200 and c.params.get("text") == TEXT
            )

        bot = await _start_bot(config)
        try:
            await organiser.send(f"/announce {TEXT}")
            control = await organiser.chat.wait_bot_message(2, timeout=20)
            await organiser.click("Confirm", control)
            await _until(lambda: sum(received().values()) >= RECIPIENTS // 3, within=30)
        finally:
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
        at_kill = sum(received().values())
        assert at_kill < RECIPIENTS, "the kill came too late to test anything"

        bot = await _start_bot(config)
        try:
            # The organiser is a participant too, so they receive it as well.
            reachable = {p.id for p in people[:RECIPIENTS]} | {organiser.id}
            await _until(lambda: reachable <= set(received()), within=60)
            await _until(lambda: "is sent" in (organiser.chat.bot_messages[-1].text or ""), 20)
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
