"""End to end: feedback prompts and ratings, results for organisers, the survey and the last day.

The three parallel workshops 4, 5 and 6 of the example programme end at 13:00 Bonn on 16 March
2027 (12:00 UTC); the forum's last day is 18 March. Ana reads German, Bruno Portuguese, Olga
organises in English.
"""

from __future__ import annotations

import csv
import io
import json
import struct
from typing import Any

import pytest

from bot.feedback.render import CHART_KEY
from bot.i18n import translator
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import Cast, TestClock, at
from tests.fakeapi import FakeTelegram, SimMessage, SimUser


class World(Cast):
    """The bot and the people of these tests, with the steps they take."""

    async def dispatch(self) -> Any:
        """Run the periodic dispatch once, as the job would, and settle."""
        runtime = self.bot.runtime
        report = await runtime.feedback_dispatch.run()
        await runtime.after_forum_sender.run()
        await self.bot.settle()
        return report

    async def replies(self, user: SimUser, text: str, count: int) -> list[SimMessage]:
        """Send text and wait for the bot's next ``count`` messages to the user."""
        before = len(user.inbox)
        await user.send(text)
        return [await user.chat.wait_bot_message(before + n, 15) for n in range(count)]

    async def value(self, sql: str, *params: Any) -> Any:
        """Read one value from the bot's database."""
        return await self.bot.runtime.db.fetchval(sql, params)


@pytest.fixture
async def world(fake: FakeTelegram, make_bot: MakeBot, clock: TestClock) -> World:
    clock.set(at(2027, 3, 16, 8))  # 09:00 in Bonn, before the workshops
    ana = fake.add_user("Ana", language_code="de")
    bruno = fake.add_user("Bruno", language_code="pt")
    carla = fake.add_user("Carla")
    olga = fake.add_user("Olga")
    bot = await make_bot(
        organisers=[olga.id],
        settings={
            "privacy": {"purge_after_days": 1},
        },
    )
    world = World(fake, bot, clock, ana, bruno, carla, olga)
    await world.start_all()
    return world


def chart_data(png: bytes) -> dict[str, Any]:
    """Return the data stored in the chart's PNG text chunk (after checking it is a PNG)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    at_ = 8
    while at_ < len(png):
        (length,) = struct.unpack(">I", png[at_ : at_ + 4])
        kind = png[at_ + 4 : at_ + 8]
        body = png[at_ + 8 : at_ + 8 + length]
        if kind == b"iTXt" and body.startswith(CHART_KEY.encode() + b"\0"):
            text = body.split(b"\0", 5)[-1]
            data: dict[str, Any] = json.loads(text.decode("utf-8"))
            return data
        at_ += 12 + length
    raise AssertionError("the chart carries no data")


async def test_three_sessions_ending_together_make_one_prompt_and_a_rating_is_anonymous(
    world: World,
) -> None:
    ana = world.ana
    for number in ("4", "5", "6"):
        await world.send(ana, f"/remind {number}")
    world.clock.set(at(2027, 3, 16, 12, 11))  # 13:11 in Bonn, ten minutes after they ended
    report = await world.dispatch()
    assert report.prompts == 1
    prompt = ana.last_message
    assert prompt.text == translator("de")(
        "How were these sessions? Choose one to rate it; your ratings are anonymous."
    ) + "\n\n" + "\n".join(f"• {line}" for line in prompt.text.split("\n• ")[1:])
    assert len(prompt.button_labels) == 3
    before = len(ana.inbox)
    await world.dispatch()
    assert len(ana.inbox) == before, "a prompt went out twice"
    await world.press(ana, prompt.button_labels[0], prompt)
    card = ana.last_message
    await world.press(ana, "4 ⭐", card)
    assert "★★★★☆" in (card.text or "")
    await world.send(ana, "Sehr praxisnah, danke!")
    assert ana.last_message.text is not None and "★★★★☆" in ana.last_message.text
    rows = await world.bot.runtime.db.fetchall(
        "SELECT rating, comment, language, named_user_id, named_as FROM feedback_ratings"
    )
    assert [tuple(row) for row in rows] == [(4, "Sehr praxisnah, danke!", "de", None, None)]
    assert await world.value("SELECT COUNT(*) FROM feedback_drafts") == 0
    assert await world.value("SELECT COUNT(*) FROM feedback_given WHERE user_id = ?", ana.id) == 1
    # Rating the same session again is refused.
    again = await ana.click_data(card, card.buttons[0][0][1] if card.buttons else "fbo:4")
    await world.bot.settle()
    assert again.answered


async def test_named_rating_from_a_card_and_organiser_results_chart_and_csv(
    world: World,
) -> None:
    ana, bruno, olga = world.ana, world.bruno, world.olga
    world.clock.set(at(2027, 3, 16, 12, 30))
    card = await world.send(bruno, "/session 4")
    await world.click(bruno, "⭐ Rate this session", card)
    rating = bruno.last_message
    await world.press(bruno, "5 ⭐", rating)
    await world.click(bruno, "🕶 Anonymous · show my name", rating)
    await world.click(bruno, "Skip", rating)
    assert await world.value("SELECT named_as FROM feedback_ratings") == "Bruno"
    await world.send(ana, "/rate 4")
    await world.press(ana, "2 ⭐", ana.last_message)
    await world.send(ana, "Zu kurz — mehr Zeit für Fragen, bitte.")
    # The organiser's results: text, then the chart.
    text, photo = await world.replies(olga, "/feedback", 2)
    assert "2 ratings of 1 sessions" in (text.text or "")
    assert photo.media.get("photo")
    png = world.fake.calls_to("sendPhoto")[-1].files["photo"]
    data = chart_data(png)
    assert data["distribution"] == [[0, 1, 0, 0, 1]]
    assert data["sessions"][0].startswith("Workshop: E-procurement")
    one = (await world.replies(olga, "/feedback 4", 2))[0].text or ""
    assert "[de]" in one and "Zu kurz" in one and "Bruno" in one
    # The CSV: UTF-8 with a BOM, one row per answer, no names.
    await world.send(olga, "/feedback export")
    document = olga.last_message.document
    assert document is not None and document[1].startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(document[1].decode("utf-8-sig"))))
    assert rows[0][:5] == ["kind", "session", "session_title", "question", "answer"]
    assert sorted(row[4] for row in rows[1:]) == ["2", "5"]
    assert "Zu kurz — mehr Zeit für Fragen, bitte." in [row[5] for row in rows]
    assert not any("Bruno" in cell for row in rows for cell in row)
    refused = await world.send(bruno, "/feedback")
    assert refused.text == translator("pt")("Only the organisers can see the feedback.")


async def test_after_the_forum_contacts_survey_reminder_once_and_staying_past_the_purge(
    world: World,
) -> None:
    ana, bruno, carla = world.ana, world.bruno, world.carla
    db = world.bot.runtime.db
    await db.execute(
        "INSERT INTO intro_requests (requester_id, target_id, note, status, created_at)"
        " VALUES (?, ?, 'hi', 'accepted', '2027-03-16T10:00:00+00:00')",
        (ana.id, bruno.id),
    )
    world.clock.set(at(2027, 3, 18, 14, 59))  # 15:59 on the last day: not yet
    await world.dispatch()
    assert "After the forum" not in (ana.last_message.text or "")
    world.clock.set(at(2027, 3, 18, 15, 0))  # 16:00 in Bonn
    await world.dispatch()
    message = ana.last_message
    assert translator("de")("🌱 <b>After the forum</b>").replace("<b>", "").replace(
        "</b>", ""
    ) in (message.text or "")
    assert "Bruno" in (message.text or "")
    assert await world.value("SELECT COUNT(*) FROM afterforum_sends") == 4
    # Ana takes the survey; Bruno and Carla do not.
    await world.click(ana, "📝 Take the survey", message)
    await world.press(ana, "4 ⭐", ana.last_message)
    await world.press(ana, ana.last_message.button_labels[0], ana.last_message)
    await world.send(ana, "Mehr Zeit für den Austausch")
    assert ana.last_message.text == translator("de")(
        "Thank you for taking the survey! Your answers are saved anonymously."
    )
    assert await world.value("SELECT COUNT(*) FROM survey_responses") == 1
    assert await world.value("SELECT COUNT(*) FROM survey_drafts") == 0
    counts = {user.id: len(user.inbox) for user in (ana, bruno, carla)}
    world.clock.set(at(2027, 3, 19, 11, 0))  # 20 hours later
    await world.dispatch()
    await world.dispatch()
    assert len(ana.inbox) == counts[ana.id]
    for user in (bruno, carla):
        assert len(user.inbox) == counts[user.id] + 1
        assert (
            "survey" in (user.last_message.text or "").lower()
            or "pesquisa" in (user.last_message.text or "").lower()
        )
    # Bruno stays for the next forum; the purge keeps him and forgets the others.
    await world.click(bruno, "🤝 Yes, keep me in the community", message=bruno.inbox[-2])
    assert await world.value("SELECT staying FROM community_stay WHERE user_id = ?", bruno.id)
    status = await world.send(bruno, "/stay")
    assert "2027-03-19" in (status.text or "")
    world.clock.set(at(2027, 3, 20, 1, 0))
    purged = await world.bot.runtime.privacy.purge_if_due()
    assert purged == 3
    assert await world.value("SELECT COUNT(*) FROM participants WHERE user_id = ?", bruno.id) == 1
    assert await world.value("SELECT COUNT(*) FROM participants WHERE user_id = ?", ana.id) == 0
    # The survey answers outlive the purge: they are anonymous.
    assert await world.value("SELECT COUNT(*) FROM survey_answers") == 3


async def test_survey_results_for_organisers(world: World) -> None:
    ana, olga = world.ana, world.olga
    world.clock.set(at(2027, 3, 18, 16, 0))
    refused = await world.send(ana, "/feedback survey")
    assert refused.text == translator("de")("Only the organisers can see the feedback.")
    survey = await world.send(ana, "/survey")
    await world.press(ana, "5 ⭐", survey)
    await world.press(ana, ana.last_message.button_labels[1], ana.last_message)
    await world.click(ana, "Skip", ana.last_message)
    results = await world.send(olga, "/feedback survey")
    assert "1 responses" in (results.text or "")
    assert "Workshops: 1" in (results.text or "")


async def test_who_stays_gets_one_meet_suggestion_a_month_and_can_leave(world: World) -> None:
    ana, bruno = world.ana, world.bruno
    db = world.bot.runtime.db
    now = "2027-03-16T08:00:00+00:00"
    for user, country, region in ((ana, "KE", "africa"), (bruno, "BR", "latam")):
        await db.execute(
            "INSERT INTO profiles (user_id, token, display_name, country, region, topics,"
            " languages, listed, accepts_intros, meet_opt_in, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ',e-procurement,', ',en,', 1, 1, 1, ?, ?)",
            (user.id, f"{user.id:016x}", user.first_name + " X", country, region, now, now),
        )
    world.clock.set(at(2027, 3, 18, 16, 0))
    status = await world.send(bruno, "/stay")
    await world.click(bruno, "🤝 Yes, keep me in the community", status)
    await world.click(bruno, "🗓 Suggest someone to meet each month", bruno.last_message)
    assert "/meet" in (bruno.last_message.text or "")
    world.clock.set(at(2027, 4, 1, 9, 0))  # 11:00 in Bonn on the 1st
    await world.dispatch()
    suggestion = bruno.last_message
    assert "Ana X" in (suggestion.text or "")
    assert suggestion.text is not None and suggestion.text.startswith("🗓")
    await world.dispatch()
    assert bruno.last_message is suggestion  # once a month
    status = await world.send(bruno, "/stay")
    await world.click(bruno, "Leave the community", status)
    assert await world.value("SELECT staying FROM community_stay WHERE user_id = ?", bruno.id) == 0
