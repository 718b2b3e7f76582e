"""Benchmark: feedback prompts for 2,000 participants and 30 sessions ending over a day.

    python -m bench.feedback_bench [--participants 2000] [--sessions 30] [--agenda 8]

The forum's day runs on the bot's injected clock, five minutes a step from 08:00 in Bonn to
noon the next day; each step runs the feedback dispatch once, as the periodic job would. The
sends are real: paced by the application's rate limiter against the in-process fake with
Telegram's limits on (30 messages/s, 1/s per chat), so the wall time of each step is the time
the limits leave.
Each participant has ``--agenda`` sessions in their agenda, some of them ending together.

Prints: prompts planned, prompt messages sent (several sessions ending within the hour become
one message), the smallest gap between two prompt messages to one person (floor: 60 minutes
of the forum's time), prompts sent in quiet hours (floor 0), prompts lost (floor 0), the
delivery rate while sending (against Telegram's 30/s), and the 429 answers (floor 0).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.support import in_scratch_folder
from bot.app import build_application, runtime_of
from bot.config import (
    Config,
    EventConfig,
    FeedbackConfig,
    StorageConfig,
    SurveyConfig,
    TelegramConfig,
)
from bot.feedback.service import is_quiet
from tests.fakeapi import TEST_TOKEN, FakeTelegram

BONN = ZoneInfo("Europe/Berlin")
DAY = datetime(2027, 3, 16, tzinfo=BONN)
STEP = timedelta(minutes=5)
TELEGRAM_LIMIT = 30.0


class Clock:
    """The forum's time, moved by the benchmark."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def programme(sessions: int) -> str:
    """Return a TOML programme: ``sessions`` sessions in three rooms between 09:00 and 19:00."""
    lines = ['[programme]\nname = "Bench forum"\nversion = "1"\n']
    rooms = ("Rhein", "Sieg", "Ahr")
    for number in range(sessions):
        slot, room = divmod(number, len(rooms))
        start = DAY.replace(hour=9) + timedelta(minutes=60 * slot)
        # Parallel sessions of a slot end together, some 15 minutes apart.
        length = 45 + 15 * (number % 2)
        lines.append(
            f"[[session]]\nid = {number + 1}\ndate = {start.date().isoformat()}\n"
            f'start = "{start:%H:%M}"\nduration = {length}\ntitle = "Session {number + 1}"\n'
            f'room = "{rooms[room]}"\ntype = "workshop"\n'
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace, folder: Path) -> dict[str, float]:
    """Play the day; return the figures."""
    rng = random.Random(3)
    fake = FakeTelegram(flood_control=True)
    await fake.start()
    schedule = folder / "programme.toml"
    schedule.write_text(programme(args.sessions), encoding="utf-8")
    clock = Clock(DAY.replace(hour=8).astimezone(UTC))
    config = Config(
        telegram=TelegramConfig(api_base_url=fake.base_url, set_commands=False),
        event=EventConfig(name="Bench", schedule=schedule),
        storage=StorageConfig(database=folder / "bench.sqlite3"),
        feedback=FeedbackConfig(dispatch_batch=500),
        survey=SurveyConfig(enabled=False),
    )
    app = build_application(config, TEST_TOKEN, clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    runtime = runtime_of(app)
    zones = [None, None, "America/Sao_Paulo", "Africa/Nairobi", "America/Mexico_City"]
    people = []
    for i in range(args.participants):
        user = fake.add_user(f"P{i}", language_code=("en", "de", "es", "fr", "pt")[i % 5])
        user.started = True
        people.append((user.id, user.first_name, user.language_code, zones[i % len(zones)]))
    seen = clock.now.isoformat()
    await runtime.db.executemany(
        "INSERT INTO participants (user_id, first_name, telegram_language, timezone, first_seen,"
        " last_seen) VALUES (?, ?, ?, ?, ?, ?)",
        [(*person, seen, seen) for person in people],
    )
    live = runtime.schedule.programme
    guids = [s.guid for s in live.sessions] if live else []
    await runtime.db.executemany(
        "INSERT INTO reminders (user_id, session_guid, fire_at, state) VALUES (?, ?, 0, 'sent')",
        [
            (person[0], guid)
            for person in people
            for guid in rng.sample(guids, min(args.agenda, len(guids)))
        ],
    )
    planned = 0
    sending_seconds = 0.0
    cpu0 = time.process_time()
    # Until noon the next day: prompts held by someone's quiet hours go out in their morning.
    end = (DAY + timedelta(days=1)).replace(hour=12).astimezone(UTC)
    while clock.now <= end:
        started = time.monotonic()
        report = await runtime.feedback_dispatch.run()
        if report is not None:
            planned += report.planned
            if report.prompts:
                sending_seconds += time.monotonic() - started
        clock.now += STEP
    cpu = time.process_time() - cpu0
    rows = await runtime.db.fetchall(
        "SELECT f.user_id, f.sent_at, p.timezone FROM feedback_prompts AS f"
        " JOIN participants AS p ON p.user_id = f.user_id"
        " WHERE f.state = 'sent' GROUP BY f.user_id, f.sent_at ORDER BY f.user_id, f.sent_at"
    )
    messages = len(rows)
    smallest_gap = float("inf")
    in_quiet = 0
    feedback = config.feedback
    for index, row in enumerate(rows):
        zone = ZoneInfo(row["timezone"] or config.event.timezone)
        hour = datetime.fromtimestamp(row["sent_at"], UTC).astimezone(zone).hour
        in_quiet += is_quiet(hour, feedback.quiet_start_hour, feedback.quiet_end_hour)
        if index and rows[index - 1]["user_id"] == row["user_id"]:
            smallest_gap = min(smallest_gap, (row["sent_at"] - rows[index - 1]["sent_at"]) / 60)
    states = {
        row[0]: row[1]
        for row in await runtime.db.fetchall(
            "SELECT state, COUNT(*) FROM feedback_prompts GROUP BY state"
        )
    }
    sends = sorted(c.at for c in fake.calls_to("sendMessage") if c.status == 200)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)
    await fake.stop()
    return {
        "planned": float(planned),
        "sent_prompts": float(states.get("sent", 0)),
        "pending": float(states.get("pending", 0) + states.get("sending", 0)),
        "skipped": float(states.get("skipped", 0)),
        "messages": float(messages),
        "smallest_gap_minutes": smallest_gap,
        "in_quiet_hours": float(in_quiet),
        "rate": messages / sending_seconds if sending_seconds else 0.0,
        "sending_seconds": sending_seconds,
        "http_429": float(fake.flood_errors),
        "delivered": float(len(sends)),
        "cpu_ms_per_message": cpu * 1000 / max(1, messages),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    """Parse arguments, run, print the figures; exit 1 when a floor is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--agenda", type=int, default=8)
    args = parser.parse_args()
    f = in_scratch_folder(partial(run, args))
    print(f"prompts planned        {f['planned']:.0f}")
    print(f"prompts sent           {f['sent_prompts']:.0f} in {f['messages']:.0f} messages")
    print(f"prompts left pending   {f['pending']:.0f} (after the day; floor 0)")
    print(f"prompts skipped        {f['skipped']:.0f} (blocked or rated meanwhile)")
    gap = f["smallest_gap_minutes"]
    print(f"smallest gap           {gap:.0f} min between two prompts to one person (floor 60)")
    print(f"sent in quiet hours    {f['in_quiet_hours']:.0f} (floor 0)")
    print(
        f"delivery rate          {f['rate']:.1f} msg/s while sending "
        f"({f['sending_seconds']:.0f} s; Telegram allows {TELEGRAM_LIMIT:.0f})"
    )
    print(f"429 answers            {f['http_429']:.0f}")
    print(f"CPU per message        {f['cpu_ms_per_message']:.2f} ms (bot + in-process fake)")
    print(f"peak RSS               {f['peak_rss_mib']:.1f} MiB")
    ok = (
        f["pending"] == 0
        and f["smallest_gap_minutes"] >= 60
        and f["in_quiet_hours"] == 0
        and f["http_429"] == 0
        and f["delivered"] == f["messages"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
