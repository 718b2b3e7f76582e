"""The programme model's time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.schedule.model import Programme


def test_running_next_and_days(mini: Programme) -> None:
    at = datetime(2027, 3, 16, 10, 30, tzinfo=UTC)  # 11:30 in Bonn
    assert [s.id for s in mini.running_at(at)] == ["3"]
    assert [s.id for s in mini.next_after(at)] == ["2"]
    assert mini.next_after(datetime(2027, 3, 18, tzinfo=UTC)) == ()
    assert mini.running_at(datetime(2027, 3, 16, 8, 30, tzinfo=UTC))[0].id == "1"
    assert [s.id for s in mini.on_day(date(2027, 3, 17))] == ["5"]
    assert mini.session_by_id("#5") is not None and mini.session_by_id("99") is None
    assert mini.rooms == ("Plenary Hall", "Room Rhein")
    assert "Souza, João" in mini.speakers
    assert [s.id for s in mini.by_speaker("Dr. Ana Souza")] == ["1", "5"]


def test_sessions_are_sorted_by_start_then_room(mini: Programme) -> None:
    starts = [(s.start, s.room) for s in mini.sessions]
    assert starts == sorted(starts)
