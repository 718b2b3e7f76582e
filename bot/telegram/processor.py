"""Update processing: different users concurrently, each user's updates strictly in order.

PTB's default processes one update at a time, so one slow or spamming user delays everyone;
``concurrent_updates=True`` loses the per-user order a conversation needs. This processor keeps
one lock per user (or chat, for updates without a user) and counts finished updates, which the
end-to-end tests use to wait for the bot to settle instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def _key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Process updates concurrently across users and in order within one user."""

    def __init__(self, max_concurrent_updates: int = 8) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.finished = 0
        self._finished_changed = asyncio.Event()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers after the same user's earlier updates."""
        key = _key(update)
        try:
            if key is None:
                await coroutine
                return
            lock = self._locks.setdefault(key, asyncio.Lock())
            self._waiting[key] = self._waiting.get(key, 0) + 1
            try:
                async with lock:
                    await coroutine
            finally:
                self._waiting[key] -= 1
                if not self._waiting[key]:
                    del self._waiting[key]
                    self._locks.pop(key, None)
        finally:
            self.finished += 1
            self._finished_changed.set()

    async def wait_finished(self, count: int) -> None:
        """Wait until at least ``count`` updates have been processed in all."""
        while self.finished < count:
            self._finished_changed.clear()
            await self._finished_changed.wait()

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
