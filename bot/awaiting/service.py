"""The awaited-input engine: which conversation a user's next message answers, durably."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from bot.awaiting.model import Awaited
from bot.clock import Clock


class AwaitedStore(Protocol):
    """The storage the engine needs (``storage.awaiting.AwaitedInputStore``)."""

    async def put(self, awaited: Awaited, now: datetime) -> None: ...

    async def get(self, user_id: int) -> Awaited | None: ...

    async def delete(self, user_id: int, feature: str) -> Awaited | None: ...

    async def features(self) -> dict[int, str]: ...


class AwaitedInputs:
    """Which user's next message answers which conversation, durably."""

    def __init__(self, store: AwaitedStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._features: dict[int, str] = {}

    async def load(self) -> None:
        """Load who is awaited from the database (at start)."""
        self._features = await self._store.features()

    def feature_of(self, user_id: int) -> str | None:
        """Return the conversation awaiting the user's next message, without a query."""
        return self._features.get(user_id)

    async def expect(
        self, user_id: int, feature: str, step: str, data: dict[str, Any] | None = None
    ) -> Awaited:
        """Take the user's next message as ``step`` of ``feature``'s conversation."""
        awaited = Awaited(user_id, feature, step, dict(data or {}))
        await self._store.put(awaited, self._clock())
        self._features[user_id] = feature
        return awaited

    async def current(self, user_id: int, feature: str) -> Awaited | None:
        """Return what ``feature`` awaits from the user, if its conversation is the open one."""
        if self._features.get(user_id) != feature:
            return None
        found = await self._store.get(user_id)
        return found if found is not None and found.feature == feature else None

    def users(self, feature: str) -> set[int]:
        """Return the users ``feature``'s conversation awaits."""
        return {user for user, awaiting in self._features.items() if awaiting == feature}

    async def clear(self, user_id: int, feature: str) -> Awaited | None:
        """Stop awaiting the user's input for ``feature`` (another conversation's prompt stays);
        return what was awaited."""
        if self._features.get(user_id) != feature:
            return None
        del self._features[user_id]
        return await self._store.delete(user_id, feature)

    def forget(self, user_id: int) -> None:
        """Drop the user from memory after their rows were deleted elsewhere (/forget)."""
        self._features.pop(user_id, None)
