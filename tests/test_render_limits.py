"""Every card and page the bot renders stays within Telegram's limits and parses as HTML,
however long and hostile the organiser's or the participants' text (the worst case of each)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

import pytest

from bot.announcements import model as announcement
from bot.announcements import render as announcements
from bot.i18n import LANGUAGES, Translator, translator
from bot.intros import render as intros
from bot.intros.model import Contact
from bot.intros.service import (
    MAX_BIO,
    MAX_NAME,
    MAX_NOTE,
    MAX_SHORT,
    DirectoryFilter,
    DirectoryPage,
    Profile,
)
from bot.moderation import render as moderation
from bot.moderation.model import LogEntry, ModAction, Person, Warning
from bot.privacy import render as privacy
from bot.privacy.model import Export, PurgePlan
from bot.reminders import render as reminders
from bot.reminders.model import ReminderSettings
from bot.schedule import render as schedule
from bot.schedule.diff import ScheduleDiff
from bot.schedule.importers import Problem
from bot.schedule.model import Programme, Session
from bot.schedule.query import Answer, Intent, Kind
from bot.text import MAX_CAPTION, MAX_TEXT, fit_html, fit_lines, visible_length
from storage.privacy import kept_records
from tests.fakeapi.html import parse_html

ZONE = "Europe/Berlin"
START = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)
NASTY = '<b>&amp;"😀\u202e'  # tags, an entity, quotes, a surrogate pair, a bidi override


def hostile(length: int) -> str:
    """Return text of ``length`` characters that escaping makes up to five times longer."""
    return (NASTY * (length // len(NASTY) + 1))[:length]


def worst_session(number: int, start: datetime = START) -> Session:
    """Return a session with every field far beyond what the importer accepts."""
    return Session(
        guid=f"g{number}",
        id=str(number),
        title=hostile(5000),
        start=start,
        end=start + timedelta(hours=1),
        room=hostile(5000),
        day=start.date(),
        description=hostile(50_000),
        track=hostile(5000),
        type=hostile(5000),
        speakers=tuple(hostile(300) for _ in range(600)),
        language=hostile(5000),
        url="https://example.org/\r\nX-Injected: 1" + "a" * 5000,
        titles={lang: hostile(5000) for lang in LANGUAGES},
        descriptions={lang: hostile(50_000) for lang in LANGUAGES},
    )


PROGRAMME = Programme.build(
    name=hostile(500),
    timezone=ZONE,
    version="1",
    sessions=[worst_session(n, START + timedelta(minutes=n)) for n in range(60)],
)


def fits(text: str, limit: int = MAX_TEXT) -> None:
    """Assert that Telegram would take the text: within the limit, and valid HTML."""
    assert 0 < visible_length(text) <= limit
    parsed, _ = parse_html(text)
    assert len(parsed) <= limit


@pytest.fixture(params=["en", "de", "pt"])
def tr(request: pytest.FixtureRequest) -> Translator:
    return translator(str(request.param))


def views(tr: Translator) -> list[schedule.View]:
    return [
        schedule.make_view(
            tr, place=hostile(40), event_zone=ZONE, user_zone=zone, bot_username="forum_bot"
        )
        for zone in (None, "America/Lima")
    ]


def test_schedule_cards_lists_and_pages(tr: Translator) -> None:
    for view in views(tr):
        session = PROGRAMME.sessions[0]
        fits(schedule.session_card(session, PROGRAMME, view))
        for per_page in (3, 12, 40):
            first, _, pages = schedule.day_page(PROGRAMME, START.date(), 0, view, per_page)
            fits(first)
            for page in range(pages):
                fits(schedule.day_page(PROGRAMME, START.date(), page, view, per_page)[0])
            fits(schedule.session_list("<b>x</b>", PROGRAMME.sessions, PROGRAMME, view, per_page))
            fits(schedule.now_text(PROGRAMME, START + timedelta(minutes=30), view, per_page))
            fits(schedule.next_text(PROGRAMME, START - timedelta(days=1), view, per_page))
        for kind in Kind:
            answer = Answer(
                kind,
                Intent.WHATS_ON,
                sessions=PROGRAMME.sessions
                if kind is not Kind.SESSION
                else PROGRAMME.sessions[:1],
                day=START.date(),
                subject=hostile(5000),
            )
            fits(schedule.render_answer(answer, PROGRAMME, view, 12, now=START)[0])
        for label, _ in schedule.choice_buttons(PROGRAMME.sessions, PROGRAMME, tr.language)[0]:
            assert len(label) <= 64
        changes = ScheduleDiff(
            added=PROGRAMME.sessions,
            removed=PROGRAMME.sessions,
            moved=tuple(zip(PROGRAMME.sessions, PROGRAMME.sessions, strict=True)),
            re_roomed=tuple(zip(PROGRAMME.sessions, PROGRAMME.sessions, strict=True)),
            renamed=tuple(zip(PROGRAMME.sessions, PROGRAMME.sessions, strict=True)),
        )
        fits(schedule.diff_text(changes, PROGRAMME, view))
    problems = [
        Problem(
            hostile(500), hostile(500), "Cannot read the date {value}.", {"value": hostile(5000)}
        )
    ] * 100
    fits(schedule.problems_text(problems, tr))
    fits(schedule.clip_lines([escape(hostile(5000))] * 3))


def test_reminder_texts(tr: Translator) -> None:
    session = PROGRAMME.sessions[0]
    for zone in (None, "Asia/Kolkata"):
        fits(
            reminders.reminder_text(
                tr, session, now=START, event_zone=ZONE, user_zone=zone, late=True
            )
        )
        fits(reminders.session_text(tr, session, event_zone=ZONE, user_zone=zone))
    items = [reminders.AgendaItem(s, overlaps=True) for s in PROGRAMME.sessions]
    fits(reminders.agenda_text(tr, items, zone=ZONE, lead_minutes=10))
    fits(reminders.digest_text(tr, PROGRAMME.sessions, day=START.date(), zone=ZONE))
    fits(
        reminders.morning_programme_text(tr, PROGRAMME.sessions, day=START.date(), event_zone=ZONE)
    )
    payload: dict[str, object] = {
        "title": hostile(5000),
        "old_start": 0,
        "old_room": hostile(5000),
    }
    fits(reminders.notice_text(tr, payload, session, event_zone=ZONE, user_zone="Asia/Tokyo"))
    fits(
        reminders.notice_text(tr, {"title": hostile(5000)}, None, event_zone=ZONE, user_zone=None)
    )
    fits(reminders.settings_text(tr, ReminderSettings(), lead=10, zone=ZONE))


def worst_profile(number: int) -> Profile:
    return Profile(
        profile_id=number,
        user_id=number,
        token=f"{number:016x}",
        display_name=hostile(MAX_NAME),
        organisation=hostile(MAX_SHORT),
        city=hostile(MAX_SHORT),
        country="KE",
        region="africa",
        role=hostile(MAX_SHORT),
        topics=tuple(f"topic-{n}" for n in range(30)),
        languages=("en", "fr", "pt", "de", "es", "sw", "ar", "zu"),
        bio=hostile(MAX_BIO),
        listed=True,
        accepts_intros=True,
        meet_opt_in=True,
        created_at=START,
        updated_at=START,
    )


def test_introduction_cards_and_pages(tr: Translator) -> None:
    profile = worst_profile(1)
    fits(intros.profile_card(profile, tr))
    fits(intros.own_profile(profile, tr)[0])
    page = DirectoryPage([worst_profile(n) for n in range(5)], 3, True)
    fits(intros.directory_page(page, DirectoryFilter("topic", "x" * 40), tr, 99)[0])
    fits(intros.relay(profile, hostile(MAX_NOTE), 1, tr)[0])
    link = intros.contact_link(1, None, hostile(MAX_NAME))
    fits(intros.accepted(profile, link, profile, hostile(200), tr))
    fits(intros.ask_note(profile, tr))


def test_moderation_log_and_warnings(tr: Translator) -> None:
    person = Person(2**52, hostile(129))
    entry = LogEntry(
        1,
        -100,
        ModAction.BAN,
        person,
        person,
        hostile(500),
        START,
        "https://t.me/c/1/2",
        START,
    )
    zone = ZoneInfo(ZONE)
    fits(moderation.render_entry(tr, entry, zone))
    fits(moderation.render_log(tr, [entry] * 50, zone))
    warning = Warning(1, -100, 2, 3, hostile(500), START)
    fits(moderation.render_warnings(tr, person, [warning] * 100, zone))


def test_privacy_texts(tr: Translator) -> None:
    plan = PurgePlan(date(2027, 4, 17), START, START)
    for stays in (None, True, False):
        fits(privacy.privacy_text(tr, plan, 30, 7, kept_records(), stays)[0])
    fits(privacy.forget_prompt(tr, kept_records())[0])
    fits(privacy.notice(tr, plan, hostile(500), True)[0])
    contacts = [Contact(n, hostile(MAX_NAME), "u" * 32) for n in range(500)]
    fits(privacy.contacts_text(tr, contacts))
    rows = [{"display_name": hostile(MAX_NAME), "status": "accepted"}] * 1000
    export = Export(1, {"introductions": {"profile": rows[:1], "requests": rows}})
    fits(privacy.summary(tr, export), MAX_CAPTION)


def test_the_cutters_keep_html_whole() -> None:
    texts = (
        escape(hostile(20_000)),
        "<b>" + escape(hostile(9000)) + "</b>",
        "<a href='x'>" + "😀" * 5000 + "</a><i>tail</i>",
        "<blockquote><b><i>" + "&lt;" * 9000 + "</i></b></blockquote>",
    )
    for text in texts:
        for limit in (1, 10, 200, MAX_TEXT):
            fitted = fit_html(text, limit)
            assert visible_length(fitted) <= limit
            parse_html(fitted)
        fits(fit_lines([text] * 3))


def test_announcement_lists_and_drafts(tr: Translator) -> None:
    body = "<b>Tender</b> &amp; " * 2000
    found = [
        (
            announcement.Announcement(
                number,
                1,
                announcement.Status.SCHEDULED,
                announcement.Kind.TEXT,
                None,
                announcement.Audience(announcement.AudienceKind.COUNTRY, hostile(5000)),
                {"": body, **{lang: body for lang in LANGUAGES}},
                START,
                send_at=START,
            ),
            announcement.Figures(sent=10**6, by_language={lang: {} for lang in LANGUAGES}),
        )
        for number in range(20)
    ]
    zone = ZoneInfo(ZONE)
    fits(announcements.recent(tr, found, zone)[0])
    fits(announcements.draft(tr, found[0][0], 10**6, zone)[0])
