"""The Application the bot runs: PTB's, with each update timed, counted and seen through.

Updates reach the application's queue from the poller or from the webhook; ``ArrivalQueue``
notes when each one arrived, and ``ForumApplication.process_update`` records, once its handlers
are done, the update's kind and the time from arrival to done (``bot.metrics``), and runs the
``after_update`` hooks (the webhook's inbox marks the update processed there).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest

from bot import metrics
from bot.telegram.context import BotData, ForumContext

logger = logging.getLogger(__name__)

AfterUpdate = Callable[[Update], Awaitable[None]]


class ArrivalQueue(asyncio.Queue[object]):
    """The update queue, remembering when each update was put into it."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, float] = {}

    def put_nowait(self, item: object) -> None:
        """Queue an update and note its arrival (``put`` ends here too)."""
        self.arrivals[id(item)] = time.perf_counter()
        super().put_nowait(item)

    def arrived(self, item: object) -> float | None:
        """Return and forget when ``item`` arrived, if it came through this queue."""
        return self.arrivals.pop(id(item), None)


def update_kind(update: object) -> str:
    """Return what an update carries ("message", "callback_query", ...), for the metrics."""
    if not isinstance(update, Update):
        return "other"
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


# The bot and job-queue parameters stay Any: the builder's chained generics cannot name them.
class ForumApplication(Application[Any, ForumContext, Any, Any, BotData, Any]):
    """PTB's Application, timing and counting every update it processes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after_update: list[AfterUpdate] = []
        # The HTTP clients the bot was built with, closed here when a start fails.
        self.requests: list[BaseRequest] = []

    async def initialize(self) -> None:
        """Initialise; when that fails (no Bot API), close the HTTP clients it opened.

        PTB's shutdown passes over an application that never finished initialising, so an
        aiohttp session opened for the failed getMe would be left to the garbage collector,
        which logs "Unclosed client session".
        """
        try:
            await super().initialize()
        except BaseException:
            await asyncio.gather(*(request.shutdown() for request in self.requests))
            raise

    async def process_update(self, update: object) -> None:
        """Run the handlers, then record the update's kind and latency and run the hooks."""
        queue = self.update_queue
        arrived = queue.arrived(update) if isinstance(queue, ArrivalQueue) else None
        started = time.perf_counter()
        runtime = self.bot_data.runtime
        if runtime is not None:
            runtime.liveness.saw_update()
        try:
            await super().process_update(update)
        finally:
            metrics.observe_update(update_kind(update), time.perf_counter() - (arrived or started))
            if isinstance(update, Update):
                for hook in self.after_update:
                    try:
                        await hook(update)
                    except Exception:
                        logger.exception("an after-update hook failed")


async def start_application(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Initialise and start an application with its post_init hook, as PTB's ``run_*`` do."""
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()


async def stop_application(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop and shut an application down with its hooks, as PTB's ``run_*`` do."""
    if application.running:
        await application.stop()
    if application.post_stop is not None:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
