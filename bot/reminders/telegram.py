"""Sending what is due: personal reminders, change notices, digests and group posts.

One round (``Dispatcher.run``) is started by a periodic job and once at start. Personal
reminders go claim → send → record, one claim batch at a time, so a crash leaves at most one
batch in 'sending' (see ``ReminderStore.recover_in_flight`` for what happens to them). Sends
go through the core scheduler (``bot.telegram.ratelimit``) with the dispatcher's ``Outbound``:
reminders, change notices and "starting soon" posts as time-critical (a "starting soon" post
still waiting when the session starts is dropped), morning posts and digests as bulk.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, Message

from bot.config import Config
from bot.i18n import translator
from bot.reminders import render
from bot.reminders.model import ClaimedNotice, State
from bot.reminders.service import Decision, Reminders
from bot.telegram.delivery import Outbound, Outcome
from bot.telegram.keyboards import keyboard
from bot.telegram.ratelimit import Priority

logger = logging.getLogger(__name__)


@dataclass
class Report:
    """What one round did."""

    sent: int = 0
    skipped: int = 0
    retry: int = 0
    notices: int = 0
    posts: list[str] = field(default_factory=list)


class Dispatcher:
    """Send everything the reminders feature has due, through the shared outbound queue."""

    def __init__(self, reminders: Reminders, outbound: Outbound, config: Config) -> None:
        self.reminders = reminders
        self.outbound = outbound
        self.config = config

    async def run(self, bot: Bot) -> Report | None:
        """Send what is due; None when a round is already under way."""
        lock = self.reminders.dispatch_lock
        if lock.locked():
            return None
        async with lock:
            report = Report()
            while await self._reminders_round(bot, report):
                pass
            while await self._notices_round(bot, report):
                pass
            await self._group_posts(bot, report)
            await self._digests(bot, report)
            return report

    async def _send(
        self, bot: Bot, chat_id: int, text: str, rows: render.Rows | None = None
    ) -> Message:
        return await bot.send_message(
            chat_id=chat_id, text=text, reply_markup=keyboard(rows or [])
        )

    async def _reminders_round(self, bot: Bot, report: Report) -> bool:
        decisions = await self.reminders.claim(self.config.reminders.dispatch_batch)
        if not decisions:
            return False
        report.skipped += sum(1 for d in decisions if d.skip)
        due = [d for d in decisions if d.skip is None]
        now = self.reminders.clock()
        event_zone = self.reminders.event_zone

        async def send(decision: Decision) -> Message:
            recipient, session = decision.recipient, decision.session
            assert recipient is not None and session is not None  # claim() skips the others
            tr = translator(recipient.language)
            text = render.reminder_text(
                tr,
                session,
                now=now,
                event_zone=event_zone,
                user_zone=recipient.timezone,
                late=decision.late,
            )
            return await self._send(
                bot, recipient.user_id, text, render.reminder_buttons(tr, session)
            )

        store = self.reminders.store
        retried = 0
        async for decision, delivery in self.outbound.deliver_all(
            due, lambda d: d.claimed.user_id, send
        ):
            key = (decision.claimed.user_id, decision.claimed.session_guid)
            if delivery.outcome is Outcome.SENT:
                report.sent += 1
                await store.finish([(*key, State.SENT, "late" if decision.late else None)])
            elif delivery.retryable:
                # Transient errors outlasted the retries: try again next round (until the
                # session starts), rather than lose it.
                report.retry += 1
                retried += 1
                await store.finish([(*key, State.PENDING, None)])
            else:
                report.skipped += 1
                await store.finish([(*key, State.SKIPPED, (delivery.error or "blocked")[:200])])
        # Retried rows are due again at once; leave them to the next round, not this loop.
        return retried == 0

    async def _notices_round(self, bot: Bot, report: Report) -> bool:
        store = self.reminders.store
        notices = await store.claim_notices(self.config.reminders.dispatch_batch)
        if not notices:
            return False
        recipients = await store.recipients([n.user_id for n in notices])
        programme = self.reminders.source.programme
        reachable = [n for n in notices if n.user_id in recipients]

        async def send(notice: ClaimedNotice) -> Message:
            recipient = recipients[notice.user_id]
            session = programme.session_by_guid(notice.session_guid) if programme else None
            tr = translator(recipient.language)
            text = render.notice_text(
                tr,
                notice.payload,
                session,
                event_zone=self.reminders.event_zone,
                user_zone=recipient.timezone,
            )
            rows = render.reminder_buttons(tr, session) if session else None
            return await self._send(bot, notice.user_id, text, rows)

        outcomes = [
            (n.user_id, n.session_guid, n.version, State.SKIPPED)
            for n in notices
            if n.user_id not in recipients
        ]
        async for notice, delivery in self.outbound.deliver_all(
            reachable, lambda n: n.user_id, send
        ):
            state = State.SENT if delivery.outcome is Outcome.SENT else State.SKIPPED
            report.notices += state is State.SENT
            outcomes.append((notice.user_id, notice.session_guid, notice.version, state))
        await store.finish_notices(outcomes)
        return True

    async def _post_once(
        self,
        bot: Bot,
        key: str,
        chat_id: int,
        text: str,
        *,
        priority: Priority = Priority.BULK,
        max_wait: float | None = None,
    ) -> None:
        store = self.reminders.store
        if not await store.claim_post(key, self.reminders.clock()):
            return
        delivery = await self.outbound.deliver(
            chat_id,
            lambda: self._send(bot, chat_id, text),
            priority=priority,
            max_wait=max_wait,
        )
        await store.finish_post(key, delivery.outcome is Outcome.SENT)

    async def _group_posts(self, bot: Bot, report: Report) -> None:
        settings = self.config.reminders
        chat_id = self.config.chats.community
        programme = self.reminders.source.programme
        if chat_id is None or programme is None:
            return
        now = self.reminders.clock()
        tr = translator(self.config.event.default_language)
        zone = self.reminders.event_zone
        kinds = {kind.casefold() for kind in settings.group_session_types}
        soon = now + timedelta(minutes=settings.group_lead_minutes)
        for session in programme.starting_between(now, soon + timedelta(seconds=1)):
            if (session.type or "").casefold() not in kinds:
                continue
            key = f"group:{session.guid}:{int(session.start.timestamp())}"
            text = render.group_reminder_text(tr, session, now=now, event_zone=zone)
            # Useless once the session has started: dropped rather than sent late.
            late = (session.start - now).total_seconds()
            await self._post_once(
                bot, key, chat_id, text, priority=Priority.URGENT, max_wait=max(late, 0.0)
            )
            report.posts.append(key)
        hour = settings.group_morning_hour
        local = now.astimezone(ZoneInfo(zone))
        if hour >= 0 and hour <= local.hour < hour + 3:
            today = programme.on_day(local.date())
            key = f"morning:{local.date().isoformat()}"
            if today and not await self.reminders.store.has_post(key):
                text = render.morning_programme_text(tr, today, day=local.date(), event_zone=zone)
                await self._post_once(bot, key, chat_id, text)
                report.posts.append(key)

    async def _digests(self, bot: Bot, report: Report) -> None:
        store = self.reminders.store
        users = await store.digest_users()
        if not users:
            return
        now = self.reminders.clock()
        recipients = await store.recipients([u.user_id for u in users])
        for user in users:
            recipient = recipients.get(user.user_id)
            if recipient is None:
                continue
            zone = recipient.timezone or self.reminders.event_zone
            local = now.astimezone(ZoneInfo(zone))
            if not user.hour <= local.hour < user.hour + 3:
                continue
            key = f"digest:{user.user_id}:{local.date().isoformat()}"
            if await store.has_post(key):
                continue
            sessions = [
                s
                for s in await self.reminders.day_of(user.user_id, local.date(), zone)
                if s.start > now
            ]
            if not sessions:
                continue
            text = render.digest_text(translator(recipient.language), sessions, zone=zone)
            await self._post_once(bot, key, user.user_id, text)
            report.posts.append(key)
