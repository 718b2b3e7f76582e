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

PROGRAMME = Path(__file__).parent / "fixtures" / "late.toml"  # a jam runs past midnight


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
