"""The community after the forum over the Bot API: the last day's message and the monthly
/meet suggestion, both bulk sends through ``Outbound``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.afterforum import render
from bot.afterforum.service import AfterForum
from bot.config import Config
from bot.errors import DomainError
from bot.feedback import render as feedback_render
from bot.feedback.service import Survey
from bot.i18n import translator
from bot.intros import render as intros_render
from bot.intros.service import Introductions
from bot.participants.model import Recipient
from bot.telegram.delivery import BulkSender, Outcome, Rendered, Rounds

BATCH = 200


@dataclass
class Sent:
    """What one round sent."""

    messages: int = 0
    failed: int = 0
    suggestions: int = 0


@dataclass
class AfterForumSender(Rounds[Sent]):
    """Send the "after the forum" messages and the monthly suggestions that are due."""

    after: AfterForum
    survey: Survey
    intros: Introductions
    sender: BulkSender
    config: Config

    async def round(self) -> Sent:
        """Send what is due now; report what was sent."""
        report = Sent()
        while recipients := await self.after.claim(BATCH):
            await self._after_forum(recipients, report)
        while recipients := await self.after.claim_monthly(BATCH):
            await self._monthly(recipients, report)
        return report

    async def _after_forum(self, recipients: list[Recipient], report: Sent) -> None:
        async def message(recipient: Recipient) -> Rendered:
            tr = translator(recipient.language)
            contacts = await self.after.contacts(recipient.user_id)
            survey = feedback_render.survey_invite(tr)[1] if self.survey.is_on else []
            purge_days = self.config.privacy.purge_after_days
            event = self.config.event.name
            return render.after_forum(event, contacts, tr, survey=survey, purge_days=purge_days)

        async for recipient, delivery in self.sender.send_each(
            recipients, lambda r: r.user_id, message
        ):
            sent = delivery.outcome is Outcome.SENT
            await self.after.sent(recipient.user_id, sent=sent)
            if sent:
                report.messages += 1
                if self.survey.is_on:
                    await self.survey.sent(recipient.user_id)
            else:
                report.failed += 1

    async def _monthly(self, recipients: list[Recipient], report: Sent) -> None:
        for recipient in recipients:
            try:
                found = await self.intros.meet(recipient.user_id)
            except DomainError:
                continue  # no profile, or /meet switched off since
            if found is None:
                continue
            tr = translator(recipient.language)
            text = render.monthly_intro(tr) + "\n\n" + intros_render.profile_card(found, tr)
            rows = intros_render.introduce_button(found, tr)
            delivery = await self.sender.send(recipient.user_id, text, rows)
            report.suggestions += delivery.outcome is Outcome.SENT
