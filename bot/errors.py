"""Domain errors: each carries the message the user should read, translated at reply time."""

from __future__ import annotations

from collections.abc import Callable
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
