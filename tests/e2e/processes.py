"""The bot as its own process, as an operator runs it: its configuration, starting it, waiting.

Tests that kill, signal or restart a real process (the command line, crash tests) share these;
everything else runs the bot in-process through ``harness.BotHarness``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from tests.e2e.harness import ROOT, config_text
from tests.fakeapi import TEST_TOKEN

# Where a child's output goes: a pipe, a file, DEVNULL or STDOUT (as for ``subprocess``).
Output = int | IO[Any]


def example_config(folder: Path, base_url: str) -> Path:
    """Write ``config.example.toml`` into ``folder`` as an operator would adapt it: the Bot API
    at ``base_url``, a copy of the example programme beside it, DEBUG logs."""
    shutil.copy(ROOT / "schedule.example.json", folder / "programme.json")
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = folder / "config.toml"
    config.write_text(
        example.replace("https://api.telegram.org/bot", base_url)
        .replace('schedule = "schedule.example.json"', 'schedule = "programme.json"')
        .replace('level = "INFO"', 'level = "DEBUG"'),
        encoding="utf-8",
    )
    return config


def bot_config(
    folder: Path,
    base_url: str,
    *,
    organisers: list[int] | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Write a configuration for a bot whose database is ``folder/bot.sqlite3``; ``settings``
    adds to or overrides its sections."""
    config = folder / "config.toml"
    config.write_text(
        config_text(
            base_url=base_url,
            database=folder / "bot.sqlite3",
            schedule=None,
            organisers=organisers or [],
            moderators=[],
            chats={},
            extra="",
            settings=settings,
        ),
        encoding="utf-8",
    )
    return config


async def forum_bot(
    *args: str,
    cwd: Path,
    token: str = TEST_TOKEN,
    stdout: Output = subprocess.PIPE,
    stderr: Output = subprocess.STDOUT,
) -> asyncio.subprocess.Process:
    """Start ``python -m bot ARGS`` (what the ``forum-bot`` command runs) with ``token``."""
    return await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**os.environ, "FORUMBOT_TOKEN": token},
        stdout=stdout,
        stderr=stderr,
    )


async def until(condition: Callable[[], bool], what: str, within: float = 60) -> None:
    """Wait for a condition the bot process brings about (polling, never a fixed sleep)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
