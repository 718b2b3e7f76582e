"""The user's agenda as an iCalendar file (RFC 5545), with an alarm at their lead time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.schedule.model import Session

PRODID = "-//forum-bot//agenda//EN"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _stamp(instant: datetime) -> str:
    return instant.strftime("%Y%m%dT%H%M%SZ")


def agenda_ics(
    sessions: Sequence[Session],
    *,
    calendar_name: str,
    language: str,
    lead_minutes: int,
    now: datetime,
    sequences: Mapping[str, int] | None = None,
) -> bytes:
    """Return the sessions as a VCALENDAR with one VEVENT and one VALARM each."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(calendar_name)}",
    ]
    for session in sessions:
        title = session.title_in(language)
        description = "\n".join(
            part
            for part in (", ".join(session.speakers), session.description_in(language))
            if part
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(session.guid)}@forum-bot",
            f"SEQUENCE:{(sequences or {}).get(session.guid, 0)}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(session.start)}",
            f"DTEND:{_stamp(session.end)}",
            f"SUMMARY:{_escape(title)}",
            f"LOCATION:{_escape(session.room)}",
        ]
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        if session.url:
            lines.append(f"URL:{session.url}")
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(title)}",
            f"TRIGGER:-PT{lead_minutes}M",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode()
