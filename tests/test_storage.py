"""Storage: migrations apply once, a newer database is refused, participants round-trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.participants.model import Participant, UserSeen
from storage.database import Database, DatabaseTooNewError, migrations
from storage.participants import Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


async def test_migrations_apply_and_set_wal(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    try:
        assert await db.schema_version() == migrations()[-1][0]
        assert await db.fetchval("PRAGMA journal_mode") == "wal"
        assert await db.fetchval("PRAGMA foreign_keys") == 1
    finally:
        await db.close()
        await db.close()  # idempotent


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with aiosqlite.connect(path) as conn:
        await conn.execute(f"PRAGMA user_version = {migrations()[-1][0] + 1}")
        await conn.commit()
    with pytest.raises(DatabaseTooNewError, match="upgrade forum-bot"):
        await Database(path).open()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    people = Participants(db)
    await people.record_seen(UserSeen(1, "Ada", None, None, "en"), NOW)
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("UPDATE participants SET first_name = 'X' WHERE user_id = 1")
            raise RuntimeError("boom")
    person = await people.get(1)
    assert person is not None and person.first_name == "Ada"
    await db.close()


async def test_participant_settings_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    await db.open()
    people = Participants(db)
    await people.record_seen(UserSeen(7, "Zoë <b>&", "Ñ", "zoe", "pt"), NOW)
    await people.set_language(7, "de")
    await people.set_timezone(7, "America/Sao_Paulo")
    await people.mark_blocked(7)
    await db.close()

    db = Database(path)
    await db.open()
    person = await Participants(db).get(7)
    await db.close()
    assert person is not None
    assert (person.first_name, person.language, person.timezone) == (
        "Zoë <b>&",
        "de",
        "America/Sao_Paulo",
    )
    assert person.is_blocked
    assert person.display_name == "Zoë <b>& Ñ"


async def test_started_and_missed_notices_are_kept(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    people = Participants(db)
    # Only a private update records a participant, so a new row has started the bot.
    await people.record_seen(UserSeen(1, "A", None, None, "de"), NOW)
    assert (await people.get(1) or _missing()).started
    assert await people.mark_started(1, NOW) is False
    await people.mark_blocked(1)
    assert await people.mark_started(1, NOW) is True  # back after blocking
    assert (await people.get(1) or _missing()).started
    await people.add_missed(7, "second", -100, NOW + timedelta(minutes=1))
    await people.add_missed(7, "first", None, NOW)
    assert [n.text for n in await people.take_missed(7)] == ["first", "second"]
    assert await people.take_missed(7) == []
    await db.close()


def _missing() -> Participant:
    raise AssertionError("participant not stored")
