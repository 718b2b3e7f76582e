"""The programme model: sessions with absolute UTC times, grouped into event days.

Every importer produces this model and every query runs on it in memory. Instants are tz-aware
UTC; the event zone is kept as an IANA name and used only to find days and parts of days.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

# A programme day runs from 04:00 to 04:00 local time, as in pretalx and frab schedules: a
# session at 00:40 belongs to the evening before. This is the bot's one meaning of "today".
DAY_STARTS = time(4, 0)


def programme_day(instant: datetime, zone: ZoneInfo) -> date:
    """Return the programme day (04:00 to 04:00 in ``zone``) that contains ``instant``."""
    local = instant.astimezone(zone)
    if local.time() < DAY_STARTS:
        return local.date() - timedelta(days=1)
    return local.date()


def on_programme_day(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Return the moment a clock time falls on a programme day (01:30 is after midnight)."""
    calendar = day + timedelta(days=1) if clock < DAY_STARTS else day
    return datetime.combine(calendar, clock, tzinfo=zone)


@dataclass(frozen=True)
class Session:
    """One entry of the programme: a plenary, workshop, break or exchange."""

    guid: str
    id: str
    title: str
    start: datetime
    end: datetime
    room: str
    day: date
    description: str = ""
    track: str | None = None
    type: str | None = None
    speakers: tuple[str, ...] = ()
    language: str | None = None
    url: str | None = None
    titles: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    capacity: int | None = None  # seats in the room, where the schedule gives them

    def title_in(self, lang: str) -> str:
        """Return the title in ``lang`` when the organisers gave one, else the main title."""
        return self.titles.get(lang) or self.title

    def description_in(self, lang: str) -> str:
        """Return the description in ``lang`` when the organisers gave one, else the main one."""
        return self.descriptions.get(lang) or self.description

    def all_titles(self) -> tuple[str, ...]:
        """Return the main title followed by every per-language title."""
        return (self.title, *(t for t in self.titles.values() if t and t != self.title))

    def has_started(self, instant: datetime) -> bool:
        """Tell whether the session has started (and perhaps ended) by ``instant``."""
        return self.start <= instant

    def is_running_at(self, instant: datetime) -> bool:
        """Tell whether the session has started and not yet ended at ``instant``."""
        return self.start <= instant < self.end


def sort_key(session: Session) -> tuple[datetime, str, str]:
    """Order sessions by start, then room, then id."""
    return (session.start, session.room, session.id)


@dataclass(frozen=True)
class Programme:
    """The whole programme of the forum, sessions sorted by start and room."""

    name: str
    timezone: str
    version: str
    sessions: tuple[Session, ...]
    days: tuple[date, ...]

    @classmethod
    def build(
        cls,
        *,
        name: str,
        timezone: str,
        version: str,
        sessions: list[Session] | tuple[Session, ...],
        days: tuple[date, ...] | None = None,
    ) -> Programme:
        """Return a programme with sessions sorted and days derived when not given."""
        ordered = tuple(sorted(sessions, key=sort_key))
        found = days if days is not None else tuple(sorted({s.day for s in ordered}))
        return cls(name=name, timezone=timezone, version=version, sessions=ordered, days=found)

    @cached_property
    def tz(self) -> ZoneInfo:
        """Return the event zone."""
        return ZoneInfo(self.timezone)

    @cached_property
    def _by_id(self) -> dict[str, Session]:
        return {s.id: s for s in self.sessions}

    @cached_property
    def _by_guid(self) -> dict[str, Session]:
        return {s.guid: s for s in self.sessions}

    @cached_property
    def _starts(self) -> list[datetime]:
        return [s.start for s in self.sessions]

    @cached_property
    def _by_day(self) -> dict[date, tuple[Session, ...]]:
        grouped: dict[date, list[Session]] = {}
        for session in self.sessions:
            grouped.setdefault(session.day, []).append(session)
        return {day: tuple(items) for day, items in grouped.items()}

    def session_by_id(self, session_id: str) -> Session | None:
        """Return the session users know by this id (``"12"``), if any."""
        return self._by_id.get(session_id.strip().lstrip("#"))

    def session_by_guid(self, guid: str) -> Session | None:
        """Return the session with this stable guid, if any."""
        return self._by_guid.get(guid)

    def on_day(self, day: date) -> tuple[Session, ...]:
        """Return the sessions of one event day."""
        return self._by_day.get(day, ())

    def day_of(self, instant: datetime) -> date:
        """Return the programme day that contains ``instant`` ("today" at that moment)."""
        return programme_day(instant, self.tz)

    def running_at(self, instant: datetime) -> tuple[Session, ...]:
        """Return the sessions under way at ``instant``."""
        upto = bisect.bisect_right(self._starts, instant)
        return tuple(s for s in self.sessions[:upto] if s.end > instant)

    def next_after(self, instant: datetime) -> tuple[Session, ...]:
        """Return the sessions that start next after ``instant`` (all parallel ones)."""
        index = bisect.bisect_right(self._starts, instant)
        if index >= len(self.sessions):
            return ()
        first = self.sessions[index].start
        end = bisect.bisect_right(self._starts, first)
        return self.sessions[index:end]

    def starting_between(self, start: datetime, end: datetime) -> tuple[Session, ...]:
        """Return the sessions that start in ``[start, end)``."""
        low = bisect.bisect_left(self._starts, start)
        high = bisect.bisect_left(self._starts, end)
        return self.sessions[low:high]

    @cached_property
    def rooms(self) -> tuple[str, ...]:
        """Return the rooms in order of first use."""
        return tuple(dict.fromkeys(s.room for s in self.sessions))

    @cached_property
    def speakers(self) -> tuple[str, ...]:
        """Return every speaker once, sorted."""
        return tuple(sorted({name for s in self.sessions for name in s.speakers}))

    def by_speaker(self, name: str) -> tuple[Session, ...]:
        """Return the sessions in which ``name`` speaks."""
        return tuple(s for s in self.sessions if name in s.speakers)

    def in_room(self, room: str) -> tuple[Session, ...]:
        """Return the sessions held in ``room``."""
        return tuple(s for s in self.sessions if s.room == room)

    @property
    def starts_at(self) -> datetime | None:
        """Return the start of the first session."""
        return self.sessions[0].start if self.sessions else None

    @cached_property
    def ends_at(self) -> datetime | None:
        """Return the end of the last session to finish."""
        return max((s.end for s in self.sessions), default=None)


def utc(value: datetime) -> datetime:
    """Return ``value`` (which must be tz-aware) converted to UTC."""
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(UTC)
