"""The core's participants: who has talked to the bot, in which language and zone, and whether
they can be written to.

``ParticipantService`` is the one place that says how to address a person: their language
(their own choice, else Telegram's, else the forum's default), their zone (their own, else the
event's), a translator for that language, and whether a private message may reach them (they
are not known to have blocked the bot or never started it). Every feature that writes to
someone other than the sender of the current update asks it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.i18n import Translator, resolve_language, translator
from bot.participants.model import MissedNotice, Participant, UserSeen


class ParticipantStore(Protocol):
    """What the service needs from storage (``storage.participants.Participants``)."""

    async def record_seen(self, user: UserSeen, now: datetime) -> tuple[Participant, bool]: ...

    async def refresh_seen(self, user: UserSeen, now: datetime) -> Participant | None: ...

    async def get(self, user_id: int) -> Participant | None: ...

    async def set_language(self, user_id: int, language: str) -> None: ...

    async def set_timezone(self, user_id: int, timezone: str) -> None: ...

    async def mark_blocked(self, user_id: int) -> None: ...

    async def mark_active(self, user_id: int) -> None: ...

    async def mark_started(self, user_id: int, now: datetime) -> bool: ...

    async def add_missed(
        self, user_id: int, text: str, sent_to: int | None, now: datetime
    ) -> None: ...

    async def take_missed(self, user_id: int) -> list[MissedNotice]: ...

    async def has_missed(self, user_id: int) -> bool: ...


class ParticipantService:
    """Record who writes, and answer how to address anyone the bot knows."""

    def __init__(
        self, store: ParticipantStore, clock: Clock, *, default_language: str, event_zone: str
    ) -> None:
        self.store = store
        self.clock = clock
        self.default_language = default_language
        self.event_zone = event_zone
        # Told the id of each new participant (someone starting the bot, or starting it again
        # after /forget or the purge).
        self.arrived: list[Callable[[int], Awaitable[None]]] = []

    async def record_seen(self, user: UserSeen, *, private: bool) -> Participant | None:
        """Record the sender of an update; None for someone who never started the bot.

        Only a private update makes someone a participant (they started the bot): a group
        member or an inline user who never did is not stored, only refreshed if they did.
        """
        now = self.clock()
        if not private:
            return await self.store.refresh_seen(user, now)
        participant, new = await self.store.record_seen(user, now)
        if not participant.started or participant.is_blocked:
            await self.store.mark_started(user.user_id, now)
            participant = await self.store.get(user.user_id) or participant
        if new:
            for arrived in self.arrived:
                await arrived(user.user_id)
        return participant

    async def get(self, user_id: int) -> Participant | None:
        """Return the participant with this Telegram id, if known."""
        return await self.store.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        """Store the user's chosen interface language."""
        await self.store.set_language(user_id, language)

    async def set_timezone(self, user_id: int, zone: str) -> None:
        """Store the user's IANA time zone."""
        await self.store.set_timezone(user_id, zone)

    async def mark_active(self, user_id: int) -> None:
        """Remember that the user can be reached again (they unblocked the bot)."""
        await self.store.mark_active(user_id)

    async def keep_missed(self, user_id: int, text: str, sent_to: int | None) -> None:
        """Keep a staff notice the user could not be sent, to tell them when they return."""
        await self.store.add_missed(user_id, text, sent_to, self.clock())

    async def take_missed(self, user_id: int) -> list[MissedNotice]:
        """Return, once, the staff notices the user missed while unreachable."""
        return await self.store.take_missed(user_id)

    def language_of(self, participant: Participant | None) -> str:
        """Return the language to address a participant in (the forum's default if unknown)."""
        if participant is None:
            return self.default_language
        return resolve_language(
            participant.language, participant.telegram_language, self.default_language
        )

    def translator_of(self, participant: Participant | None) -> Translator:
        """Return the translator for a participant (the forum's default if unknown)."""
        return translator(self.language_of(participant))

    def zone_of(self, participant: Participant | None) -> str:
        """Return the zone to show a participant times in (the event's unless they chose)."""
        return (participant.timezone if participant else None) or self.event_zone

    async def translator_for(self, user_id: int) -> Translator:
        """Return the translator for any user the bot may write to."""
        return self.translator_of(await self.store.get(user_id))

    async def is_reachable(self, user_id: int) -> bool:
        """Tell whether a private message may reach the user.

        Only someone who opened a private chat with the bot is a participant; anyone else
        (seen only in groups, or never) cannot be written to: Telegram refuses "bot can't
        initiate conversation". Someone who blocked the bot cannot either.
        """
        participant = await self.store.get(user_id)
        return participant is not None and is_reachable(participant)

    async def mark_blocked(self, user_id: int) -> None:
        """Remember that the user blocked the bot (or never started it)."""
        await self.store.mark_blocked(user_id)


def is_reachable(participant: Participant) -> bool:
    """Tell whether a private message can reach a participant: they started the bot and have
    not blocked it."""
    return participant.started and not participant.is_blocked
