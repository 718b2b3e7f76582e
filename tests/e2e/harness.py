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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import (
    ForumApplication,
    build_application,
    processor_of,
    runtime_of,
    scheduler_of,
)
from bot.config import Config, load_config
from bot.i18n import translator
from bot.runtime import Runtime
from bot.telegram.application import start_application, stop_application
from tests.fakeapi import TEST_TOKEN, FakeTelegram, SimCallback, SimChat, SimMessage, SimUser
from tests.virtualtime import TestClock, VirtualPaceClock

ROOT = Path(__file__).resolve().parent.parent.parent


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
        await start_application(app)
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
        await stop_application(app)
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

    async def run_job(self, name: str) -> None:
        """Run the periodic job ``name`` once now, as the job queue would, and settle."""
        app = self.application
        jobs = app.job_queue.get_jobs_by_name(name) if app.job_queue else ()
        assert jobs, f"the job {name!r} is not scheduled"
        await jobs[0].run(app)
        await self.settle()

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

    def person(
        self, first_name: str = "Ada", *, language: str | None = "en", **kwargs: Any
    ) -> Person:
        """Create a simulated user who takes part in a user story (``Person``)."""
        return Person(self, self.user(first_name, language=language, **kwargs))

    async def ask(self, user: SimUser, text: str, **kwargs: Any) -> Any:
        """Send a message and return the bot's next message to that user."""
        await user.send(text, **kwargs)
        return await user.next_message()

    async def ask_in_group(
        self, user: SimUser, group: SimChat, unaddressed: list[str], command: str
    ) -> Any:
        """Write in a group, where the bot must stay silent until it is addressed; then send
        ``/command@bot`` and return the bot's answer in the group."""
        for text in unaddressed:
            await user.send(text, chat=group)
        await self.settle()
        assert group.bot_messages == []
        await user.send(f"/{command}@{self.fake.bot_username}", chat=group)
        return await group.next_message()


@dataclass
class Person:
    """A simulated user in a user story: every step waits until the bot has handled it.

    ``await ana.send("/remind 12")``, ``await ana.click("Remind me")``; every press must be
    answered (a press left unanswered keeps the button spinning on the user's phone). ``sim``
    is the fake's user, for what the steps do not cover.
    """

    bot: BotHarness
    sim: SimUser

    @property
    def id(self) -> int:
        return self.sim.id

    @property
    def inbox(self) -> list[SimMessage]:
        """Return what the bot sent to this user's private chat, oldest first."""
        return self.sim.inbox

    @property
    def last_message(self) -> SimMessage:
        """Return the newest message the bot sent to this user."""
        return self.sim.last_message

    async def send(self, text: str, **kwargs: Any) -> SimMessage:
        """Send text, settle, and return the bot's newest message to this user."""
        await self.sim.send(text, **kwargs)
        await self.bot.settle()
        return self.sim.last_message

    async def click(self, label: str, message: SimMessage | None = None) -> SimCallback:
        """Press a button by its English label as this user sees it, and settle."""
        return await self.press(seen_as(self.sim, label), message)

    async def press(self, label: str, message: SimMessage | None = None) -> SimCallback:
        """Press a button by its exact label, and settle."""
        callback = await self.sim.click(label, message)
        return await self._answered(callback)

    async def click_data(self, message: SimMessage, data: str) -> SimCallback:
        """Press a (possibly forged) button payload, and settle."""
        return await self._answered(await self.sim.click_data(message, data))

    async def _answered(self, callback: SimCallback) -> SimCallback:
        await self.bot.settle()
        assert callback.answered, f"the bot never answered the press of {callback.data!r}"
        return callback


class Story:
    """Steps of a user story told from a world's side: ``await world.send(ana, "/start")``.

    A test's own world (its bot and its people) subclasses this and declares ``bot``; each step
    is the ``Person`` step of that user.
    """

    bot: BotHarness

    async def send(self, user: SimUser, text: str, **kwargs: Any) -> SimMessage:
        """Send text as the user, settle, and return the bot's newest message to them."""
        return await Person(self.bot, user).send(text, **kwargs)

    async def click(
        self, user: SimUser, label: str, message: SimMessage | None = None
    ) -> SimCallback:
        """Press a button by its English label as the user sees it, and settle."""
        return await Person(self.bot, user).click(label, message)

    async def press(
        self, user: SimUser, label: str, message: SimMessage | None = None
    ) -> SimCallback:
        """Press a button by its exact label, and settle."""
        return await Person(self.bot, user).press(label, message)

    async def click_data(self, user: SimUser, message: SimMessage, data: str) -> SimCallback:
        """Press a (possibly forged) button payload, and settle."""
        return await Person(self.bot, user).click_data(message, data)


@dataclass
class Cast(Story):
    """A running bot on its fake and clock, with the people of the dialogue features' stories:
    Ana, Bruno, Carla and Olga, who organises (each test module picks their languages)."""

    fake: FakeTelegram
    bot: BotHarness
    clock: TestClock
    ana: SimUser
    bruno: SimUser
    carla: SimUser
    olga: SimUser

    async def start_all(self) -> None:
        """Have everyone start the bot in their private chat."""
        for user in (self.ana, self.bruno, self.carla, self.olga):
            await self.send(user, "/start")


def seen_as(user: SimUser, english: str) -> str:
    """Return an English label as the bot shows it to this user, in their language."""
    return translator(user.language_code or "en")(english)


HarnessFactory = Callable[..., Any]


def refused(fake: FakeTelegram) -> list[tuple[str, Any]]:
    """Return what Telegram (the fake) refused, as (method, answer): every call answered 400 or
    more but the long poll a stopping bot leaves open (the fake ends it with a 409, as Telegram
    does)."""
    return [
        (c.method, c.response)
        for c in fake.calls
        if c.status >= 400 and (c.method, c.status) != ("getUpdates", 409)
    ]


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
