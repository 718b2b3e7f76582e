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
from tests.e2e.harness import BotHarness, TestClock

BERLIN = ZoneInfo("Europe/Berlin")

PROGRAMME = Path(__file__).parent / "fixtures" / "late.toml"  # a jam runs past midnight


@pytest.fixture
async def late(make_bot: MakeBot) -> BotHarness:
    return await make_bot(schedule=PROGRAMME, settings={"telegram": {"set_commands": False}})


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=BERLIN)


async def test_today_at_00_40_is_the_evening_with_the_session_still_running(
    late: BotHarness, clock: TestClock
) -> None:
    clock.set(berlin(17, 0, 40))
    user = late.user("Ada")
    today = (await late.ask(user, "/today")).text or ""
    assert "Late-night jam" in today and "Evening plenary" in today
    assert "Morning plenary" not in today
    assert "Nothing is on the programme" not in today
    now = (await late.ask(user, "/now")).text or ""
    assert "Late-night jam" in now
    asked = (await late.ask(user, "what is on today?")).text or ""
    assert "Late-night jam" in asked and "Morning plenary" not in asked


async def test_tomorrow_at_01_00_is_the_day_that_begins_at_four(
    late: BotHarness, clock: TestClock
) -> None:
    clock.set(berlin(17, 1, 0))
    user = late.user("Ada")
    tomorrow = (await late.ask(user, "/tomorrow")).text or ""
    assert "Morning plenary" in tomorrow
    assert "Closing plenary" not in tomorrow
    clock.set(berlin(17, 4, 30))
    today = (await late.ask(user, "/today")).text or ""
    assert "Morning plenary" in today and "Late-night jam" not in today
