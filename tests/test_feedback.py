"""Feedback, the survey and the community after the forum: rules, storage and texts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.afterforum import render as after_render
from bot.afterforum.service import AfterForum
from bot.config import (
    AfterForumConfig,
    Config,
    EventConfig,
    FeedbackConfig,
    RolesConfig,
    Section,
    SurveyConfig,
)
from bot.errors import DomainError
from bot.feedback import render
from bot.feedback.model import Rating, summarise
from bot.feedback.service import Feedback, Survey, is_quiet, quiet_until
from bot.i18n import translator
from bot.intros.model import Contact
from bot.schedule.model import Programme, Session
from storage.afterforum import AfterForumStore
from storage.database import Database
from storage.feedback import FeedbackStore
from tests.people import add_participant, add_profile
from tests.virtualtime import TestClock

BERLIN = ZoneInfo("Europe/Berlin")
END = datetime(2027, 3, 16, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
ANA, BRUNO, CARLA = 1, 2, 3


def session(number: str, end: datetime = END, kind: str = "workshop") -> Session:
    """Return a session ending at ``end``."""
    return Session(
        guid=f"g{number}",
        id=number,
        title=f"Session {number}",
        start=end - timedelta(minutes=90),
        end=end,
        room="Rhein",
        day=end.date(),
        type=kind,
    )


SESSIONS = [
    session("4"),
    session("5"),
    session("6"),
    session("7", END + timedelta(minutes=30)),
    session("8", kind="break"),
    session("33", datetime(2027, 3, 18, 12, tzinfo=UTC)),
]


class Source:
    """The programme, as the schedule service holds it."""

    programme: Programme | None = Programme.build(
        name="Test", timezone="Europe/Berlin", version="1", sessions=SESSIONS
    )


class Meet:
    """Introductions' /meet opt-in, as AfterForum needs it."""

    def __init__(self) -> None:
        self.opted: dict[int, bool] = {}

    async def set_meet_opt_in(self, user_id: int, opt_in: bool) -> None:
        if user_id == CARLA:
            raise DomainError("no profile")
        self.opted[user_id] = opt_in


@pytest.fixture
async def db(db: Database) -> Database:
    """The database with Ana (German, a profile from Kenya), Bruno (Portuguese, in Sao Paulo)
    and Carla (English)."""
    await add_participant(db, ANA, "Ana", language="de", now=END)
    await add_participant(db, BRUNO, "Bruno", language="pt", timezone="America/Sao_Paulo", now=END)
    await add_participant(db, CARLA, "Carla", language="en", now=END)
    await add_profile(db, ANA, "Ana K.", "KE", "africa", END)
    return db


async def agenda(db: Database, user_id: int, *numbers: str) -> None:
    await db.executemany(
        "INSERT INTO reminders (user_id, session_guid, fire_at) VALUES (?, ?, 0)",
        [(user_id, f"g{n}") for n in numbers],
    )


def forum(**sections: Section) -> Config:
    """Return the forum's configuration: in Berlin, Carla organises."""
    return Config(
        event=EventConfig(name="Forum", timezone="Europe/Berlin"),
        roles=RolesConfig(organisers=[CARLA]),
        **sections,  # type: ignore[arg-type]  # the sections a test sets
    )


def feedback(db: Database, clock: TestClock, **config: object) -> Feedback:
    return Feedback(
        FeedbackStore(db),
        Source(),
        forum(feedback=FeedbackConfig(**config)),  # type: ignore[arg-type]  # test-chosen keys
        clock,
    )


def test_quiet_hours_wrap_midnight_and_end_in_the_readers_zone() -> None:
    assert is_quiet(22, 21, 8) and is_quiet(3, 21, 8) and not is_quiet(8, 21, 8)
    assert is_quiet(13, 12, 14) and not is_quiet(14, 12, 14) and not is_quiet(5, 7, 7)
    late = datetime(2027, 3, 16, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    assert quiet_until(late, BERLIN, 21, 8) == datetime(2027, 3, 17, 7, 0, tzinfo=UTC)
    early = datetime(2027, 3, 17, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    assert quiet_until(early, BERLIN, 21, 8) == datetime(2027, 3, 17, 7, 0, tzinfo=UTC)
    assert quiet_until(END, BERLIN, 21, 8) is None


async def test_sessions_ending_together_make_one_prompt_and_the_hour_rule_holds(
    db: Database,
) -> None:
    clock = TestClock(END + timedelta(minutes=10))
    service = feedback(db, clock)
    await agenda(db, ANA, "4", "5", "6", "7", "8")
    assert await service.plan() == 3  # the break is not rated; 7 has not ended
    assert await service.plan() == 0
    batches = await service.claim_due()
    assert [(b.user_id, b.sessions) for b in batches] == [(ANA, ("g4", "g5", "g6"))]
    for batch in batches:
        await service.prompted(batch, "sent")
    # Session 7 ends 30 minutes later: its prompt waits for the hour since the last one.
    clock.now = END + timedelta(minutes=45)
    assert await service.plan() == 1
    assert await service.claim_due() == []
    clock.now = END + timedelta(minutes=69)
    assert await service.claim_due() == []
    clock.now = END + timedelta(minutes=70)
    later = await service.claim_due()
    assert [(b.user_id, b.sessions) for b in later] == [(ANA, ("g7",))]


async def test_quiet_hours_hold_prompts_until_the_morning(db: Database) -> None:
    clock = TestClock(END + timedelta(minutes=10))
    service = feedback(db, clock, quiet_start_hour=12, quiet_end_hour=15)
    await agenda(db, ANA, "4")
    await agenda(db, BRUNO, "4")  # Sao Paulo: 09:10, not quiet there
    await service.plan()
    batches = await service.claim_due()
    assert [b.user_id for b in batches] == [BRUNO]
    clock.now = datetime(2027, 3, 16, 14, 0, tzinfo=UTC)  # 15:00 in Berlin
    assert [b.user_id for b in await service.claim_due()] == [ANA]


async def test_rating_is_anonymous_once_submitted_unless_named(db: Database) -> None:
    clock = TestClock(END + timedelta(minutes=10))
    service = feedback(db, clock)
    four, five = service.session("4"), service.session("5")
    draft = await service.rate(ANA, four, 4)
    assert (draft.rating, draft.named) == (4, False)
    assert (await service.rate(ANA, four, 5)).rating == 5  # changed before submitting
    submitted = await service.submit(ANA, four, "  Gut\u0000 ")
    rating = submitted.rating
    assert (rating.rating, rating.comment, rating.region, rating.named_as) == (
        5,
        "Gut",
        "africa",
        None,
    )
    assert await db.fetchval("SELECT named_user_id FROM feedback_ratings") is None
    with pytest.raises(DomainError, match="already"):
        await service.rate(ANA, four, 3)
    with pytest.raises(DomainError):
        await service.submit(ANA, four)
    await service.rate(BRUNO, five, 2)
    await service.set_named(BRUNO, five, True)
    named = (await service.submit(BRUNO, five)).rating
    assert named.named_as == "Bruno" and named.language == "pt" and named.region == "other"
    with pytest.raises(DomainError):
        await service.set_named(BRUNO, five, False)
    with pytest.raises(DomainError):
        await service.rate(ANA, five, 6)
    with pytest.raises(DomainError, match="started"):
        await service.rate(ANA, service.session("33"), 3)
    with pytest.raises(DomainError, match="not rated"):
        await service.rate(ANA, service.session("8"), 3)
    with pytest.raises(DomainError):
        await service.submit(CARLA, five, "x" * 1001)


async def test_comments_that_never_come_submit_the_rating_without_one(db: Database) -> None:
    clock = TestClock(END + timedelta(minutes=10))
    service = feedback(db, clock, comment_wait_minutes=30)
    await service.rate(ANA, service.session("4"), 3)
    assert await service.submit_stale() == 0
    clock.now += timedelta(minutes=31)
    assert await service.submit_stale() == 1
    assert await db.fetchval("SELECT COUNT(*) FROM feedback_drafts") == 0


async def test_results_are_for_organisers_ranked_and_broken_down(db: Database) -> None:
    service = feedback(db, TestClock(END + timedelta(minutes=10)))
    for user, number, stars in ((ANA, "4", 5), (BRUNO, "4", 3), (ANA, "5", 2)):
        await service.rate(user, service.session(number), stars)
        await service.submit(user, service.session(number), "ok" if stars == 3 else "")
    with pytest.raises(DomainError):
        await service.results(ANA)
    results = await service.results(CARLA)
    assert [r.session_guid for r in results.sessions] == ["g4", "g5"]
    assert results.overall.count == 3 and results.sessions[0].tally.mean == 4.0
    assert set(results.by_region) == {"africa", "other"}
    tr = translator("es")
    text = render.results_text(results, Source.programme, tr)
    assert tr("By region:") in text and "/feedback 4" in text
    one = await service.session_result(CARLA, service.session("4"))
    detail = render.session_result_text(one, service.session("4"), tr)
    assert "[pt] ★★★☆☆ ok" in detail
    data = render.chart_data(results, Source.programme, tr, heading="x")
    assert data.distribution == [[0, 0, 1, 0, 1], [0, 1, 0, 0, 0]]
    assert data.regions == [] and data.region_means == []  # under five ratings each
    assert "(n&lt;5)" in text


def test_long_comment_lists_stay_under_the_limit() -> None:
    ratings = [
        Rating(n, "g4", 1 + n % 5, "c" * 900, "fr", "europe", None, date(2027, 3, 16))
        for n in range(40)
    ]
    results = summarise(ratings)
    text = render.session_result_text(results.sessions[0], session("4"), translator("fr"))
    assert len(text) <= 4096 and "/feedback export" in text


async def test_survey_answers_are_validated_then_stored_anonymously(db: Database) -> None:
    survey = Survey(FeedbackStore(db), SurveyConfig(), TestClock(END))
    step = await survey.next_step(ANA)
    assert step.index == 0 and step.question is not None and step.total == 3
    with pytest.raises(DomainError):
        await survey.answer(ANA, 0, "9")
    with pytest.raises(DomainError):
        await survey.answer(ANA, 1, "4")  # not the question being asked
    with pytest.raises(DomainError):
        await survey.answer(ANA, 0, None)  # a rating is not optional
    step = await survey.answer(ANA, 0, "4")
    with pytest.raises(DomainError):
        await survey.answer(ANA, 1, "7")
    step = await survey.answer(ANA, 1, "2")
    assert step.question is not None and step.question.kind == "text"
    done = await survey.answer(ANA, 2, None)
    assert done.question is None
    answers = await FeedbackStore(db).survey_answers()
    assert [(a.question_id, a.answer, a.region) for a in answers] == [
        ("format", "Regional exchanges", "africa"),
        ("next", "", "africa"),
        ("overall", "4", "africa"),
    ]
    with pytest.raises(DomainError, match="already"):
        await survey.next_step(ANA)


async def test_survey_reminder_goes_once_to_those_who_did_not_finish(db: Database) -> None:
    clock = TestClock(END)
    survey = Survey(FeedbackStore(db), SurveyConfig(reminder_after_hours=20), clock)
    for user in (ANA, BRUNO, CARLA):
        await survey.sent(user)
    for index, value in enumerate(("5", "0", "Mehr Pausen")):
        await survey.answer(ANA, index, value)
    assert await survey.due_reminders() == []
    clock.now += timedelta(hours=20)
    due = await survey.due_reminders()
    assert [(r.user_id, r.language) for r in due] == [(BRUNO, "pt"), (CARLA, "en")]
    assert await survey.due_reminders() == []


async def test_after_forum_message_goes_once_on_the_last_day_and_staying_is_revocable(
    db: Database,
) -> None:
    clock = TestClock(datetime(2027, 3, 18, 14, 0, tzinfo=UTC))  # 15:00 on the last day
    meet = Meet()
    config = forum(after_forum=AfterForumConfig(send_hour=16))
    after = AfterForum(AfterForumStore(db), Source(), config, clock, meet)
    assert after.last_day() == date(2027, 3, 18) and after.is_over()
    assert await after.claim(10) == []
    clock.now += timedelta(hours=1)
    assert [r.user_id for r in await after.claim(2)] == [ANA, BRUNO]
    assert [r.user_id for r in await after.claim(2)] == [CARLA]
    assert await after.claim(2) == []
    await db.execute(
        "INSERT INTO intro_requests (requester_id, target_id, note, status, created_at)"
        " VALUES (?, ?, 'hi', 'accepted', 'x')",
        (BRUNO, ANA),
    )
    assert await after.contacts(BRUNO) == [Contact(ANA, "Ana K.", None)]
    with pytest.raises(DomainError):
        await after.set_monthly(ANA, True)
    stay = await after.choose(ANA, True)
    assert stay.staying and not stay.monthly_meet
    assert (await after.set_monthly(ANA, True)).monthly_meet and meet.opted[ANA]
    left = await after.choose(ANA, False)
    assert not left.staying and not left.monthly_meet and meet.opted[ANA] is False
    await after.choose(CARLA, False)  # no profile: nothing to switch off
    # The monthly suggestion: on its day, once a month, for those who stay and asked.
    await after.choose(BRUNO, True)
    await after.set_monthly(BRUNO, True)
    clock.now = datetime(2027, 4, 1, 9, 0, tzinfo=UTC)  # 11:00 in Berlin
    assert [r.user_id for r in await after.claim_monthly(10)] == [BRUNO]
    assert await after.claim_monthly(10) == []
    clock.now = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)
    assert await after.claim_monthly(10) == []


def test_after_forum_text_fits_with_many_contacts() -> None:
    tr = translator("pt")
    contacts = [Contact(n, f"Person {n} <x>", f"user{n}" if n % 2 else None) for n in range(200)]
    text, rows = after_render.after_forum(
        "Forum & Co", contacts, tr, survey=[[("s", "sv:start")]], purge_days=30
    )
    assert len(text) <= 4096 and "/mydata" in text and "&lt;x&gt;" in text
    assert rows[0] == [("s", "sv:start")] and len(rows) == 3
