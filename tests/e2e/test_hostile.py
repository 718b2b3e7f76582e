"""Hostile input: every command with malformed arguments, and forged button presses.

Each must get a clear answer or be ignored, never a Bot API error (400) and never an
unhandled exception (which the error handler would log and apologise for).
"""

from __future__ import annotations

import logging

import pytest

from bot.commands import COMMANDS
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import TestClock
from tests.fakeapi import FakeTelegram
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


@pytest.mark.parametrize("argument", HOSTILE_ARGS)
async def test_every_command_survives_hostile_arguments(
    make_bot: MakeBot, argument: str, caplog: pytest.LogCaptureFixture, clock: TestClock
) -> None:
    bot = await make_bot(organisers=[5151], moderators=[5151])
    staff = bot.user("Staff <&>", user_id=5151)
    guest = bot.user("Guest", language="fr")
    for command in COMMANDS:
        for user in (staff, guest):
            await user.send(f"/{command.name} {argument}".strip())
            await bot.settle()
            clock.advance(seconds=1)  # stay under the per-user flood guard
    assert [c.method for c in bot.fake.calls if c.status >= 400] == []
    assert unhandled(caplog.records) == []
    replies = [m.text or "" for user in (staff, guest) for m in user.inbox]
    assert not [text for text in replies if "something went wrong" in text]


async def test_forged_button_presses_change_nothing_and_are_answered(
    make_bot: MakeBot, caplog: pytest.LogCaptureFixture, clock: TestClock
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
    assert [c.method for c in bot.fake.calls if c.status >= 400] == []
    assert unhandled(caplog.records) == []
    participant = await bot.runtime.participants.get(outsider.id)
    assert (
        participant is not None and participant.language is None and participant.timezone is None
    )


HUGE = "9" * 20  # beyond SQLite's 64-bit integers


async def test_out_of_range_numbers_are_answered_without_a_traceback(
    fake: FakeTelegram, make_bot: MakeBot, caplog: pytest.LogCaptureFixture, clock: TestClock
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
    assert [c.method for c in bot.fake.calls if c.status >= 400] == []
    assert unhandled(caplog.records) == []
