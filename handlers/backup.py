"""The scheduled backup job (``[storage] backup_every_hours``); it has no commands.

A failed backup raises, so the one error handler logs it and reports it to the operators'
chat (``chats.modlog``).
"""

from __future__ import annotations

from datetime import timedelta

from bot.config import Config
from bot.telegram.context import ForumContext
from handlers.common import Periodic

BACKUP_JOB = "backup"


async def backup_job(context: ForumContext) -> None:
    """Make a scheduled backup and prune the old ones."""
    backups = context.runtime.backups
    if backups is not None:
        await backups.run()


def jobs(config: Config) -> list[Periodic]:
    """Back up every ``storage.backup_every_hours`` hours, the first an interval after start."""
    hours = config.storage.backup_every_hours
    if hours <= 0 or str(config.storage.database) == ":memory:":
        return []
    interval = timedelta(hours=hours)
    return [Periodic(BACKUP_JOB, backup_job, interval, first=interval)]
