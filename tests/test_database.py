"""The single writer: concurrent transactions and autocommitted writes never collide or leak.

Updates are processed concurrently and jobs run beside them, so many tasks write at once. Each
test starts them all together on one database and checks that every write committed exactly as
written, that a failing transaction took nothing else with it, and that readers never saw half
of a transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.database import Database, StorageError

SCHEMA = "CREATE TABLE IF NOT EXISTS ledger (task INTEGER, step INTEGER, PRIMARY KEY (task, step))"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    await database.execute(SCHEMA)
    yield database
    await database.close()


async def test_concurrent_transactions_and_single_writes_all_commit(db: Database) -> None:
    async def transaction(task: int) -> None:
        async with db.transaction() as tx:
            for step in range(5):
                await tx.execute("INSERT INTO ledger VALUES (?, ?)", (task, step))
                await asyncio.sleep(0)  # let every other task try to write meanwhile

    async def single(task: int) -> None:
        for step in range(5):
            await db.execute("INSERT INTO ledger VALUES (?, ?)", (task, step))

    async def many(task: int) -> None:
        await db.executemany("INSERT INTO ledger VALUES (?, ?)", [(task, s) for s in range(5)])

    writers = [transaction(t) for t in range(0, 20)]
    writers += [single(t) for t in range(20, 40)]
    writers += [many(t) for t in range(40, 60)]
    await asyncio.gather(*writers)

    rows = await db.fetchall("SELECT task, step FROM ledger ORDER BY task, step")
    assert [tuple(row) for row in rows] == [(t, s) for t in range(60) for s in range(5)]


async def test_a_failing_transaction_rolls_back_only_itself(db: Database) -> None:
    inside = asyncio.Event()
    release = asyncio.Event()

    async def failing() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO ledger VALUES (1, 1)")
            inside.set()
            await release.wait()
            raise RuntimeError("the handler broke half-way")

    async def other() -> None:
        await inside.wait()
        # Queued behind the open transaction, not written into it.
        writing = asyncio.ensure_future(db.execute("INSERT INTO ledger VALUES (2, 1)"))
        await asyncio.sleep(0)
        release.set()
        await writing

    results = await asyncio.gather(failing(), other(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    rows = await db.fetchall("SELECT task, step FROM ledger")
    assert [tuple(row) for row in rows] == [(2, 1)]


async def test_readers_never_see_half_a_transaction(db: Database) -> None:
    seen: list[int] = []
    written = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO ledger VALUES (1, 1)")
            written.set()
            # The transaction sees its own write; nobody else does until it commits.
            assert await tx.fetchval("SELECT COUNT(*) FROM ledger") == 1
            assert await db.fetchval("SELECT COUNT(*) FROM ledger") == 1  # same task
            await asyncio.sleep(0.01)
            await tx.execute("INSERT INTO ledger VALUES (1, 2)")

    async def reader() -> None:
        await written.wait()
        seen.append(await db.fetchval("SELECT COUNT(*) FROM ledger"))

    await asyncio.gather(writer(), reader())
    assert seen == [0]
    assert await db.fetchval("SELECT COUNT(*) FROM ledger") == 2


async def test_a_repository_called_inside_a_transaction_joins_it(db: Database) -> None:
    async with db.transaction():
        await db.execute("INSERT INTO ledger VALUES (1, 1)")  # would deadlock if it queued
        async with db.transaction() as nested:
            await nested.execute("INSERT INTO ledger VALUES (1, 2)")
    assert await db.fetchval("SELECT COUNT(*) FROM ledger") == 2


async def test_returning_rows_come_back_from_a_write(db: Database) -> None:
    await db.execute("INSERT INTO ledger VALUES (1, 1)")
    written = await db.execute("DELETE FROM ledger WHERE task = 1 RETURNING step")
    assert written.rowcount == 1 and [row[0] for row in written.rows] == [1]


async def test_a_locked_database_is_a_clear_error_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(path, busy_timeout_ms=50)
    await db.open()
    await db.execute(SCHEMA)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageError) as caught:
            await db.execute("INSERT INTO ledger VALUES (1, 1)")
        assert "busy" in caught.value.render(str)
        other.execute("ROLLBACK")
        assert await db.fetchval("SELECT COUNT(*) FROM ledger") == 0
        await db.execute("INSERT INTO ledger VALUES (1, 1)")  # the writer is usable again
    finally:
        other.close()
        await db.close()


async def test_a_full_disk_is_a_clear_error_and_keeps_what_was_stored(db: Database) -> None:
    await db.execute("INSERT INTO ledger VALUES (0, 0)")
    await db.execute("CREATE TABLE blob (data BLOB)")
    page_count = await db.fetchval("PRAGMA page_count")
    await db.execute(f"PRAGMA max_page_count = {int(page_count) + 1}")
    with pytest.raises(StorageError) as caught:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO ledger VALUES (1, 1)")
            await tx.execute("INSERT INTO blob VALUES (zeroblob(1000000))")
    assert "storage" in caught.value.render(str)
    rows = await db.fetchall("SELECT task, step FROM ledger")
    assert [tuple(row) for row in rows] == [(0, 0)]


async def test_write_observers_see_how_long_each_write_held_the_writer(db: Database) -> None:
    held: list[float] = []
    db.write_observers.append(held.append)
    await db.execute("INSERT INTO ledger VALUES (1, 1)")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO ledger VALUES (1, 2)")
    assert len(held) == 2 and all(seconds >= 0 for seconds in held)
