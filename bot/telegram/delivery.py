"""Bulk sending (reminders, announcements, digests, group posts) through the core scheduler.

Pacing at Telegram's limits and the order between senders are the application's
``OutboundScheduler``'s (``bot.telegram.ratelimit``): every send goes through it, interactive
replies first. ``Outbound`` marks its sends with its priority (``Priority.URGENT`` for what is
due now, ``Priority.BULK`` for announcements and digests), optionally a coalescing key and a
longest wait, and adds what a bulk sender needs on top: a bounded pool of concurrent sends
that keeps the scheduler's queue full (so bulk uses every slot interactive traffic leaves),
retries of transient failures (5xx, timeouts) with backoff, a pause on a 429 that outlived the
scheduler's own retries, users who blocked the bot marked unreachable, a send dropped at its
deadline reported as failed, and one outcome per recipient.

A feature's bulk sender holds a ``BulkSender`` (its bot and its ``Outbound``) and only renders:
``send`` one text with its keyboard rows, or ``send_each`` of many items what a renderer makes
of it. A sender run by a periodic job is ``Rounds``: a round never overlaps the last one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from datetime import timedelta
from enum import Enum
from functools import partial
from typing import Generic, TypeVar

from telegram import Bot, Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.callbacks import Rows
from bot.telegram.keyboards import keyboard
from bot.telegram.ratelimit import Priority, SendExpiredError, send_options

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
MarkBlocked = Callable[[int], Awaitable[None]]
Rendered = tuple[str, Rows]


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


@dataclass
class Outbound:
    """Send messages reliably: retries, 429 pauses, blocked users, bounded concurrency."""

    mark_blocked: MarkBlocked
    _: KW_ONLY
    priority: Priority = Priority.BULK
    concurrency: int = 32
    max_attempts: int = 5
    backoff_seconds: float = 0.5
    sleep: Sleep = asyncio.sleep

    async def deliver(
        self,
        chat_id: int,
        send: Callable[[], Awaitable[Message]],
        *,
        priority: Priority | None = None,
        coalesce: str | None = None,
        max_wait: float | None = None,
    ) -> Delivery:
        """Run ``send`` for one recipient until it succeeds or fails for good.

        ``priority`` overrides this sender's; a send still waiting ``max_wait`` seconds after
        it was first queued is dropped (a "starting soon" post that would come late).
        """
        wait = 0.0
        deadline = None if max_wait is None else time.monotonic() + max_wait
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                await self.sleep(wait)
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return Delivery(chat_id, Outcome.FAILED, error="expired")
            try:
                with send_options(priority or self.priority, coalesce=coalesce, max_wait=left):
                    message = await send()
            except SendExpiredError:
                return Delivery(chat_id, Outcome.FAILED, error="expired")
            except Forbidden as error:
                if chat_id > 0:
                    await self.mark_blocked(chat_id)
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
                wait = self.backoff_seconds * 2 ** (attempt - 1)
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
        semaphore = asyncio.Semaphore(self.concurrency)

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


@dataclass(frozen=True)
class BulkSender:
    """Rendered messages (a text and its keyboard rows) sent by one bot through an Outbound."""

    bot: Bot
    outbound: Outbound

    async def send(
        self,
        chat_id: int,
        text: str,
        rows: Rows | None = None,
        *,
        priority: Priority | None = None,
        max_wait: float | None = None,
    ) -> Delivery:
        """Send one text with its keyboard to a chat (``Outbound.deliver``'s options)."""
        markup = keyboard(rows or [])
        send = partial(self.bot.send_message, chat_id, text, reply_markup=markup)
        return await self.outbound.deliver(chat_id, send, priority=priority, max_wait=max_wait)

    def send_each(
        self,
        items: Iterable[T],
        chat_of: Callable[[T], int],
        render: Callable[[T], Awaitable[Rendered]],
    ) -> AsyncIterator[tuple[T, Delivery]]:
        """Send each item's chat what ``render`` makes of the item, yielding each outcome."""

        async def send(item: T) -> Message:
            text, rows = await render(item)
            return await self.bot.send_message(chat_of(item), text, reply_markup=keyboard(rows))

        return self.outbound.deliver_all(items, chat_of, send)


@dataclass
class Rounds(Generic[T]):
    """A sender whose periodic job runs rounds: ``run`` does one, or returns None at once while
    the last one is still running."""

    _running: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def run(self) -> T | None:
        """Run one round; None when a round is already running."""
        if self._running.locked():
            return None
        async with self._running:
            return await self.round()

    async def round(self) -> T:
        """Send what is due now and report what became of it."""
        raise NotImplementedError
