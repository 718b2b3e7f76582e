"""Every button press is answered, whatever its data: an unknown, forged or old-format button
gets a short alert in the presser's language (or "no longer valid" where a feature knows the
kind of button), and nothing else happens: no message, no edit, no error, no change."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import TestClock
from tests.e2e.test_hostile import unhandled

# Buttons of no feature (a removed feature's, another bot's, random bytes) ...
UNKNOWN = [
    "x",
    "zzz:1",
    "help",
    "start",
    "menu:main",
    "v1|rem|12",
    "rem|12",
    "REM:12",
    "%00",
    "🙂",
    "a" * 64,
    "news:1",
    "language:de",
    "delete_everything",
    "admin:ban:1",
    "pf",
    "pfz:1",
    "ses_12",
    "sday-20270316-0",
    "schedule:today",
]
# ... and forged or outdated ones of known kinds: wrong types, missing or extra fields.
FORGED = [
    "lang:xx",
    "lang:en:extra",
    "lang",
    "tz:Mars.Olympus_Mons",
    "rem:",
    "unrem:",
    "rses:nope",
    "rset:speed:1",
    "rset:lead:999",
    "sday:2027-03-16:0",
    "sday:20271399:0",
    "sday:20270316:-1",
    "ann",
    "sics:x:1",
    "sics:d:20991231",
    "schok:onlyone",
    "schno:extra",
    "ann:ok",
    "ann:fly:1",
    "ann:ok:one",
    "modok:someone",
    "pft:-1",
    "pfc:listed:yes",
    "ppl:z::0",
    "ird:x:1",
    "ird:a:one",
    "mto:yes",
    "sia:maybe:1",
    "fgt:true",
    "itr:",
]
PRESSES = UNKNOWN + FORGED


def test_fifty_kinds_of_press() -> None:
    assert len(PRESSES) == 50 and len(set(PRESSES)) == 50


@pytest.mark.parametrize("where", ["private", "group"])
async def test_every_unknown_forged_or_old_press_is_answered_and_nothing_else_happens(
    make_bot: MakeBot, caplog: pytest.LogCaptureFixture, clock: TestClock, where: str
) -> None:
    bot = await make_bot(organisers=[5151], moderators=[5151])
    user = bot.user("Pia", language="de", user_id=5151)
    if where == "private":
        anchor = await bot.ask(user, "/help")
    else:
        group = bot.fake.add_group("Community")
        await user.join(group)
        await user.send(f"/help@{bot.fake.bot_username}", chat=group)
        anchor = await group.next_message()
    await bot.settle()
    before = len(bot.fake.calls)
    participant = await bot.runtime.participants.get(user.id)
    for data in PRESSES:
        press = await user.click_data(anchor, data)
        await bot.settle()
        clock.advance(seconds=1)  # stay under the per-user flood guard
        assert press.answered, data
        if data in UNKNOWN:
            assert press.show_alert and press.text == "Diese Schaltfläche ist abgelaufen.", data
        else:
            assert press.text, data
    methods = {call.method for call in bot.fake.calls[before:]}
    assert methods <= {"answerCallbackQuery", "getUpdates"}, methods
    assert [c.method for c in bot.fake.calls if c.status >= 400] == []
    assert unhandled(caplog.records) == []
    after = await bot.runtime.participants.get(user.id)
    if where == "group":
        # A group member who never started the bot is not stored, and stays so.
        assert participant is None and after is None
    else:
        assert after is not None and participant is not None
        assert (after.language, after.timezone) == (participant.language, participant.timezone)
    assert logging.ERROR not in {r.levelno for r in caplog.records}
