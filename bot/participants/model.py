"""Domain records shared by the services, storage and rendering: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class UserSeen:
    """What an update tells us about the user who sent it."""

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


@dataclass(frozen=True, slots=True)
class Participant:
    """A person who has talked to the bot, with their own settings."""

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    telegram_language: str | None
    language: str | None
    timezone: str | None
    consent_directory: bool
    consent_intros: bool
    is_blocked: bool
    first_seen: datetime
    last_seen: datetime

    @property
    def display_name(self) -> str:
        """Return the name as Telegram shows it."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name
