"""The ``forum-bot`` command: run the bot, check a configuration, import a schedule."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot import __version__
from bot.config import TOKEN_ENV, Config, ConfigError, bot_token, load_config
from bot.schedule.diff import ScheduleDiff
from bot.schedule.importers import ScheduleError, load_programme

EXIT_OK = 0
EXIT_PROBLEM = 2
EXIT_UNREACHABLE = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="forum-bot",
        description="Telegram bot of an international dialogue forum.",
    )
    parser.add_argument("--version", action="version", version=f"forum-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def with_config(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--config",
            type=Path,
            default=Path("config.toml"),
            help="configuration file (default: ./config.toml)",
        )

    run = commands.add_parser(
        "run", help="run the bot", description=f"Run the bot; the token comes from {TOKEN_ENV}."
    )
    with_config(run)
    check = commands.add_parser(
        "check",
        help="validate the configuration and its schedule",
        description="Validate the configuration and the schedule it names, then summarise.",
    )
    with_config(check)
    importer = commands.add_parser(
        "import",
        help="load a schedule file into the bot's database",
        description="Validate a schedule file (JSON, CSV or TOML), show what would change and "
        "apply it; a running bot picks it up at its next start.",
    )
    importer.add_argument("file", type=Path, help="the schedule file")
    importer.add_argument("--yes", action="store_true", help="apply without asking")
    with_config(importer)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        _print_problems(error.problems)
        return EXIT_PROBLEM
    if args.command == "check":
        return _check(config)
    if args.command == "import":
        return asyncio.run(_import(config, args.file, assume_yes=args.yes))
    return _run(config)


def _print_problems(problems: Sequence[object]) -> None:
    print(f"forum-bot: {len(problems)} problem(s) found:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def _check(config: Config) -> int:
    roles = config.roles
    print(f"event:      {config.event.name} ({config.event.timezone})")
    if config.event.schedule is not None:
        try:
            programme = load_programme(config.event.schedule, timezone=config.event.timezone)
        except ScheduleError as error:
            _print_problems([p.english() for p in error.problems])
            return EXIT_PROBLEM
        days = ", ".join(day.isoformat() for day in programme.days)
        print(f"schedule:   {config.event.schedule}")
        print(f"days:       {len(programme.days)} ({days})")
        print(f"sessions:   {len(programme.sessions)}")
        print(f"rooms:      {len(programme.rooms)} ({', '.join(programme.rooms)})")
    else:
        print("schedule:   none configured")
    print(f"database:   {config.storage.database}")
    print(
        f"roles:      {len(roles.organisers)} organiser(s), {len(roles.moderators)} moderator(s)"
    )
    print("configuration OK")
    return EXIT_OK


async def _import(config: Config, path: Path, *, assume_yes: bool) -> int:
    from bot.schedule.diff import diff
    from bot.schedule.model import Programme
    from storage.database import Database
    from storage.schedule import ScheduleStore

    try:
        programme = load_programme(path, timezone=config.event.timezone)
    except ScheduleError as error:
        _print_problems([p.english() for p in error.problems])
        return EXIT_PROBLEM
    except OSError as error:
        _print_problems([f"{path}: {error.strerror or error}"])
        return EXIT_PROBLEM
    db = Database(config.storage.database)
    await db.open()
    try:
        store = ScheduleStore(db)
        live = await store.prepare() or Programme.build(
            name="", timezone=config.event.timezone, version="", sessions=()
        )
        _print_diff(diff(live, programme), len(programme.sessions), len(programme.days))
        if not assume_yes and not _confirmed():
            print("nothing changed")
            return EXIT_OK
        await store.replace_programme(programme, datetime.now(UTC))
        print("programme imported; a running bot loads it at its next start")
        return EXIT_OK
    finally:
        await db.close()


def _print_diff(changes: ScheduleDiff, sessions: int, days: int) -> None:
    print(f"new programme: {sessions} sessions on {days} days")
    if changes.is_empty:
        print("no changes compared with the stored programme")
    for label, items in (
        ("added", [f"{s.id} {s.title}" for s in changes.added]),
        ("removed", [f"{s.id} {s.title}" for s in changes.removed]),
        (
            "moved",
            [
                f"{n.id} {o.start:%Y-%m-%d %H:%M} -> {n.start:%Y-%m-%d %H:%M} UTC"
                for o, n in changes.moved
            ],
        ),
        ("new room", [f"{n.id} {o.room} -> {n.room}" for o, n in changes.re_roomed]),
        ("renamed", [f"{n.id} {o.title} -> {n.title}" for o, n in changes.renamed]),
        ("other details", [f"{n.id} {n.title}" for _, n in changes.other]),
    ):
        for item in items:
            print(f"  {label:<13} {item}")


def _confirmed() -> bool:
    try:
        answer = input("apply this programme? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def _run(config: Config) -> int:
    from bot.app import build_application
    from bot.logs import configure_logging

    token = bot_token()
    if token is None:
        print(
            f"forum-bot: the bot token is missing; set the environment variable {TOKEN_ENV} "
            "to the token BotFather gave you",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    configure_logging(config.logging.level, token)
    application = build_application(config, token)
    try:
        if config.telegram.mode == "webhook":
            from bot.web.telegram import run_webhook

            asyncio.run(run_webhook(application))
        else:
            # Polling deletes a webhook left from an earlier run in webhook mode first.
            application.run_polling(
                allowed_updates=Update.ALL_TYPES,
                timeout=config.telegram.poll_timeout_seconds,
            )
    except InvalidToken:
        print(
            f"forum-bot: the Bot API at {config.telegram.api_base_url} refused the token; "
            f"check {TOKEN_ENV} (BotFather's /token shows it, or issues a new one)",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    except NetworkError as error:
        print(
            f"forum-bot: cannot reach the Bot API at {config.telegram.api_base_url} "
            f"({error.message}); check the network and telegram.api_base_url",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
