"""The programme end to end: commands, questions in five languages, files, inline mode, reloads.

The example programme runs 2027-03-16..18 in Bonn (Europe/Berlin, UTC+1 in March); the hostile
fixture's titles, names and rooms carry ``<``, ``&``, quotes, accents and emoji.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import ROOT, BotHarness, TestClock, at, refused
from tests.fakeapi import FakeTelegram, SimMessage, SimUser

HOSTILE = Path(__file__).parent / "fixtures" / "hostile.toml"
EXAMPLE = ROOT / "schedule.example.json"
ORGANISER = 9001
DURING_OPENING = at(2027, 3, 16, 8, 40)  # 09:40 in Bonn, day one


@pytest.fixture(autouse=True)
def refuses_nothing(fake: FakeTelegram) -> Iterator[None]:
    """Check after each test that Telegram (the fake) refused nothing the bot sent."""
    yield
    assert refused(fake) == []


@pytest.fixture
def user(bot: BotHarness) -> SimUser:
    """Ada, who reads English."""
    return bot.user("Ada")


def longest(bot: BotHarness) -> int:
    return max((len(m.text or "") for c in bot.fake.chats.values() for m in c.messages), default=0)


@pytest.fixture
def opening(clock: TestClock) -> TestClock:
    clock.set(DURING_OPENING)
    return clock


# --- commands --------------------------------------------------------------------------------


async def test_today_lists_the_day_with_labelled_times_and_pages(
    bot: BotHarness, user: SimUser, opening: TestClock
) -> None:
    day = await bot.ask(user, "/today")
    assert "Programme for Tuesday, March 16, 2027" in day.text
    assert "09:30–11:00 Berlin" in day.text
    assert "tg-time" not in (day.html or "")  # Bonn's time is no time a client may move
    assert "(page 1 of 2)" in day.text
    assert "Transparency & cost efficiency" in day.text
    await user.click("Next »")
    await bot.settle()
    assert "(page 2 of 2)" in day.text and "Networking reception" in day.text
    assert "« Previous" in day.button_labels


async def test_tomorrow_and_day_picker(bot: BotHarness, user: SimUser, opening: TestClock) -> None:
    tomorrow = await bot.ask(user, "/tomorrow")
    assert "Wednesday, March 17, 2027" in tomorrow.text
    assert "Morning plenary: Lessons from day one" in tomorrow.text
    picker = await bot.ask(user, "/schedule")
    assert picker.button_labels == ["Tue, Mar 16", "Wed, Mar 17", "Thu, Mar 18"]
    await user.click("Thu, Mar 18")
    await bot.settle()
    assert "Closing plenary: Commitments and next steps" in picker.text


async def test_today_before_and_after_the_forum(
    bot: BotHarness, user: SimUser, clock: TestClock
) -> None:
    before = await bot.ask(user, "/today")
    assert "The forum starts on Tuesday, March 16, 2027." in before.text
    assert len(before.button_labels) == 3
    clock.set(at(2027, 3, 20, 9))
    after = await bot.ask(user, "/tomorrow")
    assert "The forum has ended." in after.text


async def test_now_and_next(bot: BotHarness, user: SimUser, opening: TestClock) -> None:
    now = await bot.ask(user, "/now")
    assert "Running now" in now.text and "Opening plenary" in now.text
    following = await bot.ask(user, "/next")
    assert "Coffee break" in following.text and "11:00–11:30 Berlin" in following.text
    opening.set(at(2027, 3, 16, 12, 10))  # 13:10, lunch; nothing between 14:00 ...
    opening.set(at(2027, 3, 16, 21, 30))  # 22:30: nothing runs, next is day two
    idle = await bot.ask(user, "/now")
    assert "Nothing is running right now. Next:" in idle.text
    assert "Morning plenary" in idle.text


async def test_session_card_has_reminder_and_calendar_buttons(
    bot: BotHarness, user: SimUser, opening: TestClock
) -> None:
    card = await bot.ask(user, "/session 6")
    assert card.text.startswith("Workshop: Transparency & cost efficiency")
    assert "Kwame Mensah, Sophie Martin" in card.text
    assert "Room Ahr" in card.text and "Session 6" in card.text
    assert card.buttons == [[("⏰ Remind me", "rem:6"), ("📅 Add to calendar", "sics:s:6")]]
    # The reminder button toggles in place; the card keeps its other buttons.
    await user.click("⏰ Remind me", card)
    await bot.settle()
    assert card.buttons == [
        [("Stop reminders for it", "unrem:6"), ("📅 Add to calendar", "sics:s:6")]
    ]
    await user.click("Stop reminders for it", card)
    await bot.settle()
    assert card.buttons == [[("Remind me", "rem:6"), ("📅 Add to calendar", "sics:s:6")]]
    await user.click("📅 Add to calendar")
    sent = await user.next_message()
    assert sent.document is not None
    name, data = sent.document
    assert name == "session-6.ics"
    assert b"BEGIN:VEVENT" in data and b"UID:" in data and b"VTIMEZONE" in data


# A command and what its answer says; an unknown session falls back to search.
LOOKUPS = [
    ("/session 999", ["I found no session for 999"]),
    ("/session", ["/session 12"]),
    (
        "/search transparency",
        ["Transparency tools against corruption", "Transparency & cost efficiency"],
    ),
    ("/search <zzz> & ", ["I found no session for <zzz> &"]),
    ("/speaker fatou", ["Sessions with Fatou Diop", "E-procurement platforms in practice"]),
    ("/speaker", ["María José Fernández"]),
    ("/room rhein", ["Sessions in Room Rhein"]),
    ("/room <Atlantis>", ["I know no room called <Atlantis>", "Room Sieg"]),
]


@pytest.mark.parametrize(("command", "expected"), LOOKUPS)
async def test_sessions_are_found_by_number_word_speaker_and_room(
    bot: BotHarness, user: SimUser, opening: TestClock, command: str, expected: list[str]
) -> None:
    reply = await bot.ask(user, command)
    assert [text for text in expected if text not in reply.text] == []


async def test_calendar_files_for_a_day_and_the_programme(
    bot: BotHarness, user: SimUser, opening: TestClock
) -> None:
    await bot.ask(user, "/ics")
    await user.click("Wed, Mar 17")
    day = await user.next_message()
    assert day.document is not None and day.document[0] == "programme-2027-03-17.ics"
    assert day.document[1].count(b"BEGIN:VEVENT") == 15
    await user.click("📅 Whole programme")
    whole = await user.next_message()
    assert whole.document is not None and whole.document[1].count(b"BEGIN:VEVENT") == 36
    callback = await user.click_data(whole, "sics:d:20991231")
    await bot.settle()
    assert callback.text == "This button is no longer valid."


async def test_deep_links_open_a_card_or_send_its_calendar(
    bot: BotHarness, user: SimUser, opening: TestClock
) -> None:
    card = await bot.ask(user, "/start s_4")
    assert card.text.startswith("Workshop: E-procurement platforms in practice")
    ics = await bot.ask(user, "/start ics_4")
    assert ics.document is not None and ics.document[0] == "session-4.ics"
    greeting = await bot.ask(user, "/start")
    assert "Welcome to" in greeting.text
    missing = await bot.ask(user, "/start s_999")
    assert "There is no session 999." in missing.text


async def test_users_own_time_is_shown_when_their_zone_differs(
    bot: BotHarness, opening: TestClock
) -> None:
    user = bot.user("Lucía", language="es")
    await bot.ask(user, "/timezone America/Bogota")
    card = await bot.ask(user, "/session 2")
    assert "09:30–11:00 Berlin · 03:30–05:00 en tu hora" in card.text
    assert "martes, 16 de marzo de 2027" in card.text


async def test_groups_only_when_addressed(
    bot: BotHarness, user: SimUser, opening: TestClock
) -> None:
    group = bot.fake.add_group("Community")
    await user.join(group)
    now = await bot.ask_in_group(user, group, ["/today", "what's on now?"], "now")
    assert "Opening plenary" in now.text
    await user.send(f"@{bot.fake.bot_username} where is the closing plenary?", chat=group)
    where = await group.next_message()
    assert "Closing plenary" in where.text and "Plenary Hall" in where.text
    await user.send("and what's next?", chat=group, reply_to=where)
    following = await group.next_message()
    assert "Coffee break" in following.text


# --- free text in five languages -------------------------------------------------------------

QUESTIONS = {
    "en": [
        ("what's on tomorrow morning?", "Morning plenary: Lessons from day one"),
        ("when is the workshop on e-procurement platforms?", "E-procurement platforms"),
        ("where is the closing plenary?", "Closing plenary: Commitments"),
        ("who speaks about transparency tools?", "Kwame Mensah"),
    ],
    "de": [
        ("was läuft morgen vormittag?", "Morgenplenum"),
        ("wann ist die Mittagspause?", "Mittagspause"),
        ("wo ist das Abschlussplenum?", "Abschlussplenum"),
    ],
    "es": [
        ("¿qué hay mañana?", "Miércoles, 17 de marzo de 2027".lower()),
        ("¿dónde es el plenario de clausura?", "Plenary Hall"),
    ],
    "fr": [
        ("c'est où l'atelier sur la transparence ?", "Laquelle voulez-vous dire ?"),
        ("qu'est-ce qu'il y a demain matin ?", "mercredi 17 mars 2027"),
    ],
    "pt": [
        ("o que há amanhã de manhã?", "quarta-feira, 17 de março de 2027"),
        ("quando é o almoço?", "Almoço"),
    ],
}


@pytest.mark.parametrize(
    ("language", "question", "expected"),
    [(lang, q, e) for lang, pairs in QUESTIONS.items() for q, e in pairs],
)
async def test_free_text_questions(
    bot: BotHarness, opening: TestClock, language: str, question: str, expected: str
) -> None:
    user = bot.user("Ana", language=language)
    answer = await bot.ask(user, question)
    assert expected.lower() in answer.text.lower()


async def test_ambiguous_question_offers_buttons(
    bot: BotHarness, user: SimUser, opening: TestClock
) -> None:
    answer = await bot.ask(user, "when is the workshop on e-procurement?")
    assert answer.text == "Which one do you mean?"
    assert len(answer.buttons) >= 2
    await user.click(answer.button_labels[0])
    card = await user.next_message()
    assert "E-procurement" in card.text and "Session" in card.text


async def test_nonsense_says_so_and_suggests_commands(bot: BotHarness, opening: TestClock) -> None:
    user = bot.user("Ada", language="de")
    answer = await bot.ask(user, "blorp <&> 🙃")
    assert "/now" in answer.text and "/search" in answer.text


async def test_questions_before_and_after_the_forum(
    bot: BotHarness, user: SimUser, clock: TestClock
) -> None:
    before = await bot.ask(user, "what's on now?")
    assert "The forum starts on Tuesday, March 16, 2027." in before.text
    clock.set(at(2027, 3, 25, 9))
    after = await bot.ask(user, "what's on tomorrow?")
    assert after.text == "The forum has ended."


# --- hostile text ----------------------------------------------------------------------------


async def test_hostile_programme_renders_without_a_parse_error(
    make_bot: MakeBot, opening: TestClock
) -> None:
    bot = await make_bot(schedule=HOSTILE)
    users = {}
    for language in ("en", "de", "es", "fr", "pt"):
        user = users[language] = bot.user(f"U{language}", language=language)
        for command in ("/today", "/tomorrow", "/now", "/next", "/session 1", "/session 2"):
            await bot.ask(user, command)
        for command in ("/search coração", "/speaker zoë", "/room salle", "/room"):
            await bot.ask(user, command)
        await bot.ask(user, "where is lunch?")
        inline = await user.inline_query("opening")
        await bot.settle()
        assert inline.answered and inline.results
    card = next(m for m in users["en"].inbox if m.text and m.text.startswith("Opening"))
    assert card.text.startswith('Opening <b>plenary</b> & "welcome" 🎉')
    assert "Zoë <O'Brien>, José & Ana" in card.text
    assert "Hall <A> & 'B'" in card.text
    assert "<script>alert('x')</script>" in card.text
    german = users["de"].inbox
    assert any("Eröffnung <Plenum> & „Willkommen“ 🎉" in (m.text or "") for m in german)


async def test_no_message_exceeds_the_limit_on_a_huge_day(
    make_bot: MakeBot, opening: TestClock, tmp_path: Path
) -> None:
    rows = ["id,date,start,duration,title,room,speakers,description"]
    for number in range(1, 121):
        hour, minute = 8 + number // 12, (number % 12) * 5
        title = f"Session {number} <&> " + "é" * 150
        rows.append(f'{number},2027-03-16,{hour:02d}:{minute:02d},45,"{title}",Room {number},,')
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    bot = await make_bot(schedule=path)
    user = bot.user("Ada")
    day = await bot.ask(user, "/today")
    assert "(page 1 of" in day.text
    pages = int(day.text.split("(page 1 of ")[1].split(")")[0])
    assert pages >= 10
    for _ in range(pages - 1):
        await user.click("Next »", day)
        await bot.settle()
    assert f"(page {pages} of {pages})" in day.text
    await bot.ask(user, "/room")
    await bot.ask(user, "/search session")
    assert longest(bot) <= 4096


# --- inline mode -----------------------------------------------------------------------------


async def test_inline_query_pages_results_with_deep_links(
    make_bot: MakeBot, opening: TestClock, tmp_path: Path
) -> None:
    rows = ["id,date,start,duration,title,room"]
    rows += [
        f"{n},2027-03-16,{8 + n // 12:02d}:{(n % 12) * 5:02d},30,Workshop {n},Hall"
        for n in range(1, 80)
    ]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    bot = await make_bot(schedule=path)
    user = bot.user("Ana", language="pt")
    first = await user.inline_query("workshop")
    await bot.settle()
    assert len(first.results) == 50 and first.next_offset == "50"
    result = first.results[0]
    assert result["type"] == "article"
    button = result["reply_markup"]["inline_keyboard"][0][0]
    assert button["text"] == "Abrir no bot"
    assert button["url"].startswith(f"https://t.me/{bot.fake.bot_username}?start=s_")
    second = await user.inline_query("workshop", offset="50")
    await bot.settle()
    assert len(second.results) == 29 and second.next_offset == ""
    ids = {r["id"] for r in first.results} | {r["id"] for r in second.results}
    assert len(ids) == 79


# --- reloading -------------------------------------------------------------------------------


def _changed_example() -> bytes:
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    day_one = data["schedule"]["conference"]["days"][0]["rooms"]
    opening = day_one["Plenary Hall"][1]
    opening["title"] = "Opening plenary <renamed> & more"
    workshop = day_one["Room Rhein"][0]
    workshop["start"] = "12:00"
    workshop["date"] = "2027-03-16T12:00:00+01:00"
    day_one["Room Ahr"].pop()  # drop "Regional exchange: Latin America"
    return json.dumps(data, ensure_ascii=False).encode()


async def _upload(user: object, data: bytes, name: str) -> SimMessage:
    await user.send_document(data, name)  # type: ignore[attr-defined]
    return await user.next_message()  # type: ignore[attr-defined, no-any-return]


async def test_organiser_reloads_with_a_diff_and_confirm(
    make_bot: MakeBot, opening: TestClock
) -> None:
    bot = await make_bot(organisers=[ORGANISER])
    changes: list[object] = []

    async def listener(diff: object) -> None:
        changes.append(diff)

    bot.runtime.on_programme_changed.append(listener)
    organiser = bot.fake.add_user("Olu", user_id=ORGANISER, language_code="en")
    preview = await _upload(organiser, _changed_example(), "schedule.json")
    assert "Removed (1)" in preview.text and "Regional exchange: Latin America" in preview.text
    assert "Moved (1)" in preview.text and "11:30–13:00 → Tue, Mar 16 12:00–13:30" in preview.text
    assert "Renamed (1)" in preview.text and "Opening plenary <renamed> & more" in preview.text
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 36
    await bot.restart()  # the pending upload survives: Confirm downloads the file again
    bot.runtime.on_programme_changed.append(listener)
    await organiser.click("✅ Apply", preview)
    await bot.settle()
    assert "the new programme is live (35 sessions)" in preview.text
    assert preview.button_labels == []
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 35
    assert len(changes) == 1
    user = bot.user("Ada")
    card = await bot.ask(user, "/session 2")
    assert card.text.startswith("Opening plenary <renamed> & more")
    failed = [c for c in bot.fake.calls if c.status >= 400]
    # Only the old instance's last long poll, cut short by the restart, may have failed.
    assert all(c.method == "getUpdates" and c.status == 409 for c in failed)


async def test_broken_file_is_refused_line_by_line_and_nothing_changes(
    make_bot: MakeBot, opening: TestClock
) -> None:
    bot = await make_bot(organisers=[ORGANISER])
    organiser = bot.fake.add_user("Olu", user_id=ORGANISER, language_code="de")
    broken = (
        b"id,date,start,end,title,room\n"
        b"1,2027-03-16,09:00,10:00,Fine <one>,Hall\n"
        b"2,2027-03-16,11:00,10:00,Ends before it starts,Hall\n"
        b"2,2027-03-28,02:30,03:00,Duplicate id and a time that does not exist,Hall\n"
    )
    refusal = await _upload(organiser, broken, "programme.csv")
    assert "programme.csv:3" in refusal.text
    assert "programme.csv:4" in refusal.text
    assert refusal.button_labels == []
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 36
    bad_json = await _upload(organiser, b'{"schedule": {', "schedule.json")
    assert "schedule.json:1" in bad_json.text


async def test_an_organisers_other_file_is_answered_with_the_formats_a_programme_comes_in(
    make_bot: MakeBot, opening: TestClock
) -> None:
    bot = await make_bot(organisers=[ORGANISER])
    organiser = bot.fake.add_user("Olu", user_id=ORGANISER, language_code="de")
    answer = await _upload(organiser, b"print('hello')\n", "script.py")
    assert "pretalx/frab-schedule.json, einer CSV- oder einer TOML-Datei" in answer.text
    stranger = bot.user("Mallory")
    other = await _upload(stranger, b"print('hello')\n", "script.py")
    assert other.text.startswith("I can only read text.")


async def test_forged_confirm_and_strangers_files_do_nothing(
    make_bot: MakeBot, opening: TestClock
) -> None:
    bot = await make_bot(organisers=[ORGANISER])
    organiser = bot.fake.add_user("Olu", user_id=ORGANISER, language_code="en")
    preview = await _upload(organiser, _changed_example(), "schedule.json")
    confirm = dict(preview.buttons[0])["✅ Apply"]
    stranger = bot.user("Mallory")
    polite = await _upload(stranger, _changed_example(), "schedule.json")
    assert "Only the organisers can load a new programme" in polite.text
    forged = await stranger.click_data(polite, confirm)
    await bot.settle()
    assert forged.show_alert and forged.text == "Only the organisers can load a new programme."
    tampered = await organiser.click_data(preview, "schok:000000000000:" + confirm.split(":")[2])
    await bot.settle()
    assert tampered.text == "This button is no longer valid."
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 36
    await organiser.click("✖️ Cancel", preview)
    await bot.settle()
    assert "unchanged" in preview.text


async def test_configured_file_is_reloaded_at_start_only_when_edited(
    make_bot: MakeBot, opening: TestClock, tmp_path: Path
) -> None:
    path = tmp_path / "schedule.json"
    path.write_bytes(EXAMPLE.read_bytes())
    os.utime(path, (0, 0))
    bot = await make_bot(schedule=path)
    assert bot.runtime.schedule.programme is not None
    path.write_bytes(_changed_example())
    os.utime(path, (0, 0))  # older than the import: a Telegram upload would win
    await bot.restart()
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 36
    stamp = opening.now.timestamp() + 60
    os.utime(path, (stamp, stamp))
    await bot.restart()
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 35
    path.write_text("{ broken", encoding="utf-8")
    stamp += 60
    os.utime(path, (stamp, stamp))
    await bot.restart()
    programme = bot.runtime.schedule.programme
    assert programme is not None and len(programme.sessions) == 35


async def test_without_a_programme_the_bot_says_so(make_bot: MakeBot, opening: TestClock) -> None:
    bot = await make_bot(schedule=None)
    user = bot.user("Ada")
    reply = await bot.ask(user, "/today")
    assert "has not been published yet" in reply.text
    question = await bot.ask(user, "what's on now?")
    assert "has not been published yet" in question.text
