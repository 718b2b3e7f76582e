"""Texts and button rows of the reminders feature, in the reader's language and zone.

Pure functions: a translator, sessions and zones in, HTML text (organiser text escaped, never
over Telegram's 4096 characters) and rows of (label, callback data) out. Times are 24-hour
"14:05", as everywhere in the bot; a list under a programme day names the date of a session
that starts after that day's midnight.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape, unescape
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from bot.callbacks import CallbackData, OpensSessionCard, Rows
from bot.i18n import Translator
from bot.reminders.model import DIGEST_HOURS, LEAD_CHOICES, ReminderSettings
from bot.schedule.model import Session, programme_day
from bot.text import MAX_TEXT, cut, fit_html

# What a text shows at most of each organiser-supplied field (see bot.text).
MAX_TITLE = 300
MAX_FIELD = 100
MAX_SPEAKERS = 600
MAX_URL = 2000


class RemindPress(OpensSessionCard, CallbackData, prefix="rem", private=True):
    """Follow a session (also under the schedule's session cards, in groups too: the agenda is
    the presser's own, so the card is left as everyone sees it)."""

    session: str


class UnremindPress(OpensSessionCard, CallbackData, prefix="unrem", private=True):
    """Stop following a session."""

    session: str


class ShowPress(CallbackData, prefix="rses", private=True):
    """Open a session's details from a reminder."""

    session: str


class SettingsPress(CallbackData, prefix="rset", private=True):
    """Change a setting: the lead time, every plenary (1/0) or the digest hour (or off)."""

    what: Literal["lead", "plen", "dig"]
    value: str


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """A session of the user's agenda and whether it overlaps another one of it."""

    session: Session
    overlaps: bool


def when(instant: datetime, zone: str, language: str) -> str:
    """Return weekday, date and time of ``instant`` in ``zone``, formatted for ``language``."""
    tz = ZoneInfo(zone)
    day = format_skeleton("MMMEd", instant, tzinfo=tz, locale=language)
    return f"{day}, {clock_time(instant, zone)}"


def clock_time(instant: datetime, zone: str) -> str:
    """Return the time of day of ``instant`` in ``zone``, 24-hour: "02:14"."""
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def start_on(session: Session, day: date, zone: str, language: str) -> str:
    """Return the session's start time in a list under programme ``day``, with its date when
    it starts on another calendar date (after midnight): "Thu, Mar 18 01:30"."""
    starts = session.start.astimezone(ZoneInfo(zone)).date()
    time = clock_time(session.start, zone)
    if starts == day:
        return time
    return f"{escape(format_skeleton('MMMEd', starts, locale=language))} {time}"


def _times(tr: Translator, session: Session, event_zone: str, user_zone: str | None) -> str:
    lang = tr.language
    text = tr("{when} ({zone})").format(
        when=escape(when(session.start, event_zone, lang)), zone=escape(event_zone)
    )
    if user_zone and user_zone != event_zone:
        text += " · " + tr("{when} your time ({zone})").format(
            when=escape(when(session.start, user_zone, lang)), zone=escape(user_zone)
        )
    return text


def _place(tr: Translator, session: Session) -> str:
    parts = []
    if session.room:
        parts.append("📍 " + _room(session))
    if session.url and len(session.url) <= MAX_URL and not any(c.isspace() for c in session.url):
        link = f'<a href="{escape(session.url, quote=True)}">{escape(tr("online link"))}</a>'
        parts.append("🔗 " + link)
    return "\n".join(parts)


def _speakers(tr: Translator, session: Session) -> str:
    if not session.speakers:
        return ""
    return "🎤 " + escape(cut(", ".join(session.speakers), MAX_SPEAKERS))


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def reminder_text(
    tr: Translator,
    session: Session,
    *,
    now: datetime,
    event_zone: str,
    user_zone: str | None,
    late: bool,
) -> str:
    """Return the reminder a user receives before a session."""
    minutes = max(0, round((session.start - now).total_seconds() / 60))
    head = tr.plural(
        "⏰ <b>{title}</b> starts in {n} minute.",
        "⏰ <b>{title}</b> starts in {n} minutes.",
        minutes,
    ).format(title=_title(session, tr.language), n=minutes)
    if late:
        head += "\n" + tr("(Late: I was offline when this reminder was due.)")
    return _fit(
        _join(
            head,
            "🕘 " + _times(tr, session, event_zone, user_zone),
            _place(tr, session),
            _speakers(tr, session),
        )
    )


def reminder_buttons(tr: Translator, session: Session) -> Rows:
    """Return the buttons under a reminder: open the session, stop reminding."""
    return [
        [
            (tr("Open session"), ShowPress(session=session.id).encode()),
            (tr("Stop reminders for it"), UnremindPress(session=session.id).encode()),
        ]
    ]


def session_text(
    tr: Translator, session: Session, *, event_zone: str, user_zone: str | None
) -> str:
    """Return a session's details as the reminders feature shows them."""
    description = session.description_in(tr.language)
    if len(description) > 1500:
        description = description[:1500].rstrip() + "…"
    return _fit(
        _join(
            f"<b>{_title(session, tr.language)}</b>",
            "🕘 " + _times(tr, session, event_zone, user_zone),
            _place(tr, session),
            _speakers(tr, session),
            escape(description),
        )
    )


def follow_answer(tr: Translator, title: str, following: bool, changed: bool) -> str:
    """Say what /remind, /unremind or their buttons did (or that nothing needed doing)."""
    if following:
        text = (
            tr("Done: I will remind you of <b>{title}</b>.")
            if changed
            else tr("You already have a reminder for <b>{title}</b>.")
        )
    else:
        text = (
            tr("I will not remind you of <b>{title}</b>.")
            if changed
            else tr("You had no reminder for <b>{title}</b>.")
        )
    return text.format(title=escape(title))


def toggle_button(
    tr: Translator, session: Session, following: bool, *, now: datetime
) -> tuple[str, str] | None:
    """Return the remind / stop reminding button for a session; none to follow one that has
    started (there is nothing left to remind of)."""
    if following:
        return (tr("Stop reminders for it"), UnremindPress(session=session.id).encode())
    if session.has_started(now):
        return None
    return (tr("Remind me"), RemindPress(session=session.id).encode())


def toggle_buttons(tr: Translator, session: Session, following: bool, *, now: datetime) -> Rows:
    """Return the row of the remind / stop reminding button for a session, if it has one."""
    toggle = toggle_button(tr, session, following, now=now)
    return [[toggle]] if toggle else []


def agenda_text(
    tr: Translator, items: Sequence[AgendaItem], *, zone: str, lead_minutes: int
) -> str:
    """Return the user's agenda grouped by day in their zone, overlaps marked."""
    if not items:
        return tr(
            "Your agenda is empty. Send <code>/remind 12</code> with a session's number, or "
            "press “Remind me” on a session."
        )
    lang = tr.language
    tz = ZoneInfo(zone)
    lines = [tr("<b>Your agenda</b> (times in {zone})").format(zone=escape(zone))]
    current: date | None = None
    for item in items:
        session = item.session
        day = programme_day(session.start, tz)
        if day != current:
            current = day
            lines.append("")
            lines.append("<b>" + escape(format_skeleton("MMMMEd", day, locale=lang)) + "</b>")
        mark = " ⚠️" if item.overlaps else ""
        lines.append(
            f"{start_on(session, day, zone, lang)}–{clock_time(session.end, zone)} "
            f"<code>{_number(session)}</code> {_title(session, lang)} "
            f"· {_room(session)}{mark}"
        )
    if any(item.overlaps for item in items):
        lines += ["", tr("⚠️ overlaps another session of your agenda.")]
    lines += [
        "",
        tr.plural(
            "I remind you {n} minute before each session. Change it in /settings.",
            "I remind you {n} minutes before each session. Change it in /settings.",
            lead_minutes,
        ).format(n=lead_minutes),
    ]
    return _fit_lines(lines, tr)


def digest_text(tr: Translator, sessions: Sequence[Session], *, day: date, zone: str) -> str:
    """Return the morning digest: the user's sessions of programme ``day`` in their zone."""
    lang = tr.language
    lines = [tr("☀️ <b>Good morning!</b> Your sessions today ({zone}):").format(zone=escape(zone))]
    for session in sessions:
        lines.append(
            f"{start_on(session, day, zone, lang)} <code>{_number(session)}</code> "
            f"{_title(session, lang)} · {_room(session)}"
        )
    return _fit_lines(lines, tr)


def group_reminder_text(
    tr: Translator, session: Session, *, now: datetime, event_zone: str
) -> str:
    """Return the community group's post shortly before a session."""
    return reminder_text(tr, session, now=now, event_zone=event_zone, user_zone=None, late=False)


def morning_programme_text(
    tr: Translator, sessions: Sequence[Session], *, day: date, event_zone: str
) -> str:
    """Return the community group's morning post with the day's programme."""
    lang = tr.language
    lines = [
        tr("📅 <b>Today's programme</b>, {day} ({zone})").format(
            day=escape(format_skeleton("MMMMEd", day, locale=lang)), zone=escape(event_zone)
        )
    ]
    for session in sessions:
        lines.append(
            f"{start_on(session, day, event_zone, lang)} "
            f"<code>{_number(session)}</code> {_title(session, lang)} "
            f"· {_room(session)}"
        )
    return _fit_lines(lines, tr)


def notice_text(
    tr: Translator,
    payload: dict[str, object],
    session: Session | None,
    *,
    event_zone: str,
    user_zone: str | None,
) -> str:
    """Return the message telling a subscriber that a session moved, changed room or ended."""
    title = escape(cut(str(payload.get("title", "")), MAX_TITLE))
    if session is None or payload.get("cancelled"):
        return tr("❌ <b>{title}</b> was cancelled. I removed its reminder.").format(title=title)
    lines = [tr("🔄 <b>{title}</b> has changed:").format(title=title)]
    old_start = payload.get("old_start")
    if isinstance(old_start, int) and old_start != int(session.start.timestamp()):
        lines.append(
            tr("New time: {times}. Your reminder follows it.").format(
                times=_times(tr, session, event_zone, user_zone)
            )
        )
    old_room = payload.get("old_room")
    if isinstance(old_room, str) and old_room != session.room:
        lines.append(
            tr("New room: {room} (was {old}).").format(
                room=_room(session), old=escape(cut(old_room, MAX_FIELD))
            )
        )
    return _fit(_join(*lines))


def settings_text(tr: Translator, settings: ReminderSettings, *, lead: int, zone: str) -> str:
    """Return the reminder settings as the user sees them."""
    plenaries = tr("on") if settings.all_plenaries else tr("off")
    if settings.digest_hour is None:
        digest = tr("off")
    else:
        digest = tr("at {hour}:00 ({zone})").format(hour=settings.digest_hour, zone=escape(zone))
    return _join(
        tr("<b>Reminder settings</b>"),
        tr.plural(
            "Remind me {n} minute before a session.",
            "Remind me {n} minutes before a session.",
            lead,
        ).format(n=lead),
        tr("Every plenary: {state}").format(state=plenaries),
        tr("Morning digest: {state}").format(state=digest),
    )


def settings_buttons(tr: Translator, settings: ReminderSettings, *, lead: int) -> Rows:
    """Return the buttons of /settings: lead times, plenaries, digest hour."""
    leads = [
        (
            ("✓ " if minutes == lead else "") + tr("{n} min").format(n=minutes),
            SettingsPress(what="lead", value=str(minutes)).encode(),
        )
        for minutes in LEAD_CHOICES
    ]
    plenary = (
        (tr("Stop reminding me of every plenary"), SettingsPress(what="plen", value="0").encode())
        if settings.all_plenaries
        else (tr("Remind me of every plenary"), SettingsPress(what="plen", value="1").encode())
    )
    digest = [
        (
            ("✓ " if settings.digest_hour == hour else "") + f"☀️ {hour}:00",
            SettingsPress(what="dig", value=str(hour)).encode(),
        )
        for hour in DIGEST_HOURS
    ]
    digest_off = (
        ("✓ " if settings.digest_hour is None else "") + tr("No digest"),
        SettingsPress(what="dig", value="off").encode(),
    )
    return [leads, [plenary], digest, [digest_off]]


def _fit(text: str) -> str:
    return fit_html(text, MAX_TEXT)


def _title(session: Session, language: str) -> str:
    return escape(cut(session.title_in(language), MAX_TITLE))


def _room(session: Session) -> str:
    return escape(cut(session.room, MAX_FIELD))


def _number(session: Session) -> str:
    return escape(cut(session.id, MAX_FIELD))


def _fit_lines(lines: list[str], tr: Translator) -> str:
    """Join lines, dropping whole lines (never cutting a tag) to stay under the limit."""
    text = "\n".join(lines)
    if len(text) <= MAX_TEXT:
        return text
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        more = tr("… and {n} more lines.").format(n=len(lines) - index)
        if size + len(line) + 1 + len(more) + 1 > MAX_TEXT:
            return "\n".join([*kept, more])
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def strip_tags(text: str) -> str:
    """Return HTML text as plain text (for callback answers, which take no markup)."""
    return unescape(re.sub(r"<[^>]+>", "", text))
