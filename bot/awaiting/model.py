"""What a user's next message is for: one awaited input of a feature's conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Awaited:
    """What a user's next message is for: a feature's conversation, its step, and its data."""

    user_id: int
    feature: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
