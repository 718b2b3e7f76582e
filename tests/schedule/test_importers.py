"""Importing the programme from pretalx/frab JSON, the CSV template and the TOML form."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.schedule.importers import ScheduleError, derive_guid, load_programme
from bot.schedule.model import Programme

from .conftest import FIXTURES

BERLIN = "Europe/Berlin"


def _problems(data: bytes, filename: str) -> list[str]:
    with pytest.raises(ScheduleError) as caught:
        load_programme(data, filename=filename, timezone=BERLIN)
    return [p.english() for p in caught.value.problems]


@pytest.mark.parametrize("name", ["mini.csv", "mini.toml"])
def test_every_format_yields_the_same_model(mini: Programme, name: str) -> None:
    other = load_programme(FIXTURES / name, timezone=BERLIN)
    assert other.sessions == mini.sessions
    assert other.days == mini.days == (date(2027, 3, 16), date(2027, 3, 17))


def test_json_times_are_absolute_utc_and_fields_are_kept_verbatim(mini: Programme) -> None:
    opening = mini.session_by_id("1")
    assert opening is not None
    assert opening.start == datetime(2027, 3, 16, 8, 30, tzinfo=UTC)
    assert opening.end == datetime(2027, 3, 16, 10, 0, tzinfo=UTC)
    assert opening.title == 'Opening plenary <Welcome> & "hello" 🎉'
    assert opening.speakers == ("Dr. Ana Souza", "Klaus Müller")
    assert opening.title_in("de") == "Eröffnungsplenum"
    assert opening.title_in("pt") == opening.title
    assert mini.name == "Mini Forum" and mini.version == "v1"


def test_pretalx_night_session_belongs_to_the_day_before(mini: Programme) -> None:
    late = mini.session_by_id("4")
    assert late is not None and late.day == date(2027, 3, 16)
    assert late in mini.on_day(date(2027, 3, 16))


def test_german_semicolon_csv_with_bom_and_durations() -> None:
    text = (
        "Nr;Datum;Uhrzeit;Dauer;Titel;Raum;Typ;Referent*innen;Sprache;Beschreibung;Titel_FR\n"
        "7;16.03.2027;09:30;90;Eröffnung;Saal;plenary;Ana Souza;de;Hallo;Ouverture\n"
        '8;16.03.2027;11:00;1:15;Workshop;Raum 2;workshop;"Souza, Ana; Jo";en;;\n'
    )
    programme = load_programme(
        b"\xef\xbb\xbf" + text.encode(), filename="programm.csv", timezone=BERLIN
    )
    first, second = programme.sessions
    assert first.guid == derive_guid("7")
    assert first.end == datetime(2027, 3, 16, 10, 0, tzinfo=UTC)
    assert first.titles == {"fr": "Ouverture"}
    assert second.end == datetime(2027, 3, 16, 11, 15, tzinfo=UTC)
    assert second.speakers == ("Souza, Ana", "Jo")


def test_format_is_sniffed_from_content_without_extension(mini: Programme) -> None:
    data = (FIXTURES / "mini.json").read_bytes()
    assert load_programme(data, filename="upload", timezone=BERLIN).sessions == mini.sessions
    toml = (FIXTURES / "mini.toml").read_bytes()
    assert load_programme(toml, filename="upload", timezone=BERLIN).sessions == mini.sessions


def test_broken_csv_lists_every_problem_with_its_line() -> None:
    text = (
        "id,date,start,end,title,room\n"
        "1,2027-03-16,09:00,10:00,Fine,A\n"
        "2,2027-03-16,11:00,10:00,Backwards,A\n"
        "1,2027-03-16,12:00,13:00,Same id,A\n"
        "4,16/03/2027,12:00,13:00,Bad date,A\n"
        "5,2027-03-16,25:00,26:00,Bad time,A\n"
        "6,2027-03-16,12:00,13:00,,A\n"
    )
    assert _problems(text.encode(), "broken.csv") == [
        "broken.csv:3:end: The session ends (10:00) before it starts (11:00).",
        "broken.csv:5:date: Cannot read the date 16/03/2027.",
        "broken.csv:6:start: Cannot read the time 25:00.",
        "broken.csv:7:title: The title is missing.",
        "broken.csv:4: Duplicate id 1 (first used at 2).",
    ]


def test_csv_missing_required_columns_are_named() -> None:
    problems = _problems(b"id,date,title\n1,2027-03-16,x\n", "short.csv")
    assert "short.csv:1: The required column start is missing." in problems
    assert "short.csv:1: The required column room is missing." in problems
    assert "short.csv:1: Add an end or a duration column." in problems


def test_dst_gap_and_overlap_are_flagged() -> None:
    text = (
        "id,date,start,end,title,room\n"
        "1,2027-03-28,02:30,03:30,In the gap,A\n"
        "2,2027-10-31,02:30,03:30,Twice,A\n"
    )
    assert _problems(text.encode(), "dst.csv") == [
        (
            "dst.csv:2:start: 2027-03-28 02:30 does not exist in Europe/Berlin"
            " (the clocks go forward)."
        ),
        (
            "dst.csv:3:start: 2027-10-31 02:30 happens twice in Europe/Berlin"
            " (the clocks go back); move it."
        ),
    ]


def test_bad_json_reports_line_and_column() -> None:
    assert _problems(b'{\n  "schedule": {\n    "version": ,\n', "s.json") == [
        "s.json:3:16: This is not valid JSON: Expecting value."
    ]


def test_json_duplicate_guid_and_bad_duration_are_located() -> None:
    data = (FIXTURES / "mini.json").read_text(encoding="utf-8")
    data = data.replace(
        "22222222-2222-4222-8222-222222222222", "11111111-1111-4111-8111-111111111111"
    )
    data = data.replace('"duration": "00:30"', '"duration": "half an hour"')
    problems = _problems(data.encode(), "dup.json")
    assert any("Duplicate guid 11111111" in p and p.startswith("dup.json:") for p in problems)
    assert any(":duration: Cannot read the duration half an hour" in p for p in problems)


def test_toml_problems_point_at_the_key_line() -> None:
    text = (
        '[[session]]\nid = "1"\ndate = 2027-03-16\nstart = "10:00"\nend = "09:00"\n'
        'title = "x"\nroom = "A"\n'
    )
    assert _problems(text.encode(), "p.toml") == [
        "p.toml:5:end: The session ends (09:00) before it starts (10:00)."
    ]
    assert _problems(b'[[session]]\nid = "1\n', "q.toml")[0].startswith("q.toml:2:")


def test_problem_renders_through_a_translator() -> None:
    with pytest.raises(ScheduleError) as caught:
        load_programme(b"id,date\n", filename="x.csv", timezone=BERLIN)
    problem = caught.value.problems[0]
    tr = translator("de")
    assert tr(problem.message).format(**problem.params) == ("Die Pflichtspalte start fehlt.")


def test_illustrative_example_loads(example: Programme) -> None:
    assert "ILLUSTRATIVE" in example.name
    assert example.days == (date(2027, 3, 16), date(2027, 3, 17), date(2027, 3, 18))
    assert 30 <= len(example.sessions) <= 40
    assert len(example.rooms) == 4
    assert any(s.title_in("de") == "Mittagspause" for s in example.sessions)


@pytest.mark.parametrize(
    "name", ["schedule-template.csv", "schedule-template.de.csv", "schedule-template.toml"]
)
def test_shipped_templates_load(name: str) -> None:
    path = Path(__file__).resolve().parent.parent.parent / "examples" / name
    programme = load_programme(path, timezone="Europe/Berlin")
    opening = programme.session_by_id("1")
    assert opening is not None
    assert opening.speakers == ("Dr. Ana Souza", "Klaus Müller")
    assert opening.start.isoformat() == "2027-03-16T08:30:00+00:00"


def test_values_that_would_break_a_calendar_are_refused_with_their_line() -> None:
    text = (FIXTURES / "mini.json").read_text(encoding="utf-8")
    broken = text.replace('"https://example.org/1"', '"https://example.org/1\\r\\nX: 1"')
    assert broken != text
    line = next(n for n, row in enumerate(broken.splitlines(), 1) if "1111-4111" in row)
    one_line = "must be one line, without line breaks or control characters."
    assert _problems(broken.encode(), "schedule.json") == [
        f"schedule.json:{line}:url: The url {one_line}"
    ]
    toml = (
        b'[[session]]\nid = "1"\ndate = 2027-03-16\nstart = 09:00:00\nend = 10:00:00\n'
        b'title = "A\\rB"\nroom = "R"\n'
    )
    assert _problems(toml, "p.toml") == [f"p.toml:6:title: The title {one_line}"]


def test_nesting_and_size_are_bounded_before_anything_is_read() -> None:
    for data, name in (
        (b"[" * 50_000 + b"]" * 50_000, "deep.json"),
        (b"x = " + b"[" * 5000 + b"]" * 5000, "deep.toml"),
        (b"x = " + b"{a = " * 30 + b"1" + b"}" * 30, "inline.toml"),
    ):
        assert _problems(data, name) == [
            f"{name}: The file is nested too deeply (more than 20 levels)."
        ]
    big = b"x" * 2_000_001
    assert "can have at most 2000000" in _problems(big, "big.csv")[0]
