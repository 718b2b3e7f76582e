"""The scheduled backup job (``[storage] backup_every_hours``); it has no commands.

A failed backup raises, so the one error handler logs it and reports it to the operators'
chat (``chats.modlog``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.telegram.context import BotData, ForumContext

BACKUP_JOB = "backup"


async def backup_job(context: ForumContext) -> None:
    """Make a scheduled backup and prune the old ones."""
    backups = context.runtime.backups
    if backups is not None:
        await backups.run()


def schedule_jobs(application: Application[Any, ForumContext, Any, Any, BotData, Any]) -> None:
    """Back up every ``storage.backup_every_hours`` hours, the first an interval after start."""
    runtime = application.bot_data.runtime
    if runtime is None or runtime.backups is None:
        return
    hours = runtime.config.storage.backup_every_hours
    if hours <= 0:
        return
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("scheduled backups need python-telegram-bot's job-queue extra")
    interval = timedelta(hours=hours)
    job_queue.run_repeating(backup_job, interval=interval, first=interval, name=BACKUP_JOB)
