"""Personal data on a real SQLite file: /forget leaves only the declared minimal records, the
export names other people only as the person could see them, and the purge comes on its date."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from bot.awaiting.service import AwaitedInputs
from bot.config import IntroductionsConfig, PrivacyConfig
from bot.intros.service import Introductions
from bot.moderation.model import ModAction, Pending, Person
from bot.privacy.service import Privacy
from storage.awaiting import AwaitedInputStore
from storage.database import Database
from storage.intros import IntroStorage
from storage.moderation import ModerationStore
from storage.privacy import KEPT_BAN, PrivacyStore
from tests.people import NOW, add_participant
from tests.privacy_support import traces
from tests.test_intros import draft
from tests.virtualtime import TestClock

GROUP = -1001234
LEAVER = 7_000_001  # ids no counter, time or flag column holds by chance
OTHER = 7_000_002
THIRD = 7_000_003
MEMBER = 7_000_004  # in the group only, never started the bot
FOURTH = 7_000_005


class World:
    """The services over one database, on a settable clock."""

    def __init__(self, db: Database, last_day: date | None = date(2027, 3, 18)) -> None:
        self.db = db
        self.clock = TestClock(NOW)
        self.last_day = last_day
        self.inputs = AwaitedInputs(AwaitedInputStore(db), self.clock)
        self.intros = Introductions(
            IntroStorage(db), self.inputs, IntroductionsConfig(), self.clock
        )
        self.mod = ModerationStore(db)
        self.forgotten: list[int] = []
        self.privacy = Privacy(
            PrivacyStore(db),
            PrivacyConfig(purge_after_days=30, notice_days=7),
            self.clock,
            last_day=lambda: self.last_day,
            event_zone="Europe/Berlin",
        )
        self.privacy.forgotten.append(self.forgotten.append)

    async def person(self, user_id: int, name: str, **changes: object) -> str:
        await add_participant(self.db, user_id, name)
        profile = await self.intros.store.save_profile(
            user_id, draft(display_name=f"{name} Profile", **changes), NOW
        )
        return profile.token

    async def request(self, requester: int, target: str, note: str = "Hello") -> int:
        await self.intros.start_request(requester, target)
        request, _ = await self.intros.submit_note(requester, note)
        return request.request_id


async def _fill(w: World) -> None:
    """Give the leaver data in every feature, and others data about them."""
    mine = await w.person(LEAVER, "Lea", country="KE")
    other = await w.person(OTHER, "Otto", country="DE")
    await w.person(THIRD, "Thea", country="BR")
    await w.person(FOURTH, "Fritz", country="FR")
    await w.request(LEAVER, other, "I found you in the directory")
    # Otto leaves the directory afterwards: Lea's export no longer names him.
    await w.db.execute("UPDATE profiles SET listed = 0 WHERE user_id = ?", (OTHER,))
    accepted = await w.request(THIRD, mine)
    await w.intros.decide(accepted, LEAVER, "accepted")
    blocked = await w.request(FOURTH, mine, "spam")
    await w.intros.decide(blocked, LEAVER, "blocked")
    await w.intros.set_meet_opt_in(LEAVER, True)
    await w.intros.set_meet_opt_in(THIRD, True)
    await w.db.execute(
        "INSERT INTO intro_blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)",
        (THIRD, LEAVER, NOW.isoformat()),
    )
    await w.db.execute(
        "INSERT INTO reminders (user_id, session_guid, fire_at) VALUES (?, 'g1', 1800000000)",
        (LEAVER,),
    )
    await w.db.execute(
        "INSERT INTO reminder_settings (user_id, lead_minutes) VALUES (?, 15)", (LEAVER,)
    )
    await w.db.execute(
        "INSERT INTO announcements (id, author_id, created_at, status) VALUES (1, ?, ?, 'done')",
        (OTHER, NOW.isoformat()),
    )
    await w.db.execute(
        "INSERT INTO announcement_versions (announcement_id, language, body) VALUES (1, '', 'Hi')"
    )
    await w.db.execute(
        "INSERT INTO announcement_outbox (announcement_id, chat_id, language, status) "
        "VALUES (1, ?, 'en', 'sent')",
        (LEAVER,),
    )
    lea = Person(LEAVER, "Lea Telegram")
    await w.mod.add_pending(Pending(GROUP, LEAVER, "Lea Telegram", None, NOW, NOW))
    await w.mod.add_newcomer(GROUP, LEAVER, NOW)
    await w.mod.remember_member(GROUP, lea, "lea_tg", NOW)
    await w.mod.add_warning(GROUP, LEAVER, OTHER, "rude", NOW)
    await w.mod.add_warning(GROUP, THIRD, LEAVER, "given by the leaver", NOW)
    for action, until in ((ModAction.WARN, None), (ModAction.BAN, NOW + timedelta(days=3))):
        await w.mod.log(
            chat_id=GROUP,
            action=action,
            actor=Person(OTHER, "Otto Mod"),
            target=lea,
            reason="spam by Lea",
            now=NOW,
            until=until,
        )
    await w.mod.log(
        chat_id=GROUP, action=ModAction.REPORT, actor=lea, target=None, reason=None, now=NOW
    )
    await w.db.execute(
        "INSERT INTO community_stay (user_id, staying, decided_at) VALUES (?, 1, ?)",
        (LEAVER, NOW.isoformat()),
    )
    report = f'Reported: <a href="tg://user?id={LEAVER}">Lea Telegram</a> (<code>{LEAVER}</code>)'
    for staff, text in ((OTHER, report), (LEAVER, "a notice Lea missed"), (THIRD, "other news")):
        await w.db.execute(
            "INSERT INTO missed_notices (user_id, text, created_at) VALUES (?, ?, ?)",
            (staff, text, NOW.isoformat()),
        )
    await w.db.execute(
        "INSERT INTO questions (question_id, session_guid, asker_id, anonymous, signature,"
        " language, text, status, created_at) VALUES (1, 'g1', ?, 0, 'Lea Profile', 'en',"
        " 'Lea asks', 'open', 0)",
        (LEAVER,),
    )
    await w.db.execute("INSERT INTO question_votes (question_id, user_id) VALUES (1, ?)", (OTHER,))
    await w.db.execute(
        "INSERT INTO feedback_ratings (session_guid, rating, comment, language, region,"
        " named_user_id, named_as, submitted_on) VALUES ('g1', 5, 'great', 'en', 'africa', ?,"
        " 'Lea Profile', '2027-03-16')",
        (LEAVER,),
    )
    for update_id, sender in ((1, LEAVER), (2, OTHER)):
        body = {"update_id": update_id, "message": {"from": {"id": sender}, "text": "hi Lea"}}
        await w.db.execute(
            "INSERT INTO webhook_updates (update_id, received_at, body) VALUES (?, 0, ?)",
            (update_id, json.dumps(body)),
        )


NEEDLES = [LEAVER, "Lea Profile", "Lea Telegram", "lea_tg"]


async def test_forget_leaves_only_the_declared_minimal_records(db: Database) -> None:
    w = World(db)
    await _fill(w)
    assert set(await traces(db, NEEDLES)) >= {
        "participants.user_id",
        "profiles.display_name",
        "intro_requests.requester_id",
        "intro_blocks.blocked_id",
        "announcement_outbox.chat_id",
        "mod_pending.first_name",
        "mod_members.username",
        "mod_warnings.given_by",
        "mod_log.target_name",
        "mod_log.actor_id",
        "community_stay.user_id",
        "webhook_updates.body",
        "missed_notices.text",
        "questions.asker_id",
        "feedback_ratings.named_as",
    }
    await w.privacy.forget(LEAVER)
    assert await traces(db, NEEDLES) == {}
    assert w.forgotten == [LEAVER]
    # Kept: the active ban under a pseudonym, and Thea's block of the leaver.
    kept_ban = await db.fetchall(
        f"SELECT action, target_name, reason FROM mod_log WHERE {KEPT_BAN}"
    )
    assert [(row[0], row[2]) for row in kept_ban] == [("ban", None)]
    pseudonym = await PrivacyStore(db).pseudonym(LEAVER)
    assert kept_ban[0][1] == "#" + pseudonym
    kept = await db.fetchall("SELECT pseudonym, owner_id FROM privacy_kept")
    assert [tuple(row) for row in kept] == [(pseudonym, THIRD)]
    # Others' records stay, without the leaver in them.
    assert await w.intros.store.get_profile(OTHER) is not None
    assert await db.fetchval("SELECT given_by FROM mod_warnings WHERE user_id = ?", (THIRD,)) == 0
    assert await db.fetchval("SELECT author_id FROM announcements") == OTHER
    # Her named rating stays, as an anonymous one; her question goes with its votes.
    ratings = await db.fetchall("SELECT rating, named_user_id, named_as FROM feedback_ratings")
    assert [tuple(row) for row in ratings] == [(5, None, None)]
    assert await db.fetchval("SELECT COUNT(*) FROM question_votes") == 0
    notices = await db.fetchall("SELECT text FROM missed_notices")
    assert [row[0] for row in notices] == ["other news"]
    bodies = await db.fetchall("SELECT update_id FROM webhook_updates WHERE body IS NOT NULL")
    assert [row[0] for row in bodies] == [2]


async def test_a_returning_person_is_blocked_again_by_whoever_blocked_them(db: Database) -> None:
    w = World(db)
    await _fill(w)
    await w.privacy.forget(LEAVER)
    await add_participant(db, LEAVER, "Lea")
    await w.privacy.welcome(LEAVER)
    assert await w.intros.store.is_blocked(THIRD, LEAVER)
    assert await db.fetchval("SELECT COUNT(*) FROM privacy_kept") == 0


async def test_a_ban_that_ended_is_not_kept_and_a_kept_one_goes_when_it_ends(db: Database) -> None:
    w = World(db)
    await add_participant(db, LEAVER, "Lea")
    lea = Person(LEAVER, "Lea")
    for action, until in ((ModAction.BAN, NOW - timedelta(hours=1)), (ModAction.BAN, None)):
        await w.mod.log(
            chat_id=GROUP, action=action, actor=None, target=lea, reason="x", now=NOW, until=until
        )
    await w.mod.log(
        chat_id=GROUP, action=ModAction.UNBAN, actor=None, target=lea, reason=None, now=NOW
    )
    await w.privacy.forget(LEAVER)
    assert await db.fetchval("SELECT COUNT(*) FROM mod_log") == 0  # lifted: nothing to keep
    await w.mod.log(
        chat_id=GROUP,
        action=ModAction.BAN,
        actor=None,
        target=Person(OTHER, "O"),
        reason=None,
        now=NOW,
        until=NOW + timedelta(days=1),
    )
    await w.privacy.forget(OTHER)
    assert await db.fetchval(f"SELECT COUNT(*) FROM mod_log WHERE {KEPT_BAN}") == 1
    w.clock.now = NOW + timedelta(days=1, seconds=1)
    assert await w.privacy.purge_if_due() is None
    assert await db.fetchval("SELECT COUNT(*) FROM mod_log") == 0


async def test_the_export_names_others_only_as_the_person_could_see_them(db: Database) -> None:
    w = World(db)
    await _fill(w)
    export = await w.privacy.export(LEAVER)
    text = repr(export.sections)
    for foreign in (OTHER, THIRD, FOURTH, "Otto Mod", "Otto Profile"):
        assert str(foreign) not in text.replace(f"tg://user?id={THIRD}", "")
    requests = {
        row["direction"] + ":" + row["status"]: row
        for row in export.rows("introductions", "requests")
    }
    # Otto is no longer listed and was never suggested to Lea.
    assert requests["sent:pending"]["other_person"] is None
    assert requests["sent:pending"]["contact"] is None
    assert requests["received:accepted"]["other_person"] == "Thea Profile"
    assert requests["received:accepted"]["contact"] == f"tg://user?id={THIRD}"
    assert requests["received:blocked"]["other_person"] == "Fritz Profile"
    assert export.rows("moderation", "warnings")[0]["reason"] == "rude"
    assert "given_by" not in export.rows("moderation", "warnings")[0]
    assert export.rows("announcements", "received")[0]["text"] == "Hi"
    assert export.rows("account", "you")[0]["telegram_id"] == LEAVER


async def test_the_purge_waits_for_its_day_spares_who_stays_and_runs_once(db: Database) -> None:
    w = World(db)
    await _fill(w)
    await w.mod.remember_member(GROUP, Person(MEMBER, "Group Only"), None, NOW)
    plan = w.privacy.plan()
    assert plan is not None and plan.purge_on == date(2027, 4, 17)
    w.clock.now = plan.purge_at - timedelta(seconds=1)
    assert await w.privacy.purge_if_due() is None
    w.clock.now = plan.purge_at
    purged = await w.privacy.purge_if_due()
    assert purged == 4  # Otto, Thea, Fritz and the group member; Lea chose to stay
    gone = [OTHER, THIRD, FOURTH, MEMBER, "Otto", "Thea", "Fritz", "Group Only"]
    assert await traces(db, gone) == {}
    assert await db.fetchval("SELECT COUNT(*) FROM privacy_kept") == 0
    assert await db.fetchval(f"SELECT COUNT(*) FROM mod_log WHERE {KEPT_BAN}") == 0
    assert await w.intros.store.get_profile(LEAVER) is not None
    await add_participant(db, OTHER, "Otto")  # comes back for the next forum
    w.clock.now = plan.purge_at + timedelta(days=1)
    assert await w.privacy.purge_if_due() is None
    assert await db.fetchval("SELECT COUNT(*) FROM participants") == 2


async def test_no_programme_no_purge(db: Database) -> None:
    w = World(db, last_day=None)
    await add_participant(db, LEAVER)
    w.clock.now = datetime(2099, 1, 1, tzinfo=NOW.tzinfo)
    assert w.privacy.plan() is None
    assert await w.privacy.purge_if_due() is None
    assert await w.privacy.notices_due() == []


async def test_each_participant_is_told_once_in_the_week_before(db: Database) -> None:
    w = World(db)
    for user_id in (LEAVER, OTHER):
        await add_participant(db, user_id)
    plan = w.privacy.plan()
    assert plan is not None and plan.notice_at is not None
    w.clock.now = plan.notice_at - timedelta(minutes=1)
    assert await w.privacy.notices_due() == []
    w.clock.now = plan.notice_at
    due = await w.privacy.notices_due(limit=1)
    assert due == [LEAVER]
    assert await w.privacy.notices_due() == [OTHER]
    assert await w.privacy.notices_due() == []
