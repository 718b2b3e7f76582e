"""The web side's Bot API adapter: the webhook, the Mini App's menu buttons, the process runner.

The webhook is a route of the bot's own aiohttp server (``bot.web.server``) that feeds PTB's
``update_queue``, as PTB's custom-webhook example does, rather than PTB's ``run_webhook``: that
one starts a tornado server of its own, a second web stack beside the one that serves the Mini
App, health and metrics. A delivery is accepted only with the secret header; its ``update_id``
is stored before the 200 goes back (a fast insert, so Telegram hears back well within a
second), so a redelivery is recognised and dropped, even after a restart. The update's body is
kept until its handlers are done, and one a crash interrupted is processed at the next start.
The secret is random, rotated at every start and kept in the database; the one before it is
accepted until Telegram has confirmed the new one, so a restart loses no delivery.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
import signal
from typing import Any

from aiohttp import web
from telegram import MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import Application

from bot import metrics
from bot.config import Config
from bot.i18n import translator
from bot.telegram.application import ForumApplication, start_application, stop_application
from bot.telegram.context import ForumContext
from bot.web.health import Health
from bot.web.server import Operators, WebServer
from storage.web import MonitoringStore, WebStore

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram/webhook"
METRICS_TOKEN_ENV = "FORUMBOT_METRICS_TOKEN"
# How often, in webhook mode, the bot asks Telegram whether its webhook is still the one set.
WEBHOOK_CHECK_SECONDS = 30.0
PRUNE_SECONDS = 3600.0
MENU_LABEL = "🗓 {label}"


def programme_url(config: Config, *, session: str | None = None, day: str | None = None) -> str:
    """Return the Mini App's address, opening at a session or a day (no personal data)."""
    if config.web is None or not config.web.public_url:
        return ""
    base = config.web.public_url + "/"
    if session is not None:
        return f"{base}?session={session}"
    if day is not None:
        return f"{base}?day={day}"
    return base


def menu_button(config: Config, language: str) -> MenuButtonWebApp:
    """Return the chat menu button that opens the programme, labelled in ``language``."""
    tr = translator(language)
    return MenuButtonWebApp(
        MENU_LABEL.format(label=tr("Programme")), WebAppInfo(programme_url(config))
    )


class WebFrontend:
    """The bot's web server, attached to its running Application."""

    def __init__(self, application: ForumApplication) -> None:
        runtime = application.bot_data.runtime
        if runtime is None or runtime.web is None:
            raise RuntimeError("the web side needs the runtime's web service")
        self._application = application
        self._runtime = runtime
        self._config = runtime.config
        self._store = WebStore(runtime.db)
        self._secrets: list[str] = []
        job_queue = application.job_queue

        def scheduler_running() -> bool:
            return job_queue is not None and bool(job_queue.scheduler.running)

        health = Health(
            runtime.liveness,
            runtime.clock,
            write_probe=lambda: self._store.heartbeat(runtime.clock()),
            scheduler_running=scheduler_running,
        )
        operators = Operators(
            health, MonitoringStore(runtime.db), os.environ.get(METRICS_TOKEN_ENV) or None
        )
        self.server = WebServer(runtime.web, operators, token=application.bot.token)
        self.webhook = self._config.telegram.mode == "webhook"
        if self.webhook:
            self.server.add_route("POST", WEBHOOK_PATH, self.receive)
            application.after_update.append(self._processed)

    async def start(self) -> None:
        """Listen; set the menu button; in webhook mode, register the webhook and catch up."""
        web_config = self._config.web
        if web_config is None:
            return
        if self.webhook:
            self._secrets = [*await self._store.secrets()]
            secret = secrets.token_urlsafe(48)
            await self._store.rotate_secret(secret)
            self._secrets.insert(0, secret)
        await self.server.start(web_config.host, web_config.port)
        bot = self._application.bot
        if web_config.public_url:
            await self._set_default_menu()
        if self.webhook:
            await bot.set_webhook(
                url=web_config.public_url + WEBHOOK_PATH,
                secret_token=self._secrets[0],
                allowed_updates=Update.ALL_TYPES,
                max_connections=self._config.telegram.webhook_max_connections,
            )
            self._runtime.liveness.reached_telegram()
            await self._store.forget_previous_secret()
            self._secrets = self._secrets[:1]
            logger.info("webhook set to %s%s", web_config.public_url, WEBHOOK_PATH)
            await self._replay()
            self._schedule_jobs()

    async def stop(self) -> None:
        """Stop the web server."""
        await self.server.stop()

    async def _set_default_menu(self) -> None:
        language = self._config.event.default_language
        try:
            await self._application.bot.set_chat_menu_button(
                menu_button=menu_button(self._config, language)
            )
        except TelegramError as error:
            logger.warning("could not set the default menu button: %s", error.message)

    # -- the webhook --------------------------------------------------------------------------

    async def receive(self, request: web.Request) -> web.StreamResponse:
        """Accept one delivery from Telegram: check the secret, note the id, queue the update."""
        given = request.headers.get(SECRET_HEADER, "")
        if not any(hmac.compare_digest(given.encode(), known.encode()) for known in self._secrets):
            # Logged without the body: it is someone else's request, possibly personal data.
            logger.warning(
                "webhook request refused: %s secret header (from %s)",
                "wrong" if given else "no",
                request.remote,
            )
            metrics.WEBHOOK_REQUESTS.labels(outcome="unauthorised").inc()
            raise web.HTTPUnauthorized()
        return await self._accept(await request.read())

    async def _accept(self, raw: bytes) -> web.StreamResponse:
        try:
            data = json.loads(raw)
            update_id = data["update_id"]
            if not isinstance(update_id, int) or isinstance(update_id, bool):
                raise TypeError("update_id")
        except (ValueError, KeyError, TypeError):
            metrics.WEBHOOK_REQUESTS.labels(outcome="malformed").inc()
            logger.warning("webhook delivery without a valid update (%d bytes)", len(raw))
            raise web.HTTPBadRequest() from None
        fresh = await self._store.receive(update_id, raw.decode(), self._runtime.clock())
        if not fresh:
            metrics.WEBHOOK_REQUESTS.labels(outcome="duplicate").inc()
            logger.info("update %d delivered again; already taken", update_id)
            return web.Response()
        metrics.WEBHOOK_REQUESTS.labels(outcome="accepted").inc()
        self._enqueue(update_id, data)
        return web.Response()

    def _enqueue(self, update_id: int, data: dict[str, Any]) -> None:
        try:
            update = Update.de_json(data, self._application.bot)
        except Exception:
            logger.exception("update %d cannot be read; dropped", update_id)
            self._application.create_task(self._store.processed(update_id))
            return
        self._application.update_queue.put_nowait(update)

    async def _processed(self, update: Update) -> None:
        await self._store.processed(update.update_id)

    async def _replay(self) -> None:
        left = await self._store.unprocessed()
        if left:
            logger.warning(
                "%d update(s) received before the last stop were not processed", len(left)
            )
        for update_id, body in left:
            self._enqueue(update_id, json.loads(body))

    def _schedule_jobs(self) -> None:
        job_queue = self._application.job_queue
        if job_queue is None:
            return
        job_queue.run_repeating(
            self._check_webhook, interval=WEBHOOK_CHECK_SECONDS, name="webhook-check"
        )
        job_queue.run_repeating(self._prune, interval=PRUNE_SECONDS, first=0, name="webhook-prune")

    async def _check_webhook(self, context: ForumContext) -> None:
        info = await self._application.bot.get_webhook_info()
        web_config = self._config.web
        expected = (web_config.public_url if web_config else "") + WEBHOOK_PATH
        if info.url != expected:
            logger.error(
                "the webhook is %r, not %r; was it changed elsewhere?", info.url, expected
            )
            return
        if info.last_error_message:
            logger.warning("Telegram reports a webhook error: %s", info.last_error_message)
        self._runtime.liveness.reached_telegram()

    async def _prune(self, context: ForumContext) -> None:
        await self._store.prune(self._runtime.clock())


async def run_webhook(application: Application[Any, ForumContext, Any, Any, Any, Any]) -> None:
    """Run the bot until SIGINT or SIGTERM, taking updates from the webhook (post_init sets it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await start_application(application)
        await stop.wait()
    finally:
        await stop_application(application)
