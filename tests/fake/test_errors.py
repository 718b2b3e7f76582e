"""The fake answers with the real server's exact error bodies (reference §1.3)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError

from tests.fakeapi import TEST_TOKEN, FakeTelegram, ManualClock

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
pytestmark = pytest.mark.asyncio
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def expect(fake: FakeTelegram, call: Awaitable[Any], status: int, description: str) -> None:
    """Await a PTB call that must fail, and check the exact body the fake sent."""
    with pytest.raises(TelegramError):
        await call
    last = fake.calls[-1]
    assert (last.status, last.response["description"]) == (status, description)
    assert last.response["ok"] is False and last.response["error_code"] == status


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def test_token_and_routing_errors(fake: FakeTelegram, http: httpx.AsyncClient) -> None:
    bad = await http.post("/bot0123:abc/getMe")
    wrong = await http.post("/bot123456:WrongSecret/getMe")
    unknown = await http.post(f"/bot{TEST_TOKEN}/sendTelepathy")
    stray = await http.get("/favicon.ico")
    assert (bad.status_code, bad.json()["description"]) == (
        401,
        "Unauthorized: invalid token specified",
    )
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert stray.status_code == 404


async def test_method_names_are_case_insensitive(http: httpx.AsyncClient) -> None:
    response = await http.get(f"/bot{TEST_TOKEN}/GETME")
    assert response.json()["result"]["username"] == "forum_test_bot"


async def test_unimplemented_spec_method_is_a_contract_violation(
    fake: FakeTelegram, http: httpx.AsyncClient
) -> None:
    response = await http.post(f"/bot{TEST_TOKEN}/sendDice", data={"chat_id": "1"})
    assert response.json()["description"] == "Bad Request: fake does not implement sendDice"
    with pytest.raises(AssertionError, match="sendDice"):
        fake.assert_no_contract_violations()


async def test_missing_and_unknown_params(fake: FakeTelegram, http: httpx.AsyncClient) -> None:
    url = f"/bot{TEST_TOKEN}/sendMessage"
    no_chat = await http.post(url, json={"text": "hi"})
    no_text = await http.post(url, json={"chat_id": 5})
    no_query = await http.post(f"/bot{TEST_TOKEN}/answerCallbackQuery")
    await http.post(f"/bot{TEST_TOKEN}/getMe", params={"colour": "blue"})
    assert no_chat.json()["description"] == "Bad Request: chat_id is empty"
    assert no_text.json()["description"] == "Bad Request: message text is empty"
    assert (
        no_query.json()["description"] == 'Bad Request: parameter "callback_query_id" is required'
    )
    assert fake.contract_violations == [
        "sendMessage: missing required parameter 'chat_id'",
        "sendMessage: missing required parameter 'text'",
        "answerCallbackQuery: missing required parameter 'callback_query_id'",
        "getMe: unknown parameter 'colour'",
    ]


async def test_user_states_give_403(fake: FakeTelegram, bot: Bot) -> None:
    never = fake.add_user("Never")
    blocked = fake.add_user("Blocker")
    await blocked.send("/start")
    blocked.block()
    gone = fake.add_user("Gone")
    await gone.send("hi")
    gone.deactivate()
    await expect(
        fake,
        bot.send_message(never.id, "x"),
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    await expect(
        fake, bot.send_message(blocked.id, "x"), 403, "Forbidden: bot was blocked by the user"
    )
    await expect(fake, bot.send_message(gone.id, "x"), 403, "Forbidden: user is deactivated")
    with pytest.raises(Forbidden):
        await bot.send_message(blocked.id, "x")
    assert blocked.inbox == []


async def test_block_injects_my_chat_member(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("/start")
    user.block()
    updates = await bot.get_updates(timeout=0)
    change = updates[-1].my_chat_member
    assert change is not None
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")


async def test_chat_errors(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.add_group("Forum")
    fake.kick_bot(group)
    left = fake.add_group("Old", type="group")
    left.bot_status = "left"
    await expect(fake, bot.send_message(-42, "x"), 400, "Bad Request: chat not found")
    await expect(fake, bot.send_message("@nobody", "x"), 400, "Bad Request: chat not found")
    await expect(
        fake,
        bot.send_message(group.id, "x"),
        403,
        "Forbidden: bot was kicked from the supergroup chat",
    )
    await expect(
        fake,
        bot.send_message(left.id, "x"),
        403,
        "Forbidden: bot is not a member of the group chat",
    )


async def test_text_checks(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    await expect(fake, bot.send_message(user.id, ""), 400, "Bad Request: message text is empty")
    await expect(
        fake, bot.send_message(user.id, "   "), 400, "Bad Request: text must be non-empty"
    )
    await expect(
        fake,
        bot.send_message(user.id, "<b></b>", parse_mode="HTML"),
        400,
        "Bad Request: text must be non-empty",
    )
    await expect(
        fake,
        bot.send_message(user.id, "x", parse_mode="HTM"),
        400,
        "Bad Request: unsupported parse_mode",
    )
    await expect(
        fake,
        bot.send_message(user.id, "<blink>x</blink>", parse_mode="HTML"),
        400,
        'Bad Request: can\'t parse entities: Unsupported start tag "blink" at byte offset 0',
    )


async def test_length_limits_count_code_points_after_parsing(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    exact = await bot.send_message(user.id, "<b>" + "😀" * 4096 + "</b>", parse_mode="HTML")
    assert exact.text == "😀" * 4096
    assert exact.entities[0].length == 8192  # UTF-16 units
    await expect(
        fake, bot.send_message(user.id, "😀" * 4097), 400, "Bad Request: message is too long"
    )
    doc = await bot.send_document(user.id, b"x", filename="a.txt", caption="é" * 1024)
    assert doc.caption == "é" * 1024
    await expect(
        fake,
        bot.send_document(user.id, b"x", filename="a.txt", caption="é" * 1025),
        400,
        "Bad Request: message caption is too long",
    )


async def test_reply_markup_checks(fake: FakeTelegram, bot: Bot, http: httpx.AsyncClient) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    ok = await bot.send_message(user.id, "x", reply_markup=keyboard([("ok", "ж" * 32)]))
    assert ok.reply_markup is not None
    await expect(
        fake,
        bot.send_message(user.id, "x", reply_markup=keyboard([("long", "ж" * 32 + "a")])),
        400,
        "Bad Request: BUTTON_DATA_INVALID",
    )
    await expect(
        fake,
        bot.send_message(
            user.id, "x", reply_markup=keyboard([(str(i), str(i)) for i in range(9)])
        ),
        400,
        "Bad Request: reply markup is too long",
    )
    rows = [[(str(r * 8 + c), "d") for c in range(8)] for r in range(13)]
    await expect(
        fake,
        bot.send_message(user.id, "x", reply_markup=keyboard(*rows)),
        400,
        "Bad Request: reply markup is too long",
    )
    url = f"/bot{TEST_TOKEN}/sendMessage"
    broken = await http.post(url, data={"chat_id": user.id, "text": "x", "reply_markup": "{"})
    bare = await http.post(
        url,
        data={
            "chat_id": user.id,
            "text": "x",
            "reply_markup": '{"inline_keyboard":[[{"text":"a"}]]}',
        },
    )
    assert (
        broken.json()["description"]
        == "Bad Request: can't parse reply keyboard markup JSON object"
    )
    assert bare.json()["description"] == (
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard"
    )
    assert len(user.inbox) == 1


async def test_edit_and_delete_errors(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    markup = keyboard([("Refresh", "refresh")])
    sent = await bot.send_message(user.id, "<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    await expect(
        fake,
        bot.edit_message_text(
            "<b>v1</b>", user.id, sent.message_id, parse_mode="HTML", reply_markup=markup
        ),
        400,
        NOT_MODIFIED,
    )
    edited = await bot.edit_message_text("v1", user.id, sent.message_id, reply_markup=markup)
    assert isinstance(edited, object) and user.inbox[0].edited == 1
    await bot.edit_message_text("v1", user.id, sent.message_id)  # drops the keyboard
    assert user.inbox[0].buttons == []
    await expect(
        fake,
        bot.edit_message_text("x", user.id, 999),
        400,
        "Bad Request: message to edit not found",
    )
    await expect(
        fake,
        bot.edit_message_text("x", user.id, 1),
        400,
        "Bad Request: message can't be edited",
    )
    assert await bot.delete_message(user.id, sent.message_id)
    assert user.inbox[0].deleted
    await expect(
        fake,
        bot.delete_message(user.id, sent.message_id),
        400,
        "Bad Request: message to delete not found",
    )


async def test_group_rights(fake: FakeTelegram, bot: Bot) -> None:
    group = fake.add_group("Forum")
    user = fake.add_user("Ann")
    await user.join(group)
    said = await user.send("spam", chat=group)
    await expect(
        fake,
        bot.delete_message(group.id, said.message_id),
        400,
        "Bad Request: message can't be deleted",
    )
    await expect(
        fake,
        bot.ban_chat_member(group.id, user.id),
        400,
        "Bad Request: not enough rights to restrict/unrestrict chat member",
    )
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    assert await bot.delete_message(group.id, said.message_id)
    assert await bot.ban_chat_member(group.id, user.id)
    member = await bot.get_chat_member(group.id, user.id)
    assert member.status == "kicked"
    admins = await bot.get_chat_administrators(group.id)
    assert [a.user.id for a in admins] == [fake.bot_id]


async def test_callback_query_answer_rules(
    fake: FakeTelegram, bot: Bot, clock: ManualClock
) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    await bot.send_message(user.id, "pick", reply_markup=keyboard([("A", "a"), ("B", "b")]))
    first = await user.click("A")
    assert await bot.answer_callback_query(first.id, "noted")
    assert (first.answered, first.text) == (True, "noted")
    await expect(fake, bot.answer_callback_query(first.id), 400, TOO_OLD)
    late = await user.click("B")
    clock.advance(16)
    await expect(fake, bot.answer_callback_query(late.id), 400, TOO_OLD)
    long = await user.click("B")
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(long.id, "x" * 201)
    with pytest.raises(AssertionError, match=r"\['A', 'B'\]"):
        await user.click("C")


async def test_reply_to_missing_message(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    await expect(
        fake,
        bot.send_message(user.id, "x", reply_to_message_id=77),
        400,
        "Bad Request: message to be replied not found",
    )


async def test_bad_file_id(fake: FakeTelegram, bot: Bot) -> None:
    await expect(
        fake,
        bot.get_file("nope"),
        400,
        "Bad Request: wrong file_id or the file is temporarily unavailable",
    )


async def test_ptb_maps_401_to_invalid_token(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("123:Wrong", base_url=fake.base_url):
            pass
