"""Abuse end to end: nobody can be found by counting, private flows never continue in a group.

Driven through the real Application and the fake Bot API by simulated people who try what a
curious or hostile participant would: counting through /intro numbers, forging buttons and
deep links, pressing a card's "Introduce me" in the community group.
"""

from __future__ import annotations

import re

import pytest

from bot.callbacks import CallbackData
from bot.intros.render import DecisionPress, IntroducePress
from bot.participants.render import LanguagePress
from bot.reminders.render import RemindPress
from handlers.moderation import DIGEST_JOB, SWEEP_JOB
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import TestClock, at
from tests.e2e.test_intros import (
    World,
    code_of,
    everything_seen_by,
    make_profile,
    no_errors,
    seen_as,
    world,
)
from tests.e2e.test_moderation import SETTINGS as MOD_SETTINGS
from tests.e2e.test_moderation import World as GroupWorld
from tests.e2e.test_moderation import community
from tests.fakeapi import FakeTelegram, SimMessage, SimUser
from tests.fakeapi.world import Member

__all__ = ["world"]  # the fixture, shared with the introductions tests

_TOKEN = re.compile(r"^[0-9a-f]{16}$")


async def test_unlisted_profiles_cannot_be_counted_through_named_or_requested(
    world: World,
) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await make_profile(w, w.bruno, name="Bruno Escondido", country="Brasil", listed=False)
    await make_profile(w, w.carla, name="Carla", country="Germany")
    # Counting through numbers, as typed and as forged buttons and deep links, slower than the
    # flood guard's limit.
    for number in range(6):
        w.bot.clock.advance(seconds=10)
        await w.send(w.ana, f"/intro {number}")
        await w.send(w.ana, f"/intro #{number}")
        await w.send(w.ana, f"/start i_{number}")
        await w.click_data(w.ana, w.ana.last_message, f"itr:{number}")
    assert "Escondido" not in everything_seen_by(w.ana)
    assert await w.rows("SELECT * FROM intro_conversations WHERE user_id = ?", w.ana.id) == []
    await w.send(w.ana, "/people")
    assert "No. " not in everything_seen_by(w.ana)  # no countable number on any card
    # /meet does not suggest him either (another region, the same topic, both opted in).
    await w.send(w.bruno, "/meet")
    await w.click(w.bruno, "Yes, suggest people")
    await w.send(w.ana, "/meet")
    await w.click(w.ana, "Yes, suggest people")
    assert "Escondido" not in everything_seen_by(w.ana)
    # Even Bruno's own code, learnt somehow, names and reaches nobody while he is unlisted.
    hidden = await code_of(w, w.bruno)
    for attempt in (f"/intro {hidden}", f"/start i_{hidden}"):
        await w.send(w.ana, attempt)
        assert "not in the directory" in (w.ana.last_message.text or "")
    pressed = await w.click_data(w.ana, w.ana.last_message, f"itr:{hidden}")
    assert pressed.show_alert and "not in the directory" in (pressed.text or "")
    assert "Escondido" not in everything_seen_by(w.ana)
    assert await w.rows("SELECT * FROM intro_requests") == []
    no_errors(w.fake)


async def test_a_card_is_addressed_by_a_code_that_stays_while_the_profile_lives(
    world: World,
) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await make_profile(w, w.carla, name="Carla", country="Germany")
    code = await code_of(w, w.carla)
    assert _TOKEN.match(code) and code != await code_of(w, w.ana)
    await w.send(w.ana, "/people Germany")
    page = w.ana.last_message
    assert f"code {code}" in (page.text or "")
    introduce = dict(page.buttons[0])["Introduce me to Carla"]
    assert introduce == f"itr:{code}" and len(introduce.encode()) <= 64
    # Carla edits her profile and the bot restarts: the card Ana was shown still works.
    await w.send(w.carla, "/profile")
    await w.click(w.carla, "City")
    await w.send(w.carla, "Bonn")
    await w.bot.restart()
    await w.click(w.ana, "Introduce me to Carla", page)
    assert "Write a short note to Carla" in (w.ana.last_message.text or "")
    await w.send(w.ana, "/cancel")
    await w.send(w.ana, f"/intro {code.upper()}")  # as typed from the card, in any case
    assert "Write a short note to Carla" in (w.ana.last_message.text or "")
    no_errors(w.fake, restarted=True)


async def _post_card(w: World, user: SimUser) -> None:
    """Have the user's card posted to the community group (approved by the moderator)."""
    await w.click(user, "Post my card to the community group")
    await w.click(w.mod, "Approve", w.mod.last_message)


async def test_introduce_me_pressed_in_the_group_continues_in_private(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await make_profile(w, w.carla, name="Carla", country="Germany")
    await _post_card(w, w.ana)
    card = w.community.bot_messages[-1]
    in_group = len(w.community.bot_messages)
    pressed = await w.click(w.carla, "Introduce me", card)
    assert len(w.community.bot_messages) == in_group  # nothing more in the group
    assert pressed.answered and "private chat" in (pressed.text or "")
    assert "Write a short note to Ana" in (w.carla.last_message.text or "")
    await w.send(w.carla, "Hello from the group card")
    assert "Hello from the group card" in (w.ana.last_message.text or "")
    assert len(w.community.bot_messages) == in_group
    no_errors(w.fake)


async def test_introduce_me_pressed_by_someone_who_never_started_the_bot(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await _post_card(w, w.ana)
    card = w.community.bot_messages[-1]
    stranger = w.fake.add_user("Stella", language_code="es")
    w.community.members[stranger.id] = Member("member")
    in_group = len(w.community.bot_messages)
    pressed = await stranger.click("Introduce me", card)  # the group's language
    await w.bot.settle()
    assert len(w.community.bot_messages) == in_group and stranger.inbox == []
    assert pressed.text == seen_as(stranger, "This continues in our private chat with me.")
    token = await code_of(w, w.ana)
    username = w.fake.bot_user()["username"]
    assert pressed.show_alert and pressed.url == f"https://t.me/{username}?start=i_{token}"
    # The link opens the private chat with /start i_<code>: the request goes on there (a
    # profile first: it is what Ana would be shown).
    await w.send(stranger, f"/start i_{token}")
    assert "/profile" in (stranger.last_message.text or "")
    no_errors(w.fake)


def _press_class(data: str) -> type[CallbackData] | None:
    """Return the kind of button a callback data belongs to (any feature's)."""
    pending: list[type[CallbackData]] = [CallbackData]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if kind is not CallbackData and kind.parse(data) is not None:
            return kind
    return None


# Buttons that work where they are shown, groups included: the programme's pages and cards,
# a moderator's decision (in the modlog chat), a newcomer's "I agree", the language choice.
_SHARED = {
    "DayPress",
    "SessionPress",
    "CalendarPress",
    "ReviewPress",
    "AgreePress",
}


def _private_buttons(*users: SimUser) -> dict[str, type[CallbackData]]:
    """Return every private-flow button the bot showed these users in private, by its data."""
    found: dict[str, type[CallbackData]] = {}
    for user in users:
        for message in user.inbox:
            for row in message.buttons:
                for _, data in row:
                    kind = _press_class(data)
                    if kind is not None and kind.__name__ not in _SHARED:
                        assert getattr(kind, "private", True), kind  # declared private
                        found[data] = kind
    return found


async def test_every_private_button_pressed_in_the_group_stays_out_of_it(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await make_profile(w, w.bruno, name="Bruno", country="Brasil")
    await make_profile(w, w.carla, name="Carla", country="Germany")
    for command in ("/people", "/meet", "/settings", "/timezone", "/forget", "/session 1"):
        w.bot.clock.advance(seconds=10)
        await w.send(w.ana, command)
    await w.send(w.ana, "/people Brazil")
    await w.click(w.ana, "Introduce me to Bruno")
    await w.send(w.ana, "Hello Bruno")
    await w.send(w.mod, "/profile")
    buttons = _private_buttons(w.ana, w.bruno, w.mod)
    kinds = {kind.__name__ for kind in buttons.values()}
    assert {"EditPress", "TopicPress", "IntroducePress", "DecisionPress", "MeetPress"} <= kinds
    assert {"SelfIntroPress", "ForgetPress", "SettingsPress", "ZonePress", "RemindPress"} <= kinds
    assert "LanguagePress" in kinds
    await _post_card(w, w.carla)
    card = w.community.bot_messages[-1]
    stranger = w.fake.add_user("Stella")
    w.community.members[stranger.id] = Member("member")
    in_group = len(w.community.bot_messages)
    for data, kind in buttons.items():
        for presser in (w.ana, stranger):
            w.bot.clock.advance(seconds=1)
            pressed = await w.click_data(presser, card, data)
            assert pressed.answered, (data, presser)
            assert len(w.community.bot_messages) == in_group, data
            assert [m.edited for m in w.community.bot_messages] == [0] * in_group, data
            continued = presser is w.ana and kind in (IntroducePress, RemindPress, LanguagePress)
            if not continued:
                assert pressed.url and pressed.url.startswith("https://t.me/"), (data, presser)
    assert stranger.inbox == []
    # Nothing a private button stands for happened: Ana is still here with her profile, the
    # request still waits for Bruno, and Ana's card was not posted.
    assert await w.rows("SELECT display_name FROM profiles WHERE user_id = ?", w.ana.id)
    assert await w.rows("SELECT status FROM intro_requests") == [("pending",)]
    assert await w.rows("SELECT user_id FROM self_intros") == [(w.carla.id,)]
    assert DecisionPress in buttons.values()
    no_errors(w.fake)


async def test_remind_me_pressed_on_a_card_in_the_group_is_the_presser_s_own(
    world: World,
) -> None:
    w = world
    await w.send(w.ana, "/start")
    w.community.members[w.ana.id] = Member("member")
    await w.ana.send(f"/session@{w.fake.bot_user()['username']} 1", chat=w.community)
    await w.bot.settle()
    card: SimMessage = w.community.bot_messages[-1]
    pressed = await w.click(w.ana, "⏰ Remind me", card)
    assert pressed.show_alert and "remind you" in (pressed.text or "")
    assert card.edited == 0 and "⏰ Remind me" in card.button_labels  # as everyone sees it
    assert await w.rows("SELECT user_id FROM reminders") == [(w.ana.id,)]
    stranger = w.fake.add_user("Stella")
    pressed = await w.click(stranger, "⏰ Remind me", card)
    username = w.fake.bot_user()["username"]
    assert pressed.url == f"https://t.me/{username}?start=s_1"
    assert await w.rows("SELECT user_id FROM reminders") == [(w.ana.id,)]
    assert len(w.community.bot_messages) == 1
    no_errors(w.fake)


async def test_ask_and_rate_pressed_on_a_card_in_the_group_continue_in_private(
    fake: FakeTelegram, make_bot: MakeBot, clock: TestClock
) -> None:
    clock.set(at(2027, 3, 16, 10, 45))  # 11:45 in Bonn: session 4 runs and takes questions
    ana = fake.add_user("Ana")
    community = fake.add_group("Forum community")
    bot = await make_bot(chats={"community": community.id})
    await ana.send("/start")
    await ana.join(community)
    await bot.settle()
    await ana.send(f"/session@{fake.bot_user()['username']} 4", chat=community)
    await bot.settle()
    card = community.bot_messages[-1]
    in_group, in_private = len(community.bot_messages), len(ana.inbox)
    asked = await ana.click("❓ Ask a question", card)
    await bot.settle()
    assert asked.text == "I have written to you in our private chat."
    assert len(ana.inbox) == in_private + 1 and "question" in (ana.last_message.text or "")
    await ana.send("What did the pilot towns learn?")
    await bot.settle()
    assert "What did the pilot towns learn?" in (ana.last_message.text or "")  # sign or not
    rated = await ana.click("⭐ Rate this session", card)
    await bot.settle()
    assert rated.text == "I have written to you in our private chat."
    assert "5 ⭐" in ana.last_message.button_labels
    stranger = fake.add_user("Stella")
    pressed = await stranger.click("❓ Ask a question", card)
    await bot.settle()
    assert pressed.url == f"https://t.me/{fake.bot_user()['username']}?start=s_4"
    assert len(community.bot_messages) == in_group and card.edited == 0
    assert await bot.runtime.db.fetchval("SELECT COUNT(*) FROM questions") == 1


async def test_a_self_introduction_is_marked_posted_only_once_it_is_in_the_group(
    world: World,
) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await w.click(w.ana, "Post my card to the community group")
    review = w.mod.last_message
    w.fake.kick_bot(w.community)  # the post will be refused
    refused = await w.click(w.mod, "Approve", review)
    assert refused.show_alert and "could not post" in (refused.text or "")
    assert await w.rows("SELECT status FROM self_intros") == [("pending",)]
    assert "posted in the community group" not in everything_seen_by(w.ana)
    w.community.bot_status = "member"  # back in the group: approving again posts it
    await w.click(w.mod, "Approve", review)
    assert "Ana" in (w.community.bot_messages[-1].text or "")
    assert await w.rows("SELECT status FROM self_intros") == [("posted",)]
    assert "posted in the community group" in (w.ana.last_message.text or "")
    refused_calls = [c.method for c in w.fake.calls if c.status != 200]
    assert refused_calls == ["sendMessage"]  # the one post while the bot was out


# -- moderation --------------------------------------------------------------------------------


@pytest.fixture
async def group(fake: FakeTelegram, clock: TestClock, make_bot: MakeBot) -> GroupWorld:
    """The community group the bot administers, with a modlog chat and one moderator."""
    return await community(fake, clock, make_bot)


async def test_reports_are_limited_per_reporter_once_per_message_and_told_in_one_digest(
    group: GroupWorld,
) -> None:
    g = group
    await g.moderator.send("/start")
    reporter, other = g.member("Rae"), g.member("Ola")
    offender = g.member("Odd")
    bad = []
    for n in range(6):
        g.clock.advance(seconds=3)  # slower than the flood rule
        bad.append(await g.post(offender, f"insult {n}"))
    for message in bad:
        g.clock.advance(seconds=3)  # slower than the flood rule
        await g.post(reporter, "/report rude", message)
    # Five an hour by default: the sixth is over the limit.
    assert "reported 5 messages recently" in g.said(g.group)[-1]
    await g.post(other, "/report", bad[0])
    assert "reported already" in g.said(g.group)[-1]
    assert g.said(g.modlog) == [] and len(g.moderator.inbox) == 1  # nobody told one by one
    await g.bot.run_job(DIGEST_JOB)
    (digest,) = g.said(g.modlog)
    assert "5 new reports" in digest and digest.count("Rae") == 5
    assert len(g.moderator.inbox) == 1  # the modlog chat has it: no private copy
    await g.bot.run_job(DIGEST_JOB)
    assert len(g.said(g.modlog)) == 1  # nothing new, nothing said
    g.clock.advance(minutes=61)  # the window has passed
    await g.post(reporter, "/report still rude", bad[5])
    await g.bot.run_job(DIGEST_JOB)
    assert "1 new report" in g.said(g.modlog)[-1] and "still rude" in g.said(g.modlog)[-1]


async def test_without_a_modlog_each_moderator_gets_the_digest_privately(
    fake: FakeTelegram, clock: TestClock, make_bot: MakeBot
) -> None:
    community = fake.add_group("Community")
    moderators = [fake.add_user(name) for name in ("Mona", "Mo")]
    bot = await make_bot(
        moderators=[m.id for m in moderators],
        chats={"community": community.id},
        schedule=None,
        settings=MOD_SETTINGS,
    )
    g = GroupWorld(fake, clock, bot, community, community, moderators[0])
    for moderator in moderators:
        await moderator.send("/start")
    offender, reporter = g.member("Odd"), g.member("Rae")
    bad = [await offender.send(f"spam {n}", chat=community) for n in range(2)]
    for message in bad:
        await reporter.send("/report", chat=community, reply_to=message)
    await g.settle()
    assert all(len(m.inbox) == 1 for m in moderators)  # /start's welcome only: not one each
    await g.bot.run_job(DIGEST_JOB)
    for moderator in moderators:
        digests = [m for m in moderator.inbox if "new report" in (m.text or "")]
        assert len(digests) == 1 and "2 new reports" in (digests[0].text or "")
    assert not any("new report" in text for text in g.said(community))


async def test_posts_on_behalf_of_a_channel_follow_the_flood_and_link_rules(
    group: GroupWorld,
) -> None:
    g = group
    owner = g.member("Cho")
    channel = g.fake.add_channel("Cheap <Deals> Channel")
    # New in the group (it never posted here before): its links are deleted for 24 hours.
    link = await g.post_as(owner, channel, "deals at https://spam.example")
    assert link.deleted
    assert "Cheap &lt;Deals&gt; Channel" in (g.group.bot_messages[-1].html or "")
    assert "after 24 hours" in g.said(g.group)[-1]
    # Six messages within ten seconds: the channel may no longer post, for flood_mute (1h).
    for n in range(6):
        await owner.send_as(channel, f"buy {n}", chat=g.group)
    await g.settle()
    assert [c["sender_chat_id"] for c in g.calls("banChatSenderChat")] == [channel.id]
    assert channel.id in g.group.banned_senders
    assert g.said(g.modlog)[-1].startswith("Muted for flooding")
    assert "flooding" in g.said(g.group)[-1]
    assert g.calls("restrictChatMember") == []  # the owner as themselves is not muted
    g.clock.advance(minutes=59)
    await g.bot.run_job(SWEEP_JOB)
    assert channel.id in g.group.banned_senders
    await g.bot.restart()  # the end of the ban is stored, not held in memory
    g.clock.advance(minutes=2)
    await g.bot.run_job(SWEEP_JOB)  # the hour is up: it may post again
    assert [c["sender_chat_id"] for c in g.calls("unbanChatSenderChat")] == [channel.id]
    assert channel.id not in g.group.banned_senders
    g.clock.advance(hours=24)
    later = await g.post_as(owner, channel, "see https://ok.example")
    assert not later.deleted
    assert not g.fake.contract_violations


async def test_flood_counters_forget_senders_who_went_quiet(group: GroupWorld) -> None:
    g = group
    senders = [g.member(f"Member {n}") for n in range(300)]
    for sender in senders:
        await sender.send("hello", chat=g.group)
    await g.settle()
    runtime = g.bot.runtime
    assert runtime.flood_guard.held[0] >= 300 and len(runtime.moderation.flood) >= 300
    g.clock.advance(minutes=2)
    await senders[0].send("still here", chat=g.group)
    await g.settle()
    # Only the one who wrote in the last window is still counted, by either flood rule.
    assert runtime.flood_guard.held == (1, 0)
    assert len(runtime.moderation.flood) == 1


async def test_ban_by_username_needs_a_recent_and_unambiguous_sighting(group: GroupWorld) -> None:
    g = group
    xavier = g.member("Xavier", username="handle")
    await g.post(xavier, "hi")
    g.clock.advance(days=31)  # Xavier has not been seen since; @handle may belong to anyone
    await g.moderate("/ban @handle spam")
    assert "not seen @handle in the last 30 days" in g.said(g.group)[-1]
    # Zoe used @shared, gave it up without writing again; Walt took it and wrote.
    zoe, walt = g.member("Zoe", username="shared"), g.member("Walt")
    await g.post(zoe, "hello")
    zoe.username, walt.username = "zoe_now", "shared"
    g.clock.advance(days=1)
    await g.post(walt, "hello too")
    await g.moderate("/ban @shared")
    assert "More than one person has used @shared" in g.said(g.group)[-1]
    assert g.calls("banChatMember") == []
    # Someone seen recently, and only them, is found by their username.
    await g.moderate("/ban @zoe_now")
    assert "not seen @zoe_now" in g.said(g.group)[-1]  # never seen with that name
    await g.post(zoe, "back")
    await g.moderate("/ban @zoe_now")
    assert [c["user_id"] for c in g.calls("banChatMember")] == [zoe.id]


async def test_moderators_mute_and_ban_a_channel_identity_by_replying_to_its_post(
    group: GroupWorld,
) -> None:
    g = group
    owner = g.member("Cho")
    channel = g.fake.add_channel("Deals")
    post = await g.post_as(owner, channel, "cheap stuff")
    await g.moderate("/mute 30m", post)
    assert channel.id in g.group.banned_senders
    assert "<b>Deals</b> has been muted until" in (g.group.bot_messages[-1].html or "")
    await g.moderate("/kick", post)
    assert "cannot be removed from the group" in g.said(g.group)[-1]
    g.clock.advance(minutes=31)
    await g.bot.run_job(SWEEP_JOB)
    assert channel.id not in g.group.banned_senders  # the 30 minutes are over
    await g.moderate("/ban spam", post)
    g.clock.advance(days=30)
    await g.bot.run_job(SWEEP_JOB)
    assert channel.id in g.group.banned_senders  # a ban without an end stays
    await g.moderate(f"/unban {channel.id}")
    assert channel.id not in g.group.banned_senders
    assert g.calls("restrictChatMember") == [] and g.calls("banChatMember") == []
    actions = [text.split(" ·")[0] for text in g.said(g.modlog)]
    assert actions == ["Mute", "Ban", "Unban"]
