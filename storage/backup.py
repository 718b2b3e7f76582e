"""Backups of the bot's SQLite file: a consistent copy while the bot runs, checked, and restore.

A backup is made with ``VACUUM INTO`` on a read-only connection of its own. The statement runs
inside one read transaction, and in WAL mode readers never wait for the writer nor the writer
for them: the copy is the database exactly as it was when that transaction began, with every
write committed before it and none of a write committed later, never half of one. SQLite's
online backup API would also do, but copied page by page it restarts whenever another
connection writes between two steps, so under a steady stream of writes it may never finish;
done in a single step it equals ``VACUUM INTO`` without its advantages: a compact file with
no free pages, and a refusal to write over an existing file.

The copy is written under a temporary name beside the target, checked (``PRAGMA
integrity_check`` and the schema version) and only then renamed, so a file with the final
name is always a whole, checked backup. Restore takes the running bot's lock
(``storage.lock``), so it refuses while the bot runs, checks the backup the same way, keeps
the replaced file (and its WAL) beside it, and applies migrations. Everything here is
synchronous file and SQL work; the running bot calls it in a worker thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from storage.database import Database, migrations
from storage.lock import RunLock

BACKUP_PREFIX = "forum-bot-"
BACKUP_SUFFIX = ".sqlite3"
_BACKUP_NAME = re.compile(r"^forum-bot-\d{8}T\d{6}Z\.sqlite3$")
# Virtual-machine steps between two calls of a snapshot's ``during_copy``.
_PROGRESS_STEPS = 200
# SQLite keeps these beside a database in WAL mode; they move with it.
_SIDE_FILES = ("-wal", "-shm")


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do."""


class NotABackupError(BackupError):
    """The file is missing, not an SQLite database, or fails the integrity check."""


class BackupTooNewError(BackupError):
    """The backup was written by a newer forum-bot than this one."""


@dataclass(frozen=True, slots=True)
class BackupSummary:
    """What a checked backup holds."""

    path: Path
    size_bytes: int
    schema_version: int
    tables: tuple[tuple[str, int], ...]  # (table, rows), every table the schema has

    def rows(self, table: str) -> int:
        """Return the row count of a table (0 when the backup has no such table)."""
        return dict(self.tables).get(table, 0)


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """A finished restore: what was restored and where the replaced database was kept."""

    summary: BackupSummary
    kept: Path | None  # None when there was no database to replace
    migrated_from: int
    migrated_to: int


def backup_name(moment: datetime) -> str:
    """Return the file name of a backup made at a UTC moment."""
    return f"{BACKUP_PREFIX}{moment:%Y%m%dT%H%M%SZ}{BACKUP_SUFFIX}"


def _read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise NotABackupError(f"{path}: no such file")
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise NotABackupError(f"{path}: cannot be opened ({error})") from None


def snapshot(
    database: Path,
    target: Path,
    *,
    newest_version: int,
    during_copy: Callable[[], object] | None = None,
) -> BackupSummary:
    """Copy the live database into the new file ``target``, check the copy and describe it.

    ``during_copy`` is called now and then while the copy runs, inside its read transaction
    (tests use it to let writers commit in the middle of a backup).
    """
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new name or a folder")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    partial = target.with_name(f".{target.name}.partial")
    with _copy_into_place(database, partial, target):
        with contextlib.closing(_read_only(database)) as source:
            if during_copy is not None:
                # Load the schema first (its own short read), so every call falls inside the
                # copy's transaction.
                source.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()
                callback = during_copy

                def go_on() -> int:
                    callback()
                    return 0  # non-zero would abort the copy

                source.set_progress_handler(go_on, _PROGRESS_STEPS)
            source.execute("VACUUM INTO ?", (str(partial),))
        try:
            summary = inspect(partial, newest_version=newest_version)
        except NotABackupError as error:
            raise NotABackupError(f"the copy of {database} is not sound: {error}") from None
        _fsync(partial)
    return BackupSummary(target, summary.size_bytes, summary.schema_version, summary.tables)


def inspect(path: Path, *, newest_version: int) -> BackupSummary:
    """Check that ``path`` is a sound database this code can use, and describe it."""
    with contextlib.closing(_read_only(path)) as conn:
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
            if problems != ["ok"]:
                raise NotABackupError(
                    f"{path} fails SQLite's integrity check: " + "; ".join(problems[:5])
                )
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            names = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_schema WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            tables = tuple(
                (name, int(conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]))
                for name in names
            )
        except sqlite3.DatabaseError as error:
            raise NotABackupError(f"{path} is not a usable SQLite database ({error})") from None
    if version > newest_version:
        raise BackupTooNewError(
            f"{path} is at schema version {version}, but this forum-bot knows only up to "
            f"{newest_version}; restore it with the newer forum-bot that wrote it"
        )
    if version == 0 or "participants" not in dict(tables):
        raise NotABackupError(f"{path} is an SQLite database, but not one of forum-bot")
    return BackupSummary(path, path.stat().st_size, version, tables)


def backups_in(folder: Path) -> list[Path]:
    """Return the scheduled backups in a folder, oldest first (by the time in their name)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _BACKUP_NAME.match(p.name) and p.is_file())


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` scheduled backups in a folder; return the deleted."""
    found = backups_in(folder)
    doomed = found[: max(len(found) - keep, 0)]
    for path in doomed:
        _unlink(path)
    return doomed


async def restore(backup: Path, database: Path, *, now: datetime) -> RestoreResult:
    """Replace the database by a backup while no bot runs, then bring it to this code's schema.

    Raises DatabaseInUseError while the bot runs, NotABackupError or BackupTooNewError for a
    backup that cannot be used (nothing changed then); if the migrations fail, the replaced
    database is put back.
    """
    newest = newest_version()
    with RunLock(database):
        summary = inspect(backup, newest_version=newest)
        kept = put_in_place(backup, database, newest_version=newest, now=now)
        db = Database(database)
        try:
            await db.open()
            migrated_to = await db.schema_version()
        except BaseException:
            await db.close()
            put_back(kept, database)
            raise
        await db.close()
    return RestoreResult(summary, kept, summary.schema_version, migrated_to)


def newest_version() -> int:
    """Return the schema version this code migrates databases to."""
    known = migrations()
    return known[-1][0] if known else 0


def put_in_place(
    backup: Path, database: Path, *, newest_version: int, now: datetime
) -> Path | None:
    """Replace ``database`` by a checked copy of ``backup``; return where the old one was kept.

    The caller holds the lock (``restoring``). The old database and its WAL files are renamed
    to ``<database>.before-restore-<time>`` (``-wal``, ``-shm`` after it as SQLite expects),
    so they open together again; nothing is checkpointed, so even a damaged database is kept
    as it was.
    """
    inspect(backup, newest_version=newest_version)
    incoming = database.with_name(f".{database.name}.restoring")
    with _copy_into_place(backup, incoming, database):
        with (
            contextlib.closing(_read_only(backup)) as source,
            contextlib.closing(sqlite3.connect(incoming)) as copy,
        ):
            source.backup(copy)
        inspect(incoming, newest_version=newest_version)
        _fsync(incoming)
        kept = keep_aside(database, now)
    return kept


def keep_aside(database: Path, now: datetime) -> Path | None:
    """Rename a database and its WAL files out of the way; return the new name, if it existed."""
    if not database.exists():
        for side in _SIDE_FILES:
            _unlink(Path(f"{database}{side}"))
        return None
    kept = database.with_name(f"{database.name}.before-restore-{now:%Y%m%dT%H%M%SZ}")
    os.replace(database, kept)
    for side in _SIDE_FILES:
        source = Path(f"{database}{side}")
        if source.exists():
            os.replace(source, Path(f"{kept}{side}"))
    return kept


def put_back(kept: Path | None, database: Path) -> None:
    """Undo ``keep_aside``: bring the kept database and its WAL files back under their name."""
    for side in _SIDE_FILES:
        _unlink(Path(f"{database}{side}"))
    if kept is None:
        _unlink(database)
        return
    os.replace(kept, database)
    for side in _SIDE_FILES:
        source = Path(f"{kept}{side}")
        if source.exists():
            os.replace(source, Path(f"{database}{side}"))


@contextlib.contextmanager
def _copy_into_place(source: Path, scratch: Path, target: Path) -> Iterator[None]:
    """Around writing a copy of ``source`` into ``scratch``: then move it to ``target`` (and make
    the rename durable); an SQLite error is a BackupError; the scratch file never stays."""
    _unlink(scratch)
    try:
        yield
        os.replace(scratch, target)
    except sqlite3.Error as error:
        raise BackupError(f"cannot copy {source}: {error}") from None
    finally:
        _unlink(scratch)
    _fsync_folder(target.parent)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
