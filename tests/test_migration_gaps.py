"""Migrations with numbers still missing: applied now, the missing ones applied when they land."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

import storage.database
from storage.database import Database, DatabaseTooNewError


def _use(monkeypatch: pytest.MonkeyPatch, shipped: list[tuple[int, str, str]]) -> None:
    monkeypatch.setattr(storage.database, "migrations", lambda: shipped)


ONE = (1, "0001_a.sql", "CREATE TABLE a (x);")
TWO = (2, "0002_b.sql", "CREATE TABLE b (x);")
FIVE = (5, "0005_e.sql", "CREATE TABLE e (x);")


async def _tables(path: Path) -> set[str]:
    sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    async with aiosqlite.connect(path) as conn, conn.execute(sql) as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def test_a_missing_number_is_applied_when_it_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    _use(monkeypatch, [ONE, FIVE])
    db = Database(path)
    await db.open()
    assert await db.schema_version() == 2
    await db.close()
    _use(monkeypatch, [ONE, TWO, FIVE])
    db = Database(path)
    await db.open()
    assert await db.schema_version() == 3
    await db.close()
    assert {"a", "b", "e"} <= await _tables(path)
    db = Database(path)
    await db.open()  # nothing left to apply: "CREATE TABLE a" would fail if run twice
    await db.close()


async def test_a_database_from_before_the_table_counts_as_contiguous(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await conn.executescript(
            "CREATE TABLE a (x); CREATE TABLE b (x); PRAGMA user_version = 2;"
        )
    _use(monkeypatch, [ONE, TWO, FIVE])
    db = Database(path)
    await db.open()
    assert await db.schema_version() == 3
    async with db.conn.execute("SELECT version FROM schema_migrations ORDER BY 1") as cursor:
        assert [row[0] for row in await cursor.fetchall()] == [1, 2, 5]
    await db.close()


async def test_a_migration_this_code_lacks_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    _use(monkeypatch, [ONE, TWO, FIVE])
    db = Database(path)
    await db.open()
    await db.close()
    _use(monkeypatch, [ONE, FIVE])
    with pytest.raises(DatabaseTooNewError, match=r"\[2\].*upgrade forum-bot"):
        await Database(path).open()


def test_shared_numbers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _Folder(["0001_a.sql", "0002_b.sql", "0002_c.sql"])
    monkeypatch.setattr(storage.database.resources, "files", lambda _package: folder)
    with pytest.raises(RuntimeError, match="never share a number"):
        storage.database.migrations()


class _Folder:
    """Stands in for the migrations package folder."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    def iterdir(self) -> list[_File]:
        return [_File(name) for name in self._names]


class _File:
    def __init__(self, name: str) -> None:
        self.name = name

    def read_text(self, encoding: str) -> str:
        return "SELECT 1;"
