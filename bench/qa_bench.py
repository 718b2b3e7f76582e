"""Benchmark: one session's questions at peak, against the fake with Telegram's limits on.

    python -m bench.qa_bench [--participants 500] [--questions 100] [--votes 5000] [--seconds 60]

500 participants of one running session send 100 questions (``/ask``, then "anonymously" or
"with my name") and 5,000 "+1" presses within 60 s, each voter pressing at most about once a
second as a thumb would; an organiser watches the live host view. Runs in real time against
the fake with flood control on (30 messages/s, 1/s per chat with a burst of 3). The bot runs
in its own process (``--bot CONFIG``), as in production, so its CPU is not shared with the fake
and the simulated users, which run in this one.

Prints: press latency (update injected to the bot's answerCallbackQuery: p50, p95, p99, max;
floor p99 <= 1 s), how long after the last vote the host view showed the final ranking (floor
3 s), host-view edits made, edits the fake rejected (floor 0) and 429 answers (floor 0).
Numbers from a loaded machine are noisy; compare runs on a quiet one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from telegram import Update

from bench.support import in_scratch_folder
from bot.app import build_application
from bot.config import Config, EventConfig, load_config
from bot.i18n import translator
from bot.questions import render
from bot.questions.service import Questions
from bot.schedule.importers import load_programme
from bot.schedule.model import Programme
from storage.database import Database
from storage.questions import QuestionStore
from tests.fakeapi import TEST_TOKEN, FakeTelegram, SimCallback, SimMessage, SimUser

ROOT = Path(__file__).resolve().parent.parent
SCHEDULE = ROOT / "schedule.example.json"
ZONE = "Europe/Berlin"
# Session 4 of the example programme runs 10:30-12:00 UTC on 16 March 2027.
NOW = datetime(2027, 3, 16, 11, 0, tzinfo=UTC)
SESSION = "4"
LANGUAGES = ("en", "de", "es", "fr", "pt")


def percentile(values: list[float], share: float) -> float:
    """Return the value below which ``share`` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


async def _wait_for(user: SimUser, prefix: str) -> SimMessage | None:
    """Wait (up to a minute) for the bot's newest message with a button starting with prefix."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for message in reversed(user.inbox):
            if any(data.startswith(prefix) for row in message.buttons for _, data in row):
                return message
        await asyncio.sleep(0.1)
    return None


async def run(args: argparse.Namespace, folder: Path) -> dict[str, float]:
    """Play the session's peak minute; return the figures."""
    rng = random.Random(13)
    fake = FakeTelegram(flood_control=True)
    await fake.start()
    host = fake.add_user("Olga")
    users = [
        fake.add_user(f"P{i}", language_code=LANGUAGES[i % len(LANGUAGES)])
        for i in range(args.participants)
    ]
    database = folder / "bench.sqlite3"
    config = folder / "bench.toml"
    config.write_text(
        "\n".join(
            [
                "[telegram]",
                f'api_base_url = "{fake.base_url}"',
                "set_commands = false",
                "poll_timeout_seconds = 1",
                "[event]",
                'name = "Bench"',
                f'schedule = "{SCHEDULE}"',
                "[roles]",
                f"organisers = [{host.id}]",
                "[storage]",
                f'database = "{database}"',
                "[questions]",
                "host_view_seconds = 2.0",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    db = Database(database)
    await db.open()
    seen = NOW.isoformat()
    await db.executemany(
        "INSERT INTO participants (user_id, first_name, telegram_language, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?, ?)",
        [(u.id, u.first_name, u.language_code, seen, seen) for u in [host, *users]],
    )
    env = {**os.environ, "FORUMBOT_TOKEN": TEST_TOKEN, "QA_BENCH_NOW": NOW.isoformat()}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.qa_bench", "--bot", str(config), env=env, cwd=ROOT
    )
    try:
        return await _play(args, rng, fake, db, host, users)
    finally:
        bot.send_signal(signal.SIGTERM)
        await bot.wait()
        await db.close()
        await fake.stop()


async def _play(
    args: argparse.Namespace,
    rng: random.Random,
    fake: FakeTelegram,
    db: Database,
    host: SimUser,
    users: list[SimUser],
) -> dict[str, float]:
    while True:  # until the bot process polls
        if fake.calls_to("getUpdates"):
            break
        await asyncio.sleep(0.1)
    await host.send(f"/questions {SESSION}")
    host_view = await _host_view(host)
    open_ids: list[int] = []
    missing: list[int] = []  # people whose ask or list never came back
    callbacks: list[SimCallback] = []
    last_vote = 0.0
    start = time.monotonic()

    async def at(second: float) -> None:
        await asyncio.sleep(max(0.0, start + second - time.monotonic()))

    async def answer(user: SimUser, second: float, text: str, buttons: str) -> SimMessage | None:
        """Send text at ``second``; return the bot's answer with buttons of that prefix (None,
        and the person counted as missing, when it never comes)."""
        await at(second)
        await user.send(text)
        found = await _wait_for(user, buttons)
        if found is None:
            missing.append(user.id)
        return found

    async def ask(user: SimUser, second: float, number: int) -> None:
        text = f"/ask {SESSION} Question {number}: how does this work in practice?"
        choice = await answer(user, second, text, "qs:")
        if choice is None:
            return
        data = choice.buttons[number % 2][0][1]  # signed, or anonymous
        callbacks.append(await user.click_data(choice, data))
        open_ids.append(int(data.split(":")[1]))

    async def voter(user: SimUser, first: float, votes: int) -> None:
        nonlocal last_vote
        listing = await answer(user, first, f"/questions {SESSION}", "ql:")
        if listing is None:
            return
        voted: set[int] = set()
        times = sorted(rng.uniform(first + 2, args.seconds) for _ in range(votes))
        for index in range(1, len(times)):  # a thumb presses at most about once a second
            times[index] = max(times[index], times[index - 1] + 1.1)
        for second in times:
            await at(second)
            choices = [q for q in open_ids if q not in voted]
            if not choices:
                continue
            question = rng.choice(choices)
            voted.add(question)
            callbacks.append(await user.click_data(listing, f"qv:{question}:1:0"))
            last_vote = fake.clock()

    per_voter = args.votes // len(users)
    tasks = [
        ask(user, rng.uniform(0, args.seconds / 4), number)
        for number, user in enumerate(rng.sample(users, args.questions), start=1)
    ]
    # People open the list over the first two thirds of the minute, then vote.
    tasks += [voter(user, rng.uniform(1, args.seconds * 2 / 3), per_voter) for user in users]
    await asyncio.gather(*tasks)
    # Everything injected: wait (two minutes at most) until every press has been answered, in
    # time or too late, then for the host view to settle.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        tried = {c.params.get("callback_query_id") for c in fake.calls_to("answerCallbackQuery")}
        if all(c.id in tried for c in callbacks):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(args.settle)

    answered_at = {
        c.params.get("callback_query_id"): c.at
        for c in fake.calls_to("answerCallbackQuery")
        if c.status == 200
    }
    latencies = [answered_at[c.id] - c.created_at for c in callbacks if c.id in answered_at]
    edits = [
        c
        for c in fake.calls_to("editMessageText")
        if str(c.params.get("chat_id")) == str(host.id)
        and str(c.params.get("message_id")) == str(host_view.message_id)
    ]
    programme = load_programme(SCHEDULE.read_bytes(), filename=SCHEDULE.name, timezone=ZONE)
    config = Config(event=EventConfig(name="Bench", timezone=ZONE))
    questions = Questions(QuestionStore(db), _Source(programme), config, lambda: NOW)
    session = questions.session(SESSION)
    final, _ = render.host_view(session, await questions.host_queue(session), translator("en"))
    shown_final = [c for c in edits if c.params.get("text") == final and c.status == 200]
    final_lag = max(0.0, shown_final[0].at - last_vote) if shown_final else float("inf")
    rejected = [c for c in fake.calls_to("editMessageText") if c.status != 200]
    votes = await db.fetchval("SELECT COUNT(*) FROM question_votes")
    asked = await db.fetchval("SELECT COUNT(*) FROM questions WHERE status = 'open'")
    return {
        "questions": float(asked or 0),
        "unanswered_people": float(len(missing)),
        "votes": float(votes or 0),
        "presses": float(len(callbacks)),
        "answered": float(len(latencies)),
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies, default=0.0),
        "final_lag": final_lag,
        "host_edits": float(len(edits)),
        "rejected_edits": float(len(rejected)),
        "http_429": float(fake.flood_errors),
    }


@dataclass
class _Source:
    programme: Programme | None


def serve_bot(config_path: str) -> None:
    """Run the bot (the child process) until SIGTERM, its clock fixed in the session."""
    now = datetime.fromisoformat(os.environ["QA_BENCH_NOW"])
    application = build_application(
        load_config(config_path), os.environ["FORUMBOT_TOKEN"], clock=lambda: now
    )
    started = time.process_time()
    application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=1)
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bot process            CPU {cpu:.1f} s, peak RSS {peak:.1f} MiB")


async def _host_view(host: SimUser) -> SimMessage:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in reversed(host.inbox):
            if "Host view" in (message.text or ""):
                return message
        await asyncio.sleep(0.05)
    raise AssertionError("the host view did not open")


def main() -> int:
    """Parse arguments, run, print the figures; exit 1 when a floor is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait at the end")
    parser.add_argument("--bot", help="run the bot with this configuration (the child process)")
    args = parser.parse_args()
    if args.bot:
        serve_bot(args.bot)
        return 0
    figures = in_scratch_folder(partial(run, args))
    print(f"questions asked        {figures['questions']:.0f}")
    print(f"votes counted          {figures['votes']:.0f}")
    print(f"presses answered       {figures['answered']:.0f} of {figures['presses']:.0f}")
    print(f"lists/asks unanswered  {figures['unanswered_people']:.0f} people within a minute")
    print(
        "press latency          p50 {p50:.3f} s · p95 {p95:.3f} s · p99 {p99:.3f} s · "
        "max {max:.3f} s (floor p99 1 s)".format(**figures)
    )
    print(f"host view final after  {figures['final_lag']:.2f} s after the last vote (floor 3 s)")
    print(f"host-view edits        {figures['host_edits']:.0f}")
    print(f"edits rejected         {figures['rejected_edits']:.0f}")
    print(f"429 answers            {figures['http_429']:.0f}")
    ok = (
        figures["p99"] <= 1.0
        and figures["final_lag"] <= 3.0
        and figures["rejected_edits"] == 0
        and figures["http_429"] == 0
        and figures["answered"] == figures["presses"]
        and figures["unanswered_people"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
