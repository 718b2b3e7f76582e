"""Organiser announcements: the rules of a draft's life, from the first prompt to the report.

An announcement is composed as a draft (a default body in HTML, optional per-language bodies,
an audience, an optional send time), confirmed by an organiser, and then delivered from a
durable per-recipient outbox. The service owns every change of its state: it starts sending
(on confirmation, when a scheduled time comes, and at start-up for what a restart interrupted),
cancels, and closes a run, through the ``Sending`` port that the broadcaster
(``bot.announcements.telegram``) implements. It never touches Telegram. What an organiser is
about to type (a new body, a version, a time, a country or session) is this feature's
conversation in the awaited-input engine.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.announcements.model import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Announcement,
    Audience,
    AudienceKind,
    Content,
    Figures,
    Kind,
    Status,
)
from bot.awaiting.model import Awaited
from bot.awaiting.service import AwaitedInputs
from bot.clock import Clock
from bot.config import Config
from bot.errors import DomainError, NotAllowedError
from bot.i18n import LANGUAGES, N_
from bot.schedule.model import on_programme_day, programme_day

FEATURE = "announcements"  # this feature's name in the awaited-input engine

# Called by the sender when a run ends: closes the announcement; True if it was cancelled.
Finished = Callable[[int], Awaitable[bool]]


class Sending(Protocol):
    """Delivery of an announcement's outbox (``bot.announcements.telegram.Broadcaster``)."""

    def launch(self, announcement_id: int, finished: Finished) -> None:
        """Start sending in the background; call ``finished`` when the outbox is worked off."""

    def halt(self, announcement_id: int) -> None:
        """Stop sending after the sends in flight (the announcement was cancelled)."""


class AnnouncementStore(Protocol):
    """What the service needs from storage (``storage.announcements`` provides it)."""

    async def create(self, author_id: int, content: Content, now: datetime) -> int: ...

    async def get(self, announcement_id: int) -> Announcement | None: ...

    async def set_content(self, announcement_id: int, content: Content) -> None: ...

    async def set_version(self, announcement_id: int, language: str, body: str) -> None: ...

    async def set_audience(self, announcement_id: int, audience: Audience) -> None: ...

    async def set_send_at(self, announcement_id: int, send_at: datetime | None) -> None: ...

    async def set_status(self, announcement_id: int, status: Status, now: datetime) -> None: ...

    async def materialise(
        self, announcement_id: int, chats: list[tuple[int, str]] | None, now: datetime
    ) -> int: ...

    async def due(self, now: datetime) -> list[int]: ...

    async def in_progress(self) -> list[int]: ...

    async def recent(self, limit: int) -> list[Announcement]: ...

    async def figures(self, announcement_id: int) -> Figures: ...

    async def audience_kinds(self) -> set[AudienceKind]: ...

    async def audience_size(self, audience: Audience) -> int: ...

    async def regions(self) -> list[str]: ...


@dataclass
class AnnouncementService:
    """The forum's rules for announcements: organisers only, drafts editable, times ahead."""

    store: AnnouncementStore
    inputs: AwaitedInputs  # what organisers are about to type: this feature's conversation
    sending: Sending
    config: Config
    clock: Clock

    async def expect(
        self, user_id: int, announcement_id: int, what: str, language: str = ""
    ) -> None:
        """Take the organiser's next message as ``what`` (body, version, time, country,
        session) for a draft they may change."""
        await self.draft(user_id, announcement_id)
        data = {"announcement_id": announcement_id, "language": language}
        await self.inputs.expect(user_id, FEATURE, what, data)

    async def forget(self, user_id: int) -> Awaited | None:
        """Stop waiting for the organiser's input; return what was awaited."""
        return await self.inputs.clear(user_id, FEATURE)

    def require_organiser(self, user_id: int) -> None:
        """Raise NotAllowedError unless the user is a configured organiser."""
        if not self.config.is_organiser(user_id):
            raise NotAllowedError(N_("Only the organisers can send announcements."))

    async def create_draft(self, user_id: int, content: Content) -> Announcement:
        """Start a draft with a default body, for everyone, to be sent on confirmation."""
        self.require_organiser(user_id)
        check_length(content)
        announcement_id = await self.store.create(user_id, content, self.clock())
        return await self.get(announcement_id)

    async def get(self, announcement_id: int) -> Announcement:
        """Return an announcement, or raise a DomainError if it does not exist."""
        found = await self.store.get(announcement_id)
        if found is None:
            raise DomainError(N_("That announcement does not exist."))
        return found

    async def draft(self, user_id: int, announcement_id: int) -> Announcement:
        """Return a draft an organiser may change, or say why not."""
        return await self._in_state(
            user_id,
            announcement_id,
            (Status.DRAFT,),
            N_("This announcement can no longer be changed."),
        )

    async def _in_state(
        self, user_id: int, announcement_id: int, states: tuple[Status, ...], refusal: str
    ) -> Announcement:
        """Return the announcement for an organiser if it is in one of ``states``, else say
        ``refusal``."""
        self.require_organiser(user_id)
        announcement = await self.get(announcement_id)
        if announcement.status not in states:
            raise DomainError(refusal)
        return announcement

    async def replace_body(
        self, user_id: int, announcement_id: int, content: Content
    ) -> Announcement:
        """Replace the default body (and the file, for media) of a draft."""
        await self.draft(user_id, announcement_id)
        check_length(content)
        await self.store.set_content(announcement_id, content)
        return await self.get(announcement_id)

    async def add_version(
        self, user_id: int, announcement_id: int, language: str, content: Content
    ) -> Announcement:
        """Add or replace the body recipients of one language receive."""
        announcement = await self.draft(user_id, announcement_id)
        if language not in LANGUAGES:
            raise DomainError(N_("I don't know that language."))
        check_length(Content(announcement.kind, content.body, content.plain_length))
        await self.store.set_version(announcement_id, language, content.body)
        return await self.get(announcement_id)

    async def choose_audience(
        self, user_id: int, announcement_id: int, audience: Audience
    ) -> Announcement:
        """Set who the draft goes to, if this forum can address that audience."""
        await self.draft(user_id, announcement_id)
        if audience.kind not in await self.audience_kinds():
            raise DomainError(N_("That audience is not available for this forum."))
        if audience.kind is AudienceKind.LANGUAGE and audience.value not in LANGUAGES:
            raise DomainError(N_("I don't know that language."))
        pattern = _AUDIENCE_VALUES.get(audience.kind)
        if pattern is not None and not pattern.fullmatch(audience.value or ""):
            raise DomainError(N_("That is not a valid choice for this audience."))
        await self.store.set_audience(announcement_id, audience)
        return await self.get(announcement_id)

    async def audience_kinds(self) -> set[AudienceKind]:
        """Return the audiences this forum can address (profiles, reminders, chats present)."""
        kinds = {AudienceKind.ALL, AudienceKind.LANGUAGE} | await self.store.audience_kinds()
        if self.config.chats.community is not None:
            kinds.add(AudienceKind.COMMUNITY)
        if self.config.chats.announcements is not None:
            kinds.add(AudienceKind.CHANNEL)
        return kinds

    async def regions(self) -> list[str]:
        """Return the regions participants' profiles name (audience choices)."""
        return await self.store.regions()

    async def audience_size(self, audience: Audience) -> int:
        """Return how many recipients the audience has right now."""
        if audience.kind in (AudienceKind.COMMUNITY, AudienceKind.CHANNEL):
            return 1
        return await self.store.audience_size(audience)

    async def schedule(self, user_id: int, announcement_id: int, typed: str) -> Announcement:
        """Set the draft's send time from what the organiser typed (event zone)."""
        await self.draft(user_id, announcement_id)
        when = parse_send_time(typed, self.clock(), ZoneInfo(self.config.event.timezone))
        await self.store.set_send_at(announcement_id, when)
        return await self.get(announcement_id)

    async def send_now(self, user_id: int, announcement_id: int) -> Announcement:
        """Drop the draft's send time: it goes out when confirmed."""
        await self.draft(user_id, announcement_id)
        await self.store.set_send_at(announcement_id, None)
        return await self.get(announcement_id)

    async def confirm(self, user_id: int, announcement_id: int) -> Announcement:
        """Confirm a draft: schedule it, or materialise its recipients and mark it sending."""
        await self.forget(user_id)
        announcement = await self.draft(user_id, announcement_id)
        now = self.clock()
        if announcement.send_at is not None and announcement.send_at > now:
            await self.store.set_status(announcement_id, Status.SCHEDULED, now)
        else:
            await self.start(announcement_id)
        return await self.get(announcement_id)

    async def start(self, announcement_id: int) -> int:
        """Write the outbox (one row per recipient), mark the announcement sending and start
        sending it; return the number of recipients written."""
        announcement = await self.get(announcement_id)
        chats: list[tuple[int, str]] | None = None
        language = self.config.event.default_language
        if announcement.audience.kind is AudienceKind.COMMUNITY:
            chats = [(self._require_chat(self.config.chats.community), language)]
        elif announcement.audience.kind is AudienceKind.CHANNEL:
            chats = [(self._require_chat(self.config.chats.announcements), language)]
        written = await self.store.materialise(announcement_id, chats, self.clock())
        self.sending.launch(announcement_id, self.finish)
        return written

    async def fire_due(self) -> list[int]:
        """Start the scheduled announcements whose time has come (a periodic job)."""
        due = await self.store.due(self.clock())
        for announcement_id in due:
            await self.start(announcement_id)
        return due

    async def resume(self) -> list[int]:
        """Go on sending what a stop or crash interrupted (at start-up); return their ids."""
        resumed = await self.store.in_progress()
        for announcement_id in resumed:
            self.sending.launch(announcement_id, self.finish)
        return resumed

    async def finish(self, announcement_id: int) -> bool:
        """Close a run whose outbox is worked off: done, unless it was cancelled (True)."""
        announcement = await self.get(announcement_id)
        if announcement.status is Status.CANCELLED:
            return True
        await self.store.set_status(announcement_id, Status.DONE, self.clock())
        return False

    @staticmethod
    def _require_chat(chat_id: int | None) -> int:
        if chat_id is None:
            raise DomainError(N_("That audience is not available for this forum."))
        return chat_id

    async def cancel(self, user_id: int, announcement_id: int) -> Announcement:
        """Cancel a draft, a scheduled announcement, or the rest of one being sent."""
        await self._in_state(
            user_id,
            announcement_id,
            (Status.DRAFT, Status.SCHEDULED, Status.SENDING),
            N_("This announcement can no longer be cancelled."),
        )
        await self.forget(user_id)
        await self.store.set_status(announcement_id, Status.CANCELLED, self.clock())
        self.sending.halt(announcement_id)
        return await self.get(announcement_id)

    async def recent(self, user_id: int, limit: int = 10) -> list[tuple[Announcement, Figures]]:
        """Return the latest announcements with their delivery figures, newest first."""
        self.require_organiser(user_id)
        found = await self.store.recent(limit)
        return [(a, await self.store.figures(a.id)) for a in found]


def check_length(content: Content) -> None:
    """Refuse a body Telegram would reject as too long."""
    limit = TEXT_LIMIT if content.kind is Kind.TEXT else CAPTION_LIMIT
    if content.plain_length > limit:
        raise DomainError(
            N_("That text is {length} characters long; Telegram allows at most {limit}."),
            length=content.plain_length,
            limit=limit,
        )
    if not content.body.strip() and content.kind is Kind.TEXT:
        raise DomainError(N_("The announcement is empty."))


_AUDIENCE_VALUES = {
    AudienceKind.REGION: re.compile(r"[a-z_]{1,24}"),
    AudienceKind.COUNTRY: re.compile(r"[A-Z]{2}"),
    AudienceKind.SESSION: re.compile(r"[A-Za-z0-9_.\-]{1,40}"),
}
_CLOCK = re.compile(r"(\d{1,2})[:.h](\d{2})")


def parse_send_time(typed: str, now: datetime, zone: ZoneInfo) -> datetime:
    """Read "tomorrow 08:30", "today 18:00", "2027-03-17 08:30" or "08:30" in the event zone."""
    words = typed.strip().lower().split()
    local_now = now.astimezone(zone)
    day: date | None = None
    named = False  # "today" and "tomorrow" are programme days (04:00 to 04:00)
    clock: time | None = None
    for word in words:
        if word in ("today", "heute", "hoy", "aujourd'hui", "hoje"):
            day, named = programme_day(now, zone), True
        elif word in ("tomorrow", "morgen", "mañana", "demain", "amanhã"):
            day, named = programme_day(now, zone) + timedelta(days=1), True
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
            try:
                day = date.fromisoformat(word)
            except ValueError:
                raise _bad_time() from None
        elif match := _CLOCK.fullmatch(word):
            hour, minute = int(match.group(1)), int(match.group(2))
            if hour > 23 or minute > 59:
                raise _bad_time()
            clock = time(hour, minute)
        else:
            raise _bad_time()
    if clock is None:
        raise _bad_time()
    if day is None:
        day = local_now.date()
        if datetime.combine(day, clock, zone) <= local_now:
            day += timedelta(days=1)
    local = on_programme_day(day, clock, zone) if named else datetime.combine(day, clock, zone)
    when = local.astimezone(now.tzinfo)
    if when <= now:
        raise DomainError(N_("That time has already passed."))
    return when


def _bad_time() -> DomainError:
    return DomainError(
        N_(
            "I could not read that time. Write it like <code>tomorrow 08:30</code> or "
            "<code>2027-03-17 08:30</code> (the event's time zone)."
        )
    )
