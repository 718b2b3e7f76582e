"""The personal-data rules: what /mydata shows, what /forget and the purge remove, and when.

The registry in ``storage.privacy`` says where personal data lives; this service decides when
it goes. /forget removes one person at once. The purge removes everyone a configured number
of days after the programme's last day (the schedule knows it), except those who chose to stay
for the next forum; participants are told a week before. Nothing here knows Telegram.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import PrivacyConfig
from bot.intros.model import Contact
from bot.privacy.model import Export, KeptRecord, PurgePlan
from storage.privacy import kept_records

# Notices go out at a civil hour of the event's zone, not at midnight.
NOTICE_HOUR = time(10, 0)


class PrivacyStore(Protocol):
    """The storage the personal-data rules need (``storage.privacy.PrivacyStore``)."""

    async def export(self, user_id: int) -> Export: ...
    async def forget(self, user_id: int, now: datetime) -> None: ...
    async def people(self) -> set[int]: ...
    async def staying(self) -> set[int]: ...
    async def stays(self, user_id: int) -> bool: ...
    async def claim_notices(self, purge_on: str, limit: int) -> list[int]: ...
    async def mark_notice(self, user_id: int, purge_on: str, sent: bool) -> None: ...
    async def contacts(self, user_id: int) -> list[Contact]: ...
    async def drop_ended_bans(self, now: datetime) -> int: ...
    async def drop_kept(self) -> None: ...
    async def restore_kept(self, user_id: int) -> int: ...
    async def purged_on(self, purge_on: str) -> bool: ...
    async def record_purge(self, purge_on: str, purged: int, now: datetime) -> None: ...


@dataclass
class Privacy:
    """The personal-data rules over the registry's store, a clock and the programme's days."""

    store: PrivacyStore
    config: PrivacyConfig
    clock: Clock
    last_day: Callable[[], date | None] = field(kw_only=True)  # the programme's
    event_zone: str = field(kw_only=True)
    # Told the id of everyone forgotten, to drop what they hold in memory (caches, the sets of
    # people mid-conversation).
    forgotten: list[Callable[[int], None]] = field(default_factory=list, init=False)

    async def export(self, user_id: int) -> Export:
        """Return everything stored about the person."""
        return await self.store.export(user_id)

    async def forget(self, user_id: int) -> None:
        """Delete everything about the person but the registry's declared minimal records."""
        await self.store.forget(user_id, self.clock())
        for listener in self.forgotten:
            listener(user_id)

    async def welcome(self, user_id: int) -> None:
        """Restore what was kept for a person who comes back (blocks others made of them)."""
        await self.store.restore_kept(user_id)

    # ---- the purge ----

    def plan(self) -> PurgePlan | None:
        """Return when the purge runs and when participants are told; None without a programme."""
        last_day = self.last_day()
        if last_day is None:
            return None
        zone = ZoneInfo(self.event_zone)
        purge_on = last_day + timedelta(days=self.config.purge_after_days)
        purge_at = datetime.combine(purge_on, time(0), tzinfo=zone)
        notice_at = None
        if self.config.notice_days > 0:
            notice_day = purge_on - timedelta(days=self.config.notice_days)
            notice_at = datetime.combine(notice_day, NOTICE_HOUR, tzinfo=zone)
        return PurgePlan(purge_on, purge_at, notice_at)

    async def purge_if_due(self) -> int | None:
        """Run the purge once its date has come; return how many were forgotten, else None.

        Everyone any registered column names is forgotten (participants, and group members
        known only to moderation), except those who chose to stay; then the kept minimal
        records go too. Each purge date runs once, so whoever comes afterwards stays.
        """
        plan = self.plan()
        now = self.clock()
        await self.store.drop_ended_bans(now)
        if plan is None or now < plan.purge_at:
            return None
        purge_on = plan.purge_on.isoformat()
        if await self.store.purged_on(purge_on):
            return None
        leaving = await self.store.people() - await self.store.staying()
        for user_id in sorted(leaving):
            await self.forget(user_id)
        await self.store.drop_kept()
        await self.store.record_purge(purge_on, len(leaving), now)
        return len(leaving)

    async def notices_due(self, limit: int = 200) -> list[int]:
        """Claim the participants to tell about the coming purge now."""
        plan = self.plan()
        now = self.clock()
        if plan is None or plan.notice_at is None or not plan.notice_at <= now < plan.purge_at:
            return []
        return await self.store.claim_notices(plan.purge_on.isoformat(), limit)

    async def notice_sent(self, user_id: int, purge_on: date, sent: bool) -> None:
        """Record what became of one notice."""
        await self.store.mark_notice(user_id, purge_on.isoformat(), sent)

    # ---- staying for the next forum, and contacts ----

    async def stays(self, user_id: int) -> bool:
        """Tell whether the person chose to stay for the next forum (with /stay)."""
        return await self.store.stays(user_id)

    def kept(self) -> list[KeptRecord]:
        """Return the minimal records /forget keeps, each with the need it serves."""
        return kept_records()

    async def contacts(self, user_id: int) -> list[Contact]:
        """Return everyone the person was introduced to."""
        return await self.store.contacts(user_id)
