"""What the benchmarks share: a scratch folder or database, and the percentile of timings."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from storage.database import Database

T = TypeVar("T")


def in_scratch_folder(run: Callable[[Path], Awaitable[T]]) -> T:
    """Run a benchmark in a temporary folder (its database, its config), deleted afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(run(Path(folder)))


@contextlib.asynccontextmanager
async def scratch_database() -> AsyncIterator[Database]:
    """Open a migrated database in a temporary folder; close it and delete it afterwards."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        await db.open()
        try:
            yield db
        finally:
            await db.close()


def percentile(values: Sequence[float], share: float) -> float:
    """Return the value below which ``share`` (0 to 1) of ``values`` lie, by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
