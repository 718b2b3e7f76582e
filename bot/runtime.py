"""The running bot's services, opened in ``post_init`` and closed in ``post_shutdown``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.delivery import Outbound
from bot.floodguard import FloodGuard
from bot.moderation import Moderation
from storage.database import Database
from storage.moderation import ModerationStore
from storage.participants import Participants


@dataclass
class Runtime:
    """Everything a handler may use, typed; one per Application."""

    config: Config
    db: Database
    clock: Clock
    participants: Participants
    flood_guard: FloodGuard
    outbound: Outbound
    moderation: Moderation
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, config: Config, clock: Clock) -> Runtime:
        """Build the services for a configuration; nothing is opened yet."""
        db = Database(config.storage.database)
        participants = Participants(db)
        return cls(
            config=config,
            db=db,
            clock=clock,
            participants=participants,
            flood_guard=FloodGuard(clock),
            outbound=Outbound(participants.mark_blocked),
            moderation=Moderation(ModerationStore(db), config, clock),
        )

    async def open(self) -> None:
        """Open the database (applying migrations)."""
        await self.db.open()

    async def close(self) -> None:
        """Close what ``open`` opened; harmless to call twice."""
        await self.db.close()
