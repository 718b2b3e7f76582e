"""The one outbound queue for bulk sends (reminders, announcements, group posts).

Pacing at Telegram's limits is done by the application's ``MessageRateLimiter`` (every send
goes through it, so bulk and interactive traffic share one budget). This module adds what a
bulk sender needs on top: a bounded pool of concurrent sends that keeps the limiter busy,
retries of transient failures with backoff, a pause on a 429 that outlived PTB's own retries,
users who blocked the bot marked unreachable, and one outcome per recipient.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from functools import partial
from typing import TypeVar

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
MarkBlocked = Callable[[int], Awaitable[None]]


class Outcome(Enum):
    """What became of one message to one recipient."""

    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one send, with the message id or the error text."""

    chat_id: int
    outcome: Outcome
    message_id: int | None = None
    error: str | None = None
    # True when only transient errors (timeouts, 5xx, 429) stopped it: worth another try later.
    retryable: bool = False


class Outbound:
    """Send messages reliably: retries, 429 pauses, blocked users, bounded concurrency."""

    def __init__(
        self,
        mark_blocked: MarkBlocked,
        *,
        concurrency: int = 32,
        max_attempts: int = 5,
        backoff_seconds: float = 0.5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._mark_blocked = mark_blocked
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._sleep = sleep

    async def deliver(self, chat_id: int, send: Callable[[], Awaitable[Message]]) -> Delivery:
        """Run ``send`` for one recipient until it succeeds or fails for good."""
        wait = 0.0
        for attempt in range(1, self._max_attempts + 1):
            if attempt > 1:
                await self._sleep(wait)
            try:
                message = await send()
            except Forbidden as error:
                if chat_id > 0:
                    await self._mark_blocked(chat_id)
                return Delivery(chat_id, Outcome.BLOCKED, error=error.message)
            except RetryAfter as error:
                # PTB's limiter already retried; wait the whole pause out before trying again.
                pause = error.retry_after
                seconds = pause.total_seconds() if isinstance(pause, timedelta) else float(pause)
                wait = seconds + 0.1
            except ChatMigrated as error:
                return Delivery(chat_id, Outcome.FAILED, error=error.message)
            except BadRequest as error:
                return Delivery(chat_id, Outcome.FAILED, error=error.message)
            except (TimedOut, NetworkError) as error:
                # A timed-out send may have reached Telegram: a retry can duplicate it, which is
                # the price of not losing it.
                logger.info("send to %s failed (attempt %d): %s", chat_id, attempt, error)
                wait = self._backoff * 2 ** (attempt - 1)
            else:
                return Delivery(chat_id, Outcome.SENT, message_id=message.message_id)
        return Delivery(
            chat_id, Outcome.FAILED, error="gave up after repeated errors", retryable=True
        )

    async def deliver_all(
        self,
        items: Iterable[T],
        chat_of: Callable[[T], int],
        send: Callable[[T], Awaitable[Message]],
    ) -> AsyncIterator[tuple[T, Delivery]]:
        """Deliver to many recipients concurrently, yielding each outcome as it is known."""
        semaphore = asyncio.Semaphore(self._concurrency)

        async def one(item: T) -> tuple[T, Delivery]:
            async with semaphore:
                return item, await self.deliver(chat_of(item), partial(send, item))

        tasks = [asyncio.ensure_future(one(item)) for item in items]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
