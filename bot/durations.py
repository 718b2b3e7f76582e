"""Durations as people type them (``90s``, ``30m``, ``24h``, ``7d``, ``2w``), parsed and shown."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^(\d{1,6})([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta | None:
    """Return the duration ``text`` names (``30m``, ``24h``), or None if it names none."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        return None
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    return timedelta(seconds=seconds) if seconds > 0 else None


def format_duration(duration: timedelta) -> str:
    """Return the duration in the largest whole unit (``24h`` rather than ``1440m``)."""
    # To the nearest second: a length worked out as until - now is a hair short (3599.998 s).
    seconds = round(duration.total_seconds())
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
