"""Reachability: the bot writes privately only to people who can receive it. A moderator who
never started the bot is not written to; the reports' digest goes to the modlog chat (where
moderators read it), or, with no modlog, is kept for them and told once, when they next start
the bot. Reports never go to the community group, where they would name the reporter.
"""

from __future__ import annotations

from handlers.moderation import DIGEST_JOB
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness
from tests.fakeapi import FakeTelegram, SimChat, SimMessage, SimUser
from tests.fakeapi.world import Member

MOD_ID = 500_002


async def _group_with_moderator(
    fake: FakeTelegram, make_bot: MakeBot, *, modlog: bool
) -> tuple[BotHarness, SimChat, SimChat | None, SimUser]:
    group = fake.add_group("Community")
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    log = fake.add_group("Modlog", type="group") if modlog else None
    if log is not None:
        log.bot_status = "member"
    chats = {"community": group.id} | ({"modlog": log.id} if log else {})
    bot = await make_bot(moderators=[MOD_ID], schedule=None, chats=chats)
    moderator = fake.add_user("Mona", user_id=MOD_ID)
    group.members[moderator.id] = Member("member")
    # The bot knows Mona from the group, but she never opened a private chat with it.
    await moderator.send("Hello all", chat=group)
    await bot.settle()
    return bot, group, log, moderator


async def _report(bot: BotHarness, group: SimChat, words: str) -> SimMessage:
    offender = bot.fake.add_user("Odd")
    reporter = bot.fake.add_user("Rae", language_code="fr")
    for user in (offender, reporter):
        group.members[user.id] = Member("member")
    bad = await offender.send(words, chat=group)
    await bot.settle()
    await reporter.send(f"/report {words}", chat=group, reply_to=bad)
    await bot.settle()
    return bad


async def _digest(bot: BotHarness) -> None:
    await bot.run_job(DIGEST_JOB)


async def test_moderator_who_never_started_reads_reports_in_the_modlog(
    fake: FakeTelegram, make_bot: MakeBot
) -> None:
    bot, group, modlog, moderator = await _group_with_moderator(fake, make_bot, modlog=True)
    assert modlog is not None
    await _report(bot, group, "insult one")
    await _report(bot, group, "insult two")
    await _digest(bot)
    # Never written to privately: no refused send, nothing in her private chat.
    assert [c for c in bot.fake.calls_to("sendMessage") if c.params["chat_id"] == MOD_ID] == []
    assert [c.method for c in bot.fake.calls if c.status >= 400] == []
    (digest,) = [m.text or "" for m in modlog.bot_messages]
    assert "insult one" in digest and "insult two" in digest

    await moderator.send("/start")  # the modlog chat had it: nothing kept to tell her
    await bot.settle()
    assert not any("kept for you" in (m.text or "") for m in moderator.inbox)


async def test_without_a_modlog_an_unreachable_moderator_is_told_reports_on_start(
    fake: FakeTelegram, make_bot: MakeBot
) -> None:
    bot, group, _, moderator = await _group_with_moderator(fake, make_bot, modlog=False)
    await _report(bot, group, "spam link")
    await _report(bot, group, "spam again")
    await _digest(bot)
    assert not any("spam link" in (m.text or "") for m in group.bot_messages)
    assert [c for c in bot.fake.calls_to("sendMessage") if c.params["chat_id"] == MOD_ID] == []
    await moderator.send("/start")
    await bot.settle()
    missed = moderator.chat.bot_messages[-1].text or ""
    assert "1 notice for the staff was kept for you" in missed  # one digest of both
    assert "spam link" in missed and "spam again" in missed

    await moderator.send("/start")  # told once
    await bot.settle()
    assert sum("kept for you" in (m.text or "") for m in moderator.inbox) == 1

    await _report(bot, group, "spam three")  # now she can be written to
    await _digest(bot)
    assert "spam three" in (moderator.last_message.text or "")
