"""Insight data: the figures read from the database, and the views rendered from them.

Figures hold true counts (the SQL computed them); every view that leaves the bot, text, chart,
table or PDF, shows a count from 1 to 4 as "< 5" (``shown``), so no figure singles a person
out. A ``Section`` is what a report or ``/stats`` shows of one subject: key figures, charts
and tables, already in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

# Counts from 1 to SMALL - 1 are shown as "< SMALL".
SMALL = 5
SUPPRESSED = f"< {SMALL}"


def is_suppressed(count: int) -> bool:
    """Tell whether a count is too small to show (it could point at a person)."""
    return 0 < count < SMALL


def shown(count: int) -> str:
    """Return a count as it may be shown: "< 5" for 1 to 4, else the number."""
    return SUPPRESSED if is_suppressed(count) else str(count)


# Session types that are breaks, not content: they are left out of the subscription rankings.
BREAK_TYPES = frozenset({"break", "pause", "coffee break", "lunch"})


# -- figures (from SQL) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParticipantFigures:
    """Who has started the bot: how many, when, in which language, region and zone."""

    total: int
    active_24h: int
    started_per_day: tuple[tuple[date, int], ...]
    by_language: tuple[tuple[str, int], ...]  # the language the bot speaks to them
    by_region: tuple[tuple[str | None, int], ...]  # None: no profile yet
    by_timezone: tuple[tuple[str | None, int], ...]  # None: the event's zone, not chosen


@dataclass(frozen=True, slots=True)
class SessionFigure:
    """One session of the programme with its subscribers."""

    guid: str
    id: str
    title: str
    day: date
    start: datetime
    end: datetime
    room: str
    capacity: int | None
    subscribers: int
    type: str | None = None

    @property
    def is_break(self) -> bool:
        """Tell whether the session is a break (left out of the rankings)."""
        return (self.type or "").casefold() in BREAK_TYPES

    @property
    def is_over_capacity(self) -> bool:
        """Tell whether more people subscribed than the room holds."""
        return self.capacity is not None and self.subscribers > self.capacity


@dataclass(frozen=True, slots=True)
class ProgrammeFigures:
    """The programme's sessions by subscriptions, and the reminders sent."""

    sessions: tuple[SessionFigure, ...]  # in programme order
    subscriptions: int
    subscribers: int  # distinct participants with at least one subscription
    reminders_sent: int
    reminders_pending: int

    def ranked(self) -> list[SessionFigure]:
        """Return the sessions but breaks, most subscribed first (in programme order if equal)."""
        order = {s.guid: i for i, s in enumerate(self.sessions)}
        ranked = [s for s in self.sessions if not s.is_break]
        return sorted(ranked, key=lambda s: (-s.subscribers, order[s.guid]))

    def top(self, count: int) -> list[SessionFigure]:
        """Return the ``count`` most subscribed sessions."""
        return self.ranked()[:count]

    def bottom(self, count: int) -> list[SessionFigure]:
        """Return the ``count`` least subscribed sessions, least first."""
        ranked = self.ranked()
        return list(reversed(ranked[-count:])) if count else []

    @property
    def over_capacity(self) -> list[SessionFigure]:
        """Return the sessions with more subscribers than their room's capacity."""
        return [s for s in self.ranked() if s.is_over_capacity]


@dataclass(frozen=True, slots=True)
class AnnouncementFigure:
    """One announcement that was sent (or is being sent), with its delivery figures."""

    id: int
    created_at: datetime
    finished_at: datetime | None
    status: str
    audience: str
    audience_value: str | None
    text: str  # the default body, as the organiser wrote it (HTML)
    delivered: int
    blocked: int
    failed: int
    pending: int

    @property
    def recipients(self) -> int:
        """Return the number of recipients."""
        return self.delivered + self.blocked + self.failed + self.pending


@dataclass(frozen=True, slots=True)
class ReachFigures:
    """Announcements and how far they got."""

    announcements: tuple[AnnouncementFigure, ...]  # newest first

    @property
    def delivered(self) -> int:
        """Return the messages delivered over all announcements."""
        return sum(a.delivered for a in self.announcements)


def region_pair(first: str, second: str) -> tuple[str, str]:
    """Return an unordered pair of regions in its one stored order."""
    return (first, second) if first <= second else (second, first)


@dataclass(frozen=True, slots=True)
class NetworkFigures:
    """Profiles, the directory and introductions, and whom they connected."""

    profiles: int
    listed: int
    requests: int
    accepted: int
    declined: int  # declined by the person asked, or blocked by them
    pending: int
    # Accepted introductions between two people who both have a region, per pair of regions.
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)

    @property
    def accepted_with_regions(self) -> int:
        """Return the accepted introductions whose both sides have a region."""
        return sum(self.pairs.values())

    @property
    def across_regions(self) -> int:
        """Return the accepted introductions between people of different regions."""
        return sum(n for pair, n in self.pairs.items() if pair[0] != pair[1])

    @property
    def across_share(self) -> float | None:
        """Return the share of accepted introductions across regions; None when too few."""
        total = self.accepted_with_regions
        if total < SMALL:
            return None
        return self.across_regions / total

    def between(self, first: str, second: str) -> int:
        """Return the accepted introductions between two regions (either direction)."""
        return self.pairs.get(region_pair(first, second), 0)


@dataclass(frozen=True, slots=True)
class GroupFigures:
    """The community group: activity and moderation."""

    messages_per_day: tuple[tuple[date, int], ...]
    verified: int
    warnings: int
    mutes: int  # by moderators and for flooding
    bans: int

    @property
    def messages(self) -> int:
        """Return the messages counted over all days."""
        return sum(n for _, n in self.messages_per_day)


@dataclass(frozen=True, slots=True)
class IntroductionCounts:
    """Introduction requests between two regions (in the direction asked), for the export."""

    from_region: str | None
    to_region: str | None
    requests: int
    accepted: int
    declined: int
    pending: int


@dataclass(frozen=True, slots=True)
class ListedProfile:
    """A profile its owner agreed to list in the directory: the card's fields only."""

    code: str  # what /intro takes, as on the card ("" when the person takes no requests)
    name: str
    role: str
    organisation: str
    city: str
    country: str
    region: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]
    bio: str


# -- views (rendered for one reader) -----------------------------------------------------------


class ChartKind(Enum):
    """How a chart draws its data."""

    BARS = "bars"  # vertical bars over an ordered axis (days)
    RANKING = "ranking"  # horizontal bars, largest first
    STACKED = "stacked"  # horizontal bars split into series (delivery outcomes)
    HEATMAP = "heatmap"  # a matrix of counts


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's data, exactly as drawn: labels, values and the text shown for each value.

    ``values[s][i]`` is series ``s`` at label ``i`` (one series except for STACKED and
    HEATMAP, where series are rows). A suppressed count is drawn as a hatched bar to the
    threshold and its text is "< 5"; its true value is not in the chart.
    """

    key: str
    title: str
    kind: ChartKind
    labels: tuple[str, ...]
    series: tuple[str, ...]
    values: tuple[tuple[int | None, ...], ...]  # None: suppressed
    texts: tuple[tuple[str, ...], ...]
    note: str = ""
    # A line drawn across RANKING bars per label (the room's capacity), None where unknown.
    marks: tuple[int | None, ...] = ()

    def text_of(self, label: str, series: int = 0) -> str:
        """Return the text shown for a label (tests read charts through this)."""
        return self.texts[series][self.labels.index(label)]


# A cell of an exported table.
Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    """A table with a header row; cells are text, numbers or "< 5"."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # Relative column widths for the PDF (defaults to equal).
    widths: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """One subject of /stats and of the report, in the reader's language."""

    key: str
    title: str
    figures: tuple[tuple[str, str], ...]  # (label, value as shown)
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    summary: str = ""  # the section in /stats' text message (HTML)
