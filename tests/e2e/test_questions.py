"""End to end: questions to a session's panel, through the real Application and the fake Bot API.

Session 4 of the example programme (a workshop, 11:30-13:00 Bonn on 16 March 2027, 10:30 UTC)
takes questions from 15 minutes before it starts. Ana writes in English, Bruno in Portuguese,
Carla in German; Olga organises, Hugo hosts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.i18n import translator
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import Cast, TestClock, at
from tests.fakeapi import FakeTelegram, SimChat, SimMessage, SimUser


@dataclass
class World(Cast):
    """The bot and the people of these tests, with Hugo, who hosts, and the community group."""

    hugo: SimUser
    community: SimChat

    async def views_settled(self) -> None:
        """Wait until the live host views are up to date."""
        await self.bot.runtime.questions_telegram.idle()
        await self.bot.settle()


@pytest.fixture
async def world(fake: FakeTelegram, make_bot: MakeBot, clock: TestClock) -> World:
    clock.set(at(2027, 3, 16, 10, 20))  # 11:20 in Bonn: session 4 takes questions from 11:15
    ana = fake.add_user("Ana", last_name="Silva", username="ana_ke")
    bruno = fake.add_user("Bruno", language_code="pt")
    carla = fake.add_user("Carla", language_code="de")
    olga = fake.add_user("Olga")
    hugo = fake.add_user("Hugo", username="hugo_host")
    community = fake.add_group("Forum community")
    bot = await make_bot(
        organisers=[olga.id],
        chats={"community": community.id},
        settings={"questions": {"host_view_seconds": 0.05, "post_top_to_group": 2}},
    )
    world = World(fake, bot, clock, ana, bruno, carla, olga, hugo, community)
    await world.start_all()
    await world.send(hugo, "/start")
    return world


def every_text(fake: FakeTelegram, *, except_to: SimUser) -> list[str]:
    """Return every text and caption the bot sent or edited, in any chat but one person's."""
    texts = []
    for call in fake.calls:
        if str(call.params.get("chat_id")) == str(except_to.id):
            continue
        for key in ("text", "caption"):
            value = call.params.get(key)
            if isinstance(value, str):
                texts.append(value)
    return texts


async def ask_from_card(world: World, user: SimUser, text: str, *, anonymous: bool) -> SimMessage:
    """Open session 4's card, press Ask, type the question and sign it."""
    card = await world.send(user, "/session 4")
    await world.click(user, "❓ Ask a question", card)
    await world.send(user, text)
    choice = user.last_message
    tr = translator(user.language_code or "en")
    labels = [label for label in choice.button_labels]
    wanted = labels[1] if anonymous else labels[0]
    assert wanted.startswith("🕶") if anonymous else wanted.startswith("✍️")
    await world.press(user, wanted, choice)
    confirmation = user.last_message
    assert tr("Signed: {who}").split("{")[0] in (confirmation.text or "")
    return confirmation


async def test_anonymous_question_is_ranked_voted_once_and_never_shows_its_asker(
    world: World,
) -> None:
    ana, bruno, olga = world.ana, world.bruno, world.olga
    await ask_from_card(world, ana, "How do small towns start with e-procurement?", anonymous=True)
    listing = await world.send(bruno, "/questions 4")
    assert "How do small towns start with e-procurement?" in (listing.text or "")
    # Portuguese, and signed only by region (Ana has no profile: "a participant").
    assert translator("pt")("a participant") in (listing.text or "")
    vote = translator("pt")("👍 +1 · #{number}").format(number=1)
    await world.press(bruno, vote, listing)
    # The same (now stale) button pressed again: the vote still counts once.
    await bruno.click_data(listing, "qv:1:1:0")
    await world.bot.settle()
    rows = await world.bot.runtime.db.fetchall("SELECT user_id FROM question_votes")
    assert [row[0] for row in rows] == [bruno.id]
    assert "👍 1" in (bruno.last_message.text or listing.text or "")
    # The host view, for the organiser: the question, and no asker.
    host_view = await world.send(olga, "/questions 4")
    assert "Host view" in (host_view.text or "")
    assert "How do small towns" in (host_view.text or "")
    await world.views_settled()
    seen_by_others = every_text(world.fake, except_to=ana)
    assert seen_by_others and not any("Ana" in text or "Silva" in text for text in seen_by_others)


async def test_answered_press_tells_the_asker_and_a_forged_one_does_nothing(world: World) -> None:
    ana, bruno, olga = world.ana, world.bruno, world.olga
    await ask_from_card(world, ana, "Which tools are free?", anonymous=False)
    listing = await world.send(bruno, "/questions 4")
    # A participant forges the host's Answered button: refused, nothing changes.
    forged = await bruno.click_data(listing, "qh:1:a")
    await world.bot.settle()
    assert forged.answered and forged.text == translator("pt")("This button is no longer valid.")
    status = await world.bot.runtime.db.fetchval("SELECT status FROM questions")
    assert status == "open"
    host_view = await world.send(olga, "/questions 4")
    await world.press(olga, "✅ #1", host_view)
    assert await world.bot.runtime.db.fetchval("SELECT status FROM questions") == "answered"
    notice = ana.last_message
    assert "was answered" in (notice.text or "") and "Which tools are free?" in (notice.text or "")
    await world.views_settled()
    assert "✅ Answered: #1" in (host_view.text or "")


async def test_hidden_question_vanishes_from_every_view(world: World) -> None:
    ana, bruno, carla, olga = world.ana, world.bruno, world.carla, world.olga
    await ask_from_card(world, ana, "Kept question?", anonymous=False)
    await ask_from_card(world, carla, "Spam spam spam", anonymous=False)
    host_view = await world.send(olga, "/questions 4")
    bruno_view = await world.send(bruno, "/questions 4")
    assert "Spam spam spam" in (bruno_view.text or "")
    await world.press(olga, "🙈 #2", host_view)
    await world.views_settled()
    assert "Spam spam spam" not in (host_view.text or "")
    assert "1 hidden" in (host_view.text or "")
    refreshed = await world.send(bruno, "/questions 4")
    assert "Spam spam spam" not in (refreshed.text or "")
    assert "Kept question?" in (refreshed.text or "")
    # A vote for the hidden question is refused.
    refused = await bruno.click_data(refreshed, "qv:2:1:0")
    await world.bot.settle()
    assert refused.show_alert


async def test_host_assigned_by_reply_name_gets_a_live_view(world: World) -> None:
    olga, hugo, ana = world.olga, world.hugo, world.ana
    answer = await world.send(olga, "/host 4 @hugo_host")
    assert "Hugo" in (answer.text or "") and "hosts" in (answer.text or "")
    invitation = hugo.last_message
    await world.click(hugo, "🎤 Host view", invitation)
    host_view = hugo.last_message
    assert "Host view" in (host_view.text or "")
    await ask_from_card(world, ana, "A live one?", anonymous=True)
    await world.views_settled()
    assert "A live one?" in (host_view.text or "")
    # Participants cannot assign hosts.
    refused = await world.send(ana, "/host 4 @hugo_host")
    assert "Only the organisers" in (refused.text or "")


async def test_host_assigned_through_an_awaited_reply(world: World) -> None:
    olga, hugo = world.olga, world.hugo
    prompt = await world.send(olga, "/host 4")
    assert "send their @username" in (prompt.text or "")
    done = await world.send(olga, "@hugo_host")
    assert "Hugo" in (done.text or "")
    rows = await world.bot.runtime.db.fetchall("SELECT user_id FROM session_hosts")
    assert [row[0] for row in rows] == [hugo.id]


async def test_ask_command_and_reply_to_now_message(world: World) -> None:
    ana, carla = world.ana, world.carla
    choice = await world.send(ana, "/ask 4 What does it cost?")
    assert "What does it cost?" in (choice.text or "")
    world.clock.set(at(2027, 3, 16, 11, 0))  # 12:00 in Bonn: session 4 and two more running
    now = await world.send(carla, "/now")
    ask_buttons = [label for label in now.button_labels if label.startswith("❓")]
    assert len(ask_buttons) == 3
    picker = await world.send(carla, "Gibt es Beispiele aus Afrika?", reply_to=now)
    assert picker.text == translator("de")("Which session is your question for?")
    await world.press(carla, picker.button_labels[0], picker)
    assert "Gibt es Beispiele aus Afrika?" in (carla.last_message.text or "")


async def test_asking_before_the_window_is_refused_in_the_readers_language(
    world: World,
) -> None:
    refused = await world.send(world.bruno, "/ask 33 Uma pergunta cedo")
    expected = translator("pt")(
        "Questions to this session open {minutes} minutes before it starts."
    ).format(minutes=15)
    assert refused.text == expected
    too_long = await world.send(world.bruno, "/ask 4 " + "x" * 301)
    assert "301" in (too_long.text or "")
    assert await world.bot.runtime.db.fetchval("SELECT COUNT(*) FROM questions") == 0


async def test_group_reply_is_signed_and_top_questions_are_posted_when_it_ends(
    world: World,
) -> None:
    ana, bruno, community = world.ana, world.bruno, world.community
    for user in (ana, bruno):
        await user.join(community)
    await world.bot.settle()
    world.clock.set(at(2027, 3, 16, 11, 0))
    await ana.send("/now@forum_test_bot", chat=community)
    await world.bot.settle()
    now = community.bot_messages[-1]
    # Only session 4 takes this reply? /now lists three: the group gets the picker.
    await bruno.send("Pergunta do grupo?", chat=community, reply_to=now)
    await world.bot.settle()
    picker = community.bot_messages[-1]
    await world.press(bruno, picker.button_labels[0], picker)
    assert await world.bot.runtime.db.fetchval("SELECT anonymous FROM questions") == 0
    world.clock.set(at(2027, 3, 16, 12, 5))  # after 13:00 in Bonn
    await world.bot.runtime.questions_telegram.post_top_questions()
    await world.bot.settle()
    post = community.bot_messages[-1]
    assert "Pergunta do grupo?" in (post.text or "")


async def test_questions_export_is_a_csv_without_names(world: World) -> None:
    import csv
    import io

    await ask_from_card(world, world.ana, "Ação pública, ¿sí?", anonymous=False)
    await world.send(world.olga, "/questions export")
    document = world.olga.last_message.document
    assert document is not None
    name, data = document
    assert name == "questions.csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "session" and rows[1][-1] == "Ação pública, ¿sí?"
    assert not any("Ana" in cell for row in rows for cell in row)
    refused = await world.send(world.bruno, "/questions export")
    assert refused.document is None


async def test_ask_and_questions_alone_offer_the_sessions_taking_questions_now(
    world: World,
) -> None:
    ana, bruno = world.ana, world.bruno
    offer = await world.send(ana, "/ask")
    assert offer.text == "Which session is your question for?"
    ask = next(label for label in offer.button_labels if "E-procurement platforms" in label)
    assert ask.startswith("❓")
    await world.press(ana, ask, offer)
    assert "E-procurement platforms" in (ana.last_message.text or "")
    pt = translator("pt")
    lists = await world.send(bruno, "/questions")
    assert lists.text == pt("Which session's questions?")
    title = "Plataformas de compras eletrônicas na prática"  # session 4, as Bruno reads it
    await world.press(bruno, next(b for b in lists.button_labels if title in b), lists)
    assert title in (bruno.last_message.text or "")
    world.clock.set(at(2027, 3, 16, 21))  # 22:00 in Bonn: no session takes questions
    assert "No session takes questions right now" in ((await world.send(ana, "/ask")).text or "")
    closed = await world.send(bruno, "/questions")
    assert closed.html == pt(
        "No session takes questions right now. Send /questions and a session number, "
        "e.g. <code>/questions 12</code>."
    )
    assert closed.buttons == []
