"""Moderation records: the people involved, pending verifications, warnings and log entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class ModAction(Enum):
    """What a moderator (or the bot on its own) did; the value is stored in the log."""

    WARN = "warn"
    UNWARN = "unwarn"
    MUTE = "mute"
    UNMUTE = "unmute"
    KICK = "kick"
    BAN = "ban"
    UNBAN = "unban"
    DELETE = "delete"
    REPORT = "report"
    FLOOD_MUTE = "flood_mute"
    UNVERIFIED_REMOVED = "unverified_removed"
    LINK_DELETED = "link_deleted"
    RULES_SET = "rules_set"


def is_channel(sender_id: int) -> bool:
    """Tell whether a sender is a channel posting on someone's behalf: Telegram gives users
    positive ids and chats negative ones."""
    return sender_id < 0


@dataclass(frozen=True, slots=True)
class Person:
    """Who wrote in the group as moderation names them: a user, or a channel a member posts on
    behalf of ("send as"; then ``user_id`` is the channel's chat id), and the name shown."""

    user_id: int
    name: str

    @property
    def is_channel(self) -> bool:
        """Tell whether this is a channel identity rather than a user."""
        return is_channel(self.user_id)


@dataclass(frozen=True, slots=True)
class Pending:
    """A newcomer who has not yet agreed to the rules."""

    chat_id: int
    user_id: int
    first_name: str
    welcome_message_id: int | None
    joined_at: datetime
    deadline: datetime


@dataclass(frozen=True, slots=True)
class Warning:
    """One warning given to a member."""

    id: int
    chat_id: int
    user_id: int
    given_by: int
    reason: str | None
    given_at: datetime


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One moderation action: who, whom, what, why, when."""

    id: int
    chat_id: int
    action: ModAction
    actor: Person | None
    target: Person | None
    reason: str | None
    until: datetime | None
    link: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LadderStep:
    """What a number of warnings leads to."""

    action: ModAction
    duration: timedelta | None


@dataclass(frozen=True, slots=True)
class WarnOutcome:
    """A warning given: the member's count and what it led to."""

    count: int
    entries: list[LogEntry]
    step: LadderStep | None
