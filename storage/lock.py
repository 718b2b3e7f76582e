"""The running bot's lock: an exclusive ``flock`` on ``<database>.lock`` while the bot runs.

The bot takes it when it opens its database and keeps it until it closes; ``forum-bot
restore`` takes it too, so a restore never swaps the file under a running bot and a bot never
starts in the middle of a restore. The operating system drops the lock when its holder exits,
however it exits, so a crash leaves no stale lock behind (a PID file would). The file itself
holds the holder's PID, for people only: the lock, not the file, is what counts.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class DatabaseInUseError(RuntimeError):
    """Another process (a running bot or a restore) holds the database's lock."""


def lock_path(database: Path | str) -> Path:
    """Return the lock file that guards a database file."""
    return Path(f"{database}.lock")


class RunLock:
    """An exclusive, non-blocking lock on a database's lock file."""

    def __init__(self, database: Path | str) -> None:
        self.path = lock_path(database)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        """Tell whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise DatabaseInUseError naming the holder when it is taken."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise DatabaseInUseError(
                f"the database is in use by a running forum-bot{who}: {self.path} is locked"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    def release(self) -> None:
        """Give the lock up; harmless when not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def is_taken(self) -> bool:
        """Tell whether another holder has the lock right now (without keeping it)."""
        if self._fd is not None:
            return False
        try:
            self.acquire()
        except DatabaseInUseError:
            return True
        self.release()
        return False

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
