"""Announcement delivery over the Bot API: the outbox worked off at Telegram's speed limit.

``Broadcaster.launch(id)`` sends an announcement that is in the ``sending`` state to every
recipient still ``pending`` in its outbox, through the shared ``Outbound`` (retries, 429 pauses,
blocked users) and the application's rate limiter (the pace). Each outbox row is marked right
after its own send, so after a crash or restart ``resume`` continues with the rows still
pending: nobody is skipped, and a recipient gets the message twice only if their send was in
flight when the process died. At most ``concurrency`` sends are in flight at any moment, so
that many duplicates at most per crash (the bound the crash test checks). The organiser sees
one progress message, edited in place at most every ``progress_seconds``, and a final report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial

from telegram import Bot, Message
from telegram.error import BadRequest, TelegramError

from bot.announcements.service import Announcement, Delivered, Figures, Kind, Status
from bot.clock import Clock
from bot.i18n import LANGUAGE_NAMES, Translator
from bot.telegram.delivery import Outbound, Outcome
from storage.announcements import Announcements

logger = logging.getLogger(__name__)

TranslatorFor = Callable[[int], Awaitable[Translator]]

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
    stopping: bool = False

    def counts(self) -> tuple[int, int, int, int]:
        """Return (sent, blocked, failed, pending) so far."""
        f = self.figures
        sent = f.sent + self.sent_now
        blocked = f.blocked + self.blocked_now
        failed = f.failed + self.failed_now
        return sent, blocked, failed, f.total - sent - blocked - failed


class Broadcaster:
    """Send announcements from their outbox, resumably, and report progress."""

    def __init__(
        self,
        store: Announcements,
        clock: Clock,
        *,
        concurrency: int = 32,
        progress_seconds: float = 3.0,
    ) -> None:
        self._store = store
        self._outbound: Outbound | None = None
        self._clock = clock
        self.concurrency = concurrency
        self._progress_seconds = progress_seconds
        self._bot: Bot | None = None
        self._translator_for: TranslatorFor | None = None
        self._runs: dict[int, _Run] = {}
        self._tasks: dict[int, asyncio.Future[None]] = {}

    async def begin(
        self, bot: Bot, outbound: Outbound, translator_for: TranslatorFor
    ) -> list[int]:
        """Attach the bot and resume every announcement that was being sent; return their ids."""
        self._bot = bot
        self._outbound = outbound
        self._translator_for = translator_for
        resumed = await self._store.in_progress()
        for announcement_id in resumed:
            logger.info("resuming announcement %s", announcement_id)
            self.launch(announcement_id)
        return resumed

    def launch(self, announcement_id: int) -> None:
        """Start sending an announcement in the background (once)."""
        if announcement_id in self._tasks:
            return
        task = asyncio.ensure_future(self._supervised(announcement_id))
        self._tasks[announcement_id] = task

    def is_running(self, announcement_id: int) -> bool:
        """Tell whether the announcement is being sent by this process."""
        return announcement_id in self._tasks

    def halt(self, announcement_id: int) -> None:
        """Stop sending an announcement after the sends in flight."""
        run = self._runs.get(announcement_id)
        if run is not None:
            run.stopping = True

    async def wait(self, announcement_id: int) -> None:
        """Wait until the announcement's sending task has ended (tests, benchmarks)."""
        task = self._tasks.get(announcement_id)
        if task is not None:
            await asyncio.shield(task)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop every run: let sends in flight finish briefly, then cancel; rows stay pending."""
        for run in self._runs.values():
            run.stopping = True
        tasks = list(self._tasks.values())
        if not tasks:
            return
        _done, waiting = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in waiting:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _supervised(self, announcement_id: int) -> None:
        try:
            await self._run(announcement_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "sending announcement %s failed; it resumes at restart", announcement_id
            )
        finally:
            self._tasks.pop(announcement_id, None)
            self._runs.pop(announcement_id, None)

    async def _run(self, announcement_id: int) -> None:
        bot = self._require_bot()
        announcement = await self._store.get(announcement_id)
        if announcement is None or announcement.status is not Status.SENDING:
            return
        run = _Run(announcement, await self._store.figures(announcement_id))
        run.started = time.monotonic()
        self._runs[announcement_id] = run
        tr = await self._translator(announcement.author_id)
        progress = await self._progress_message(run, tr)
        pending = iter(await self._store.pending(announcement_id))
        workers = [
            asyncio.ensure_future(self._worker(bot, run, pending)) for _ in range(self.concurrency)
        ]
        ticker = asyncio.ensure_future(self._tick(run, tr, progress))
        try:
            await asyncio.gather(*workers)
        finally:
            ticker.cancel()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(ticker, *workers, return_exceptions=True)
        current = await self._store.get(announcement_id)
        cancelled = current is not None and current.status is Status.CANCELLED
        if run.stopping and not cancelled:
            return  # shutting down: the rest goes out after the restart
        if not cancelled:
            await self._store.set_status(announcement_id, Status.DONE, self._clock())
        figures = await self._store.figures(announcement_id)
        await self._edit(progress, render_report(tr, announcement_id, figures, cancelled))
        await self._say(
            announcement.author_id, render_report(tr, announcement_id, figures, cancelled)
        )

    async def _worker(self, bot: Bot, run: _Run, pending: Iterator[tuple[int, str]]) -> None:
        outbound = self._outbound
        if outbound is None:
            raise RuntimeError("the broadcaster has not begun")
        # All workers share one iterator: each row is taken by exactly one of them.
        for chat_id, language in pending:
            if run.stopping:
                return
            send = partial(send_content, bot, chat_id, run.announcement, language)
            delivery = await outbound.deliver(chat_id, send)
            state = _OUTCOMES[delivery.outcome]
            await self._store.mark(run.announcement.id, chat_id, state, delivery.error)
            if state is Delivered.SENT:
                run.sent_now += 1
            elif state is Delivered.BLOCKED:
                run.blocked_now += 1
            else:
                run.failed_now += 1

    async def _tick(self, run: _Run, tr: Translator, progress: tuple[int, int] | None) -> None:
        while True:
            await asyncio.sleep(self._progress_seconds)
            current = await self._store.get(run.announcement.id)
            if current is None or current.status is Status.CANCELLED:
                run.stopping = True
            await self._edit(progress, render_progress(tr, run, time.monotonic() - run.started))

    async def _progress_message(self, run: _Run, tr: Translator) -> tuple[int, int] | None:
        announcement = run.announcement
        if announcement.progress_message_id is not None and announcement.progress_chat_id:
            return announcement.progress_chat_id, announcement.progress_message_id
        try:
            message = await self._require_bot().send_message(
                announcement.author_id, render_progress(tr, run, 0.0)
            )
        except TelegramError:
            logger.warning("cannot show progress of announcement %s", announcement.id)
            return None
        await self._store.set_progress_message(announcement.id, message.chat_id, message.id)
        return message.chat_id, message.id

    async def _edit(self, progress: tuple[int, int] | None, text: str) -> None:
        if progress is None:
            return
        try:
            await self._require_bot().edit_message_text(
                text, chat_id=progress[0], message_id=progress[1]
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                logger.warning("cannot update the progress message: %s", error.message)
        except TelegramError as error:
            logger.warning("cannot update the progress message: %s", error)

    async def _say(self, chat_id: int, text: str) -> None:
        try:
            await self._require_bot().send_message(chat_id, text)
        except TelegramError as error:
            logger.warning("cannot send the announcement report: %s", error)

    async def _translator(self, user_id: int) -> Translator:
        if self._translator_for is None:
            raise RuntimeError("the broadcaster has not begun")
        return await self._translator_for(user_id)

    def _require_bot(self) -> Bot:
        if self._bot is None:
            raise RuntimeError("the broadcaster has not begun")
        return self._bot


def render_progress(tr: Translator, run: _Run, elapsed: float) -> str:
    """Describe a run in progress: counts, rate and time left."""
    sent, blocked, failed, pending = run.counts()
    done_now = run.sent_now + run.blocked_now + run.failed_now
    rate = done_now / elapsed if elapsed > 0 else 0.0
    left = int(pending / rate) if rate > 0 else 0
    return tr(
        "📣 Announcement #{id}: sending…\n"
        "Delivered: {sent} · blocked: {blocked} · failed: {failed} · to go: {pending}\n"
        "Rate: {rate} messages/s · about {minutes} min {seconds} s left"
    ).format(
        id=run.announcement.id,
        sent=sent,
        blocked=blocked,
        failed=failed,
        pending=pending,
        rate=f"{rate:.1f}",
        minutes=left // 60,
        seconds=left % 60,
    )


def render_report(tr: Translator, announcement_id: int, figures: Figures, cancelled: bool) -> str:
    """Describe a finished (or cancelled) announcement, with figures per language."""
    if cancelled:
        head = tr("📣 Announcement #{id} was cancelled.").format(id=announcement_id)
    else:
        head = tr("📣 Announcement #{id} is sent.").format(id=announcement_id)
    lines = [head, render_figures(tr, figures)]
    for language, counts in figures.by_language.items():
        lines.append(
            tr("{language}: {sent} delivered, {blocked} blocked, {failed} failed").format(
                language=LANGUAGE_NAMES.get(language, language),
                sent=counts[Delivered.SENT],
                blocked=counts[Delivered.BLOCKED],
                failed=counts[Delivered.FAILED],
            )
        )
    return "\n".join(lines)


def render_figures(tr: Translator, figures: Figures) -> str:
    """Summarise an outbox in one line."""
    return tr(
        "Delivered: {sent} · blocked: {blocked} · failed: {failed} · not sent: {pending}"
    ).format(
        sent=figures.sent,
        blocked=figures.blocked,
        failed=figures.failed,
        pending=figures.pending,
    )
