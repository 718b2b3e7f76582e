"""The outbound queue: outcomes per recipient, retries with backoff, blocked users marked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Chat, Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TimedOut

from bot.telegram.delivery import Outbound, Outcome


def message(chat_id: int, message_id: int = 1) -> Message:
    return Message(message_id, date=None, chat=Chat(chat_id, "private"))  # type: ignore[arg-type]


class Script:
    """Answers each send with the next scripted result (an exception or a message)."""

    def __init__(self, *results: Any) -> None:
        self.results = list(results)
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        assert isinstance(result, Message)
        return result


async def make() -> tuple[Outbound, list[int], list[float]]:
    blocked: list[int] = []
    sleeps: list[float] = []

    async def mark(user_id: int) -> None:
        blocked.append(user_id)

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return Outbound(mark, max_attempts=3, backoff_seconds=0.5, sleep=sleep), blocked, sleeps


async def test_sent_after_transient_errors_with_backoff() -> None:
    outbound, _, sleeps = await make()
    send = Script(TimedOut(), RetryAfter(timedelta(seconds=3)), message(7, 42))
    delivery = await outbound.deliver(7, send)
    assert (delivery.outcome, delivery.message_id) == (Outcome.SENT, 42)
    assert sleeps == [0.5, 3.1]


async def test_blocked_user_is_marked_and_not_retried() -> None:
    outbound, blocked, _ = await make()
    send = Script(Forbidden("Forbidden: bot was blocked by the user"))
    delivery = await outbound.deliver(7, send)
    assert delivery.outcome is Outcome.BLOCKED and blocked == [7] and send.calls == 1


async def test_bad_request_fails_for_good() -> None:
    outbound, blocked, _ = await make()
    delivery = await outbound.deliver(7, Script(BadRequest("Chat not found")))
    assert delivery.outcome is Outcome.FAILED and not delivery.retryable and blocked == []


async def test_repeated_timeouts_give_up_retryably() -> None:
    outbound, _, sleeps = await make()
    delivery = await outbound.deliver(7, Script(TimedOut(), TimedOut(), TimedOut()))
    assert delivery.outcome is Outcome.FAILED and delivery.retryable
    assert sleeps == [0.5, 1.0]


async def test_deliver_all_reports_every_recipient_once() -> None:
    outbound, blocked, _ = await make()

    async def send(chat_id: int) -> Message:
        if chat_id % 3 == 0:
            raise Forbidden("Forbidden: bot was blocked by the user")
        return message(chat_id)

    results = [item async for item in outbound.deliver_all(range(1, 31), lambda c: c, send)]
    assert sorted(chat for chat, _ in results) == list(range(1, 31))
    assert sorted(blocked) == list(range(3, 31, 3))
    assert sum(d.outcome is Outcome.SENT for _, d in results) == 20
