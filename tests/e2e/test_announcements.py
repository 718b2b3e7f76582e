"""Organiser announcements end to end: the real Application against the fake Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import ROOT, BotHarness, TestClock
from tests.fakeapi import FakeTelegram, SimChat, SimMessage, SimUser

START = datetime(2027, 3, 16, 12, 0, tzinfo=UTC)  # 13:00 in Berlin


@pytest.fixture
def clock() -> TestClock:
    return TestClock(START)


@dataclass
class World:
    """The fake, the running bot and the people in it."""

    fake: FakeTelegram
    bot: BotHarness
    clock: TestClock
    organiser: SimUser
    people: list[SimUser]
    group: SimChat
    channel: SimChat

    async def settle(self) -> None:
        """Wait until the bot has processed every update the fake delivered."""
        await self.bot.settle()

    async def restart(self) -> None:
        """Shut the bot down as SIGTERM would and start a new one on the same database."""
        await self.bot.restart()

    async def sent_all(self) -> None:
        """Wait until every announcement being sent has finished."""
        broadcast = self.bot.runtime.broadcast
        await asyncio.wait_for(_until(lambda: not broadcast._tasks), timeout=10)

    async def compose(self, text: str, **kwargs: Any) -> SimMessage:
        """Send /announce with text (or a new body); return the draft's control message, which
        comes after the body's preview."""
        return await self.answer(text, 2, **kwargs)

    async def answer(self, text: str, nth: int = 0, **kwargs: Any) -> SimMessage:
        """Send text as the organiser; return the bot's ``nth`` message after it (0: the first)
        once the bot has handled the text."""
        before = len(self.organiser.chat.bot_messages)
        await self.organiser.send(text, **kwargs)
        message = await self.organiser.chat.wait_bot_message(before + nth, timeout=5)
        await self.settle()
        return message

    async def restart_waiting(self, command: str, button: str) -> None:
        """Compose ``command``, press ``button`` (the bot then waits for the organiser's input)
        and restart the bot before answering."""
        await self.press(button, await self.compose(command))
        await self.restart()

    async def press(self, label: str, message: SimMessage | None = None) -> None:
        """Press a button as the organiser and let the bot finish with it."""
        await self.organiser.click(label, message)
        await self.settle()


async def _until(condition: Callable[[], bool]) -> None:
    # Polls state owned by the fake and the broadcaster, which signal no event for it.
    while not condition():
        await asyncio.sleep(0.01)


def texts(user: SimUser | SimChat) -> list[str]:
    """Return the texts (or captions) the bot sent to a user or chat."""
    chat = user.chat if isinstance(user, SimUser) else user
    return [m.text or m.caption or "" for m in chat.bot_messages]


WorldFactory = Callable[..., Awaitable[World]]


@pytest.fixture
def make_world(fake: FakeTelegram, clock: TestClock, make_bot: MakeBot) -> WorldFactory:
    """Start the bot with an organiser, people speaking the given languages, a group, a channel."""

    async def build(
        languages: tuple[str, ...] = ("en", "de", "fr"), concurrency: int = 32
    ) -> World:
        organiser = fake.add_user("Olga", language_code="en")
        people = [fake.add_user(f"P{i}", language_code=lang) for i, lang in enumerate(languages)]
        group = fake.add_group("Community")
        channel = fake.add_channel("News")
        fake.set_bot_admin(channel, can_post_messages=True)
        bot = await make_bot(
            organisers=[organiser.id],
            chats={"community": group.id, "announcements": channel.id},
            schedule=ROOT / "schedule.example.json",
            settings={
                "telegram": {"set_commands": False},
                "event": {"name": "Forum"},
                "announcements": {
                    "check_seconds": 0.05,
                    "progress_seconds": 0.5,
                    "concurrency": concurrency,
                },
            },
        )
        world = World(fake, bot, clock, organiser, people, group, channel)
        for person in [organiser, *people]:
            await person.send("/start")
        await world.settle()
        return world

    return build


async def test_non_organiser_is_refused_and_nothing_is_created(make_world: WorldFactory) -> None:
    world = await make_world()
    intruder = world.people[0]
    await intruder.send("/announce Free pizza")
    await world.settle()
    assert "Only the organisers can send announcements." in texts(intruder)[-1]
    assert await world.bot.runtime.announcements.store.get(1) is None
    assert all("pizza" not in t for p in world.people[1:] for t in texts(p))


async def test_preview_then_confirm_reaches_everyone_with_formatting(
    make_world: WorldFactory,
) -> None:
    world = await make_world()
    control = await world.compose("/announce The <b>room</b> changed")
    preview = world.organiser.chat.bot_messages[-2]
    assert preview.html == "The &lt;b&gt;room&lt;/b&gt; changed"  # typed tags stay text
    assert "Audience: everyone — 4 now" in (control.text or "")
    await world.press("Confirm", control)
    await world.sent_all()
    for person in world.people:
        assert texts(person)[-1] == "The <b>room</b> changed"
    report = texts(world.organiser)[-1]
    assert "Announcement #1 is sent." in report
    assert "Delivered: 4 · blocked: 0 · failed: 0" in report
    assert "Deutsch: 1 delivered" in report


async def test_formatting_of_a_replied_message_is_kept(make_world: WorldFactory) -> None:
    world = await make_world()
    source = world.organiser.chat.add_message(
        world.organiser,
        text="Bus leaves at 8",
        entities=[{"type": "bold", "offset": 0, "length": 3}],
    )
    control = await world.compose("/announce", reply_to=source)
    await world.press("Confirm", control)
    await world.sent_all()
    received = world.people[0].chat.bot_messages[-1]
    assert received.html == "<b>Bus</b> leaves at 8"


async def test_edit_replaces_the_text_before_confirming(make_world: WorldFactory) -> None:
    world = await make_world()
    control = await world.compose("/announce Lunch at 12")
    await world.press("Edit", control)
    control = await world.compose("Lunch at 13")
    assert world.organiser.chat.bot_messages[-2].text == "Lunch at 13"  # the new preview
    await world.press("Confirm", control)
    await world.sent_all()
    assert [texts(p)[-1] for p in world.people] == ["Lunch at 13"] * 3
    assert all("Lunch at 12" not in texts(p) for p in world.people)


async def test_edit_pressed_before_a_restart_takes_the_text_sent_after_it(
    make_world: WorldFactory,
) -> None:
    world = await make_world()
    await world.restart_waiting("/announce Lunch at 12", "Edit")
    before = len(world.organiser.chat.bot_messages)
    control = await world.compose("Lunch at <i>13</i>")
    # Exactly the preview and the draft: the schedule's free-text search kept out of it.
    assert len(world.organiser.chat.bot_messages) == before + 3
    assert world.organiser.chat.bot_messages[before + 1].text == "Lunch at <i>13</i>"  # preview
    assert "Announcement #1 (draft)" in (control.text or "")
    store = world.bot.runtime.announcements.store
    announcement = await store.get(1)
    assert (
        announcement is not None and announcement.body_for("") == "Lunch at &lt;i&gt;13&lt;/i&gt;"
    )
    await world.organiser.send("Another thought")  # the prompt was answered: not a new body
    await world.settle()
    announcement = await store.get(1)
    assert announcement is not None and "13" in announcement.body_for("")
    await world.press("Confirm", control)
    await world.sent_all()
    assert [texts(p)[-1] for p in world.people] == ["Lunch at <i>13</i>"] * 3


async def test_send_later_pressed_before_a_restart_takes_the_time_sent_after_it(
    make_world: WorldFactory,
) -> None:
    world = await make_world()
    await world.restart_waiting("/announce Good morning", "Send later")
    control = await world.answer("tomorrow 08:30")
    assert "at 2027-03-17 08:30 (Europe/Berlin)" in (control.text or "")


async def test_cancel_sends_nothing(make_world: WorldFactory) -> None:
    world = await make_world()
    control = await world.compose("/announce Never mind")
    await world.press("Cancel", control)
    assert "Announcement #1 is cancelled." in (control.text or "")
    assert all("Never mind" not in texts(p) for p in world.people)


async def test_forged_confirm_by_a_participant_does_nothing(make_world: WorldFactory) -> None:
    world = await make_world()
    control = await world.compose("/announce Secret")
    intruder = world.people[0]
    callback = await intruder.click_data(control, "ann:ok:1")
    await world.settle()
    announcement = await world.bot.runtime.announcements.store.get(1)
    assert announcement is not None and announcement.status.value == "draft"
    assert all("Secret" not in texts(p) for p in world.people)
    assert callback.answered and "Only the organisers" in (callback.text or "")


async def test_language_audience_reaches_only_that_language(make_world: WorldFactory) -> None:
    # Telegram's "de-AT" is German to the bot, as everywhere else; "it" is not spoken.
    world = await make_world(languages=("en", "de", "de-AT", "it", "fr"))
    control = await world.compose("/announce Nur auf Deutsch")
    await world.press("Audience", control)
    await world.press("Deutsch", control)
    assert "people using Deutsch — 2 now" in (control.text or "")
    await world.press("Confirm", control)
    await world.sent_all()
    got = [p for p in world.people if "Nur auf Deutsch" in texts(p)]
    assert got == world.people[1:3]


@pytest.mark.parametrize("label", ["The community group", "The announcements channel"])
async def test_chat_audiences_post_once_in_that_chat(make_world: WorldFactory, label: str) -> None:
    world = await make_world()
    control = await world.compose("/announce Welcome everyone")
    await world.press("Audience", control)
    await world.press(label, control)
    await world.press("Confirm", control)
    await world.sent_all()
    target, other = (
        (world.group, world.channel) if "group" in label else (world.channel, world.group)
    )
    assert texts(target) == ["Welcome everyone"]
    assert texts(other) == []
    assert all("Welcome everyone" not in texts(p) for p in world.people)


async def test_region_country_and_session_audiences_use_the_other_features_tables(
    make_world: WorldFactory,
) -> None:
    world = await make_world(languages=("en", "en", "en"))
    db = world.bot.runtime.db
    # Profiles come from the introductions feature; subscriptions from the reminders feature.
    p0, p1, p2 = world.people
    await db.executemany(
        "INSERT INTO profiles (user_id, display_name, country, region, created_at, updated_at)"
        " VALUES (?, 'P', ?, ?, '2027-03-16', '2027-03-16')",
        [(p0.id, "KE", "africa"), (p1.id, "DE", "europe"), (p2.id, "NG", "africa")],
    )
    for person in (p1, p2):
        await person.send("/remind 12")
    await world.settle()

    async def announce(text: str, audience: str, answer: str | None = None) -> None:
        """Send text to an audience chosen by a button (and, if it asks, an answer)."""
        control = await world.compose(f"/announce {text}")
        await world.press("Audience", control)
        await world.press(audience, control)
        if answer is not None:
            await world.organiser.send(answer)
            await world.settle()
        await world.press("Confirm")
        await world.sent_all()

    await announce("To Africa", "africa")
    await announce("To Germany", "A country…", "de")
    await announce("To session 12", "Subscribers of a session…", "12")

    assert [("To Africa" in texts(p)) for p in world.people] == [True, False, True]
    assert [("To Germany" in texts(p)) for p in world.people] == [False, True, False]
    assert [("To session 12" in texts(p)) for p in world.people] == [False, True, True]


async def test_per_language_versions_reach_their_readers(make_world: WorldFactory) -> None:
    world = await make_world(languages=("en", "de", "fr"))
    control = await world.compose("/announce Dinner at 7")
    await world.press("Add a language version", control)
    await world.press("Deutsch", control)
    await world.compose("Abendessen um 7")
    assert world.organiser.chat.bot_messages[-2].text == "Abendessen um 7"  # its preview
    await world.press("Confirm")
    await world.sent_all()
    assert [texts(p)[-1] for p in world.people] == [
        "Dinner at 7",
        "Abendessen um 7",
        "Dinner at 7",
    ]


async def test_scheduled_announcement_fires_at_its_time(make_world: WorldFactory) -> None:
    world = await make_world()
    control = await world.compose("/announce Good morning")
    await world.press("Send later", control)
    control = await world.answer("tomorrow 08:30")
    assert "at 2027-03-17 08:30 (Europe/Berlin)" in (control.text or "")
    await world.press("Confirm", control)
    assert "scheduled for 2027-03-17 08:30" in (control.text or "")
    await world.organiser.send("/announcements")
    await world.settle()
    assert "#1 · scheduled" in texts(world.organiser)[-1]
    world.clock.now = datetime(2027, 3, 17, 7, 29, tzinfo=UTC)  # 08:29 in Berlin
    for _ in range(5):  # the check runs every 0.05 s: five rounds and still nothing
        await asyncio.sleep(0.06)
    assert all("Good morning" not in texts(p) for p in world.people)
    world.clock.now += timedelta(minutes=1)
    await asyncio.wait_for(_until(lambda: "Good morning" in texts(world.people[-1])), 5)
    await world.sent_all()
    assert all(texts(p)[-1] == "Good morning" for p in world.people)


async def test_blocked_users_are_counted_skipped_and_return_with_start(
    make_world: WorldFactory,
) -> None:
    world = await make_world()
    blocker = world.people[1]
    blocker.blocked = True  # blocks without the bot being told: the send gets 403
    control = await world.compose("/announce First")
    await world.press("Confirm", control)
    await world.sent_all()
    assert "Delivered: 3 · blocked: 1 · failed: 0" in texts(world.organiser)[-1]
    participant = await world.bot.runtime.participants.get(blocker.id)
    assert participant is not None and participant.is_blocked

    control = await world.compose("/announce Second")
    assert "everyone — 3 now" in (control.text or "")
    blocker.blocked = False  # unblocks (unblock() sends a my_chat_member PTB cannot parse yet)
    await blocker.send("/start")
    await world.settle()
    control = await world.compose("/announce Third")
    assert "everyone — 4 now" in (control.text or "")
    await world.press("Confirm", control)
    await world.sent_all()
    assert texts(blocker)[-1] == "Third"


async def test_announcement_in_progress_can_be_cancelled(make_world: WorldFactory) -> None:
    world = await make_world(languages=("en",) * 8, concurrency=1)
    world.fake.delay("sendMessage", seconds=0.2, times=100)
    control = await world.compose("/announce Slow news")
    await world.press("Confirm", control)
    await world.organiser.send("/announcements")
    await world.settle()
    await world.press("Cancel #1")
    await world.sent_all()
    figures = await world.bot.runtime.announcements.store.figures(1)
    assert figures.sent >= 1 and figures.pending > 0
    everyone = [world.organiser, *world.people]
    assert sum("Slow news" in texts(p) for p in everyone) == figures.sent
    assert "Announcement #1 was cancelled." in "\n".join(texts(world.organiser))


async def test_a_document_replied_to_goes_out_with_its_caption(make_world: WorldFactory) -> None:
    world = await make_world()
    source = await world.organiser.send_document(b"%PDF-1.4 map", "map.pdf", caption="Venue map")
    await world.settle()
    control = await world.compose("/announce", reply_to=source)
    preview = world.organiser.chat.bot_messages[-2]
    assert preview.caption == "Venue map" and preview.document is not None
    await world.press("Confirm", control)
    await world.sent_all()
    received = world.people[0].chat.bot_messages[-1]
    assert received.caption == "Venue map"
    assert received.document is not None and received.document[1] == b"%PDF-1.4 map"
