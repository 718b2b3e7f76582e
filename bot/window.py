"""The one sliding-window counter behind every flood rule: how many events a key had within the
last ``window``. An event exactly ``window`` old no longer counts. Keys that fell idle are
forgotten every so often (after 10,000 additions, or once a sweep period has passed since the
last sweep, whichever comes first), so memory follows the keys active in the last sweep period
or two, not everyone ever seen; each check is O(1) amortised, cheap at hundreds of messages a
second. A key's events are a plain list (about 90 bytes for a few events, where a deque takes
600): the rules count a handful of events per key, and old ones leave from the front in one
slice.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# After this many additions, idle keys are swept out; and at least once a sweep period, which
# is the window but never shorter than a minute (a sweep walks every key).
_SWEEP_EVERY = 10_000
_SWEEP_PERIOD = timedelta(minutes=1)


class SlidingWindow(Generic[K]):
    """Count events per key within a sliding window of time."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._events: dict[K, list[datetime]] = {}
        self._added = 0
        self._sweep_period = max(window, _SWEEP_PERIOD)
        self._swept: datetime | None = None

    def count(self, key: K, now: datetime) -> int:
        """Return how many events the key had within the window ending now."""
        events = self._events.get(key)
        if events is None:
            return 0
        horizon = now - self.window
        expired = 0
        while expired < len(events) and events[expired] <= horizon:
            expired += 1
        if expired:
            del events[:expired]
        return len(events)

    def add(self, key: K, now: datetime) -> int:
        """Record an event; return how many the key has within the window, this one included."""
        count = self.count(key, now)
        self._events.setdefault(key, []).append(now)
        self._added += 1
        if self._swept is None:
            self._swept = now
        if self._added % _SWEEP_EVERY == 0 or now - self._swept >= self._sweep_period:
            self._forget_idle(now)
        return count + 1

    def __len__(self) -> int:
        """Return how many keys are held (active ones, and idle ones not yet swept)."""
        return len(self._events)

    def clear(self, key: K) -> None:
        """Forget the key's events (start counting afresh)."""
        self._events.pop(key, None)

    def _forget_idle(self, now: datetime) -> None:
        self._swept = now
        horizon = now - self.window
        # A new dict rather than deletions: a dict never gives back the room of deleted keys.
        self._events = {
            key: events for key, events in self._events.items() if events and events[-1] > horizon
        }
