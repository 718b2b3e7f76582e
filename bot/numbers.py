"""Numbers that users type or press: read within a stated range, or not at all.

Every number from a command, a button or an inline offset comes from someone who may be
hostile. Telegram ids have at most 52 significant bits and SQLite integers 64, so a number is
accepted only inside the range its caller names (by default a non-negative id); anything else
reads as no number, and nothing downstream can overflow.
"""

from __future__ import annotations

import re

# The largest Telegram id (52 significant bits) and more than any row id this bot creates.
MAX_ID = 2**53 - 1
_DIGITS = re.compile(r"[+-]?\d{1,16}")


def parse_int(text: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """Return ``text`` as an integer in ``[low, high]``, or None when it is anything else."""
    if text is None or not _DIGITS.fullmatch(text.strip()):
        return None
    value = int(text)
    return value if low <= value <= high else None
