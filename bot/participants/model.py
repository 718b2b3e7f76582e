"""Domain records shared by the services, storage and rendering: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# How recently someone must have been seen with an @username for staff to name them by it:
# a username can change hands, and an old record may point at its former holder.
USERNAME_FRESH = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class UserSeen:
    """What an update tells us about the user who sent it."""

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    # Telegram's language_code as a supported language (bot.i18n.normalize_language: "pt-br"
    # is "pt") or None: stored as it is, so that SQL can pick a participant's language
    # (storage.participants.spoken_language) by the same rule as bot.i18n.resolve_language.
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
    # True once they opened a private chat with the bot: only then can it write to them.
    started: bool = False

    @property
    def display_name(self) -> str:
        """Return the name as Telegram shows it."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a message goes to: the language and zone to render it in, and whether they can
    receive private messages at all."""

    user_id: int
    language: str
    timezone: str | None
    blocked: bool


@dataclass(frozen=True, slots=True)
class MissedNotice:
    """A staff notice a person could not be sent in private, kept to tell them later."""

    text: str
    sent_to: int | None
    created_at: datetime
