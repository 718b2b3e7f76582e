"""Insight below Telegram: days in the event's zone, the SQL figures, charts, files, the CLI."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader

from bot.cli import EXIT_OK, EXIT_PROBLEM, main
from bot.config import Config
from bot.i18n import translator
from bot.insight import render
from bot.insight.charts import drawable, render_png
from bot.insight.documents import to_csv, to_xlsx
from bot.insight.model import Chart, ChartKind, Section, Table, shown
from bot.insight.service import InsightService, zone_shifts
from bot.schedule.importers import ScheduleError, load_programme
from storage.database import Database
from storage.insight import InsightStore
from storage.schedule import ScheduleStore
from tests.insight_support import COMMUNITY, NOW, Plan, seed_forum

ROOT = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")
EN = translator("en")


async def seeded(path: Path) -> Plan:
    """Create a migrated database with the example programme and the seeded forum."""
    db = Database(path)
    await db.open()
    try:
        programme = load_programme(ROOT / "schedule.example.json", timezone="Europe/Berlin")
        await ScheduleStore(db).replace_programme(programme, NOW)
        return await seed_forum(db)
    finally:
        await db.close()


def service(db: Database, now: datetime = NOW) -> InsightService:
    config = Config(
        event={"name": "Forum"}, chats={"community": COMMUNITY}, roles={"organisers": [1]}
    )
    return InsightService(InsightStore(db, config.event.default_language), config, lambda: now)


def test_small_counts_are_suppressed_but_zero_and_five_are_shown() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 1234)] == ["0", "< 5", "< 5", "5", "1234"]
    assert render.count_text(1234, translator("de")) == "1.234"
    assert render.count_html(3, EN) == "&lt; 5"
    assert render.share_text(3, 4, EN) == "—"


def test_zone_shifts_find_the_daylight_saving_changes() -> None:
    shifts = zone_shifts(BERLIN, NOW, years=1)
    changes = [(datetime.fromtimestamp(at, UTC), offset) for at, offset in shifts[1:]]
    assert (datetime(2027, 3, 28, 1, 0, tzinfo=UTC), 7200) in changes
    assert (datetime(2027, 10, 31, 1, 0, tzinfo=UTC), 3600) in changes
    assert shifts[0][1] == 3600  # March 2026 began in winter time
    assert zone_shifts(ZoneInfo("Africa/Lagos"), NOW)[1:] == []


async def test_days_are_counted_in_the_events_zone_across_a_clock_change(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    moments = [
        datetime(2027, 3, 27, 22, 30, tzinfo=UTC),  # 23:30 in Berlin: the 27th
        datetime(2027, 3, 27, 23, 30, tzinfo=UTC),  # 00:30 on the 28th (winter time)
        datetime(2027, 3, 28, 21, 30, tzinfo=UTC),  # 23:30 on the 28th (summer time)
        datetime(2027, 3, 28, 22, 30, tzinfo=UTC),  # 00:30 on the 29th
    ]
    await db.executemany(
        "INSERT INTO participants (user_id, first_name, first_seen, last_seen) "
        "VALUES (?, 'P', ?, ?)",
        [(i, m.isoformat(), m.isoformat()) for i, m in enumerate(moments)],
    )
    for moment in moments:
        await InsightStore(db, "en").count_group_message(COMMUNITY, moment)
    insight = service(db, now=datetime(2027, 3, 29, 12, tzinfo=UTC))
    try:
        started = (await insight.participants()).started_per_day
        messages = (await insight.group()).messages_per_day
    finally:
        await db.close()
    expected = ((date(2027, 3, 27), 1), (date(2027, 3, 28), 2), (date(2027, 3, 29), 1))
    assert started == messages == expected


async def test_the_seeded_forum_adds_up(tmp_path: Path) -> None:
    plan = await seeded(tmp_path / "bot.sqlite3")
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    insight = service(db)
    try:
        people = await insight.participants()
        programme = await insight.programme()
        network = await insight.network()
        group = await insight.group()
        sections = await insight.sections(None, EN)
    finally:
        await db.close()
    assert people.total == plan.participants and people.active_24h == plan.active_24h
    assert {d.isoformat(): n for d, n in people.started_per_day} == plan.started_per_day
    assert dict(people.by_language) == plan.languages
    assert dict(people.by_region) == plan.regions
    assert dict(people.by_timezone) == plan.zones
    assert {s.id: s.subscribers for s in programme.sessions if s.subscribers} == plan.subscribers
    assert programme.subscriptions == sum(plan.subscribers.values())
    assert programme.reminders_sent == plan.reminders_sent
    assert [s.id for s in programme.over_capacity] == ["4", "6"]
    assert all(not s.is_break for s in programme.ranked())
    assert network.accepted == plan.accepted and network.across_regions == plan.across
    assert network.between("europe", "africa") == network.between("africa", "europe") == 20
    assert network.across_share == pytest.approx(plan.across / plan.accepted)
    assert group.mutes == plan.mutes + plan.flood_mutes and group.verified == plan.verified
    assert [s.key for s in sections] == ["participants", "programme", "reach", "network", "group"]


async def test_a_feature_can_add_a_section_to_stats_and_the_report(tmp_path: Path) -> None:
    from bot.insight.service import SectionSource

    await seeded(tmp_path / "bot.sqlite3")
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    insight = service(db)

    async def feedback(tr: object) -> Section:
        return Section("feedback", "Feedback", (("Answers", "12"),), summary="<b>Feedback</b>")

    insight.report_sections.append(SectionSource("feedback", feedback))
    try:
        sections = await insight.sections(1, EN)
        report = await insight.report(1, EN)
    finally:
        await db.close()
    assert sections[-1].key == "feedback" and "feedback" in insight.section_keys
    text, _ = render.stats_message(sections, EN)
    assert text.endswith("<b>Feedback</b>")
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.data)).pages)
    assert "Feedback" in pdf and "Answers" in pdf


def test_charts_keep_their_data_in_the_png_and_draw_suppressed_values_to_the_threshold() -> None:
    chart = Chart(
        key="k",
        title="Sessions 🎉",
        kind=ChartKind.RANKING,
        labels=("#1 Opening 🎉", "#2 Small"),
        series=("",),
        values=((40, None),),
        texts=(("40", "< 5"),),
        marks=(30, None),
    )
    png = render_png(chart)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width < 1100 and len(png) < 150_000
    data = json.loads(image.info["Description"])
    assert data["labels"] == ["#1 Opening 🎉", "#2 Small"] and data["values"] == [[40, None]]
    assert chart.text_of("#2 Small") == "< 5"
    for kind in ChartKind:
        empty = Chart("e", "Empty", kind, (), (), (), ())
        assert Image.open(io.BytesIO(render_png(empty))).format == "PNG"
    assert drawable("Lunch 🍽 break") == "Lunch break"
    assert drawable("Ação – “ok”") == "Ação – “ok”"


def test_csv_and_xlsx_keep_text_from_becoming_a_formula() -> None:
    table = Table("T", ("A", "B"), (("=1+1", -5), ("-3", None), ("Zoë", 7)))
    data = to_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["A", "B"], ["'=1+1", "-5"], ["-3", ""], ["Zoë", "7"]]
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    assert [c.value for c in sheet["A"]] == ["A", "=1+1", "-3", "Zoë"]
    assert sheet["A2"].data_type == "s" and sheet["B2"].value == -5


def test_the_stats_message_stays_under_telegrams_limit() -> None:
    long = "\n".join(f"line {i} " + "x" * 80 for i in range(80))
    sections = [Section(k, k.title(), (), summary=long) for k in ("a", "b")]
    text, rows = render.stats_message(sections, EN)
    assert len(text) <= 4096 and text.count("line 0 ") == 2
    assert rows[-1][0][0] == "📄 PDF report"


def test_cli_export_and_report_write_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bot.sqlite3"
    asyncio.run(seeded(database))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[event]\nname = "Forum"\n[storage]\ndatabase = "{database}"\n', encoding="utf-8"
    )
    out = tmp_path / "programme.csv"
    assert main(["export", "programme", "--out", str(out), "--config", str(config)]) == EXIT_OK
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][-1] == "Subscribers" and {r[3]: r[7] for r in rows[1:]}["2"] == "80"
    german = tmp_path / "ankuendigungen.xlsx"
    status = main(
        [
            "export",
            "announcements",
            "--out",
            str(german),
            "--language",
            "de",
            "--config",
            str(config),
        ]
    )
    assert status == EXIT_OK
    sheet = openpyxl.load_workbook(german).active
    assert sheet is not None and sheet["A1"].value == translator("de")("No.")
    assert (
        main(["export", "directory", "--out", str(tmp_path / "x.txt"), "--config", str(config)])
        == EXIT_PROBLEM
    )
    assert "name it .csv or .xlsx" in capsys.readouterr().err
    pdf = tmp_path / "report.pdf"
    assert main(["report", "--out", str(pdf), "--config", str(config)]) == EXIT_OK
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Forum report" in text and "The network" in text


def test_capacity_is_read_from_csv_toml_and_pretalx_rooms() -> None:
    csv_text = (
        "id,date,start,end,title,room,capacity\n"
        "1,2027-03-16,09:00,10:00,Opening,Hall,300\n"
        "2,2027-03-16,10:00,11:00,Workshop,Room 2,\n"
    )
    first, second = load_programme(csv_text.encode(), filename="p.csv").sessions
    assert (first.capacity, second.capacity) == (300, None)
    toml_text = (
        '[[session]]\nid = "1"\ndate = 2027-03-16\nstart = "09:00"\nduration = 60\n'
        'title = "Opening"\nroom = "Hall"\ncapacity = 120\n'
    )
    (only,) = load_programme(toml_text.encode(), filename="p.toml").sessions
    assert only.capacity == 120
    example = load_programme(ROOT / "schedule.example.json", timezone="Europe/Berlin")
    ahr = example.session_by_id("6")
    assert ahr is not None and ahr.room == "Room Ahr" and ahr.capacity == 24
    with pytest.raises(ScheduleError) as caught:
        load_programme(csv_text.replace(",300", ",many").encode(), filename="p.csv")
    assert [p.english() for p in caught.value.problems] == [
        "p.csv:2:capacity: The capacity many is not a number of seats."
    ]


def test_bench_sized_text_is_cut_to_whole_lines() -> None:
    assert render.cut("a  b\nc", 10) == "a b c"
    assert render.cut("x" * 60, 10) == "xxxxxxxxx…"
    assert render.plain("<b>A</b> &amp; B") == "A & B"
    assert render.moment_label(datetime(2027, 3, 16, 8, tzinfo=UTC), BERLIN, EN) == "16 Mar 09:00"
    assert render.zone_label("America/Sao_Paulo", EN) == "America/Sao Paulo"
