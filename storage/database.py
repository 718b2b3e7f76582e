"""The one SQLite database: a single serialised writer, a reader, WAL, foreign keys, migrations.

Every write goes through one path, in the spirit of datasette's single write connection: the
writer connection is guarded by one lock, so a ``BEGIN IMMEDIATE`` transaction and the
autocommitted statements of other tasks take turns instead of colliding on the shared
connection ("cannot start a transaction within a transaction", or one task's write rolled back
with another's transaction). Reads run on a second, read-only connection: with WAL they see the
last committed state and never half a transaction. A task that holds a transaction and calls
into a repository again is given the transaction's connection, so it sees its own writes and
does not wait for itself.

Migrations are the files ``storage/migrations/NNNN_name.sql``, applied in order and recorded in
``PRAGMA user_version`` (the number of the last one applied); they are append-only and
numbered 1..N without gaps, so a database at version k has exactly the first k applied. A
database written by newer code is refused.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import aiosqlite

from bot.errors import DomainError
from bot.i18n import N_

logger = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params: TypeAlias = Sequence[Any] | Mapping[str, Any]
Row: TypeAlias = aiosqlite.Row
# Called with the seconds each write (a statement or a whole transaction) held the writer.
WriteObserver: TypeAlias = Callable[[float], None]


class DatabaseTooNewError(RuntimeError):
    """The database was written by a newer version of the bot than this one."""


class StorageError(DomainError):
    """A write could not be stored (the file is locked by another program, or the disk is full).

    Nothing was acknowledged to the user before it is raised, so the one error handler's
    reply (try again) is the truth: the action did not happen.
    """


def migrations() -> list[tuple[int, str, str]]:
    """Return the shipped migrations as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return found


@dataclass(frozen=True, slots=True)
class Written:
    """What a write statement did: rows changed, the last inserted rowid, rows it RETURNED."""

    rowcount: int
    lastrowid: int | None
    rows: list[Row] = field(default_factory=list)


class Queries(Protocol):
    """What repositories call: the database itself, or an open transaction."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...
    async def fetchval(self, sql: str, params: Params = ()) -> Any: ...
    async def execute(self, sql: str, params: Params = ()) -> Written: ...
    async def executemany(self, sql: str, rows: Iterable[Params]) -> Written: ...


class Statements:
    """Reads and writes on one connection; the shape shared by the database and a transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query."""
        return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        rows = await self._conn.execute_fetchall(sql, params)
        for row in rows:
            return row
        return None

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row, or None."""
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> Written:
        """Run one write statement; rows it RETURNs come back in ``Written.rows``."""
        cursor = await self._conn.execute(sql, params)
        rows = list(await cursor.fetchall()) if cursor.description else []
        written = Written(cursor.rowcount, cursor.lastrowid, rows)
        await cursor.close()
        return written

    async def executemany(self, sql: str, rows: Iterable[Params]) -> Written:
        """Run one write statement for every parameter row."""
        before = self._conn.total_changes
        cursor = await self._conn.executemany(sql, rows)
        written = Written(self._conn.total_changes - before, cursor.lastrowid)
        await cursor.close()
        return written


class Transaction(Statements):
    """An open ``BEGIN IMMEDIATE`` transaction on the writer; it sees its own writes."""


_current: contextvars.ContextVar[tuple[asyncio.Task[Any] | None, Transaction] | None] = (
    contextvars.ContextVar("forum_bot_transaction", default=None)
)


def _storage_error(error: sqlite3.Error) -> StorageError | None:
    """Translate the errors a user may meet into a clear, translated message."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return StorageError(
            N_(
                "I could not save that: the database is busy. Nothing was changed; "
                "please try again."
            )
        )
    if "disk is full" in text or "disk i/o" in text or "readonly" in text:
        return StorageError(
            N_("I could not save that: the server's storage is failing. Nothing was changed.")
        )
    return None


class Database:
    """Own the bot's SQLite file: one serialised writer connection and one reader connection."""

    def __init__(self, path: Path | str, *, busy_timeout_ms: int = 5000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self.write_observers: list[WriteObserver] = []

    @property
    def is_open(self) -> bool:
        """Tell whether ``open()`` has been awaited and ``close()`` not yet."""
        return self._writer is not None

    async def open(self) -> None:
        """Open the file, set the pragmas, apply pending migrations, open the reader."""
        if self._writer is not None:
            return
        in_memory = self.path == ":memory:"
        if not in_memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        writer = await self._connect()
        try:
            if not in_memory:
                await writer.execute("PRAGMA journal_mode=WAL")
            await _migrate(writer)
            # An in-memory database exists only for its one connection: reads share the writer.
            reader = writer if in_memory else await self._connect(read_only=True)
        except BaseException:
            await writer.close()
            raise
        self._writer, self._reader = writer, reader

    async def _connect(self, *, read_only: bool = False) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            if read_only:
                await conn.execute("PRAGMA query_only=ON")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close both connections; calling it twice is harmless."""
        writer, reader = self._writer, self._reader
        self._writer = self._reader = None
        if reader is not None and reader is not writer:
            await reader.close()
        if writer is not None:
            async with self._write_lock:
                await writer.close()

    def _open_writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise RuntimeError("database is not open")
        return self._writer

    def _own_transaction(self) -> Transaction | None:
        current = _current.get()
        if current is not None and current[0] is asyncio.current_task():
            return current[1]
        return None

    def _read_side(self) -> Statements:
        own = self._own_transaction()
        if own is not None:
            return own
        if self._reader is None:
            raise RuntimeError("database is not open")
        return Statements(self._reader)

    # -- reads ----------------------------------------------------------------------------------

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Return every row of a query, as last committed (or as this task's transaction sees)."""
        return await self._read_side().fetchall(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Return the first row of a query, or None."""
        return await self._read_side().fetchone(sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        """Return the first column of the first row of a query, or None."""
        return await self._read_side().fetchval(sql, params)

    async def exists(self, sql: str, params: Params = ()) -> bool:
        """Tell whether a query finds a row."""
        return await self.fetchone(sql, params) is not None

    # -- writes ---------------------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> Written:
        """Run one write statement, autocommitted, after every write queued before it."""
        own = self._own_transaction()
        if own is not None:
            return await own.execute(sql, params)
        async with self._writing() as statements:
            return await statements.execute(sql, params)

    async def changed_one(self, sql: str, params: Params = ()) -> bool:
        """Run one write statement; tell whether it changed exactly one row (a claim, a guarded
        update: False when another writer got there first or the row was not in that state)."""
        return (await self.execute(sql, params)).rowcount == 1

    async def executemany(self, sql: str, rows: Iterable[Params]) -> Written:
        """Run one write statement for every parameter row, all in one transaction."""
        async with self.transaction() as tx:
            return await tx.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run the block as one ``BEGIN IMMEDIATE`` transaction, rolled back alone on error."""
        own = self._own_transaction()
        if own is not None:  # nested: part of the enclosing transaction
            yield own
            return
        async with self._writing() as statements:
            writer = self._open_writer()
            tx = Transaction(writer)
            await statements.execute("BEGIN IMMEDIATE")
            token = _current.set((asyncio.current_task(), tx))
            try:
                yield tx
            except BaseException:
                _current.reset(token)
                if writer.in_transaction:
                    await writer.execute("ROLLBACK")
                raise
            _current.reset(token)
            try:
                await writer.execute("COMMIT")
            except BaseException:
                if writer.in_transaction:
                    await writer.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[Statements]:
        """Hold the writer for one statement or one transaction; report storage failures."""
        async with self._write_lock:
            started = time.perf_counter()
            try:
                yield Statements(self._open_writer())
            except sqlite3.Error as error:
                translated = _storage_error(error)
                if translated is None:
                    raise
                logger.error("a database write failed: %s", error)
                raise translated from error
            finally:
                held = time.perf_counter() - started
                for observe in self.write_observers:
                    observe(held)

    async def schema_version(self) -> int:
        """Return the applied migration version."""
        return int(await self.fetchval("PRAGMA user_version") or 0)


async def _migrate(conn: aiosqlite.Connection) -> None:
    known = migrations()
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    current = int(row[0]) if row else 0
    newest = known[-1][0] if known else 0
    if current > newest:
        raise DatabaseTooNewError(
            f"the database is at schema version {current}, but this version of forum-bot "
            f"knows only up to {newest}; upgrade forum-bot or use another database file"
        )
    for version, name, sql in known:
        if version <= current:
            continue
        logger.info("applying migration %s", name)
        # executescript commits any open transaction first, so the script carries its own.
        script = f"BEGIN IMMEDIATE;\n{sql}\n;PRAGMA user_version = {version};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
