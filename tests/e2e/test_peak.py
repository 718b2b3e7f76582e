"""The peak minute: private answers stay prompt while the group is busy or a broadcast runs.

The fake enforces Telegram's flood limits on the harness's virtual pace clock, so "prompt" is
measured there: when each answer reached the fake (``Call.paced_at``), against when it was
asked and against what else was still waiting to go out.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness
from tests.fakeapi import FakeTelegram, SimChat, SimUser
from tests.fakeapi.server import Call
from tests.fakeapi.world import Member


def sends_to(fake: FakeTelegram, chat_id: int) -> list[Call]:
    """Return the successful sendMessage calls to one chat, in the order they arrived."""
    return [
        call
        for call in fake.calls_to("sendMessage")
        if call.status == 200 and call.params.get("chat_id") == chat_id
    ]


def member(fake: FakeTelegram, group: SimChat, name: str) -> SimUser:
    user = fake.add_user(name)
    group.members[user.id] = Member("member")
    return user


async def test_a_busy_group_and_a_flooding_participant_delay_nobody_else(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    group = fake.add_group("Community")
    bot = await make_bot(
        chats={"community": group.id}, settings={"telegram": {"set_commands": False}}
    )
    members = [member(fake, group, f"Member {i}") for i in range(12)]
    flooder = bot.user("Flo")
    askers = [bot.user(f"Asker {i}") for i in range(12)]
    for person in [flooder, *askers]:
        await person.send("/start")
    await bot.settle()
    before = len(fake.calls)

    asked_at = bot.pace.now()
    for person in members:
        await person.send(f"/rules@{fake.bot_username}", chat=group)
    for i in range(10):
        await flooder.send(f"where is room {i}?")
    for person in askers:
        await person.send("/next")
    await bot.settle(timeout=30)

    group_sends = [c for c in sends_to(fake, group.id) if fake.calls.index(c) >= before]
    rules = [c for c in group_sends if "Rules" in str(c.params.get("text"))]
    assert rules, "the group got the rules"
    # Identical answers queued for the group went out once, not twelve times at 3 s each.
    assert len(group_sends) < len(members)
    flooded = [c for c in sends_to(fake, flooder.id) if fake.calls.index(c) >= before]
    assert len(flooded) >= 5 and flooded[-1].paced_at - asked_at >= 5  # at their chat's pace
    for person in askers:
        answers = [c for c in sends_to(fake, person.id) if fake.calls.index(c) >= before]
        assert len(answers) == 1, person.first_name
        answer = answers[0]
        # At the global pace (twelve answers take 12/29 s), before the group's queue and the
        # flooder's had drained.
        assert answer.paced_at - asked_at < 0.5
        assert answer.paced_at < group_sends[-1].paced_at
        assert answer.paced_at < flooded[-1].paced_at


async def participants(bot: BotHarness, people: list[SimUser]) -> None:
    """Make people participants who have started the bot, without 400 /start round trips."""
    now = datetime(2027, 3, 15, 9, tzinfo=UTC).isoformat()
    rows = [(p.id, p.first_name, "en", now, now) for p in people]
    await bot.runtime.db.executemany(
        "INSERT INTO participants (user_id, first_name, telegram_language, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    for person in people:
        person.started = True


async def test_a_broadcast_to_400_does_not_hold_up_answers(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    organiser = fake.add_user("Olga")
    bot = await make_bot(organisers=[organiser.id], settings={"telegram": {"set_commands": False}})
    recipients = [bot.user(f"P{i}") for i in range(400)]
    await participants(bot, recipients)
    askers = recipients[:12]
    await organiser.send("/start")
    await bot.settle()
    before = len(organiser.chat.bot_messages)
    await organiser.send("/announce Room change: the plenary moves to hall B")
    control = await organiser.chat.wait_bot_message(before + 2, 5)  # the preview, then this
    await organiser.click("Confirm", control)

    def delivered() -> int:
        return sum(1 for c in fake.calls_to("sendMessage") if "hall B" in str(c.params))

    while delivered() < 60:
        await asyncio.sleep(0.005)
    asked_at = bot.pace.now()
    for person in askers:
        await person.send("/next")
    await bot.settle(timeout=30)
    answered = []
    for person in askers:
        answer = next(c for c in sends_to(fake, person.id) if "hall B" not in str(c.params))
        # The next free slots (twelve answers take 12/29 s), not behind the bulk sends queued.
        assert answer.paced_at - asked_at < 0.5, person.first_name
        answered.append(answer.paced_at)
    await bot.runtime.broadcast.wait(1)
    announcements = [c.paced_at for c in fake.calls_to("sendMessage") if "hall B" in str(c.params)]
    assert len(announcements) >= 400
    assert sum(1 for at in announcements if at > max(answered)) > 200
