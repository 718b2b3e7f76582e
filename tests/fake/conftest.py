"""Fixtures for the fake server's own tests: a started fake on a manual clock and a PTB Bot."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from telegram import Bot

from tests.fakeapi import TEST_TOKEN, FakeTelegram, ManualClock

# Opt in to PTB's timedelta `retry_after` now, so its deprecation warning cannot fail tests.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture
def clock() -> ManualClock:
    """Return a manual clock starting at 2026-01-01T00:00:00Z."""
    return ManualClock()


@pytest_asyncio.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeTelegram]:
    """Start a fake server on the manual clock."""
    server = FakeTelegram(clock=clock)
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    """Return an initialised PTB Bot talking to the fake."""
    async with Bot(TEST_TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


@pytest_asyncio.fixture
async def http(fake: FakeTelegram) -> AsyncIterator[httpx.AsyncClient]:
    """Return a raw HTTP client rooted at the fake."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{fake.port}") as client:
        yield client
