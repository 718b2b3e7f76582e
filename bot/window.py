"""The one sliding-window counter behind every flood rule: how many events a key had within the
last ``window``. An event exactly ``window`` old no longer counts. Keys that fell idle are
forgotten every so often, so memory follows the active keys, not everyone ever seen; each
check is O(1) amortised, cheap at hundreds of messages a second.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# After this many additions, idle keys are swept out.
_SWEEP_EVERY = 10_000


class SlidingWindow(Generic[K]):
    """Count events per key within a sliding window of time."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._events: dict[K, deque[datetime]] = {}
        self._added = 0

    def count(self, key: K, now: datetime) -> int:
        """Return how many events the key had within the window ending now."""
        events = self._events.get(key)
        if events is None:
            return 0
        horizon = now - self.window
        while events and events[0] <= horizon:
            events.popleft()
        return len(events)

    def add(self, key: K, now: datetime) -> int:
        """Record an event; return how many the key has within the window, this one included."""
        count = self.count(key, now)
        self._events.setdefault(key, deque()).append(now)
        self._added += 1
        if self._added % _SWEEP_EVERY == 0:
            self._forget_idle(now)
        return count + 1

    def clear(self, key: K) -> None:
        """Forget the key's events (start counting afresh)."""
        self._events.pop(key, None)

    def _forget_idle(self, now: datetime) -> None:
        horizon = now - self.window
        idle = [key for key, events in self._events.items() if not events or events[-1] <= horizon]
        for key in idle:
            del self._events[key]
