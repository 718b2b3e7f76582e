"""The community after the forum over the Bot API: the last day's message and the monthly
/meet suggestion, both bulk sends through ``Outbound``."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import partial

from telegram import Bot, Message

from bot.afterforum import render
from bot.afterforum.model import Recipient
from bot.afterforum.service import AfterForum
from bot.errors import DomainError
from bot.feedback import render as feedback_render
from bot.feedback.service import Survey
from bot.i18n import translator
from bot.intros import render as intros_render
from bot.intros.service import Introductions
from bot.telegram.delivery import Outbound, Outcome
from bot.telegram.keyboards import keyboard

logger = logging.getLogger(__name__)

BATCH = 200


@dataclass
class Sent:
    """What one round sent."""

    messages: int = 0
    failed: int = 0
    suggestions: int = 0


class AfterForumSender:
    """Send the "after the forum" messages and the monthly suggestions that are due."""

    def __init__(
        self,
        after: AfterForum,
        survey: Survey,
        intros: Introductions,
        outbound: Outbound,
        bot: Bot,
        *,
        event: str,
        purge_days: int,
    ) -> None:
        self.after = after
        self.survey = survey
        self.intros = intros
        self.outbound = outbound
        self.bot = bot
        self.event = event
        self.purge_days = purge_days
        self._lock = asyncio.Lock()

    async def run(self) -> Sent | None:
        """Send what is due now; None when a round is already running."""
        if self._lock.locked():
            return None
        async with self._lock:
            report = Sent()
            bot = self.bot
            while recipients := await self.after.claim(BATCH):
                await self._after_forum(bot, recipients, report)
            while recipients := await self.after.claim_monthly(BATCH):
                await self._monthly(bot, recipients, report)
            return report

    async def _after_forum(self, bot: Bot, recipients: list[Recipient], report: Sent) -> None:
        async def send(recipient: Recipient) -> Message:
            tr = translator(recipient.language)
            contacts = await self.after.contacts(recipient.user_id)
            survey = feedback_render.survey_invite(tr)[1] if self.survey.is_on else []
            text, rows = render.after_forum(
                self.event, contacts, tr, survey=survey, purge_days=self.purge_days
            )
            return await bot.send_message(recipient.user_id, text, reply_markup=keyboard(rows))

        async for recipient, delivery in self.outbound.deliver_all(
            recipients, lambda r: r.user_id, send
        ):
            sent = delivery.outcome is Outcome.SENT
            await self.after.sent(recipient.user_id, sent=sent)
            if sent:
                report.messages += 1
                if self.survey.is_on:
                    await self.survey.sent(recipient.user_id)
            else:
                report.failed += 1

    async def _monthly(self, bot: Bot, recipients: list[Recipient], report: Sent) -> None:
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
            delivery = await self.outbound.deliver(
                recipient.user_id,
                partial(bot.send_message, recipient.user_id, text, reply_markup=keyboard(rows)),
            )
            report.suggestions += delivery.outcome is Outcome.SENT
