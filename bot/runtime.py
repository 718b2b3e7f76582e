"""The running bot's services, opened in ``post_init`` and closed in ``post_shutdown``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.delivery import Outbound
from bot.floodguard import FloodGuard
from bot.reminders.dispatch import Dispatcher
from bot.reminders.programme import StoredProgramme
from bot.reminders.service import Reminders
from storage.database import Database
from storage.participants import Participants
from storage.reminders import ReminderStore


@dataclass
class Runtime:
    """Everything a handler may use, typed; one per Application."""

    config: Config
    db: Database
    clock: Clock
    participants: Participants
    flood_guard: FloodGuard
    outbound: Outbound
    reminders: Reminders
    reminder_dispatch: Dispatcher
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, config: Config, clock: Clock) -> Runtime:
        """Build the services for a configuration; nothing is opened yet."""
        db = Database(config.storage.database)
        participants = Participants(db)
        outbound = Outbound(participants.mark_blocked)
        reminders = Reminders(
            ReminderStore(db),
            StoredProgramme(db, config.event.schedule, config.event.timezone, clock),
            config.reminders,
            clock,
            event_zone=config.event.timezone,
        )
        return cls(
            config=config,
            db=db,
            clock=clock,
            participants=participants,
            flood_guard=FloodGuard(clock),
            outbound=outbound,
            reminders=reminders,
            reminder_dispatch=Dispatcher(reminders, outbound, config),
        )

    async def open(self) -> None:
        """Open the database (applying migrations), then the services that read it."""
        await self.db.open()
        await self.reminders.open()

    async def close(self) -> None:
        """Close what ``open`` opened; harmless to call twice."""
        await self.db.close()
