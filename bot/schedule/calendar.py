"""iCalendar (.ics) files for one session, a day, the whole programme or a personal agenda.

UIDs are the sessions' guids, so calendar apps update an entry instead of duplicating it, and
SEQUENCE comes from the store, raised whenever an import changed the session. Times are written
in the event zone with a VTIMEZONE. ``stamp`` (DTSTAMP) is passed in so output is reproducible.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.schedule.model import Programme, Session

PRODID = "-//forum-bot//schedule//EN"
_CALENDAR_NAMESPACE = uuid.UUID("0d6f3c1e-7a2b-5e9c-9f4d-3b8a1c2e5d70")


def _event(
    session: Session,
    programme: Programme,
    sequence: int,
    stamp: datetime,
    alarm_minutes: int | None,
    lang: str,
) -> Event:
    zone = programme.tz
    description = session.description_in(lang)
    if session.speakers:
        names = ", ".join(session.speakers)
        description = f"{names}\n\n{description}" if description else names
    event = Event.new(
        uid=session.guid,
        summary=session.title_in(lang),
        start=session.start.astimezone(zone),
        end=session.end.astimezone(zone),
        location=session.room,
        description=description or None,
        url=session.url,
        sequence=sequence,
        stamp=stamp,
        categories=[c for c in (session.track, session.type) if c],
    )
    if alarm_minutes is not None and alarm_minutes >= 0:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        alarm.add("description", session.title_in(lang))
        event.add_component(alarm)
    return event


def sessions_ics(
    sessions: Iterable[Session],
    programme: Programme,
    *,
    sequences: Mapping[str, int],
    stamp: datetime,
    name: str | None = None,
    alarm_minutes: int | None = None,
    lang: str = "en",
) -> bytes:
    """Return an .ics calendar with the given sessions (a personal agenda, for instance)."""
    calendar = Calendar.new(
        prodid=PRODID,
        name=name or programme.name or None,
        method="PUBLISH",
        uid=uuid.uuid5(_CALENDAR_NAMESPACE, f"{programme.name}/{name or ''}"),
    )
    for session in sessions:
        calendar.add_component(
            _event(session, programme, sequences.get(session.guid, 0), stamp, alarm_minutes, lang)
        )
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def session_ics(
    session: Session,
    programme: Programme,
    *,
    sequence: int,
    stamp: datetime,
    alarm_minutes: int | None = None,
    lang: str = "en",
) -> bytes:
    """Return an .ics calendar holding one session."""
    return sessions_ics(
        [session],
        programme,
        sequences={session.guid: sequence},
        stamp=stamp,
        alarm_minutes=alarm_minutes,
        lang=lang,
    )


def day_ics(
    programme: Programme,
    day: date,
    *,
    sequences: Mapping[str, int],
    stamp: datetime,
    alarm_minutes: int | None = None,
    lang: str = "en",
) -> bytes:
    """Return an .ics calendar with every session of one event day."""
    return sessions_ics(
        programme.on_day(day),
        programme,
        sequences=sequences,
        stamp=stamp,
        alarm_minutes=alarm_minutes,
        lang=lang,
    )


def programme_ics(
    programme: Programme,
    *,
    sequences: Mapping[str, int],
    stamp: datetime,
    lang: str = "en",
) -> bytes:
    """Return an .ics calendar with the whole programme."""
    return sessions_ics(programme.sessions, programme, sequences=sequences, stamp=stamp, lang=lang)
