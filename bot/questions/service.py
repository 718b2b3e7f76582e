"""Questions to a session's panel: the rules, over the ``QuestionStore`` and the live programme.

Who may ask when (from ``open_minutes_before`` a session's start until it ends), what a
question may be (300 characters, any language), signed or anonymous; one vote per person and
question, changeable; who hosts a session (assigned hosts, every organiser and moderator) and
what a host may do (answered, hide, pin, approve). This service is the one owner of those
state changes and of who is told what, through the ``QuestionNotifier`` port. It never shows an
anonymous question's asker: ``asker_id`` is used only to tell the asker their question was
answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.config import Config
from bot.errors import DomainError
from bot.i18n import N_
from bot.intros.service import parse_code
from bot.participants.model import USERNAME_FRESH
from bot.questions.model import (
    MAX_QUESTION,
    PUBLIC,
    Asker,
    HostAction,
    Question,
    Queue,
    Status,
    rank_key,
)
from bot.schedule.lookup import ProgrammeSource, SessionLookup
from bot.schedule.model import Session
from bot.typed import clean_typed, within


class QuestionRepository(Protocol):
    """The storage the rules need (``storage.questions.QuestionStore``)."""

    async def add(
        self, session_guid: str, asker: Asker, text: str, status: Status, now: datetime
    ) -> Question: ...
    async def get(self, question_id: int) -> Question | None: ...
    async def sign(
        self, question_id: int, asker_id: int, anonymous: bool, signature: str, status: Status
    ) -> bool: ...
    async def set_status(
        self, question_id: int, status: Status, now: datetime, *, only_from: tuple[Status, ...]
    ) -> bool: ...
    async def set_pinned(self, question_id: int, pinned: bool) -> bool: ...
    async def of_session(
        self, session_guid: str, statuses: tuple[Status, ...]
    ) -> list[Question]: ...
    async def count_hidden(self, session_guid: str) -> int: ...
    async def all_questions(self) -> list[Question]: ...
    async def set_vote(self, question_id: int, user_id: int, up: bool) -> bool: ...
    async def votes_of(self, session_guid: str, user_id: int) -> frozenset[int]: ...
    async def asker(self, user_id: int, default_language: str) -> Asker | None: ...
    async def add_host(self, session_guid: str, user_id: int, now: datetime) -> bool: ...
    async def remove_host(self, session_guid: str, user_id: int) -> bool: ...
    async def is_host(self, session_guid: str, user_id: int) -> bool: ...
    async def hosts(self, session_guid: str) -> list[tuple[int, str]]: ...
    async def find_person(
        self, username: str | None, token: str | None, since: datetime
    ) -> list[int]: ...
    async def claim_post(self, session_guid: str, now: datetime) -> bool: ...
    async def finish_post(self, session_guid: str, state: str) -> None: ...
    async def posted(self) -> set[str]: ...


NOBODY_TO_HOST = N_(
    "I know nobody by that @username or card code who has started me (a username counts only "
    "if I saw it in the last 30 days)."
)


class QuestionNotifier(Protocol):
    """Who is told what (implemented by ``bot.questions.telegram``)."""

    async def queue_changed(self, session_guid: str) -> None:
        """A session's queue changed: refresh its live host views."""

    async def answered(self, question: Question, session: Session) -> None:
        """Tell the asker their question was answered."""

    async def host_assigned(self, user_id: int, session: Session) -> None:
        """Tell a person they host a session, with the way to their host view."""


class SilentNotifier:
    """Tells nobody (before the Telegram adapter is bound, and in unit tests)."""

    async def queue_changed(self, session_guid: str) -> None:
        """Do nothing."""

    async def answered(self, question: Question, session: Session) -> None:
        """Do nothing."""

    async def host_assigned(self, user_id: int, session: Session) -> None:
        """Do nothing."""


@dataclass(frozen=True, slots=True)
class Posting:
    """A session that ended, with the top questions to post to the community group."""

    session: Session
    questions: tuple[Question, ...]


def clean_question(text: str) -> str:
    """Normalise a typed question; DomainError when empty or too long."""
    lines = clean_typed(text).splitlines()
    text = "\n".join(line.strip() for line in lines if line.strip())
    if not text:
        raise DomainError(N_("Please write your question as text."))
    too_long = N_("Your question has {length} characters; please keep it to {limit}.")
    return within(text, MAX_QUESTION, too_long)


@dataclass
class Questions(SessionLookup):
    """The rules of questions to sessions."""

    store: QuestionRepository
    source: ProgrammeSource
    config: Config  # [questions]; the roles (organisers and moderators host every session)
    clock: Clock
    notifier: QuestionNotifier = field(default_factory=SilentNotifier, init=False)

    # ---- sessions ----

    def by_guid_or_id(self, session_id: str) -> Session | None:
        """Return the session users know by this number, or None."""
        programme = self.source.programme
        return programme.session_by_id(session_id) if programme and session_id else None

    def takes_questions(self, session: Session) -> bool:
        """Tell whether the session's type takes questions at all."""
        skip = {kind.casefold() for kind in self.config.questions.skip_types}
        return (session.type or "").casefold() not in skip

    def opens_at(self, session: Session) -> datetime:
        """Return when asking opens."""
        return session.start - timedelta(minutes=self.config.questions.open_minutes_before)

    def closes_at(self, session: Session) -> datetime:
        """Return when asking and voting close."""
        return session.end + timedelta(minutes=self.config.questions.close_minutes_after)

    def is_open(self, session: Session, now: datetime | None = None) -> bool:
        """Tell whether questions may be asked and voted on now."""
        now = now or self.clock()
        return self.takes_questions(session) and self.opens_at(session) <= now < self.closes_at(
            session
        )

    def check_open(self, session: Session) -> None:
        """Raise DomainError (saying why) unless the session takes questions now."""
        if not self.takes_questions(session):
            raise DomainError(N_("This session takes no questions."))
        now = self.clock()
        if now < self.opens_at(session):
            raise DomainError(
                N_("Questions to this session open {minutes} minutes before it starts."),
                minutes=self.config.questions.open_minutes_before,
            )
        if now >= self.closes_at(session):
            raise DomainError(N_("This session has ended; it takes no more questions."))

    def open_sessions(self, now: datetime | None = None) -> tuple[Session, ...]:
        """Return the sessions that take questions right now."""
        programme = self.source.programme
        if programme is None:
            return ()
        now = now or self.clock()
        return tuple(s for s in programme.sessions if self.is_open(s, now))

    # ---- asking ----

    async def _asker(self, user_id: int) -> Asker:
        asker = await self.store.asker(user_id, self.config.event.default_language)
        if asker is None:
            raise DomainError(N_("Please start me in a private chat first, then ask again."))
        return asker

    async def draft(self, user_id: int, session: Session, text: str) -> Question:
        """Keep a question until its asker chooses to sign it or stay anonymous."""
        self.check_open(session)
        cleaned = clean_question(text)
        asker = await self._asker(user_id)
        return await self.store.add(session.guid, asker, cleaned, Status.DRAFT, self.clock())

    async def sign(self, user_id: int, question_id: int, *, anonymous: bool) -> Question:
        """Publish a draft signed with the asker's name or anonymously."""
        question = await self.store.get(question_id)
        if question is None or question.asker_id != user_id or question.status is not Status.DRAFT:
            raise DomainError(N_("This button is no longer valid."))
        session = self.by_guid(question.session_guid)
        if session is None:
            raise DomainError(N_("This button is no longer valid."))
        self.check_open(session)
        asker = await self._asker(user_id)
        status = Status.PENDING if self.config.questions.premoderation else Status.OPEN
        if not await self.store.sign(question_id, user_id, anonymous, asker.display_name, status):
            raise DomainError(N_("This button is no longer valid."))
        await self.notifier.queue_changed(question.session_guid)
        signed = await self.store.get(question_id)
        assert signed is not None  # just updated
        return signed

    async def ask_signed(self, user_id: int, session: Session, text: str) -> Question:
        """Ask in one step, signed (a question written in the community group is public)."""
        draft = await self.draft(user_id, session, text)
        return await self.sign(user_id, draft.question_id, anonymous=False)

    # ---- reading ----

    async def queue(self, session: Session, reader_id: int) -> Queue:
        """Return what a participant sees: public questions ranked, and their own votes."""
        found = await self.store.of_session(session.guid, PUBLIC)
        voted = await self.store.votes_of(session.guid, reader_id)
        return Queue(
            session.guid,
            tuple(sorted(found, key=rank_key)),
            voted,
            is_open=self.is_open(session),
        )

    async def host_queue(self, session: Session) -> Queue:
        """Return what a host sees: also the questions awaiting approval, and the hidden count."""
        found = await self.store.of_session(session.guid, (Status.PENDING, *PUBLIC))
        hidden = await self.store.count_hidden(session.guid)
        return Queue(
            session.guid,
            tuple(sorted(found, key=rank_key)),
            frozenset(),
            hidden,
            is_open=self.is_open(session),
        )

    async def mine(self, user_id: int, question_id: int) -> Question | None:
        """Return the asker's own question (for the confirmation they see)."""
        question = await self.store.get(question_id)
        return question if question and question.asker_id == user_id else None

    # ---- voting ----

    async def vote(self, user_id: int, question_id: int, *, up: bool) -> Session:
        """Add (or withdraw) the person's "+1"; pressing the same button twice counts once."""
        question = await self.store.get(question_id)
        session = self.by_guid(question.session_guid) if question else None
        if question is None or session is None or question.status is Status.HIDDEN:
            raise DomainError(N_("This question is no longer available."))
        if question.status is not Status.OPEN:
            raise DomainError(N_("This question was already answered."))
        if not self.is_open(session):
            raise DomainError(N_("This session has ended; voting is closed."))
        if await self.store.set_vote(question_id, user_id, up):
            await self.notifier.queue_changed(session.guid)
        return session

    # ---- hosting ----

    async def is_host(self, user_id: int, session: Session) -> bool:
        """Tell whether the person may run the session's questions."""
        config = self.config
        if config.is_organiser(user_id) or config.is_moderator(user_id):
            return True
        return await self.store.is_host(session.guid, user_id)

    async def act(self, user_id: int, question_id: int, action: HostAction) -> Question | None:
        """Apply a host's button; None (nothing changes) unless a host of its session pressed."""
        question = await self.store.get(question_id)
        session = self.by_guid(question.session_guid) if question else None
        if question is None or session is None or not await self.is_host(user_id, session):
            return None
        now = self.clock()
        changed = False
        if action is HostAction.ANSWERED:
            changed = await self.store.set_status(
                question_id, Status.ANSWERED, now, only_from=(Status.OPEN, Status.PENDING)
            )
        elif action is HostAction.HIDE:
            changed = await self.store.set_status(
                question_id,
                Status.HIDDEN,
                now,
                only_from=(Status.OPEN, Status.PENDING, Status.ANSWERED),
            )
        elif action is HostAction.APPROVE:
            changed = await self.store.set_status(
                question_id, Status.OPEN, now, only_from=(Status.PENDING,)
            )
        elif action in (HostAction.PIN, HostAction.UNPIN):
            changed = await self.store.set_pinned(question_id, action is HostAction.PIN)
        updated = await self.store.get(question_id)
        if not changed or updated is None:
            return updated
        await self.notifier.queue_changed(session.guid)
        if action is HostAction.ANSWERED:
            await self.notifier.answered(updated, session)
        return updated

    async def assign_host(self, organiser_id: int, session: Session, user_id: int) -> bool:
        """Make a person a host of a session (organisers only); tell them."""
        self._require_organiser(organiser_id)
        added = await self.store.add_host(session.guid, user_id, self.clock())
        if added:
            await self.notifier.host_assigned(user_id, session)
        return added

    async def remove_host(self, organiser_id: int, session: Session, user_id: int) -> bool:
        """Stop a person hosting a session (organisers only)."""
        self._require_organiser(organiser_id)
        return await self.store.remove_host(session.guid, user_id)

    async def hosts(self, session: Session) -> list[tuple[int, str]]:
        """Return a session's assigned hosts."""
        return await self.store.hosts(session.guid)

    async def find_person(self, text: str) -> int | None:
        """Find a participant by @username (the one person seen with it within
        ``USERNAME_FRESH``: a username can change hands) or by their profile card's code."""
        word = text.strip().split()[0] if text.strip() else ""
        since = self.clock() - USERNAME_FRESH
        found: list[int] = []
        if word.startswith("@") and len(word) > 1:
            found = await self.store.find_person(word[1:64], None, since)
        elif (code := parse_code(word)) is not None:
            found = await self.store.find_person(None, code, since)
        return found[0] if len(found) == 1 else None

    def _require_organiser(self, user_id: int) -> None:
        if not self.config.is_organiser(user_id):
            raise DomainError(N_("Only the organisers can assign session hosts."))

    # ---- after a session ----

    async def due_postings(self) -> list[Posting]:
        """Claim the sessions that ended and whose top questions go to the community group."""
        count = self.config.questions.post_top_to_group
        programme = self.source.programme
        if count <= 0 or programme is None:
            return []
        now = self.clock()
        done = await self.store.posted()
        postings = []
        for session in programme.sessions:
            ended = self.closes_at(session)
            if not ended <= now < ended + timedelta(hours=6) or session.guid in done:
                continue
            if not self.takes_questions(session) or not await self.store.claim_post(
                session.guid, now
            ):
                continue
            found = await self.store.of_session(session.guid, PUBLIC)
            top = tuple(sorted(found, key=lambda q: (-q.votes, q.question_id))[:count])
            if not top:
                await self.store.finish_post(session.guid, "none")
                continue
            postings.append(Posting(session, top))
        return postings

    async def posted(self, session: Session, *, sent: bool) -> None:
        """Record whether a claimed posting went out."""
        await self.store.finish_post(session.guid, "sent" if sent else "failed")

    async def export(self) -> list[Question]:
        """Return every asked question, for the organisers' CSV."""
        return await self.store.all_questions()
