"""Test time: the settable clock injected as the bot's ``clock``, and a virtual pace clock.

``TestClock`` is the wall clock of every test (unit and end to end): tz-aware UTC, set and
advanced by the test. ``VirtualPaceClock`` is shared by the bot's outbound scheduler and the
fake's flood control: time stands still until someone advances it; timers run in order as it
passes them. The end-to-end harness advances it whenever the bot is only waiting on pacing (no
update working, no send in flight), so a minute of group budget costs no wall-clock time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta


class TestClock:
    """A clock the test sets and advances; tz-aware UTC for the bot, unix seconds for the fake."""

    __test__ = False

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        """Return the current time as unix seconds (for the fake server)."""
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        """Move time forward by a timedelta's keyword arguments."""
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self.now = moment


class VirtualTimer:
    """A pending call; ``cancel()`` keeps it from running."""

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback."""
        self.cancelled = True


class VirtualPaceClock:
    """Seconds that pass only when ``advance`` is called (a ``PaceClock`` for the scheduler)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        # How late ``step`` runs a timer, as a busy event loop's fire (0: on the dot).
        self.lateness = 0.0
        self._timers: list[tuple[float, int, VirtualTimer]] = []
        self._order = itertools.count()

    def now(self) -> float:
        """Return the virtual time."""
        return self._now

    def call_at(self, when: float, callback: Callable[[], None]) -> VirtualTimer:
        """Run ``callback`` when the virtual time reaches ``when``."""
        timer = VirtualTimer(when, callback)
        heapq.heappush(self._timers, (when, next(self._order), timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of virtual time."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        self.call_at(self._now + seconds, wake)
        await future

    def next_at(self) -> float | None:
        """Return when the earliest live timer is due, if any."""
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    def advance_to(self, moment: float) -> None:
        """Move time forward to ``moment``, running every timer due on the way, in order."""
        while (due := self.next_at()) is not None and due <= moment:
            _, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, due)
            timer.callback()
        self._now = max(self._now, moment)

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        self.advance_to(self._now + seconds)

    def step(self) -> bool:
        """Advance to the earliest timer and run what is due then; False when none is set."""
        due = self.next_at()
        if due is None:
            return False
        self.advance_to(due + self.lateness)
        return True
