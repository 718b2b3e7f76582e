"""Domain errors, which carry the message the user should read, and how internal errors are
reported to the operators (each distinct one at most hourly)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import Any

from bot.i18n import N_

STALE_BUTTON = N_("This button is no longer valid.")


class DomainError(Exception):
    """A rule of the forum said no; ``user_message`` is an msgid with brace placeholders."""

    def __init__(self, user_message: str, **params: Any) -> None:
        super().__init__(user_message.format(**params) if params else user_message)
        self.user_message = user_message
        self.params = params

    def render(self, translate: Callable[[str], str]) -> str:
        """Return the message in the user's language, its parameters escaped for HTML."""
        safe = {key: escape(str(value)) for key, value in self.params.items()}
        return translate(self.user_message).format(**safe)


class NotAllowedError(DomainError):
    """The user lacks the role an action needs."""


class StaleButtonError(DomainError):
    """A button press that no longer applies (answered like any other stale press)."""

    def __init__(self) -> None:
        super().__init__(STALE_BUTTON)


@dataclass(slots=True)
class _Reported:
    at: datetime
    suppressed: int = 0


class ErrorReports:
    """Decide which internal errors go to the operators: each distinct one at most hourly.

    An error is distinct by its type and the place it was raised (the stack of the bot's own
    frames), never by its message, which may quote what a user typed.
    """

    def __init__(self, interval: timedelta = timedelta(hours=1), size: int = 256) -> None:
        self._interval = interval
        self._size = size
        self._seen: OrderedDict[str, _Reported] = OrderedDict()

    def due(self, key: str, now: datetime) -> int | None:
        """Return how many reports of ``key`` were held back, or None to hold this one back."""
        seen = self._seen.get(key)
        if seen is not None and now - seen.at < self._interval:
            seen.suppressed += 1
            return None
        held_back = seen.suppressed if seen is not None else 0
        self._seen[key] = _Reported(now)
        self._seen.move_to_end(key)
        while len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return held_back
