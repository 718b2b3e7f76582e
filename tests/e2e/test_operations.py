"""Running it for real: the bot as its own process with JSON logs, its lock, backup and restore.

``forum-bot run --log-format json`` writes one JSON object per line without the token; while
it runs, a second bot on the same database and a restore are refused with exit status 4 (the
running bot holds ``<database>.lock``), and ``forum-bot backup`` works.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bot.cli import EXIT_OK, EXIT_RUNNING
from tests.e2e.harness import ROOT
from tests.fakeapi import TEST_TOKEN
from tests.fakeapi.client import FakeTelegramClient


async def _forum_bot(*args: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_json_logs_lock_backup_and_restore_around_a_running_bot(tmp_path: Path) -> None:
    async with FakeTelegramClient.spawn(tmp_path / "fake.port") as fake:
        shutil.copy(ROOT / "schedule.example.json", tmp_path / "programme.json")
        config = tmp_path / "config.toml"
        example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
        config.write_text(
            example.replace("https://api.telegram.org/bot", fake.base_url)
            .replace('schedule = "schedule.example.json"', 'schedule = "programme.json"')
            .replace('level = "INFO"', 'level = "DEBUG"'),
            encoding="utf-8",
        )
        env = {**os.environ, "FORUMBOT_TOKEN": TEST_TOKEN}
        log = tmp_path / "bot.log"
        with log.open("wb") as out:
            bot = await asyncio.create_subprocess_exec(
                *[sys.executable, "-m", "bot", "run", "--config", str(config)],
                *["--log-format", "json"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=out,
            )
        try:
            user = await fake.add_user("Chiamaka", language_code="en")
            await fake.send(user, "/start")
            await fake.wait_bot_message(user, 0, timeout=30)

            status, output = await _forum_bot(
                "run", "--config", str(config), cwd=tmp_path, env=env
            )
            assert status == EXIT_RUNNING, output
            assert "in use by a running forum-bot" in output

            backup = tmp_path / "live.sqlite3"
            status, output = await _forum_bot(
                "backup", str(backup), "--config", str(config), cwd=tmp_path, env=env
            )
            assert status == EXIT_OK, output
            assert "integrity check: ok" in output

            status, output = await _forum_bot(
                "restore", str(backup), "--config", str(config), cwd=tmp_path, env=env
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
    status, output = await _forum_bot(
        "restore", str(backup), "--config", str(config), cwd=tmp_path, env=env
    )
    assert status == EXIT_OK, output
