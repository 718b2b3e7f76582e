"""Feedback over the Bot API: the prompt messages and the survey reminders, sent in bulk.

``FeedbackDispatcher.run`` is started by a periodic job. It plans the prompts of sessions that
ended, submits ratings whose comment never came, and sends the prompt messages the service
claims (one message per person, however many sessions it asks about) through ``Outbound``,
paced by the application's rate limiter like every other bulk send. A claimed prompt is marked
before its send and recorded after it, so none is sent twice, even across a crash.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, Message

from bot.feedback import render
from bot.feedback.model import PromptBatch
from bot.feedback.service import Feedback, Survey
from bot.i18n import translator
from bot.telegram.delivery import Outbound, Outcome
from bot.telegram.keyboards import keyboard

logger = logging.getLogger(__name__)


@dataclass
class Round:
    """What one dispatch round did."""

    planned: int = 0
    prompts: int = 0
    retry: int = 0
    failed: int = 0
    auto_submitted: int = 0
    survey_reminders: int = 0


class FeedbackDispatcher:
    """Send what the feedback feature has due."""

    def __init__(self, feedback: Feedback, survey: Survey, outbound: Outbound, bot: Bot) -> None:
        self.feedback = feedback
        self.survey = survey
        self.outbound = outbound
        self.bot = bot
        self._lock = asyncio.Lock()

    async def run(self) -> Round | None:
        """Send the prompts and reminders due now; None when a round is already running."""
        if self._lock.locked():
            return None
        async with self._lock:
            report = Round()
            report.planned = await self.feedback.plan()
            report.auto_submitted = await self.feedback.submit_stale()
            while True:
                batches = await self.feedback.claim_due()
                if not batches:
                    break
                await self._prompts(self.bot, batches, report)
            await self._survey_reminders(self.bot, report)
            return report

    async def _prompts(self, bot: Bot, batches: list[PromptBatch], report: Round) -> None:
        async def send(batch: PromptBatch) -> Message:
            tr = translator(batch.language)
            sessions = [s for g in batch.sessions if (s := self.feedback.by_guid(g)) is not None]
            text, rows = render.prompt(sessions, tr)
            return await bot.send_message(batch.user_id, text, reply_markup=keyboard(rows))

        # Bulk (this Outbound's priority): prompts yield to interactive replies.
        async for batch, delivery in self.outbound.deliver_all(batches, lambda b: b.user_id, send):
            if delivery.outcome is Outcome.SENT:
                report.prompts += 1
                await self.feedback.prompted(batch, "sent")
            elif delivery.retryable:
                report.retry += 1
                await self.feedback.prompted(batch, "pending")
            else:
                report.failed += 1
                await self.feedback.prompted(batch, "skipped")

    async def _survey_reminders(self, bot: Bot, report: Round) -> None:
        due = await self.survey.due_reminders()

        async def send(item: tuple[int, str]) -> Message:
            user_id, language = item
            text, rows = render.survey_reminder(translator(language))
            return await bot.send_message(user_id, text, reply_markup=keyboard(rows))

        async for _, delivery in self.outbound.deliver_all(due, lambda item: item[0], send):
            report.survey_reminders += delivery.outcome is Outcome.SENT
