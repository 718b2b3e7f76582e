"""Fixtures for end-to-end tests: a fake Telegram and a factory of running bots."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import ROOT, BotHarness, TestClock, at, config_text, token_free
from tests.fakeapi import FakeTelegram
from tests.virtualtime import VirtualPaceClock

MakeBot = Callable[..., Awaitable[BotHarness]]


@pytest.fixture
def clock() -> TestClock:
    """The shared clock: the day before the example forum opens, 09:00 UTC."""
    return TestClock(at(2027, 3, 15, 9))


@pytest.fixture
def pace() -> VirtualPaceClock:
    """The virtual pace clock the bot's outbound scheduler and the fake's flood control share."""
    return VirtualPaceClock()


@pytest.fixture
async def fake(clock: TestClock, pace: VirtualPaceClock) -> AsyncIterator[FakeTelegram]:
    """A running fake Bot API server sharing the test clock, with Telegram's flood limits."""
    server = FakeTelegram(clock=clock.timestamp, flood_control=True, flood_clock=pace.now)
    await server.start()
    yield server
    await server.stop()
    server.assert_no_contract_violations()
    assert server.flood_errors == 0, f"the bot was answered 429 {server.flood_errors} times"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """The bot's database file, shared by every bot a test starts (and by its set-up)."""
    return tmp_path / "bot.sqlite3"


@pytest.fixture
async def make_bot(
    fake: FakeTelegram,
    clock: TestClock,
    pace: VirtualPaceClock,
    tmp_path: Path,
    database: Path,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[MakeBot]:
    """Start bots on demand; each is stopped at the end and the logs checked for the token.

    ``settings`` adds keys to the config's sections or adds sections (``{"moderation": {...}}``);
    ``extra`` is raw TOML appended to the file.
    """
    caplog.set_level(logging.DEBUG)
    harnesses: list[BotHarness] = []

    async def start(
        *,
        organisers: list[int] | None = None,
        moderators: list[int] | None = None,
        chats: dict[str, int] | None = None,
        schedule: Path | None = ROOT / "schedule.example.json",
        extra: str = "",
        settings: dict[str, dict[str, Any]] | None = None,
    ) -> BotHarness:
        path = tmp_path / f"config{len(harnesses)}.toml"
        path.write_text(
            config_text(
                base_url=fake.base_url,
                database=database,
                schedule=schedule if schedule and schedule.exists() else None,
                organisers=organisers or [],
                moderators=moderators or [],
                chats=chats or {},
                extra=extra,
                settings=settings,
            ),
            encoding="utf-8",
        )
        harness = BotHarness(fake=fake, clock=clock, config_path=path, pace=pace)
        await harness.start()
        harnesses.append(harness)
        return harness

    yield start
    for harness in harnesses:
        await harness.stop()
    assert token_free(caplog.records), "the bot token appeared in a log record"


@pytest.fixture
async def bot(make_bot: MakeBot) -> BotHarness:
    """A running bot with the example configuration and no staff."""
    return await make_bot()


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Mark every test here as end-to-end."""
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
