"""Throughput of forum-bot answering a command, beside a bare python-telegram-bot echo bot.

Each bot runs as its own process (``forum-bot run`` with a generated config; PTB's echobot
for the baseline) against the project's fake Bot API, which runs in this process on loopback
with flood control off. 200 simulated users each send ``--command`` (/help by default)
``--rounds`` times at once; the
figure is replies per second from the first update injected to the last reply received,
after one warm-up round. Runs alternate between the two bots and the median is reported.

    .venv/bin/python bench/help_bench.py [--users 200] [--rounds 5] [--repeats 3]
    .venv/bin/python bench/help_bench.py --command /next --users 1000 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import config_text  # noqa: E402
from tests.fakeapi import TEST_TOKEN, FakeTelegram  # noqa: E402


async def measure(
    command: list[str],
    text: str,
    users: int,
    rounds: int,
    env: dict[str, str],
    config: tuple[Path, str],
) -> float:
    """Start one bot process against a fresh fake and return its replies per second."""
    async with FakeTelegram() as fake:
        people = [fake.add_user(f"User {i}", language_code="en") for i in range(users)]
        args = [arg.replace("{base_url}", fake.base_url) for arg in command]
        path, template = config
        path.write_text(template.replace("{base_url}", fake.base_url), encoding="utf-8")
        # The bot's output goes to a file: a pipe nobody reads would stall it once full.
        with path.with_suffix(".log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                *args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
            )
        try:
            for person in people:  # warm-up round, not counted
                await person.send(text)
            for person in people:
                await person.next_message(timeout=120)
            started = time.perf_counter()
            own_cpu, bot_cpu = time.process_time(), _cpu_seconds(process.pid)
            for _ in range(rounds):
                for person in people:
                    await person.send(text)
            for person in people:
                for _ in range(rounds):
                    await person.next_message(timeout=120)
            elapsed = time.perf_counter() - started
            CPU.append(
                (
                    (time.process_time() - own_cpu) / (users * rounds) * 1e6,
                    (_cpu_seconds(process.pid) - bot_cpu) / (users * rounds) * 1e6,
                )
            )
            return users * rounds / elapsed
        finally:
            process.terminate()
            await process.wait()


async def main() -> None:
    """Run the comparison and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--command", default="/help", help="what every user sends")
    parser.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="forum-bot's messages_per_second (its default is 29, Telegram's limit)",
    )
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    env = {**os.environ, "FORUMBOT_TOKEN": TEST_TOKEN, "PYTHONPATH": str(ROOT)}
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        bare = [python, str(ROOT / "bench" / "bare_echo_bot.py"), TEST_TOKEN, "{base_url}"]
        ours = [python, "-m", "bot", "run", "--config", str(config)]
        bare_rates, our_rates = [], []
        for repeat in range(args.repeats):
            template = config_text(
                base_url="{base_url}",
                database=Path(folder) / f"bot{repeat}.sqlite3",
                schedule=ROOT / "schedule.example.json",
                organisers=[],
                moderators=[],
                chats={},
                extra='[logging]\nlevel = "WARNING"\n',
                settings={"telegram": {"messages_per_second": args.rate}},
            )
            runs = (args.command, args.users, args.rounds, env, (config, template))
            bare_rates.append(await measure(bare, *runs))
            our_rates.append(await measure(ours, *runs))
    bare_rate, our_rate = statistics.median(bare_rates), statistics.median(our_rates)
    print(
        f"users: {args.users}, messages per run: {args.users * args.rounds}, runs: {args.repeats}"
    )
    print(f"bare PTB echo bot: {bare_rate:8.1f} replies/s  (runs: {_fmt(bare_rates)})")
    print(f"forum-bot {args.command:8} {our_rate:8.1f} replies/s  (runs: {_fmt(our_rates)})")
    print(f"ratio:             {our_rate / bare_rate:8.2f}  (floor 0.85)")
    bare_cpu, our_cpu = CPU[0::2], CPU[1::2]
    print(
        "CPU ms per update (fake+driver / bot): "
        f"echo {statistics.median(c[0] for c in bare_cpu) / 1000:.2f} / "
        f"{statistics.median(c[1] for c in bare_cpu) / 1000:.2f}, "
        f"forum-bot {statistics.median(c[0] for c in our_cpu) / 1000:.2f} / "
        f"{statistics.median(c[1] for c in our_cpu) / 1000:.2f}"
    )


CPU: list[tuple[float, float]] = []


def _cpu_seconds(pid: int) -> float:
    """Return user+system CPU seconds of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fmt(rates: list[float]) -> str:
    return ", ".join(f"{rate:.0f}" for rate in rates)


if __name__ == "__main__":
    asyncio.run(main())
