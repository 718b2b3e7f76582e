"""Shared set-up for tests on a real database: participants recorded through the repository
as if they had written to the bot, with the language and zone they chose, and their profiles."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.participants.model import UserSeen
from storage.database import Database
from storage.participants import Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


async def add_participant(
    db: Database,
    user_id: int,
    name: str = "Ana",
    *,
    last_name: str | None = None,
    language: str | None = None,
    timezone: str | None = None,
    now: datetime = NOW,
) -> None:
    """Record a participant as if they had written to the bot (Telegram said English)."""
    participants = Participants(db)
    await participants.record_seen(UserSeen(user_id, name, last_name, None, "en"), now)
    if language is not None:
        await participants.set_language(user_id, language)
    if timezone is not None:
        await participants.set_timezone(user_id, timezone)


async def add_profile(
    db: Database,
    user_id: int,
    name: str,
    country: str,
    region: str,
    now: datetime = NOW,
    *,
    token: str | None = None,
) -> None:
    """Store a bare profile (a name, a country and its region, its card's code) for a
    participant."""
    await db.execute(
        "INSERT INTO profiles (user_id, token, display_name, country, region, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, token, name, country, region, now.isoformat(), now.isoformat()),
    )
