"""End-to-end harness: the real Application built from a config, against the fake Bot API.

A test gets a ``BotHarness`` with a running bot polling the in-process fake server, a settable
clock shared by both, simulated users, ``settle()`` to wait until every update has been
processed, and ``restart()`` to stop the bot and start a new one on the same database.

The fake enforces Telegram's flood limits and the bot paces its sends at Telegram's real rates;
both count on one virtual pace clock (``VirtualPaceClock``), which the harness moves on to the
next timer whenever the bot is only waiting on pacing: no update fetched but not started, none
working, no send in flight. A group's minute of budget therefore costs no wall-clock time, and
what the bot sends comes out in the order it would at Telegram's pace.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import ForumApplication, build_application, processor_of, runtime_of, scheduler_of
from bot.config import Config, load_config
from bot.runtime import Runtime
from tests.fakeapi import TEST_TOKEN, FakeTelegram, SimChat, SimUser
from tests.virtualtime import VirtualPaceClock

ROOT = Path(__file__).resolve().parent.parent.parent


class TestClock:
    """A clock the test sets and advances; tz-aware UTC for the bot, unix seconds for the fake."""

    __test__ = False

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        """Return the current time as unix seconds (for the fake server)."""
        return self.now.timestamp()

    def advance(self, **delta: float) -> None:
        """Move time forward by a timedelta's keyword arguments."""
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self.now = moment


def toml_value(value: Any) -> str:
    """Render a Python value as a TOML value (strings, numbers, booleans, paths, lists, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"no TOML form for {value!r}")


def config_text(
    *,
    base_url: str,
    database: Path,
    schedule: Path | None,
    organisers: list[int],
    moderators: list[int],
    chats: dict[str, int],
    extra: str,
    settings: dict[str, dict[str, Any]] | None = None,
) -> str:
    """Render a configuration file for a test bot; ``settings`` adds to or overrides sections."""
    sections: dict[str, dict[str, Any]] = {
        "telegram": {
            "api_base_url": base_url,
            "poll_timeout_seconds": 1,
        },
        "event": {"name": "Bonn Forum <Test> & Friends", "timezone": "Europe/Berlin"},
        "chats": dict(chats),
        "roles": {"organisers": organisers, "moderators": moderators},
        "storage": {"database": database},
        "reminders": {"default_lead_minutes": 10},
    }
    if schedule is not None:
        sections["event"]["schedule"] = schedule
    for name, values in (settings or {}).items():
        sections.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n" + extra


@dataclass
class BotHarness:
    """A running bot and the fake Telegram around it."""

    fake: FakeTelegram
    clock: TestClock
    config_path: Path
    pace: VirtualPaceClock = field(default_factory=VirtualPaceClock)
    app: ForumApplication | None = None
    _processed_before: int = 0
    _delivered_before: int = 0
    _driver: asyncio.Task[None] | None = None
    _stopping: ForumApplication | None = None
    groups: dict[str, SimChat] = field(default_factory=dict)

    @property
    def config(self) -> Config:
        return runtime_of(self.application).config

    @property
    def application(self) -> ForumApplication:
        if self.app is None:
            raise RuntimeError("the bot is not running")
        return self.app

    @property
    def runtime(self) -> Runtime:
        return runtime_of(self.application)

    async def start(self) -> None:
        """Build the application from the config file and start polling the fake."""
        config = load_config(self.config_path)
        # A bot starting afresh knows nothing of what its predecessor sent: let a minute pass,
        # as any real restart would, so its budgets and the fake's agree.
        self.pace.advance(61)
        app = build_application(config, TEST_TOKEN, clock=self.clock, pace=self.pace)
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        self._delivered_before = len(self.fake.delivered)
        # The first poll (which sets allowed_updates) may come after a test's first update, so
        # the fake is told up front what the bot will ask for (chat_member updates among them).
        self.fake.set_allowed_updates(list(Update.ALL_TYPES))
        if config.telegram.mode == "polling":
            await app.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
        self.app = app
        if self._driver is None:
            self._driver = asyncio.ensure_future(self._drive_time())

    async def stop(self) -> None:
        """Stop polling and shut the application down as SIGTERM would."""
        app, self.app = self.app, None
        if app is None:
            return
        # Time keeps moving while the bot finishes what it has in hand.
        self._stopping = app
        assert app.updater is not None
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        self._stopping = None
        if self._driver is not None:
            self._driver.cancel()
            await asyncio.gather(self._driver, return_exceptions=True)
            self._driver = None

    async def restart(self) -> None:
        """Stop the bot and start a new one on the same database."""
        await self.stop()
        await self.start()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every update injected so far has been fetched and fully processed."""

        processor = processor_of(self.application)

        def fetched() -> bool:
            pending = {u["update_id"] for u in self.fake.pending_updates}
            return pending <= set(self.fake.delivered)

        def delivered() -> int:
            return len(set(self.fake.delivered[self._delivered_before :]))

        async def wait() -> None:
            while True:
                while not fetched():
                    await asyncio.sleep(0.002)
                count = delivered()
                await processor.wait_finished(count)
                # A handler's own calls may add updates (restrictChatMember → chat_member) that
                # finish before it does; so the count is only trusted once nothing new came.
                if fetched() and delivered() == count:
                    return

        await asyncio.wait_for(wait(), timeout)

    def waits_only_on_pacing(self) -> bool:
        """Tell whether the bot has nothing to do but wait for a send slot."""
        app = self.app or self._stopping
        if app is None:
            return False
        processor = processor_of(app)
        delivered = set(self.fake.delivered[self._delivered_before :])
        pending = {u["update_id"] for u in self.fake.pending_updates}
        return (
            pending <= delivered
            and processor.entered >= len(delivered)
            and processor.idle
            and scheduler_of(app).in_flight == 0
        )

    async def _drive_time(self) -> None:
        """Move the pace clock on to the next timer whenever the bot only waits on pacing."""
        quiet = 0
        while True:
            await asyncio.sleep(0.001)
            if self.pace.next_at() is None or not self.waits_only_on_pacing():
                quiet = 0
                continue
            # Quiet over a few turns of the loop: work started by a job has had its chance.
            quiet += 1
            if quiet >= 3:
                quiet = 0
                self.pace.step()

    def user(
        self, first_name: str = "Ada", *, language: str | None = "en", **kwargs: Any
    ) -> SimUser:
        """Create a simulated user."""
        return self.fake.add_user(first_name, language_code=language, **kwargs)

    async def ask(self, user: SimUser, text: str, **kwargs: Any) -> Any:
        """Send a message and return the bot's next message to that user."""
        await user.send(text, **kwargs)
        return await user.next_message()


HarnessFactory = Callable[..., Any]


def token_free(records: list[logging.LogRecord]) -> bool:
    """Tell whether no captured log record mentions the test token."""
    for record in records:
        text = record.getMessage()
        if record.exc_text:
            text += record.exc_text
        if TEST_TOKEN in text:
            return False
    return True


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return a UTC moment."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
