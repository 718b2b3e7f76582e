"""Questions over the Bot API: live host views, the asker's and hosts' notices, group posts.

``QuestionsTelegram`` implements the service's ``QuestionNotifier``; what is told to one
person (the asker, a new host) goes through the shared ``bot.notify.Notifier``, which writes
only to people who can be reached, in their language. A change to a session's
queue marks its host views dirty; each session is re-rendered and edited in place at most once
every ``host_view_seconds`` however many votes arrive (the first change after a quiet spell
goes out at once, later ones are coalesced into one edit at the end of the interval). Each
view remembers the text it shows, so an edit that would change nothing is never sent (Telegram
answers those with 400 "message is not modified"). Host-view edits are interactive; the group
post of a session's top questions is bulk and goes through a ``BulkSender``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.callbacks import Rows
from bot.notify import Notice, notice_of
from bot.participants.service import ParticipantService
from bot.questions import render
from bot.questions.model import Question
from bot.questions.service import Questions
from bot.schedule.model import Session
from bot.telegram.delivery import BulkSender, Outcome
from bot.telegram.keyboards import keyboard
from bot.telegram.notifier import TelegramNotifier
from storage.questions import QuestionStore

logger = logging.getLogger(__name__)

LIST_EDIT_SECONDS = 1.0


@dataclass
class QuestionsTelegram:
    """Tell people about questions, and keep the live host views up to date."""

    questions: Questions
    store: QuestionStore
    sender: BulkSender  # its bot edits the host views; the group post is bulk
    participants: ParticipantService
    notifier: TelegramNotifier
    community: int | None  # where the top questions are posted
    edits: int = field(default=0, init=False)  # host-view edits sent (the benchmark reads it)
    _shown: dict[tuple[int, int], str] = field(default_factory=dict, init=False)
    _last: dict[str, float] = field(default_factory=dict, init=False)
    _dirty: set[str] = field(default_factory=set, init=False)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _list_edits: dict[int, float] = field(default_factory=dict, init=False)

    @property
    def interval(self) -> float:
        """Return the shortest time between two refreshes of a session's host views."""
        return self.questions.config.questions.host_view_seconds

    # ---- the notifier port ----

    async def queue_changed(self, session_guid: str) -> None:
        """Refresh the session's host views, at most once per interval."""
        self._dirty.add(session_guid)
        if session_guid in self._tasks:
            return
        task = asyncio.get_running_loop().create_task(self._refresher(session_guid))
        self._tasks[session_guid] = task
        task.add_done_callback(self._finished)

    async def answered(self, question: Question, session: Session) -> None:
        """Tell the asker, in their language, that their question was answered."""
        notice = Notice(lambda tr: render.answered_notice(session, question, tr))
        if not await self.notifier.tell(question.asker_id, notice):
            logger.info("the asker of question %d cannot be reached", question.question_id)

    async def host_assigned(self, user_id: int, session: Session) -> None:
        """Tell a new host, with a button to their host view."""
        await self.notifier.tell(user_id, notice_of(lambda tr: render.host_assigned(session, tr)))

    def may_edit_list(self, chat_id: int) -> bool:
        """Tell whether a participant's list may be edited now (at most once a second a chat).

        Telegram allows about one message a second per chat; a voter pressing faster gets the
        press answered ("your vote counts") and sees the new ranking with their next press.
        """
        now = time.monotonic()
        if now - self._list_edits.get(chat_id, -math.inf) < LIST_EDIT_SECONDS:
            return False
        if len(self._list_edits) > 10_000:
            self._list_edits = {
                c: t for c, t in self._list_edits.items() if now - t < LIST_EDIT_SECONDS
            }
        self._list_edits[chat_id] = now
        return True

    # ---- host views ----

    async def open_view(self, message: Message, session: Session, text: str) -> None:
        """Keep a just-sent host view up to date (replacing the chat's older one)."""
        chat_id = message.chat_id
        await self.store.drop_views_of_chat(chat_id, session.guid)
        await self.store.add_view(
            chat_id, message.message_id, session.guid, self.questions.clock()
        )
        self._shown[(chat_id, message.message_id)] = text

    async def _refresher(self, session_guid: str) -> None:
        loop = asyncio.get_running_loop()
        while session_guid in self._dirty:
            wait = self._last.get(session_guid, -math.inf) + self.interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._dirty.discard(session_guid)
            self._last[session_guid] = loop.time()
            await self._refresh(session_guid)

    def _finished(self, task: asyncio.Task[None]) -> None:
        for guid, running in list(self._tasks.items()):
            if running is task:
                del self._tasks[guid]
        if not task.cancelled() and task.exception() is not None:
            logger.error("a host view refresh failed", exc_info=task.exception())

    async def _refresh(self, session_guid: str) -> None:
        session = self.questions.by_guid(session_guid)
        views = await self.store.views(session_guid)
        if session is None or not views:
            return
        queue = await self.questions.host_queue(session)
        rendered: dict[str, tuple[str, Rows]] = {}
        for chat_id, message_id in views:
            tr = await self.participants.translator_for(chat_id)
            if tr.language not in rendered:
                rendered[tr.language] = render.host_view(session, queue, tr)
            text, rows = rendered[tr.language]
            key = (chat_id, message_id)
            if self._shown.get(key) == text:
                continue
            await self._edit(session_guid, key, text, rows)

    async def _edit(self, session_guid: str, key: tuple[int, int], text: str, rows: Rows) -> None:
        chat_id, message_id = key
        try:
            await self.sender.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(rows)
            )
        except RetryAfter as error:
            # Over the chat's budget: try again once the pause is over, so the final ranking
            # is still shown.
            pause = error.retry_after
            seconds = pause.total_seconds() if isinstance(pause, timedelta) else float(pause)
            self._last[session_guid] = asyncio.get_running_loop().time() + seconds
            self._dirty.add(session_guid)
            return
        except BadRequest as error:
            if "not modified" in error.message.lower():
                self._shown[key] = text
                return
            logger.info("host view %s can no longer be edited: %s", key, error.message)
            await self._drop(key)
            return
        except Forbidden:
            await self._drop(key)
            return
        except TelegramError as error:
            # Transient (timeout, 5xx, a 429 outliving the retries): the next change retries.
            logger.info("host view %s not edited this time: %s", key, error)
            return
        self.edits += 1
        self._shown[key] = text

    async def _drop(self, key: tuple[int, int]) -> None:
        self._shown.pop(key, None)
        await self.store.drop_view(*key)

    async def idle(self) -> None:
        """Wait until every pending host-view refresh is done (tests and benchmarks)."""
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def close(self) -> None:
        """Stop refreshing (at shutdown)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()

    # ---- after sessions ----

    async def post_top_questions(self) -> int:
        """Post the top questions of sessions that just ended to the community group."""
        chat_id = self.community
        if chat_id is None:
            return 0
        postings = await self.questions.due_postings()
        tr = self.notifier.group_translator
        posted = 0
        for posting in postings:
            text = render.top_post(posting.session, posting.questions, tr)
            # Bulk: the group's budget is shared with everything else the bot posts there.
            delivery = await self.sender.send(chat_id, text)
            sent = delivery.outcome is Outcome.SENT
            posted += sent
            await self.questions.posted(posting.session, sent=sent)
        return posted

    async def tidy(self) -> None:
        """Forget host views older than a day and drafts nobody signed within an hour."""
        now = self.questions.clock()
        await self.store.drop_views_before(now - timedelta(days=1))
        await self.store.drop_drafts_before(now - timedelta(hours=1))
