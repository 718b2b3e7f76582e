"""Outgoing rate limits: Telegram's message limits applied to the methods that send messages.

PTB's ``AIORateLimiter`` paces every request that names a chat, so restricting a member or
deleting a spam message in the group would wait behind the 20-messages-a-minute group budget.
Telegram's limits are about messages sent; this limiter paces only those and lets the rest
through at once (they still wait while a 429 pause is in force).

PTB's leaky buckets also allow a full burst on top of the steady rate: at 29/s, 29 sends at
once and 28 more within the same second, which Telegram's (and the fake's) sliding one-second
window answers with 429. This limiter spaces sends evenly instead (``EvenPacer``), and groups
get one send per ``period / rate``: no window of one second (or one minute, per group) holds
more than the rate.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

PACED_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendmediagroup",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendpoll",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)


# How late a release may be and still keep the next slot where it was: the event loop's usual
# wake-up delay. A longer stall restarts the spacing from the actual release, so sends that fell
# due during the stall do not go out together.
SLACK = 0.0015


class EvenPacer:
    """Admit sends one by one, ``1/rate`` seconds apart, and never ``rate`` in one second.

    Each slot follows the previous release; a release late by up to ``SLACK`` does not push the
    later slots back (that delay would add up over a long burst and slow the pace). Any 31
    consecutive sends at 29/s therefore span at least 1.03 s, which leaves some 30 ms for jitter
    on the way to Telegram's 30-a-second window. During a 429 pause nobody takes a slot, so the
    queue resumes at the pace instead of in a burst.
    """

    def __init__(self, rate: float, unpaused: asyncio.Event | None = None) -> None:
        self._interval = 1.0 / rate
        self._slack = min(SLACK, self._interval / 4)
        self._last = -self._interval
        self._window = max(1, int(rate))
        self._admitted: deque[float] = deque()
        self._paused = unpaused
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            while True:
                if self._paused is not None:
                    await self._paused.wait()
                target = self._last + self._interval
                now = loop.time()
                if target > now:
                    await asyncio.sleep(target - now)
                now = await self._window_free(loop)
                # A pause that began while this send waited: wait it out and take a new slot.
                if self._paused is None or self._paused.is_set():
                    self._last = max(target, now - self._slack)
                    self._admitted.append(now)
                    return

    async def _window_free(self, loop: asyncio.AbstractEventLoop) -> float:
        """Wait until the last second holds fewer than ``rate`` sends."""
        while True:
            now = loop.time()
            while self._admitted and self._admitted[0] <= now - 1.0:
                self._admitted.popleft()
            if len(self._admitted) < self._window:
                return now
            await asyncio.sleep(self._admitted[0] + 1.0 - now)

    async def __aexit__(self, *exc: object) -> None:
        return None


class MessageRateLimiter(AIORateLimiter):
    """Pace message-sending methods at Telegram's limits; pass everything else through."""

    def __init__(
        self,
        overall_max_rate: float = 29,
        overall_time_period: float = 1,
        group_max_rate: float = 20,
        group_time_period: float = 60,
        max_retries: int = 0,
    ) -> None:
        super().__init__(
            overall_max_rate, overall_time_period, group_max_rate, group_time_period, max_retries
        )
        # Even spacing instead of burst-then-rate (see the module docstring). The attributes are
        # PTB's own; its group limiters are built from the two group values on first use.
        if overall_max_rate and overall_time_period:
            self._base_limiter = EvenPacer(
                overall_max_rate / overall_time_period, self._retry_after_event
            )  # type: ignore[assignment]  # PTB only enters it with async with
        if group_max_rate and group_time_period:
            self._group_max_rate = 1
            self._group_time_period = group_time_period / group_max_rate

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Apply the limits to sends only."""
        if endpoint.lower() in PACED_METHODS:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        return await callback(*args, **kwargs)
