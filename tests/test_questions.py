"""Questions to sessions: the rules, the repository on a real SQLite file, and the texts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Config, EventConfig, QuestionsConfig, RolesConfig
from bot.errors import DomainError
from bot.i18n import translator
from bot.questions import render
from bot.questions.model import HostAction, Question, Queue, Status, rank_key
from bot.questions.service import Questions, clean_question
from bot.schedule.model import Programme, Session
from storage.database import Database
from storage.questions import QuestionStore
from tests.people import add_participant, add_profile
from tests.virtualtime import TestClock

START = datetime(2027, 3, 16, 10, 30, tzinfo=UTC)
ORGANISER, HOST, ANA, BRUNO = 1, 2, 3, 4


def session(number: str = "4", kind: str = "workshop", start: datetime = START) -> Session:
    """Return a 90-minute session."""
    return Session(
        guid=f"g{number}",
        id=number,
        title=f"Workshop {number} <&>",
        start=start,
        end=start + timedelta(minutes=90),
        room="Rhein",
        day=start.date(),
        type=kind,
    )


class Source:
    """A fixed programme, as the schedule service would hold it."""

    def __init__(self, *sessions: Session) -> None:
        self.programme: Programme | None = Programme.build(
            name="Test", timezone="Europe/Berlin", version="1", sessions=list(sessions)
        )


class Recorder:
    """A notifier that remembers who would have been told what."""

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.told: list[int] = []
        self.hosts: list[int] = []

    async def queue_changed(self, session_guid: str) -> None:
        self.changed.append(session_guid)

    async def answered(self, question: Question, session: Session) -> None:
        self.told.append(question.question_id)

    async def host_assigned(self, user_id: int, session: Session) -> None:
        self.hosts.append(user_id)


@pytest.fixture
async def db(db: Database) -> Database:
    """The database with Olga, Hugo (German), Ana Silva (Portuguese, a profile from Brazil) and
    Bruno (Spanish)."""
    await add_participant(db, ORGANISER, "Olga", language="en", now=START)
    await add_participant(db, HOST, "Hugo", language="de", now=START)
    await add_participant(db, ANA, "Ana", last_name="Silva", language="pt", now=START)
    await add_participant(db, BRUNO, "Bruno", language="es", now=START)
    await add_profile(db, ANA, "Ana S.", "BR", "latam", START, token="0123456789abcdef")
    return db


def make(db: Database, clock: TestClock, **config: object) -> tuple[Questions, Recorder]:
    questions = Questions(
        QuestionStore(db),
        Source(
            session("4"), session("7", kind="break"), session("9", start=START + timedelta(days=1))
        ),
        Config(
            event=EventConfig(name="Forum", default_language="en"),
            roles=RolesConfig(organisers=[ORGANISER]),
            questions=QuestionsConfig(**config),  # type: ignore[arg-type]  # test-chosen keys
        ),
        clock,
    )
    recorder = Recorder()
    questions.notifier = recorder
    return questions, recorder


def test_clean_question_keeps_lines_and_refuses_empty_or_long() -> None:
    assert clean_question("  Wie\u0007 geht\n\n das? ") == "Wie geht\ndas?"
    with pytest.raises(DomainError):
        clean_question(" \n ")
    with pytest.raises(DomainError) as raised:
        clean_question("x" * 301)
    assert raised.value.params == {"length": 301, "limit": 300}


async def test_asking_opens_fifteen_minutes_before_and_closes_at_the_end(db: Database) -> None:
    clock = TestClock(START - timedelta(minutes=16))
    questions, _ = make(db, clock)
    four = questions.session("4")
    with pytest.raises(DomainError, match="open"):
        await questions.draft(ANA, four, "Early?")
    clock.now = START - timedelta(minutes=15)
    assert (await questions.draft(ANA, four, "Just in time?")).status is Status.DRAFT
    clock.now = four.end
    with pytest.raises(DomainError, match="ended"):
        await questions.draft(ANA, four, "Late?")
    with pytest.raises(DomainError, match="no questions"):
        await questions.draft(ANA, questions.session("7"), "A break?")
    with pytest.raises(DomainError):
        questions.session("404")


async def test_anonymous_question_keeps_only_the_region(db: Database) -> None:
    clock = TestClock(START)
    questions, recorder = make(db, clock)
    four = questions.session("4")
    draft = await questions.draft(ANA, four, "Anonymous?")
    assert draft.signature == "Ana S."  # offered on the button, not yet published
    signed = await questions.sign(ANA, draft.question_id, anonymous=True)
    assert signed.status is Status.OPEN and signed.signature == "" and signed.region == "latam"
    assert recorder.changed == ["g4"]
    # Only the asker may sign their draft, and only once.
    with pytest.raises(DomainError):
        await questions.sign(ANA, draft.question_id, anonymous=False)
    other = await questions.draft(ANA, four, "Signed?")
    with pytest.raises(DomainError):
        await questions.sign(BRUNO, other.question_id, anonymous=False)
    tr = translator("fr")
    assert render.signature(signed, tr) == tr("a participant from Latin America")
    host_text, _ = render.host_view(four, await questions.host_queue(four), tr)
    assert "Ana" not in host_text and "Silva" not in host_text


async def test_votes_count_once_per_person_and_rank_the_queue(db: Database) -> None:
    questions, recorder = make(db, TestClock(START))
    four = questions.session("4")
    first = await questions.ask_signed(ANA, four, "First")
    second = await questions.ask_signed(BRUNO, four, "Second")
    for _ in range(2):
        await questions.vote(ANA, second.question_id, up=True)
    await questions.vote(BRUNO, second.question_id, up=True)
    queue = await questions.queue(four, ANA)
    assert [q.question_id for q in queue.questions] == [second.question_id, first.question_id]
    assert queue.questions[0].votes == 2 and queue.voted == {second.question_id}
    await questions.vote(ANA, second.question_id, up=False)
    await questions.vote(ANA, second.question_id, up=False)
    assert (await questions.queue(four, ANA)).questions[0].votes == 1
    # Pinned first, answered last.
    await questions.act(ORGANISER, first.question_id, HostAction.PIN)
    assert (await questions.queue(four, ANA)).questions[0].question_id == first.question_id
    await questions.act(ORGANISER, first.question_id, HostAction.ANSWERED)
    ranked = (await questions.queue(four, ANA)).questions
    assert ranked[-1].status is Status.ANSWERED
    with pytest.raises(DomainError, match="answered"):
        await questions.vote(BRUNO, first.question_id, up=True)
    assert recorder.told == [first.question_id]


async def test_only_hosts_act_and_premoderation_hides_until_approved(db: Database) -> None:
    questions, recorder = make(db, TestClock(START), premoderation=True)
    four = questions.session("4")
    question = await questions.ask_signed(ANA, four, "Pending?")
    assert question.status is Status.PENDING
    assert (await questions.queue(four, BRUNO)).questions == ()
    assert await questions.act(BRUNO, question.question_id, HostAction.APPROVE) is None
    with pytest.raises(DomainError):
        await questions.assign_host(BRUNO, four, HOST)
    assert await questions.assign_host(ORGANISER, four, HOST)
    assert not await questions.assign_host(ORGANISER, four, HOST)
    assert recorder.hosts == [HOST]
    approved = await questions.act(HOST, question.question_id, HostAction.APPROVE)
    assert approved is not None and approved.status is Status.OPEN
    assert await questions.hosts(four) == [(HOST, "Hugo")]
    hidden = await questions.act(HOST, question.question_id, HostAction.HIDE)
    assert hidden is not None and hidden.status is Status.HIDDEN
    assert (await questions.host_queue(four)).hidden == 1
    with pytest.raises(DomainError):
        await questions.vote(BRUNO, question.question_id, up=True)
    assert await questions.remove_host(ORGANISER, four, HOST)
    assert await questions.act(HOST, question.question_id, HostAction.PIN) is None


async def test_find_person_by_a_recent_username_or_a_card_code(db: Database) -> None:
    clock = TestClock(START)
    questions, _ = make(db, clock)
    await db.execute("UPDATE participants SET username = 'Hugo_H' WHERE user_id = ?", (HOST,))
    assert await questions.find_person("@hugo_h") == HOST
    assert await questions.find_person("0123456789ABCDEF") == ANA
    profile = await db.fetchval("SELECT profile_id FROM profiles WHERE user_id = ?", (ANA,))
    assert await questions.find_person(f"#{profile}") is None  # row numbers name nobody
    assert await questions.find_person("someone") is None
    await db.execute("UPDATE participants SET username = 'Hugo_H' WHERE user_id = ?", (ANA,))
    assert await questions.find_person("@hugo_h") is None  # two people: not told apart
    clock.now = START + timedelta(days=31)
    assert await questions.find_person("@hugo_h") is None  # nobody seen with it lately


async def test_top_questions_are_claimed_once_after_the_session(db: Database) -> None:
    clock = TestClock(START)
    questions, _ = make(db, clock, post_top_to_group=1)
    four = questions.session("4")
    low = await questions.ask_signed(ANA, four, "Low")
    high = await questions.ask_signed(BRUNO, four, "High")
    await questions.vote(ANA, high.question_id, up=True)
    assert await questions.due_postings() == []
    clock.now = four.end + timedelta(minutes=1)
    postings = await questions.due_postings()
    assert [p.questions[0].question_id for p in postings] == [high.question_id]
    assert low.question_id not in [q.question_id for q in postings[0].questions]
    assert await questions.due_postings() == []
    await questions.posted(four, sent=True)


async def test_forgetting_the_asker_removes_their_questions_and_votes(db: Database) -> None:
    questions, _ = make(db, TestClock(START))
    four = questions.session("4")
    mine = await questions.ask_signed(ANA, four, "Mine")
    await questions.vote(BRUNO, mine.question_id, up=True)
    await db.execute("DELETE FROM participants WHERE user_id = ?", (ANA,))
    assert await db.fetchval("SELECT COUNT(*) FROM questions") == 0
    assert await db.fetchval("SELECT COUNT(*) FROM question_votes") == 0


def _question(number: int, **changes: object) -> Question:
    values: dict[str, object] = {
        "question_id": number,
        "session_guid": "g4",
        "asker_id": ANA,
        "anonymous": False,
        "signature": "Ana <b>",
        "region": "africa",
        "language": "en",
        "text": "x" * 300,
        "status": Status.OPEN,
        "pinned": False,
        "votes": number % 7,
        "created_at": START,
    }
    values.update(changes)
    return Question(**values)  # type: ignore[arg-type]  # test data


def test_rank_key_orders_pinned_then_open_then_votes() -> None:
    questions = [
        _question(1, votes=9, status=Status.ANSWERED),
        _question(2, votes=1, pinned=True),
        _question(3, votes=5),
        _question(4, votes=5),
    ]
    assert [q.question_id for q in sorted(questions, key=rank_key)] == [2, 3, 4, 1]


def test_views_stay_under_telegrams_limit_with_a_hundred_long_questions() -> None:
    queue = Queue("g4", tuple(_question(n) for n in range(1, 101)), frozenset({3}))
    tr = translator("de")
    text, rows = render.host_view(session(), queue, tr)
    assert len(text) <= 4096 and "…" in text and "&lt;b&gt;" in text
    assert sum(len(row) for row in rows) <= 100
    page, buttons, shown = render.queue_page(session(), queue, 99, tr)
    assert shown == 19 and len(page) <= 4096
    labels = [label for row in buttons for label, _ in row]
    assert all(len(data.encode()) <= 64 for row in buttons for _, data in row)
    assert any(label.startswith("◀️") for label in labels)


def test_questions_csv_has_a_bom_and_no_names() -> None:
    programme = Source(session()).programme
    data = render.questions_csv([_question(1, text='Ação, "sí"\nnova linha')], programme)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][0] == "4" and rows[1][-1] == 'Ação, "sí"\nnova linha'
    assert not any("Ana" in cell for row in rows for cell in row)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1 question · 1 vote · 0 answered"),
        ("es", "1 pregunta · 1 voto · 0 respondidas"),
        ("de", "1 Frage · 1 Stimme · 0 beantwortet"),
    ],
)
def test_counts_take_each_ones_plural_form(language: str, expected: str) -> None:
    queue = Queue("g4", (_question(1, votes=1),), frozenset())
    page, _, _ = render.queue_page(session(), queue, 0, translator(language))
    assert expected in page
    host, _ = render.host_view(session(), queue, translator("en"))
    assert "1 open · 0 answered · 1 vote · 0 hidden" in host
