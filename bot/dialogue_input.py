"""Awaited text for the questions and feedback features: who is about to type what.

A small, isolated stand-in for the shared awaited-input engine of issue 12, kept behind three
calls (``expect``, ``take``, ``drop``) so that switching over is a small change. The set
``expecting`` is what the handlers' message filter reads without a query; it is loaded from
SQLite at start, so a prompt answered after a restart still reaches its feature. It maps each
awaited person to the kind of text awaited, so each feature's filter takes only its own.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.clock import Clock


class InputStore(Protocol):
    """Storage of awaited inputs (``storage.dialogue_inputs.DialogueInputStore``)."""

    async def expect(self, user_id: int, kind: str, payload: dict[str, Any], now: Any) -> None: ...
    async def take(self, user_id: int) -> tuple[str, dict[str, Any]] | None: ...
    async def drop(self, user_id: int, kind: str | None = None) -> bool: ...
    async def waiting(self) -> dict[int, str]: ...


class AwaitedInputs:
    """Who the dialogue features are waiting for, and what for."""

    def __init__(self, store: InputStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self.expecting: dict[int, str] = {}

    async def load(self) -> None:
        """Load who is awaited from the database (in place: filters hold this very set)."""
        self.expecting.clear()
        self.expecting.update(await self._store.waiting())

    async def expect(self, user_id: int, kind: str, **payload: Any) -> None:
        """Wait for the person's next text, for ``kind`` with ``payload``."""
        await self._store.expect(user_id, kind, payload, self._clock())
        self.expecting[user_id] = kind

    async def take(self, user_id: int) -> tuple[str, dict[str, Any]] | None:
        """Return (and stop waiting for) what the person's text answers."""
        self.expecting.pop(user_id, None)
        return await self._store.take(user_id)

    async def drop(self, user_id: int, kind: str | None = None) -> None:
        """Stop waiting for the person's text."""
        if await self._store.drop(user_id, kind) or kind is None:
            self.expecting.pop(user_id, None)
