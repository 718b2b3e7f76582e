"""A programme file edited while the bot was down: at restart, subscribers are told once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import ROOT, TestClock


async def test_file_edited_while_down_moves_reminders_and_notifies_once(
    make_bot: MakeBot, clock: TestClock, tmp_path: Path
) -> None:
    schedule = tmp_path / "programme.json"
    shutil.copy(ROOT / "schedule.example.json", schedule)
    _touch(schedule, clock.timestamp() - 60)
    bot = await make_bot(schedule=schedule)
    user = bot.user("Amara", language="en")
    confirmation = await bot.ask(user, "/remind 2")
    assert "Opening plenary" in confirmation.text

    await bot.stop()
    text = schedule.read_text(encoding="utf-8")
    moved = text.replace(
        '"date": "2027-03-16T09:30:00+01:00"', '"date": "2027-03-16T10:30:00+01:00"'
    )
    assert moved != text
    schedule.write_text(moved, encoding="utf-8")
    _touch(schedule, clock.timestamp() + 60)
    clock.advance(minutes=5)
    await bot.start()

    notice = await user.next_message()
    assert "has changed" in notice.text and "Opening plenary" in notice.text
    await bot.restart()
    await bot.settle()
    assert [m.text for m in user.inbox].count(notice.text) == 1


def _touch(path: Path, at: float) -> None:
    os.utime(path, (at, at))


async def test_remind_me_on_a_session_card_subscribes(make_bot: MakeBot) -> None:
    bot = await make_bot()
    user = bot.user("Zoë", language="de")
    card = await bot.ask(user, "/session 2")
    assert "Eröffnungsplenum" in card.text
    await user.click(card.button_labels[0], card)
    await bot.settle()
    agenda = await bot.ask(user, "/agenda")
    assert "Eröffnungsplenum" in agenda.text
