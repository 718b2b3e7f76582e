"""End to end: profiles, the directory, introductions, /meet, self-introductions and privacy,
driven through the real Application and the fake Bot API by simulated users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from storage.database import Database
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, Story, seen_as
from tests.fakeapi import FakeTelegram, SimChat, SimUser


@dataclass
class World(Story):
    """The fake server, the running bot, and the people and chats of a test."""

    fake: FakeTelegram
    bot: BotHarness
    ana: SimUser  # Kenya, has a username
    bruno: SimUser  # Brazil, speaks Portuguese, no username
    carla: SimUser  # Germany
    mod: SimUser
    community: SimChat
    modlog: SimChat

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the bot's database directly."""
        db = Database(self.bot.config.storage.database)
        await db.open()
        try:
            return [tuple(row) for row in await db.fetchall(sql, params)]
        finally:
            await db.close()


@pytest.fixture
async def world(fake: FakeTelegram, make_bot: MakeBot) -> World:
    ana = fake.add_user("Ana", username="ana_ke")
    bruno = fake.add_user("Bruno", language_code="pt")
    carla = fake.add_user("Carla", username="carla_de")
    mod = fake.add_user("Mo")
    community = fake.add_group("Forum community")
    modlog = fake.add_group("Modlog")
    bot = await make_bot(
        moderators=[mod.id],
        chats={"community": community.id, "modlog": modlog.id},
        extra="[introductions]\nmax_pending_requests = 1\ndecline_cooldown_days = 7\n",
    )
    world = World(fake, bot, ana, bruno, carla, mod, community, modlog)
    await world.send(mod, "/start")
    return world


def no_errors(fake: FakeTelegram, *, restarted: bool = False) -> None:
    """Assert that the fake refused nothing the bot sent."""
    refused = [
        (c.method, c.response)
        for c in fake.calls
        # After a restart the old instance's last long poll is ended with a 409, as for real.
        if c.status != 200 and not (restarted and c.method == "getUpdates" and c.status == 409)
    ]
    assert refused == []
    fake.assert_no_contract_violations()


async def make_profile(
    w: World,
    user: SimUser,
    *,
    name: str,
    country: str,
    topics: tuple[str, ...] = ("e-procurement",),
    languages: str = "English",
    bio: str = "-",
    listed: bool = True,
    intros: bool = True,
) -> None:
    await w.send(user, "/profile")
    for answer in (name, "-", "Nairobi", country, "-"):
        await w.send(user, answer)
    for topic in topics:
        await w.click(user, topic)
    await w.click(user, "Done")
    await w.send(user, languages)
    await w.send(user, bio)
    await w.click(user, "Yes" if listed else "No")
    await w.click(user, "Yes" if intros else "No")
    assert seen_as(user, "Saved.") in (user.last_message.text or "")


async def code_of(w: World, user: SimUser) -> str:
    """Return the code on the user's card (what /intro takes)."""
    (found,) = await w.rows("SELECT token FROM profiles WHERE user_id = ?", user.id)
    return str(found[0])


async def usual_profiles(w: World, *people: SimUser) -> None:
    """Give each their usual profile: Ana from Kenya, Bruno from Brazil, Carla from Germany."""
    countries = {w.ana.id: "Kenya", w.bruno.id: "Brasil", w.carla.id: "Germany"}
    for person in people:
        await make_profile(w, person, name=person.first_name, country=countries[person.id])


async def ask_intro(w: World, asker: SimUser, target: SimUser, message: str) -> None:
    """Have ``asker`` ask to be introduced to ``target`` (by their code) with ``message``."""
    await w.send(asker, f"/intro {await code_of(w, target)}")
    await w.send(asker, message)


def everything_seen_by(user: SimUser) -> str:
    """Return all text and buttons the bot ever sent to the user."""
    parts = []
    for message in user.inbox:
        parts.append(message.html or message.text or "")
        parts.extend(f"{label} {data}" for row in message.buttons for label, data in row)
    return "\n".join(parts)


async def test_profile_with_html_and_emoji_is_validated_and_renders_with_no_400(
    world: World,
) -> None:
    w = world
    await w.send(w.ana, "/profile")
    await w.send(w.ana, 'Ana <b>& 🌍 "Wanjiru"')
    await w.send(w.ana, "Bureau <script> & co")
    await w.send(w.ana, "Nairobi")
    await w.send(w.ana, "Atlantis <b")
    assert "I don't know the country “Atlantis <b”" in (w.ana.last_message.text or "")
    await w.send(w.ana, "Quénia")  # Portuguese for Kenya
    await w.send(w.ana, "Lead <i>analyst</i>")
    await w.click(w.ana, "circular economy")
    await w.click(w.ana, "Done")
    await w.send(w.ana, "English, Kiswahili")
    await w.send(w.ana, "x" * 501)
    assert "keep it to 500" in (w.ana.last_message.text or "")
    await w.send(w.ana, "Procurement 🧾 for <all> & “everyone” — 1 < 2 > 0")
    await w.click(w.ana, "Yes")
    await w.click(w.ana, "No")
    card = w.ana.last_message.text or ""
    assert 'Ana <b>& 🌍 "Wanjiru"' in card and "Kenya — Sub-Saharan Africa" in card
    assert "Procurement 🧾 for <all> & “everyone” — 1 < 2 > 0" in card
    assert "Accepts introduction requests: no" in card
    rows = await w.rows("SELECT country, region, topics, languages FROM profiles")
    assert rows == [("KE", "africa", ",circular-economy,", ",en,sw,")]
    no_errors(w.fake)


async def test_directory_filters_and_pages_without_ids_or_usernames(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya")
    await make_profile(w, w.bruno, name="Bruno", country="Brasil", topics=("SME access",))
    await make_profile(w, w.carla, name="Carla", country="DE", listed=False)
    await w.send(w.mod, "/people")
    listing = w.mod.last_message.text or ""
    assert "Ana" in listing and "Bruno" in listing and "Carla" not in listing
    await w.send(w.mod, "/people Latin America and the Caribbean")
    assert "Bruno" in (w.mod.last_message.text or "")
    assert "Ana" not in (w.mod.last_message.text or "")
    await w.send(w.mod, "/people sme access")
    assert "Bruno" in (w.mod.last_message.text or "")
    await w.send(w.mod, "/people Narnia")
    assert "I found no topic" in (w.mod.last_message.text or "")
    seen = everything_seen_by(w.mod)
    for secret in (str(w.ana.id), str(w.bruno.id), "ana_ke", "carla_de"):
        assert secret not in seen
    no_errors(w.fake)


async def test_directory_pages_with_buttons(world: World) -> None:
    w = world
    db = Database(w.bot.config.storage.database)
    now = w.bot.clock().isoformat()
    await db.open()
    try:
        for n in range(7):
            await db.execute(
                "INSERT INTO participants (user_id, first_name, first_seen, last_seen) "
                "VALUES (?, 'X', ?, ?)",
                (900 + n, now, now),
            )
            await db.execute(
                "INSERT INTO profiles (user_id, token, display_name, country, region, listed, "
                "created_at, updated_at) VALUES (?, ?, ?, 'SN', 'africa', 1, ?, ?)",
                (900 + n, f"{n:016x}", f"Person {n}", now, now),
            )
    finally:
        await db.close()
    await w.send(w.mod, "/people")
    first = w.mod.last_message
    assert "Person 4" in (first.text or "") and "Person 5" not in (first.text or "")
    await w.click(w.mod, "Next ▶")
    assert "Person 5" in (first.text or "") and "Person 6" in (first.text or "")  # edited
    assert "◀ Previous" in first.button_labels and "Next ▶" not in first.button_labels
    no_errors(w.fake)


async def test_introduction_accepted_reveals_contacts_only_then(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana <A&B>", country="Kenya")
    await make_profile(w, w.bruno, name="Bruno", country="Brasil")
    await w.send(w.ana, "/people Brazil")
    await w.click(w.ana, "Introduce me to Bruno")
    await w.send(w.ana, "Olá! I work on <e-procurement> & would love to compare notes 🙂")
    assert "Sent." in (w.ana.last_message.text or "")
    relay = w.bruno.last_message
    shown = everything_seen_by(w.bruno)
    assert "Ana <A&B>" in (relay.text or "") and "compare notes 🙂" in (relay.text or "")
    for secret in (str(w.ana.id), "ana_ke", "tg://user"):
        assert secret not in shown  # nothing identifying before Accept
    assert relay.button_labels == ["Aceitar", "Recusar", "Bloquear e denunciar"]
    await w.click(w.bruno, "Accept", relay)
    assert relay.button_labels == []
    to_bruno = w.bruno.last_message
    to_ana = w.ana.last_message
    assert "https://t.me/ana_ke" in (to_bruno.html or "")
    assert f"tg://user?id={w.bruno.id}" in (to_ana.html or "")  # Bruno has no username
    assert "e-procurement" in (to_ana.text or "")  # the opener names a shared topic
    no_errors(w.fake)


async def test_forged_accept_by_a_third_user_does_nothing(world: World) -> None:
    w = world
    await usual_profiles(w, w.ana, w.bruno, w.carla)
    await ask_intro(w, w.ana, w.bruno, "Hello Bruno")
    relay = w.bruno.last_message
    accept = dict(relay.buttons[0])["Aceitar"]
    carla_seen, ana_seen = len(w.carla.inbox), len(w.ana.inbox)
    forged = await w.click_data(w.carla, w.carla.last_message, accept)
    assert forged.text == "This button is no longer valid."
    assert len(w.carla.inbox) == carla_seen and len(w.ana.inbox) == ana_seen
    assert await w.rows("SELECT status FROM intro_requests") == [("pending",)]
    no_errors(w.fake)


async def test_quotas_pair_and_decline_cooldown(world: World) -> None:
    w = world
    await usual_profiles(w, w.ana, w.bruno, w.carla)
    await ask_intro(w, w.ana, w.bruno, "Hello Bruno")
    await w.send(w.ana, f"/intro {await code_of(w, w.bruno)}")
    assert "already a request" in (w.ana.last_message.text or "")
    await w.send(w.ana, f"/intro {await code_of(w, w.carla)}")
    assert "You have 1 requests waiting" in (w.ana.last_message.text or "")
    carla_seen = len(w.carla.inbox)
    await w.send(w.ana, "/people Germany")
    pressed = await w.click(w.ana, "Introduce me to Carla")
    assert pressed.show_alert and "1 requests waiting" in (pressed.text or "")
    assert len(w.carla.inbox) == carla_seen
    await w.click(w.bruno, "Decline")
    assert "could not be arranged" in (w.ana.last_message.text or "")
    assert "Bruno" not in (w.ana.last_message.text or "")
    await w.send(w.ana, f"/intro {await code_of(w, w.bruno)}")
    assert "ask again after 2027-03-22" in (w.ana.last_message.text or "")
    no_errors(w.fake)


async def test_block_and_report_stops_requests_and_tells_moderators(world: World) -> None:
    w = world
    await usual_profiles(w, w.ana, w.bruno)
    await ask_intro(w, w.ana, w.bruno, "Buy my <crypto> & more")
    await w.click(w.bruno, "Block & report")
    report = w.mod.last_message.text or ""
    assert "reported" in report and str(w.ana.id) in report and "Buy my <crypto>" in report
    assert "Buy my <crypto>" in (w.modlog.bot_messages[-1].text or "")
    assert "could not be arranged" in (w.ana.last_message.text or "")  # not told of the block
    bruno_seen = len(w.bruno.inbox)
    await w.send(w.ana, f"/intro {await code_of(w, w.bruno)}")
    assert "does not take introduction requests" in (w.ana.last_message.text or "")
    assert len(w.bruno.inbox) == bruno_seen
    no_errors(w.fake)


async def test_meet_suggests_across_regions_once(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana", country="Kenya", languages="sw, en")
    await make_profile(w, w.bruno, name="Bruno", country="Brasil", languages="pt, en")
    await make_profile(w, w.carla, name="Carla", country="Uganda", languages="en")
    await w.send(w.bruno, "/meet")
    await w.click(w.bruno, "Yes, suggest people")
    await w.send(w.ana, "/meet")
    await w.click(w.ana, "Yes, suggest people")
    assert "Bruno" in (w.ana.last_message.text or "")  # Carla is in Ana's region, not opted in
    await w.send(w.ana, "/meet")
    assert "no new suggestion" in (w.ana.last_message.text or "")
    no_errors(w.fake)


async def test_self_introduction_after_moderator_approval(world: World) -> None:
    w = world
    await make_profile(w, w.ana, name="Ana & <Co> 🌍", country="Kenya")
    await w.click(w.ana, "Post my card to the community group")
    assert w.community.bot_messages == []
    review = w.mod.last_message
    assert "Ana &amp; &lt;Co&gt; 🌍" in (review.html or "")
    forged = await w.click_data(w.ana, w.ana.last_message, review.buttons[0][0][1])
    assert forged.text == "This button is no longer valid."  # Ana is no moderator
    assert w.community.bot_messages == []
    await w.click(w.mod, "Approve", review)
    posted = w.community.bot_messages[-1].text or ""
    assert "Ana & <Co> 🌍" in posted and str(w.ana.id) not in posted
    assert "posted in the community group" in (w.ana.last_message.text or "")
    card = next(m for m in w.ana.inbox if "Post my card to the community group" in m.button_labels)
    again = await w.click(w.ana, "Post my card to the community group", card)
    assert again.show_alert and "already introduced yourself" in (again.text or "")
    assert len(w.community.bot_messages) == 1 and w.mod.last_message is review
    no_errors(w.fake)


async def test_profile_conversation_continues_after_a_restart(world: World) -> None:
    w = world
    await w.send(w.ana, "/profile")
    await w.send(w.ana, "Ana")
    assert "organisation" in (w.ana.last_message.text or "")
    await w.bot.restart()
    await w.send(w.ana, "Procurement Authority")
    assert "In which city" in (w.ana.last_message.text or "")
    assert await w.rows("SELECT step FROM intro_conversations") == [("city",)]
    no_errors(w.fake, restarted=True)
