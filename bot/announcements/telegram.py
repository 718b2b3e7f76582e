"""Announcement delivery over the Bot API: the outbox worked off at Telegram's speed limit.

``Broadcaster`` implements the service's ``Sending`` port. ``launch(id, finished)`` sends an
announcement that is in the ``sending`` state to every recipient still ``pending`` in its
outbox, through the shared ``Outbound`` (retries, 429 pauses, blocked users) and the
application's rate limiter (the pace). Each outbox row is marked right after its own send, so
after a crash or restart the service resumes with the rows still pending: nobody is skipped,
and a recipient gets the message twice only if their send was in flight when the process died.
At most ``concurrency`` sends are in flight at any moment, so that many duplicates at most per
crash (the bound the crash test checks). ``halt(id)`` (the service cancelled it) stops the run
after the sends in flight. The organiser sees one progress message, edited in place at most
every ``progress_seconds``, and a final report; the service closes the run (``finished``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial

from telegram import Bot, Message
from telegram.error import TelegramError

from bot.announcements import render
from bot.announcements.model import Announcement, Delivered, Figures, Kind, Status
from bot.announcements.service import Finished
from bot.i18n import Translator
from bot.participants.service import ParticipantService
from bot.telegram.delivery import Outbound, Outcome
from bot.telegram.edits import unchanged_is_fine
from storage.announcements import Announcements

logger = logging.getLogger(__name__)

_OUTCOMES = {
    Outcome.SENT: Delivered.SENT,
    Outcome.BLOCKED: Delivered.BLOCKED,
    Outcome.FAILED: Delivered.FAILED,
}


async def send_content(
    bot: Bot, chat_id: int, announcement: Announcement, language: str
) -> Message:
    """Send the announcement to one chat as its recipients see it (also used for previews)."""
    body = announcement.body_for(language)
    if announcement.kind is Kind.PHOTO and announcement.file_id:
        return await bot.send_photo(chat_id, announcement.file_id, caption=body)
    if announcement.kind is Kind.DOCUMENT and announcement.file_id:
        return await bot.send_document(chat_id, announcement.file_id, caption=body)
    return await bot.send_message(chat_id, body)


@dataclass
class _Run:
    """One announcement being sent: counters for the progress message."""

    announcement: Announcement
    figures: Figures
    sent_now: int = 0
    blocked_now: int = 0
    failed_now: int = 0
    started: float = 0.0

    def counts(self) -> tuple[int, int, int, int]:
        """Return (sent, blocked, failed, pending) so far."""
        f = self.figures
        sent = f.sent + self.sent_now
        blocked = f.blocked + self.blocked_now
        failed = f.failed + self.failed_now
        return sent, blocked, failed, f.total - sent - blocked - failed

    @property
    def done_now(self) -> int:
        """Return how many sends this run has settled."""
        return self.sent_now + self.blocked_now + self.failed_now


@dataclass
class Broadcaster:
    """Send announcements from their outbox, resumably, and report progress."""

    store: Announcements
    bot: Bot
    outbound: Outbound  # bulk priority: replies to people go first
    participants: ParticipantService  # the organiser's language for progress and report
    concurrency: int = field(default=32, kw_only=True)
    progress_seconds: float = field(default=3.0, kw_only=True)
    _tasks: dict[int, asyncio.Future[None]] = field(default_factory=dict, init=False)
    _halted: set[int] = field(default_factory=set, init=False)
    _stopping: bool = field(default=False, init=False)

    def launch(self, announcement_id: int, finished: Finished) -> None:
        """Start sending an announcement in the background (once)."""
        if announcement_id in self._tasks:
            return
        self._halted.discard(announcement_id)
        task = asyncio.ensure_future(self._supervised(announcement_id, finished))
        self._tasks[announcement_id] = task

    def is_running(self, announcement_id: int) -> bool:
        """Tell whether the announcement is being sent by this process."""
        return announcement_id in self._tasks

    def halt(self, announcement_id: int) -> None:
        """Stop sending an announcement after the sends in flight."""
        if announcement_id in self._tasks:
            self._halted.add(announcement_id)

    async def wait(self, announcement_id: int) -> None:
        """Wait until the announcement's sending task has ended (tests, benchmarks)."""
        task = self._tasks.get(announcement_id)
        if task is not None:
            await asyncio.shield(task)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop every run: let sends in flight finish briefly, then cancel; rows stay pending."""
        self._stopping = True
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, waiting = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _should_stop(self, announcement_id: int) -> bool:
        return self._stopping or announcement_id in self._halted

    async def _supervised(self, announcement_id: int, finished: Finished) -> None:
        try:
            await self._run(announcement_id, finished)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "sending announcement %s failed; it resumes at restart", announcement_id
            )
        finally:
            self._tasks.pop(announcement_id, None)
            self._halted.discard(announcement_id)

    async def _run(self, announcement_id: int, finished: Finished) -> None:
        announcement = await self.store.get(announcement_id)
        if announcement is None or announcement.status is not Status.SENDING:
            return
        run = _Run(announcement, await self.store.figures(announcement_id))
        run.started = time.monotonic()
        tr = await self.participants.translator_for(announcement.author_id)
        progress = await self._progress_message(run, tr)
        pending = iter(await self.store.pending(announcement_id))
        workers = [
            asyncio.ensure_future(self._worker(run, pending)) for _ in range(self.concurrency)
        ]
        ticker = asyncio.ensure_future(self._tick(run, tr, progress))
        try:
            await asyncio.gather(*workers)
        finally:
            ticker.cancel()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(ticker, *workers, return_exceptions=True)
        if self._stopping and announcement_id not in self._halted:
            return  # shutting down: the rest goes out after the restart
        cancelled = await finished(announcement_id)
        figures = await self.store.figures(announcement_id)
        report = render.report(tr, announcement_id, figures, cancelled)
        await self._edit(progress, report)
        await self._say(announcement.author_id, report)

    async def _worker(self, run: _Run, pending: Iterator[tuple[int, str]]) -> None:
        # All workers share one iterator: each row is taken by exactly one of them.
        for chat_id, language in pending:
            if self._should_stop(run.announcement.id):
                return
            send = partial(send_content, self.bot, chat_id, run.announcement, language)
            delivery = await self.outbound.deliver(chat_id, send)
            state = _OUTCOMES[delivery.outcome]
            await self.store.mark(run.announcement.id, chat_id, state, delivery.error)
            if state is Delivered.SENT:
                run.sent_now += 1
            elif state is Delivered.BLOCKED:
                run.blocked_now += 1
            else:
                run.failed_now += 1

    async def _tick(self, run: _Run, tr: Translator, progress: tuple[int, int] | None) -> None:
        while True:
            await asyncio.sleep(self.progress_seconds)
            await self._edit(progress, self._progress_text(run, tr))

    def _progress_text(self, run: _Run, tr: Translator) -> str:
        elapsed = time.monotonic() - run.started
        return render.progress(tr, run.announcement.id, run.counts(), run.done_now, elapsed)

    async def _progress_message(self, run: _Run, tr: Translator) -> tuple[int, int] | None:
        announcement = run.announcement
        if announcement.progress_message_id is not None and announcement.progress_chat_id:
            return announcement.progress_chat_id, announcement.progress_message_id
        try:
            message = await self.bot.send_message(
                announcement.author_id, self._progress_text(run, tr)
            )
        except TelegramError:
            logger.warning("cannot show progress of announcement %s", announcement.id)
            return None
        await self.store.set_progress_message(announcement.id, message.chat_id, message.id)
        return message.chat_id, message.id

    async def _edit(self, progress: tuple[int, int] | None, text: str) -> None:
        if progress is None:
            return
        try:
            async with unchanged_is_fine():
                await self.bot.edit_message_text(text, chat_id=progress[0], message_id=progress[1])
        except TelegramError as error:
            logger.warning("cannot update the progress message: %s", error)

    async def _say(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_message(chat_id, text)
        except TelegramError as error:
            logger.warning("cannot send the announcement report: %s", error)
