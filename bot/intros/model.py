"""Introductions records: profiles, requests, directory pages and self-introductions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.i18n import N_

MAX_NAME = 64
MAX_SHORT = 100
MAX_BIO = 500
MAX_NOTE = 300
MAX_LANGUAGES = 8
PAGE_SIZE = 5
# A profile's token: 16 hex digits (64 random bits), short enough for a button and a deep link.
TOKEN_PATTERN = r"^[0-9a-f]{16}$"

TOPIC_LABELS: dict[str, str] = {
    "e-procurement": N_("e-procurement"),
    "sustainability-criteria": N_("sustainability criteria"),
    "transparency-integrity": N_("transparency and integrity"),
    "cost-efficiency": N_("cost efficiency"),
    "circular-economy": N_("circular economy"),
    "sme-access": N_("SME access"),
    "state-support": N_("state support structures"),
}

FilterKind = Literal["all", "topic", "country", "region", "language"]
RequestStatus = Literal["pending", "accepted", "declined", "blocked"]


@dataclass(frozen=True, slots=True)
class ProfileDraft:
    """A profile's fields before they are saved (no id yet)."""

    display_name: str
    organisation: str
    city: str
    country: str
    role: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    bio: str
    listed: bool
    accepts_intros: bool


@dataclass(frozen=True, slots=True)
class Profile(ProfileDraft):
    """What a participant tells others about themselves, as saved."""

    profile_id: int  # internal: never shown, never in a button (counting through it names people)
    token: str  # how others address the profile: on its card, in buttons and deep links
    user_id: int
    region: str
    meet_opt_in: bool
    created_at: datetime
    updated_at: datetime

    @property
    def takes_requests(self) -> bool:
        """Tell whether others may find and ask this person: listed, and open to requests."""
        return self.listed and self.accepts_intros


@dataclass(frozen=True, slots=True)
class IntroRequest:
    """One person asking to be introduced to another."""

    request_id: int
    requester_id: int
    target_id: int
    note: str
    status: RequestStatus
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class Contact:
    """Someone a person was introduced to (both sides accepted): the name on their profile
    (else their Telegram name) and how to reach them."""

    user_id: int
    name: str
    username: str | None


@dataclass(frozen=True, slots=True)
class DirectoryFilter:
    """What /people was asked for."""

    kind: FilterKind
    value: str = ""


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """One page of the directory."""

    profiles: list[Profile]
    page: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class SelfIntro:
    """A participant's request to post their card to the community group."""

    intro_id: int
    user_id: int
    status: Literal["pending", "posted", "rejected"]
