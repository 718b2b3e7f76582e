"""The programme model's time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.schedule.model import Programme, on_programme_day, programme_day


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


def test_programme_days_run_from_four_to_four_in_the_event_zone() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    evening = date(2027, 3, 16)
    assert programme_day(datetime(2027, 3, 16, 23, 50, tzinfo=berlin), berlin) == evening
    assert programme_day(datetime(2027, 3, 17, 0, 40, tzinfo=berlin), berlin) == evening
    assert programme_day(datetime(2027, 3, 17, 3, 59, tzinfo=berlin), berlin) == evening
    assert programme_day(datetime(2027, 3, 17, 4, 0, tzinfo=berlin), berlin) == date(2027, 3, 17)
    # 00:40 in Berlin is 23:40 UTC the day before; the event zone decides, not UTC.
    assert programme_day(datetime(2027, 3, 16, 23, 40, tzinfo=UTC), berlin) == evening
    after_midnight = on_programme_day(evening, time(1, 30), berlin)
    assert after_midnight == datetime(2027, 3, 17, 1, 30, tzinfo=berlin)
    assert on_programme_day(evening, time(9, 0), berlin) == datetime(2027, 3, 16, 9, tzinfo=berlin)
