"""Running it for real: the bot as its own process with JSON logs, its lock, backup and restore.

``forum-bot run --log-format json`` writes one JSON object per line without the token; while
it runs, a second bot on the same database and a restore are refused with exit status 4 (the
running bot holds ``<database>.lock``), and ``forum-bot backup`` works.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path

from bot.cli import EXIT_OK, EXIT_RUNNING
from tests.e2e.processes import example_config, forum_bot
from tests.fakeapi import TEST_TOKEN
from tests.fakeapi.client import FakeTelegramClient


async def _run(*args: str, cwd: Path) -> tuple[int, str]:
    """Run a forum-bot command to its end; return its exit status and output."""
    process = await forum_bot(*args, cwd=cwd)
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_json_logs_lock_backup_and_restore_around_a_running_bot(tmp_path: Path) -> None:
    async with FakeTelegramClient.spawn(tmp_path / "fake.port") as fake:
        config = example_config(tmp_path, fake.base_url)
        log = tmp_path / "bot.log"
        with log.open("wb") as out:
            bot = await forum_bot(
                *["run", "--config", str(config), "--log-format", "json"],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        try:
            user = await fake.add_user("Chiamaka", language_code="en")
            await fake.send(user, "/start")
            await fake.wait_bot_message(user, 0, timeout=30)

            status, output = await _run("run", "--config", str(config), cwd=tmp_path)
            assert status == EXIT_RUNNING, output
            assert "in use by a running forum-bot" in output

            backup = tmp_path / "live.sqlite3"
            status, output = await _run(
                "backup", str(backup), "--config", str(config), cwd=tmp_path
            )
            assert status == EXIT_OK, output
            assert "integrity check: ok" in output

            status, output = await _run(
                "restore", str(backup), "--config", str(config), cwd=tmp_path
            )
            assert status == EXIT_RUNNING, output
            assert "Stop the bot first" in output
        finally:
            bot.send_signal(signal.SIGTERM)
            status = await asyncio.wait_for(bot.wait(), 30)
        assert status == 0

    lines = log.read_text(encoding="utf-8").splitlines()
    assert lines
    records = [json.loads(line) for line in lines]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["logger"].startswith("telegram") for r in records)
    assert TEST_TOKEN not in log.read_text(encoding="utf-8")
    status, output = await _run("restore", str(backup), "--config", str(config), cwd=tmp_path)
    assert status == EXIT_OK, output
