"""Feedback on sessions: who is asked when, what a rating may be, and the organisers' results.

After a session of a rated type ends (plus ``delay_minutes``), everyone who had it in their
agenda gets one prompt for it; prompts that fall due together, or within
``min_prompt_gap_minutes`` of the person's last prompt, go out as one message, and none goes out
in the person's quiet hours. A rating is pressed (1-5), then the optional comment is typed or
skipped; only then is it submitted, anonymous unless the person chose to be named. The
end-of-forum survey (``Survey``) asks the configured questions and keeps the finished answers
anonymous too. Nothing here knows Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import Config, SurveyConfig, SurveyQuestion
from bot.errors import DomainError
from bot.feedback.model import (
    MAX_COMMENT,
    MAX_SURVEY_TEXT,
    Draft,
    PromptBatch,
    Rating,
    Results,
    SessionResult,
    SurveyAnswer,
    result_of,
    summarise,
)
from bot.i18n import N_
from bot.participants.model import Recipient
from bot.schedule.lookup import ProgrammeSource, SessionLookup
from bot.schedule.model import Session
from bot.typed import clean_typed, within
from storage.feedback import FeedbackStore

# How long after a session's end its prompts are still planned (a bot started late does not
# ask about yesterday's sessions).
PLAN_WINDOW = timedelta(hours=12)


def clean_text(text: str, limit: int) -> str:
    """Normalise a typed comment or answer; DomainError when too long."""
    return within(clean_typed(text), limit)


def is_quiet(hour: int, start: int, end: int) -> bool:
    """Tell whether a local hour falls in the quiet hours [start, end)."""
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def quiet_until(now: datetime, zone: ZoneInfo, start: int, end: int) -> datetime | None:
    """Return when the quiet hours around ``now`` end (UTC), or None when it is not quiet."""
    local = now.astimezone(zone)
    if not is_quiet(local.hour, start, end):
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=zone).astimezone(now.tzinfo)


@dataclass(frozen=True, slots=True)
class Submitted:
    """What submitting a rating did."""

    rating: Rating
    session: Session


@dataclass
class Feedback(SessionLookup):
    """The rules of session feedback."""

    store: FeedbackStore
    source: ProgrammeSource
    config: Config  # [feedback]; the event's zone; the organisers see the results
    clock: Clock

    # ---- sessions ----

    def is_rated(self, session: Session) -> bool:
        """Tell whether sessions of this type are rated."""
        kind, settings = (session.type or "").casefold(), self.config.feedback
        if kind in {t.casefold() for t in settings.skip_types}:
            return False
        wanted = {t.casefold() for t in settings.session_types}
        return not wanted or kind in wanted

    def can_rate_now(self, session: Session) -> bool:
        """Tell whether "Rate" belongs on the session's card now (rated type, has started)."""
        return self.is_rated(session) and session.start <= self.clock()

    # ---- prompts ----

    async def plan(self) -> int:
        """Plan the prompts of sessions that ended; return how many prompts were added."""
        programme = self.source.programme
        if programme is None:
            return 0
        now = self.clock()
        delay = timedelta(minutes=self.config.feedback.delay_minutes)
        done = await self.store.planned()
        added = 0
        for session in programme.sessions:
            due = session.end + delay
            if session.guid in done or not due <= now < due + PLAN_WINDOW:
                continue
            if self.is_rated(session):
                added += await self.store.plan_session(session.guid, due, now)
        return added

    async def claim_due(self) -> list[PromptBatch]:
        """Claim the prompt messages to send now: one per person, respecting the hour rule.

        People prompted within the last ``min_prompt_gap_minutes``, or in their quiet hours,
        have their due prompts moved to when they may be asked; they are asked then, about
        everything that fell due meanwhile, in one message.
        """
        now, settings = self.clock(), self.config.feedback
        gap = timedelta(minutes=settings.min_prompt_gap_minutes)
        batches: list[PromptBatch] = []
        for person in await self.store.due_people(now, settings.dispatch_batch):
            wait_until = None
            if person.last_prompted is not None and now < person.last_prompted + gap:
                wait_until = person.last_prompted + gap
            zone = ZoneInfo(person.timezone or self.config.event.timezone)
            quiet = quiet_until(
                wait_until or now, zone, settings.quiet_start_hour, settings.quiet_end_hour
            )
            wait_until = quiet or wait_until
            if wait_until is not None:
                await self.store.postpone(person.user_id, wait_until, now)
                continue
            sessions = await self.store.claim(person.user_id, person.sessions, now)
            live = tuple(guid for guid in sessions if self.by_guid(guid) is not None)
            gone = tuple(guid for guid in sessions if guid not in live)
            if gone:
                await self.store.finish(person.user_id, gone, "skipped")
            if live:
                batches.append(PromptBatch(person.user_id, person.language, live))
        return batches

    async def prompted(self, batch: PromptBatch, state: str) -> None:
        """Record a prompt message's outcome: 'sent', 'skipped', or 'pending' to retry."""
        await self.store.finish(batch.user_id, batch.sessions, state)

    # ---- rating ----

    async def open_rating(self, user_id: int, session: Session) -> Session:
        """Check that the person may rate the session now."""
        if not self.is_rated(session):
            raise DomainError(N_("This session is not rated."))
        if self.clock() < session.start:
            raise DomainError(N_("You can rate this session once it has started."))
        if await self.store.has_given(user_id, session.guid):
            raise DomainError(N_("You have already rated this session. Thank you!"))
        return session

    async def rate(self, user_id: int, session: Session, rating: int) -> Draft:
        """Record the stars pressed; the rating waits for its optional comment."""
        if not 1 <= rating <= 5:
            raise DomainError(N_("This button is no longer valid."))
        await self.open_rating(user_id, session)
        return await self.store.save_draft(user_id, session.guid, rating, None, self.clock())

    async def set_named(self, user_id: int, session: Session, named: bool) -> Draft:
        """Choose whether the organisers see the person's name with the rating."""
        draft = await self.store.set_named(user_id, session.guid, named)
        if draft is None:
            raise DomainError(N_("This button is no longer valid."))
        return draft

    async def submit(self, user_id: int, session: Session, comment: str = "") -> Submitted:
        """Submit the person's rating, with the comment they typed (or none)."""
        cleaned = clean_text(comment, MAX_COMMENT)
        today = self.clock().astimezone(self.config.tz).date()
        rating = await self.store.submit(user_id, session.guid, cleaned, today)
        if rating is None:
            if await self.store.has_given(user_id, session.guid):
                raise DomainError(N_("You have already rated this session. Thank you!"))
            raise DomainError(N_("This button is no longer valid."))
        return Submitted(rating, session)

    async def submit_stale(self) -> int:
        """Submit, without a comment, ratings whose comment has not come for a while."""
        cutoff = self.clock() - timedelta(minutes=self.config.feedback.comment_wait_minutes)
        today = self.clock().astimezone(self.config.tz).date()
        done = 0
        for draft in await self.store.stale_drafts(cutoff):
            done += (
                await self.store.submit(draft.user_id, draft.session_guid, "", today) is not None
            )
        return done

    # ---- results ----

    def _require_organiser(self, user_id: int) -> None:
        if not self.config.is_organiser(user_id):
            raise DomainError(N_("Only the organisers can see the feedback."))

    async def results(self, user_id: int) -> Results:
        """Return the whole programme's feedback, ranked and broken down (organisers only)."""
        self._require_organiser(user_id)
        return summarise(await self.store.ratings())

    async def session_result(self, user_id: int, session: Session) -> SessionResult:
        """Return one session's feedback (organisers only)."""
        self._require_organiser(user_id)
        return result_of(session.guid, await self.store.ratings(session.guid))

    async def export(self, user_id: int) -> tuple[list[Rating], list[SurveyAnswer]]:
        """Return every rating and survey answer, for the CSV (organisers only)."""
        self._require_organiser(user_id)
        return await self.store.ratings(), await self.store.survey_answers()


@dataclass(frozen=True, slots=True)
class SurveyStep:
    """The survey question to ask next (None when the survey is finished)."""

    index: int
    question: SurveyQuestion | None
    total: int


@dataclass
class Survey:
    """The end-of-forum survey: the configured questions, answered one at a time."""

    store: FeedbackStore
    config: SurveyConfig
    clock: Clock

    @property
    def is_on(self) -> bool:
        """Tell whether there is a survey to take."""
        return self.config.enabled and bool(self.config.questions)

    async def next_step(self, user_id: int) -> SurveyStep:
        """Return the first question the person has not answered yet."""
        if not self.is_on:
            raise DomainError(N_("There is no survey at the moment."))
        questions = self.config.questions
        if await self.store.survey_completed(user_id):
            raise DomainError(N_("You have already taken the survey. Thank you!"))
        given = await self.store.survey_drafts(user_id)
        for index, question in enumerate(questions):
            if question.id not in given:
                return SurveyStep(index, question, len(questions))
        return SurveyStep(len(questions), None, len(questions))

    async def answer(self, user_id: int, index: int, value: str | None) -> SurveyStep:
        """Record the answer to question ``index`` (None: skipped) and return the next step."""
        step = await self.next_step(user_id)
        if step.question is None or step.index != index:
            raise DomainError(N_("This button is no longer valid."))
        question = step.question
        if value is None:
            if not question.optional:
                raise DomainError(N_("This question needs an answer."))
            answer = ""
        elif question.kind == "rating":
            if value not in {"1", "2", "3", "4", "5"}:
                raise DomainError(N_("This button is no longer valid."))
            answer = value
        elif question.kind == "choice":
            if not value.isdigit() or not 0 <= int(value) < len(question.choices):
                raise DomainError(N_("This button is no longer valid."))
            answer = question.choices[int(value)]["en"]
        else:
            answer = clean_text(value, MAX_SURVEY_TEXT)
            if not answer:
                raise DomainError(N_("Please send your answer as text."))
        await self.store.save_survey_answer(user_id, question.id, answer)
        following = await self.next_step(user_id)
        if following.question is None:
            await self.store.complete_survey(user_id, self.clock())
        return following

    async def sent(self, user_id: int) -> None:
        """Record that the survey reached the person."""
        await self.store.survey_sent(user_id, self.clock())

    async def due_reminders(self) -> list[Recipient]:
        """Claim the one reminder of those who got the survey and did not finish it."""
        if not self.is_on:
            return []
        now = self.clock()
        sent_before = now - timedelta(hours=self.config.reminder_after_hours)
        return await self.store.claim_survey_reminders(sent_before, now)
