"""The renderer on its own: labelled times, the reader's zone, escaping, paging and limits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import translator
from bot.schedule import render
from bot.schedule.diff import diff
from bot.schedule.model import Programme, Session
from bot.text import visible_length


def _view(language: str = "en", zone: str | None = None) -> render.View:
    return render.make_view(
        translator(language),
        place="Bonn",
        event_zone="Europe/Berlin",
        user_zone=zone,
        bot_username="forum_bot",
    )


def _plain(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_card_labels_event_time_and_adds_the_readers_own(example: Programme) -> None:
    session = example.session_by_id("2")
    assert session is not None
    card = render.session_card(session, example, _view("de", "Africa/Nairobi"))
    # The time labelled with the place is plain text: a client that shows <tg-time> in the
    # device's zone would otherwise show a Nairobi time labelled "Bonn".
    assert "🕘 09:30–11:00 Bonn · <tg-time" in card
    assert (
        '<tg-time unix="1805185800" format="t">11:30</tg-time>–'
        '<tg-time unix="1805191200" format="t">13:00</tg-time> bei dir'
    ) in card
    assert card.count("<tg-time") == 2
    same = render.session_card(session, example, _view("en", "Europe/Paris"))
    assert "your time" not in same  # same offset as Berlin: nothing to add
    assert "tg-time" not in same  # and nothing a client would move to another zone


def test_readers_time_names_the_day_when_it_differs(example: Programme) -> None:
    dinner = example.session_by_id("28")  # 19:00-21:30 in Bonn
    assert dinner is not None
    card = render.session_card(dinner, example, _view("en", "Pacific/Auckland"))
    assert "Thu, Mar 18 07:00–09:30 your time" in _plain(card)
    assert 'format="wdt">Thu, Mar 18 07:00</tg-time>' in card  # a localised start names its day


def _after_midnight() -> tuple[Programme, Session]:
    """Return a December programme whose Wednesday ends with a session at 01:30 on Thursday."""
    berlin = ZoneInfo("Europe/Berlin")
    wednesday = date(2026, 12, 2)
    evening_start = datetime(2026, 12, 2, 20, 0, tzinfo=berlin)
    late_start = datetime(2026, 12, 3, 1, 30, tzinfo=berlin)
    evening = Session(
        "g1", "s1", "Evening", evening_start, evening_start + timedelta(hours=1), "Hall", wednesday
    )
    late = Session(
        "g2", "s2", "Late", late_start, late_start + timedelta(minutes=75), "Foyer", wednesday
    )
    programme = Programme.build(
        name="n", timezone="Europe/Berlin", version="v", sessions=[evening, late]
    )
    return programme, late


def test_a_session_after_midnight_shows_the_date_it_starts_on() -> None:
    programme, late = _after_midnight()
    card = render.session_card(late, programme, _view("en", "America/Bogota"))
    assert "🗓 Thursday, December 3, 2026" in card
    assert "🕘 01:30–02:45 Bonn · Wed, Dec 2 19:30–20:45 your time" in _plain(card)
    assert "Donnerstag, 3. Dezember 2026" in render.session_card(late, programme, _view("de"))
    # Its programme day is still Wednesday: it is on Wednesday's page, with its own date.
    page, _, _ = render.day_page(programme, date(2026, 12, 2), 0, _view(), per_page=10)
    assert "Programme for Wednesday, December 2, 2026" in page
    assert "\n20:00–21:00 Bonn" in page
    assert "Thu, Dec 3 01:30–02:45 Bonn" in page
    ((label, _),) = render.choice_buttons([late], programme, "en")[0]
    assert label.startswith("Thu, Dec 3 01:30 · Late")
    empty = Programme.build(name="", timezone="Europe/Berlin", version="", sessions=())
    assert "Thu, Dec 3 01:30–02:45" in render.diff_text(diff(empty, programme), programme, _view())


def test_a_card_offers_no_reminder_once_the_session_has_started() -> None:
    _, late = _after_midnight()
    tr = translator("en")
    before = render.card_buttons(late, tr, now=late.start - timedelta(minutes=1))
    assert [label for label, _ in before[0]] == ["⏰ Remind me", "📅 Add to calendar"]
    for now in (late.start, late.end + timedelta(hours=1)):
        assert render.card_buttons(late, tr, now=now) == [
            [("📅 Add to calendar", f"sics:s:{late.id}")]
        ]


def test_organiser_text_is_escaped_everywhere() -> None:
    start = datetime(2027, 3, 16, 9, tzinfo=UTC)
    session = Session(
        guid="g",
        id="1",
        title='<b>"x"</b> & y',
        start=start,
        end=start + timedelta(hours=1),
        room="<Room>",
        day=start.date(),
        speakers=("A & <B>",),
        description="<script>",
        url='https://e.org/"><x>',
    )
    programme = Programme.build(
        name="n", timezone="Europe/Berlin", version="v", sessions=[session]
    )
    card = render.session_card(session, programme, _view())
    assert "&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; y" in card
    assert "&lt;Room&gt;" in card and "A &amp; &lt;B&gt;" in card and "&lt;script&gt;" in card
    assert 'href="https://e.org/&quot;&gt;&lt;x&gt;"' in card


def test_day_pages_respect_the_limit_and_the_page_size(example: Programme) -> None:
    day = example.days[1]
    text, page, pages = render.day_page(example, day, 99, _view(), per_page=4)
    assert (page, pages) == (3, 4)
    assert "(page 4 of 4)" in text
    assert len(render.paginate(["x" * 3000] * 5, per_page=40)) == 5
    assert all(len(p[0]) <= render.PAGE_BUDGET for p in render.paginate(["y" * 9000], 40))


def test_diff_text_lists_changes_and_stays_under_the_limit(example: Programme) -> None:
    empty = Programme.build(name="", timezone="Europe/Berlin", version="", sessions=())
    text = render.diff_text(diff(empty, example), example, _view())
    assert "Added (36)" in text and text.count("\n+ ") == 36
    assert visible_length(text) <= render.MAX_TEXT
    removed = render.diff_text(diff(example, empty), empty, _view())
    assert "Removed (36)" in removed and removed.count("\n− ") == 36
    both = render.diff_text(diff(example, example), example, _view())
    assert "Nothing changes" in both
    same = render.diff_text(diff(example, example), example, _view("fr"))
    assert "Rien ne change" in same


def test_card_buttons_skip_ids_that_cannot_travel_in_callback_data() -> None:
    start = datetime(2027, 3, 16, 9, tzinfo=UTC)
    session = Session("g", "a b", "t", start, start + timedelta(hours=1), "r", start.date())
    assert render.card_buttons(session, translator("en"), now=start - timedelta(days=1)) == []


def test_diff_text_caps_long_change_lists() -> None:
    start = datetime(2027, 3, 16, 9, tzinfo=UTC)
    sessions = [
        Session(
            f"g{n}", str(n), f"T{n} <&>" * 5, start, start + timedelta(hours=1), "R", start.date()
        )
        for n in range(300)
    ]
    new = Programme.build(name="", timezone="Europe/Berlin", version="", sessions=sessions)
    empty = Programme.build(name="", timezone="Europe/Berlin", version="", sessions=())
    text = render.diff_text(diff(empty, new), new, _view())
    assert "Added (300)" in text and 10 < text.count("\n+ ") <= render.MAX_DIFF_LINES
    assert (
        text.rstrip().endswith("Apply this programme now?")
        and visible_length(text) <= render.MAX_TEXT
    )
