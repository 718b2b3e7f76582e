"""Announcement records: drafts with their per-language versions, audiences and outbox figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

DEFAULT_VERSION = ""
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


class Status(StrEnum):
    """Where an announcement is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Kind(StrEnum):
    """What the recipients receive: a text, or a photo or document with a caption."""

    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class AudienceKind(StrEnum):
    """Who an announcement goes to."""

    ALL = "all"
    LANGUAGE = "language"
    REGION = "region"
    COUNTRY = "country"
    SESSION = "session"
    COMMUNITY = "community"
    CHANNEL = "channel"
    STAYING = "staying"  # those who stayed in the community for the next forum


class Delivered(StrEnum):
    """The state of one outbox row."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Audience:
    """An audience kind and, for the filtered kinds, the value it filters on."""

    kind: AudienceKind = AudienceKind.ALL
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Content:
    """A body as Telegram will show it: HTML text, or a file with an HTML caption."""

    kind: Kind
    body: str
    plain_length: int
    file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Announcement:
    """An announcement with its versions (language '' is the default body)."""

    id: int
    author_id: int
    status: Status
    kind: Kind
    file_id: str | None
    audience: Audience
    versions: dict[str, str]
    created_at: datetime
    send_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress_chat_id: int | None = None
    progress_message_id: int | None = None

    def body_for(self, language: str) -> str:
        """Return the body a recipient of this language receives."""
        return self.versions.get(language) or self.versions[DEFAULT_VERSION]

    @property
    def is_open(self) -> bool:
        """Tell whether the announcement can still be changed (a draft)."""
        return self.status is Status.DRAFT


@dataclass(frozen=True, slots=True)
class Figures:
    """Outbox counts of one announcement, overall and per recipient language."""

    pending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    by_language: dict[str, dict[Delivered, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of recipients."""
        return self.pending + self.sent + self.failed + self.blocked

    @property
    def done(self) -> int:
        """Return the number of recipients whose send is settled."""
        return self.sent + self.failed + self.blocked
