"""End to end: /mydata shows a person their own data only, /forget leaves nothing of someone who
used every feature, the bot stores only people who start it, and the purge comes on its day."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import pytest

from bot.i18n import translator
from handlers.privacy import NOTICE_JOB, PURGE_JOB
from storage.privacy import KEPT_BAN
from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock, at
from tests.fakeapi import FakeTelegram, SimChat, SimMessage, SimUser
from tests.fakeapi.world import Member
from tests.privacy_support import declared, traces


@dataclass
class World:
    """The running bot, its community group and modlog, an organiser and a moderator."""

    fake: FakeTelegram
    bot: BotHarness
    clock: TestClock
    group: SimChat
    modlog: SimChat
    organiser: SimUser
    mod: SimUser

    async def send(self, user: SimUser, text: str, chat: SimChat | None = None) -> None:
        """Send text as the user and wait until the bot has handled it."""
        await user.send(text, chat=chat)
        await self.bot.settle()
        self.clock.advance(seconds=2)  # stay under the per-user flood guard

    async def started(self, **usernames: str) -> list[SimUser]:
        """Add people by first name, with their usernames, who each start the bot."""
        people = [self.fake.add_user(name, username=u) for name, u in usernames.items()]
        for user in people:
            await self.send(user, "/start")
        return people

    async def click(self, user: SimUser, label: str, message: SimMessage | None = None) -> Any:
        """Press a button by its English label, as the user sees it, and settle."""
        callback = await user.click(translator(user.language_code or "en")(label), message)
        await self.bot.settle()
        self.clock.advance(seconds=2)
        return callback

    async def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the running bot's database."""
        return [tuple(row) for row in await self.bot.runtime.db.fetchall(sql, params)]

    async def intro(self, asker: SimUser, target: SimUser, note: str | None = None) -> None:
        """Ask to be introduced to ``target`` by the code on their card, then send the note
        the bot asks for (when one is given)."""
        (code,) = await self.rows("SELECT token FROM profiles WHERE user_id = ?", target.id)
        await self.send(asker, f"/intro {code[0]}")
        if note is not None:
            await self.send(asker, note)

    async def my_data(self, user: SimUser) -> dict[str, Any]:
        """Ask for /mydata and return the JSON document the bot sent."""
        await self.send(user, "/mydata")
        document = user.last_message.document
        assert document is not None and document[0] == "my-data.json"
        data: dict[str, Any] = json.loads(document[1])
        return data

    async def profile(
        self, user: SimUser, name: str, *, country: str = "Kenya", listed: bool = True
    ) -> None:
        """Create a profile through the guided conversation."""
        await self.send(user, "/profile")
        for answer in (name, "Procurement Office", "Nairobi", country, "-"):
            await self.send(user, answer)
        await self.click(user, "e-procurement")
        await self.click(user, "Done")
        await self.send(user, "English")
        await self.send(user, "-")
        await self.click(user, "Yes" if listed else "No")
        await self.click(user, "Yes")

    async def announce(self, text: str) -> None:
        """Send an announcement to everyone and wait until it is delivered."""
        await self.send(self.organiser, f"/announce {text}")
        await self.click(self.organiser, "Confirm")
        broadcast = self.bot.runtime.broadcast
        while broadcast._tasks:
            await asyncio.sleep(0.01)
        await self.bot.settle()


@pytest.fixture
async def world(fake: FakeTelegram, clock: TestClock, make_bot: MakeBot) -> World:
    group = fake.add_group("Community")
    modlog = fake.add_group("Modlog", type="group")
    fake.set_bot_admin(group, can_restrict_members=True, can_delete_messages=True)
    organiser = fake.add_user("Olga", user_id=4242)
    mod = fake.add_user("Mona", username="mona_mod", user_id=4343)
    group.members[mod.id] = Member("member")
    bot = await make_bot(
        organisers=[organiser.id],
        moderators=[mod.id],
        chats={"community": group.id, "modlog": modlog.id},
        settings={"telegram": {"set_commands": False}, "announcements": {"check_seconds": 0.05}},
    )
    w = World(fake, bot, clock, group, modlog, organiser, mod)
    for user in (organiser, mod):
        await w.send(user, "/start")
    return w


def no_errors(fake: FakeTelegram) -> None:
    """Assert that the fake refused nothing the bot sent."""
    assert [(c.method, c.response) for c in fake.calls if c.status != 200] == []
    fake.assert_no_contract_violations()


async def test_forget_leaves_nothing_of_someone_who_used_every_feature(world: World) -> None:
    w = world
    lea = w.fake.add_user("Leokadia", last_name="Vasquez-Leaver", username="leokadia_v")
    await w.send(lea, "/start")
    ana, bruno, carla, dara = await w.started(
        Ana="ana_ke", Bruno="bruno_br", Carla="carla_de", Dara="dara_br"
    )
    # In private: settings, agenda, a profile, introductions both ways, /meet.
    await w.send(lea, "/timezone America/Sao_Paulo")
    await w.send(lea, "/remind 12")
    await w.profile(lea, "Leokadia V.")
    for user, name, country in (
        (ana, "Ana K.", "Kenya"),
        (bruno, "Bruno B.", "Brasil"),
        (carla, "Carla D.", "Germany"),
        (dara, "Dara S.", "Brasil"),
    ):
        await w.profile(user, name, country=country)
    await w.send(dara, "/meet")
    await w.click(dara, "Yes, suggest people")
    await w.intro(lea, ana, "Hello Ana, from Leokadia")
    await w.intro(lea, carla, "Hello Carla")
    await w.click(carla, "Block & report")
    await w.intro(bruno, lea, "Hello Leokadia")
    await w.click(lea, "Accept")
    await w.send(lea, "/meet")
    await w.click(lea, "Yes, suggest people")
    await w.announce("Lunch is served")
    # In the group: verification, a post, a report, a warning, then a ban.
    await lea.join(w.group)
    await w.bot.settle()
    await w.click(lea, "I agree", w.group.bot_messages[-1])
    w.group.members[ana.id] = Member("member")
    hello = await ana.send("hello all", chat=w.group)
    await w.bot.settle()
    await lea.send("/report spam", chat=w.group, reply_to=hello)
    await w.bot.settle()
    posted = await lea.send("buy my stuff", chat=w.group)
    await w.bot.settle()
    await w.mod.send("/warn selling", chat=w.group, reply_to=posted)
    await w.bot.settle()
    await lea.leave(w.group)
    await lea.join(w.group)  # verification pending again
    await w.bot.settle()
    await w.send(w.mod, f"/ban {lea.id} 7d spam", chat=w.group)

    needles: list[Any] = [lea.id, "leokadia_v", "Leokadia", "Vasquez-Leaver"]
    before = await traces(w.bot.runtime.db, needles)
    assert {
        "participants.username",
        "profiles.display_name",
        "intro_requests.requester_id",
        "intro_requests.target_id",
        "intro_blocks.blocked_id",
        "meet_suggestions.user_id",
        "reminders.user_id",
        "announcement_outbox.chat_id",
        "mod_pending.first_name",
        "mod_newcomers.user_id",
        "mod_members.username",
        "mod_warnings.user_id",
        "mod_log.actor_name",
        "mod_log.target_id",
    } <= set(before)
    known = {f"{table}.{column}" for table, column in declared()}
    assert set(before) - known == set(), "personal data in columns the registry does not declare"

    await w.send(lea, "/forget")
    prompt = lea.last_message.text or ""
    assert "What stays, and why:" in prompt and "banned from the community group" in prompt
    await w.click(lea, "Yes, delete everything")
    assert "deleted everything" in (lea.last_message.text or "")
    assert await traces(w.bot.runtime.db, needles) == {}
    # The declared minimal records: the ban, and Carla's block, each under a pseudonym.
    assert await w.rows(f"SELECT action FROM mod_log WHERE {KEPT_BAN}") == [("ban",)]
    assert await w.rows("SELECT kind, owner_id FROM privacy_kept") == [("intro_block", carla.id)]
    assert await w.rows("SELECT COUNT(*) FROM profiles") == [(4,)]
    no_errors(w.fake)


async def test_mydata_shows_no_one_elses_id_or_username_until_an_introduction(
    world: World,
) -> None:
    w = world
    ana, bruno, carla = await w.started(Ana="ana_ke", Bruno="bruno_br", Carla="carla_hidden")
    await w.profile(ana, "Ana K.")
    await w.profile(bruno, "Bruno B.", country="Brasil")
    await w.profile(carla, "Carla D.", country="Germany", listed=False)
    for user in (ana, bruno, carla):
        await w.send(user, "/meet")
        await w.click(user, "Yes, suggest people")
    await w.intro(ana, bruno, "Hello Bruno")
    await w.intro(carla, ana, "Hello Ana")

    def strangers(data: dict[str, Any], *others: SimUser) -> list[str]:
        text = json.dumps(data)
        return [
            secret
            for other in others
            for secret in (str(other.id), other.username)
            if secret and secret in text
        ]

    ana_data = await w.my_data(ana)
    assert strangers(ana_data, bruno, carla, w.mod, w.organiser) == []
    sections = ana_data["sections"]["introductions"]
    assert {r["direction"]: r["other_person"] for r in sections["requests"]} == {
        "sent": "Bruno B.",
        "received": "Carla D.",  # she sent her card with the request
    }
    assert strangers(await w.my_data(bruno), ana, carla) == []
    assert strangers(await w.my_data(carla), ana, bruno) == []

    await w.click(bruno, "Accept")
    ana_data = await w.my_data(ana)
    assert strangers(ana_data, carla) == []
    assert "https://t.me/bruno_br" in json.dumps(ana_data)
    assert "Introductions accepted: 1" in (ana.last_message.caption or "")
    no_errors(w.fake)


async def test_only_people_who_start_the_bot_are_stored_or_announced_to(world: World) -> None:
    w = world
    lurker = w.fake.add_user("Lurker", username="lurks")
    w.group.members[lurker.id] = Member("member")
    inline = w.fake.add_user("Inliner", username="inlines")
    starter = w.fake.add_user("Starter")
    await w.send(starter, "/start")
    await w.send(lurker, "hello group", chat=w.group)
    await w.send(lurker, "/today@" + w.fake.bot_user()["username"], chat=w.group)
    card = w.group.bot_messages[-1]
    pressed = await lurker.click_data(card, "lang:de")
    await w.bot.settle()
    assert pressed.answered and "private chat" in (pressed.text or "")
    answer = await inline.inline_query("workshop")
    await w.bot.settle()
    assert answer.answered and answer.results
    people = {row[0] for row in await w.rows("SELECT user_id FROM participants")}
    assert people == {w.organiser.id, w.mod.id, starter.id}
    # Moderation knows the group member by id and shown name only.
    members = await w.rows("SELECT user_id, name, username FROM mod_members ORDER BY name")
    assert members == [(lurker.id, "Lurker", "lurks")]
    await w.announce("Hello everyone")
    assert "Hello everyone" in (starter.last_message.text or "")
    assert await w.rows(
        "SELECT COUNT(*) FROM announcement_outbox WHERE chat_id IN (?, ?)", lurker.id, inline.id
    ) == [(0,)]
    assert lurker.inbox == [] and inline.inbox == []
    no_errors(w.fake)


async def test_the_purge_is_announced_then_runs_on_its_day_sparing_who_stays(
    world: World,
) -> None:
    w = world
    ana, bruno = await w.started(Ana="ana_ke", Bruno="bruno_br")
    lurker = w.fake.add_user("Lurker")
    w.group.members[lurker.id] = Member("member")
    await w.profile(ana, "Ana K.")
    await w.profile(bruno, "Bruno B.")
    await w.intro(ana, bruno, "Hello Bruno")
    await w.click(bruno, "Accept")
    await w.send(lurker, "hi", chat=w.group)
    await w.send(ana, "/privacy")
    assert "Everything is deleted on April 17, 2027, 30 days after" in (
        ana.last_message.text or ""
    )
    # The programme ends on 18 March 2027: notices on 10 April, the purge on 17 April.
    w.clock.set(at(2027, 4, 10, 7, 59))
    await w.bot.run_job(NOTICE_JOB)
    assert "deleted on" not in (bruno.last_message.text or "")
    w.clock.set(at(2027, 4, 10, 8, 0))
    await w.bot.run_job(NOTICE_JOB)
    await w.bot.run_job(NOTICE_JOB)
    notices = [m for m in ana.inbox if "will be deleted on April 17, 2027" in (m.text or "")]
    assert len(notices) == 1
    await w.click(ana, "Save my contacts", notices[0])
    assert "https://t.me/bruno_br" in (ana.last_message.html or "")
    await w.click(bruno, "🤝 Yes, keep me in the community")
    await w.send(bruno, "/privacy")
    assert "You chose to stay for the next forum" in (bruno.last_message.text or "")
    await w.click(ana, "🤝 Yes, keep me in the community", notices[0])
    await w.send(ana, "/stay")
    await w.click(ana, "Leave the community")  # she changed her mind
    await w.send(ana, "/privacy")
    assert "You have not chosen to stay" in (ana.last_message.text or "")
    w.clock.set(at(2027, 4, 16, 21, 59))  # 23:59 in Bonn, the day before
    await w.bot.run_job(PURGE_JOB)
    assert len(await w.rows("SELECT * FROM participants")) == 4
    w.clock.advance(minutes=1)
    await w.bot.run_job(PURGE_JOB)
    assert await w.rows("SELECT user_id FROM participants") == [(bruno.id,)]
    assert await traces(w.bot.runtime.db, [ana.id, lurker.id, "ana_ke", "Ana K."]) == {}
    assert await w.rows("SELECT display_name FROM profiles") == [("Bruno B.",)]
    w.clock.advance(days=1)
    await w.send(ana, "/start")  # back for the next forum: not purged again
    await w.bot.run_job(PURGE_JOB)
    assert len(await w.rows("SELECT * FROM participants")) == 2
    no_errors(w.fake)


async def test_a_returning_person_stays_blocked(world: World) -> None:
    w = world
    ana = w.fake.add_user("Ana")
    bruno = w.fake.add_user("Bruno")
    for user in (ana, bruno):
        await w.send(user, "/start")
    await w.profile(ana, "Ana K.")
    await w.profile(bruno, "Bruno B.")
    await w.intro(bruno, ana, "buy my stuff")
    await w.click(ana, "Block & report")
    await w.send(bruno, "/forget")
    await w.click(bruno, "Yes, delete everything")
    await w.send(bruno, "/start")
    await w.profile(bruno, "Bruno Again")
    await w.intro(bruno, ana)
    assert "does not take introduction requests" in (bruno.last_message.text or "")
    no_errors(w.fake)
