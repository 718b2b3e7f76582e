"""The injectable clock: every service asks it for the time instead of the machine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current time, tz-aware in UTC."""
    return datetime.now(UTC)
