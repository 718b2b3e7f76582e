"""Reminders end to end: the real Application, the fake Bot API, simulated users, a set clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.reminders.telegram import Report
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock
from tests.fakeapi import FakeTelegram, SimUser
from tests.reminders_support import (
    OPENING,
    T0,
    WORKSHOP,
    moved,
    programme,
    store_programme,
)

DUE = OPENING.start - timedelta(minutes=10)  # the default lead time


@pytest.fixture
def clock() -> TestClock:
    return TestClock(T0)


async def start_bot(
    make_bot: MakeBot, database: Path, *, chats: dict[str, int] | None = None, **reminders: Any
) -> BotHarness:
    """Store the test programme, then start the bot with fast sends and no start-up menus."""
    await store_programme(database, programme())
    settings: dict[str, dict[str, Any]] = {
        "event": {"name": "Test <Forum>"},
        "telegram": {"set_commands": False},
        "reminders": {"dispatch_interval_seconds": 60, "group_morning_hour": -1, **reminders},
    }
    return await make_bot(chats=chats, schedule=None, settings=settings)


@pytest.fixture
async def bot(make_bot: MakeBot, database: Path) -> BotHarness:
    return await start_bot(make_bot, database)


async def dispatch(bot: BotHarness) -> Report:
    """Run one dispatcher round now (waiting for a round the job started, if any)."""
    for _ in range(500):
        report = await bot.runtime.reminder_dispatch.run(bot.application.bot)
        if report is not None:
            return report
        await asyncio.sleep(0.01)
    raise AssertionError("the dispatcher stayed busy")


class Conversation:
    """A user talking to the bot, waiting for it to settle after each step."""

    def __init__(self, bot: BotHarness, user: SimUser) -> None:
        self.bot = bot
        self.user = user

    async def say(self, text: str) -> None:
        await self.user.send(text)
        await self.bot.settle()

    async def click(self, label: str) -> None:
        callback = await self.user.click(label)
        await self.bot.settle()
        assert callback.answered, f"{label!r} was never answered"


def reminders_in(user: SimUser) -> list[str]:
    return [m.html or m.text or "" for m in user.inbox if "⏰" in (m.text or "")]


async def test_subscriber_gets_one_reminder_on_time_in_language_and_zone(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Ana", language_code="pt")
    ana = Conversation(bot, user)
    await ana.say("/start")
    await ana.say("/timezone America/Sao_Paulo")
    await ana.say("/remind 12")
    assert "Opening &lt;plenary&gt; &amp; welcome" in (user.last_message.html or "")

    clock.set(DUE - timedelta(seconds=1))
    await dispatch(bot)
    assert reminders_in(user) == []

    clock.set(DUE)
    report = await dispatch(bot)
    assert report.sent == 1
    [reminder] = reminders_in(user)
    assert "começa em 10 minutos" in reminder
    assert "Opening &lt;plenary&gt; &amp; welcome" in reminder
    assert "09:00" in reminder and "(Europe/Berlin)" in reminder  # the event's zone
    assert "05:00" in reminder and "America/Sao_Paulo" in reminder  # the user's zone
    assert "Ana Lima, Bo Chen" in reminder and "Plenary Hall" in reminder
    assert user.last_message.button_labels == ["Abrir sessão", "Parar lembretes desta sessão"]

    clock.set(DUE + timedelta(minutes=1))
    await dispatch(bot)
    assert len(reminders_in(user)) == 1


async def test_unsubscribed_user_gets_no_reminder(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Bea")
    bea = Conversation(bot, user)
    await bea.say("/remind 12")
    await bea.say("/unremind 12")
    assert "will not remind you" in (user.last_message.text or "")
    clock.set(DUE + timedelta(minutes=1))
    report = await dispatch(bot)
    assert report.sent == 0 and reminders_in(user) == []


async def test_changed_lead_time_takes_effect(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Caio")
    caio = Conversation(bot, user)
    await caio.say("/remind 12")
    await caio.say("/settings")
    await caio.click("30 min")
    assert "✓ 30 min" in user.last_message.button_labels

    clock.set(OPENING.start - timedelta(minutes=30, seconds=1))
    await dispatch(bot)
    assert reminders_in(user) == []
    clock.set(OPENING.start - timedelta(minutes=30))
    await dispatch(bot)
    [reminder] = reminders_in(user)
    assert "starts in 30 minutes" in reminder


async def test_schedule_change_moves_the_reminder_and_notifies_once(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Dora")
    dora = Conversation(bot, user)
    await dora.say("/remind 12")
    later = moved(OPENING, by=timedelta(hours=1), room="Room Sieg")
    new = programme(later, WORKSHOP)
    diff = await bot.runtime.schedule.replace(new)  # tells the reminders' listener
    await bot.runtime.reminders.on_programme_changed(diff)  # a repeated call tells no more
    report = await dispatch(bot)
    assert report.notices == 1
    notice = user.last_message.html or ""
    assert "has changed" in notice and "Room Sieg" in notice and "Plenary Hall" in notice
    assert "10:00" in notice

    clock.set(DUE)
    await dispatch(bot)
    assert reminders_in(user) == []
    clock.set(later.start - timedelta(minutes=10))
    await dispatch(bot)
    assert len(reminders_in(user)) == 1
    assert len([m for m in user.inbox if "has changed" in (m.text or "")]) == 1


async def test_cancelled_session_is_told_and_never_reminded(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Eli")
    await Conversation(bot, user).say("/remind 12")
    new = programme(WORKSHOP)
    await bot.runtime.schedule.replace(new)
    await dispatch(bot)
    assert "was cancelled" in (user.last_message.text or "")
    clock.set(DUE)
    await dispatch(bot)
    assert reminders_in(user) == []


async def test_agenda_marks_overlaps_and_calendar_has_alarm(
    bot: BotHarness, fake: FakeTelegram
) -> None:
    user = fake.add_user("Fay")
    fay = Conversation(bot, user)
    await fay.say("/remind 12")
    await fay.say("/remind 13")
    await fay.say("/agenda")
    agenda = user.last_message.html or ""
    assert agenda.count("⚠️") == 3  # both sessions and the legend
    assert "Room &lt;Rhein&gt;" in agenda
    await fay.say("/calendar")
    document = user.last_message.document
    assert document is not None and document[0] == "agenda.ics"
    ics = document[1].decode()
    assert ics.count("BEGIN:VEVENT") == 2 and "TRIGGER:-PT10M" in ics
    assert "SUMMARY:Opening <plenary> & welcome" in ics


async def test_stop_button_on_a_reminder_ends_reminders(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Gil")
    gil = Conversation(bot, user)
    await gil.say("/remind 13")
    await gil.say("/remind 12")
    clock.set(DUE)
    await dispatch(bot)
    await gil.click("Stop reminders for it")
    assert await bot.runtime.reminders.store.has(user.id, OPENING.guid) is False
    assert user.last_message.button_labels == ["Remind me"]
    await gil.click("Remind me")
    assert await bot.runtime.reminders.store.has(user.id, OPENING.guid) is True


async def test_plenary_opt_in_and_unknown_session(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Hal")
    hal = Conversation(bot, user)
    await hal.say("/remind 99<b>")
    assert "There is no session 99<b>." in (user.last_message.text or "")  # escaped, shown
    await hal.say("/settings")
    await hal.click("Remind me of every plenary")
    clock.set(DUE)
    await dispatch(bot)
    assert len(reminders_in(user)) == 1


async def test_group_gets_plenary_post_once(
    fake: FakeTelegram, clock: TestClock, make_bot: MakeBot, database: Path
) -> None:
    group = fake.add_group("Community")
    running = await start_bot(make_bot, database, chats={"community": group.id})
    clock.set(OPENING.start - timedelta(minutes=11))
    await dispatch(running)
    assert group.bot_messages == []
    clock.set(OPENING.start - timedelta(minutes=10))
    await dispatch(running)
    await dispatch(running)
    assert len(group.bot_messages) == 1
    assert "Opening &lt;plenary&gt;" in (group.bot_messages[0].html or "")


async def test_morning_digest_comes_once_at_the_chosen_hour(
    bot: BotHarness, fake: FakeTelegram, clock: TestClock
) -> None:
    user = fake.add_user("Ivo", language_code="de")
    ivo = Conversation(bot, user)
    await ivo.say("/remind 13")
    await ivo.say("/settings")
    await ivo.click("☀️ 9:00")
    assert "Morgenübersicht: um 9:00 Uhr" in (user.last_message.text or "")
    clock.set(T0 + timedelta(minutes=59))  # 08:59 in Berlin
    await dispatch(bot)
    assert not any("Guten Morgen" in (m.text or "") for m in user.inbox)
    clock.set(T0 + timedelta(hours=1))  # 09:00 in Berlin
    await dispatch(bot)
    await dispatch(bot)
    digests = [m.html or "" for m in user.inbox if "Guten Morgen" in (m.text or "")]
    assert len(digests) == 1 and "Room &lt;Rhein&gt;" in digests[0]


async def test_group_gets_the_days_programme_in_the_morning(
    fake: FakeTelegram, clock: TestClock, make_bot: MakeBot, database: Path
) -> None:
    group = fake.add_group("Community")
    clock.set(T0 - timedelta(minutes=1))  # 07:59 in Berlin
    running = await start_bot(
        make_bot, database, chats={"community": group.id}, group_morning_hour=8
    )
    await dispatch(running)
    assert group.bot_messages == []
    clock.set(T0)
    await dispatch(running)
    await dispatch(running)
    [post] = group.bot_messages
    assert "Today's programme" in (post.text or "") and post.html and "Session 14" in post.html
