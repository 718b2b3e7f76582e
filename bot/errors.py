"""Domain errors: each carries the message the user should read, translated at reply time."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the forum said no; ``user_message`` is an msgid with brace placeholders."""

    def __init__(self, user_message: str, **params: Any) -> None:
        super().__init__(user_message.format(**params) if params else user_message)
        self.user_message = user_message
        self.params = params


class NotAllowedError(DomainError):
    """The user lacks the role an action needs."""
