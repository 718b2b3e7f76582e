"""The Mini App under load: the programme JSON and the page to 200 clients, the chat meanwhile.

The bot runs as its own process (``forum-bot run`` with a [web] section) against the fake Bot
API, which runs in this process on loopback with its simulated users. A second process plays
``--clients`` browsers at once: each loads the first view (page, script, style, texts, the
programme JSON), then fetches the programme JSON again and again, pausing ``--think`` seconds
between fetches (0: as fast as the server answers). Meanwhile ``--users`` chat users send
/today in turn and wait for the answer. Printed: latency percentiles of the cached JSON and of
the first view, the request rate, the bot's reply latency during the load, and the first
view's compressed size. Targets: JSON p99 <= 50 ms, reply p99 <= 1 s.

    .venv/bin/python -m bench.web_bench [--clients 200] [--seconds 20] [--think 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import percentile  # noqa: E402
from tests.e2e.harness import config_text  # noqa: E402
from tests.fakeapi import TEST_TOKEN, FakeTelegram, SimUser  # noqa: E402
from tests.web_support import free_port, web_settings  # noqa: E402

FIRST_VIEW = ("/", "/static/app.js", "/static/app.css", "/i18n/en.json", "/programme.json")
GZIP = {"Accept-Encoding": "gzip"}


async def _browse(
    base: str, clients: int, seconds: float, think: float
) -> tuple[list[float], list[float], int]:
    """Play the browsers; return JSON latencies, first-view latencies and errors."""
    json_times: list[float] = []
    view_times: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as session:

        async def client() -> None:
            nonlocal errors
            await asyncio.sleep(random.random() * 0.5)  # arrivals spread over half a second
            started = time.perf_counter()
            for path in FIRST_VIEW:
                async with session.get(base + path, headers=GZIP) as response:
                    await response.read()
                    errors += response.status != 200
            view_times.append(time.perf_counter() - started)
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                if think:
                    await asyncio.sleep(think * (0.5 + random.random()))
                began = time.perf_counter()
                async with session.get(base + "/programme.json", headers=GZIP) as response:
                    await response.read()
                    errors += response.status != 200
                json_times.append(time.perf_counter() - began)

        await asyncio.gather(*(client() for _ in range(clients)))
    return json_times, view_times, errors


def browsers(base: str, clients: int, seconds: float, think: float, pipe: Connection) -> None:
    """Run the browsers in this (separate) process and send the figures back."""
    pipe.send(asyncio.run(_browse(base, clients, seconds, think)))
    pipe.close()


async def first_view_size(base: str) -> int:
    """Return the compressed bytes of the first view (Telegram's own script excluded)."""
    total = 0
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        for path in FIRST_VIEW:
            async with session.get(base + path, headers=GZIP) as response:
                total += len(await response.read())
    return total


async def wait_ready(base: str, process: asyncio.subprocess.Process) -> None:
    """Wait until the bot's web server answers /healthz."""
    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            if process.returncode is not None:
                raise SystemExit("the bot exited at start")
            try:
                async with session.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the bot's web server did not come up")


async def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between fetches")
    parser.add_argument("--users", type=int, default=20, help="chat users meanwhile")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "FORUMBOT_TOKEN": TEST_TOKEN, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        async with FakeTelegram() as fake:
            config = Path(folder) / "config.toml"
            settings = web_settings(port)
            settings["telegram"] = {"set_commands": False}
            config.write_text(
                config_text(
                    base_url=fake.base_url,
                    database=Path(folder) / "bot.sqlite3",
                    schedule=ROOT / "schedule.example.json",
                    organisers=[],
                    moderators=[],
                    chats={},
                    extra='[logging]\nlevel = "WARNING"\n',
                    settings=settings,
                ),
                encoding="utf-8",
            )
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(config),
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                await wait_ready(base, process)
                size = await first_view_size(base)
                people = [fake.add_user(f"User {i}") for i in range(args.users)]
                for person in people:
                    await person.send("/start")
                    await person.next_message(timeout=60)
                receiver, sender = multiprocessing.get_context("spawn").Pipe(duplex=False)
                load = multiprocessing.get_context("spawn").Process(
                    target=browsers, args=(base, args.clients, args.seconds, args.think, sender)
                )
                load.start()
                replies = await chat_meanwhile(people, receiver)
                json_times, view_times, errors = receiver.recv()
                load.join()
            finally:
                process.terminate()
                await process.wait()
    report(args, json_times, view_times, errors, replies, size)


async def chat_meanwhile(users: list[SimUser], results: Connection) -> list[float]:
    """Have the chat users ask /today in turn while the browsers run; return reply times."""
    times: list[float] = []
    await asyncio.sleep(1.0)  # let the browsers arrive
    # The browsers' figures arriving on the pipe means they are done.
    while not results.poll():
        for person in users:
            started = time.perf_counter()
            await person.send("/today")
            await person.next_message(timeout=60)
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
            if results.poll():
                break
    return times


def report(
    args: argparse.Namespace,
    json_times: list[float],
    view_times: list[float],
    errors: int,
    replies: list[float],
    size: int,
) -> None:
    """Print the figures."""

    def ms(values: list[float], share: float) -> str:
        return f"{percentile(values, share) * 1000:7.1f} ms"

    rate = len(json_times) / args.seconds
    print(
        f"clients: {args.clients}, think: {args.think} s, duration: {args.seconds} s, "
        f"errors: {errors}"
    )
    print(f"first view, compressed: {size} bytes ({size / 1024:.1f} KiB; target < 100 KB)")
    print(
        f"programme JSON ({len(json_times)} requests, {rate:.0f}/s): p50 {ms(json_times, 0.5)}, "
        f"p90 {ms(json_times, 0.9)}, p99 {ms(json_times, 0.99)} (target <= 50 ms), "
        f"max {max(json_times) * 1000:.1f} ms"
    )
    print(
        f"first view ({len(view_times)} browsers, 5 requests each): p50 {ms(view_times, 0.5)}, "
        f"p99 {ms(view_times, 0.99)}"
    )
    print(
        f"chat replies meanwhile ({len(replies)}): p50 {ms(replies, 0.5)}, "
        f"p99 {ms(replies, 0.99)} (target <= 1000 ms), mean "
        f"{statistics.fmean(replies) * 1000 if replies else float('nan'):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
