"""Plain records of the reminders domain, shared by storage, services and rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal

from bot.participants.model import Recipient
from bot.schedule.model import Session

LEAD_CHOICES: tuple[int, ...] = (5, 10, 15, 30, 60)
DIGEST_HOURS: tuple[int, ...] = (6, 7, 8, 9, 10)


class State(Enum):
    """Where a reminder (or notice) is in its life."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """A user's choices; ``lead_minutes`` is None when they kept the default."""

    lead_minutes: int | None = None
    all_plenaries: bool = False
    digest_hour: int | None = None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A reminder taken for sending (now in state 'sending')."""

    user_id: int
    session_guid: str
    fire_at: datetime


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One user's reminder for a session, with their own lead time."""

    user_id: int
    state: State
    lead_minutes: int | None


@dataclass(frozen=True, slots=True)
class ClaimedNotice:
    """A change notice taken for sending."""

    user_id: int
    session_guid: str
    version: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DigestUser:
    """A user who asked for the morning digest."""

    user_id: int
    hour: int


def to_ts(instant: datetime) -> int:
    """Return a tz-aware instant as whole unix seconds."""
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    return int(instant.timestamp())


def from_ts(seconds: int) -> datetime:
    """Return unix seconds as a UTC instant."""
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True, slots=True)
class NoticeDue:
    """A change notice to send: to whom, about which session (None: it is gone)."""

    notice: ClaimedNotice
    recipient: Recipient
    session: Session | None


@dataclass(frozen=True, slots=True)
class Post:
    """A group post or a digest that is due, claimed once by its key before it is sent."""

    key: str
    chat_id: int
    kind: Literal["session", "morning", "digest"]
    sessions: tuple[Session, ...]
    day: date
    language: str
    zone: str
