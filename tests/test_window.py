"""The sliding-window counter: events count for exactly one window, per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.window import SlidingWindow

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def test_events_count_for_one_window_and_per_key() -> None:
    window: SlidingWindow[str] = SlidingWindow(timedelta(seconds=10))
    assert [window.add("a", at(s)) for s in (0, 1, 2)] == [1, 2, 3]
    assert window.add("b", at(2)) == 1
    assert window.count("a", at(9.9)) == 3
    assert window.count("a", at(10)) == 2  # the event exactly one window old is out
    assert window.count("a", at(30)) == 0
    window.clear("b")
    assert window.count("b", at(2)) == 0


def test_idle_keys_are_forgotten() -> None:
    window: SlidingWindow[int] = SlidingWindow(timedelta(seconds=1))
    for key in range(10_000):
        window.add(key, at(key))
    assert window.count(0, at(10_000)) == 0
    assert len(window._events) < 10  # swept: only the keys active in the last second stay


def test_idle_keys_are_forgotten_a_sweep_period_later_however_few_were_added() -> None:
    window: SlidingWindow[int] = SlidingWindow(timedelta(seconds=10))
    for key in range(5_000):  # a burst of distinct senders, each once, far below 10,000
        window.add(key, at(0))
    assert len(window) == 5_000
    window.add(-1, at(59))
    assert len(window) == 5_001  # within the sweep period (a minute): nothing swept yet
    window.add(-2, at(61))
    assert len(window) == 2  # a minute on: only the keys active in the last window remain
