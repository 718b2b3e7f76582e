"""Flood control on the injected clock, and injected faults (errors, delays, drops, 502)."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from tests.fakeapi import TEST_TOKEN, FakeTelegram, FloodLimits, ManualClock

pytestmark = pytest.mark.asyncio


async def test_per_chat_burst_then_429(clock: ManualClock) -> None:
    async with FakeTelegram(clock=clock, flood_control=True) as fake:
        user = fake.add_user("Ann")
        await user.send("hi")
        async with Bot(TEST_TOKEN, base_url=fake.base_url) as bot:
            for i in range(3):
                await bot.send_message(user.id, f"burst {i}")
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(user.id, "one too many")
            assert caught.value.retry_after.total_seconds() == 1
            last = fake.calls[-1]
            assert last.response == {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            assert fake.flood_errors == 1
            clock.advance(1)
            await bot.send_message(user.id, "after waiting")
            assert len(user.inbox) == 4


async def test_group_limit_per_minute(clock: ManualClock) -> None:
    limits = FloodLimits(per_chat_per_second=100, per_chat_burst=100)
    async with FakeTelegram(clock=clock, flood_control=True, limits=limits) as fake:
        group = fake.add_group("Forum")
        async with Bot(TEST_TOKEN, base_url=fake.base_url) as bot:
            for _ in range(20):
                await bot.send_message(group.id, "x")
                clock.advance(0.5)
            with pytest.raises(RetryAfter) as caught:
                await bot.send_message(group.id, "x")
            assert caught.value.retry_after.total_seconds() == 50


async def test_retry_after_header(clock: ManualClock) -> None:
    import httpx

    async with FakeTelegram(clock=clock, flood_control=True) as fake:
        user = fake.add_user("Ann")
        await user.send("hi")
        async with httpx.AsyncClient() as client:
            url = f"{fake.base_url}{TEST_TOKEN}/sendMessage"
            for _ in range(3):
                await client.post(url, data={"chat_id": user.id, "text": "x"})
            response = await client.post(url, data={"chat_id": user.id, "text": "x"})
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"


async def test_fail_nth_call_with_match(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    fake.fail(
        "sendMessage",
        error_code=400,
        description="Bad Request: chat not found",
        nth=2,
        match=lambda p: p.get("text") != "skip",
    )
    await bot.send_message(user.id, "skip")
    await bot.send_message(user.id, "first")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(user.id, "second")
    await bot.send_message(user.id, "third")
    assert [m.text for m in user.inbox] == ["skip", "first", "third"]


async def test_fail_with_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail(
        "getMe", error_code=429, description="Too Many Requests: retry after 7", retry_after=7
    )
    with pytest.raises(RetryAfter):
        await bot.get_me()


async def test_5xx_and_bad_gateway(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("getMe")
    fake.bad_gateway("getMe", nth=1)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.get_me()
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_me()
    assert (await bot.get_me()).username == "forum_test_bot"


async def test_delay_applies_then_client_times_out(fake: FakeTelegram) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    fake.delay("sendMessage", 1.0)
    request = HTTPXRequest(read_timeout=0.2)
    async with Bot(TEST_TOKEN, base_url=fake.base_url, request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(user.id, "sent but not confirmed")
    assert [m.text for m in user.inbox] == ["sent but not confirmed"]


async def test_drop_connection(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    fake.drop_connection("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(user.id, "lost")
    assert user.inbox == []
    await bot.send_message(user.id, "works again")
    assert [m.text for m in user.inbox] == ["works again"]
