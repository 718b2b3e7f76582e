"""Reminders end to end: the real Application, the fake Bot API, simulated users, a set clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.reminders.telegram import Report
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, Person, TestClock
from tests.fakeapi import FakeTelegram
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
        report = await bot.runtime.reminder_dispatch.run()
        if report is not None:
            return report
        await asyncio.sleep(0.01)
    raise AssertionError("the dispatcher stayed busy")


async def subscribed(bot: BotHarness, name: str, *sessions: str, language: str = "en") -> Person:
    """Return a new participant who asked to be reminded of ``sessions`` (by number)."""
    person = bot.person(name, language=language)
    for session in sessions:
        await person.send(f"/remind {session}")
    return person


def reminders_in(person: Person) -> list[str]:
    return [m.html or m.text or "" for m in person.inbox if "⏰" in (m.text or "")]


async def test_subscriber_gets_one_reminder_on_time_in_language_and_zone(
    bot: BotHarness, clock: TestClock
) -> None:
    ana = bot.person("Ana", language="pt")
    await ana.send("/start")
    await ana.send("/timezone America/Sao_Paulo")
    await ana.send("/remind 12")
    assert "Opening &lt;plenary&gt; &amp; welcome" in (ana.last_message.html or "")

    clock.set(DUE - timedelta(seconds=1))
    await dispatch(bot)
    assert reminders_in(ana) == []

    clock.set(DUE)
    report = await dispatch(bot)
    assert report.sent == 1
    [reminder] = reminders_in(ana)
    assert "começa em 10 minutos" in reminder
    assert "Opening &lt;plenary&gt; &amp; welcome" in reminder
    assert "09:00" in reminder and "(Europe/Berlin)" in reminder  # the event's zone
    assert "05:00" in reminder and "America/Sao_Paulo" in reminder  # the user's zone
    assert "Ana Lima, Bo Chen" in reminder and "Plenary Hall" in reminder
    assert ana.last_message.button_labels == ["Abrir sessão", "Parar lembretes desta sessão"]

    clock.set(DUE + timedelta(minutes=1))
    await dispatch(bot)
    assert len(reminders_in(ana)) == 1


async def test_unsubscribed_user_gets_no_reminder(bot: BotHarness, clock: TestClock) -> None:
    bea = await subscribed(bot, "Bea", "12")
    await bea.send("/unremind 12")
    assert "will not remind you" in (bea.last_message.text or "")
    clock.set(DUE + timedelta(minutes=1))
    report = await dispatch(bot)
    assert report.sent == 0 and reminders_in(bea) == []


async def test_changed_lead_time_takes_effect(bot: BotHarness, clock: TestClock) -> None:
    caio = await subscribed(bot, "Caio", "12")
    await caio.send("/settings")
    await caio.click("30 min")
    assert "✓ 30 min" in caio.last_message.button_labels

    clock.set(OPENING.start - timedelta(minutes=30, seconds=1))
    await dispatch(bot)
    assert reminders_in(caio) == []
    clock.set(OPENING.start - timedelta(minutes=30))
    await dispatch(bot)
    [reminder] = reminders_in(caio)
    assert "starts in 30 minutes" in reminder


async def test_schedule_change_moves_the_reminder_and_notifies_once(
    bot: BotHarness, clock: TestClock
) -> None:
    dora = await subscribed(bot, "Dora", "12")
    later = moved(OPENING, by=timedelta(hours=1), room="Room Sieg")
    new = programme(later, WORKSHOP)
    diff = await bot.runtime.schedule.replace(new)  # tells the reminders' listener
    await bot.runtime.reminders.on_programme_changed(diff)  # a repeated call tells no more
    report = await dispatch(bot)
    assert report.notices == 1
    notice = dora.last_message.html or ""
    assert "has changed" in notice and "Room Sieg" in notice and "Plenary Hall" in notice
    assert "10:00" in notice

    clock.set(DUE)
    await dispatch(bot)
    assert reminders_in(dora) == []
    clock.set(later.start - timedelta(minutes=10))
    await dispatch(bot)
    assert len(reminders_in(dora)) == 1
    assert len([m for m in dora.inbox if "has changed" in (m.text or "")]) == 1


async def test_cancelled_session_is_told_and_never_reminded(
    bot: BotHarness, clock: TestClock
) -> None:
    eli = await subscribed(bot, "Eli", "12")
    new = programme(WORKSHOP)
    await bot.runtime.schedule.replace(new)
    await dispatch(bot)
    assert "was cancelled" in (eli.last_message.text or "")
    clock.set(DUE)
    await dispatch(bot)
    assert reminders_in(eli) == []


async def test_agenda_marks_overlaps_and_calendar_has_alarm(bot: BotHarness) -> None:
    fay = await subscribed(bot, "Fay", "12", "13")
    await fay.send("/agenda")
    agenda = fay.last_message.html or ""
    assert agenda.count("⚠️") == 3  # both sessions and the legend
    assert "Room &lt;Rhein&gt;" in agenda
    await fay.send("/calendar")
    document = fay.last_message.document
    assert document is not None and document[0] == "agenda.ics"
    ics = document[1].decode()
    assert ics.count("BEGIN:VEVENT") == 2 and "TRIGGER:-PT10M" in ics
    assert "SUMMARY:Opening <plenary> & welcome" in ics


async def test_stop_button_on_a_reminder_ends_reminders(bot: BotHarness, clock: TestClock) -> None:
    gil = await subscribed(bot, "Gil", "13", "12")
    clock.set(DUE)
    await dispatch(bot)
    await gil.click("Stop reminders for it")
    assert await bot.runtime.reminders.store.has(gil.id, OPENING.guid) is False
    assert gil.last_message.button_labels == ["Open session", "Remind me"]  # toggled in place
    await gil.click("Remind me")
    assert await bot.runtime.reminders.store.has(gil.id, OPENING.guid) is True


async def test_plenary_opt_in_and_unknown_session(bot: BotHarness, clock: TestClock) -> None:
    hal = bot.person("Hal")
    await hal.send("/remind 99<b>")
    assert "There is no session 99<b>." in (hal.last_message.text or "")  # escaped, shown
    await hal.send("/settings")
    await hal.click("Remind me of every plenary")
    clock.set(DUE)
    await dispatch(bot)
    assert len(reminders_in(hal)) == 1


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
    bot: BotHarness, clock: TestClock
) -> None:
    ivo = await subscribed(bot, "Ivo", "13", language="de")
    await ivo.send("/settings")
    await ivo.click("☀️ 9:00")
    assert "Morgenübersicht: um 9:00 Uhr" in (ivo.last_message.text or "")
    clock.set(T0 + timedelta(minutes=59))  # 08:59 in Berlin
    await dispatch(bot)
    assert not any("Guten Morgen" in (m.text or "") for m in ivo.inbox)
    clock.set(T0 + timedelta(hours=1))  # 09:00 in Berlin
    await dispatch(bot)
    await dispatch(bot)
    digests = [m.html or "" for m in ivo.inbox if "Guten Morgen" in (m.text or "")]
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
