"""Feedback on sessions and the end-of-forum survey: data shared by service, storage, render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

MAX_COMMENT = 1000
MAX_SURVEY_TEXT = 1000
REGIONS = ("europe", "africa", "latam", "other")


@dataclass(frozen=True, slots=True)
class DuePerson:
    """Someone with feedback prompts due: where they are and when they were last prompted."""

    user_id: int
    language: str
    timezone: str | None
    sessions: tuple[str, ...]  # guids of the prompts due now
    last_prompted: datetime | None


@dataclass(frozen=True, slots=True)
class PromptBatch:
    """One prompt message to one person: the sessions it asks about."""

    user_id: int
    language: str
    sessions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Draft:
    """A rating pressed, waiting for its optional comment."""

    user_id: int
    session_guid: str
    rating: int
    named: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Rating:
    """A submitted rating; ``named_as`` only when the person chose to be named."""

    rating_id: int
    session_guid: str
    rating: int
    comment: str
    language: str
    region: str
    named_as: str | None
    submitted_on: date


@dataclass(frozen=True, slots=True)
class Tally:
    """Count, mean and distribution (index 0 is one star) of a set of ratings."""

    count: int = 0
    total: int = 0
    distribution: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @property
    def mean(self) -> float:
        """Return the mean rating (0 when there is none)."""
        return self.total / self.count if self.count else 0.0

    def add(self, rating: int) -> Tally:
        """Return the tally with one more rating."""
        counts = list(self.distribution)
        counts[rating - 1] += 1
        return Tally(
            self.count + 1,
            self.total + rating,
            (counts[0], counts[1], counts[2], counts[3], counts[4]),
        )


@dataclass(frozen=True, slots=True)
class SessionResult:
    """The feedback of one session."""

    session_guid: str
    tally: Tally
    by_region: dict[str, Tally] = field(default_factory=dict)
    by_language: dict[str, Tally] = field(default_factory=dict)
    comments: tuple[Rating, ...] = ()


@dataclass(frozen=True, slots=True)
class Results:
    """The whole programme's feedback: per session (ranked), and broken down."""

    sessions: tuple[SessionResult, ...]  # best mean first, then most ratings
    overall: Tally
    by_region: dict[str, Tally]
    by_language: dict[str, Tally]


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """One answer of a finished (anonymous) survey response."""

    response_id: int
    question_id: str
    answer: str
    language: str
    region: str
    submitted_on: date


def tally(ratings: list[Rating] | tuple[Rating, ...]) -> Tally:
    """Return the tally of some ratings."""
    result = Tally()
    for rating in ratings:
        result = result.add(rating.rating)
    return result


def breakdown(ratings: list[Rating] | tuple[Rating, ...], key: str) -> dict[str, Tally]:
    """Return tallies grouped by ``region`` or ``language``."""
    groups: dict[str, Tally] = {}
    for rating in ratings:
        name = rating.region if key == "region" else rating.language
        groups[name] = groups.get(name, Tally()).add(rating.rating)
    return dict(sorted(groups.items()))


def summarise(ratings: list[Rating]) -> Results:
    """Return the results of every session that has ratings, ranked."""
    by_session: dict[str, list[Rating]] = {}
    for rating in ratings:
        by_session.setdefault(rating.session_guid, []).append(rating)
    sessions = [result_of(guid, items) for guid, items in by_session.items()]
    sessions.sort(key=lambda r: (-r.tally.mean, -r.tally.count, r.session_guid))
    return Results(
        tuple(sessions),
        tally(ratings),
        breakdown(ratings, "region"),
        breakdown(ratings, "language"),
    )


def result_of(session_guid: str, ratings: list[Rating]) -> SessionResult:
    """Return one session's result from its ratings."""
    return SessionResult(
        session_guid,
        tally(ratings),
        breakdown(ratings, "region"),
        breakdown(ratings, "language"),
        # Comments, and the ratings of those who chose to be named (with or without one).
        tuple(r for r in ratings if r.comment or r.named_as),
    )
