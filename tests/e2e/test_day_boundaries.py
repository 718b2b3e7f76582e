"""After midnight it is still the programme's day: /today, /tomorrow and /now agree on it.

Programme days run from 04:00 to 04:00 (pretalx and frab schedules), so a session running at
00:40 belongs to the evening before, and "tomorrow" at 01:00 is the day that begins at 04:00.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import Person, TestClock

BERLIN = ZoneInfo("Europe/Berlin")

# A jam runs past midnight; a set starts at 01:30 on Wednesday, in Tuesday's programme.
PROGRAMME = Path(__file__).parent / "fixtures" / "late.toml"


@pytest.fixture
async def ada(make_bot: MakeBot) -> Person:
    """Ada, asking the bot that has the late programme."""
    late = await make_bot(schedule=PROGRAMME, settings={"telegram": {"set_commands": False}})
    return late.person("Ada")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=BERLIN)


async def answer(person: Person, text: str) -> str:
    """Return the text of the bot's answer to what the person sends."""
    return (await person.send(text)).text or ""


async def test_today_at_00_40_is_the_evening_with_the_session_still_running(
    ada: Person, clock: TestClock
) -> None:
    clock.set(berlin(17, 0, 40))
    today = await answer(ada, "/today")
    assert "Late-night jam" in today and "Evening plenary" in today
    assert "Morning plenary" not in today
    assert "Nothing is on the programme" not in today
    assert "Late-night jam" in await answer(ada, "/now")
    asked = await answer(ada, "what is on today?")
    assert "Late-night jam" in asked and "Morning plenary" not in asked


async def test_tomorrow_at_01_00_is_the_day_that_begins_at_four(
    ada: Person, clock: TestClock
) -> None:
    clock.set(berlin(17, 1, 0))
    tomorrow = await answer(ada, "/tomorrow")
    assert "Morning plenary" in tomorrow
    assert "Closing plenary" not in tomorrow
    clock.set(berlin(17, 4, 30))
    today = await answer(ada, "/today")
    assert "Morning plenary" in today and "Late-night jam" not in today


async def test_a_session_after_midnight_shows_the_date_it_starts_on(
    ada: Person, clock: TestClock
) -> None:
    clock.set(berlin(17, 0, 40))
    await ada.send("/remind 5")
    agenda = await answer(ada, "/agenda")
    assert "Tue, March 16\nWed, Mar 17 01:30–02:45 5 After-hours set" in agenda
    clock.set(berlin(17, 1, 54))
    card = await ada.send("/session 5")
    assert "🗓 Wednesday, March 17, 2027\n🕘 01:30–02:45 Berlin\n" in (card.text or "")
    # It has started: nothing left to remind of, but it can still go into a calendar.
    assert "📅 Add to calendar" in card.button_labels
    assert "⏰ Remind me" not in card.button_labels
    today = await answer(ada, "/today")
    assert "Programme for Tuesday, March 16, 2027" in today
    assert "\n18:00–19:00 Berlin" in today and "\n23:30–01:30 Berlin" in today
    assert "\nWed, Mar 17 01:30–02:45 Berlin — After-hours set" in today


async def test_only_the_readers_own_time_is_left_to_their_client(
    ada: Person, clock: TestClock
) -> None:
    clock.set(berlin(17, 1, 54))
    await ada.send("/timezone America/Bogota")
    card = await ada.send("/session 5")
    assert "🕘 01:30–02:45 Berlin · Tue, Mar 16 19:30–20:45 your time" in (card.text or "")
    html = card.html or ""
    assert "🕘 01:30–02:45 Berlin · <tg-time" in html  # the Berlin time is plain text
    assert html.count("<tg-time") == 2
