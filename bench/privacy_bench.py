"""Benchmark: the participants cache stays bounded, however many people write.

    .venv/bin/python -m bench.privacy_bench [--senders 20000] [--participants 2000]

Records ``--participants`` private starters and then ``--senders`` distinct group senders
(who are not stored) through the real repository on a temporary SQLite file, as the update
middleware does, and prints how many entries the cache holds, the memory they take (the
mapping plus each cached row and the values it holds, by ``sys.getsizeof``), and the time per
recorded update.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.participants.model import UserSeen
from storage.database import Database
from storage.participants import CACHE_SIZE, Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


def _seen(user_id: int) -> UserSeen:
    return UserSeen(user_id, f"Person {user_id}", "Example", f"user{user_id}", "en")


def _cache_size(people: Participants) -> int:
    """Return the bytes the cache holds: the mapping, its keys, rows and their values."""
    cache = people._cache  # the figure is about this very structure
    total = sys.getsizeof(cache)
    for user_id, row in cache.items():
        total += sys.getsizeof(user_id) + sys.getsizeof(row)
        if row is not None:
            total += sum(sys.getsizeof(getattr(row, name)) for name in row.__slots__)
    return total


async def run(senders: int, starters: int) -> None:
    """Fill the cache through the repository and print its figures."""
    with tempfile.TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        await db.open()
        people = Participants(db)
        started = time.perf_counter()
        for user_id in range(1, starters + 1):
            await people.record_seen(_seen(user_id), NOW)
        for offset in range(senders):
            user_id = 1_000_000 + offset
            await people.refresh_seen(_seen(user_id), NOW + timedelta(seconds=offset))
        elapsed = time.perf_counter() - started
        grown = _cache_size(people)
        await db.close()
    updates = starters + senders
    print(f"updates recorded:        {updates} ({starters} starters, {senders} group senders)")
    print(f"cache entries:           {people.cached} (bound {CACHE_SIZE})")
    per_entry = grown / max(people.cached, 1)
    print(f"cache memory:            {grown / 1024:.0f} KiB ({per_entry:.0f} B/entry)")
    print(f"time per update:         {elapsed / updates * 1e6:.0f} µs (each one a database write)")


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--senders", type=int, default=20_000)
    parser.add_argument("--participants", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(run(args.senders, args.participants))


if __name__ == "__main__":
    main()
