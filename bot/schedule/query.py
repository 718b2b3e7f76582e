"""Understand a free-text question about the programme with rules, not a language model.

A question is folded (case, accents, punctuation), matched against the per-language lexicon
(the user's language first, then the others), stripped of times and filler words, and what
remains is matched against speakers, rooms and session titles (fuzzy, with rapidfuzz, plus
full-text hits from the store). The answer says what kind of reply to give; rendering it is
somebody else's job.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from rapidfuzz import fuzz, process

from bot.i18n import LANGUAGES, N_
from bot.schedule.lexicon import LEXICONS, STOPWORDS, TOPICS
from bot.schedule.model import Programme, Session, on_programme_day

MAX_QUESTION_CHARS = 300
TITLE_CUTOFF = 85.0
NAME_CUTOFF = 85.0
ROOM_CUTOFF = 88.0
TIE_MARGIN = 3.0
# A title found through a word's equivalent in another language scores a little below one that
# holds the word itself, so "e-procurement" prefers the titles that say it over those that say
# "compras" (still above TITLE_CUTOFF).
EQUIVALENT_WEIGHT = 0.9
MAX_CANDIDATES = 5
PARTS_OF_DAY: dict[str, tuple[int, int]] = {
    "morning": (8, 12),
    "afternoon": (12, 18),
    "evening": (18, 23),
}

SearchHits = Sequence[tuple[str, float]]
Search = Callable[[str], SearchHits]


class Kind(StrEnum):
    """What kind of answer to give."""

    SESSIONS = "sessions"  # sessions in a time window (now, next, tomorrow morning, ...)
    SESSION = "session"  # one session, or every occurrence of one (lunch break each day)
    SPEAKER = "speaker"  # a speaker's sessions
    ROOM = "room"  # a room's sessions
    AMBIGUOUS = "ambiguous"  # several different sessions fit: offer them as buttons
    BEFORE = "before"  # asked about a time before the forum
    AFTER = "after"  # asked about a time after the forum
    NOTHING = "nothing"  # not understood: suggest commands


class Intent(StrEnum):
    """What the question asks for."""

    NOW = "now"
    NEXT = "next"
    WHEN = "when"
    WHERE = "where"
    WHO = "who"
    WHATS_ON = "whats_on"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Answer:
    """The understood question and the sessions that answer it."""

    kind: Kind
    intent: Intent
    sessions: tuple[Session, ...] = ()
    day: date | None = None
    window: tuple[datetime, datetime] | None = None
    subject: str | None = None
    language: str = "en"
    note: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    """What the lexicon recognised in a question."""

    language: str
    tags: frozenset[str]
    at: time | None
    residual: tuple[str, ...]


def fold(text: str) -> str:
    """Return ``text`` casefolded, without accents, with punctuation turned into spaces."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w:]+|_", " ", plain).split())


@cache
def _lexicon_pattern(lang: str) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    table = {fold(phrase): tags for phrase, tags in LEXICONS[lang].items()}
    phrases = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")
    return pattern, table


_STOPWORDS = frozenset().union(*STOPWORDS.values())
_DAY_NUMBER = re.compile(r"\b(?:day|tag|dia|jour)\s*(\d)\b")
_TIME_PATTERNS = (
    re.compile(r"\b(\d{1,2})\s*(?::|h)\s*(\d{2})\s*(am|pm)?\b"),
    re.compile(r"\b(\d{1,2})()\s*(am|pm|a m|p m)\b"),
    re.compile(r"\b(\d{1,2})()\s*(?:h|uhr)()\b"),
    re.compile(r"\b(?:a las|a la|as|at|um|gegen|vers|around|ab|from|desde|des)\s+(\d{1,2})()()\b"),
)


def _take_time(text: str) -> tuple[time | None, str]:
    for pattern in _TIME_PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        hour = int(match.group(1))
        minute = int(match.group(2) or 0)
        suffix = (match.group(3) or "").replace(" ", "")
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        elif not suffix and 1 <= hour < 7:
            hour += 12  # nobody meets at 3 a.m.: a bare "at 3" is the afternoon
        if hour > 23 or minute > 59:
            return None, text
        return time(hour, minute), text[: match.start()] + " " + text[match.end() :]
    return None, text


def parse(text: str, lang: str) -> Parsed:
    """Recognise days, parts of day, times and intents in a question."""
    folded = fold(text[:MAX_QUESTION_CHARS])
    tags: set[str] = set()
    day_number = _DAY_NUMBER.search(folded)
    if day_number:
        tags.add(f"day{day_number.group(1)}")
        folded = folded[: day_number.start()] + " " + folded[day_number.end() :]
    at, folded = _take_time(folded)
    order = [lang] if lang in LEXICONS else []
    order += [other for other in LANGUAGES if other not in order]
    best: tuple[int, str, set[str], str] | None = None
    for candidate in order:
        pattern, table = _lexicon_pattern(candidate)
        found: set[str] = set()
        count = 0
        for match in pattern.finditer(folded):
            found.update(table[match.group(0)])
            count += 1
        if count and (best is None or count > best[0]):
            best = (count, candidate, found, pattern.sub(" ", folded))
    language = lang if lang in LEXICONS else "en"
    if best is not None:
        _, language, found, folded = best
        tags |= found
    tags.discard("ignore")
    residual = tuple(w for w in folded.split() if w not in _STOPWORDS)
    return Parsed(language=language, tags=frozenset(tags), at=at, residual=residual)


def _intent(tags: frozenset[str]) -> Intent:
    for name in ("when", "where", "who", "now", "next", "whats_on"):
        if name in tags:
            return Intent(name)
    return Intent.UNKNOWN


class _Index:
    """Folded titles, speakers and rooms of one programme, built once for fuzzy matching."""

    def __init__(self, programme: Programme) -> None:
        titles: dict[str, list[Session]] = {}
        for session in programme.sessions:
            for title in session.all_titles():
                key = _topic(title)
                if key:
                    bucket = titles.setdefault(key, [])
                    if session not in bucket:
                        bucket.append(session)
        self.title_keys = list(titles)
        self.title_sessions = [tuple(titles[k]) for k in self.title_keys]
        postings: dict[str, set[int]] = {}
        for position, key in enumerate(self.title_keys):
            for word in key.split():
                postings.setdefault(word, set()).add(position)
        self.vocabulary = sorted(postings)
        self.postings = [postings[w] for w in self.vocabulary]
        self.main_title = {s.guid: _topic(s.title) for s in programme.sessions}
        self.speakers = list(programme.speakers)
        self.speaker_keys = [fold(s) for s in self.speakers]
        self.rooms = list(programme.rooms)
        self.room_keys = [fold(r) for r in self.rooms]

    def match_titles(self, words: Sequence[str]) -> list[tuple[float, int]]:
        """Return (score, title position) for titles containing (fuzzily) the given words.

        A title scores the mean over the words of its best-matching word's similarity, so every
        word must be present for a high score, and a typo ("procurment") costs only a little.
        A word of the forum's topics in another language counts through its equivalents
        ("Mittagspause": "lunch break"); one that no title holds in any language is left out
        of the mean ("electrónica" where the titles say "E-procurement").
        """
        words = _join_phrases([w for w in dict.fromkeys(words) if len(w) >= 2][:8])
        if not words:
            return []
        totals: dict[int, float] = {}
        count = 0
        for word in words:
            best = self._phrase_scores(word)
            equivalents = _equivalents(word)
            for phrase in equivalents:
                for title, score in self._phrase_scores(phrase).items():
                    best[title] = max(best.get(title, 0.0), EQUIVALENT_WEIGHT * score)
            if not best and equivalents:
                continue
            count += 1
            for title, score in best.items():
                totals[title] = totals.get(title, 0.0) + score
        ranked = [(total / count, title) for title, total in totals.items()]
        ranked.sort(key=lambda item: -item[0])
        return ranked

    def _phrase_scores(self, phrase: str) -> dict[int, float]:
        """Return how well each title holds all the words of ``phrase``: their mean score."""
        scores = [self._word_scores(part) for part in phrase.split() if len(part) >= 2]
        if not scores:
            return {}
        common = set.intersection(*(set(s) for s in scores))
        return {title: sum(s[title] for s in scores) / len(scores) for title in common}

    def _word_scores(self, word: str) -> dict[int, float]:
        """Return how well each title (by position) holds ``word``: 80-100, typos forgiven."""
        best: dict[int, float] = {}
        for _, score, position in process.extract(
            word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=None
        ):
            for title in self.postings[position]:
                best[title] = max(best.get(title, 0.0), score)
        if len(word) >= 4:
            start = bisect.bisect_left(self.vocabulary, word)
            for position in range(start, len(self.vocabulary)):
                if not self.vocabulary[position].startswith(word):
                    break
                for title in self.postings[position]:
                    best[title] = max(best.get(title, 0.0), 95.0)
        return best


def _equivalents(word: str) -> tuple[str, ...]:
    """Return the other members of ``word``'s topic group (a plural "-s" tried too)."""
    found = _TOPIC_GROUPS.get(word)
    if found is None and len(word) > 4 and word.endswith("s"):
        found = _TOPIC_GROUPS.get(word[:-1])
    return tuple(member for member in found or () if member != word)


def _join_phrases(words: list[str]) -> list[str]:
    """Join neighbouring words that form a topic phrase ("marches publics") into one."""
    joined: list[str] = []
    for word in words:
        if joined and f"{joined[-1]} {word}" in _TOPIC_GROUPS:
            joined[-1] = f"{joined[-1]} {word}"
        else:
            joined.append(word)
    return joined


_TOPIC_GROUPS: dict[str, tuple[str, ...]] = {member: group for group in TOPICS for member in group}


def _topic(text: str) -> str:
    return " ".join(w for w in fold(text).split() if w not in _STOPWORDS)


# The bot answers from one programme at a time: remember the index of the last one seen.
_LAST_INDEX: list[tuple[Programme, _Index]] = []


def _index(programme: Programme) -> _Index:
    if _LAST_INDEX and _LAST_INDEX[0][0] is programme:
        return _LAST_INDEX[0][1]
    built = _Index(programme)
    _LAST_INDEX[:] = [(programme, built)]
    return built


def prepare(programme: Programme) -> None:
    """Build the fuzzy-matching index now (call after an import) so no user waits for it."""
    _index(programme)


def understand(
    text: str,
    lang: str,
    now: datetime,
    programme: Programme,
    search: Search | SearchHits | None = None,
) -> Answer:
    """Work out what a free-text question asks and which sessions answer it."""
    parsed = parse(text, lang)
    intent = _intent(parsed.tags)
    day = _resolve_day(parsed.tags, now, programme)
    topic = " ".join(parsed.residual)

    if len(parsed.residual) == 1:
        by_id = programme.session_by_id(parsed.residual[0])
        if by_id is not None:
            return Answer(Kind.SESSION, sessions=(by_id,), intent=intent, language=parsed.language)

    if sum(c.isalpha() for c in topic) >= 3:
        entity = _match_entity(topic, parsed, intent, day, programme, search)
        if entity is not None:
            return entity

    if intent is Intent.NOW and day is None and parsed.at is None:
        return _now(now, programme, parsed.language)
    if intent is Intent.NEXT and day is None and parsed.at is None:
        return _next(now, programme, parsed.language)
    has_time = (
        day is not None
        or parsed.at is not None
        or any(p in parsed.tags for p in PARTS_OF_DAY)
        or intent in (Intent.WHATS_ON, Intent.NOW, Intent.NEXT)
    )
    if has_time:
        return _window(parsed, intent, day, now, programme)
    return Answer(
        Kind.NOTHING,
        note=N_("I did not understand. Try /now, /next, /today or /search with a word."),
        intent=intent,
        language=parsed.language,
    )


def _resolve_day(tags: frozenset[str], now: datetime, programme: Programme) -> date | None:
    today = programme.day_of(now)
    if "after_tomorrow" in tags:
        return today + timedelta(days=2)
    if "tomorrow" in tags:
        return today + timedelta(days=1)
    for number in range(1, 10):
        if f"day{number}" in tags:
            if number <= len(programme.days):
                return programme.days[number - 1]
            return (programme.days[-1] if programme.days else today) + timedelta(days=number)
    if "day_last" in tags and programme.days:
        return programme.days[-1]
    for weekday in range(7):
        if f"wd{weekday}" in tags:
            matching = [d for d in programme.days if d.weekday() == weekday]
            upcoming = [d for d in matching if d >= today]
            if upcoming or matching:
                return (upcoming or matching)[0]
            ahead = (weekday - today.weekday()) % 7
            return today + timedelta(days=ahead)
    if "today" in tags:
        return today
    return None


def _match_entity(
    topic: str,
    parsed: Parsed,
    intent: Intent,
    day: date | None,
    programme: Programme,
    search: Search | SearchHits | None,
) -> Answer | None:
    index = _index(programme)
    speaker = process.extractOne(
        topic, index.speaker_keys, scorer=fuzz.WRatio, score_cutoff=NAME_CUTOFF
    )
    room = process.extractOne(topic, index.room_keys, scorer=fuzz.WRatio, score_cutoff=ROOM_CUTOFF)
    titles = [item for item in index.match_titles(parsed.residual) if item[0] >= TITLE_CUTOFF][:40]
    best_title = titles[0][0] if titles else 0.0
    for kind, match, names, of in (
        (Kind.SPEAKER, speaker, index.speakers, programme.by_speaker),
        (Kind.ROOM, room, index.rooms, programme.in_room),
    ):
        if match is not None and match[1] >= best_title:
            name = names[match[2]]
            found = _on_day(of(name), day)
            return Answer(
                kind,
                sessions=found,
                subject=name,
                day=day,
                intent=intent,
                language=parsed.language,
            )

    scored: dict[str, tuple[float, Session]] = {}
    for score, position in titles:
        for session in index.title_sessions[position]:
            if session.guid not in scored or scored[session.guid][0] < score:
                scored[session.guid] = (score, session)
    if not scored and search is not None:
        hits = search(topic) if callable(search) else search
        for rank, (guid, _) in enumerate(hits[:MAX_CANDIDATES]):
            hit = programme.session_by_guid(guid)
            if hit is not None:
                scored[guid] = (TITLE_CUTOFF - rank, hit)
    if not scored:
        return None
    ranked = sorted(scored.values(), key=lambda item: (-item[0], item[1].start))
    if day is not None:
        same_day = [item for item in ranked if item[1].day == day]
        ranked = same_day or ranked
    top = ranked[0][0]
    close = [s for score, s in ranked if score >= top - TIE_MARGIN]
    distinct = {index.main_title[s.guid] for s in close}
    if len(distinct) == 1 or intent is Intent.WHO:
        ordered = tuple(sorted(close, key=lambda s: s.start))
        return Answer(
            Kind.SESSION,
            sessions=ordered[: MAX_CANDIDATES * 2],
            day=day,
            intent=intent,
            language=parsed.language,
        )
    return Answer(
        Kind.AMBIGUOUS,
        sessions=tuple(close[:MAX_CANDIDATES]),
        day=day,
        note=N_("Which one do you mean?"),
        intent=intent,
        language=parsed.language,
    )


def _on_day(sessions: tuple[Session, ...], day: date | None) -> tuple[Session, ...]:
    if day is None:
        return sessions
    return tuple(s for s in sessions if s.day == day)


def _before(programme: Programme, language: str, intent: Intent) -> Answer:
    first = programme.days[0] if programme.days else None
    return Answer(
        Kind.BEFORE,
        intent=intent,
        sessions=programme.on_day(first) if first else (),
        day=first,
        language=language,
        note=N_("The forum starts on {date}."),
        params={"date": first},
    )


def _after(language: str, intent: Intent) -> Answer:
    return Answer(Kind.AFTER, intent=intent, language=language, note=N_("The forum has ended."))


def _now(now: datetime, programme: Programme, language: str) -> Answer:
    if programme.starts_at is None or now < programme.starts_at:
        return _before(programme, language, Intent.NOW)
    running = programme.running_at(now)
    if running:
        return Answer(Kind.SESSIONS, Intent.NOW, sessions=running, language=language)
    following = programme.next_after(now)
    if not following:
        return _after(language, Intent.NOW)
    return Answer(
        Kind.SESSIONS,
        Intent.NOW,
        sessions=following,
        language=language,
        note=N_("Nothing is running right now. Next:"),
    )


def _next(now: datetime, programme: Programme, language: str) -> Answer:
    following = programme.next_after(now)
    if not following:
        return _after(language, Intent.NEXT)
    return Answer(Kind.SESSIONS, Intent.NEXT, sessions=following, language=language)


def _sessions_between(
    found: tuple[Session, ...],
    start: datetime,
    end: datetime,
    intent: Intent,
    parsed: Parsed,
    day: date,
) -> Answer:
    """Answer with the sessions of a time window of one day."""
    return Answer(
        Kind.SESSIONS,
        sessions=found,
        window=(start, end),
        intent=intent,
        language=parsed.language,
        day=day,
    )


def _window(
    parsed: Parsed, intent: Intent, day: date | None, now: datetime, programme: Programme
) -> Answer:
    target = day or programme.day_of(now)
    if not programme.days or target < programme.days[0]:
        return _before(programme, parsed.language, intent)
    if target > programme.days[-1]:
        return _after(parsed.language, intent)
    if target not in programme.days:
        return Answer(
            Kind.SESSIONS,
            note=N_("Nothing is on the programme then."),
            intent=intent,
            language=parsed.language,
            day=target,
        )
    zone = programme.tz
    if parsed.at is not None:
        start = on_programme_day(target, parsed.at, zone)
        end = start + timedelta(hours=1)
        running = programme.running_at(start)
        found = running + tuple(
            s for s in programme.starting_between(start, end) if s not in running
        )
        return _sessions_between(found, start, end, intent, parsed, target)
    for part, (first, last) in PARTS_OF_DAY.items():
        if part in parsed.tags:
            start = datetime.combine(target, time(first), tzinfo=zone)
            end = datetime.combine(target, time(last), tzinfo=zone)
            found = tuple(s for s in programme.starting_between(start, end) if s.day == target)
            return _sessions_between(found, start, end, intent, parsed, target)
    return Answer(
        Kind.SESSIONS,
        sessions=programme.on_day(target),
        intent=intent,
        language=parsed.language,
        day=target,
    )
