"""Memory of the per-sender maps outside the participants cache, under many distinct senders.

Feeds ``--senders`` distinct senders (one message each, a few milliseconds apart, as a busy
group in a burst) through the update flood guard, moderation's flood detector and its record
of channel identities, then lets a minute pass and one more message arrive. Prints, for each,
the entries held and the memory they take (tracemalloc), after the burst and a minute later.

    .venv/bin/python bench/caches_bench.py [--senders 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.floodguard import FloodGuard  # noqa: E402
from bot.moderation.model import Person  # noqa: E402
from bot.moderation.service import Moderation  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.moderation import ModerationStore  # noqa: E402

CHAT = -1001000000001


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Memory:
    """Bytes allocated since the baseline (tracemalloc runs for the whole bench)."""

    def __init__(self) -> None:
        tracemalloc.start()
        self.baseline = tracemalloc.get_traced_memory()[0]

    def held(self) -> int:
        """Return the bytes allocated now beyond the baseline."""
        return tracemalloc.get_traced_memory()[0] - self.baseline

    def reset(self) -> None:
        """Measure from here on."""
        self.baseline = tracemalloc.get_traced_memory()[0]


def line(name: str, entries: int, size: int) -> None:
    print(f"  {name:<46} {entries:>7} entries  {size / 1024:>9.1f} KiB")


async def main(senders: int) -> None:
    clock = Clock()
    print(f"{senders} distinct senders, one message each, 5 ms apart; then a minute passes")
    memory = Memory()
    guard = FloodGuard(clock)
    for user in range(senders):
        guard.check(user)
        clock.now += timedelta(milliseconds=5)
    line("update flood guard, after the burst", guard.held[0], memory.held())
    clock.now += timedelta(minutes=1)
    guard.check(-1)
    line("update flood guard, a minute later", guard.held[0], memory.held())

    with TemporaryDirectory() as folder:
        db = Database(Path(folder) / "bench.sqlite3")
        await db.open()
        settings = {"newcomer_no_links_hours": 24}
        config = Config(event={"name": "Bench"}, chats={"community": CHAT}, moderation=settings)
        moderation = Moderation(ModerationStore(db), config, clock)
        memory.reset()
        for user in range(senders):
            moderation.is_flooding(CHAT, user)
            clock.now += timedelta(milliseconds=5)
        line("moderation flood detector, after the burst", len(moderation.flood), memory.held())
        clock.now += timedelta(minutes=1)
        moderation.is_flooding(CHAT, -1)
        line("moderation flood detector, a minute later", len(moderation.flood), memory.held())
        memory.reset()
        for channel in range(senders):
            await moderation.note_channel(CHAT, Person(-(10**12) - channel, "Channel"))
        line("channel identities seen (LRU)", moderation.channels_remembered, memory.held())
        await db.close()
    tracemalloc.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().senders))
