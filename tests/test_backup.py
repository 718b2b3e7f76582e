"""Backups and restore on real SQLite files: the storage functions and the command line."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import (
    EXIT_CANNOT_WRITE,
    EXIT_NOT_A_BACKUP,
    EXIT_OK,
    EXIT_RUNNING,
    EXIT_TOO_NEW,
    main,
)
from storage.backup import (
    BackupError,
    BackupTooNewError,
    NotABackupError,
    backup_name,
    backups_in,
    inspect,
    newest_version,
    prune,
    snapshot,
)
from storage.database import Database
from storage.lock import DatabaseInUseError, RunLock

NOW = datetime(2027, 3, 16, 8, 30, tzinfo=UTC)


async def make_database(path: Path, participants: int = 3) -> None:
    """Create a migrated database with a few participants."""
    db = Database(path)
    await db.open()
    try:
        await db.executemany(
            "INSERT INTO participants (user_id, first_name, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?)",
            [(i, f"P{i}", NOW.isoformat(), NOW.isoformat()) for i in range(1, participants + 1)],
        )
    finally:
        await db.close()


def backup_of(forum: Forum, name: str, participants: int) -> Path:
    """Make the forum's database with ``participants``, and a backup of it named ``name``."""
    asyncio.run(make_database(forum.database, participants=participants))
    backup = forum.folder / name
    snapshot(forum.database, backup, newest_version=newest_version())
    return backup


def names(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT first_name FROM participants ORDER BY 1")]


@dataclass
class Forum:
    """A forum-bot installed in a folder: its database file, its configuration, its command."""

    folder: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def database(self) -> Path:
        return self.folder / "bot.sqlite3"

    @property
    def config(self) -> Path:
        return self.folder / "config.toml"

    def cli(self, *args: str) -> tuple[int, str, str]:
        """Run ``forum-bot ARGS --config ...``; return its exit status, stdout and stderr."""
        status = main([*args, "--config", str(self.config)])
        captured = self.capsys.readouterr()
        return status, captured.out, captured.err


@pytest.fixture
def forum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Forum:
    """A configured forum-bot whose database does not exist yet (``make_database`` makes it)."""
    installed = Forum(tmp_path, capsys)
    installed.config.write_text(
        f'[event]\nname = "Forum"\n[storage]\ndatabase = "{installed.database}"\n',
        encoding="utf-8",
    )
    return installed


async def test_snapshot_is_checked_and_describes_what_it_holds(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database, participants=7)
    summary = snapshot(database, tmp_path / "copy.sqlite3", newest_version=newest_version())
    assert summary.schema_version == newest_version()
    assert summary.rows("participants") == 7
    assert summary.size_bytes == (tmp_path / "copy.sqlite3").stat().st_size
    assert names(tmp_path / "copy.sqlite3") == names(database)
    assert not list(tmp_path.glob(".*partial"))


async def test_snapshot_never_overwrites_a_file(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database)
    target = tmp_path / "copy.sqlite3"
    target.write_bytes(b"precious")
    with pytest.raises(BackupError, match="already exists"):
        snapshot(database, target, newest_version=newest_version())
    assert target.read_bytes() == b"precious"


async def test_a_copy_cut_short_leaves_no_file_behind(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database)

    def cut_short() -> None:
        raise RuntimeError("the disk is gone")  # the copy is interrupted

    with pytest.raises(BackupError, match="cannot copy"):
        snapshot(database, tmp_path / "copy.sqlite3", newest_version=1, during_copy=cut_short)
    assert [p.name for p in tmp_path.iterdir() if "copy" in p.name] == []  # nor a .partial


def test_inspect_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(NotABackupError, match="not a usable SQLite database"):
        inspect(junk, newest_version=newest_version())
    with pytest.raises(NotABackupError, match="no such file"):
        inspect(tmp_path / "missing.sqlite3", newest_version=newest_version())
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(NotABackupError, match="not one of forum-bot"):
        inspect(other, newest_version=newest_version())


async def test_inspect_refuses_a_newer_schema(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database)
    with sqlite3.connect(database) as conn:
        conn.execute(f"PRAGMA user_version = {newest_version() + 1}")
    with pytest.raises(BackupTooNewError, match="newer forum-bot"):
        inspect(database, newest_version=newest_version())


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    for day in range(1, 6):
        (tmp_path / backup_name(datetime(2027, 3, day, tzinfo=UTC))).write_bytes(b"x")
    (tmp_path / "unrelated.sqlite3").write_bytes(b"x")
    removed = prune(tmp_path, keep=2)
    assert [p.name for p in removed] == [
        backup_name(datetime(2027, 3, day, tzinfo=UTC)) for day in (1, 2, 3)
    ]
    assert [p.name for p in backups_in(tmp_path)] == [
        backup_name(datetime(2027, 3, day, tzinfo=UTC)) for day in (4, 5)
    ]
    assert (tmp_path / "unrelated.sqlite3").exists()


def test_the_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    first, second = RunLock(database), RunLock(database)
    first.acquire()
    assert second.is_taken()
    with pytest.raises(DatabaseInUseError, match="in use by a running forum-bot"):
        second.acquire()
    first.release()
    assert not second.is_taken()
    with second:
        assert first.is_taken()


def test_cli_backup_into_a_folder_then_restore_round_trips(forum: Forum) -> None:
    asyncio.run(make_database(forum.database, participants=3))
    folder = forum.folder / "backups"
    folder.mkdir()
    status, out, _ = forum.cli("backup", str(folder))
    assert status == EXIT_OK
    assert "integrity check: ok" in out and "participants:" in out
    (backup,) = backups_in(folder)

    with sqlite3.connect(forum.database) as conn:
        conn.execute("DELETE FROM participants WHERE user_id = 1")
    status, out, _ = forum.cli("restore", str(backup))
    assert status == EXIT_OK
    assert "the replaced database is kept as" in out
    assert names(forum.database) == ["P1", "P2", "P3"]
    (kept,) = forum.folder.glob("bot.sqlite3.before-restore-*[0-9]Z")
    assert names(kept) == ["P2", "P3"]


def test_restore_applies_migrations_to_an_older_backup(forum: Forum) -> None:
    old = forum.folder / "old.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.executescript(Path("storage/migrations/0001_participants.sql").read_text())
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO participants (user_id, first_name, first_seen, last_seen) "
            "VALUES (9, 'Old', '2027-01-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00')"
        )
    status, out, _ = forum.cli("restore", str(old))
    assert status == EXIT_OK
    assert f"migrated from schema version 1 to {newest_version()}" in out
    assert names(forum.database) == ["Old"]
    with sqlite3.connect(forum.database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == newest_version()


def test_restore_is_refused_and_changes_nothing(forum: Forum) -> None:
    database, tmp_path = forum.database, forum.folder
    backup = backup_of(forum, "good.sqlite3", participants=2)
    newer = tmp_path / "newer.sqlite3"
    snapshot(database, newer, newest_version=newest_version())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {newest_version() + 1}")
    corrupt = tmp_path / "corrupt.sqlite3"
    data = bytearray(backup.read_bytes())
    data[4096:8192] = b"\x55" * 4096  # the second page: a table's root
    corrupt.write_bytes(bytes(data))
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = database.read_bytes()

    def refused(path: Path) -> tuple[int, str]:
        status, _, err = forum.cli("restore", str(path))
        return status, err

    with RunLock(database):  # what the running bot holds
        status, err = refused(backup)
    assert status == EXIT_RUNNING
    assert "restore refused" in err and "Stop the bot first" in err
    status, err = refused(newer)
    assert status == EXIT_TOO_NEW and "newer forum-bot" in err
    status, err = refused(corrupt)
    assert status == EXIT_NOT_A_BACKUP and "nothing was changed" in err
    status, err = refused(tmp_path / "missing.sqlite3")
    assert status == EXIT_NOT_A_BACKUP and "no such file" in err
    assert database.read_bytes() == before
    assert not list(tmp_path.glob("*before-restore*"))
    assert not list(tmp_path.glob(".*restoring"))


def test_cli_backup_refuses_an_existing_file(forum: Forum) -> None:
    asyncio.run(make_database(forum.database))
    (forum.folder / "taken.sqlite3").write_bytes(b"x")
    status, _, err = forum.cli("backup", str(forum.folder / "taken.sqlite3"))
    assert status == EXIT_CANNOT_WRITE
    assert "already exists" in err


def test_cli_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("backup", "restore"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        out = capsys.readouterr().out
        assert "exit status:" in out and "the bot is running" in out


def _break_an_index(path: Path) -> None:
    """Point an index at another column, so SQLite's integrity check finds rows missing."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(
            "UPDATE sqlite_schema SET sql = 'CREATE INDEX participants_status ON "
            "participants (first_name)' WHERE name = 'participants_status'"
        )


def test_restore_refuses_a_backup_failing_the_integrity_check(forum: Forum) -> None:
    damaged = backup_of(forum, "damaged.sqlite3", participants=6)
    _break_an_index(damaged)
    status, _, err = forum.cli("restore", str(damaged))
    assert status == EXIT_NOT_A_BACKUP
    assert "fails SQLite's integrity check" in err and "missing from index" in err
    assert names(forum.database) == ["P1", "P2", "P3", "P4", "P5", "P6"]


def test_a_backup_that_cannot_be_migrated_puts_the_old_database_back(forum: Forum) -> None:
    database = forum.database
    odd = backup_of(forum, "odd.sqlite3", participants=2)
    with sqlite3.connect(odd) as conn:
        # One version back, but with the newest migration's table already there: migrating
        # it fails half way.
        conn.execute(f"PRAGMA user_version = {newest_version() - 1}")
        conn.execute("DELETE FROM participants WHERE user_id = 1")
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = database.read_bytes()
    status, _, err = forum.cli("restore", str(odd))
    assert status == EXIT_NOT_A_BACKUP
    assert "the previous database was put back" in err
    assert database.read_bytes() == before and names(database) == ["P1", "P2"]
    assert not list(forum.folder.glob("*before-restore*"))
