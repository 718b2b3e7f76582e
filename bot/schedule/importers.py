"""Read a programme from pretalx/frab ``schedule.json``, the CSV template or the TOML form.

All three produce the same :class:`~bot.schedule.model.Programme`. Validation collects every
problem it finds (with file, line and field) and raises one :class:`ScheduleError`, so an
organiser can fix a whole file in one go. Messages are English msgids with brace placeholders,
rendered in the organiser's language with ``tr(p.message).format(**p.params)``.

CSV template (UTF-8, with or without BOM; ``,`` or ``;`` separated, sniffed from the header):
required columns ``id, date, start, end`` (or ``duration``), ``title, room``; optional
``guid, track, type, speakers, language, description, url, capacity`` (the room's seats) and
per-language ``title_de``,
``description_fr`` and so on. German headers are accepted too (``Datum, Beginn/Uhrzeit, Ende,
Dauer, Titel, Raum, Typ, Vortragende/Referent*innen, Sprache, Beschreibung``). Dates are
``YYYY-MM-DD`` or ``DD.MM.YYYY``; times ``HH:MM`` wall-clock in the event zone; a duration is
minutes (``90``) or ``H:MM``. Several speakers in one cell are separated by ``;`` (names may
contain commas, e.g. "Souza, Ana"); quote the cell when the file itself uses ``;``.

TOML form: optional ``[programme]`` table with ``name`` and ``version``, then one
``[[session]]`` table per session with the same keys as the CSV columns. ``date`` may be a TOML
date or a string, ``start``/``end`` a TOML time or ``"HH:MM"``, ``duration`` minutes or
``"H:MM"``, ``speakers`` a list of strings (or one string separated by ``;``).

As in pretalx, an event day runs from 04:00 to 03:59: a session at 01:30 on the 17th belongs
to the programme of the 16th.

When a session has no guid, one is derived from its id with ``uuid5``, so it stays stable
across imports as long as the id does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tomllib
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import LANGUAGES, N_
from bot.schedule.model import DAY_STARTS, Programme, Session

GUID_NAMESPACE = uuid.UUID("6f1c2d3e-9b7a-5c4d-8e2f-0a1b2c3d4e5f")

REQUIRED_FIELDS = ("id", "date", "start", "title", "room")
# Limits on what a file may hold, so that nothing in it can break a message, a button or a
# calendar: its size, its nesting, the number of sessions, and each field's length.
MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 20
MAX_SESSIONS = 5000
MAX_SPEAKERS = 100
FIELD_LIMITS: dict[str, int] = {
    "id": 40,
    "guid": 200,
    "title": 300,
    "room": 100,
    "track": 100,
    "type": 100,
    "language": 100,
    "speaker": 100,
    "url": 2000,
    "description": 20_000,
}
_ONE_LINE = ("id", "guid", "title", "room", "track", "type", "language", "speaker", "url")
# Like pretalx, an event day runs 04:00-03:59: a 01:30 session belongs to the night before.


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a schedule file, located as ``line[:column or field]``."""

    file: str
    location: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def english(self) -> str:
        """Return the problem as one English line, ``file:location: message``."""
        where = f"{self.file}:{self.location}" if self.location else self.file
        return f"{where}: {self.message.format(**self.params)}"


class ScheduleError(Exception):
    """A schedule file was refused; ``problems`` lists everything wrong with it."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.english() for p in problems))
        self.problems = problems


def derive_guid(session_id: str) -> str:
    """Return the stable guid for a session that has only an id."""
    return str(uuid.uuid5(GUID_NAMESPACE, session_id))


def load_programme(
    source: Path | str | bytes,
    *,
    filename: str | None = None,
    timezone: str = "Europe/Berlin",
) -> Programme:
    """Read a programme from a path or bytes, choosing the format by extension or content."""
    if isinstance(source, bytes):
        data = source
        name = filename or "schedule"
    else:
        path = Path(source)
        data = path.read_bytes()
        name = filename or path.name
    if len(data) > MAX_FILE_BYTES:
        raise ScheduleError(
            [
                Problem(
                    name,
                    "",
                    N_("The file is {size} bytes; a programme file can have at most {limit}."),
                    {"size": len(data), "limit": MAX_FILE_BYTES},
                )
            ]
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            [Problem(name, "", N_("Unknown time zone {zone}."), {"zone": timezone})]
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScheduleError(
            [Problem(name, str(line), N_("The file is not UTF-8 text."), {})]
        ) from None
    kind = _detect(name, text)
    version = hashlib.sha256(data).hexdigest()[:12]
    if kind == "json":
        return _load_json(text, name, timezone, version)
    if kind == "toml":
        return _load_toml(text, name, timezone, version)
    return _load_csv(text, name, timezone, version)


def _detect(name: str, text: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in ("json", "csv", "toml"):
        return suffix
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json"
    if re.search(r"^\s*\[\[session\]\]", text, re.MULTILINE):
        return "toml"
    return "csv"


# --- shared helpers ------------------------------------------------------------------------


class _Collector:
    """Gather problems for one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, location: str, message: str, **params: object) -> None:
        self.problems.append(Problem(self.file, location, message, params))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScheduleError(self.problems)


_DATE_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})(?::(\d{2}))?$")
_DURATION_HM = re.compile(r"^(\d+):(\d{2})$")


def _parse_date(value: str) -> date | None:
    value = value.strip()
    dotted = _DATE_DOTTED.match(value)
    try:
        if dotted:
            return date(int(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)))
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_time(value: str) -> time | None:
    match = _TIME.match(value.strip())
    if not match:
        return None
    try:
        return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
    except ValueError:
        return None


def _parse_duration(value: str) -> timedelta | None:
    value = value.strip()
    if value.isdigit():
        return timedelta(minutes=int(value))
    match = _DURATION_HM.match(value)
    if match and int(match.group(2)) < 60:
        return timedelta(hours=int(match.group(1)), minutes=int(match.group(2)))
    return None


def _wall_clock(
    day: date, at: time, zone: ZoneInfo, location: str, problems: _Collector
) -> datetime | None:
    """Return the UTC instant of a wall-clock time in the event zone, flagging DST trouble."""
    local = datetime.combine(day, at, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    trouble = None
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        trouble = N_("{date} {time} does not exist in {zone} (the clocks go forward).")
    elif local.utcoffset() != local.replace(fold=1).utcoffset():
        trouble = N_("{date} {time} happens twice in {zone} (the clocks go back); move it.")
    if trouble is not None:
        problems.add(
            location, trouble, date=day.isoformat(), time=at.strftime("%H:%M"), zone=zone.key
        )
        return None
    return local.astimezone(UTC)


def _split_speakers(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(";") if name.strip())


def _details(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the optional details every format names alike: track, type, language, link and
    the per-language titles and descriptions."""
    return {
        "track": _optional(raw.get("track")),
        "type": _optional(raw.get("type")),
        "language": _optional(raw.get("language")),
        "url": _optional(raw.get("url")),
        "titles": _localized(raw, "title"),
        "descriptions": _localized(raw, "description"),
    }


def _localized(raw: Mapping[str, Any], base: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for lang in LANGUAGES:
        value = raw.get(f"{base}_{lang}")
        if isinstance(value, str) and value.strip():
            found[lang] = value.strip()
    return found


def _optional(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _too_deep(document: object) -> bool:
    """Tell whether a parsed document nests deeper than :data:`MAX_DEPTH` (no recursion)."""
    pending: list[tuple[object, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            pending += [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
    return False


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _decoded(text: str, problems: _Collector, decode: Callable[[str], Any]) -> Any:
    """Return a TOML or JSON file's document: a syntax error is told where it is, a document
    nested deeper than :data:`MAX_DEPTH` refused."""
    try:
        document = decode(text)
    except RecursionError:
        raise _nested_too_deeply(problems.file) from None
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        where = f"{position.group(1)}:{position.group(2)}" if position else ""
        reason = _TOML_POSITION.sub("", str(exc)).strip()
        problems.add(where, N_("This is not valid TOML: {reason}."), reason=reason)
        problems.raise_if_any()
    except json.JSONDecodeError as exc:
        where = f"{exc.lineno}:{exc.colno}"
        problems.add(where, N_("This is not valid JSON: {reason}."), reason=exc.msg)
        problems.raise_if_any()
    if _too_deep(document):
        raise _nested_too_deeply(problems.file)
    return document


def _programme(
    built: list[tuple[str, Session]],
    problems: _Collector,
    name: str,
    timezone: str,
    version: str,
    days: tuple[date, ...] | None = None,
) -> Programme:
    """Return the programme of the sessions built, unless the file had problems (all told)."""
    _check_count(len(built), problems)
    _check_unique(built, problems)
    problems.raise_if_any()
    sessions = [s for _, s in built]
    return Programme.build(
        name=name, timezone=timezone, version=version, sessions=sessions, days=days
    )


def _nested_too_deeply(name: str) -> ScheduleError:
    return ScheduleError(
        [
            Problem(
                name,
                "",
                N_("The file is nested too deeply (more than {limit} levels)."),
                {"limit": MAX_DEPTH},
            )
        ]
    )


def _check_fields(session: Session, locate: Any, problems: _Collector) -> bool:
    """Record every field that is too long or would break a line; True when all are fine."""
    before = len(problems.problems)
    values: list[tuple[str, str | None]] = [
        ("id", session.id),
        ("guid", session.guid),
        ("title", session.title),
        ("room", session.room),
        ("track", session.track),
        ("type", session.type),
        ("language", session.language),
        ("url", session.url),
        ("description", session.description),
        *(("title", title) for title in session.titles.values()),
        *(("description", text) for text in session.descriptions.values()),
        *(("speaker", name) for name in session.speakers),
    ]
    failed: set[str] = set()
    for field_name, value in values:
        if value is None or field_name in failed:
            continue
        where = locate("speakers" if field_name == "speaker" else field_name)
        if len(value) > FIELD_LIMITS[field_name]:
            failed.add(field_name)
            problems.add(
                where,
                N_("The {field} is {length} characters long; at most {limit} are allowed."),
                field=field_name,
                length=len(value),
                limit=FIELD_LIMITS[field_name],
            )
        elif field_name in _ONE_LINE and any(
            unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value
        ):
            failed.add(field_name)
            problems.add(
                where,
                N_("The {field} must be one line, without line breaks or control characters."),
                field=field_name,
            )
    if session.url and "url" not in failed and not re.fullmatch(r"https?://\S+", session.url):
        problems.add(
            locate("url"), N_("The url must start with https:// or http:// and have no spaces.")
        )
    if len(session.speakers) > MAX_SPEAKERS:
        problems.add(
            locate("speakers"),
            N_("A session can have at most {limit} speakers."),
            limit=MAX_SPEAKERS,
        )
    return len(problems.problems) == before


def _check_count(count: int, problems: _Collector) -> None:
    if count > MAX_SESSIONS:
        problems.add(
            "",
            N_("The file has {count} sessions; a programme can have at most {limit}."),
            count=count,
            limit=MAX_SESSIONS,
        )


def _check_unique(sessions: Iterable[tuple[str, Session]], problems: _Collector) -> None:
    guids: dict[str, str] = {}
    ids: dict[str, str] = {}
    for location, session in sessions:
        derived = session.guid == derive_guid(session.id)
        if session.guid in guids and not derived:  # a derived one repeats the id's problem
            problems.add(
                location,
                N_("Duplicate guid {guid} (first used at {first})."),
                guid=session.guid,
                first=guids[session.guid],
            )
        elif session.guid not in guids:
            guids[session.guid] = location
        if session.id in ids:
            problems.add(
                location,
                N_("Duplicate id {id} (first used at {first})."),
                id=session.id,
                first=ids[session.id],
            )
        else:
            ids[session.id] = location


# --- rows (CSV and TOML) -------------------------------------------------------------------


def _build_row(
    raw: Mapping[str, Any],
    locate: Any,
    zone: ZoneInfo,
    problems: _Collector,
) -> Session | None:
    """Turn one normalised CSV row or TOML table into a session, or record its problems."""
    before = len(problems.problems)
    for name in REQUIRED_FIELDS:
        value = raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.add(locate(name), N_("The {field} is missing."), field=name)
    has_end = raw.get("end") not in (None, "")
    has_duration = raw.get("duration") not in (None, "")
    if not has_end and not has_duration:
        problems.add(locate("end"), N_("Give either an end time or a duration."))
    if len(problems.problems) > before:
        return None

    day = raw["date"] if isinstance(raw["date"], date) else _parse_date(str(raw["date"]))
    if day is None or isinstance(day, datetime):
        problems.add(locate("date"), N_("Cannot read the date {value}."), value=str(raw["date"]))
        return None
    start_time = raw["start"] if isinstance(raw["start"], time) else _parse_time(str(raw["start"]))
    if start_time is None:
        problems.add(locate("start"), N_("Cannot read the time {value}."), value=str(raw["start"]))
        return None
    start = _wall_clock(day, start_time, zone, locate("start"), problems)
    end: datetime | None = None
    if has_end:
        end_raw = raw["end"]
        end_time = end_raw if isinstance(end_raw, time) else _parse_time(str(end_raw))
        if end_time is None:
            problems.add(locate("end"), N_("Cannot read the time {value}."), value=str(end_raw))
            return None
        end = _wall_clock(day, end_time, zone, locate("end"), problems)
    else:
        duration_raw = raw["duration"]
        duration = (
            timedelta(minutes=duration_raw)
            if isinstance(duration_raw, int) and not isinstance(duration_raw, bool)
            else _parse_duration(str(duration_raw))
        )
        if duration is None:
            problems.add(
                locate("duration"),
                N_("Cannot read the duration {value}; use minutes or H:MM."),
                value=str(duration_raw),
            )
            return None
        if start is not None:
            end = start + duration
    if start is None or end is None:
        return None
    if end <= start:
        problems.add(
            locate("end"),
            N_("The session ends ({end}) before it starts ({start})."),
            start=start.astimezone(zone).strftime("%H:%M"),
            end=end.astimezone(zone).strftime("%H:%M"),
        )
        return None
    speakers_raw = raw.get("speakers")
    if isinstance(speakers_raw, list):
        speakers = tuple(str(s).strip() for s in speakers_raw if str(s).strip())
    else:
        speakers = _split_speakers(str(speakers_raw or ""))
    capacity = _capacity(raw.get("capacity"), locate("capacity"), problems)
    session_id = str(raw["id"]).strip()
    session = Session(
        guid=_optional(raw.get("guid")) or derive_guid(session_id),
        id=session_id,
        title=str(raw["title"]).strip(),
        description=str(raw.get("description") or "").strip(),
        start=start,
        end=end,
        room=str(raw["room"]).strip(),
        day=day - timedelta(days=1) if start_time < DAY_STARTS else day,
        speakers=speakers,
        capacity=capacity,
        **_details(raw),
    )
    return session if _check_fields(session, locate, problems) else None


def _capacity(value: object, where: str, problems: _Collector) -> int | None:
    """Read a room capacity (seats), recording a problem for anything but a positive number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"\d{1,6}", text) or int(text) == 0:
        problems.add(where, N_("The capacity {value} is not a number of seats."), value=text)
        return None
    return int(text)


# --- CSV -----------------------------------------------------------------------------------

_HEADER_ALIASES: dict[str, str] = {
    "id": "id",
    "nr": "id",
    "no": "id",
    "code": "id",
    "guid": "guid",
    "uuid": "guid",
    "date": "date",
    "day": "date",
    "datum": "date",
    "tag": "date",
    "start": "start",
    "time": "start",
    "start_time": "start",
    "begin": "start",
    "beginn": "start",
    "uhrzeit": "start",
    "zeit": "start",
    "end": "end",
    "end_time": "end",
    "ende": "end",
    "duration": "duration",
    "duration_min": "duration",
    "dauer": "duration",
    "title": "title",
    "titel": "title",
    "room": "room",
    "location": "room",
    "venue": "room",
    "raum": "room",
    "ort": "room",
    "track": "track",
    "type": "type",
    "format": "type",
    "typ": "type",
    "art": "type",
    "speakers": "speakers",
    "speaker": "speakers",
    "panelists": "speakers",
    "vortragende": "speakers",
    "referent_innen": "speakers",
    "referentinnen": "speakers",
    "referenten": "speakers",
    "sprecher_innen": "speakers",
    "language": "language",
    "sprache": "language",
    "description": "description",
    "abstract": "description",
    "beschreibung": "description",
    "url": "url",
    "link": "url",
    "capacity": "capacity",
    "seats": "capacity",
    "kapazitat": "capacity",
    "platze": "capacity",
    "plaetze": "capacity",
}

_LOCALIZED_HEADER = re.compile(r"^(title|titel|description|beschreibung)_([a-z]{2})$")


def _normalize_header(header: str) -> str:
    folded = unicodedata.normalize("NFKD", header.strip().casefold())
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c))
    key = re.sub(r"[^a-z0-9]+", "_", ascii_only).strip("_")
    localized = _LOCALIZED_HEADER.match(key)
    if localized:
        base = "title" if localized.group(1) in ("title", "titel") else "description"
        return f"{base}_{localized.group(2)}"
    return _HEADER_ALIASES.get(key, key)


def _load_csv(text: str, name: str, timezone: str, version: str) -> Programme:
    problems = _Collector(name)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as error:
        problems.add("1", N_("Cannot read this row: {reason}."), reason=str(error))
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    except StopIteration:
        problems.add("1", N_("The file is empty."))
        problems.raise_if_any()
        raise AssertionError("unreachable") from None
    columns = [_normalize_header(h) for h in header]
    seen_columns: dict[str, int] = {}
    for index, column in enumerate(columns):
        if column in seen_columns and column:
            problems.add(
                f"1:{header[index].strip()}",
                N_("The column {column} appears twice."),
                column=header[index].strip(),
            )
        seen_columns.setdefault(column, index)
    for required in REQUIRED_FIELDS:
        if required not in seen_columns:
            problems.add("1", N_("The required column {column} is missing."), column=required)
    if "end" not in seen_columns and "duration" not in seen_columns:
        problems.add("1", N_("Add an end or a duration column."))
    problems.raise_if_any()

    zone = ZoneInfo(timezone)
    built: list[tuple[str, Session]] = []
    line = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.add(str(line + 1), N_("Cannot read this row: {reason}."), reason=str(error))
            break
        row_line = line + 1
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            problems.add(
                str(row_line),
                N_("This row has {found} cells but the header has {expected}."),
                found=len(row),
                expected=len(columns),
            )
            continue
        raw = {columns[i]: row[i] for i in range(len(row)) if columns[i]}

        def locate(field_name: str, at: int = row_line) -> str:
            return f"{at}:{field_name}"

        session = _build_row(raw, locate, zone, problems)
        if session is not None:
            built.append((str(row_line), session))
    return _programme(built, problems, "", timezone, version)


# --- TOML ----------------------------------------------------------------------------------


def _load_toml(text: str, name: str, timezone: str, version: str) -> Programme:
    problems = _Collector(name)
    document = _decoded(text, problems, tomllib.loads)
    lines = text.splitlines()
    headers = [i + 1 for i, ln in enumerate(lines) if re.match(r"^\s*\[\[session\]\]", ln)]
    meta = document.get("programme", {})
    tables = document.get("session", [])
    if not isinstance(tables, list) or not tables:
        problems.add("", N_("There are no [[session]] tables."))
        problems.raise_if_any()
    zone = ZoneInfo(timezone)
    built: list[tuple[str, Session]] = []
    for index, table in enumerate(tables):
        header_line = headers[index] if index < len(headers) else 0
        block_end = headers[index + 1] if index + 1 < len(headers) else len(lines) + 1

        def locate(field_name: str, start: int = header_line, stop: int = block_end) -> str:
            pattern = re.compile(rf"^\s*{re.escape(field_name)}\s*=")
            for number in range(start, stop):
                if 0 < number <= len(lines) and pattern.match(lines[number - 1]):
                    return f"{number}:{field_name}"
            return f"{start}:{field_name}"

        raw = {
            k: (v.isoformat(timespec="minutes") if isinstance(v, datetime) else v)
            for k, v in table.items()
        }
        if isinstance(raw.get("id"), int):
            raw["id"] = str(raw["id"])
        session = _build_row(raw, locate, zone, problems)
        if session is not None:
            built.append((str(header_line), session))
    version = str(meta.get("version") or version)
    return _programme(built, problems, str(meta.get("name", "")), timezone, version)


# --- pretalx / frab JSON -------------------------------------------------------------------


def _line_of(text: str, needle: str) -> int | None:
    offset = text.find(needle)
    return text.count("\n", 0, offset) + 1 if offset >= 0 else None


def _person_name(person: object) -> str | None:
    if isinstance(person, str):
        return person.strip() or None
    if isinstance(person, dict):
        for key in ("public_name", "name", "full_public_name"):
            value = person.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _load_json(text: str, name: str, timezone: str, version: str) -> Programme:
    problems = _Collector(name)
    document = _decoded(text, problems, json.loads)
    schedule = document.get("schedule") if isinstance(document, dict) else None
    conference = schedule.get("conference") if isinstance(schedule, dict) else None
    days = conference.get("days") if isinstance(conference, dict) else None
    if not isinstance(schedule, dict) or not isinstance(conference, dict):
        problems.add("1", N_("This is not a pretalx/frab schedule.json (no schedule.conference)."))
        problems.raise_if_any()
    assert isinstance(schedule, dict) and isinstance(conference, dict)
    if not isinstance(days, list):
        problems.add("1", N_("The schedule has no list of days."))
        problems.raise_if_any()
    assert isinstance(days, list)
    zone = ZoneInfo(timezone)
    seats = _room_capacities(conference.get("rooms"))
    built: list[tuple[str, Session]] = []
    day_dates: list[date] = []
    for day_index, day in enumerate(days):
        day_path = f"days[{day_index}]"
        day_date = _parse_date(str(day.get("date", ""))) if isinstance(day, dict) else None
        if day_date is None or not isinstance(day, dict):
            problems.add(day_path, N_("The day has no valid date."))
            continue
        day_dates.append(day_date)
        rooms = day.get("rooms", {})
        if not isinstance(rooms, dict):
            problems.add(day_path, N_("The day's rooms are not an object."))
            continue
        for room_name, events in rooms.items():
            for event_index, event in enumerate(events if isinstance(events, list) else []):
                path = f"{day_path}.rooms[{room_name}][{event_index}]"
                session = _json_event(
                    event, path, text, str(room_name), day_date, zone, problems, seats
                )
                if session is not None:
                    line = _line_of(text, f'"{session.guid}"')
                    built.append((str(line) if line else path, session))
    title, version = str(conference.get("title") or ""), str(schedule.get("version") or version)
    days_found = tuple(sorted(set(day_dates)))
    return _programme(built, problems, title, timezone, version, days_found)


def _json_event(
    event: object,
    path: str,
    text: str,
    room: str,
    day: date,
    zone: ZoneInfo,
    problems: _Collector,
    seats: Mapping[str, int],
) -> Session | None:
    if not isinstance(event, dict):
        problems.add(path, N_("A session entry is not an object."))
        return None
    guid = _optional(event.get("guid"))
    line = _line_of(text, f'"{guid}"') if guid else None

    def locate(field_name: str) -> str:
        return f"{line}:{field_name}" if line else f"{path}.{field_name}"

    before = len(problems.problems)
    for required in ("guid", "id", "date", "duration", "title"):
        if event.get(required) in (None, ""):
            problems.add(locate(required), N_("The {field} is missing."), field=required)
    if len(problems.problems) > before:
        return None
    start: datetime | None = None
    try:
        start = datetime.fromisoformat(str(event["date"]))
    except ValueError:
        start = None
    if start is None or start.tzinfo is None:
        problems.add(
            locate("date"),
            N_("Cannot read the date {value}; it needs a time and an offset."),
            value=str(event["date"]),
        )
        return None
    duration = _parse_duration(str(event["duration"]))
    if duration is None:
        problems.add(
            locate("duration"),
            N_("Cannot read the duration {value}; use minutes or H:MM."),
            value=str(event["duration"]),
        )
        return None
    if duration <= timedelta(0):
        problems.add(
            locate("duration"),
            N_("The session ends ({end}) before it starts ({start})."),
            start=start.astimezone(zone).strftime("%H:%M"),
            end=(start + duration).astimezone(zone).strftime("%H:%M"),
        )
        return None
    persons = event.get("persons") or []
    speakers = tuple(
        n for n in (_person_name(p) for p in (persons if isinstance(persons, list) else [])) if n
    )
    abstract = str(event.get("abstract") or "").strip()
    description = str(event.get("description") or "").strip()
    text_parts = [part for part in (abstract, description) if part]
    if len(text_parts) == 2 and text_parts[0] == text_parts[1]:
        text_parts = text_parts[:1]
    start_utc = start.astimezone(UTC)
    room = str(event.get("room") or room).strip()
    capacity = _capacity(event.get("capacity"), locate("capacity"), problems)
    session = Session(
        guid=str(guid),
        id=str(event["id"]).strip(),
        title=str(event["title"]).strip(),
        description="\n\n".join(text_parts),
        start=start_utc,
        end=start_utc + duration,
        room=room,
        day=day,
        speakers=speakers,
        capacity=capacity or seats.get(room),
        **_details(event),
    )
    return session if _check_fields(session, locate, problems) else None


def _room_capacities(rooms: object) -> dict[str, int]:
    """Return the seats per room name from pretalx's ``conference.rooms`` list, where given."""
    found: dict[str, int] = {}
    for room in rooms if isinstance(rooms, list) else []:
        if not isinstance(room, dict):
            continue
        name, capacity = room.get("name"), room.get("capacity")
        if isinstance(name, str) and type(capacity) is int and capacity > 0:
            found[name.strip()] = capacity
    return found
