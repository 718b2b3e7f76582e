"""Texts and button rows for the programme: session cards, day pages, answers, import diffs.

Everything here returns HTML strings and rows of ``(label, callback data)``; no Telegram
object is built. Every time shows the event's wall clock as plain text, labelled with the
event's place ("09:30–11:00 Bonn"), followed by the reader's own time when their zone differs;
only that one is wrapped in ``<tg-time>`` (clients that know the entity show it in the device's
zone, so a time labelled with the place must not be). A date shown beside a time is the calendar
date of the session's start (01:30 on Thursday is Thursday, though it belongs to Wednesday's
programme day); a day's page names the date of a session that starts after its midnight.
Organiser-supplied text is escaped
everywhere, and no text returned exceeds Telegram's 4,096 characters: each field is cut to a
stated size before it is escaped, and pages end between whole lines (``bot.text``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton
from pydantic import Field

from bot.callbacks import CallbackData, Rows, button, kept_rows
from bot.i18n import N_, Translator
from bot.reminders.render import RemindPress
from bot.schedule.diff import ScheduleDiff
from bot.schedule.importers import Problem
from bot.schedule.model import Programme, Session
from bot.schedule.query import Answer, Intent, Kind
from bot.text import MAX_TEXT, cut, fit_html, fit_lines, visible_length

PAGE_BUDGET = 3800  # characters per page of a list, leaving room for its heading and footer
MAX_DESCRIPTION = 1200
# What a card or a line shows at most of each field, whatever the file held (the importer
# refuses longer values, but a programme imported before that check may still have them).
MAX_TITLE = 300
MAX_LINE_TITLE = 160
MAX_FIELD = 100
MAX_SPEAKERS = 600  # characters of the speakers line; "and N more" says what is left out
MAX_URL = 2000
MAX_CHOICES = 5
MAX_DIFF_LINES = 40
MAX_PROBLEMS = 30
_DEEP_LINK_ARG = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


@dataclass(frozen=True)
class View:
    """Who reads and how: translator, own zone (None when it is the event's), place, links."""

    tr: Translator
    place: str
    zone: ZoneInfo | None = None
    bot_username: str | None = None

    @property
    def language(self) -> str:
        """Return the reader's language code."""
        return self.tr.language


def make_view(
    tr: Translator,
    *,
    place: str,
    event_zone: str,
    user_zone: str | None,
    bot_username: str | None,
) -> View:
    """Return the view for a reader; their zone is kept only when it is not the event's."""
    zone = ZoneInfo(user_zone) if user_zone and user_zone != event_zone else None
    return View(tr=tr, place=place, zone=zone, bot_username=bot_username)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Return ``text`` cut to ``limit`` characters (for plain text only: it may split tags)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_day(day: date, language: str) -> str:
    """Return a day as the reader says it: "Tuesday, March 16, 2027", "Dienstag, 16. März 2027"."""
    return format_date(day, "full", locale=language)


def short_day(day: date, language: str) -> str:
    """Return a day for a button: "Tue, 16 Mar"."""
    return format_skeleton("MMMEd", day, locale=language)


def _hhmm(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")


def _tg_time(instant: datetime, text: str, *, with_day: bool = False) -> str:
    """Wrap ``text`` (``instant`` as the reader's zone shows it) for clients that localise it."""
    shown = "wdt" if with_day else "t"
    return f'<tg-time unix="{int(instant.timestamp())}" format="{shown}">{text}</tg-time>'


def start_day(session: Session, programme: Programme) -> date:
    """Return the calendar date of the session's start in the event zone (not its programme
    day: a session at 01:30 on Thursday belongs to Wednesday's programme, but is on Thursday)."""
    return session.start.astimezone(programme.tz).date()


def start_label(session: Session, programme: Programme, language: str) -> str:
    """Return a session's start for a button or a short line: "Thu, Mar 18 01:30"."""
    day = short_day(start_day(session, programme), language)
    return f"{day} {_hhmm(session.start, programme.tz)}"


def time_span(
    session: Session, programme: Programme, view: View, *, day: date | None = None
) -> str:
    """Return "09:30–11:00 Bonn", plus the reader's own time when their zone differs.

    On the page of programme ``day``, a session that starts on another calendar date (after
    midnight) is shown with that date: "Thu, Mar 18 01:30–02:45 Bonn".
    """
    event = programme.tz
    text = f"{_hhmm(session.start, event)}–{_hhmm(session.end, event)} {escape(view.place)}"
    starts = start_day(session, programme)
    if day is not None and starts != day:
        text = f"{escape(short_day(starts, view.language))} {text}"
    zone = view.zone
    if (
        zone is not None
        and session.start.astimezone(zone).utcoffset()
        != session.start.astimezone(event).utcoffset()
    ):
        own_day = session.start.astimezone(zone).date()
        other_day = own_day != starts
        start = _hhmm(session.start, zone)
        if other_day:
            start = f"{escape(short_day(own_day, view.language))} {start}"
        end = _hhmm(session.end, zone)
        own = f"{_tg_time(session.start, start, with_day=other_day)}–{_tg_time(session.end, end)}"
        text += " · " + view.tr("{time} your time").format(time=own)
    return text


def deep_link(view: View, payload: str) -> str | None:
    """Return the t.me link that opens the bot with ``/start payload``, if one can be made."""
    if not view.bot_username or not _DEEP_LINK_ARG.match(payload):
        return None
    return f"https://t.me/{view.bot_username}?start={payload}"


def title(session: Session, tr: Translator) -> str:
    """Return the session's title in the reader's language, escaped (whole)."""
    return escape(session.title_in(tr.language))


def _title(session: Session, view: View, limit: int = MAX_TITLE) -> str:
    return escape(cut(session.title_in(view.language), limit))


def speakers_line(speakers: Sequence[str], tr: Translator, limit: int = MAX_SPEAKERS) -> str:
    """Return the speakers as one escaped line of at most ``limit`` characters."""
    shown: list[str] = []
    size = 0
    for index, name in enumerate(speakers):
        name = cut(name, MAX_FIELD)
        if shown and size + len(name) + 2 > limit:
            rest = len(speakers) - index
            more = tr.plural("and {count} more", "and {count} more", rest).format(count=rest)
            return escape(", ".join(shown)) + " " + escape(more)
        shown.append(name)
        size += len(name) + 2
    return escape(", ".join(shown))


def safe_url(url: str | None) -> str | None:
    """Return a web link fit for a card or a calendar, or None."""
    if (
        not url
        or len(url) > MAX_URL
        or not url.startswith(("https://", "http://"))
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        return None
    return url


def session_card(session: Session, programme: Programme, view: View) -> str:
    """Return the full card of one session."""
    tr = view.tr
    lines = [
        f"<b>{_title(session, view)}</b>",
        f"🗓 {escape(format_day(start_day(session, programme), view.language))}",
        f"🕘 {time_span(session, programme, view)}",
        f"📍 {escape(cut(session.room, MAX_FIELD))}",
    ]
    if session.speakers:
        lines.append(f"🎤 {speakers_line(session.speakers, tr)}")
    tags = [cut(t, MAX_FIELD) for t in (session.track, session.type) if t]
    if tags:
        lines.append("🏷 " + escape(" · ".join(tags)))
    if session.language:
        lines.append("🗣 " + escape(cut(session.language, MAX_FIELD)))
    description = session.description_in(view.language).strip()
    if description:
        lines += ["", escape(clip(description, MAX_DESCRIPTION))]
    url = safe_url(session.url)
    if url:
        details = tr("More details")
        lines += ["", f'<a href="{escape(url, quote=True)}">{details}</a>']
    lines.append(tr("Session {id}").format(id=escape(cut(session.id, MAX_FIELD))))
    return fit_lines(lines)


class DayPress(CallbackData, prefix="sday"):
    """Show a page of one day's programme."""

    day: str = Field(pattern=r"^\d{8}$")
    page: int = Field(default=0, ge=0, le=999)

    @property
    def date(self) -> date | None:
        """Return the day pressed, or None for a code that names no date."""
        return parse_day_code(self.day)


class SessionPress(CallbackData, prefix="ses"):
    """Show one session's card."""

    session: str


class CalendarPress(CallbackData, prefix="sics"):
    """Send a calendar file: of a session ("s", id), a day ("d", yyyymmdd) or everything."""

    kind: Literal["s", "d", "all"]
    arg: str = ""


class ApplyUpload(CallbackData, prefix="schok", private=True):
    """Apply the previewed schedule file: its digest and the programme it was compared with."""

    digest: str
    base: str


class CancelUpload(CallbackData, prefix="schno", private=True):
    """Drop the previewed schedule file."""


class SessionButtons(Protocol):
    """A feature's hook that adds its buttons under a session (questions, feedback).

    ``compact`` asks for at most one short row per session, for a list such as /now.
    """

    def __call__(self, session: Session, tr: Translator, *, compact: bool) -> Rows: ...


def feature_rows(
    hooks: Sequence[SessionButtons], session: Session, tr: Translator, *, compact: bool
) -> Rows:
    """Return the rows every feature hook adds under a session."""
    return [row for hook in hooks for row in hook(session, tr, compact=compact)]


def card_buttons(session: Session, tr: Translator, *, now: datetime) -> Rows:
    """Return "Remind me" (until the session starts) and "Add to calendar" for a session card."""
    remind = (
        []
        if session.has_started(now)
        else [(tr("⏰ Remind me"), button(RemindPress(session=session.id)))]
    )
    return kept_rows(
        [
            *remind,
            (tr("📅 Add to calendar"), button(CalendarPress(kind="s", arg=session.id))),
        ]
    )


def session_line(
    session: Session, programme: Programme, view: View, *, day: date | None = None
) -> str:
    """Return one compact line of a list: time, title (a link to its card), room.

    ``day`` is the programme day the list is about, if it is about one (see ``time_span``).
    """
    title = _title(session, view, MAX_LINE_TITLE)
    link = deep_link(view, f"s_{session.id}")
    if link:
        title = f'<a href="{link}">{title}</a>'
    room = escape(cut(session.room, MAX_FIELD))
    return f"{time_span(session, programme, view, day=day)} — <b>{title}</b> · {room}"


def paginate(lines: Sequence[str], per_page: int, budget: int = PAGE_BUDGET) -> list[list[str]]:
    """Split lines into pages of at most ``per_page`` lines and ``budget`` characters.

    A page ends between whole lines; a line longer than a page is cut between entities.
    """
    pages: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = fit_html(line, budget)
        length = visible_length(line)
        if current and (len(current) >= per_page or size + length + 1 > budget):
            pages.append(current)
            current, size = [], 0
        current.append(line)
        size += length + 1
    if current:
        pages.append(current)
    return pages or [[]]


def day_page(
    programme: Programme, day: date, page: int, view: View, per_page: int
) -> tuple[str, int, int]:
    """Return (text, page shown, page count) of one event day's programme."""
    tr = view.tr
    sessions = programme.on_day(day)
    heading = tr("<b>Programme for {day}</b>").format(day=escape(format_day(day, view.language)))
    if not sessions:
        return heading + "\n" + tr("Nothing is on the programme that day."), 0, 1
    pages = paginate([session_line(s, programme, view, day=day) for s in sessions], per_page)
    page = min(max(page, 0), len(pages) - 1)
    text = heading
    if len(pages) > 1:
        text += " " + tr("(page {page} of {pages})").format(page=page + 1, pages=len(pages))
    return text + "\n\n" + "\n".join(pages[page]), page, len(pages)


def day_code(day: date) -> str:
    """Return a day as it travels in callback data (``20270316``)."""
    return day.strftime("%Y%m%d")


def parse_day_code(code: str) -> date | None:
    """Return the day a ``20270316`` code names, or None."""
    if len(code) != 8 or not code.isdigit():
        return None
    try:
        return date(int(code[:4]), int(code[4:6]), int(code[6:]))
    except ValueError:
        return None


def day_buttons(day: date, page: int, pages: int, tr: Translator) -> Rows:
    """Return the page buttons and the day's calendar button."""
    code = day_code(day)
    turn: list[tuple[str, str]] = []
    if page > 0:
        turn.append((tr("« Previous"), DayPress(day=code, page=page - 1).encode()))
    if page + 1 < pages:
        turn.append((tr("Next »"), DayPress(day=code, page=page + 1).encode()))
    rows = [turn] if turn else []
    rows.append([(tr("📅 This day as calendar file"), CalendarPress(kind="d", arg=code).encode())])
    return rows


def day_picker(programme: Programme, language: str) -> Rows:
    """Return one button per event day, three to a row."""
    buttons = [
        (short_day(day, language), DayPress(day=day_code(day)).encode()) for day in programme.days
    ]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def calendar_picker(programme: Programme, tr: Translator) -> Rows:
    """Return a button per day's calendar file and one for the whole programme."""
    days = [
        (short_day(day, tr.language), CalendarPress(kind="d", arg=day_code(day)).encode())
        for day in programme.days
    ]
    rows = [days[i : i + 3] for i in range(0, len(days), 3)]
    rows.append([(tr("📅 Whole programme"), CalendarPress(kind="all").encode())])
    return rows


def session_list(
    heading: str, sessions: Sequence[Session], programme: Programme, view: View, per_page: int
) -> str:
    """Return a heading and the first page of sessions, saying how many more there are."""
    pages = paginate([session_line(s, programme, view) for s in sessions], per_page)
    text = fit_html(heading, MAX_FIELD * 2) + "\n\n" + "\n".join(pages[0])
    rest = len(sessions) - len(pages[0])
    if rest > 0:
        text += "\n\n" + view.tr.plural(
            "… and {count} more session.", "… and {count} more sessions.", rest
        ).format(count=rest)
    return text


def choice_buttons(sessions: Sequence[Session], programme: Programme, language: str) -> Rows:
    """Return one button per candidate session: "Tue 11:30 · title"."""
    rows: Rows = []
    for session in sessions[:MAX_CHOICES]:
        data = button(SessionPress(session=session.id))
        if data is None:
            continue
        when = start_label(session, programme, language)
        label = clip(f"{when} · {session.title_in(language)}", 60)
        rows.append([(label, data)])
    return rows


def render_answer(
    answer: Answer, programme: Programme, view: View, per_page: int, *, now: datetime
) -> tuple[str, Rows]:
    """Return the reply to an understood question and its buttons (as of ``now``)."""
    tr = view.tr
    sessions = answer.sessions
    if answer.kind is Kind.NOTHING:
        return tr(answer.note or NOT_UNDERSTOOD), []
    if answer.kind is Kind.AFTER:
        return tr(answer.note or N_("The forum has ended.")), []
    if answer.kind is Kind.BEFORE:
        first = programme.days[0] if programme.days else None
        note = tr(N_("The forum starts on {date}.")).format(
            date=escape(format_day(first, view.language)) if first else ""
        )
        if first is None:
            return note, []
        text, page, pages = day_page(programme, first, 0, view, per_page)
        return note + "\n\n" + text, day_buttons(first, page, pages, tr)
    if answer.kind is Kind.AMBIGUOUS:
        return tr(answer.note or N_("Which one do you mean?")), choice_buttons(
            sessions, programme, view.language
        )
    if answer.kind is Kind.SESSION and len(sessions) == 1:
        return session_card(sessions[0], programme, view), card_buttons(sessions[0], tr, now=now)
    if answer.kind is Kind.SPEAKER:
        heading = tr("<b>Sessions with {name}</b>").format(
            name=escape(cut(answer.subject or "", MAX_FIELD))
        )
    elif answer.kind is Kind.ROOM:
        heading = tr("<b>Sessions in {room}</b>").format(
            room=escape(cut(answer.subject or "", MAX_FIELD))
        )
    elif (
        answer.kind is Kind.SESSIONS
        and answer.day is not None
        and answer.window is None
        and not answer.note
    ):
        text, page, pages = day_page(programme, answer.day, 0, view, per_page)
        return text, day_buttons(answer.day, page, pages, tr) if sessions else []
    else:
        heading = _window_heading(answer, programme, view)
    if not sessions:
        return heading + "\n\n" + tr("No sessions then."), []
    rows = choice_buttons(sessions, programme, view.language) if len(sessions) <= 3 else []
    return session_list(heading, sessions, programme, view, per_page), rows


NOT_UNDERSTOOD = N_("I did not understand. Try /now, /next, /today or /search with a word.")


def _window_heading(answer: Answer, programme: Programme, view: View) -> str:
    tr = view.tr
    if answer.note:
        params = {key: cut(str(value), MAX_FIELD) for key, value in answer.params.items()}
        return "<b>" + escape(tr(answer.note).format(**params)) + "</b>"
    if answer.window is not None:
        start, end = answer.window
        zone = programme.tz
        return tr("<b>{day}, {start}–{end} {place}</b>").format(
            day=escape(format_day(start.astimezone(zone).date(), view.language)),
            start=_hhmm(start, zone),
            end=_hhmm(end, zone),
            place=escape(view.place),
        )
    if answer.kind is Kind.SESSIONS and answer.intent is Intent.NOW:
        return tr("<b>Running now</b>")
    if answer.kind is Kind.SESSIONS and answer.intent is Intent.NEXT:
        return tr("<b>Next</b>")
    return tr("<b>Here is what I found</b>")


def now_text(programme: Programme, now: datetime, view: View, per_page: int) -> str:
    """Return what is running now, or what comes next, or that the forum is over or ahead."""
    tr = view.tr
    running = programme.running_at(now)
    if running:
        return session_list(tr("<b>Running now</b>"), running, programme, view, per_page)
    return next_text(programme, now, view, per_page, nothing_now=True)


def next_text(
    programme: Programme, now: datetime, view: View, per_page: int, *, nothing_now: bool = False
) -> str:
    """Return the sessions starting next (all parallel ones)."""
    tr = view.tr
    following = programme.next_after(now)
    if not following:
        return tr("The forum has ended.")
    heading = (
        tr("<b>Nothing is running right now. Next:</b>") if nothing_now else tr("<b>Next</b>")
    )
    first = following[0]
    if programme.starts_at is not None and now < programme.starts_at:
        heading = (
            tr("The forum starts on {date}.").format(
                date=escape(format_day(first.day, view.language))
            )
            + "\n"
            + heading
        )
    return session_list(heading, following, programme, view, per_page)


def day_outside(programme: Programme, day: date, view: View) -> str:
    """Return what to say about a day that is not one of the forum's days."""
    tr = view.tr
    if programme.days and day < programme.days[0]:
        text = tr("The forum starts on {date}.").format(
            date=escape(format_day(programme.days[0], view.language))
        )
    elif programme.days and day > programme.days[-1]:
        text = tr("The forum has ended.")
    else:
        text = tr("Nothing is on the programme that day.")
    return text + "\n" + tr("Choose a day:")


def unusable_file(tr: Translator) -> str:
    """Answer an organiser's file that is no programme: name the files a programme comes in."""
    return tr(
        "I can load a programme only from a pretalx/frab <code>schedule.json</code>, a CSV "
        "or a TOML file; this file I cannot use."
    )


def problems_text(problems: Sequence[Problem], tr: Translator) -> str:
    """Return the reasons a schedule file was refused, each with its file, line and field."""
    lines = [
        tr("<b>I cannot use this schedule file.</b> Please fix these problems and send it again:")
    ]
    for problem in problems[:MAX_PROBLEMS]:
        where = f"{problem.file}:{problem.location}" if problem.location else problem.file
        where = cut(where, MAX_FIELD)
        params = {k: cut(str(v), MAX_FIELD) for k, v in problem.params.items()}
        message = tr(problem.message).format(**params)
        lines.append(f"• <code>{escape(where)}</code> {escape(message)}")
    rest = len(problems) - MAX_PROBLEMS
    if rest > 0:
        lines.append(
            tr.plural("… and {count} more problem.", "… and {count} more problems.", rest).format(
                count=rest
            )
        )
    return clip_lines(lines)


def clip_lines(lines: Sequence[str], limit: int = MAX_TEXT - 100) -> str:
    """Join whole lines up to ``limit`` characters (never splitting a tag), then "…"."""
    return fit_lines(lines, limit)


def diff_text(changes: ScheduleDiff, new: Programme, view: View) -> str:
    """Return what an upload would change, for the organiser to confirm."""
    tr = view.tr
    zone = new.tz
    lang = view.language

    def when(session: Session) -> str:
        start, end = _hhmm(session.start, zone), _hhmm(session.end, zone)
        return f"{short_day(start_day(session, new), lang)} {start}–{end}"

    def name(session: Session) -> str:
        title = escape(cut(session.title, MAX_LINE_TITLE))
        return f"<b>{title}</b> ({escape(cut(session.id, MAX_FIELD))})"

    lines = [
        tr("<b>New programme: {sessions} sessions on {days} days.</b>").format(
            sessions=len(new.sessions), days=len(new.days)
        )
    ]
    if changes.is_empty:
        lines.append(tr("Nothing changes compared with the live programme."))
    sections: list[tuple[str, list[str]]] = [
        (
            tr("Added"),
            [f"+ {name(s)} · {when(s)} · {escape(cut(s.room, MAX_FIELD))}" for s in changes.added],
        ),
        (tr("Removed"), [f"− {name(s)} · {when(s)}" for s in changes.removed]),
        (tr("Moved"), [f"↦ {name(n)}: {when(o)} → {when(n)}" for o, n in changes.moved]),
        (
            tr("New room"),
            [
                f"↦ {name(n)}: {escape(cut(o.room, MAX_FIELD))} → {escape(cut(n.room, MAX_FIELD))}"
                for o, n in changes.re_roomed
            ],
        ),
        (
            tr("Renamed"),
            [f"↦ {escape(cut(o.title, MAX_LINE_TITLE))} → {name(n)}" for o, n in changes.renamed],
        ),
        (tr("Other details changed"), [f"↦ {name(n)}" for _, n in changes.other]),
    ]
    room = MAX_DIFF_LINES
    for label, entries in sections:
        if not entries:
            continue
        lines.append(f"\n<b>{escape(label)} ({len(entries)})</b>")
        lines += entries[:room]
        if len(entries) > room:
            lines.append("…")
        room = max(room - len(entries), 0)
    question = "\n\n" + tr("Apply this programme now?")
    return clip_lines(lines, MAX_TEXT - 100 - len(question)) + question


Named = Literal["speaker", "room"]
_NAMED_TEXTS: dict[Named, tuple[str, str, str]] = {
    "speaker": (
        N_("I know no speaker called <b>{name}</b>."),
        N_("<b>Speakers</b> (send <code>/speaker name</code>):"),
        N_("<b>Sessions with {name}</b>"),
    ),
    "room": (
        N_("I know no room called <b>{name}</b>."),
        N_("<b>Rooms</b> (send <code>/room name</code>):"),
        N_("<b>Sessions in {room}</b>"),
    ),
}


def named_choices(tr: Translator, kind: Named, typed: str, programme: Programme) -> str:
    """List the speakers or rooms, after saying that the one typed is unknown."""
    unknown, listing, _ = _NAMED_TEXTS[kind]
    intro = tr(unknown).format(name=escape(cut(typed, MAX_FIELD))) + "\n" if typed else ""
    names = programme.speakers if kind == "speaker" else programme.rooms
    return clip_lines([intro + tr(listing), *(escape(cut(name, MAX_FIELD)) for name in names)])


def named_heading(tr: Translator, kind: Named, name: str) -> str:
    """Head the list of a speaker's or a room's sessions."""
    shown = escape(cut(name, MAX_FIELD))
    return tr(_NAMED_TEXTS[kind][2]).format(name=shown, room=shown)
