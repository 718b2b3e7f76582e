"""Benchmark: /stats over 20,000 participants, 200,000 reminders and 2,000 introductions.

    .venv/bin/python -m bench.stats_bench [--participants 20000] [--reminders 200000]
                                          [--intros 2000] [--runs 15]

Fills a temporary SQLite database through the real migrations (a 3-day programme of 240
sessions, profiles, subscriptions, 10 announcements to everyone with their outboxes, moderation
and 60 days of group activity), then times what /stats does: each query of
``storage.insight`` (every figure is computed by one of them), the sections rendered, every
chart drawn, and, for information, the exports and the PDF report. Floors: every figure's
query p50 <= 200 ms, all charts together <= 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import scratch_database
from bot.config import Config
from bot.i18n import translator
from bot.insight.charts import render_png
from bot.insight.service import ExportFormat, ExportKind, InsightService, zone_shifts
from bot.regions import REGIONS
from bot.schedule.importers import derive_guid
from bot.schedule.model import Programme, Session
from storage.database import Database
from storage.insight import InsightStore
from storage.schedule import ScheduleStore

NOW = datetime(2027, 3, 17, 12, 0, tzinfo=UTC)
COMMUNITY = -100123
FIGURE_FLOOR_MS = 200.0
CHARTS_FLOOR_MS = 2000.0
ZONES = [
    None,
    "Europe/Berlin",
    "Africa/Lagos",
    "Africa/Nairobi",
    "America/Sao_Paulo",
    "America/Bogota",
    "Europe/Lisbon",
    "Africa/Dakar",
    "America/Mexico_City",
]
LANGUAGES = ["en", "de", "es", "fr", "pt", None]


def _programme(rng: random.Random) -> Programme:
    sessions = []
    rooms = {"Plenary Hall": 400, "Room Rhein": 60, "Room Sieg": 40, "Room Ahr": 30}
    number = 0
    for day in (date(2027, 3, 16), date(2027, 3, 17), date(2027, 3, 18)):
        for slot in range(20):
            for room in rooms:
                number += 1
                start = datetime(day.year, day.month, day.day, 7, tzinfo=UTC) + timedelta(
                    minutes=30 * slot
                )
                sessions.append(
                    Session(
                        guid=derive_guid(str(number)),
                        id=str(number),
                        title=f"Session {number}: sustainable procurement in practice",
                        start=start,
                        end=start + timedelta(minutes=30),
                        room=room,
                        day=day,
                        type=rng.choice(["workshop", "plenary", "exchange", "break"]),
                        capacity=rooms[room],
                    )
                )
    return Programme.build(name="Bench", timezone="Europe/Berlin", version="1", sessions=sessions)


async def _populate(db: Database, args: argparse.Namespace, rng: random.Random) -> None:
    programme = _programme(rng)
    await ScheduleStore(db).replace_programme(programme, NOW)
    people = list(range(1, args.participants + 1))
    await db.executemany(
        "INSERT INTO participants (user_id, first_name, telegram_language, language, timezone, "
        "first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                uid,
                f"P{uid}",
                rng.choice(["en", "de-AT", "pt-br", "fr", "it"]),
                rng.choice(LANGUAGES),
                rng.choice(ZONES),
                (NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 60))).isoformat(),
                (NOW - timedelta(minutes=rng.randint(0, 60 * 24 * 3))).isoformat(),
            )
            for uid in people
        ],
    )
    with_profile = people[: len(people) * 2 // 5]
    await db.executemany(
        "INSERT INTO profiles (user_id, display_name, country, region, listed, accepts_intros, "
        "topics, languages, created_at, updated_at) VALUES (?, ?, 'DE', ?, ?, 1, ',a,', ',en,', "
        "?, ?)",
        [
            (
                uid,
                f"Person {uid}",
                rng.choice(REGIONS),
                int(rng.random() < 0.7),
                NOW.isoformat(),
                NOW.isoformat(),
            )
            for uid in with_profile
        ],
    )
    guids = [s.guid for s in programme.sessions]
    per_person = max(args.reminders // len(people), 1)
    await db.executemany(
        "INSERT INTO reminders (user_id, session_guid, fire_at, state, origin) "
        "VALUES (?, ?, 0, ?, ?)",
        [
            (
                uid,
                guid,
                rng.choice(["sent", "pending", "skipped"]),
                "plenary" if rng.random() < 0.1 else "chosen",
            )
            for uid in people
            for guid in rng.sample(guids, per_person)
        ],
    )
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < args.intros:
        a, b = rng.sample(with_profile, 2)
        pairs.add((a, b))
    await db.executemany(
        "INSERT INTO intro_requests (requester_id, target_id, note, status, created_at) "
        "VALUES (?, ?, 'hi', ?, ?)",
        [
            (a, b, rng.choice(["accepted", "declined", "pending", "blocked"]), NOW.isoformat())
            for a, b in pairs
        ],
    )
    for number in range(1, 11):
        await db.execute(
            "INSERT INTO announcements (id, author_id, status, created_at, finished_at) "
            "VALUES (?, 1, 'done', ?, ?)",
            (number, NOW.isoformat(), NOW.isoformat()),
        )
        await db.executemany(
            "INSERT INTO announcement_outbox (announcement_id, chat_id, language, status) "
            "VALUES (?, ?, 'en', ?)",
            [
                (number, uid, rng.choices(["sent", "blocked", "failed"], [95, 4, 1])[0])
                for uid in people
            ],
        )
    await db.executemany(
        "INSERT INTO mod_log (chat_id, action, created_at) VALUES (?, ?, ?)",
        [
            (COMMUNITY, rng.choice(["warn", "mute", "flood_mute", "ban", "kick"]), NOW.isoformat())
            for _ in range(500)
        ],
    )
    start = int((NOW - timedelta(days=60)).timestamp()) // 3600 * 3600
    await db.executemany(
        "INSERT INTO group_activity (chat_id, hour, messages) VALUES (?, ?, ?)",
        [(COMMUNITY, start + 3600 * h, rng.randint(0, 40)) for h in range(60 * 24)],
    )
    await db.execute("ANALYZE")


async def _time(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


async def main() -> None:
    """Fill the database, time every figure and chart, print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--reminders", type=int, default=200_000)
    parser.add_argument("--intros", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(15)
    async with scratch_database() as db:
        started = time.perf_counter()
        await _populate(db, args, rng)
        counts = {
            table: await db.fetchval(f"SELECT COUNT(*) FROM {table}")
            for table in ("participants", "reminders", "intro_requests", "announcement_outbox")
        }
        print(f"filled in {time.perf_counter() - started:.1f} s: {counts}")
        config = Config(event={"name": "Bench"}, chats={"community": COMMUNITY})
        service = InsightService(
            InsightStore(db, config.event.default_language), config, lambda: NOW
        )
        store = service.store
        shifts = zone_shifts(service._zone, NOW)
        since = NOW - timedelta(hours=24)
        queries: dict[str, Callable[[], Awaitable[Any]]] = {
            "participants (total, active, per day, language, region, zone)": lambda: (
                store.participants(since, shifts)
            ),
            "programme (subscriptions per session, reminders)": store.programme,
            "reach (announcements' deliveries)": store.reach,
            "network (profiles, introductions, region pairs)": store.network,
            "group (messages per day, verified, moderation)": lambda: store.group(
                COMMUNITY, shifts
            ),
            "export: introductions by regions": store.introductions_by_regions,
            "export: directory": store.listed_profiles,
        }
        print(f"\nqueries, {args.runs} runs each (floor: p50 <= {FIGURE_FLOOR_MS:.0f} ms)")
        worst = 0.0
        for name, call in queries.items():
            p50, top = await _time(args.runs, call)
            worst = max(worst, p50)
            print(f"  {name:<64} p50 {p50:7.1f} ms   max {top:7.1f} ms")
        tr = translator("en")
        p50, top = await _time(args.runs, lambda: service.sections(None, tr))
        print(
            f"  {'all five sections (queries + texts)':<64} p50 {p50:7.1f} ms   max {top:7.1f} ms"
        )
        sections = await service.sections(None, tr)
        charts = [chart for section in sections for chart in section.charts]
        render_png(charts[0])  # matplotlib's first import and font cache are set-up, not /stats
        print(f"\ncharts (floor: all {len(charts)} <= {CHARTS_FLOOR_MS:.0f} ms)")
        total = 0.0
        sizes = []
        for chart in charts:
            started = time.perf_counter()
            png = render_png(chart)
            elapsed = (time.perf_counter() - started) * 1000
            total += elapsed
            sizes.append(len(png))
            print(f"  {chart.key:<20} {elapsed:7.1f} ms  {len(png) / 1024:6.1f} kB")
        print(f"  {'all charts':<20} {total:7.1f} ms  {sum(sizes) / 1024:6.1f} kB")
        started = time.perf_counter()
        report = await service.report(None, tr)
        report_ms = (time.perf_counter() - started) * 1000
        print(f"\nPDF report: {report_ms:.0f} ms, {len(report.data) / 1024:.0f} kB")
        for kind in ExportKind:
            started = time.perf_counter()
            document = await service.export(None, kind, ExportFormat.XLSX, tr)
            print(
                f"export {kind.value:<14} xlsx: {(time.perf_counter() - started) * 1000:6.0f} ms"
                f", {len(document.data) / 1024:.0f} kB"
            )
    verdict = "OK" if worst <= FIGURE_FLOOR_MS and total <= CHARTS_FLOOR_MS else "OVER THE FLOOR"
    print(f"\nslowest figure p50 {worst:.1f} ms, charts {total:.0f} ms: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
