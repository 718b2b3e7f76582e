"""Health: is the bot alive enough for a supervisor to leave it running?

Three checks, each named in the answer: the database takes a write, Telegram was heard from
within the last minute (an update arrived, a long poll returned, or in webhook mode the
webhook's registration was confirmed), and the job scheduler runs. Telegram-free: the adapter
hands in how to probe the database and the scheduler, and feeds ``Liveness``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock

logger = logging.getLogger(__name__)

WINDOW = timedelta(minutes=1)
PROBE_TIMEOUT = 2.0


class Liveness:
    """When the bot last heard from Telegram, on the injected clock."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.last_update: datetime | None = None
        self.last_contact: datetime | None = None

    def saw_update(self) -> None:
        """Note that an update arrived (which is contact with Telegram too)."""
        self.last_update = self.last_contact = self._clock()

    def reached_telegram(self) -> None:
        """Note a successful exchange with the Bot API (a long poll, a webhook check)."""
        self.last_contact = self._clock()


@dataclass(frozen=True, slots=True)
class Check:
    """One health check's outcome, with what an operator needs to know."""

    name: str
    ok: bool
    detail: str


class Health:
    """Run the health checks."""

    def __init__(
        self,
        liveness: Liveness,
        clock: Clock,
        *,
        write_probe: Callable[[], Awaitable[None]],
        scheduler_running: Callable[[], bool],
    ) -> None:
        self._liveness = liveness
        self._clock = clock
        self._write_probe = write_probe
        self._scheduler_running = scheduler_running

    async def check(self) -> list[Check]:
        """Return every check's outcome; the bot is healthy when all are ok."""
        return [await self._database(), self._telegram(), self._scheduler()]

    async def _database(self) -> Check:
        try:
            await asyncio.wait_for(self._write_probe(), PROBE_TIMEOUT)
        except Exception as error:
            logger.warning("health: the database refused a write: %s", error)
            return Check("database", False, f"a write failed: {type(error).__name__}")
        return Check("database", True, "a write succeeded")

    def _telegram(self) -> Check:
        last = self._liveness.last_contact
        if last is None:
            return Check("telegram", False, "no update or successful poll since the start")
        age = self._clock() - last
        if age > WINDOW:
            return Check(
                "telegram",
                False,
                f"no update or successful poll for {int(age.total_seconds())} s",
            )
        return Check("telegram", True, f"last contact {int(age.total_seconds())} s ago")

    def _scheduler(self) -> Check:
        if self._scheduler_running():
            return Check("scheduler", True, "running")
        return Check("scheduler", False, "the job scheduler is not running")
