"""After the forum: when the last day's message goes out, who stays, and the monthly /meet.

On the programme's last day (from ``after_forum.send_hour``, event zone, and through the next
day should the bot have been down), every reachable participant gets one "after the forum"
message: their accepted introductions with contacts, the survey, and the choice to stay in the
community for the next forum. Staying is explicit consent, stored with its time and revocable
with /stay; it keeps the person's data past the purge. Those who stay may ask for one /meet
suggestion a month. Nothing here knows Telegram.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from bot.afterforum.model import Stay
from bot.clock import Clock
from bot.config import Config
from bot.errors import DomainError
from bot.i18n import N_
from bot.intros.model import Contact
from bot.participants.model import Recipient
from bot.schedule.lookup import ProgrammeSource
from storage.afterforum import AfterForumStore


class MeetPort(Protocol):
    """What staying needs from introductions (``bot.intros.service.Introductions``)."""

    async def set_meet_opt_in(self, user_id: int, opt_in: bool) -> None: ...


@dataclass
class AfterForum:
    """The rules of the community after the forum."""

    store: AfterForumStore
    source: ProgrammeSource
    config: Config  # [after_forum]; the event's zone
    clock: Clock
    meet: MeetPort

    def last_day(self) -> date | None:
        """Return the programme's last day."""
        programme = self.source.programme
        return programme.days[-1] if programme and programme.days else None

    def is_over(self) -> bool:
        """Tell whether the forum's last day has come (the survey and /stay are open)."""
        last = self.last_day()
        return last is not None and self.clock().astimezone(self.config.tz).date() >= last

    def is_due(self) -> bool:
        """Tell whether the "after the forum" message goes out now."""
        last = self.last_day()
        if not self.config.after_forum.enabled or last is None:
            return False
        local = self.clock().astimezone(self.config.tz)
        if local.date() == last:
            return local.hour >= self.config.after_forum.send_hour
        return local.date() == last + timedelta(days=1)

    async def claim(self, limit: int) -> list[Recipient]:
        """Claim the next people to send the message to, if it is due."""
        if not self.is_due():
            return []
        return await self.store.claim_recipients(limit, self.clock())

    async def sent(self, user_id: int, *, sent: bool) -> None:
        """Record whether the message reached the person."""
        await self.store.finish(user_id, sent)

    async def contacts(self, user_id: int) -> list[Contact]:
        """Return the person's accepted introductions."""
        return await self.store.contacts(user_id)

    async def status(self, user_id: int) -> Stay | None:
        """Return the person's choice."""
        return await self.store.stay(user_id)

    async def choose(self, user_id: int, staying: bool) -> Stay:
        """Record (or withdraw) the consent to stay in the community."""
        stay = await self.store.set_stay(user_id, staying, self.clock())
        if not staying:
            # The monthly suggestion is part of staying: it stops with it.
            await self._meet_opt_in(user_id, False)
        return stay

    async def set_monthly(self, user_id: int, on: bool) -> Stay:
        """Switch the monthly /meet suggestion (only for those who stay, with a profile)."""
        current = await self.store.stay(user_id)
        if current is None or not current.staying:
            raise DomainError(N_("Choose to stay in the community first: send /stay."))
        if on:
            await self.meet.set_meet_opt_in(user_id, True)
        if not await self.store.set_monthly(user_id, on):
            raise DomainError(N_("Choose to stay in the community first: send /stay."))
        updated = await self.store.stay(user_id)
        assert updated is not None  # just updated
        return updated

    async def _meet_opt_in(self, user_id: int, on: bool) -> None:
        # No profile: nothing to switch off.
        with suppress(DomainError):
            await self.meet.set_meet_opt_in(user_id, on)

    async def claim_monthly(self, limit: int) -> list[Recipient]:
        """Claim this month's /meet suggestions, on the configured day and hour."""
        last = self.last_day()
        local = self.clock().astimezone(self.config.tz)
        if last is None or local.date() <= last:
            return []
        settings = self.config.after_forum
        if local.day != settings.monthly_meet_day or local.hour < settings.monthly_meet_hour:
            return []
        return await self.store.claim_monthly(local.strftime("%Y-%m"), limit)
