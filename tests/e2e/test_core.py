"""First contact end to end: greetings in five languages, language and zone choice, safety."""

from __future__ import annotations

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock, refused
from tests.fakeapi import TEST_TOKEN

TOO_FAST = "You are sending too fast; I'll answer again shortly."

GREETINGS = {
    "en": "Welcome to",
    "de": "Willkommen beim",
    "es": "te damos la bienvenida",
    "fr": "Bienvenue au",
    "pt": "Bem-vindo ao",
}


@pytest.mark.parametrize("language", sorted(GREETINGS))
async def test_start_answers_in_the_users_language(bot: BotHarness, language: str) -> None:
    user = bot.user("Ana", language=language)
    reply = await bot.ask(user, "/start")
    assert GREETINGS[language].lower() in reply.text.lower()
    assert "Bonn Forum <Test> & Friends" in reply.text
    assert reply.button_labels == ["English", "Deutsch", "Español", "Français", "Português"]


async def test_brazilian_portuguese_falls_back_to_portuguese(bot: BotHarness) -> None:
    user = bot.user("João", language="pt-br")
    reply = await bot.ask(user, "/start")
    assert "Bem-vindo" in reply.text


async def test_unknown_language_falls_back_to_english(bot: BotHarness) -> None:
    user = bot.user("Иван", language="ru")
    reply = await bot.ask(user, "/help")
    assert "What I can do" in reply.text


async def test_hostile_name_is_greeted_without_a_parse_error(bot: BotHarness) -> None:
    user = bot.user('<b>&"Ö</b>', last_name="<3 😀", language="en")
    reply = await bot.ask(user, "/start")
    assert '<b>&"Ö</b>' in reply.text
    assert not [c for c in bot.fake.calls if c.status >= 400]


async def test_language_switch_by_button_persists_across_restart(bot: BotHarness) -> None:
    user = bot.user("Marie", language="en")
    await bot.ask(user, "/start")
    await user.click("Français")
    confirmation = await user.next_message()
    assert confirmation.text == "Je vous parlerai désormais en français."
    await bot.restart()
    reply = await bot.ask(user, "/help")
    assert "Ce que je sais faire" in reply.text


async def test_language_switch_by_argument(bot: BotHarness) -> None:
    user = bot.user("Karl", language="en")
    reply = await bot.ask(user, "/language de")
    assert reply.text == "Ich spreche ab jetzt Deutsch mit dir."


async def test_forged_language_button_changes_nothing(bot: BotHarness) -> None:
    user = bot.user("Eve", language="en")
    start = await bot.ask(user, "/start")
    callback = await user.click_data(start, "lang:xx")
    await bot.settle()
    assert callback.answered
    participant = await bot.runtime.participants.get(user.id)
    assert participant is not None and participant.language is None


async def test_timezone_typed_is_validated_and_stored(bot: BotHarness) -> None:
    user = bot.user("Kofi", language="en")
    reply = await bot.ask(user, "/timezone Atlantis/Lost <city>")
    assert "I don't know the time zone" in reply.text
    assert "Atlantis/Lost_<city>" in reply.text
    reply = await bot.ask(user, "/timezone africa/accra")
    assert "Africa/Accra" in reply.text
    participant = await bot.runtime.participants.get(user.id)
    assert participant is not None and participant.timezone == "Africa/Accra"


async def test_timezone_buttons(bot: BotHarness) -> None:
    user = bot.user("Lucía", language="es")
    reply = await bot.ask(user, "/timezone")
    assert "Europe/Berlin" in reply.text
    await user.click("America/Bogota")
    done = await user.next_message()
    assert "America/Bogota" in done.text and done.text.startswith("Listo")


async def test_privacy_explains_what_is_stored(bot: BotHarness) -> None:
    user = bot.user("Ada", language="en")
    reply = await bot.ask(user, "/privacy")
    assert "What I store about you, and why" in reply.text


async def test_group_commands_must_be_addressed(make_bot: MakeBot) -> None:
    bot = await make_bot()
    group = bot.fake.add_group("Community")
    user = bot.user("Ada")
    await user.join(group)
    reply = await bot.ask_in_group(user, group, ["/help"], "help")
    assert "What I can do" in reply.text


@pytest.mark.parametrize("command", ["mydata", "profile"])
async def test_a_private_command_addressed_in_the_group_points_to_the_private_chat(
    make_bot: MakeBot, command: str
) -> None:
    bot = await make_bot()
    group = bot.fake.add_group("Community")
    user = bot.user("Ada", language="de")
    await user.join(group)
    hint = await bot.ask_in_group(user, group, [f"/{command}"], command)
    assert hint.text == "Das geht in unserem privaten Chat weiter."
    assert dict(hint.buttons[0]) == {"Im Bot öffnen": f"https://t.me/{bot.fake.bot_username}"}
    await user.send(f"/nonsense@{bot.fake.bot_username}", chat=group)
    await bot.settle()
    assert len(group.bot_messages) == 1  # an unknown command stays unanswered
    assert user.inbox == []  # nothing of theirs was sent anywhere


async def test_crashing_handler_leaves_the_bot_answering(bot: BotHarness) -> None:
    async def explode(update: Update, context: object) -> None:
        raise RuntimeError("boom")

    # First in group 0, ahead of the fallback that answers unknown commands.
    bot.application.handlers[0].insert(0, CommandHandler("explode", explode))
    user = bot.user("Ada")
    apology = await bot.ask(user, "/explode")
    assert "something went wrong" in apology.text
    reply = await bot.ask(user, "/help")
    assert "What I can do" in reply.text


async def test_blocking_marks_the_participant_and_start_brings_them_back(
    bot: BotHarness,
) -> None:
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    user.block()
    await bot.settle()
    participant = await bot.runtime.participants.get(user.id)
    assert participant is not None and participant.is_blocked
    user.unblock()
    await bot.ask(user, "/start")
    participant = await bot.runtime.participants.get(user.id)
    assert participant is not None and not participant.is_blocked


async def test_flooding_user_is_slowed_and_others_still_answered(bot: BotHarness) -> None:
    spammer = bot.user("Spam")
    other = bot.user("Calm")
    for _ in range(30):
        await spammer.send("/help")
    reply = await bot.ask(other, "/help")
    assert "What I can do" in reply.text
    await bot.settle()
    texts = [m.text for m in spammer.inbox]
    assert texts.count("You are sending too fast; I'll answer again shortly.") == 1
    assert len(texts) == 21


def wall_clock_follows_pacing(
    bot: BotHarness, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Let the bot's wall clock pass as the pace clock does (in production both are real time)."""
    pace = bot.pace
    advance_to = pace.advance_to

    def advance_both(moment: float) -> None:
        before = pace.now()
        advance_to(moment)
        clock.advance(seconds=pace.now() - before)

    monkeypatch.setattr(pace, "advance_to", advance_both)


async def test_a_burst_is_cut_at_the_flood_limit_while_its_replies_are_paced(
    bot: BotHarness, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spammer = bot.user("Spam")
    other = bot.user("Calm")
    await bot.ask(other, "/start")
    wall_clock_follows_pacing(bot, clock, monkeypatch)
    for _ in range(60):
        await spammer.send("/next")
    asked_at = bot.pace.now()
    reply = await bot.ask(other, "/help")
    assert "What I can do" in reply.text
    assert bot.fake.calls_to("sendMessage")[-1].paced_at - asked_at < 2
    await bot.settle(timeout=30)
    texts = [m.text for m in spammer.inbox]
    # Counted as it arrived: 20 answered (at one a second), the rest refused with one warning.
    assert texts.count("You are sending too fast; I'll answer again shortly.") == 1
    assert len(texts) == 21
    assert not refused(bot.fake)


async def test_presses_past_the_flood_limit_are_answered_and_normal_pressing_is_not(
    bot: BotHarness,
) -> None:
    user = bot.user("Ada")
    greeting = await bot.ask(user, "/start")
    presses = [await user.click("Deutsch", greeting) for _ in range(5)]
    await bot.settle()
    assert all(p.answered and p.text != TOO_FAST for p in presses)
    presses = [await user.click("English", greeting) for _ in range(30)]
    await bot.settle()
    assert all(p.answered for p in presses)
    assert sum(p.text == TOO_FAST for p in presses) >= 10


async def test_command_menus_registered_per_language(bot: BotHarness) -> None:
    scopes = {key for key in bot.fake.commands}
    assert any(lang == "de" for _, lang in scopes)
    german = next(v for (scope, lang), v in bot.fake.commands.items() if lang == "de")
    assert {"command": "language", "description": "Sprache wählen"} in german


async def test_crash_is_reported_to_the_modlog_chat_once_an_hour_without_user_data(
    make_bot: MakeBot, clock: TestClock
) -> None:
    bot = await make_bot(chats={"modlog": -1009999})
    modlog = bot.fake.add_group("Modlog", chat_id=-1009999)
    bot.fake.set_bot_admin(modlog)

    async def explode(update: Update, context: object) -> None:
        text = update.message.text if update.message else ""
        raise RuntimeError(f"boom <&> {text} {TEST_TOKEN}")

    # First in group 0, ahead of the fallback that answers unknown commands.
    bot.application.handlers[0].insert(0, CommandHandler("explode", explode))
    user = bot.user("Ada", username="ada_secret")
    for _ in range(3):
        apology = await bot.ask(user, "/explode my private note")
        assert "something went wrong" in (apology.text or "")
        await bot.settle()  # the report follows the apology
        clock.advance(minutes=5)
    report = await modlog.next_message()
    assert "builtins.RuntimeError" in (report.text or "") and "explode" in (report.text or "")
    clock.advance(hours=1)
    await bot.ask(user, "/explode again")
    second = await modlog.next_message()
    assert "It also happened 2 more times in the last hour." in (second.text or "")
    assert len(modlog.bot_messages) == 2
    for message in modlog.bot_messages:
        text = message.text or ""
        for secret in ("private note", "boom", TEST_TOKEN, str(user.id), "ada_secret", "Ada"):
            assert secret not in text


async def test_network_errors_never_log_the_token(bot: BotHarness) -> None:
    user = bot.user("Ada")
    bot.fake.drop_connection("sendMessage")
    apology = await bot.ask(user, "/help")
    assert "something went wrong" in apology.text
    reply = await bot.ask(user, "/help")
    assert "What I can do" in reply.text
    # the make_bot fixture asserts at teardown that no captured record holds the token


async def test_a_reply_refused_by_a_server_error_is_sent_again(bot: BotHarness) -> None:
    user = bot.user("Ada")
    bot.fake.bad_gateway("sendMessage")
    reply = await bot.ask(user, "/help")
    bot.fake.fail("sendMessage", times=2)
    second = await bot.ask(user, "/help")
    assert "What I can do" in reply.text and second.text == reply.text
    assert len(bot.fake.calls_to("sendMessage")) == 5
    assert [m.text for m in user.chat.bot_messages] == [reply.text, reply.text]
    # the make_bot fixture asserts at teardown that no captured record holds the token


async def test_staff_menus_include_their_commands(make_bot: MakeBot) -> None:
    bot = await make_bot(organisers=[4242])
    scopes = [scope for scope, _ in bot.fake.commands]
    assert any("4242" in str(scope) for scope in scopes)


async def test_unknown_command_and_non_text_get_a_hint(bot: BotHarness) -> None:
    user = bot.user("Ngozi", language="fr")
    reply = await bot.ask(user, "/frobnicate <now>")
    assert reply.text.startswith("Je ne connais pas la commande /frobnicate")
    sticker = {
        "file_id": "sticker-1",
        "file_unique_id": "u-sticker-1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    message = user.chat.add_message(user, extra={"sticker": sticker})
    bot.fake.inject_update({"message": message.to_api()})
    hint = await user.next_message()
    assert hint.text.startswith("Je ne lis que du texte")
    reply = await bot.ask(user, "/help")
    assert "Ce que je sais faire" in reply.text


async def test_group_and_admin_menus_hold_the_group_commands(make_bot: MakeBot) -> None:
    bot = await make_bot(chats={"community": -1001234})
    menus = {
        (scope, lang): [c["command"] for c in cmds]
        for (scope, lang), cmds in bot.fake.commands.items()
    }
    group = next(
        v for (scope, lang), v in menus.items() if "all_group_chats" in scope and lang == "de"
    )
    admins = next(
        v for (scope, lang), v in menus.items() if "chat_administrators" in scope and lang == "de"
    )
    assert "rules" in group and "warn" not in group and "timezone" not in group
    assert "warn" in admins and "ban" in admins
