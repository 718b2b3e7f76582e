"""What people type: cleaned one way before any feature keeps it, and held to a length."""

from __future__ import annotations

import unicodedata

from bot.errors import DomainError
from bot.i18n import N_

TOO_LONG = N_("That is {length} characters; please keep it to {limit}.")


def clean_typed(text: str) -> str:
    """Normalise typed text: NFC, control characters dropped (newlines kept), stripped."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cc" or c == "\n").strip()


def within(text: str, limit: int, too_long: str = TOO_LONG) -> str:
    """Return the text if it fits ``limit`` characters; else a DomainError saying how long it
    is (``too_long``: an msgid with ``{length}`` and ``{limit}``)."""
    if len(text) > limit:
        raise DomainError(too_long, length=len(text), limit=limit)
    return text
