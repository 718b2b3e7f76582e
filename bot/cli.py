"""The ``forum-bot`` command: run the bot, check a configuration, import a schedule."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from telegram import Update

from bot import __version__
from bot.config import TOKEN_ENV, Config, ConfigError, bot_token, load_config

EXIT_OK = 0
EXIT_PROBLEM = 2


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
    return _run(config)


def _print_problems(problems: Sequence[object]) -> None:
    print(f"forum-bot: {len(problems)} problem(s) found:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def _check(config: Config) -> int:
    roles = config.roles
    print(f"event:      {config.event.name} ({config.event.timezone})")
    print(f"database:   {config.storage.database}")
    print(
        f"roles:      {len(roles.organisers)} organiser(s), {len(roles.moderators)} moderator(s)"
    )
    print("configuration OK")
    return EXIT_OK


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
    application.run_polling(
        allowed_updates=Update.ALL_TYPES,
        timeout=config.telegram.poll_timeout_seconds,
    )
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
