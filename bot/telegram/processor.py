"""Update processing: different users concurrently, each user's updates strictly in order.

PTB's default processes one update at a time, so one slow or spamming user delays everyone;
``concurrent_updates=True`` loses the per-user order a conversation needs. This processor
chains each user's (or, for updates without a user, each chat's) updates one after the other,
and runs up to ``max_concurrent_updates`` of them at once, counting only those that work: an
update waiting for its user's earlier update holds nothing, and one waiting for the outbound
scheduler (a send slot, a group's budget) lends its slot back meanwhile (``slot_lent``). So a
busy group or a participant firing many messages delays only themselves. The processor also
counts finished updates, which the end-to-end tests use to wait for the bot to settle.

A user's update is counted against the flood guard (``gate``) when it arrives, not when its turn
comes: one user's updates wait for each other's paced replies, so counted at their turn a burst
would spread over minutes and never look like one. An update the guard refuses does not queue
behind the user's earlier ones; it runs at once, and the middleware, reading the verdict from
``arrival_verdict()``, only answers it (a press's spinner stops, the user is told once).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections import deque
from collections.abc import AsyncIterator, Awaitable
from contextvars import ContextVar
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates working at once: enough to keep the CPU and the database busy while others wait on
# the network; an update waiting for its turn or a send slot does not count.
DEFAULT_CONCURRENCY = 256
# PTB's own semaphore (taken before ``do_process_update``) must never make an update wait: the
# waiting that matters happens inside, where a waiting update holds no slot.
_UNBOUNDED = 2**30


class Slots:
    """A FIFO counting semaphore whose acquire is O(1).

    ``asyncio.Semaphore.acquire`` (Python 3.11) scans every waiter on each call, which costs
    real CPU when hundreds of updates queue for a few slots.
    """

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        """Take a slot, waiting in line when none is free."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            else:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give a slot back: to the first in line, or to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self.release()


class Gate(Protocol):
    """The flood guard as the processor sees it."""

    def check(self, user_id: int) -> tuple[bool, bool]:
        """Record an update of the user's; return (allowed, should_warn_once)."""
        ...


_VERDICT: ContextVar[tuple[bool, bool] | None] = ContextVar("arrival_verdict", default=None)


def arrival_verdict() -> tuple[bool, bool] | None:
    """Return the gate's (allowed, should_warn_once) for the update being processed, if given."""
    return _VERDICT.get()


def _screened_user(update: object) -> int | None:
    """Return the user an update counts against: a person, not a bot."""
    if not isinstance(update, Update):
        return None
    user = update.effective_user
    return None if user is None or user.is_bot else user.id


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class _Lease:
    """One update's processing slot, which it can lend back while it waits on others."""

    def __init__(self, processor: PerUserUpdateProcessor) -> None:
        self._processor = processor
        self.task = asyncio.current_task()
        self.held = False
        self._lenders = 0

    async def take(self) -> None:
        self._processor.working += 1
        try:
            await self._processor.slots.acquire()
        except BaseException:
            self._processor.working -= 1
            raise
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._processor.slots.release()
            self._processor.working -= 1

    def lend(self) -> None:
        self._lenders += 1
        self.give_back()

    async def return_lent(self) -> None:
        self._lenders -= 1
        if not self._lenders and not self.held:
            await self.take()


_LEASE: ContextVar[_Lease | None] = ContextVar("update_slot", default=None)


@contextlib.asynccontextmanager
async def slot_lent() -> AsyncIterator[None]:
    """Give the current update's processing slot back while the block waits on others."""
    lease = _LEASE.get()
    # A task started from a handler inherits the variable; only the update's own task lends.
    if lease is None or lease.task is not asyncio.current_task():
        yield
        return
    lease.lend()
    try:
        yield
    finally:
        await lease.return_lent()


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Process updates concurrently across users and in order within one user."""

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENCY) -> None:
        super().__init__(_UNBOUNDED)
        self.slots = Slots(max_concurrent_updates)
        self._tails: dict[int, asyncio.Future[None]] = {}
        # Updates that have entered, finished, and that are working or want a slot to work.
        self.entered = 0
        self.finished = 0
        self.working = 0
        self._finished_changed = asyncio.Event()
        # The flood guard, set by the wiring once the runtime exists.
        self.gate: Gate | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update after the same user's earlier updates, in a slot of its own."""
        self.entered += 1
        gate, user = self.gate, _screened_user(update)
        verdict = gate.check(user) if gate is not None and user is not None else None
        refused = verdict is not None and not verdict[0]
        # A refused update is only answered: it waits for nobody and nobody waits for it.
        key = None if refused else _key(update)
        previous = self._tails.get(key) if key is not None else None
        turn: asyncio.Future[None] | None = None
        if key is not None:
            turn = asyncio.get_running_loop().create_future()
            self._tails[key] = turn
        lease = _Lease(self)
        started = False
        try:
            if previous is not None and not previous.done():
                await asyncio.shield(previous)
            await lease.take()
            token = _LEASE.set(lease)
            said = _VERDICT.set(verdict)
            try:
                started = True
                await coroutine
            finally:
                _VERDICT.reset(said)
                _LEASE.reset(token)
        finally:
            lease.give_back()
            if not started and inspect.iscoroutine(coroutine):
                coroutine.close()
            if turn is not None and key is not None:
                turn.set_result(None)
                if self._tails.get(key) is turn:
                    del self._tails[key]
            self.finished += 1
            self._finished_changed.set()

    @property
    def idle(self) -> bool:
        """Tell whether no update is working or wants a slot to work (tests drive time by it)."""
        return self.working == 0

    async def wait_finished(self, count: int) -> None:
        """Wait until at least ``count`` updates have been processed in all."""
        while self.finished < count:
            self._finished_changed.clear()
            await self._finished_changed.wait()

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
