"""Benchmark: one announcement to N recipients against the fake enforcing 30 messages/s.

    python -m bench.announce_bench [--recipients 10000] [--rate 29]

Runs in real time (the pace is the point): 10,000 recipients take about six minutes at 29/s.
Prints the achieved rate (floor: 95 % of Telegram's 30/s), the 429s the fake answered, CPU
time per message and peak RSS. The fake runs in the same process, so the CPU figure includes
the fake's own work and is an upper bound for the bot's.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from bench.support import in_scratch_folder
from bot.announcements.model import Content, Kind
from bot.app import build_application, runtime_of
from bot.config import Config, EventConfig, RolesConfig, StorageConfig, TelegramConfig
from tests.fakeapi import TEST_TOKEN, FakeTelegram

TELEGRAM_LIMIT = 30.0


async def run(recipients: int, rate: float, folder: Path) -> dict[str, float]:
    """Send one announcement to ``recipients`` people; return the figures."""
    fake = FakeTelegram(flood_control=True)
    await fake.start()
    organiser = fake.add_user("Olga")
    organiser.started = True
    config = Config(
        telegram=TelegramConfig(
            api_base_url=fake.base_url, set_commands=False, messages_per_second=rate
        ),
        event=EventConfig(name="Bench"),
        roles=RolesConfig(organisers=[organiser.id]),
        storage=StorageConfig(database=folder / "bench.sqlite3"),
    )
    app = build_application(config, TEST_TOKEN)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    runtime = runtime_of(app)
    now = datetime.now(UTC).isoformat()
    rows = []
    for i in range(recipients):
        user = fake.add_user(f"P{i}", language_code=("en", "de", "fr", "es", "pt")[i % 5])
        user.started = True
        rows.append((user.id, user.first_name, user.language_code, now, now))
    await runtime.db.executemany(
        "INSERT INTO participants (user_id, first_name, telegram_language, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    service = runtime.announcements
    draft = await service.create_draft(
        organiser.id, Content(Kind.TEXT, "<b>Room change</b>: hall B", 20)
    )
    cpu0, wall0 = time.process_time(), time.monotonic()
    await service.confirm(organiser.id, draft.id)  # the service starts sending
    await runtime.broadcast.wait(draft.id)
    wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
    figures = await runtime.announcements.store.figures(draft.id)
    sends = [c for c in fake.calls_to("sendMessage") if c.status == 200]
    times = sorted(c.at for c in sends if c.params.get("chat_id") != str(organiser.id))
    span = times[-1] - times[0] if len(times) > 1 else wall
    buckets: dict[int, int] = {}
    for at in times:
        buckets[int((at - times[0]) // 5)] = buckets.get(int((at - times[0]) // 5), 0) + 1
    print("sends per 5 s:", [buckets.get(i, 0) for i in range(max(buckets, default=0) + 1)])
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await fake.stop()
    return {
        "recipients": recipients,
        "delivered": figures.sent,
        "wall_seconds": wall,
        "rate": (len(times) - 1) / span if span else 0.0,
        "rate_end_to_end": figures.sent / wall,
        "http_429": fake.flood_errors,
        "cpu_ms_per_message": cpu * 1000 / max(1, recipients),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    """Parse arguments, run, print the figures; exit 1 below the floor or on any 429."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=29.0, help="telegram.messages_per_second")
    args = parser.parse_args()
    figures = in_scratch_folder(partial(run, args.recipients, args.rate))
    floor = 0.95 * TELEGRAM_LIMIT
    print(f"recipients            {figures['recipients']:.0f}")
    print(f"delivered             {figures['delivered']:.0f}")
    print(f"wall time             {figures['wall_seconds']:.1f} s")
    print(f"achieved rate         {figures['rate']:.2f} msg/s (floor {floor:.1f})")
    print(f"end-to-end rate       {figures['rate_end_to_end']:.2f} msg/s (incl. start and report)")
    print(f"429 answers           {figures['http_429']:.0f}")
    print(f"CPU per message       {figures['cpu_ms_per_message']:.2f} ms (bot + in-process fake)")
    print(f"peak RSS              {figures['peak_rss_mib']:.1f} MiB")
    ok = figures["rate"] >= floor and figures["http_429"] == 0
    ok = ok and figures["delivered"] == figures["recipients"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
