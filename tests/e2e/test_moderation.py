"""Moderation end to end: the real Application, polling the fake Bot API, driven by members.

A moderator, a newcomer and ordinary members act in a supergroup where the bot is an admin;
the tests check what Telegram received (restrictChatMember, banChatMember, unbanChatMember,
deleteMessage) and what people read. Time is the harness's clock, shared by bot and fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from handlers.moderation import DIGEST_JOB, SWEEP_JOB
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock
from tests.fakeapi import FakeTelegram, SimChat, SimMessage, SimUser
from tests.fakeapi.world import Member

MOD_ID = 500_001

SETTINGS: dict[str, dict[str, Any]] = {
    "telegram": {"set_commands": False, "group_messages_per_minute": 60},
    "moderation": {
        "welcome_timeout_minutes": 10,
        "warn_ladder": {2: "mute 24h", 3: "ban"},
        "flood_messages": 5,
        "flood_seconds": 10,
        "flood_mute": "1h",
        "newcomer_no_links_hours": 24,
    },
}


@dataclass
class World:
    """The fake, the running bot, the community group, its modlog and its moderator."""

    fake: FakeTelegram
    clock: TestClock
    bot: BotHarness
    group: SimChat
    modlog: SimChat
    moderator: SimUser

    async def settle(self) -> None:
        """Wait until every injected update has been processed."""
        await self.bot.settle()

    async def post(
        self, user: SimUser, text: str, reply_to: SimMessage | None = None
    ) -> SimMessage:
        """Write text in the group as the user, and settle; return the message."""
        message = await user.send(text, chat=self.group, reply_to=reply_to)
        await self.settle()
        return message

    async def post_as(self, owner: SimUser, channel: SimChat, text: str) -> SimMessage:
        """Write text in the group on behalf of the owner's channel, and settle; return it."""
        message = await owner.send_as(channel, text, chat=self.group)
        await self.settle()
        return message

    async def moderate(self, command: str, reply_to: SimMessage | None = None) -> SimMessage:
        """Send a moderator's command in the group, and settle; return the command's message."""
        return await self.post(self.moderator, command, reply_to)

    def member(self, name: str, **kwargs: Any) -> SimUser:
        """Create a user who is already a member of the group."""
        user = self.fake.add_user(name, **kwargs)
        self.group.members[user.id] = Member("member")
        return user

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Return the parameters of every successful call of a method."""
        return [c.params for c in self.fake.calls_to(method) if c.status == 200]

    def said(self, chat: SimChat) -> list[str]:
        """Return the texts the bot has sent to a chat (deleted ones too)."""
        return [m.text or "" for m in chat.bot_messages]

    def now(self) -> int:
        """Return the shared clock in unix seconds, as Telegram's until_date counts."""
        return int(self.clock.timestamp())


@pytest.fixture
async def world(fake: FakeTelegram, clock: TestClock, make_bot: MakeBot) -> World:
    """Run the bot against a fake where it administers the community group."""
    return await community(fake, clock, make_bot)


async def community(fake: FakeTelegram, clock: TestClock, make_bot: MakeBot) -> World:
    """Start the bot administering a community group, with a modlog chat and one moderator."""
    group = fake.add_group("Community")
    modlog = fake.add_group("Modlog", type="group")
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    moderator = fake.add_user("Mona", username="mona", user_id=MOD_ID)
    group.members[moderator.id] = Member("member")
    bot = await make_bot(
        moderators=[MOD_ID],
        chats={"community": group.id, "modlog": modlog.id},
        schedule=None,
        settings=SETTINGS,
    )
    return World(fake, clock, bot, group, modlog, moderator)


async def _sweep(world: World) -> None:
    await world.bot.run_job(SWEEP_JOB)


async def test_newcomer_is_restricted_until_they_agree(world: World) -> None:
    newcomer = world.fake.add_user("Zoë <3", language_code="de")
    await newcomer.join(world.group)
    await world.settle()

    restrict = world.calls("restrictChatMember")
    assert len(restrict) == 1 and restrict[0]["user_id"] == newcomer.id
    assert not any(restrict[0]["permissions"].values())
    welcome = world.group.bot_messages[-1]
    assert "Zoë &lt;3" in (welcome.html or "") and "Willkommen" in (welcome.text or "")
    assert world.group.member(newcomer).status == "restricted"

    await newcomer.click("Ich stimme zu", welcome)
    await world.settle()

    lifted = world.calls("restrictChatMember")[-1]
    assert lifted["user_id"] == newcomer.id and all(lifted["permissions"].values())
    assert world.group.member(newcomer).status == "member"
    assert world.calls("deleteMessage")[-1]["message_id"] == welcome.message_id
    assert welcome.deleted


async def test_only_the_newcomer_can_press_their_button(world: World) -> None:
    newcomer = world.fake.add_user("Nia")
    other = world.member("Olli")
    await newcomer.join(world.group)
    await world.settle()
    welcome = world.group.bot_messages[-1]
    callback = await other.click("I agree", welcome)
    await world.settle()
    assert callback.answered and "newcomer" in (callback.text or "")
    assert world.group.member(newcomer).status == "restricted"


async def test_unverified_newcomer_is_removed_after_the_timeout(world: World) -> None:
    newcomer = world.fake.add_user("Spam Bot 3000")
    await newcomer.join(world.group)
    await world.settle()
    welcome = world.group.bot_messages[-1]

    world.clock.advance(seconds=9 * 60)
    await _sweep(world)
    assert world.calls("banChatMember") == []

    world.clock.advance(seconds=2 * 60)
    await _sweep(world)
    ban = world.calls("banChatMember")
    unban = world.calls("unbanChatMember")
    assert [c["user_id"] for c in ban] == [newcomer.id]
    assert [(c["user_id"], c["only_if_banned"]) for c in unban] == [(newcomer.id, True)]
    assert world.group.member(newcomer).status == "left"  # removed, free to come back
    assert welcome.deleted
    assert "did not accept the rules" in world.said(world.modlog)[-1]

    await _sweep(world)  # nothing left to do: removed once
    assert len(world.calls("banChatMember")) == 1


async def test_warn_ladder_mutes_then_bans(world: World) -> None:
    troll = world.member("Troll")
    spam = await world.post(troll, "buy now")

    await world.moderate("/warn rude", reply_to=spam)
    assert "1 warning" in world.said(world.group)[-1]
    assert world.calls("restrictChatMember") == []

    await world.moderate(f"/warn {troll.id} again")
    mute = world.calls("restrictChatMember")
    assert len(mute) == 1 and mute[0]["user_id"] == troll.id
    assert mute[0]["until_date"] == world.now() + 24 * 3600
    assert "muted until" in world.said(world.group)[-1]

    await world.moderate("/warns", reply_to=spam)
    assert "2 warnings" in world.said(world.group)[-1]

    await world.moderate("/warn", reply_to=spam)
    ban = world.calls("banChatMember")
    assert len(ban) == 1 and ban[0]["user_id"] == troll.id and "until_date" not in ban[0]
    logged = world.said(world.modlog)
    assert sum("Warning" in text for text in logged) == 3
    assert any(text.startswith("Ban") for text in logged)


async def test_unwarn_withdraws_the_latest_warning(world: World) -> None:
    member = world.member("Max", username="maxi")
    await world.post(member, "hello")  # the bot learns @maxi
    await world.moderate("/warn @maxi")
    await world.moderate("/unwarn @maxi")
    assert "0 left" in world.said(world.group)[-1]
    await world.moderate("/unwarn @maxi")
    assert "has no warnings" in world.said(world.group)[-1] or "has no warnings" in (
        world.group.messages[-1].text or ""
    )


async def test_commands_send_the_right_bot_api_calls(world: World) -> None:
    member = world.member("Kim")
    message = await world.post(member, "off-topic")

    await world.moderate("/mute 30m calm down", reply_to=message)
    mute = world.calls("restrictChatMember")[-1]
    assert mute["user_id"] == member.id and not any(mute["permissions"].values())
    assert mute["until_date"] == world.now() + 30 * 60

    await world.moderate("/unmute", reply_to=message)
    unmute = world.calls("restrictChatMember")[-1]
    assert unmute["user_id"] == member.id and all(unmute["permissions"].values())

    command = await world.moderate("/del", reply_to=message)
    deleted = [c["message_id"] for c in world.calls("deleteMessage")]
    assert deleted == [message.message_id, command.message_id]

    await world.moderate(f"/kick {member.id}")
    assert world.calls("banChatMember")[-1]["user_id"] == member.id
    assert world.calls("unbanChatMember")[-1]["user_id"] == member.id

    world.group.members[member.id] = Member("member")
    await world.moderate(f"/ban {member.id} spam")
    assert len(world.calls("banChatMember")) == 2
    await world.moderate(f"/unban {member.id}")
    last = world.calls("unbanChatMember")[-1]
    assert last["user_id"] == member.id and last["only_if_banned"] is True
    assert world.group.member(member).status == "left"
    actions = [text.split(" ·")[0] for text in world.said(world.modlog)]
    assert actions == ["Mute", "Unmute", "Message deleted", "Kick", "Ban", "Unban"]


async def test_non_moderator_is_refused_and_nothing_happens(world: World) -> None:
    victim = world.member("Vic")
    bully = world.member("Bully")
    message = await world.post(victim, "hi")
    for command in ("/ban", "/mute", "/warn", "/del", "/kick"):
        await bully.send(command, chat=world.group, reply_to=message)
    await world.settle()
    refusals = [m.text for m in world.group.messages if m.from_bot]
    assert len(refusals) == 5 and all("only the group's moderators" in (t or "") for t in refusals)
    for method in ("restrictChatMember", "banChatMember", "unbanChatMember", "deleteMessage"):
        assert world.calls(method) == []
    assert world.said(world.modlog) == []


async def test_telegram_admin_becomes_moderator_from_chat_member_updates(world: World) -> None:
    admin = world.member("Ada")
    target = world.member("Tom")
    message = await target.send("x", chat=world.group)
    old = world.group.members[admin.id].status
    world.group.members[admin.id] = Member("administrator", {"can_restrict_members": True})
    world.fake.chat_member_changed(world.group, admin, old, None)
    await world.settle()
    await world.post(admin, "/mute 1h", reply_to=message)
    assert world.calls("restrictChatMember")[-1]["user_id"] == target.id

    world.group.members[admin.id] = Member("member")
    world.fake.chat_member_changed(world.group, admin, "administrator", None)
    await world.settle()
    await world.post(admin, "/unmute", reply_to=message)
    assert "only the group's moderators" in (world.group.messages[-1].text or "")


async def test_missing_right_is_named(world: World) -> None:
    world.fake.set_bot_admin(world.group, can_delete_messages=True)  # no restricting
    member = world.member("Lu")
    message = await world.post(member, "x")
    await world.moderate("/ban", reply_to=message)
    assert "“Ban users”" in (world.group.messages[-1].text or "")
    assert world.calls("banChatMember") == []
    assert world.said(world.modlog) == []


async def test_flood_mutes_automatically_and_logs(world: World) -> None:
    flooder = world.member("Flo")
    calm = world.member("Cal")
    for i in range(5):
        await flooder.send(f"spam {i}", chat=world.group)
        await calm.send(f"chat {i}", chat=world.group)
        world.clock.advance(seconds=1)
    await world.settle()
    assert world.calls("restrictChatMember") == []  # five in ten seconds is allowed
    await world.post(flooder, "spam 5")
    mute = world.calls("restrictChatMember")
    assert [c["user_id"] for c in mute] == [flooder.id]
    assert mute[0]["until_date"] == world.now() + 3600
    assert "flooding" in world.said(world.group)[-1]
    assert world.said(world.modlog)[-1].startswith("Muted for flooding")


async def test_the_flood_notice_names_the_configured_length_while_the_clock_runs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def ticking(clock: TestClock) -> datetime:
        clock.now += timedelta(milliseconds=3)  # as a real clock moves between two readings
        return clock.now

    monkeypatch.setattr(TestClock, "__call__", ticking)
    flooder = world.member("Flo")
    for i in range(6):
        await flooder.send(f"spam {i}", chat=world.group)
    await world.settle()
    assert world.said(world.group)[-1] == "Flo was muted for 1h for flooding the group."


async def _digest(world: World) -> None:
    await world.bot.run_job(DIGEST_JOB)


async def test_report_reaches_the_modlog_in_a_digest(world: World) -> None:
    world.moderator.started = True  # the moderator has talked to the bot before
    reporter = world.member("Rae", language_code="fr")
    offender = world.member("Odd")
    bad = await world.post(offender, "insult")
    await world.post(reporter, "/report insulting", reply_to=bad)
    assert "Merci" in world.said(world.group)[-1]  # the reporter, in French
    await _digest(world)
    digest = world.modlog.bot_messages[-1]
    assert digest.text is not None and "1 new report" in digest.text
    assert "insulting" in digest.text
    link = f"https://t.me/c/{str(world.group.id)[4:]}/{bad.message_id}"
    assert link in (digest.html or "")
    assert world.moderator.inbox == []  # the modlog chat is where moderators read reports


async def test_newcomer_link_is_deleted_in_the_first_hours(world: World) -> None:
    newcomer = world.fake.add_user("Neo")
    await newcomer.join(world.group)
    await world.settle()
    await newcomer.click("I agree", world.group.bot_messages[-1])
    await world.settle()
    link = await world.post(newcomer, "see https://spam.example")
    assert link.deleted
    assert "after 24 hours" in world.said(world.group)[-1]
    world.clock.advance(seconds=25 * 3600)
    later = await world.post(newcomer, "see https://ok.example")
    assert not later.deleted


@pytest.mark.parametrize("text", ["/rules"])
async def test_rules_can_be_set_and_shown(world: World, text: str) -> None:
    await world.moderate("/setrules Be <nice> & kind.")
    member = world.member("Reader")
    await world.post(member, text)
    assert "Be <nice> & kind." in world.said(world.group)[-1]
