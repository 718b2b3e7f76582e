"""Scheduled backups: a checked, consistent copy into the backup folder, keeping the newest N.

The copy itself (``storage.backup.snapshot``) reads on a connection of its own inside one read
transaction, so it runs in a worker thread while the bot goes on reading and writing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.clock import Clock
from storage.backup import BackupSummary, backup_name, newest_version, prune, snapshot

logger = logging.getLogger(__name__)


@dataclass
class ScheduledBackups:
    """Make a backup into a folder and prune the oldest beyond ``keep``."""

    database: Path
    folder: Path
    keep: int
    clock: Clock
    _running: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def run(self) -> BackupSummary:
        """Back up now; raise BackupError or OSError when it cannot be done."""
        async with self._running:
            await asyncio.to_thread(self.folder.mkdir, parents=True, exist_ok=True)
            target = self.folder / backup_name(self.clock())
            summary = await asyncio.to_thread(
                snapshot, self.database, target, newest_version=newest_version()
            )
            removed = await asyncio.to_thread(prune, self.folder, self.keep)
        logger.info(
            "backup written to %s (%d bytes, schema %d); %d old backup(s) removed",
            summary.path,
            summary.size_bytes,
            summary.schema_version,
            len(removed),
        )
        return summary
