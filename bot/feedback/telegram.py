"""Feedback over the Bot API: the prompt messages and the survey reminders, sent in bulk.

``FeedbackDispatcher.run`` is started by a periodic job. It plans the prompts of sessions that
ended, submits ratings whose comment never came, and sends the prompt messages the service
claims (one message per person, however many sessions it asks about) through ``Outbound``,
paced by the application's rate limiter like every other bulk send. A claimed prompt is marked
before its send and recorded after it, so none is sent twice, even across a crash.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.feedback import render
from bot.feedback.model import PromptBatch
from bot.feedback.service import Feedback, Survey
from bot.i18n import translator
from bot.participants.model import Recipient
from bot.telegram.delivery import BulkSender, Outcome, Rendered, Rounds


@dataclass
class Round:
    """What one dispatch round did."""

    planned: int = 0
    prompts: int = 0
    retry: int = 0
    failed: int = 0
    auto_submitted: int = 0
    survey_reminders: int = 0


@dataclass
class FeedbackDispatcher(Rounds[Round]):
    """Send what the feedback feature has due."""

    feedback: Feedback
    survey: Survey
    sender: BulkSender

    async def round(self) -> Round:
        """Send what is due now; report what was sent."""
        report = Round()
        report.planned = await self.feedback.plan()
        report.auto_submitted = await self.feedback.submit_stale()
        while batches := await self.feedback.claim_due():
            await self._prompts(batches, report)
        await self._survey_reminders(report)
        return report

    async def _prompts(self, batches: list[PromptBatch], report: Round) -> None:
        async def prompt(batch: PromptBatch) -> Rendered:
            sessions = [s for g in batch.sessions if (s := self.feedback.by_guid(g)) is not None]
            return render.prompt(sessions, translator(batch.language))

        # Bulk (this Outbound's priority): prompts yield to interactive replies.
        async for batch, delivery in self.sender.send_each(batches, lambda b: b.user_id, prompt):
            if delivery.outcome is Outcome.SENT:
                report.prompts += 1
                await self.feedback.prompted(batch, "sent")
            elif delivery.retryable:
                report.retry += 1
                await self.feedback.prompted(batch, "pending")
            else:
                report.failed += 1
                await self.feedback.prompted(batch, "skipped")

    async def _survey_reminders(self, report: Round) -> None:
        async def reminder(recipient: Recipient) -> Rendered:
            return render.survey_reminder(translator(recipient.language))

        due = await self.survey.due_reminders()
        async for _, delivery in self.sender.send_each(due, lambda r: r.user_id, reminder):
            report.survey_reminders += delivery.outcome is Outcome.SENT
