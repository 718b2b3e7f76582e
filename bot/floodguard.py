"""Per-user flood guard: a user sending faster than a person can is ignored for a while."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.window import SlidingWindow


class FloodGuard:
    """Allow at most ``limit`` updates per user in any ``window``."""

    def __init__(self, clock: Clock, limit: int = 20, window: timedelta = timedelta(seconds=10)):
        self._clock = clock
        self._limit = limit
        self._seen: SlidingWindow[int] = SlidingWindow(window)
        self._warned: set[int] = set()

    def check(self, user_id: int) -> tuple[bool, bool]:
        """Record an update; return (allowed, should_warn_once)."""
        now = self._clock()
        if self._seen.count(user_id, now) >= self._limit:
            warn = user_id not in self._warned
            self._warned.add(user_id)
            return False, warn
        self._seen.add(user_id, now)
        self._warned.discard(user_id)
        return True, False
