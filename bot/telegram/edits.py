"""Editing sent messages: the one place that knows Telegram's "message is not modified".

Editing a message to the text and buttons it already has is refused with that BadRequest; for
the bot it means the message already says what it should, so it counts as done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.error import BadRequest


def is_not_modified(error: BadRequest) -> bool:
    """Tell whether Telegram refused an edit because nothing would change."""
    return "message is not modified" in error.message.lower()


@asynccontextmanager
async def unchanged_is_fine() -> AsyncIterator[None]:
    """Run an edit, treating "message is not modified" as success."""
    try:
        yield
    except BadRequest as error:
        if not is_not_modified(error):
            raise
