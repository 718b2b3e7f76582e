"""The per-user flood guard: a user past the limit is refused and told once; memory stays
bounded however many users flooded once and left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.floodguard import FloodGuard
from tests.virtualtime import TestClock

START = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


def test_a_user_past_the_limit_is_refused_and_told_once() -> None:
    clock = TestClock(START)
    guard = FloodGuard(clock, limit=3)
    assert [guard.check(1) for _ in range(5)] == [
        (True, False),
        (True, False),
        (True, False),
        (False, True),
        (False, False),
    ]
    clock.now += timedelta(seconds=10)
    assert guard.check(1) == (True, False)


def test_users_who_flooded_and_left_are_forgotten() -> None:
    clock = TestClock(START)
    guard = FloodGuard(clock, limit=2, window=timedelta(seconds=10))
    for user in range(5_000):  # each floods once, then never writes again
        for _ in range(3):
            guard.check(user)
        clock.now += timedelta(milliseconds=20)
    counted, warned = guard.held
    assert warned <= 1024 + 1 and counted <= 5_000
    clock.now += timedelta(minutes=2)
    guard.check(-1)
    assert guard.held[0] == 1  # swept: only the one who wrote last
