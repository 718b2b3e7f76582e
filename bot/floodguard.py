"""Per-user flood guard: a user sending faster than a person can is ignored for a while."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import Clock
from bot.window import SlidingWindow

# Above this many users told "too fast", those no longer over the limit are forgotten.
_WARNED_KEPT = 1024


class FloodGuard:
    """Allow at most ``limit`` updates per user in any ``window``."""

    def __init__(self, clock: Clock, limit: int = 20, window: timedelta = timedelta(seconds=10)):
        self._clock = clock
        self._limit = limit
        self._seen: SlidingWindow[int] = SlidingWindow(window)
        # Users told once that they are too fast, until an update of theirs is allowed again.
        self._warned: set[int] = set()

    def check(self, user_id: int) -> tuple[bool, bool]:
        """Record an update; return (allowed, should_warn_once)."""
        now = self._clock()
        if self._seen.count(user_id, now) >= self._limit:
            warn = user_id not in self._warned
            if warn and len(self._warned) >= _WARNED_KEPT:
                # Someone who flooded and left would stay here for good: keep only those
                # still over the limit, so the set follows the flooders of the last window.
                self._warned = {
                    user for user in self._warned if self._seen.count(user, now) >= self._limit
                }
            self._warned.add(user_id)
            return False, warn
        self._seen.add(user_id, now)
        self._warned.discard(user_id)
        return True, False

    @property
    def held(self) -> tuple[int, int]:
        """Return how many users the guard holds: counted, and told they are too fast."""
        return len(self._seen), len(self._warned)
