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
class Profile:
    """What a participant tells others about themselves."""

    profile_id: int
    user_id: int
    display_name: str
    organisation: str
    city: str
    country: str
    region: str
    role: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    bio: str
    listed: bool
    accepts_intros: bool
    meet_opt_in: bool
    created_at: datetime
    updated_at: datetime


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
