"""getUpdates semantics: offsets, limit, long-poll wake-up, 409 conflicts, sticky filters."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import Conflict

from tests.fakeapi import TEST_TOKEN, FakeTelegram

pytestmark = pytest.mark.asyncio


async def test_offset_acknowledges_and_limit_caps(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    for text in ("one", "two", "three"):
        await user.send(text)
    first = await bot.get_updates(limit=2, timeout=0)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    assert first[1].update_id == first[0].update_id + 1 and first[0].update_id > 10**8
    again = await bot.get_updates(timeout=0)  # no offset: nothing acknowledged
    assert len(again) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["three"]
    assert len(fake.pending_updates) == 1


async def test_negative_offset_keeps_last_updates(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    for text in ("a", "b", "c"):
        await user.send(text)
    updates = await bot.get_updates(offset=-1, timeout=0)
    assert [u.message.text for u in updates if u.message] == ["c"]


async def test_long_poll_wakes_on_injection(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)  # let the poll reach the server
    assert not poll.done()
    await user.send("wake up")
    updates = await asyncio.wait_for(poll, 5)
    assert updates[0].message is not None and updates[0].message.text == "wake up"


async def test_empty_long_poll_times_out_empty(bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == ()


async def test_second_poll_gets_older_poll_409(fake: FakeTelegram, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    async with Bot(TEST_TOKEN, base_url=fake.base_url) as second_instance:
        newer = asyncio.create_task(second_instance.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(older, 5)
        assert await newer == ()
    assert fake.calls_to("getUpdates")[0].status == 409


async def test_webhook_blocks_polling(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_allowed_updates_is_sticky(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.add_group("Forum")
    fake.set_bot_admin(group, can_restrict_members=True)
    user = fake.add_user("Ann")
    await bot.get_updates(timeout=0, allowed_updates=[])  # default: no chat_member
    await user.join(group)
    kinds = [u.to_dict().keys() - {"update_id"} for u in await bot.get_updates(timeout=0)]
    assert {"chat_member"} not in kinds and {"message"} in kinds
    await bot.get_updates(timeout=0, allowed_updates=["message", "chat_member"])
    await user.leave(group)
    await bot.get_updates(timeout=0)  # absent: the previous setting stays
    await user.join(group)
    updates = await bot.get_updates(timeout=0)
    chat_members = [u.chat_member for u in updates if u.chat_member]
    assert [c.new_chat_member.status for c in chat_members] == ["left", "member"]


async def test_user_document_is_downloadable(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send_document(
        b"%PDF-1.4 agenda", "agenda.pdf", caption="see", mime_type="application/pdf"
    )
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.document is not None
    assert update.message.document.file_name == "agenda.pdf"
    file = await update.message.document.get_file()
    assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 agenda"


async def test_command_entity_covers_bot_mention(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("/agenda@forum_test_bot tomorrow")
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    (entity,) = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 22)
