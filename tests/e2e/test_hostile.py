"""Hostile input: every command with malformed arguments, and forged button presses.

Each must get a clear answer or be ignored, never a Bot API error (400) and never an
unhandled exception (which the error handler would log and apologise for).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import CallbackQueryHandler

from bot.callbacks import CallbackData
from bot.commands import COMMANDS
from bot.schedule.model import Programme, Session
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock, refused
from tests.fakeapi import FakeTelegram, SimUser
from tests.fakeapi.html import parse_html
from tests.fakeapi.world import Member

HOSTILE_ARGS = [
    "",
    "<b>&amp;</b> \"'",
    "' OR 1=1 --",
    "9" * 30,
    "-1",
    "😀" * 50,
    "x" * 3000,
    "@nobody 99999999999 <i>",
    "AND OR NOT *",
]

FORGED = [
    "rem:99999",
    "rem:",
    "unrem:<b>",
    "ann:confirm:1",
    "ann:cancel:999",
    "ann:zzz",
    "fgt:yes",
    "ird:1",
    "itr:accept:1",
    "itr:accept:abc",
    "lang:xx",
    "modok:1:2",
    "mto:1",
    "pfa:9",
    "pfx",
    "ppl:z:0",
    "rses:nope",
    "rset:lead:999",
    "schno",
    "schok:0:deadbeef:beef",
    "sday:2099-01-01:0",
    "ses:999",
    "sia:1",
    "sics:s:999",
    "sig",
    "tz:Mars.Base",
]


def unhandled(records: list[logging.LogRecord]) -> list[str]:
    return [
        r.getMessage()
        for r in records
        if r.levelno >= logging.ERROR and r.name.startswith(("handlers", "bot", "telegram.ext"))
    ]


@pytest.fixture(autouse=True)
def refuses_nothing_and_nothing_fails(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """Check after each test that Telegram (the fake) refused nothing the bot sent, and that no
    update ended in an unhandled exception."""
    yield
    assert refused(fake) == []
    assert unhandled(caplog.get_records("call")) == []


@pytest.mark.parametrize("argument", HOSTILE_ARGS)
async def test_every_command_survives_hostile_arguments(
    make_bot: MakeBot, argument: str, clock: TestClock
) -> None:
    bot = await make_bot(organisers=[5151], moderators=[5151])
    staff = bot.user("Staff <&>", user_id=5151)
    guest = bot.user("Guest", language="fr")
    for command in COMMANDS:
        for user in (staff, guest):
            await user.send(f"/{command.name} {argument}".strip())
            await bot.settle()
            clock.advance(seconds=1)  # stay under the per-user flood guard
    replies = [m.text or "" for user in (staff, guest) for m in user.inbox]
    assert not [text for text in replies if "something went wrong" in text]


async def test_forged_button_presses_change_nothing_and_are_answered(
    make_bot: MakeBot, clock: TestClock
) -> None:
    bot = await make_bot(organisers=[5151])
    staff = bot.user("Olga", user_id=5151)
    outsider = bot.user("Mallory")
    anchor = await bot.ask(outsider, "/start")
    staff_anchor = await bot.ask(staff, "/start")
    for data in FORGED:
        for user, message in ((outsider, anchor), (staff, staff_anchor)):
            callback = await user.click_data(message, data)
            await bot.settle()
            clock.advance(seconds=1)
            assert callback.answered, data
    participant = await bot.runtime.participants.get(outsider.id)
    assert (
        participant is not None and participant.language is None and participant.timezone is None
    )


HUGE = "9" * 20  # beyond SQLite's 64-bit integers


async def test_out_of_range_numbers_are_answered_without_a_traceback(
    fake: FakeTelegram, make_bot: MakeBot, clock: TestClock
) -> None:
    """A forged page, an inline offset and typed ids past 2**63 get a plain answer."""
    group = fake.add_group("Community")
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    mod = fake.add_user("Mona", user_id=5151)
    group.members[mod.id] = Member("member")
    bot = await make_bot(moderators=[mod.id], chats={"community": group.id})
    guest = bot.user("Guest")
    anchor = await bot.ask(guest, "/start")
    for data in ("ppl:a::9999999999999999999", f"ppl:a::{HUGE}", "itr:9999999999999999999"):
        callback = await guest.click_data(anchor, data)
        await bot.settle()
        clock.advance(seconds=1)
        assert callback.answered, data
    await guest.send(f"/intro {HUGE}")
    await bot.settle()
    assert "/intro 3f9a0c2b7d5e8a41" in (guest.last_message.text or "")
    inline = await guest.inline_query("", offset=HUGE)
    await bot.settle()
    assert inline.answered and inline.results
    await mod.send(f"/warn {HUGE} spam", chat=group)
    await bot.settle()
    assert "numeric id" in (group.bot_messages[-1].text or "")


async def test_debug_logs_hold_no_message_text(
    make_bot: MakeBot, caplog: pytest.LogCaptureFixture
) -> None:
    """What people write (and what the bot answers with it) stays out of the DEBUG log."""
    bot = await make_bot()
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    await bot.ask(user, "/profile")
    await bot.ask(user, "Quetzalcoatl Secretname")  # stored, and repeated in the next prompt
    await bot.ask(user, "where is the quetzalcoatl workshop")
    await bot.settle()
    assert caplog.records and min(r.levelno for r in caplog.records) == logging.DEBUG
    leaked = [
        r.getMessage()[:120] for r in caplog.records if "quetzalcoatl" in r.getMessage().lower()
    ]
    assert leaked == []


def _oversized(number: int, start: datetime) -> Session:
    """A session as a file from before the import limits could have stored it."""
    return Session(
        guid=f"big-{number}",
        id=str(number),
        title=("Tender <b>&amp; " * 300)[:4200],
        start=start,
        end=start + timedelta(hours=1),
        room="Room <i>" * 40,
        day=start.astimezone(ZoneInfo("Europe/Berlin")).date(),
        description="Details & more " * 3000,
        speakers=tuple(f"Speaker {n} <&>" for n in range(600)),
        url="https://example.org/a\r\nX: 1",
    )


async def test_oversized_sessions_render_within_telegrams_limits(
    make_bot: MakeBot, clock: TestClock
) -> None:
    """A 4,200-character title and 600 speakers: cards, pages and inline results still fit."""
    bot = await make_bot()
    start = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)
    sessions = [_oversized(n, start + timedelta(minutes=10 * n)) for n in range(1, 30)]
    programme = Programme.build(
        name="Forum", timezone="Europe/Berlin", version="x", sessions=sessions
    )
    await bot.runtime.schedule.replace(programme)
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    for command in (
        "/session 1",
        "/schedule",
        "/speaker Speaker 599",
        "/room Room",
        "/search tender",
    ):
        await user.send(command)
        await bot.settle()
        clock.advance(seconds=1)
    card = user.inbox[1]
    for data in ("sday:20270316:0", "sday:20270316:1", "sday:20270316:9"):
        await user.click_data(card, data)
        await bot.settle()
        clock.advance(seconds=1)
    inline = await user.inline_query("")
    await bot.settle()
    assert inline.answered and inline.results
    for result in inline.results:
        visible, _ = parse_html(result["input_message_content"]["message_text"])
        assert len(visible) <= 4096
    assert all(len(m.text or "") <= 4096 for m in user.inbox)


async def test_a_stale_second_tap_edits_nothing(make_bot: MakeBot) -> None:
    """Two quick taps on one card: the second finds the edit already made and asks nothing."""
    bot = await make_bot()
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    card = await bot.ask(user, "/session 12")
    day = await bot.ask(user, "/today")
    taps = [await user.click_data(card, "rem:12"), await user.click_data(card, "rem:12")]
    await bot.settle()
    pages = [await user.click_data(day, "sday:20270316:1") for _ in range(2)]
    await bot.settle()
    assert all(tap.answered for tap in [*taps, *pages])
    assert card.buttons[0][0][1] == "unrem:12"


def _no_size(fake: FakeTelegram, user: SimUser, data: bytes, filename: str) -> None:
    """Send a document whose message says nothing of its size, as Telegram may."""
    document = fake.store_file(data, filename, None, kind="documents")
    document.pop("file_size")
    message = user.chat.add_message(user, document=(filename, data), media={"document": document})
    fake.inject_update({"message": message.to_api()})


HEADER = "id,date,start,end,title,room,url,speakers\n"


async def test_schedule_files_beyond_the_limits_are_refused_with_a_reason(
    make_bot: MakeBot, clock: TestClock
) -> None:
    bot = await make_bot(organisers=[5151])
    olga = bot.user("Olga", user_id=5151)
    await bot.ask(olga, "/start")
    files = [
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        ("deep.toml", b"a = " + b"[" * 3000 + b"]" * 3000, "nested too deeply"),
        ("wide.json", b'{"a":' * 30 + b"1" + b"}" * 30, "nested too deeply"),
        (
            "crlf.csv",
            (
                HEADER + '1,2027-03-16,09:00,10:00,Opening,Hall,"https://x.org/a\r\nX: 1",A\n'
            ).encode(),
            "crlf.csv:2:url",
        ),
        (
            "title.csv",
            (HEADER + f"1,2027-03-16,09:00,10:00,{'T' * 4200},Hall,,A\n").encode(),
            "at most 300",
        ),
        (
            "speakers.csv",
            (
                HEADER
                + "1,2027-03-16,09:00,10:00,Panel,Hall,,"
                + ";".join(f"S{n}" for n in range(600))
                + "\n"
            ).encode(),
            "at most 100 speakers",
        ),
        (
            "cell.csv",
            (HEADER + "1,2027-03-16,09:00,10:00," + "x" * 200_000 + ",Hall,,A\n").encode(),
            "cell.csv:2 Cannot read this row",
        ),
    ]
    for filename, data, expected in files:
        await olga.send_document(data, filename)
        await bot.settle()
        clock.advance(seconds=1)
        assert expected in (olga.last_message.text or ""), filename
    _no_size(
        bot.fake,
        olga,
        (HEADER + "1,2027-03-16,09:00,10:00,T,Hall,,A\n" * 70_000).encode(),
        "big.csv",
    )
    await bot.settle()
    assert "too large" in (olga.last_message.text or "")
    assert bot.runtime.schedule.programme is not None
    assert len(bot.runtime.schedule.programme.sessions) > 10  # the example is still live


ROLE_INPUTS = [
    "9" * 25,
    "-99999999999999999999",
    "x" * 5000,
    "line one\r\nline two\rthree\n",
    "<b><i>unbalanced</a> & &amp &#0; <tg-spoiler>",
]


# Every kind of button the bot makes (the features' typed presses), read once the bot is
# built: a new kind is forged here without anyone listing it.
def prefixes() -> list[str]:
    """Return the prefix of every kind of button."""
    return sorted({press.prefix for press in CallbackData.__subclasses__()})


def forged(prefix: str) -> list[str]:
    """Return presses of one button kind with hostile arguments (all within 64 bytes)."""
    return [
        prefix,
        f"{prefix}:{'9' * 19}",
        f"{prefix}:-1:{'9' * 16}",
        f"{prefix}:a:{'x' * 40}",
        f"{prefix}:1:1:1:1:1",
    ]


def every_button_is_forged(bot: BotHarness) -> None:
    """Fail when the bot has a button handler that none of the forged presses reaches."""
    patterns = [
        handler.pattern
        for group in bot.application.handlers.values()
        for handler in group
        if isinstance(handler, CallbackQueryHandler) and isinstance(handler.pattern, re.Pattern)
    ]
    assert patterns
    presses = [data for prefix in prefixes() for data in forged(prefix)]
    missed = [p.pattern for p in patterns if not any(p.match(data) for data in presses)]
    assert missed == [], "button handlers that take no typed press: forge them here too"


@pytest.mark.parametrize("role", ["participant", "moderator", "outsider"])
async def test_every_command_and_button_as_every_role_in_private_and_in_the_group(
    fake: FakeTelegram,
    make_bot: MakeBot,
    clock: TestClock,
    role: str,
) -> None:
    """Out-of-range numbers, 5,000 characters, CR/LF and broken HTML, everywhere, as anyone:
    a clear answer or nothing, never a 400, never a traceback, every press answered."""
    group = fake.add_group("Community")
    modlog = fake.add_group("Modlog", type="group")
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    staff = fake.add_user("Staff <&>", user_id=5151, username="staff_x")
    user = staff if role == "moderator" else fake.add_user("Eve <i>", username="eve_x")
    group.members[user.id] = Member("member")
    bot = await make_bot(
        organisers=[staff.id],
        moderators=[staff.id],
        chats={"community": group.id, "modlog": modlog.id},
    )
    every_button_is_forged(bot)
    username = fake.bot_user()["username"]
    chats = [group, user.chat] if role == "outsider" else [user.chat, group]
    if role != "outsider":
        await bot.ask(user, "/start")
    callbacks = []
    for chat in chats:
        in_group = chat is group
        for command in COMMANDS:
            for argument in ROLE_INPUTS:
                name = f"/{command.name}@{username}" if in_group else f"/{command.name}"
                await user.send(f"{name} {argument}", chat=chat)
                await bot.settle()
                clock.advance(seconds=1)  # stay under the per-user flood guard
        await user.send(f"/help@{username}" if in_group else "/help", chat=chat)
        await bot.settle()
        anchor = chat.bot_messages[-1]
        for prefix in prefixes():
            for data in forged(prefix):
                callbacks.append((f"{chat.type} {data}", await user.click_data(anchor, data)))
                await bot.settle()
                clock.advance(seconds=1)
    assert [data for data, callback in callbacks if not callback.answered] == []
    for chat in (user.chat, group, modlog):
        said = [m.text or m.caption or "" for m in chat.bot_messages]
        assert [t for t in said if "something went wrong" in t or "forum-bot error" in t] == []
