"""The durable programme: atomic replacement, sequences and full-text search."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.schedule.diff import ScheduleDiff, diff
from bot.schedule.model import Programme
from storage.database import Database
from storage.schedule import ScheduleStore

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _changed(programme: Programme, session_id: str, **changes: object) -> Programme:
    sessions = [
        dataclasses.replace(s, **changes) if s.id == session_id else s  # type: ignore[arg-type]
        for s in programme.sessions
    ]
    return Programme.build(
        name=programme.name,
        timezone=programme.timezone,
        version=programme.version + "+",
        sessions=sessions,
        days=programme.days,
    )


async def test_first_import_adds_everything_and_survives_reopening(
    store: ScheduleStore, mini: Programme, tmp_path: Path
) -> None:
    changes = await _replace(store, mini, NOW)
    assert len(changes.added) == len(mini.sessions) and not changes.removed
    reopened = Database(tmp_path / "bot.sqlite3")
    await reopened.open()
    try:
        loaded = await ScheduleStore(reopened).prepare()
    finally:
        await reopened.close()
    assert loaded == mini
    assert await store.imported_at() == NOW


async def test_reimport_raises_sequence_of_changed_sessions_only(
    store: ScheduleStore, mini: Programme
) -> None:
    await _replace(store, mini, NOW)
    assert set((await store.sequences()).values()) == {0}
    lunch = mini.session_by_id("2")
    assert lunch is not None
    moved = _changed(
        mini, "2", start=lunch.start + timedelta(minutes=30), end=lunch.end + timedelta(minutes=30)
    )
    changes = await _replace(store, moved, NOW)
    assert [new.id for _, new in changes.moved] == ["2"]
    assert not changes.renamed and not changes.re_roomed and not changes.added
    sequences = await store.sequences()
    assert sequences[lunch.guid] == 1
    assert sum(sequences.values()) == 1
    again = await _replace(store, moved, NOW)
    assert again.is_empty
    assert (await store.sequences())[lunch.guid] == 1


async def test_diff_reports_renamed_reroomed_and_removed(
    store: ScheduleStore, mini: Programme
) -> None:
    await _replace(store, mini, NOW)
    renamed = _changed(mini, "3", title="Workshop: E-procurement", room="Room Sieg")
    without = Programme.build(
        name=renamed.name,
        timezone=renamed.timezone,
        version="v3",
        sessions=[s for s in renamed.sessions if s.id != "4"],
    )
    changes = await _replace(store, without, NOW)
    assert [new.id for _, new in changes.renamed] == ["3"]
    assert [new.room for _, new in changes.re_roomed] == ["Room Sieg"]
    assert [s.id for s in changes.removed] == ["4"]


async def test_failed_replace_keeps_the_old_programme(
    store: ScheduleStore, mini: Programme
) -> None:
    await _replace(store, mini, NOW)
    clash = _changed(mini, "2", id="1")  # two sessions with id 1 violate the UNIQUE constraint
    with pytest.raises(Exception, match="UNIQUE"):
        await _replace(store, clash, NOW)
    assert await store.load_programme() == mini
    assert set((await store.sequences()).values()) == {0}
    found = await store.search("Mittagspause")
    assert [guid for guid, _ in found] == ["22222222-2222-4222-8222-222222222222"]


@pytest.mark.parametrize(
    ("words", "guid"),
    [
        ("transparencia", "55555555-5555-4555-8555-555555555555"),
        ("Transparência", "55555555-5555-4555-8555-555555555555"),
        ("mittagspause", "22222222-2222-4222-8222-222222222222"),
        ("marches electroniques", "33333333-3333-4333-8333-333333333333"),
        ("muller", "11111111-1111-4111-8111-111111111111"),
        ("e-procure", "33333333-3333-4333-8333-333333333333"),
    ],
)
async def test_search_is_accent_insensitive_with_prefixes(
    store: ScheduleStore, mini: Programme, words: str, guid: str
) -> None:
    await _replace(store, mini, NOW)
    assert store.has_fts
    assert (await store.search(words, 3))[0][0] == guid


@pytest.mark.parametrize(
    "words", ["' OR 1=1 --", '"', "AND", "*", "NEAR(a b)", "title:x", "a" * 5000, "x " * 3000, ""]
)
async def test_search_survives_hostile_input(
    store: ScheduleStore, mini: Programme, words: str
) -> None:
    await _replace(store, mini, NOW)
    assert isinstance(await store.search(words, 5), list)


async def test_like_fallback_finds_without_accents(store: ScheduleStore, mini: Programme) -> None:
    await _replace(store, mini, NOW)
    store._has_fts = False  # stands in for an SQLite build without FTS5
    assert [g for g, _ in await store.search("transparencia custos")] == [
        "55555555-5555-4555-8555-555555555555"
    ]
    assert await store.search("100%_") == []


async def _replace(store: ScheduleStore, programme: Programme, now: datetime) -> ScheduleDiff:
    """Swap in a programme as the schedule service does: its diff names what changed."""
    live = await store.load_programme() or Programme.build(
        name=programme.name, timezone=programme.timezone, version="", sessions=()
    )
    changes = diff(live, programme)
    await store.replace_programme(
        programme, now, changes.changed_guids() | {s.guid for s in changes.added}
    )
    return changes


async def test_a_lone_character_finds_nothing_rather_than_everything(
    store: ScheduleStore, mini: Programme
) -> None:
    await _replace(store, mini, NOW)
    assert await store.search("<b>") == []
    assert [g for g, _ in await store.search("<b>muller")] == [
        "11111111-1111-4111-8111-111111111111"
    ]
