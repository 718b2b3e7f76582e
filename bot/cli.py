"""The ``forum-bot`` command: run the bot, check a configuration, import a schedule, back up
and restore the database, export data and build the report."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from telegram import Update
from telegram.error import InvalidToken, NetworkError

from bot import __version__
from bot.config import TOKEN_ENV, Config, ConfigError, bot_token, load_config
from bot.schedule.diff import ScheduleDiff
from bot.schedule.importers import ScheduleError, load_programme
from storage.backup import BackupError, BackupSummary
from storage.lock import DatabaseInUseError

EXIT_OK = 0
EXIT_PROBLEM = 2  # the configuration or the arguments
EXIT_UNREACHABLE = 3  # the Bot API
EXIT_RUNNING = 4  # the bot is running (restore), or another bot holds the database (run)
EXIT_NOT_A_BACKUP = 5  # missing, not a forum-bot database, or failing the integrity check
EXIT_TOO_NEW = 6  # written by a newer forum-bot
EXIT_CANNOT_WRITE = 7  # the target exists, its folder is missing, or the disk refused

_EXIT_CODES = """exit status:
  0  done
  2  a problem with the configuration or the arguments
  4  the bot is running (stop it first), or another forum-bot holds the database
  5  not a usable backup: missing, not forum-bot's, or failing SQLite's integrity check
  6  the backup was written by a newer forum-bot
  7  cannot write: the file exists, the folder is missing, or the disk refused"""


class CommandError(Exception):
    """A command that cannot go on: its exit status, what went wrong, and any details."""

    def __init__(self, status: int, message: str, details: Sequence[object] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


def _problems(problems: Sequence[object]) -> CommandError:
    return CommandError(EXIT_PROBLEM, f"{len(problems)} problem(s) found:", problems)


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
    run.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="text for people, json (one object per line) for log collectors "
        "(default: logging.format in the configuration, else text)",
    )
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
    _ops_parsers(commands, with_config)
    return parser


def _ops_parsers(commands: Any, with_config: Callable[[argparse.ArgumentParser], None]) -> None:
    raw = argparse.RawDescriptionHelpFormatter
    backup = commands.add_parser(
        "backup",
        help="copy the database consistently, even while the bot runs",
        formatter_class=raw,
        description="Copy the bot's database into PATH (a new file, or a folder to put a "
        "dated file in) as one consistent snapshot, even while the bot runs and writes; check "
        "the copy (SQLite's integrity check, the schema version) and say what it holds.",
        epilog=_EXIT_CODES,
    )
    backup.add_argument("path", type=Path, help="the new backup file, or a folder")
    with_config(backup)
    restore = commands.add_parser(
        "restore",
        help="replace the database by a backup (the bot must be stopped)",
        formatter_class=raw,
        description="Replace the bot's database by the backup at PATH. Refused while the bot "
        "runs (it holds <database>.lock), for a backup written by a newer forum-bot and for a "
        "file that fails the integrity check; the replaced database is kept beside it as "
        "<database>.before-restore-<time>, and migrations bring the backup up to this version.",
        epilog=_EXIT_CODES,
    )
    restore.add_argument("path", type=Path, help="the backup file")
    with_config(restore)
    language = {
        "choices": ("en", "de", "es", "fr", "pt"),
        "help": "language of the headers and titles (default: event.default_language)",
    }
    export = commands.add_parser(
        "export",
        help="write the programme, announcements, introductions or directory as a table",
        description="Write a table for organisers: the programme with subscribers per "
        "session, announcements with their delivery, introductions as counts per region, or "
        "the directory (only people who agreed to be listed, only their profile cards). "
        "Counts from 1 to 4 appear as '< 5'.",
    )
    export.add_argument(
        "what", choices=("programme", "announcements", "introductions", "directory")
    )
    export.add_argument(
        "--out", type=Path, required=True, help="the file to write (.csv or .xlsx)"
    )
    export.add_argument(
        "--format", choices=("csv", "xlsx"), help="default: from the file's extension"
    )
    export.add_argument("--language", **language)
    with_config(export)
    report = commands.add_parser(
        "report",
        help="write the forum's report as a PDF",
        description="Write the PDF report: every figure and chart of /stats and a table per "
        "day of the programme with its subscriptions.",
    )
    report.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    report.add_argument("--language", **language)
    with_config(report)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit status; a failure is told on stderr."""
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except CommandError as failure:
        print(f"forum-bot: {failure.message}", file=sys.stderr)
        for detail in failure.details:
            print(f"  - {detail}", file=sys.stderr)
        return failure.status


def _command(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as error:
        raise _problems(error.problems) from None
    if args.command == "check":
        return _check(config)
    if args.command == "import":
        return asyncio.run(_import(config, args.file, assume_yes=args.yes))
    if args.command == "backup":
        return _backup(config, args.path)
    if args.command == "restore":
        return asyncio.run(_restore(config, args.path))
    if args.command in ("export", "report"):
        return asyncio.run(_document(config, args))
    return _run(config, args.log_format or config.logging.format)


def _check(config: Config) -> int:
    roles = config.roles
    print(f"event:      {config.event.name} ({config.event.timezone})")
    if config.event.schedule is not None:
        try:
            programme = load_programme(config.event.schedule, timezone=config.event.timezone)
        except ScheduleError as error:
            raise _problems([p.english() for p in error.problems]) from None
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
        raise _problems([p.english() for p in error.problems]) from None
    except OSError as error:
        raise _problems([f"{path}: {error.strerror or error}"]) from None
    db = Database(config.storage.database)
    await db.open()
    try:
        store = ScheduleStore(db)
        live = await store.prepare() or Programme.build(
            name="", timezone=config.event.timezone, version="", sessions=()
        )
        changes = diff(live, programme)
        _print_diff(changes, len(programme.sessions), len(programme.days))
        if not assume_yes and not _confirmed():
            print("nothing changed")
            return EXIT_OK
        changed = changes.changed_guids() | {s.guid for s in changes.added}
        await store.replace_programme(programme, datetime.now(UTC), changed)
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


class _ReportedOnce(logging.Filter):
    """Drop PTB's traceback of a start that failed in a way ``_run`` reports in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but the bootstrap's "Aborting" for a refused token or no network."""
        error = record.exc_info[1] if record.exc_info else None
        bootstrap = record.getMessage().startswith("Network Retry Loop (Bootstrap")
        return not (bootstrap and isinstance(error, InvalidToken | NetworkError))


def _run(config: Config, log_format: Literal["text", "json"]) -> int:
    from bot.app import build_application
    from bot.logs import configure_logging

    token = bot_token()
    if token is None:
        raise CommandError(
            EXIT_PROBLEM,
            f"the bot token is missing; set the environment variable {TOKEN_ENV} "
            "to the token BotFather gave you",
        )
    configure_logging(config.logging.level, token, log_format)
    # PTB's start-up retry loop logs on this logger (telegram.ext._utils.networkloop).
    logging.getLogger("telegram.ext").addFilter(_ReportedOnce())
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
        raise CommandError(
            EXIT_PROBLEM,
            f"the Bot API at {config.telegram.api_base_url} refused the token; "
            f"check {TOKEN_ENV} (BotFather's /token shows it, or issues a new one)",
        ) from None
    except NetworkError as error:
        raise CommandError(
            EXIT_UNREACHABLE,
            f"cannot reach the Bot API at {config.telegram.api_base_url} "
            f"({error.message}); check the network and telegram.api_base_url",
        ) from None
    except DatabaseInUseError as error:
        raise CommandError(EXIT_RUNNING, f"{error}; stop the other one first") from None
    return EXIT_OK


def _backup(config: Config, path: Path) -> int:
    from storage.backup import NotABackupError, backup_name, newest_version, snapshot

    database = config.storage.database
    if not database.is_file():
        raise CommandError(EXIT_PROBLEM, f"there is no database at {database} to back up")
    target = path / backup_name(datetime.now(UTC)) if path.is_dir() else path
    try:
        summary = snapshot(database, target, newest_version=newest_version())
    except BackupError as error:
        status = EXIT_NOT_A_BACKUP if isinstance(error, NotABackupError) else EXIT_CANNOT_WRITE
        raise CommandError(status, f"backup failed: {error}") from None
    except OSError as error:
        message = f"backup failed: {target}: {error.strerror or error}"
        raise CommandError(EXIT_CANNOT_WRITE, message) from None
    print(f"backup written to {summary.path}")
    _print_summary(summary)
    return EXIT_OK


def _print_summary(summary: BackupSummary) -> None:
    print(f"  size:            {summary.size_bytes:,} bytes")
    print(f"  schema version:  {summary.schema_version}")
    print("  integrity check: ok")
    for table, rows in summary.tables:
        if rows:
            print(f"  {table + ':':<28} {rows:>9,} rows")


async def _restore(config: Config, path: Path) -> int:
    from storage.backup import BackupTooNewError, NotABackupError, restore

    database = config.storage.database
    try:
        result = await restore(path, database, now=datetime.now(UTC))
    except DatabaseInUseError as error:
        raise CommandError(
            EXIT_RUNNING,
            f"restore refused: {error}. Stop the bot first "
            "(systemctl stop forum-bot), then restore, then start it again.",
        ) from None
    except (BackupTooNewError, NotABackupError) as error:
        status = EXIT_TOO_NEW if isinstance(error, BackupTooNewError) else EXIT_NOT_A_BACKUP
        raise CommandError(status, f"restore refused: {error}; nothing was changed") from None
    except sqlite3.Error as error:
        raise CommandError(
            EXIT_NOT_A_BACKUP,
            f"restore failed: {path} cannot be brought up to this version's schema "
            f"({error}); the previous database was put back, nothing was changed",
        ) from None
    except (BackupError, OSError) as error:
        message = f"restore failed: {error}; nothing was changed"
        raise CommandError(EXIT_CANNOT_WRITE, message) from None
    print(f"restored {path} into {database}")
    _print_summary(result.summary)
    if result.migrated_to != result.migrated_from:
        print(f"  migrated from schema version {result.migrated_from} to {result.migrated_to}")
    if result.kept is not None:
        print(f"the replaced database is kept as {result.kept}")
    return EXIT_OK


async def _document(config: Config, args: argparse.Namespace) -> int:
    from bot.i18n import translator
    from bot.insight.service import ExportFormat, ExportKind, InsightService
    from storage.database import Database
    from storage.insight import InsightStore

    out: Path = args.out
    tr = translator(args.language or config.event.default_language)
    if args.command == "export":
        fmt_name = args.format or out.suffix.lower().lstrip(".")
        if fmt_name not in ("csv", "xlsx"):
            raise CommandError(
                EXIT_PROBLEM,
                f"cannot tell the format of {out}; name it .csv or .xlsx, or give --format",
            )
    if not out.parent.is_dir():
        raise CommandError(EXIT_CANNOT_WRITE, f"{out.parent} is not a folder")
    if not config.storage.database.is_file():
        raise CommandError(EXIT_PROBLEM, f"there is no database at {config.storage.database}")
    db = Database(config.storage.database)
    await db.open()
    try:
        service = InsightService(
            InsightStore(db, config.event.default_language), config, lambda: datetime.now(UTC)
        )
        if args.command == "export":
            document = await service.export(
                None, ExportKind(args.what), ExportFormat(fmt_name), tr
            )
        else:
            document = await service.report(None, tr)
    finally:
        await db.close()
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_bytes(document.data)
        partial.replace(out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        message = f"cannot write {out}: {error.strerror or error}"
        raise CommandError(EXIT_CANNOT_WRITE, message) from None
    print(f"{out}: {len(document.data):,} bytes")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
