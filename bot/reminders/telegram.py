"""Sending what the reminders service says is due: personal reminders, change notices, digests
and group posts. This module only renders and sends, and hands each outcome back.

One round (``Dispatcher.run``) is started by a periodic job and once at start. Personal
reminders go claim → send → record, one claim batch at a time, so a crash leaves at most one
batch in 'sending' (see ``ReminderStore.recover_in_flight`` for what happens to them). Sends
go through the core scheduler (``bot.telegram.ratelimit``) with the dispatcher's ``BulkSender``:
reminders, change notices and "starting soon" posts as time-critical (a "starting soon" post
still waiting when the session starts is dropped), morning posts and digests as bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Config
from bot.i18n import translator
from bot.reminders import render
from bot.reminders.model import NoticeDue, Post
from bot.reminders.service import Decision, Reminders
from bot.telegram.delivery import BulkSender, Outcome, Rendered, Rounds
from bot.telegram.ratelimit import Priority


@dataclass
class Report:
    """What one round did."""

    sent: int = 0
    skipped: int = 0
    retry: int = 0
    notices: int = 0
    posts: list[str] = field(default_factory=list)


@dataclass
class Dispatcher(Rounds[Report]):
    """Render and send everything the reminders service has due, through the outbound queue."""

    reminders: Reminders
    sender: BulkSender
    config: Config

    async def round(self) -> Report:
        """Send what is due now; report what was sent."""
        report = Report()
        while await self._reminders_round(report):
            pass
        while await self._notices_round(report):
            pass
        for post in await self.reminders.due_posts():
            await self._post(post)
            report.posts.append(post.key)
        return report

    async def _reminders_round(self, report: Report) -> bool:
        reminders = self.reminders
        decisions = await reminders.due_reminders(self.config.reminders.dispatch_batch)
        if not decisions:
            return False
        report.skipped += sum(1 for d in decisions if d.skip)
        now = reminders.clock()

        async def reminder(decision: Decision) -> Rendered:
            recipient, session = decision.recipient, decision.session
            assert recipient is not None and session is not None  # the service skips the others
            tr = translator(recipient.language)
            text = render.reminder_text(
                tr,
                session,
                now=now,
                event_zone=reminders.event_zone,
                user_zone=recipient.timezone,
                late=decision.late,
            )
            return text, render.reminder_buttons(tr, session)

        due = [d for d in decisions if d.skip is None]
        retried = 0
        async for decision, delivery in self.sender.send_each(
            due, lambda d: d.claimed.user_id, reminder
        ):
            sent = delivery.outcome is Outcome.SENT
            await reminders.finish_reminder(
                decision, sent=sent, retry=delivery.retryable, error=delivery.error
            )
            report.sent += sent
            report.retry += not sent and delivery.retryable
            retried += not sent and delivery.retryable
            report.skipped += not sent and not delivery.retryable
        # Retried rows are due again at once; leave them to the next round, not this loop.
        return retried == 0

    async def _notices_round(self, report: Report) -> bool:
        reminders = self.reminders
        due = await reminders.due_notices(self.config.reminders.dispatch_batch)
        if not due:
            return False

        async def notice(item: NoticeDue) -> Rendered:
            recipient, session = item.recipient, item.session
            tr = translator(recipient.language)
            text = render.notice_text(
                tr,
                item.notice.payload,
                session,
                event_zone=reminders.event_zone,
                user_zone=recipient.timezone,
            )
            return text, render.reminder_buttons(tr, session) if session else []

        outcomes = []
        async for item, delivery in self.sender.send_each(
            due, lambda d: d.recipient.user_id, notice
        ):
            sent = delivery.outcome is Outcome.SENT
            report.notices += sent
            outcomes.append((item.notice, sent))
        await reminders.finish_notices(outcomes)
        return True

    async def _post(self, post: Post) -> None:
        """Send one group post or digest, at most once."""
        if not await self.reminders.claim_post(post):
            return
        text = self._render(post)
        if post.kind == "session":
            # Useless once the session has started: dropped rather than sent late.
            until_start = (post.sessions[0].start - self.reminders.clock()).total_seconds()
            priority, max_wait = Priority.URGENT, max(until_start, 0.0)
        else:
            priority, max_wait = Priority.BULK, None
        delivery = await self.sender.send(post.chat_id, text, priority=priority, max_wait=max_wait)
        await self.reminders.finish_post(post, sent=delivery.outcome is Outcome.SENT)

    def _render(self, post: Post) -> str:
        tr = translator(post.language)
        if post.kind == "session":
            now = self.reminders.clock()
            return render.group_reminder_text(tr, post.sessions[0], now=now, event_zone=post.zone)
        if post.kind == "morning":
            return render.morning_programme_text(
                tr, post.sessions, day=post.day, event_zone=post.zone
            )
        return render.digest_text(tr, post.sessions, day=post.day, zone=post.zone)
