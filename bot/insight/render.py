"""Insight's texts, charts' data and tables, in the reader's language, small counts suppressed.

Each ``*_section`` function turns one subject's figures into a ``Section``: the key figures,
the charts (their data; ``bot.insight.charts`` draws them), the tables and the summary for
/stats' message. Every count goes through ``count_text`` (1 to 4 become "< 5") and every chart
value through ``_bar`` (a suppressed value is drawn to the threshold, hatched, and its true
value is dropped). Exports' tables come from the ``*_table`` functions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from bot.callbacks import CallbackData, Rows
from bot.i18n import LANGUAGE_NAMES, N_, Translator
from bot.insight.model import (
    SMALL,
    SUPPRESSED,
    AnnouncementFigure,
    Cell,
    Chart,
    ChartKind,
    GroupFigures,
    IntroductionCounts,
    ListedProfile,
    NetworkFigures,
    ParticipantFigures,
    ProgrammeFigures,
    ReachFigures,
    Section,
    SessionFigure,
    Table,
    is_suppressed,
)
from bot.intros.render import topic_label
from bot.regions import REGION_NAMES, REGIONS, country_name, language_name

# How many entries a ranking chart or a /stats list shows.
CHART_ROWS = 10
LIST_ROWS = 5
# Characters of a session title on a chart's axis or in a list.
TITLE_CHARS = 48
# Characters of an announcement's text in the export.
TEXT_CHARS = 200


class ChartsPress(CallbackData, prefix="insc", private=True):
    """Send one /stats section's charts."""

    section: str


class ReportPress(CallbackData, prefix="insr", private=True):
    """Send the PDF report."""


class ExportsPress(CallbackData, prefix="insx", private=True):
    """Show the exports menu."""


class ExportPress(CallbackData, prefix="inse", private=True):
    """Send one export in one format."""

    kind: str
    format: str


_TAG = re.compile(r"<[^>]+>")


def count_text(count: int, tr: Translator) -> str:
    """Return a count as shown to organisers: "< 5" for 1 to 4, else in their number format."""
    if is_suppressed(count):
        return SUPPRESSED
    return format_decimal(count, locale=tr.language)


def count_html(count: int, tr: Translator) -> str:
    """Return ``count_text`` for an HTML message ("&lt; 5")."""
    return html.escape(count_text(count, tr))


def count_cell(count: int) -> int | str:
    """Return a count for an export's cell: the number, or "< 5"."""
    return SUPPRESSED if is_suppressed(count) else count


def share_text(part: int, whole: int, tr: Translator) -> str:
    """Return part/whole as a percentage, or "—" when the whole is too small to show."""
    if whole < SMALL:
        return "—"
    return format_percent(part / whole, locale=tr.language)


def day_label(day: date, tr: Translator) -> str:
    """Return a short date ("16 Mar") in the reader's language."""
    return format_date(day, "d MMM", locale=tr.language)


def moment_label(moment: datetime, zone: ZoneInfo, tr: Translator) -> str:
    """Return a short date and time in the event's zone."""
    return format_datetime(moment.astimezone(zone), "d MMM HH:mm", locale=tr.language)


def cut(text: str, limit: int) -> str:
    """Shorten text to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(body: str) -> str:
    """Return an announcement's HTML body as plain text."""
    return html.unescape(_TAG.sub("", body))


def session_label(session: SessionFigure) -> str:
    """Return "#12 Title" for a chart axis or a list."""
    return cut(f"#{session.id} {session.title}", TITLE_CHARS)


def region_label(region: str | None, tr: Translator) -> str:
    """Return a region's name, or "No profile yet" for participants without one."""
    if region is None:
        return tr("No profile yet")
    return tr(REGION_NAMES.get(region, REGION_NAMES["other"]))


def zone_label(zone: str | None, tr: Translator) -> str:
    """Return a time zone's name, or the event's zone for participants who chose none."""
    if zone is None:
        return tr("The event's zone (not chosen)")
    return zone.replace("_", " ")


def _chart(
    key: str,
    title: str,
    kind: ChartKind,
    rows: Sequence[tuple[str, int]],
    tr: Translator,
    *,
    note: str = "",
    marks: Sequence[int | None] = (),
) -> Chart:
    """Return a one-series chart of (label, count) rows, small counts suppressed."""
    return Chart(
        key=key,
        title=title,
        kind=kind,
        labels=tuple(label for label, _ in rows),
        series=("",),
        values=(tuple(_bar(count) for _, count in rows),),
        texts=(tuple(count_text(count, tr) for _, count in rows),),
        note=note,
        marks=tuple(marks),
    )


def _bar(count: int) -> int | None:
    return None if is_suppressed(count) else count


def _listing(rows: Iterable[tuple[str, int]], tr: Translator) -> str:
    return " · ".join(f"{html.escape(label)} {count_html(n, tr)}" for label, n in rows)


def _summary(title: str, lines: Iterable[str]) -> str:
    return "\n".join([f"<b>{html.escape(title)}</b>", *lines])


def _figure_lines(figures: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{html.escape(label)}: <b>{html.escape(value)}</b>" for label, value in figures]


def _top_with_rest(rows: Sequence[tuple[str, int]], keep: int, rest: str) -> list[tuple[str, int]]:
    if len(rows) <= keep:
        return list(rows)
    return [*rows[: keep - 1], (rest, sum(n for _, n in rows[keep - 1 :]))]


# -- participants -----------------------------------------------------------------------------


def participants_section(figures: ParticipantFigures, tr: Translator) -> Section:
    """Render who started the bot: per day, language, region and time zone."""
    title = tr("Participants")
    key_figures = (
        (tr("Participants"), count_text(figures.total, tr)),
        (tr("Active in the last 24 hours"), count_text(figures.active_24h, tr)),
    )
    languages = [(LANGUAGE_NAMES.get(code, code), n) for code, n in figures.by_language]
    regions = [(region_label(region, tr), n) for region, n in figures.by_region]
    zones = _top_with_rest(
        [(zone_label(zone, tr), n) for zone, n in figures.by_timezone],
        CHART_ROWS,
        tr("Other zones"),
    )
    days = [(day_label(day, tr), n) for day, n in figures.started_per_day]
    charts = [
        _chart("started", tr("Participants who started, per day"), ChartKind.BARS, days, tr),
        _chart("languages", tr("Participants by language"), ChartKind.RANKING, languages, tr),
        _chart("regions", tr("Participants by region"), ChartKind.RANKING, regions, tr),
        _chart("zones", tr("Participants by time zone"), ChartKind.RANKING, zones, tr),
    ]
    lines = _figure_lines(key_figures)
    if languages:
        lines.append(tr("By language: {list}").format(list=_listing(languages, tr)))
    if regions:
        lines.append(tr("By region: {list}").format(list=_listing(regions, tr)))
    return Section(
        key="participants",
        title=title,
        figures=key_figures,
        charts=tuple(c for c in charts if c.labels),
        summary=_summary("👥 " + title, lines),
    )


# -- the programme ----------------------------------------------------------------------------


def programme_section(figures: ProgrammeFigures, zone: ZoneInfo, tr: Translator) -> Section:
    """Render subscriptions per session (top and bottom), over-full rooms and reminders."""
    title = tr("The programme")
    over = figures.over_capacity
    key_figures = (
        (tr("Sessions"), format_decimal(len(figures.sessions), locale=tr.language)),
        (tr("Agenda subscriptions"), count_text(figures.subscriptions, tr)),
        (tr("Participants with an agenda"), count_text(figures.subscribers, tr)),
        (tr("Reminders sent"), count_text(figures.reminders_sent, tr)),
        (tr("Reminders still to send"), count_text(figures.reminders_pending, tr)),
        (tr("Sessions with more subscribers than seats"), str(len(over))),
    )
    top = figures.top(CHART_ROWS)
    bottom = figures.bottom(CHART_ROWS)
    charts = [
        _chart(
            "top_sessions",
            tr("Most subscribed sessions"),
            ChartKind.RANKING,
            [(session_label(s), s.subscribers) for s in top],
            tr,
            note=tr("The line marks the room's seats, where the schedule gives them."),
            marks=[s.capacity for s in top],
        ),
        _chart(
            "bottom_sessions",
            tr("Least subscribed sessions"),
            ChartKind.RANKING,
            [(session_label(s), s.subscribers) for s in bottom],
            tr,
        ),
    ]
    lines = _figure_lines(key_figures)
    if figures.sessions:
        lines.append(tr("Most subscribed:"))
        lines += [_session_line(s, tr) for s in figures.top(LIST_ROWS)]
        lines.append(tr("Least subscribed:"))
        lines += [_session_line(s, tr) for s in figures.bottom(LIST_ROWS)]
    if over:
        lines.append(tr("More subscribers than seats:"))
        lines += [
            "• "
            + tr("{session}: {subscribers} for {seats} seats").format(
                session=html.escape(session_label(s)),
                subscribers=count_html(s.subscribers, tr),
                seats=s.capacity,
            )
            for s in over[:LIST_ROWS]
        ]
    return Section(
        key="programme",
        title=title,
        figures=key_figures,
        charts=tuple(c for c in charts if c.labels),
        tables=tuple(_day_tables(figures, zone, tr)),
        summary=_summary("🗓 " + title, lines),
    )


def _session_line(session: SessionFigure, tr: Translator) -> str:
    return f"• {html.escape(session_label(session))} — {count_html(session.subscribers, tr)}"


def _day_tables(figures: ProgrammeFigures, zone: ZoneInfo, tr: Translator) -> list[Table]:
    """Return one table per day of the programme: time, session, room, seats, subscribers."""
    days: dict[date, list[SessionFigure]] = {}
    for session in figures.sessions:
        days.setdefault(session.day, []).append(session)
    columns = (tr("Time"), tr("No."), tr("Session"), tr("Room"), tr("Seats"), tr("Subscribers"))
    return [
        Table(
            title=format_date(day, "full", locale=tr.language),
            columns=columns,
            rows=tuple(
                (
                    f"{s.start.astimezone(zone):%H:%M}–{s.end.astimezone(zone):%H:%M}",
                    s.id,
                    s.title,
                    s.room,
                    s.capacity,
                    count_cell(s.subscribers),
                )
                for s in sessions
            ),
            widths=(14, 7, 49, 18, 9, 13),
        )
        for day, sessions in sorted(days.items())
    ]


# -- reach ------------------------------------------------------------------------------------


def audience_text(announcement: AnnouncementFigure, tr: Translator) -> str:
    """Name an announcement's audience (plain text)."""
    value = announcement.audience_value or ""
    labels = {
        "all": tr("everyone"),
        "language": tr("people using {language}").format(
            language=LANGUAGE_NAMES.get(value, value)
        ),
        "region": tr("participants in the region {region}").format(
            region=region_label(value, tr) if value in REGIONS else value
        ),
        "country": tr("participants from {country}").format(
            country=country_name(value, tr.language)
        ),
        "session": tr("subscribers of session {session}").format(session=value),
        "community": tr("the community group"),
        "channel": tr("the announcements channel"),
    }
    return labels.get(announcement.audience, announcement.audience)


def reach_section(figures: ReachFigures, zone: ZoneInfo, tr: Translator) -> Section:
    """Render the announcements with delivered, blocked and failed messages."""
    title = tr("Reach")
    items = figures.announcements
    key_figures = (
        (tr("Announcements sent"), str(len(items))),
        (tr("Messages delivered"), count_text(figures.delivered, tr)),
        (tr("Recipients who blocked the bot"), count_text(sum(a.blocked for a in items), tr)),
        (tr("Messages that failed"), count_text(sum(a.failed for a in items), tr)),
    )
    shown_items = list(reversed(items[:CHART_ROWS]))
    outcomes = (
        (tr("delivered"), [a.delivered for a in shown_items]),
        (tr("blocked"), [a.blocked for a in shown_items]),
        (tr("failed"), [a.failed for a in shown_items]),
    )
    chart = Chart(
        key="announcements",
        title=tr("Announcements: delivered, blocked, failed"),
        kind=ChartKind.STACKED,
        labels=tuple(f"#{a.id} {moment_label(a.created_at, zone, tr)}" for a in shown_items),
        series=tuple(name for name, _ in outcomes),
        values=tuple(tuple(_bar(n) for n in counts) for _, counts in outcomes),
        texts=tuple(tuple(count_text(n, tr) for n in counts) for _, counts in outcomes),
    )
    lines = _figure_lines(key_figures)
    if not items:
        lines.append(tr("No announcement has been sent yet."))
    for announcement in items[:LIST_ROWS]:
        lines.append(
            "• "
            + tr(
                "#{number} to {audience}: {delivered} delivered, {blocked} blocked, "
                "{failed} failed"
            ).format(
                number=announcement.id,
                audience=html.escape(audience_text(announcement, tr)),
                delivered=count_html(announcement.delivered, tr),
                blocked=count_html(announcement.blocked, tr),
                failed=count_html(announcement.failed, tr),
            )
        )
    return Section(
        key="reach",
        title=title,
        figures=key_figures,
        charts=(chart,) if chart.labels else (),
        summary=_summary("📣 " + title, lines),
    )


# -- the network ------------------------------------------------------------------------------


def network_section(figures: NetworkFigures, tr: Translator) -> Section:
    """Render profiles, listings, introductions and how many connect different regions."""
    title = tr("The network")
    across = share_text(figures.across_regions, figures.accepted_with_regions, tr)
    key_figures = (
        (tr("Profiles"), count_text(figures.profiles, tr)),
        (tr("Listed in the directory"), count_text(figures.listed, tr)),
        (tr("Introduction requests"), count_text(figures.requests, tr)),
        (tr("Accepted"), count_text(figures.accepted, tr)),
        (tr("Declined"), count_text(figures.declined, tr)),
        (tr("Waiting for an answer"), count_text(figures.pending, tr)),
        (tr("Accepted introductions between different regions"), across),
    )
    funnel = [
        (tr("Profiles"), figures.profiles),
        (tr("Listed"), figures.listed),
        (tr("Requests"), figures.requests),
        (tr("Accepted"), figures.accepted),
        (tr("Declined"), figures.declined),
        (tr("Waiting"), figures.pending),
    ]
    regions = list(REGIONS)
    names = tuple(region_label(r, tr) for r in regions)
    # The lower half and the diagonal: each pair of regions once.
    cells = [
        [(figures.between(a, b), j <= i) for j, b in enumerate(regions)]
        for i, a in enumerate(regions)
    ]
    matrix = Chart(
        key="regions_matrix",
        title=tr("Accepted introductions between regions"),
        kind=ChartKind.HEATMAP,
        labels=names,
        series=names,
        values=tuple(tuple(_bar(n) if shown else None for n, shown in row) for row in cells),
        texts=tuple(
            tuple(count_text(n, tr) if shown else "" for n, shown in row) for row in cells
        ),
        note=tr("Each accepted introduction counts once, in the cell of its two regions."),
    )
    lines = _figure_lines(key_figures)
    if figures.accepted_with_regions < SMALL:
        lines.append(tr("Too few accepted introductions yet to show how regions connect."))
    return Section(
        key="network",
        title=title,
        figures=key_figures,
        charts=(
            _chart("introductions", tr("Profiles and introductions"), ChartKind.BARS, funnel, tr),
            matrix,
        ),
        summary=_summary("🤝 " + title, lines),
    )


# -- the group --------------------------------------------------------------------------------


def group_section(figures: GroupFigures, tr: Translator) -> Section:
    """Render the group's messages per day and its moderation."""
    title = tr("The community group")
    key_figures = (
        (tr("Messages in the group"), count_text(figures.messages, tr)),
        (tr("Newcomers verified"), count_text(figures.verified, tr)),
        (tr("Warnings"), count_text(figures.warnings, tr)),
        (tr("Mutes"), count_text(figures.mutes, tr)),
        (tr("Bans"), count_text(figures.bans, tr)),
    )
    days = [(day_label(day, tr), n) for day, n in figures.messages_per_day]
    moderation = [
        (tr("Verified"), figures.verified),
        (tr("Warnings"), figures.warnings),
        (tr("Mutes"), figures.mutes),
        (tr("Bans"), figures.bans),
    ]
    charts = [
        _chart("messages", tr("Messages in the group, per day"), ChartKind.BARS, days, tr),
        _chart("moderation", tr("Newcomers and moderation"), ChartKind.BARS, moderation, tr),
    ]
    return Section(
        key="group",
        title=title,
        figures=key_figures,
        charts=tuple(c for c in charts if c.labels),
        summary=_summary("💬 " + title, _figure_lines(key_figures)),
    )


# -- exports ----------------------------------------------------------------------------------


T = TypeVar("T")


def _table(
    title: str,
    items: Iterable[T],
    columns: Sequence[tuple[str, Callable[[T], Cell]]],
    tr: Translator,
) -> Table:
    """Return a table of ``items``, a row each; a column is its heading (an msgid) and its cell."""
    return Table(
        title=tr(title),
        columns=tuple(tr(heading) for heading, _ in columns),
        rows=tuple(tuple(cell(item) for _, cell in columns) for item in items),
    )


def programme_table(figures: ProgrammeFigures, zone: ZoneInfo, tr: Translator) -> Table:
    """Return the programme with each session's subscribers."""
    columns: list[tuple[str, Callable[[SessionFigure], Cell]]] = [
        (N_("Day"), lambda s: s.day.isoformat()),
        (N_("Start"), lambda s: f"{s.start.astimezone(zone):%H:%M}"),
        (N_("End"), lambda s: f"{s.end.astimezone(zone):%H:%M}"),
        (N_("No."), lambda s: s.id),
        (N_("Session"), lambda s: s.title),
        (N_("Room"), lambda s: s.room),
        (N_("Seats"), lambda s: s.capacity),
        (N_("Subscribers"), lambda s: count_cell(s.subscribers)),
    ]
    return _table(N_("Programme"), figures.sessions, columns, tr)


def announcements_table(figures: ReachFigures, zone: ZoneInfo, tr: Translator) -> Table:
    """Return the announcements with their delivery figures, oldest first."""

    def moment(at: datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""

    columns: list[tuple[str, Callable[[AnnouncementFigure], Cell]]] = [
        (N_("No."), lambda a: a.id),
        (N_("Created"), lambda a: moment(a.created_at)),
        (N_("Finished"), lambda a: moment(a.finished_at)),
        (N_("Audience"), lambda a: audience_text(a, tr)),
        (N_("Recipients"), lambda a: count_cell(a.recipients)),
        (N_("Delivered"), lambda a: count_cell(a.delivered)),
        (N_("Blocked"), lambda a: count_cell(a.blocked)),
        (N_("Failed"), lambda a: count_cell(a.failed)),
        (N_("Pending"), lambda a: count_cell(a.pending)),
        (N_("Text"), lambda a: cut(plain(a.text), TEXT_CHARS)),
    ]
    return _table(N_("Announcements"), reversed(figures.announcements), columns, tr)


def introductions_table(counts: Sequence[IntroductionCounts], tr: Translator) -> Table:
    """Return introduction requests as counts per pair of regions, and a total; no person."""
    total = IntroductionCounts(
        None,
        None,
        sum(c.requests for c in counts),
        sum(c.accepted for c in counts),
        sum(c.declined for c in counts),
        sum(c.pending for c in counts),
    )
    every = tr("All regions")
    pairs = [(region_label(c.from_region, tr), region_label(c.to_region, tr), c) for c in counts]
    pairs.append((every, every, total))
    columns: list[tuple[str, Callable[[tuple[str, str, IntroductionCounts]], Cell]]] = [
        (N_("From region"), lambda pair: pair[0]),
        (N_("To region"), lambda pair: pair[1]),
        (N_("Requests"), lambda pair: count_cell(pair[2].requests)),
        (N_("Accepted"), lambda pair: count_cell(pair[2].accepted)),
        (N_("Declined"), lambda pair: count_cell(pair[2].declined)),
        (N_("Waiting"), lambda pair: count_cell(pair[2].pending)),
    ]
    return _table(N_("Introductions"), pairs, columns, tr)


def directory_table(profiles: Sequence[ListedProfile], tr: Translator) -> Table:
    """Return the profile cards of participants who agreed to be listed, and nothing else."""
    columns: list[tuple[str, Callable[[ListedProfile], Cell]]] = [
        (N_("Code"), lambda p: p.code),
        (N_("Name"), lambda p: p.name),
        (N_("Role"), lambda p: p.role),
        (N_("Organisation"), lambda p: p.organisation),
        (N_("City"), lambda p: p.city),
        (N_("Country"), lambda p: country_name(p.country, tr.language)),
        (N_("Region"), lambda p: region_label(p.region, tr)),
        (N_("Topics"), lambda p: ", ".join(topic_label(t, tr) for t in p.topics)),
        (N_("Languages"), lambda p: ", ".join(language_name(c, tr.language) for c in p.languages)),
        (N_("About"), lambda p: p.bio),
    ]
    return _table(N_("Directory"), profiles, columns, tr)


# -- /stats ----------------------------------------------------------------------------------

MESSAGE_LIMIT = 4096
EXPORT_LABELS = {
    "programme": N_("Programme with subscribers"),
    "announcements": N_("Announcements with delivery"),
    "introductions": N_("Introductions by region"),
    "directory": N_("Directory (listed profiles)"),
}


def stats_message(sections: Sequence[Section], tr: Translator) -> tuple[str, Rows]:
    """Return /stats' text (every section's summary) and its buttons."""
    intro = tr(
        "<b>The forum in figures</b>\nCounts from 1 to 4 are shown as “&lt; 5”. "
        "The buttons send each part's charts, the PDF report and the exports."
    )
    parts = [intro, *(s.summary for s in sections)]
    text = "\n\n".join(parts)
    while len(text) > MESSAGE_LIMIT and len(parts) > 1:
        # Too long (a very long programme title list): cut whole lines off the longest part.
        longest = max(range(1, len(parts)), key=lambda i: len(parts[i]))
        parts[longest] = parts[longest].rsplit("\n", 1)[0]
        text = "\n\n".join(parts)
    chart_buttons = [
        (f"📊 {section.title}", ChartsPress(section=section.key).encode())
        for section in sections
        if section.charts
    ]
    rows = [chart_buttons[i : i + 2] for i in range(0, len(chart_buttons), 2)]
    rows.append(
        [
            (tr("📄 PDF report"), ReportPress().encode()),
            (tr("⬇️ Exports"), ExportsPress().encode()),
        ]
    )
    return text, rows


def export_menu(tr: Translator) -> tuple[str, Rows]:
    """Return the export choices: each table as XLSX or CSV."""
    text = tr(
        "<b>Exports</b>\nChoose a table and a format. Nobody's personal data is in them, "
        "except the directory's profile cards of people who agreed to be listed."
    )
    rows = [
        [
            (f"{tr(label)} · XLSX", ExportPress(kind=kind, format="xlsx").encode()),
            ("CSV", ExportPress(kind=kind, format="csv").encode()),
        ]
        for kind, label in EXPORT_LABELS.items()
    ]
    return text, rows
