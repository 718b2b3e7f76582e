"""iCalendar export: VTIMEZONE, stable UIDs, SEQUENCE from the store, alarms."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from bot.schedule.calendar import day_ics, programme_ics, session_ics, sessions_ics
from bot.schedule.model import Programme
from storage.schedule import ScheduleStore

STAMP = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def _events(data: bytes) -> list[dict[str, str]]:
    calendar = Calendar.from_ical(data)
    return [{key: str(value) for key, value in event.items()} for event in calendar.walk("VEVENT")]


def test_session_ics_has_timezone_uid_and_alarm(mini: Programme) -> None:
    opening = mini.sessions[0]
    data = session_ics(opening, mini, sequence=0, stamp=STAMP, alarm_minutes=15, lang="de")
    text = data.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/Berlin" in text
    assert "DTSTART;TZID=Europe/Berlin:20270316T093000" in text
    assert "TRIGGER:-PT15M" in text
    [event] = _events(data)
    assert event["UID"] == opening.guid
    assert event["SUMMARY"] == "Eröffnungsplenum"
    assert event["SEQUENCE"] == "0"
    assert session_ics(opening, mini, sequence=0, stamp=STAMP) == session_ics(
        opening, mini, sequence=0, stamp=STAMP
    )


def test_titles_with_markup_and_emoji_survive(mini: Programme) -> None:
    [event] = _events(session_ics(mini.sessions[0], mini, sequence=0, stamp=STAMP))
    assert event["SUMMARY"] == 'Opening plenary <Welcome> & "hello" 🎉'


def test_day_programme_and_agenda(mini: Programme) -> None:
    day = _events(day_ics(mini, date(2027, 3, 16), sequences={}, stamp=STAMP))
    assert len(day) == 4  # the 01:30 night session belongs to day 1
    everything = _events(programme_ics(mini, sequences={}, stamp=STAMP))
    assert [e["UID"] for e in everything] == [s.guid for s in mini.sessions]
    agenda = sessions_ics(
        mini.sessions[:2], mini, sequences={}, stamp=STAMP, name="My agenda", alarm_minutes=10
    )
    assert b"X-WR-CALNAME:My agenda" in agenda and agenda.count(b"BEGIN:VALARM") == 2


async def test_sequence_increases_after_a_change_and_uid_stays(
    store: ScheduleStore, mini: Programme
) -> None:
    await store.replace_programme(mini, STAMP)
    lunch = mini.sessions[2]
    before = _events(
        session_ics(lunch, mini, sequence=(await store.sequences())[lunch.guid], stamp=STAMP)
    )[0]
    later = dataclasses.replace(
        lunch, start=lunch.start + timedelta(hours=1), end=lunch.end + timedelta(hours=1)
    )
    changed = Programme.build(
        name=mini.name,
        timezone=mini.timezone,
        version="v2",
        sessions=[later if s.guid == lunch.guid else s for s in mini.sessions],
        days=mini.days,
    )
    await store.replace_programme(changed, STAMP, {lunch.guid})
    after = _events(
        session_ics(later, changed, sequence=(await store.sequences())[lunch.guid], stamp=STAMP)
    )[0]
    assert after["UID"] == before["UID"] == lunch.guid
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
