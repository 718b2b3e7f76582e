"""The Mini App's rules: the public programme, and a signed-in participant's agenda.

Telegram-free. The participant is the one a validated ``initData`` names (``bot.web.initdata``);
their agenda is the reminders feature's (starring a session is "Remind me", through the
reminders service), so the chat and the page show one agenda kept in SQLite. Only people who
have started the bot have an agenda: the page is read-only for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.errors import DomainError
from bot.i18n import N_, translator
from bot.participants.service import ParticipantService
from bot.reminders.service import Reminders
from bot.schedule.service import ScheduleService
from bot.web.initdata import WebAppUser
from bot.web.programme import Document, programme_document
from storage.web import WebStore

NOT_STARTED = N_("Start the bot in Telegram first; then you can keep your agenda here.")


class NotParticipantError(DomainError):
    """The signed-in Telegram user never started the bot."""


@dataclass(frozen=True, slots=True)
class Reader:
    """A signed-in participant as the page needs them: who, in which language and zone."""

    user_id: int
    language: str
    zone: str | None


@dataclass
class WebService:
    """The programme document and the signed-in participant's agenda."""

    config: Config
    schedule: ScheduleService
    reminders: Reminders
    participants: ParticipantService
    store: WebStore
    clock: Clock
    _menus: dict[int, str] = field(default_factory=dict, init=False)
    _document: tuple[str, Document] | None = field(default=None, init=False)

    async def open(self) -> None:
        """Load which chats have a menu button in which language."""
        self._menus = await self.store.menu_languages()

    def menu_needs(self, user_id: int, language: str) -> bool:
        """Tell whether the user's chat menu button is not yet in ``language``."""
        return self._menus.get(user_id, self.config.event.default_language) != language

    async def menu_set(self, user_id: int, language: str) -> None:
        """Record that the user's chat menu button now speaks ``language``."""
        await self.store.set_menu_language(user_id, language)
        self._menus[user_id] = language

    def document(self) -> Document:
        """Return the public programme document, rebuilt when the programme changed."""
        version = self.schedule.fingerprint
        if self._document is None or self._document[0] != version:
            event = self.config.event
            place = self.config.schedule.place_label(event.timezone)
            built = programme_document(
                self.schedule.programme, event_name=event.name, zone=event.timezone, place=place
            )
            self._document = (version, built)
        return self._document[1]

    async def reader(self, user: WebAppUser) -> Reader:
        """Return the participant behind a validated user, or say they must start the bot."""
        participant = await self.participants.get(user.id)
        if participant is None:
            raise NotParticipantError(NOT_STARTED)
        language = self.participants.language_of(participant)
        return Reader(participant.user_id, language, participant.timezone)

    async def profile(self, reader: Reader) -> dict[str, Any]:
        """Return what the page needs to know about the reader: language, zone, agenda."""
        return {
            "language": reader.language,
            "zone": reader.zone,
            "agenda": await self.agenda(reader),
        }

    async def agenda(self, reader: Reader) -> list[dict[str, Any]]:
        """Return the reader's sessions in time order, each saying if it overlaps another."""
        items = await self.reminders.agenda(reader.user_id)
        return [{"id": item.session.id, "conflict": item.overlaps} for item in items]

    async def star(self, reader: Reader, session_id: str) -> list[dict[str, Any]]:
        """Add a session to the reader's agenda (a reminder, as "Remind me"); return it."""
        await self.reminders.remind(reader.user_id, session_id)
        return await self.agenda(reader)

    async def unstar(self, reader: Reader, session_id: str) -> list[dict[str, Any]]:
        """Take a session off the reader's agenda; return the agenda."""
        await self.reminders.unremind(reader.user_id, session_id)
        return await self.agenda(reader)


def error_text(error: DomainError, language: str) -> str:
    """Return a domain error's message in ``language``, as plain text (the page escapes it)."""
    return translator(language)(error.user_message).format(**error.params)
