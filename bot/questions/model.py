"""Questions to a session's panel: the data the service, storage and rendering share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_QUESTION = 300


class Status(StrEnum):
    """Where a question is in its life."""

    DRAFT = "draft"  # waiting for the asker to sign it or stay anonymous
    PENDING = "pending"  # waiting for a host's approval (pre-moderation)
    OPEN = "open"
    ANSWERED = "answered"
    HIDDEN = "hidden"


# What the public sees: open questions, then the answered ones.
PUBLIC = (Status.OPEN, Status.ANSWERED)


@dataclass(frozen=True, slots=True)
class Question:
    """A question with its votes; ``asker_id`` never leaves the service for display."""

    question_id: int
    session_guid: str
    asker_id: int
    anonymous: bool
    signature: str
    region: str
    language: str
    text: str
    status: Status
    pinned: bool
    votes: int
    created_at: datetime
    answered_at: datetime | None = None

    @property
    def is_public(self) -> bool:
        """Tell whether participants see it."""
        return self.status in PUBLIC


@dataclass(frozen=True, slots=True)
class Asker:
    """Who asks: how they may sign and where they come from."""

    user_id: int
    display_name: str
    region: str
    language: str


@dataclass(frozen=True, slots=True)
class Queue:
    """A session's questions as one reader may see them, ranked."""

    session_guid: str
    questions: tuple[Question, ...]  # pinned first, then by votes, then oldest first
    voted: frozenset[int]  # the reader's votes
    hidden: int = 0
    is_open: bool = True  # asking and voting still possible

    def ranked(self, *statuses: Status) -> tuple[Question, ...]:
        """Return the questions of these statuses, in rank order."""
        return tuple(q for q in self.questions if q.status in statuses)

    @property
    def total_votes(self) -> int:
        """Return the votes on the public questions."""
        return sum(q.votes for q in self.questions if q.is_public)


def rank_key(question: Question) -> tuple[int, int, int, int]:
    """Order a queue: pinned, open before answered, most votes, then the oldest first."""
    return (
        0 if question.pinned else 1,
        0 if question.status is not Status.ANSWERED else 1,
        -question.votes,
        question.question_id,
    )


class HostAction(StrEnum):
    """What a host may do with a question."""

    ANSWERED = "a"
    HIDE = "h"
    PIN = "p"
    UNPIN = "u"
    APPROVE = "ok"
