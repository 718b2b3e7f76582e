"""The rules of reminders: who follows what, when a reminder is due, what a change does, and
which group posts and digests are due.

Plain async code over ``storage.reminders`` and the schedule service's live programme; nothing
here talks to Telegram. The service hands out what is due (``due_reminders``, ``due_notices``,
``due_posts``) and takes back what became of each send (``finish_reminder``,
``finish_notices``, ``finish_post``); ``bot.reminders.telegram`` only renders and sends.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import RemindersConfig
from bot.errors import DomainError
from bot.i18n import N_
from bot.participants.model import Recipient
from bot.reminders.model import (
    DIGEST_HOURS,
    LEAD_CHOICES,
    Claimed,
    ClaimedNotice,
    NoticeDue,
    Post,
    ReminderSettings,
    State,
)
from bot.reminders.render import AgendaItem
from bot.schedule.calendar import sessions_ics
from bot.schedule.diff import ScheduleDiff
from bot.schedule.model import Programme, Session, programme_day
from storage.reminders import ReminderStore

logger = logging.getLogger(__name__)

# A reminder sent more than this after its time says that it is late.
LATE_AFTER = timedelta(seconds=60)


class ProgrammeSource(Protocol):
    """The live programme (``ScheduleService``, or a fixed one in tests and benchmarks)."""

    @property
    def programme(self) -> Programme | None:
        """Return the current programme, or None before the first import."""
        ...

    async def sequences(self) -> dict[str, int]:
        """Return the iCalendar SEQUENCE of each session, by guid."""
        ...


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one claimed reminder: send it (late or not), or skip it."""

    claimed: Claimed
    session: Session | None
    recipient: Recipient | None
    skip: str | None
    late: bool


@dataclass
class Reminders:
    """Subscriptions, settings, due reminders and schedule changes."""

    store: ReminderStore
    source: ProgrammeSource  # the schedule service's live programme
    config: RemindersConfig
    clock: Clock
    event_zone: str = field(kw_only=True)
    community: int | None = field(default=None, kw_only=True)  # where group posts go
    default_language: str = field(default="en", kw_only=True)  # of group posts

    # -- the programme ----------------------------------------------------------------------

    def programme(self) -> Programme:
        """Return the current programme or say that none is loaded yet."""
        programme = self.source.programme
        if programme is None:
            raise DomainError(N_("The programme has not been published yet."))
        return programme

    def session(self, session_id: str) -> Session:
        """Return the session users know by this id, or say it does not exist."""
        found = self.programme().session_by_id(session_id)
        if found is None:
            raise DomainError(
                N_("There is no session {id}. The programme lists each session's number."),
                id=session_id[:20],
            )
        return found

    def is_plenary(self, session: Session) -> bool:
        """Tell whether a session is of a plenary type."""
        kinds = {kind.casefold() for kind in self.config.plenary_types}
        return (session.type or "").casefold() in kinds

    # -- settings ---------------------------------------------------------------------------

    def lead_of(self, settings: ReminderSettings) -> int:
        """Return the user's lead time in minutes."""
        return settings.lead_minutes or self.config.default_lead_minutes

    def fire_at(self, session: Session, lead_minutes: int | None) -> datetime:
        """Return when the reminder for ``session`` is due with this lead time."""
        return session.start - timedelta(minutes=lead_minutes or self.config.default_lead_minutes)

    async def settings(self, user_id: int) -> ReminderSettings:
        """Return the user's settings."""
        return await self.store.settings(user_id)

    async def set_lead(self, user_id: int, minutes: int) -> None:
        """Change the lead time; the user's pending reminders move with it."""
        if minutes not in LEAD_CHOICES:
            raise DomainError(N_("Choose one of the offered lead times."))
        programme = self.source.programme
        moves: dict[str, datetime] = {}
        if programme is not None:
            for guid in await self.store.guids_of(user_id):
                session = programme.session_by_guid(guid)
                if session is not None:
                    moves[guid] = self.fire_at(session, minutes)
        await self.store.set_lead(user_id, minutes, moves)

    async def set_all_plenaries(self, user_id: int, enabled: bool) -> int:
        """Switch "remind me of every plenary"; return how many reminders it added."""
        await self.store.set_all_plenaries(user_id, enabled)
        if not enabled:
            await self.store.drop_plenary_reminders(user_id)
            return 0
        programme = self.source.programme
        if programme is None:
            return 0
        lead = self.lead_of(await self.store.settings(user_id))
        now = self.clock()
        rows = [
            (user_id, s.guid, max(now, self.fire_at(s, lead)))
            for s in programme.sessions
            if self.is_plenary(s) and s.start > now
        ]
        return await self.store.subscribe_many(rows, "plenary")

    async def set_digest_hour(self, user_id: int, hour: int | None) -> None:
        """Switch the morning digest on at ``hour`` (user's zone) or off."""
        if hour is not None and hour not in DIGEST_HOURS:
            raise DomainError(N_("Choose one of the offered hours."))
        await self.store.set_digest_hour(user_id, hour)

    # -- the agenda -------------------------------------------------------------------------

    async def remind(self, user_id: int, session_id: str) -> tuple[Session, bool]:
        """Follow a session; return it and whether the reminder is new."""
        session = self.session(session_id)
        now = self.clock()
        if session.has_started(now):
            raise DomainError(N_("This session has already started."))
        lead = self.lead_of(await self.store.settings(user_id))
        added = await self.store.subscribe(
            user_id, session.guid, max(now, self.fire_at(session, lead))
        )
        return session, added

    async def unremind(self, user_id: int, session_id: str) -> tuple[Session, bool]:
        """Stop following a session; return it and whether there was a reminder."""
        session = self.session(session_id)
        return session, await self.store.unsubscribe(user_id, session.guid)

    async def follow(
        self, user_id: int, session_id: str, *, following: bool
    ) -> tuple[Session, bool]:
        """Follow a session or stop following it; return it and whether anything changed."""
        if following:
            return await self.remind(user_id, session_id)
        return await self.unremind(user_id, session_id)

    async def is_following(self, user_id: int, session: Session) -> bool:
        """Tell whether the user has a reminder for the session."""
        return await self.store.has(user_id, session.guid)

    async def agenda(self, user_id: int) -> list[AgendaItem]:
        """Return the user's sessions in time order, each marked if it overlaps another."""
        programme = self.source.programme
        if programme is None:
            return []
        sessions = sorted(
            (
                s
                for guid in await self.store.guids_of(user_id)
                if (s := programme.session_by_guid(guid)) is not None
            ),
            key=lambda s: (s.start, s.end, s.id),
        )
        overlapping: set[str] = set()
        # Pairwise: a long session can overlap one that starts after the next one ends.
        for index, first in enumerate(sessions):
            for second in sessions[index + 1 :]:
                if second.start < first.end:
                    overlapping.update((first.guid, second.guid))
        return [AgendaItem(s, s.guid in overlapping) for s in sessions]

    async def calendar(self, user_id: int, *, name: str, language: str) -> bytes | None:
        """Return the user's agenda as .ics with alarms at their lead time (None if empty)."""
        programme = self.source.programme
        items = await self.agenda(user_id)
        if programme is None or not items:
            return None
        return sessions_ics(
            [item.session for item in items],
            programme,
            sequences=await self.source.sequences(),
            stamp=self.clock(),
            name=name,
            alarm_minutes=self.lead_of(await self.store.settings(user_id)),
            lang=language,
        )

    async def day_of(self, user_id: int, day: date, zone: str) -> list[Session]:
        """Return the user's sessions that start on programme day ``day`` in ``zone``."""
        tz = ZoneInfo(zone)
        return [
            item.session
            for item in await self.agenda(user_id)
            if programme_day(item.session.start, tz) == day
        ]

    # -- dispatch ---------------------------------------------------------------------------

    async def open(self) -> None:
        """Recover what a crash left in flight (the schedule service loads the programme)."""
        await self.recover()

    async def recover(self) -> int:
        """At start: put what a crash left in flight back in the queue (resend policy)."""
        count = await self.store.recover_in_flight()
        if count:
            logger.warning("%d reminder(s) were in flight at the last stop; resending", count)
        return count

    async def due_reminders(self, limit: int) -> list[Decision]:
        """Claim due reminders; the ones to send are those whose ``skip`` is None."""
        return await self.claim(limit)

    async def finish_reminder(
        self, decision: Decision, *, sent: bool, retry: bool, error: str | None
    ) -> None:
        """Record what became of one reminder's send: sent; failed only for now (tried again
        next round, until the session starts, rather than lost); or failed for good."""
        key = (decision.claimed.user_id, decision.claimed.session_guid)
        if sent:
            await self.store.finish([(*key, State.SENT, "late" if decision.late else None)])
        elif retry:
            await self.store.finish([(*key, State.PENDING, None)])
        else:
            await self.store.finish([(*key, State.SKIPPED, (error or "blocked")[:200])])

    async def due_notices(self, limit: int) -> list[NoticeDue]:
        """Claim change notices to send (an empty list: none left); those of users the bot
        no longer knows are skipped at once."""
        while notices := await self.store.claim_notices(limit):
            recipients = await self.store.recipients([n.user_id for n in notices])
            programme = self.source.programme
            unknown = [n for n in notices if n.user_id not in recipients]
            await self.finish_notices([(n, False) for n in unknown])
            due = [
                NoticeDue(
                    n,
                    recipients[n.user_id],
                    programme.session_by_guid(n.session_guid) if programme else None,
                )
                for n in notices
                if n.user_id in recipients
            ]
            if due:
                return due
        return []

    async def finish_notices(self, outcomes: Sequence[tuple[ClaimedNotice, bool]]) -> None:
        """Record which notices were sent (the others are skipped, never retried)."""
        await self.store.finish_notices(
            [
                (n.user_id, n.session_guid, n.version, State.SENT if sent else State.SKIPPED)
                for n, sent in outcomes
            ]
        )

    async def due_posts(self) -> list[Post]:
        """Return the group posts (before a session of a posted type, the morning programme)
        and the personal morning digests that are due and not made yet."""
        return [
            post
            for post in (*self._group_posts(), *await self._digests())
            if not await self.store.has_post(post.key)
        ]

    async def claim_post(self, post: Post) -> bool:
        """Claim a post before sending it; False if it was made (or is being made) already."""
        return await self.store.claim_post(post.key, self.clock())

    async def finish_post(self, post: Post, *, sent: bool) -> None:
        """Record whether a claimed post went out."""
        await self.store.finish_post(post.key, sent)

    def _group_posts(self) -> list[Post]:
        settings, chat_id = self.config, self.community
        programme = self.source.programme
        if chat_id is None or programme is None:
            return []
        now, zone, language = self.clock(), self.event_zone, self.default_language
        kinds = {kind.casefold() for kind in settings.group_session_types}
        soon = now + timedelta(minutes=settings.group_lead_minutes)
        posts = [
            Post(
                f"group:{session.guid}:{int(session.start.timestamp())}",
                chat_id,
                "session",
                (session,),
                session.day,
                language,
                zone,
            )
            for session in programme.starting_between(now, soon + timedelta(seconds=1))
            if (session.type or "").casefold() in kinds
        ]
        hour = settings.group_morning_hour
        local = now.astimezone(ZoneInfo(zone))
        if hour >= 0 and hour <= local.hour < hour + 3:
            day = programme.day_of(now)
            today = programme.on_day(day)
            if today:
                key = f"morning:{day.isoformat()}"
                posts.append(Post(key, chat_id, "morning", tuple(today), day, language, zone))
        return posts

    async def _digests(self) -> list[Post]:
        users = await self.store.digest_users()
        if not users:
            return []
        now = self.clock()
        recipients = await self.store.recipients([u.user_id for u in users])
        posts = []
        for user in users:
            recipient = recipients.get(user.user_id)
            if recipient is None:
                continue
            zone = recipient.timezone or self.event_zone
            local = now.astimezone(ZoneInfo(zone))
            if not user.hour <= local.hour < user.hour + 3:
                continue
            day = programme_day(now, ZoneInfo(zone))
            key = f"digest:{user.user_id}:{day.isoformat()}"
            if await self.store.has_post(key):
                continue
            today = await self.day_of(user.user_id, day, zone)
            sessions = tuple(s for s in today if s.start > now)
            if sessions:
                posts.append(
                    Post(key, user.user_id, "digest", sessions, day, recipient.language, zone)
                )
        return posts

    async def claim(self, limit: int) -> list[Decision]:
        """Claim due reminders and decide, for each, whether to send it or skip it.

        Skipped ones are recorded at once; the caller sends those whose ``skip`` is None.
        """
        now = self.clock()
        claimed = await self.store.claim_due(now, limit)
        if not claimed:
            return []
        recipients = await self.store.recipients([c.user_id for c in claimed])
        programme = self.source.programme
        grace = timedelta(minutes=self.config.late_grace_minutes)
        decisions = []
        for item in claimed:
            session = programme.session_by_guid(item.session_guid) if programme else None
            recipient = recipients.get(item.user_id)
            late = now - item.fire_at > LATE_AFTER
            skip = None
            if session is None:
                skip = "cancelled"
            elif recipient is None or recipient.blocked:
                skip = "blocked"
            elif now >= session.start:
                skip = "started"
            elif now - item.fire_at > grace:
                skip = "too late"
            decisions.append(Decision(item, session, recipient, skip, late))
        skipped = [
            (d.claimed.user_id, d.claimed.session_guid, State.SKIPPED, d.skip)
            for d in decisions
            if d.skip
        ]
        await self.store.finish(skipped)
        return decisions

    # -- schedule changes -------------------------------------------------------------------

    async def programme_listener(self, diff: ScheduleDiff) -> None:
        """Follow a programme swap (registered with the schedule service's listeners)."""
        await self.on_programme_changed(diff)

    async def on_programme_changed(self, diff: ScheduleDiff) -> int:
        """Move reminders of moved sessions, skip cancelled ones, and queue one notice each.

        Called by the schedule reload after the new programme is live. Returns the number of
        notices queued (the dispatcher sends them).
        """
        now = self.clock()
        retime: list[tuple[int, str, datetime, bool]] = []
        skip: list[tuple[int, str, str]] = []
        notices: list[tuple[int, str, str, dict[str, Any]]] = []
        changed: dict[str, tuple[Session, Session]] = {}
        for old, new in (*diff.moved, *diff.re_roomed):
            changed[new.guid] = (old, new)
        for old, new in changed.values():
            version = f"{int(new.start.timestamp())}|{new.room}"
            payload = {
                "title": new.title,
                "old_start": int(old.start.timestamp()),
                "old_room": old.room,
            }
            for sub in await self.store.subscribers(new.guid):
                if new.start != old.start:
                    at = max(now, self.fire_at(new, sub.lead_minutes))
                    rearm = sub.state is not State.PENDING and new.start > now
                    retime.append((sub.user_id, new.guid, at, rearm))
                if new.end > now:
                    notices.append((sub.user_id, new.guid, version, payload))
        for old in diff.removed:
            payload = {"title": old.title, "cancelled": True}
            for sub in await self.store.subscribers(old.guid):
                skip.append((sub.user_id, old.guid, "cancelled"))
                if old.end > now and sub.state is not State.SKIPPED:
                    notices.append((sub.user_id, old.guid, "cancelled", payload))
        await self.store.apply_change(retime, skip, notices)
        added_plenaries = [s for s in diff.added if self.is_plenary(s) and s.start > now]
        if added_plenaries:
            for user_id in await self.store.plenary_users():
                lead = self.lead_of(await self.store.settings(user_id))
                await self.store.subscribe_many(
                    [(user_id, s.guid, max(now, self.fire_at(s, lead))) for s in added_plenaries],
                    "plenary",
                )
        return len(notices)
