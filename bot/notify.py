"""The notifier port: how a service says who is told what, without knowing Telegram.

A ``Notice`` renders itself for a translator, so each person reads it in their own language.
Services decide the recipients (the requester, a profile's owner, the staff) and call the
``Notifier``; ``bot.telegram.notifier`` implements it over the Bot API, writes privately only
to people who can receive private messages, and sends staff notices that cannot reach a staff
member to the modlog chat instead, keeping them to tell that person when they next start the bot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from bot.callbacks import Rows
from bot.i18n import Translator


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to render per reader: its text and, optionally, its buttons."""

    text: Callable[[Translator], str]
    rows: Callable[[Translator], Rows] | None = None


class Notifier(Protocol):
    """Tell people things on a service's behalf."""

    async def tell(self, user_id: int, notice: Notice) -> bool:
        """Write to a person privately, in their language; False if they cannot be reached."""
        ...

    async def tell_staff(
        self, staff: Iterable[int], notice: Notice, *, log: bool, public_fallback: bool = False
    ) -> None:
        """Tell staff members privately; ``log`` also posts it to the modlog chat. Whoever cannot
        be reached gets it later; the modlog chat (or, if ``public_fallback``, the community
        group when there is no modlog) gets it now."""
        ...

    async def post(self, chat_id: int, notice: Notice) -> bool:
        """Post to a group or channel in the forum's language; False if it failed."""
        ...

    async def log(self, notice: Notice) -> bool:
        """Post to the staff's log chat (``chats.modlog``); False if there is none or it failed."""
        ...


def notice_of(render: Callable[[Translator], tuple[str, Rows]]) -> Notice:
    """Make a notice of a renderer that returns text and buttons together."""
    return Notice(lambda tr: render(tr)[0], lambda tr: render(tr)[1])


class Silent:
    """A notifier that tells nobody (unit tests of services, benchmarks); every person counts
    as reached."""

    async def tell(self, user_id: int, notice: Notice) -> bool:
        """Tell nobody; report success."""
        return True

    async def tell_staff(
        self, staff: Iterable[int], notice: Notice, *, log: bool, public_fallback: bool = False
    ) -> None:
        """Tell nobody."""

    async def post(self, chat_id: int, notice: Notice) -> bool:
        """Post nothing; report success."""
        return True

    async def log(self, notice: Notice) -> bool:
        """Log nothing; report that there is no log chat."""
        return False
