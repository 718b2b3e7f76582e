"""Insight for organisers: /stats, the exports and the PDF report, for organisers only.

The service reads every figure from ``storage.insight`` (counted in SQL), renders it for the
organiser's language and, for charts and documents, draws in a worker thread so the bot keeps
answering meanwhile.

**Extension point.** ``report_sections`` is the ordered list of what /stats and the report
show. Each entry is a ``SectionSource``: a key and an async function from a translator to a
``Section`` (or None to leave it out). A feature with something to report adds its own, for
example the questions-and-feedback feature (issue 13) appends
``SectionSource("feedback", feedback_section)`` in ``Runtime.create``, and its section appears
in /stats, behind its own chart button, and in the PDF, after the built-in ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from bot.clock import Clock
from bot.config import Config
from bot.errors import NotAllowedError
from bot.i18n import N_, Translator
from bot.insight import render
from bot.insight.charts import render_png
from bot.insight.documents import ReportCover, to_csv, to_pdf, to_xlsx
from bot.insight.model import (
    GroupFigures,
    NetworkFigures,
    ParticipantFigures,
    ProgrammeFigures,
    ReachFigures,
    Section,
    Table,
)
from storage.insight import InsightStore, Shifts


class ExportKind(Enum):
    """What an organiser can export."""

    PROGRAMME = "programme"
    ANNOUNCEMENTS = "announcements"
    INTRODUCTIONS = "introductions"
    DIRECTORY = "directory"


class ExportFormat(Enum):
    """The file formats of an export."""

    CSV = "csv"
    XLSX = "xlsx"


MIME_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Document:
    """A file to hand to an organiser."""

    filename: str
    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class DrawnChart:
    """A drawn chart: its title (the photo's caption) and the PNG."""

    title: str
    png: bytes


@dataclass(frozen=True, slots=True)
class SectionSource:
    """One entry of /stats and the report: a key and how to build its section."""

    key: str
    build: Callable[[Translator], Awaitable[Section | None]]


def zone_shifts(zone: ZoneInfo, around: datetime, years: int = 3) -> list[tuple[int, int]]:
    """Return the zone's UTC offsets as (from unix second, offset seconds) around a moment.

    Covers ``years`` before to one year after ``around``; the first entry also applies to
    anything earlier, the last to anything later.
    """
    start = around - timedelta(days=365 * years)
    end = around + timedelta(days=366)

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    shifts = [(int(start.timestamp()), offset(start))]
    probe = start
    while probe < end:
        following = probe + timedelta(days=1)
        if offset(following) != shifts[-1][1]:
            low, high = probe, following  # find the hour of the change
            while high - low > timedelta(minutes=15):
                middle = low + (high - low) / 2
                if offset(middle) == shifts[-1][1]:
                    low = middle
                else:
                    high = middle
            change = high.replace(second=0, microsecond=0)
            change -= timedelta(minutes=change.minute % 15)
            shifts.append((int(change.timestamp()), offset(following)))
        probe = following
    return shifts


class InsightService:
    """Figures, charts, exports and the report, for the forum's organisers."""

    def __init__(self, store: InsightStore, config: Config, clock: Clock) -> None:
        self.store = store
        self._config = config
        self._clock = clock
        self._zone = ZoneInfo(config.event.timezone)
        self.report_sections: list[SectionSource] = [
            SectionSource("participants", self._participants_section),
            SectionSource("programme", self._programme_section),
            SectionSource("reach", self._reach_section),
            SectionSource("network", self._network_section),
            SectionSource("group", self._group_section),
        ]

    def require_organiser(self, user_id: int | None) -> None:
        """Raise NotAllowedError unless the user is a configured organiser.

        ``None`` is the operator at the server's command line (``forum-bot export``), who holds
        the database itself.
        """
        if user_id is not None and not self._config.is_organiser(user_id):
            raise NotAllowedError(N_("Only organisers can see the forum's statistics."))

    async def count_group_message(self, chat_id: int) -> None:
        """Count a message in the community group (other chats are not counted)."""
        if chat_id == self._config.chats.community:
            await self.store.count_group_message(chat_id, self._clock())

    # -- figures ----------------------------------------------------------------------------------

    def _shifts(self) -> Shifts:
        return zone_shifts(self._zone, self._clock())

    async def participants(self) -> ParticipantFigures:
        """Count participants."""
        since = self._clock() - timedelta(hours=24)
        return await self.store.participants(since, self._shifts())

    async def programme(self) -> ProgrammeFigures:
        """Count subscriptions per session and reminders."""
        return await self.store.programme()

    async def reach(self) -> ReachFigures:
        """Count the announcements' deliveries."""
        return await self.store.reach()

    async def network(self) -> NetworkFigures:
        """Count profiles and introductions."""
        return await self.store.network()

    async def group(self) -> GroupFigures:
        """Count the community group's messages and moderation."""
        return await self.store.group(self._config.chats.community, self._shifts())

    # -- sections ---------------------------------------------------------------------------------

    async def _participants_section(self, tr: Translator) -> Section:
        return render.participants_section(await self.participants(), tr)

    async def _programme_section(self, tr: Translator) -> Section:
        return render.programme_section(await self.programme(), self._zone, tr)

    async def _reach_section(self, tr: Translator) -> Section:
        return render.reach_section(await self.reach(), self._zone, tr)

    async def _network_section(self, tr: Translator) -> Section:
        return render.network_section(await self.network(), tr)

    async def _group_section(self, tr: Translator) -> Section:
        return render.group_section(await self.group(), tr)

    @property
    def section_keys(self) -> list[str]:
        """Return the keys of the sections, in order (one chart button each)."""
        return [source.key for source in self.report_sections]

    async def sections(self, user_id: int | None, tr: Translator) -> list[Section]:
        """Return every section of /stats and the report, for an organiser."""
        self.require_organiser(user_id)
        built = [await source.build(tr) for source in self.report_sections]
        return [section for section in built if section is not None]

    async def section_charts(self, user_id: int, key: str, tr: Translator) -> list[DrawnChart]:
        """Return one section's charts, drawn, for an organiser; empty for an unknown key."""
        self.require_organiser(user_id)
        for source in self.report_sections:
            if source.key == key:
                section = await source.build(tr)
                if section is None:
                    return []
                images = await asyncio.to_thread(_draw, section)
                return [
                    DrawnChart(chart.title, png)
                    for chart, png in zip(section.charts, images, strict=True)
                ]
        return []

    # -- documents --------------------------------------------------------------------------------

    async def export(
        self, user_id: int | None, kind: ExportKind, fmt: ExportFormat, tr: Translator
    ) -> Document:
        """Return an export as a file, for an organiser."""
        self.require_organiser(user_id)
        table = await self.export_table(kind, tr)
        data = await asyncio.to_thread(to_csv if fmt is ExportFormat.CSV else to_xlsx, table)
        stamp = self._clock().astimezone(self._zone).strftime("%Y-%m-%d")
        return Document(f"{kind.value}-{stamp}.{fmt.value}", data, MIME_TYPES[fmt])

    async def export_table(self, kind: ExportKind, tr: Translator) -> Table:
        """Return the table an export holds."""
        if kind is ExportKind.PROGRAMME:
            return render.programme_table(await self.programme(), self._zone, tr)
        if kind is ExportKind.ANNOUNCEMENTS:
            return render.announcements_table(await self.reach(), self._zone, tr)
        if kind is ExportKind.INTRODUCTIONS:
            return render.introductions_table(await self.store.introductions_by_regions(), tr)
        return render.directory_table(await self.store.listed_profiles(), tr)

    async def report(self, user_id: int | None, tr: Translator) -> Document:
        """Return the PDF report, for an organiser."""
        sections = await self.sections(user_id, tr)
        now = self._clock()
        programme = await self.store.programme()
        days = sorted({s.day for s in programme.sessions})
        period = ""
        if days:
            ends = (days[0], days[-1])
            period = " – ".join(
                dict.fromkeys(format_date(day, "long", locale=tr.language) for day in ends)
            )
        cover = ReportCover(
            event=self._config.event.name,
            generated=format_datetime(
                now.astimezone(self._zone), "d MMMM y, HH:mm zzzz", locale=tr.language
            ),
            period=period,
        )

        def build() -> bytes:
            return to_pdf(cover, [(s, _draw(s)) for s in sections], tr)

        data = await asyncio.to_thread(build)
        stamp = now.astimezone(self._zone).strftime("%Y-%m-%d")
        return Document(f"report-{stamp}.pdf", data, "application/pdf")


def _draw(section: Section) -> list[bytes]:
    return [render_png(chart) for chart in section.charts]
