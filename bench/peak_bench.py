"""The opening minute, against the fake Bot API enforcing Telegram's limits, in real time.

    .venv/bin/python -m bench.peak_bench [--participants 1000] [--reminders 500] [--seconds 60]

1,000 participants; an announcement to all of them and 500 reminders due at once (the opening
plenary starts in ten minutes); 12 members send ``/rules@bot`` in the community group at once;
one participant sends 20 messages in 2 s; 100 other participants ask schedule questions spread
over the minute. The bot is the real Application, polling the fake as in production; the fake
runs on its own event loop in a thread (``bench.reminders_bench.FakeInThread``) with flood
control on: 30 a second, 1 a second per chat with a burst of 3, 20 a minute per group.

Prints the interactive reply latency (an update's arrival at the fake to the bot's first
message in that chat after it: p50, p95, p99, max) for the 100 questions and the 12 /rules
(the flooder is shown apart: their own chat's budget paces them), the bulk delivery rate as a
share of the capacity the interactive traffic left, whether every message was delivered
exactly once, and the 429s. Floors: interactive p99 <= 1 s and max <= 2 s; bulk >= 90 % of the
capacity left; no 429; nothing lost. Exits 1 below a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from telegram import Update

from bench.reminders_bench import FakeInThread
from bench.support import in_scratch_folder
from bot.announcements.service import Content, Kind
from bot.app import build_application, runtime_of
from bot.config import (
    ChatsConfig,
    Config,
    EventConfig,
    RolesConfig,
    StorageConfig,
    TelegramConfig,
)
from storage.database import Database
from storage.reminders import ReminderStore
from storage.schedule import ScheduleStore
from tests.fakeapi import TEST_TOKEN, SimChat, SimUser
from tests.fakeapi.world import Member
from tests.reminders_support import LATER, OPENING, WORKSHOP, programme

RATE = 29.0
QUESTIONS = ["/next", "/now", "/today", "where is the opening?", "/schedule"]
ANNOUNCEMENT = "Welcome to Bonn! The opening plenary starts in ten minutes in the Plenary Hall."


class RunningClock:
    """The bot's clock: ten minutes before the opening plenary when the minute begins."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


async def prepare(database: Path, participants: list[SimUser], subscribed: int) -> None:
    """Store the programme, the participants and the reminders due at the opening."""
    db = Database(database)
    await db.open()
    try:
        now = OPENING.start - timedelta(minutes=10)
        await ScheduleStore(db).replace_programme(programme(OPENING, WORKSHOP, LATER), now)
        await db.executemany(
            "INSERT INTO participants (user_id, first_name, telegram_language, first_seen, "
            "last_seen) VALUES (?, ?, 'en', ?, ?)",
            [(p.id, p.first_name, now.isoformat(), now.isoformat()) for p in participants],
        )
        await ReminderStore(db).subscribe_many(
            [(p.id, OPENING.guid, now) for p in participants[:subscribed]], "chosen"
        )
    finally:
        await db.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Play the minute and return what the fake saw."""
    server = FakeInThread()
    fake = server.fake

    def on_fake(call: Any) -> Any:
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call, server.loop))

    organiser = fake.add_user("Olga")
    organiser.started = True
    people = [fake.add_user(f"P{i}") for i in range(args.participants)]
    for person in people:
        person.started = True
    group: SimChat = fake.add_group("Community")
    members = [fake.add_user(f"Member {i}") for i in range(12)]
    for member in members:
        group.members[member.id] = Member("member")
    flooder, askers = people[-1], people[-101:-1]
    database = folder / "peak.sqlite3"
    await prepare(database, people, args.reminders)
    config = Config(
        telegram=TelegramConfig(
            api_base_url=fake.base_url,
            set_commands=False,
            messages_per_second=RATE,
            poll_timeout_seconds=1,
        ),
        event=EventConfig(name="Bench forum"),
        roles=RolesConfig(organisers=[organiser.id]),
        chats=ChatsConfig(community=group.id),
        storage=StorageConfig(database=database),
    )
    clock = RunningClock(OPENING.start - timedelta(minutes=10))
    app = build_application(config, TEST_TOKEN, clock=clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    runtime = runtime_of(app)
    asked: list[tuple[str, int, float]] = []  # (who, chat, when the update reached the fake)

    async def say(who: str, user: SimUser, text: str, chat: SimChat | None = None) -> None:
        at = time.time()
        await on_fake(user.send(text, chat=chat))
        asked.append((who, chat.id if chat else user.id, at))

    began = time.time()
    service = runtime.announcements
    draft = await service.create_draft(organiser.id, Content(Kind.TEXT, ANNOUNCEMENT, 80))
    await service.confirm(organiser.id, draft.id)
    dispatch = asyncio.ensure_future(runtime.reminder_dispatch.run())

    async def group_burst() -> None:
        await asyncio.sleep(1.0)
        await asyncio.gather(
            *(say("rules", m, f"/rules@{fake.bot_username}", group) for m in members)
        )

    async def flood() -> None:
        await asyncio.sleep(2.0)
        for i in range(20):
            await say("flooder", flooder, f"where is room {i}?")
            await asyncio.sleep(0.1)

    async def questions() -> None:
        gap = args.seconds / len(askers)
        for i, person in enumerate(askers):
            await asyncio.sleep(max(0.0, began + i * gap - time.time()))
            await say("question", person, QUESTIONS[i % len(QUESTIONS)])

    await asyncio.gather(group_burst(), flood(), questions())
    await runtime.broadcast.wait(draft.id)
    await dispatch
    deadline = time.time() + 30
    while time.time() < deadline and not answered_all(fake.calls, asked):  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # the fake runs in another thread: nothing to wait on here
    ended = time.time()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
    calls = list(fake.calls)
    flood_errors = fake.flood_errors
    server.stop()
    return {
        "calls": calls,
        "asked": asked,
        "began": began,
        "ended": ended,
        "people": people,
        "subscribed": {p.id for p in people[: args.reminders]},
        "flood_errors": flood_errors,
        "organiser": organiser.id,
        "group": group.id,
    }


def sends(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.method == "sendMessage" and c.status == 200]


def answered_all(calls: list[Any], asked: list[tuple[str, int, float]]) -> bool:
    return all(first_reply(calls, chat, at) is not None for _, chat, at in asked)


def first_reply(calls: list[Any], chat: int, after: float) -> float | None:
    for call in calls:
        if call.at < after or call.status != 200 or call.params.get("chat_id") != chat:
            continue
        if call.method in ("sendMessage", "sendDocument", "editMessageText"):
            return float(call.at)
    return None


def report(figures: dict[str, Any]) -> bool:
    """Print the figures; return whether every floor holds."""
    calls, asked = figures["calls"], figures["asked"]
    latency: dict[str, list[float]] = {"question": [], "rules": [], "flooder": []}
    for who, chat, at in asked:
        reply = first_reply(calls, chat, at)
        latency[who].append(float("inf") if reply is None else reply - at)
    interactive = latency["question"] + latency["rules"]
    sent = sends(calls)
    subscribed = figures["subscribed"]
    announcements = [c for c in sent if c.params["text"] == ANNOUNCEMENT]
    # The subscribers get nothing but the announcement and their reminder.
    reminders = [
        c for c in sent if c.params["chat_id"] in subscribed and c.params["text"] != ANNOUNCEMENT
    ]
    announced = Counter(c.params["chat_id"] for c in announcements)
    reminded = Counter(c.params["chat_id"] for c in reminders)
    recipients = [p.id for p in figures["people"]]
    lost = sum(1 for r in recipients if announced[r] == 0)
    lost += sum(1 for r in subscribed if reminded[r] == 0)
    twice = sum(1 for n in [*announced.values(), *reminded.values()] if n > 1)
    bulk = announcements + reminders
    first, last = min(c.at for c in bulk), max(c.at for c in bulk)
    window = [c for c in sent if first <= c.at <= last]
    others = len(window) - len(bulk)
    capacity = RATE * (last - first) + 1 - others
    share = len(bulk) / capacity if capacity > 0 else 0.0

    def line(name: str, values: list[float]) -> str:
        if not values:
            return f"{name:22} -"
        return (
            f"{name:22} n={len(values):3}  p50 {percentile(values, 0.5) * 1000:6.0f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:6.0f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.0f} ms  max {max(values) * 1000:6.0f} ms"
        )

    print(f"minute played in {figures['ended'] - figures['began']:.1f} s (real time)")
    print("reply latency, update to the bot's first reply:")
    print("  " + line("interactive (all)", interactive))
    print("  " + line("schedule questions", latency["question"]))
    print("  " + line("/rules@bot in group", latency["rules"]))
    print("  " + line("flooder (own pace)", latency["flooder"]))
    print(
        f"bulk: {len(bulk)} sends in {last - first:.1f} s = {len(bulk) / (last - first):.1f}/s; "
        f"capacity left by {others} other sends at {RATE:.0f}/s: {capacity:.0f} "
        f"-> {100 * share:.1f} % used"
    )
    print(
        f"announcement: {sum(announced.values())} sends to {len(announced)} of "
        f"{len(recipients)} participants; reminders: {sum(reminded.values())} to "
        f"{len(reminded)} of {len(figures['subscribed'])}"
    )
    print(f"lost: {lost}, delivered twice: {twice}, 429 answers: {figures['flood_errors']}")
    for call in (c for c in calls if c.status == 429):
        chat = call.params.get("chat_id")
        kind = (
            "group"
            if chat == figures["group"]
            else "organiser"
            if chat == figures["organiser"]
            else "private"
        )
        print(f"  429: {call.method} to a {kind} chat at +{call.at - figures['began']:.1f} s")
    p99, worst = percentile(interactive, 0.99), max(interactive)
    ok = p99 <= 1.0 and worst <= 2.0 and share >= 0.9
    ok = ok and figures["flood_errors"] == 0 and lost == 0 and twice == 0
    verdict = "met" if ok else "NOT met"
    print(f"floors (p99 <= 1 s, max <= 2 s, bulk >= 90 %, no 429, none lost): {verdict}")
    return ok


def main() -> int:
    """Parse the arguments, play the minute, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--reminders", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if args.participants < args.reminders + 101:
        # The subscribers are the first participants, the 101 who ask (and the flooder) the
        # last: a subscriber's answers would otherwise count as a second reminder.
        parser.error("--participants must be at least --reminders + 101")
    logging.disable(logging.WARNING)
    figures = in_scratch_folder(partial(run, args))
    return 0 if report(figures) else 1


if __name__ == "__main__":
    sys.exit(main())
