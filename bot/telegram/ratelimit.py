"""The one outbound scheduler: every Bot API send, paced at Telegram's limits, by priority.

Every request the bot makes passes through the application's rate limiter (PTB's
``BaseRateLimiter``); ``OutboundScheduler`` is that limiter. Methods that send a message count
against Telegram's limits (about 30 a second overall, one a second per chat with a short burst,
20 a minute per group); edits count against their chat's budget only, like the real server;
everything else (answering a button, restricting or deleting in a group) goes straight through,
so moderation never waits behind the group's 20 a minute.

A send that may go now goes now. One that must wait waits in its chat's own queue, holding
nothing else (the update that made it lends its processing slot back, see
``bot.telegram.processor``); whenever a global slot is free, the waiting send with the best
priority whose chat has budget goes next: interactive replies first, then time-critical bulk
(reminders due now), then announcements and digests. The priority, an optional coalescing key
and an optional deadline travel in a context variable that ``send_options`` sets (bulk senders
use ``bot.telegram.delivery.Outbound``, which sets it for them); interactive is the default.

A send queued behind an identical one to the same group (same text and buttons, or the same
coalescing key) is not sent again: its caller gets the first one's message. A send still
queued at its deadline is dropped with ``SendExpiredError``. A 429 pauses the chat (a group) or
everything (a private chat: the global budget is the likely cause) for ``retry_after``, after
which the queue resumes at the pace, not in a burst. An interactive send that failed in a way
that cannot have delivered it (a 5xx, no connection: ``bot.telegram.http.repeatable``) is sent
again after a short backoff, up to ``interactive_retries`` times; bulk senders retry on their own
(``bot.telegram.delivery.Outbound``). Time and sleeping come from a ``PaceClock`` (the event
loop's in production, a virtual one in tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import heapq
import itertools
import logging
from collections import Counter, deque
from collections.abc import Callable, Coroutine, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any, Protocol

from telegram import TelegramObject
from telegram._utils.types import JSONDict
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter

from bot import metrics
from bot.telegram.http import repeatable
from bot.telegram.processor import Slots, slot_lent

logger = logging.getLogger(__name__)

# Methods that send a new message: they count against every limit.
SEND_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendvideonote",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendmediagroup",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendpaidmedia",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)
# Edits count against their chat's budget (and a group's minute), not the global one.
EDIT_METHODS = frozenset(
    {
        "editmessagetext",
        "editmessagecaption",
        "editmessagemedia",
        "editmessagereplymarkup",
    }
)

# Float safety: a slot is taken this long after the instant the arithmetic says is free, so
# the server's own arithmetic can never see a budget a hair short.
EPSILON = 1e-6
# How late a timer may fire and still keep the next global slot where it was (the event loop's
# usual wake-up delay); a longer stall restarts the spacing, so sends do not bunch up after it.
SLACK = 0.0015
# Below this interval between sends the loop's timers are too coarse to pace one by one.
FINE_PACE = 0.005
CATCH_UP_SLOTS = 8
CATCH_UP_MARGIN = 0.01
# A chat's budget (its tokens, a group's minute) is spent this much slower than Telegram
# allows: a send's arrival at the server moves by network and loop jitter, and one arriving
# 0.999 s after the previous one in a private chat is answered 429, as the global pace keeps
# under 30/s with 29/s. At 1/s that is 30 ms between paced sends, 1.8 s on a group's minute.
CHAT_MARGIN = 0.03


class Priority(IntEnum):
    """Who goes first when sends wait: lower values first."""

    INTERACTIVE = 0  # replies, answers to presses, edits of what a user is looking at
    URGENT = 1  # time-critical bulk: reminders due now, "starting soon" posts
    BULK = 2  # announcements, digests, morning posts


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How one send is scheduled: its priority, coalescing key and longest acceptable wait."""

    priority: Priority = Priority.INTERACTIVE
    coalesce: str | None = None
    max_wait: float | None = None


INTERACTIVE = SendOptions()
_OPTIONS: ContextVar[SendOptions | None] = ContextVar("send_options", default=None)


@contextlib.contextmanager
def send_options(
    priority: Priority = Priority.INTERACTIVE,
    *,
    coalesce: str | None = None,
    max_wait: float | timedelta | None = None,
) -> Iterator[None]:
    """Schedule the sends made inside the block with this priority, key and deadline."""
    if isinstance(max_wait, timedelta):
        max_wait = max_wait.total_seconds()
    token = _OPTIONS.set(SendOptions(priority, coalesce, max_wait))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


class SendExpiredError(TelegramError):
    """A send dropped unsent because it was still waiting at its deadline."""

    def __init__(self) -> None:
        super().__init__("the message was still waiting at its deadline and was dropped")


class PaceClock(Protocol):
    """Where the scheduler takes its time (seconds, monotonic) and its timers from."""

    def now(self) -> float:
        """Return the current time in seconds."""
        ...

    def call_at(self, when: float, callback: Callable[[], None]) -> asyncio.TimerHandle | Any:
        """Call ``callback`` at ``when``; the result has ``cancel()``."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Sleep for ``seconds``."""
        ...


class LoopPaceClock:
    """The event loop's own clock and timers (production)."""

    def now(self) -> float:
        """Return the loop's time."""
        return asyncio.get_running_loop().time()

    def call_at(self, when: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        """Schedule a callback on the loop."""
        return asyncio.get_running_loop().call_at(when, callback)

    async def sleep(self, seconds: float) -> None:
        """Sleep on the loop."""
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class Limits:
    """Telegram's limits as the scheduler applies them."""

    messages_per_second: float = 29.0
    chat_messages_per_second: float = 1.0
    chat_burst: int = 3
    group_messages_per_minute: int = 20


@dataclass(eq=False)
class _Send:
    """One request waiting for (or holding) its turn."""

    chat: _Chat
    priority: Priority
    seq: int
    counts_globally: bool
    deadline: float | None
    coalesce: tuple[str, ...] | None
    go: asyncio.Future[None] | None = None
    followers: list[asyncio.Future[Any]] = field(default_factory=list)
    done: bool = False
    released: float = 0.0

    def order(self) -> tuple[int, int]:
        return (self.priority, self.seq)


@dataclass(eq=False)
class _Chat:
    """A chat's budget and its queue of waiting sends."""

    key: int | str
    is_group: bool
    tokens: float
    at: float
    minute: deque[float] = field(default_factory=deque)
    queue: list[tuple[int, int, _Send]] = field(default_factory=list)
    paused_until: float = 0.0
    timer_at: float | None = None
    entry: tuple[int, int] | None = None  # the head's entry in the ready heap, if any

    def head(self) -> _Send | None:
        while self.queue and self.queue[0][2].done:
            heapq.heappop(self.queue)
        return self.queue[0][2] if self.queue else None


class OutboundScheduler(BaseRateLimiter[int]):
    """Pace every send at Telegram's limits, best priority first; pass the rest through."""

    def __init__(
        self,
        limits: Limits = Limits(),
        clock: PaceClock | None = None,
        *,
        max_flood_retries: int = 5,
        connections: int = 8,
        interactive_retries: int = 3,
        backoff_seconds: float = 0.5,
    ) -> None:
        self.limits = limits
        # Requests on the wire at once: no more than the HTTP pool has connections. httpcore
        # scans its waiting requests on every hand-over, so hundreds of updates queueing in
        # the pool at once would cost more CPU than their replies; they queue here instead.
        self._wire = Slots(connections)
        self.clock: PaceClock = clock or LoopPaceClock()
        self._interval = 1.0 / limits.messages_per_second
        self._chat_rate = limits.chat_messages_per_second * (1 - CHAT_MARGIN)
        self._group_window = 60.0 * (1 + CHAT_MARGIN)
        # In catch-up pacing (below) a few sends released late may leave together: 1 % of the
        # second's budget is kept back so that they never push a window over the rate.
        fine = 1.0 / limits.messages_per_second >= FINE_PACE
        self._per_second = max(
            1, int(limits.messages_per_second * (1.0 if fine else 1 - CATCH_UP_MARGIN))
        )
        # At Telegram's own rates a send may only be a loop wake-up late; above what the
        # event loop can time (paid broadcasts, up to 1,000 a second) the pace may catch up
        # a few slots at once, still never more than the rate in any one second.
        self._slack = min(SLACK, self._interval / 4) if fine else CATCH_UP_SLOTS * self._interval
        self._max_flood_retries = max_flood_retries
        self._interactive_retries = interactive_retries
        self._backoff = backoff_seconds
        self._last = float("-inf")
        self._departed = float("-inf")
        self._second: deque[float] = deque()
        self._paused_until = 0.0
        self._chats: dict[int | str, _Chat] = {}
        self._ready: list[tuple[int, int, _Chat]] = []  # heads that need a global slot now
        self._ready_chats = 0  # chats with a live entry in it
        self._timers: list[tuple[float, int, _Chat]] = []  # chats waiting for their budget
        self._deadlines: list[tuple[float, int, _Send]] = []
        self._coalescing: dict[tuple[int | str, tuple[str, ...]], _Send] = {}
        self._seq = itertools.count()
        self._wake: Any = None
        self._wake_at: float | None = None
        self._closed = False
        # Sends released and not yet answered (tests settle on it; metrics read it).
        self.in_flight = 0
        self.waiting = 0
        self.counts: Counter[str] = Counter()
        self._depth: Counter[Priority] = Counter()
        self._counters: dict[tuple[str, str], Any] = {}

    # -- PTB's interface ------------------------------------------------------------------------

    async def initialize(self) -> None:
        """Accept sends (again)."""
        self._closed = False

    async def shutdown(self) -> None:
        """Fail every waiting send; the senders decide what to keep for later."""
        self._closed = True
        if self._wake is not None:
            self._wake.cancel()
            self._wake, self._wake_at = None, None
        for chat in self._chats.values():
            while (send := chat.head()) is not None:
                self._finish_waiting(send, NetworkError("the bot is shutting down"))
        self._ready.clear()
        self._ready_chats = 0
        for chat in self._chats.values():
            chat.entry, chat.timer_at = None, None
        self._timers.clear()
        self._deadlines.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Send when the limits and the priorities allow; pass non-sends straight through."""
        method = endpoint.lower()
        is_send = method in SEND_METHODS
        chat_id = data.get("chat_id")
        if (not is_send and method not in EDIT_METHODS) or chat_id is None:
            async with self._wire:
                return await callback(*args, **kwargs)
        if data.get("allow_paid_broadcast"):
            async with self._wire:
                return await callback(*args, **kwargs)
        options = _OPTIONS.get() or INTERACTIVE
        chat = self._chat(chat_id)
        coalesce = self._coalescing_key(chat, method, options, data)
        async with slot_lent():
            leader = self._coalescing.get((chat.key, coalesce)) if coalesce else None
            if leader is not None and not leader.done:
                return await self._follow(leader)
            now = self.clock.now()
            deadline = now + options.max_wait if options.max_wait is not None else None
            send = _Send(chat, options.priority, next(self._seq), is_send, deadline, coalesce)
            if coalesce:
                self._coalescing[(chat.key, coalesce)] = send
            try:
                return await self._send(send, callback, args, kwargs, rate_limit_args)
            finally:
                if coalesce and self._coalescing.get((chat.key, coalesce)) is send:
                    del self._coalescing[(chat.key, coalesce)]

    # -- one send -------------------------------------------------------------------------------

    async def _send(
        self,
        send: _Send,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        retries = rate_limit_args if rate_limit_args is not None else self._max_flood_retries
        failures, backoff = 0, 0.0
        for attempt in itertools.count():
            try:
                if backoff:
                    await self.clock.sleep(backoff)
                await self._turn(send)
            except BaseException as error:
                self._settle_followers(send, error=error)
                raise
            try:
                async with self._wire:
                    await self._depart(send)
                    result = await callback(*args, **kwargs)
            except RetryAfter as error:
                self._flooded(send.chat, _seconds(error.retry_after))
                backoff = 0.0
                if attempt >= retries:
                    self._count(send, "flood")
                    self._settle_followers(send, error=error)
                    raise
                send.done = False
                continue
            except TelegramError as error:
                failures += 1
                if not self._worth_repeating(send, error, failures):
                    self._count(send, "failed")
                    self._settle_followers(send, error=error)
                    raise
                self._count(send, "retried")
                logger.info("send to %s failed (%s), sending it again", send.chat.key, error)
                send.done = False
                backoff = self._backoff * 2 ** (failures - 1)
                continue
            except BaseException as error:
                self._count(send, "failed")
                self._settle_followers(send, error=error)
                raise
            finally:
                self.in_flight -= 1
            self._count(send, "sent")
            self._settle_followers(send, result=result)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _worth_repeating(self, send: _Send, error: TelegramError, failures: int) -> bool:
        """Whether an interactive send that failed without reaching anyone goes out again."""
        return (
            send.priority == Priority.INTERACTIVE
            and failures <= self._interactive_retries
            and not self._closed
            and repeatable(error)
        )

    async def _turn(self, send: _Send) -> None:
        """Wait until the send may go; count it as in flight from then on."""
        if self._closed:
            raise NetworkError("the bot is shutting down")
        now = self.clock.now()
        if send.chat.head() is None and self._may_go(send, now):
            self._take(send, now)
            return
        send.go = asyncio.get_running_loop().create_future()
        heapq.heappush(send.chat.queue, (send.priority, send.seq, send))
        self._queued(send, 1)
        if send.deadline is not None:
            heapq.heappush(self._deadlines, (send.deadline, send.seq, send))
        self._place(send.chat, now)
        self._pump()
        try:
            await send.go
        except asyncio.CancelledError:
            if not send.done:
                send.done = True
                self._queued(send, -1)
                self._pump()
            elif not send.go.cancelled() and send.go.exception() is None:
                self.in_flight -= 1  # released, then cancelled before it went out
            raise

    async def _follow(self, leader: _Send) -> bool | JSONDict | list[JSONDict]:
        """Wait for the identical send queued before this one and share its result."""
        self._count(leader, "coalesced")
        follower: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        leader.followers.append(follower)
        result: bool | JSONDict | list[JSONDict] = await follower
        return result

    def _settle_followers(
        self, send: _Send, *, result: Any = None, error: BaseException | None = None
    ) -> None:
        followers, send.followers = send.followers, []
        for follower in followers:
            if follower.done():
                continue
            if error is None:
                follower.set_result(copy.deepcopy(result))
            elif isinstance(error, asyncio.CancelledError):
                follower.cancel()
            else:
                follower.set_exception(error)

    # -- budgets --------------------------------------------------------------------------------

    def _chat(self, chat_id: Any) -> _Chat:
        key: int | str
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            key = str(chat_id)
        chat = self._chats.get(key)
        if chat is None:
            if len(self._chats) > 4096:
                self._forget_idle_chats()
            is_group = isinstance(key, str) or key < 0
            chat = _Chat(key, is_group, float(self.limits.chat_burst), self.clock.now())
            self._chats[key] = chat
        return chat

    def _forget_idle_chats(self) -> None:
        now = self.clock.now()
        for key, chat in list(self._chats.items()):
            idle = not chat.queue and chat.paused_until <= now and chat.timer_at is None
            if idle and self._tokens(chat, now) >= self.limits.chat_burst and not chat.minute:
                del self._chats[key]

    def _coalescing_key(
        self, chat: _Chat, method: str, options: SendOptions, data: dict[str, Any]
    ) -> tuple[str, ...] | None:
        if options.coalesce is not None:
            return ("key", options.coalesce)
        if not chat.is_group or method != "sendmessage":
            return None
        # Identical messages to one group: the second says nothing new (twelve /rules@bot).
        markup = data.get("reply_markup")
        shown = markup.to_json() if isinstance(markup, TelegramObject) else str(markup)
        return ("text", str(data.get("text")), shown)

    def _tokens(self, chat: _Chat, now: float) -> float:
        refill = (now - chat.at) * self._chat_rate
        return min(float(self.limits.chat_burst), chat.tokens + refill)

    def _chat_free_at(self, chat: _Chat, now: float) -> float:
        """Return when the chat's own budget allows its next send."""
        at = max(now, chat.paused_until)
        tokens = self._tokens(chat, at)
        if tokens < 1:
            at += (1 - tokens) / self._chat_rate + EPSILON
        if chat.is_group:
            while chat.minute and chat.minute[0] <= now - self._group_window:
                chat.minute.popleft()
            if len(chat.minute) >= self.limits.group_messages_per_minute:
                at = max(at, chat.minute[0] + self._group_window + EPSILON)
        return at

    def _global_free_at(self, now: float) -> float:
        """Return when the next send that counts globally may go."""
        while self._second and self._second[0] <= now - 1:
            self._second.popleft()
        at = max(now, self._paused_until, self._last + self._interval)
        if len(self._second) >= self._per_second:
            at = max(at, self._second[0] + 1 + EPSILON)
        return at

    def _may_go(self, send: _Send, now: float) -> bool:
        if self._chat_free_at(send.chat, now) > now:
            return False
        if not send.counts_globally:
            return True
        return not self._ready_chats and self._global_free_at(now) <= now

    def _take(self, send: _Send, now: float) -> None:
        """Spend the budgets for a send going out now."""
        chat = send.chat
        chat.tokens = self._tokens(chat, now) - 1
        chat.at = now
        if chat.is_group:
            chat.minute.append(now)
        if send.counts_globally:
            target = self._last + self._interval
            self._last = max(target, now - self._slack) if target <= now else now
            self._second.append(now)
        send.done = True
        send.released = now
        self.in_flight += 1

    async def _depart(self, send: _Send) -> None:
        """Let a released send onto the wire, never closer than the pace to the previous one.

        Sends released at their slots but held up (every connection in use, a busy loop) would
        otherwise leave together and reach Telegram as a burst.
        """
        if send.counts_globally:
            gap = self._departed + self._interval - self._slack - self.clock.now()
            if gap > EPSILON:
                await self.clock.sleep(gap)
            self._departed = self.clock.now()
        self._went(send)

    def _went(self, send: _Send) -> None:
        """Move a send's marks to when it really left, if it waited for the wire or the loop."""
        now = self.clock.now()
        released = send.released
        if now - released <= self._slack:
            return
        chat = send.chat
        if chat.at == released:
            chat.at = now  # the tokens left stand from the real moment on
        if chat.is_group:
            _restamp(chat.minute, released, now)
        if send.counts_globally:
            self._last = max(self._last, now)
            _restamp(self._second, released, now)

    def _flooded(self, chat: _Chat, seconds: float) -> None:
        """Pause after a 429: the group alone, or everything after a private chat's."""
        until = self.clock.now() + seconds
        self.counts["flood_waits"] += 1
        metrics.FLOOD_WAITS.inc()
        logger.warning("Telegram asked to wait %.0f s (chat %s)", seconds, chat.key)
        chat.paused_until = max(chat.paused_until, until)
        if not chat.is_group:
            self._paused_until = max(self._paused_until, until)

    # -- the queue ------------------------------------------------------------------------------

    def _place(self, chat: _Chat, now: float) -> None:
        """Put a chat's head where it belongs: out now (an edit), ready, or on a timer."""
        while (head := chat.head()) is not None and chat.timer_at is None:
            if chat.entry == head.order():
                return
            free = self._chat_free_at(chat, now)
            if free > now:
                chat.timer_at = free
                heapq.heappush(self._timers, (free, head.seq, chat))
                return
            if head.counts_globally:
                if chat.entry is None:
                    self._ready_chats += 1
                chat.entry = head.order()
                heapq.heappush(self._ready, (head.priority, head.seq, chat))
                return
            self._release(chat, head, now)  # an edit: the global budget does not apply

    def _release(self, chat: _Chat, send: _Send, now: float) -> None:
        heapq.heappop(chat.queue)
        self._queued(send, -1)
        self._take(send, now)
        assert send.go is not None
        send.go.set_result(None)

    def _pump(self) -> None:
        """Release every send that may go now and set the timer for the next one."""
        if self._closed:
            return
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, chat = heapq.heappop(self._timers)
            chat.timer_at = None
            self._place(chat, now)
        while self._deadlines and self._deadlines[0][0] <= now:
            _, _, send = heapq.heappop(self._deadlines)
            if not send.done:
                self._count(send, "expired")
                self._finish_waiting(send, SendExpiredError())
                self._place(send.chat, now)
        while self._ready:
            priority, seq, chat = self._ready[0]
            head = chat.head()
            if head is None or head.order() != (priority, seq):
                heapq.heappop(self._ready)  # stale: dropped or overtaken by a better send
                if chat.entry == (priority, seq):
                    self._clear_entry(chat)
                    self._place(chat, now)
                continue
            if self._global_free_at(now) > now:
                break
            heapq.heappop(self._ready)
            self._clear_entry(chat)
            if self._chat_free_at(chat, now) > now:  # paused by a 429 meanwhile
                self._place(chat, now)
                continue
            self._release(chat, head, now)
            self._place(chat, now)
        self._arm(now)

    def _clear_entry(self, chat: _Chat) -> None:
        if chat.entry is not None:
            chat.entry = None
            self._ready_chats -= 1

    def _arm(self, now: float) -> None:
        """Set the one timer to the next moment anything can change."""
        moments = []
        if self._timers:
            moments.append(self._timers[0][0])
        if self._deadlines:
            moments.append(self._deadlines[0][0])
        if self._ready:
            moments.append(self._global_free_at(now))
        wake = min(moments) if moments else None
        if wake == self._wake_at:
            return
        if self._wake is not None:
            self._wake.cancel()
            self._wake, self._wake_at = None, None
        if wake is not None:
            self._wake_at = wake
            self._wake = self.clock.call_at(wake, self._on_timer)

    def _on_timer(self) -> None:
        self._wake, self._wake_at = None, None
        self._pump()

    def _finish_waiting(self, send: _Send, error: TelegramError) -> None:
        """Drop a waiting send: its caller gets ``error``."""
        send.done = True
        self._queued(send, -1)
        if send.go is not None and not send.go.done():
            send.go.set_exception(error)

    def _count(self, send: _Send, outcome: str) -> None:
        """Count a send's outcome here and in the metrics."""
        name = send.priority.name.lower()
        self.counts[f"{outcome}.{name}"] += 1
        counter = self._counters.get((name, outcome))
        if counter is None:
            counter = self._counters[name, outcome] = metrics.SENDS.labels(name, outcome)
        counter.inc()

    def _queued(self, send: _Send, delta: int) -> None:
        """Track the sends waiting, by priority."""
        self.waiting += delta
        self._depth[send.priority] += delta
        depth = self._depth[send.priority]
        metrics.QUEUE_DEPTH.labels(priority=send.priority.name.lower()).set(depth)

    def stats(self) -> dict[str, int]:
        """Return the counters and queue depths (for metrics and benchmarks)."""
        return {**self.counts, "waiting": self.waiting, "in_flight": self.in_flight}


def _restamp(times: deque[float], old: float, new: float) -> None:
    """Replace the newest ``old`` in a sorted window with ``new`` and keep it sorted."""
    for index in range(len(times) - 1, -1, -1):
        if times[index] == old:
            del times[index]
            break
    position = len(times)
    while position and times[position - 1] > new:
        position -= 1
    times.insert(position, new)


def _seconds(value: timedelta | float | int) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
