"""Callback data: a tiny codec for button payloads, always at most 64 bytes, never trusted.

``encode("rem", "12")`` gives ``"rem:12"``; ``parse`` gives back an ``Action`` or None for
anything malformed, so a forged press is simply ignored (and answered) by the handler.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.numbers import MAX_ID, parse_int

MAX_BYTES = 64
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_ARG = re.compile(r"^[A-Za-z0-9_.+\-=]{0,48}$")


@dataclass(frozen=True, slots=True)
class Action:
    """A parsed button press: what to do and its arguments."""

    name: str
    args: tuple[str, ...]

    def arg(self, index: int) -> str | None:
        """Return argument ``index`` or None when the press carried fewer."""
        return self.args[index] if index < len(self.args) else None

    def int_arg(self, index: int, *, low: int = 0, high: int = MAX_ID) -> int | None:
        """Return argument ``index`` as an integer in ``[low, high]``, else None."""
        return parse_int(self.arg(index), low=low, high=high)


def encode(name: str, *args: str | int) -> str:
    """Build callback data for a button; raise ValueError if it would not fit Telegram's limit."""
    if not _ACTION.match(name):
        raise ValueError(f"bad action name {name!r}")
    parts = [name]
    for arg in args:
        text = str(arg)
        if not _ARG.match(text) or ":" in text:
            raise ValueError(f"bad callback argument {text!r}")
        parts.append(text)
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: str | None) -> Action | None:
    """Parse callback data from a button press; None for anything this bot did not make."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    name, *args = data.split(":")
    if not _ACTION.match(name) or not all(_ARG.match(arg) for arg in args):
        return None
    return Action(name, tuple(args))
