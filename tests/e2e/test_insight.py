"""Organisers' insight end to end: /stats, its charts, the exports and the PDF report.

The bot runs against the fake with a seeded forum (``tests/insight_support.py``: 300
participants across regions, subscriptions, announcements, introductions, moderation and
group activity); every number the organiser receives is checked against the seed's plan, and
charts through the data each PNG carries.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader

from bot.i18n import translator
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness
from tests.fakeapi import FakeTelegram, SimChat, SimMessage, SimUser
from tests.fakeapi.world import Member
from tests.insight_support import COMMUNITY, FIRST_USER, NOW, Plan, seed_forum

ORGANISER = 4242


@dataclass
class Forum:
    bot: BotHarness
    plan: Plan
    organiser: SimUser
    group: SimChat

    async def press(self, label: str, message: SimMessage | None = None) -> None:
        await self.organiser.click(label, message)
        await self.bot.settle()

    async def command(self, text: str) -> SimMessage:
        await self.organiser.send(text)
        await self.bot.settle()
        return self.organiser.last_message


@pytest.fixture
async def forum(make_bot: MakeBot, fake: FakeTelegram) -> Forum:
    group = fake.add_group("Community", chat_id=COMMUNITY)
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    bot = await make_bot(organisers=[ORGANISER], chats={"community": COMMUNITY})
    bot.clock.set(NOW)
    plan = await seed_forum(bot.runtime.db)
    organiser = bot.user("Olga", user_id=ORGANISER, language="en")
    return Forum(bot, plan, organiser, group)


def chart_data(fake: FakeTelegram, message: SimMessage) -> dict[str, Any]:
    """Return the data a chart photo was drawn from (its PNG's Description)."""
    file_id = message.media["photo"][0]["file_id"]
    image = Image.open(io.BytesIO(fake.files[file_id].data))
    assert image.format == "PNG" and image.width <= 1280
    data: dict[str, Any] = json.loads(image.info["Description"])
    return data


def texts(data: dict[str, Any], series: int = 0) -> dict[str, str]:
    return dict(zip(data["labels"], data["texts"][series], strict=True))


def document(message: SimMessage) -> tuple[str, bytes]:
    assert message.document is not None, message
    return message.document


async def test_a_participant_gets_only_organisers(forum: Forum) -> None:
    guest = forum.bot.user("Gus", language="en")
    for command in ("/stats", "/stats report", "/export programme"):
        answer = await forum.bot.ask(guest, command)
        assert answer.text.startswith("Only organisers"), answer.text
    stats = await forum.command("/stats")
    callback = await guest.click_data(stats, stats.buttons[0][0][1])
    await forum.bot.settle()
    assert callback.answered and (callback.text or "").startswith("Only organisers")
    assert all(m.document is None and not m.media for m in guest.inbox)


async def test_stats_shows_every_figure_with_small_counts_suppressed(forum: Forum) -> None:
    plan = forum.plan
    text = (await forum.command("/stats")).text or ""
    everyone = plan.participants + 1  # the organiser has talked to the bot too
    assert f"Participants: {everyone}" in text
    assert f"Active in the last 24 hours: {plan.active_24h + 1}" in text
    assert "English 124 · Deutsch 80 · Español 50 · Français 30 · Português 17" in text
    assert "Other regions < 5" in text
    assert f"Agenda subscriptions: {sum(plan.subscribers.values())}" in text
    assert f"Reminders sent: {plan.reminders_sent}" in text
    assert "Sessions with more subscribers than seats: 2" in text
    assert "#4 Workshop: E-procurement platforms in practice: 45 for 40 seats" in text
    assert "#5 Workshop: Sustainability criteria in tenders — < 5" in text
    assert "#1 to everyone: 250 delivered, 6 blocked, < 5 failed" in text
    assert f"Introduction requests: {plan.requests}" in text
    assert f"Accepted: {plan.accepted}" in text
    assert "Accepted introductions between different regions: 85%" in text  # 34 of 40
    assert "Newcomers verified: 25" in text and "Bans: < 5" in text
    assert f"Mutes: {plan.mutes + plan.flood_mutes}" in text
    assert f"Messages in the group: {sum(plan.messages_per_day.values())}" in text
    assert len(text) <= 4096


async def test_section_buttons_send_charts_drawn_from_the_figures(forum: Forum) -> None:
    fake, plan = forum.bot.fake, forum.plan
    stats = await forum.command("/stats")
    before = len(forum.organiser.inbox)
    await forum.press("📊 Participants", stats)
    album = forum.organiser.inbox[before:]
    assert [m.caption for m in album] == [
        "Participants who started, per day",
        "Participants by language",
        "Participants by region",
        "Participants by time zone",
    ]
    assert len({m.extra["media_group_id"] for m in album}) == 1
    started, languages, regions, zones = (chart_data(fake, m) for m in album)
    assert texts(started) == {"13 Mar": "100", "14 Mar": "120", "15 Mar": "80", "16 Mar": "< 5"}
    assert started["values"][0][-1] is None  # drawn to the threshold, not to the count
    assert texts(languages)["English"] == "124"
    assert texts(regions) == {
        "No profile yet": str(plan.regions[None] + 1),
        "Europe": "90",
        "Sub-Saharan Africa": "60",
        "Latin America and the Caribbean": "47",
        "Other regions": "< 5",
    }
    assert texts(zones)["Africa/Nairobi"] == "< 5"
    assert texts(zones)["The event's zone (not chosen)"] == str(plan.zones[None] + 1)

    before = len(forum.organiser.inbox)
    await forum.press("📊 The network", stats)
    funnel, matrix = (chart_data(fake, m) for m in forum.organiser.inbox[before:])
    assert texts(funnel)["Accepted"] == str(plan.accepted)
    assert matrix["kind"] == "heatmap"
    europe, africa, latam = 0, 1, 2
    assert matrix["texts"][africa][europe] == "20" and matrix["texts"][europe][africa] == ""
    assert matrix["texts"][latam][africa] == "< 5" and matrix["values"][latam][africa] is None
    assert matrix["texts"][europe][europe] == "6"

    before = len(forum.organiser.inbox)
    await forum.press("📊 Reach", stats)
    (reach,) = forum.organiser.inbox[before:]
    data = chart_data(fake, reach)
    assert data["series"] == ["delivered", "blocked", "failed"]
    assert [row[-1] for row in data["texts"]] == ["78", "0", "< 5"]  # newest last

    before = len(forum.organiser.inbox)
    await forum.press("📊 The programme", stats)
    top, _bottom = (chart_data(fake, m) for m in forum.organiser.inbox[before:])
    assert top["labels"][:2] == [
        "#2 Opening plenary: Public money for a sustaina…",
        "#4 Workshop: E-procurement platforms in practice",
    ]
    assert top["texts"][0][:4] == ["80", "45", "30", "< 5"]
    assert top["marks"][:3] == [300, 40, 24]


async def test_group_messages_are_counted_per_day_without_a_person(forum: Forum) -> None:
    member = forum.bot.user("Mia")
    forum.group.members[member.id] = Member("member")
    other = forum.bot.fake.add_group("Elsewhere")
    other.members[member.id] = Member("member")
    for text in ("hello", "how are you", "see you"):
        await member.send(text, chat=forum.group)
    await member.send("not counted", chat=other)
    await forum.bot.settle()
    rows = await forum.bot.runtime.db.fetchall("SELECT * FROM group_activity")
    assert {row.keys()[i] for row in rows for i in range(len(row))} == {
        "chat_id",
        "hour",
        "messages",
    }
    text = (await forum.command("/stats")).text or ""
    assert f"Messages in the group: {sum(forum.plan.messages_per_day.values()) + 3}" in text


async def test_exports_as_csv_and_xlsx_hold_the_figures_and_no_personal_data(
    forum: Forum,
) -> None:
    plan = forum.plan
    stats = await forum.command("/stats")
    await forum.press("⬇️ Exports", stats)
    menu = forum.organiser.last_message
    await forum.press("Programme with subscribers · XLSX", menu)
    name, data = document(forum.organiser.last_message)
    assert name == "programme-2027-03-16.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Day", "Start", "End", "No.", "Session", "Room", "Seats", "Subscribers")
    by_number = {row[3]: row for row in rows[1:]}
    assert by_number["2"][7] == 80 and by_number["4"][6] == 40 and by_number["4"][7] == 45
    assert by_number["5"][7] == "< 5" and by_number["1"][7] == 0
    assert len(rows) - 1 == 36

    await forum.press("CSV", menu)  # the first CSV button: the programme
    name, data = document(forum.organiser.last_message)
    assert name == "programme-2027-03-16.csv" and data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][7] == "Subscribers" and {r[3]: r[7] for r in table[1:]}["5"] == "< 5"

    announcements = await _csv(forum, "/export announcements csv")
    assert [r[0] for r in announcements[1:]] == ["1", "2"]  # the draft is not there
    first = dict(zip(announcements[0], announcements[1], strict=True))
    assert first["Audience"] == "everyone" and first["Delivered"] == "250"
    assert first["Failed"] == "< 5" and first["Blocked"] == "6"
    assert first["Text"] == "Welcome to the forum & announcement 1"

    introductions = await _csv(forum, "/export introductions csv")
    assert introductions[0] == [
        "From region",
        "To region",
        "Requests",
        "Accepted",
        "Declined",
        "Waiting",
    ]
    total = introductions[-1]
    assert total[:2] == ["All regions", "All regions"]
    assert total[2:] == [
        str(plan.requests),
        str(plan.accepted),
        str(plan.declined + plan.blocked),
        str(plan.pending),
    ]
    assert "< 5" in {cell for row in introductions for cell in row}

    await forum.organiser.send("/export directory")
    await forum.bot.settle()
    name, data = document(forum.organiser.last_message)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    directory = list(sheet.iter_rows(values_only=True))
    assert directory[0] == (
        "Code",
        "Name",
        "Role",
        "Organisation",
        "City",
        "Country",
        "Region",
        "Topics",
        "Languages",
        "About",
    )
    assert len(directory) - 1 == plan.listed
    cells = {str(cell) for row in directory for cell in row}
    user_ids = {str(uid) for uid in range(FIRST_USER, FIRST_USER + plan.participants)}
    assert not cells & user_ids, "a Telegram id left the bot"
    assert not any(cell.startswith("P1000") for cell in cells), "a Telegram name left the bot"
    assert '=HYPERLINK("x")' in cells  # kept as text, not run as a formula
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


async def _csv(forum: Forum, command: str) -> list[list[str]]:
    await forum.organiser.send(command)
    await forum.bot.settle()
    _, data = document(forum.organiser.last_message)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


async def test_export_with_a_wrong_name_says_how_and_sends_nothing(forum: Forum) -> None:
    answer = await forum.command("/export everything")
    assert "programme, announcements, introductions or directory" in (answer.text or "")
    assert all(m.document is None for m in forum.organiser.inbox)


async def test_the_report_is_a_pdf_with_every_section_in_the_organisers_language(
    forum: Forum,
) -> None:
    german = forum.bot.user("Greta", user_id=ORGANISER, language="de")
    await german.send("/stats report")
    await forum.bot.settle()
    name, data = document(german.last_message)
    assert name == "report-2027-03-16.pdf" and data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    tr = translator("de")
    for title in (
        "Participants",
        "The programme",
        "Reach",
        "The network",
        "The community group",
        "Forum report",
    ):
        assert tr(title) in text, title
    assert "Bonn Forum <Test> & Friends" in text
    # A table per day of the programme, with the subscribers.
    for day in ("16. März 2027", "17. März 2027", "18. März 2027"):
        assert day in text
    assert "E-procurement platforms in practice" in text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == [
        tr(t) for t in ("Participants", "The programme", "Reach", "The network")
    ] + [tr("The community group")]


async def test_a_newcomer_who_agrees_counts_as_verified(forum: Forum) -> None:
    newcomer = forum.bot.user("Nia")
    await newcomer.join(forum.group)
    await forum.bot.settle()
    await newcomer.click("I agree", forum.group.bot_messages[-1])
    await forum.bot.settle()
    text = (await forum.command("/stats")).text or ""
    assert f"Newcomers verified: {forum.plan.verified + 1}" in text
