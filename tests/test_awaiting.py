"""The awaited-input engine: one prompt per user, kept in SQLite, moved from the old tables."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.awaiting.model import Awaited
from bot.awaiting.service import AwaitedInputs
from storage.awaiting import AwaitedInputStore
from storage.database import Database, migrations
from tests.people import add_participant

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)


async def test_a_prompt_is_kept_replaced_and_taken_once(db: Database) -> None:
    for user_id in (7, 9):
        await add_participant(db, user_id)
    inputs = AwaitedInputs(AwaitedInputStore(db), lambda: NOW)
    await inputs.expect(9, "announcements", "body", {"announcement_id": 1})
    await inputs.expect(9, "intros", "name")  # a new prompt replaces the last, of any feature
    await inputs.expect(7, "announcements", "time", {"announcement_id": 2})
    restarted = AwaitedInputs(AwaitedInputStore(db), lambda: NOW)
    await restarted.load()
    assert restarted.feature_of(9) == "intros" and restarted.users("announcements") == {7}
    assert await restarted.current(9, "announcements") is None
    assert await restarted.clear(9, "announcements") is None  # another feature's prompt stays
    assert await restarted.current(9, "intros") == Awaited(9, "intros", "name", {})
    assert await restarted.clear(7, "announcements") == Awaited(
        7, "announcements", "time", {"announcement_id": 2}
    )
    assert await restarted.clear(7, "announcements") is None
    assert restarted.feature_of(7) is None


async def test_forgetting_a_participant_drops_their_prompt(db: Database) -> None:
    await add_participant(db, 5)
    inputs = AwaitedInputs(AwaitedInputStore(db), lambda: NOW)
    await inputs.expect(5, "intros", "bio", {"topics": ["sme-access"]})
    await db.execute("DELETE FROM participants WHERE user_id = ?", (5,))
    await inputs.load()
    assert inputs.feature_of(5) is None


async def test_migration_moves_the_old_prompts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        for version, _name, sql in migrations():
            if version > 10:
                break
            conn.executescript(sql)
        conn.execute("PRAGMA user_version = 10")
        for user_id in (1, 2, 3):
            conn.execute(
                "INSERT INTO participants (user_id, first_name, first_seen, last_seen)"
                " VALUES (?, 'P', ?, ?)",
                (user_id, NOW.isoformat(), NOW.isoformat()),
            )
        conn.execute(
            "INSERT INTO announcements (id, author_id, kind, created_at) VALUES (4, 1, 'text', ?)",
            (NOW.isoformat(),),
        )
        conn.execute(
            "INSERT INTO announcement_inputs VALUES (1, 4, 'version:de', ?)", (NOW.isoformat(),)
        )
        conn.execute(
            "INSERT INTO announcement_inputs VALUES (2, 4, 'time', ?)", (NOW.isoformat(),)
        )
        conn.execute(
            "INSERT INTO intro_conversations VALUES (2, 'bio', '{\"name\": \"Ana\"}', ?)",
            (NOW.isoformat(),),
        )
        conn.execute(
            "INSERT INTO intro_conversations VALUES (3, 'note', '{\"profile_id\": 8}', ?)",
            (NOW.isoformat(),),
        )
    db = Database(path)
    await db.open()
    try:
        store = AwaitedInputStore(db)
        assert await store.features() == {1: "announcements", 2: "announcements", 3: "intros"}
        assert await store.get(1) == Awaited(
            1, "announcements", "version", {"announcement_id": 4, "language": "de"}
        )
        assert await store.get(2) == Awaited(
            2, "announcements", "time", {"announcement_id": 4, "language": ""}
        )
        assert await store.get(3) == Awaited(3, "intros", "note", {"profile_id": 8})
        tables = {row[0] for row in await db.fetchall("SELECT name FROM sqlite_master")}
        assert "announcement_inputs" not in tables
        assert ("view", "intro_conversations") in {
            (row[0], row[1]) for row in await db.fetchall("SELECT type, name FROM sqlite_master")
        }
    finally:
        await db.close()
