"""Per-user flood guard: a user sending faster than a person can is ignored for a while."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from bot.clock import Clock


class FloodGuard:
    """Allow at most ``limit`` updates per user in any ``window``."""

    def __init__(self, clock: Clock, limit: int = 20, window: timedelta = timedelta(seconds=10)):
        self._clock = clock
        self._limit = limit
        self._window = window
        self._seen: dict[int, deque[datetime]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> tuple[bool, bool]:
        """Record an update; return (allowed, should_warn_once)."""
        now = self._clock()
        times = self._seen.setdefault(user_id, deque())
        while times and now - times[0] > self._window:
            times.popleft()
        if len(times) >= self._limit:
            warn = user_id not in self._warned
            self._warned.add(user_id)
            return False, warn
        times.append(now)
        self._warned.discard(user_id)
        if len(self._seen) > 10_000:
            self._forget_idle(now)
        return True, False

    def _forget_idle(self, now: datetime) -> None:
        idle = [uid for uid, t in self._seen.items() if not t or now - t[-1] > self._window]
        for uid in idle:
            del self._seen[uid]
