"""Free-text questions about the programme, in all five languages, on the illustrative example.

The example runs 2027-03-16..18 in Bonn (UTC+1 in March). "Now" is fixed per test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.schedule.model import Programme
from bot.schedule.query import Intent, Kind, fold, parse, prepare, understand

DAY1, DAY2, DAY3 = date(2027, 3, 16), date(2027, 3, 17), date(2027, 3, 18)
DURING_OPENING = datetime(2027, 3, 16, 9, 40, tzinfo=UTC)  # 10:40 in Bonn, day 1
BEFORE = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
EVE = datetime(2027, 3, 15, 18, 0, tzinfo=UTC)
AFTER = datetime(2027, 3, 19, 12, 0, tzinfo=UTC)


def _ids(programme: Programme, *titles: str) -> set[str]:
    return {s.id for s in programme.sessions if s.title in titles}


def _titles(sessions: tuple[object, ...]) -> list[str]:
    return [s.title for s in sessions]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what's on tomorrow morning?", "en"),
        ("was läuft morgen vormittag?", "de"),
        ("¿qué hay mañana por la mañana?", "es"),
        ("qu'est-ce qu'il y a demain matin ?", "fr"),
        ("o que há amanhã de manhã?", "pt"),
    ],
)
def test_tomorrow_morning_in_every_language(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.kind is Kind.SESSIONS
    assert answer.day == DAY2
    assert answer.language == lang
    assert answer.sessions and all(s.day == DAY2 for s in answer.sessions)
    local_hours = {s.start.astimezone(example.tz).hour for s in answer.sessions}
    assert local_hours <= set(range(8, 12))
    assert "Morning plenary: Lessons from day one" in _titles(answer.sessions)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what's on now?", "en"),
        ("was läuft jetzt", "de"),
        ("¿qué hay ahora?", "es"),
        ("qu'est-ce qu'il y a en ce moment ?", "fr"),
        ("o que há agora?", "pt"),
    ],
)
def test_now_in_every_language(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.kind is Kind.SESSIONS and answer.intent is Intent.NOW
    assert _titles(answer.sessions) == ["Opening plenary: Public money for a sustainable future"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("what's next?", "en"),
        ("was kommt als nächstes?", "de"),
        ("¿cuál es la próxima sesión?", "es"),
        ("quelle est la prochaine session", "fr"),
        ("qual é a próxima sessão?", "pt"),
    ],
)
def test_next_in_every_language(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.intent is Intent.NEXT and answer.kind is Kind.SESSIONS
    assert _titles(answer.sessions) == ["Coffee break"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("when is the workshop on e-procurement?", "en"),
        ("when is the workshop on e-procurment?", "en"),
        ("wann ist der Workshop zur E-Vergabe?", "de"),
        ("¿cuándo es el taller de contratación electrónica?", "es"),
        ("quand a lieu l'atelier sur les marchés publics électroniques ?", "fr"),
        ("quando é a oficina de compras eletrônicas?", "pt"),
    ],
)
def test_when_is_the_e_procurement_workshop(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.intent is Intent.WHEN
    assert answer.kind in (Kind.SESSION, Kind.AMBIGUOUS)
    assert "4" in {s.id for s in answer.sessions}
    assert all("procurement" in s.title.casefold() for s in answer.sessions)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("where is the closing plenary?", "en"),
        ("wo ist das Abschlussplenum?", "de"),
        ("¿dónde es el plenario de clausura?", "es"),
        ("où est la plénière de clôture ?", "fr"),
        ("onde é a plenária de encerramento?", "pt"),
    ],
)
def test_where_is_the_closing_plenary(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.intent is Intent.WHERE and answer.kind is Kind.SESSION
    assert [s.room for s in answer.sessions] == ["Plenary Hall"]
    assert answer.sessions[0].title.startswith("Closing plenary")


def test_where_is_the_transparency_workshop_in_french(example: Programme) -> None:
    answer = understand("c'est où l'atelier sur la transparence ?", "fr", EVE, example)
    assert answer.intent is Intent.WHERE
    assert answer.kind in (Kind.SESSION, Kind.AMBIGUOUS)
    assert {s.id for s in answer.sessions} <= _ids(
        example,
        "Workshop: Transparency & cost efficiency",
        "Workshop: Transparency tools against corruption",
    )
    assert "6" in {s.id for s in answer.sessions}


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("who speaks about transparency?", "en"),
        ("wer spricht über Transparenz?", "de"),
        ("¿quién habla sobre transparencia?", "es"),
        ("qui parle de transparence ?", "fr"),
        ("quem fala sobre transparência?", "pt"),
    ],
)
def test_who_speaks_about_transparency(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.intent is Intent.WHO and answer.kind is Kind.SESSION
    assert "6" in {s.id for s in answer.sessions}
    assert "Kwame Mensah" in answer.sessions[0].speakers


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("when is lunch?", "en"),
        ("wann ist die Mittagspause?", "de"),
        ("¿cuándo es el almuerzo?", "es"),
        ("quand est la pause déjeuner ?", "fr"),
        ("quando é o almoço?", "pt"),
    ],
)
def test_lunch_break_every_day(example: Programme, text: str, lang: str) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.kind is Kind.SESSION
    assert [s.day for s in answer.sessions] == [DAY1, DAY2, DAY3]


def test_lunch_break_on_a_given_day(example: Programme) -> None:
    answer = understand("Wo ist morgen die Mittagspause?", "de", DURING_OPENING, example)
    assert answer.kind is Kind.SESSION and [s.day for s in answer.sessions] == [DAY2]


@pytest.mark.parametrize(
    ("text", "lang", "day", "hour"),
    [
        ("what's on at 2 pm", "en", DAY1, 14),
        ("was läuft morgen um 14 Uhr", "de", DAY2, 14),
        ("¿qué hay mañana a las 10?", "es", DAY2, 10),
        ("et jeudi à 9h30 ?", "fr", DAY3, 9),
        ("o que há amanhã às 15h?", "pt", DAY2, 15),
        ("what's on at 14:00 on day 3", "en", DAY3, 14),
        ("Tag 2 um 11h45", "de", DAY2, 11),
    ],
)
def test_times_of_day(example: Programme, text: str, lang: str, day: date, hour: int) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.kind is Kind.SESSIONS and answer.day == day
    assert answer.window is not None and answer.window[0].hour == hour
    assert answer.sessions


@pytest.mark.parametrize(
    ("text", "lang", "day"),
    [
        ("¿qué hay mañana?", "es", DAY2),
        ("programme for wednesday", "en", DAY2),
        ("Tag 3", "de", DAY3),
        ("día 1", "es", DAY1),
        ("jour 2", "fr", DAY2),
        ("dia 3", "pt", DAY3),
        ("qu'y a-t-il après-demain ?", "fr", DAY3),
        ("o que tem no último dia?", "pt", DAY3),
    ],
)
def test_whole_days(example: Programme, text: str, lang: str, day: date) -> None:
    answer = understand(text, lang, DURING_OPENING, example)
    assert answer.kind is Kind.SESSIONS and answer.day == day
    assert answer.sessions == example.on_day(day)


def test_user_language_first_then_the_others(example: Programme) -> None:
    answer = understand("was läuft heute nachmittag", "en", DURING_OPENING, example)
    assert answer.language == "de" and answer.day == DAY1
    assert answer.sessions and all(
        s.start.astimezone(example.tz).hour >= 12 for s in answer.sessions
    )


def test_speaker_and_room(example: Programme) -> None:
    speaker = understand("sessions with Klaus Muller", "en", DURING_OPENING, example)
    assert speaker.kind is Kind.SPEAKER and speaker.subject == "Klaus Müller"
    assert all("Klaus Müller" in s.speakers for s in speaker.sessions)
    room = understand("what's in room sieg tomorrow?", "en", DURING_OPENING, example)
    assert room.kind is Kind.ROOM and room.subject == "Room Sieg" and room.day == DAY2
    assert room.sessions and all(s.room == "Room Sieg" for s in room.sessions)


def test_session_id(example: Programme) -> None:
    answer = understand("#12", "en", DURING_OPENING, example)
    assert answer.kind is Kind.SESSION and [s.id for s in answer.sessions] == ["12"]


def test_different_titles_that_fit_equally_are_ambiguous(example: Programme) -> None:
    answer = understand("networking", "en", DURING_OPENING, example)
    assert answer.kind is Kind.AMBIGUOUS and len(answer.sessions) >= 2


def test_before_the_forum(example: Programme) -> None:
    today = understand("what's on today?", "en", BEFORE, example)
    assert today.kind is Kind.BEFORE and today.params == {"date": DAY1}
    now = understand("was läuft jetzt", "de", BEFORE, example)
    assert now.kind is Kind.BEFORE
    following = understand("what's next", "en", BEFORE, example)
    assert _titles(following.sessions) == ["Registration and welcome coffee"]
    tomorrow = understand("¿qué hay mañana?", "es", EVE, example)
    assert tomorrow.kind is Kind.SESSIONS and tomorrow.day == DAY1


def test_after_the_forum(example: Programme) -> None:
    for text in ("what's on now", "quelle est la prochaine session", "o que há hoje?"):
        assert understand(text, "en", AFTER, example).kind is Kind.AFTER


def test_nothing_running_offers_the_next_sessions(example: Programme) -> None:
    lunch_gap = datetime(2027, 3, 16, 16, 45, tzinfo=UTC)  # 17:45 in Bonn, before the reception
    answer = understand("now", "en", lunch_gap, example)
    assert answer.kind is Kind.SESSIONS and answer.note is not None
    assert _titles(answer.sessions) == ["Networking reception"]


@pytest.mark.parametrize(
    "text",
    [
        "' OR 1=1 --",
        '"',
        "AND",
        "*",
        "x" * 5000,
        "bla " * 2000,
        "",
        "   ",
        "🤖🤖🤖",
        "NEAR(a b) OR title:*",
        "hello",
        "99:99",
        "day 9",
        "<script>alert(1)</script>",
    ],
)
def test_gibberish_and_hostile_input_never_fails(example: Programme, text: str) -> None:
    for lang in ("en", "de", "es", "fr", "pt", "xx"):
        answer = understand(text, lang, DURING_OPENING, example)
        assert answer.kind in set(Kind)
    assert understand(text, "en", DURING_OPENING, example).kind in (
        Kind.NOTHING,
        Kind.SESSIONS,
        Kind.AFTER,
    )


def test_search_hits_are_used_when_fuzzy_matching_finds_nothing(example: Programme) -> None:
    guid = example.sessions[5].guid
    answer = understand("zzzqqq", "en", DURING_OPENING, example, search=[(guid, 3.0)])
    assert answer.kind is Kind.SESSION and answer.sessions[0].guid == guid
    called: list[str] = []

    def search(words: str) -> list[tuple[str, float]]:
        called.append(words)
        return []

    understand("zzzqqq", "en", DURING_OPENING, example, search=search)
    assert called == ["zzzqqq"]


def test_fold_and_parse() -> None:
    assert fold("¿Qué HAY mañana?") == "que hay manana"
    parsed = parse("amanhã às 15h", "pt")
    assert parsed.at is not None and parsed.at.hour == 15 and "tomorrow" in parsed.tags
    assert parse("heute Morgen", "de").tags == {"today", "morning"}
    assert parse("guten Morgen", "de").tags == frozenset()


def test_an_empty_programme_answers_without_errors() -> None:
    empty = Programme.build(name="", timezone="Europe/Berlin", version="0", sessions=[])
    prepare(empty)
    for text in ("now", "what's next", "tomorrow morning", "where is lunch", "Tag 2"):
        assert understand(text, "en", DURING_OPENING, empty).kind in (
            Kind.BEFORE,
            Kind.AFTER,
            Kind.NOTHING,
        )


@pytest.mark.parametrize(
    ("text", "lang", "title"),
    [
        ("wann ist die Mittagspause?", "de", "Lunch break"),
        ("¿cuándo es el almuerzo?", "es", "Lunch break"),
        ("quand est la pause déjeuner ?", "fr", "Lunch break"),
        ("quando é o almoço?", "pt", "Lunch break"),
        ("wann ist der Workshop zur E-Vergabe?", "de", "e-procurement"),
        ("¿cuándo es el taller sobre contratación electrónica?", "es", "e-procurement"),
        ("quand a lieu l'atelier sur les marchés publics électroniques ?", "fr", "e-procurement"),
        ("quando é a oficina sobre compras eletrónicas?", "pt", "e-procurement"),
    ],
)
def test_questions_in_any_language_find_titles_written_in_english_only(
    english_only: Programme, text: str, lang: str, title: str
) -> None:
    answer = understand(text, lang, DURING_OPENING, english_only)
    assert answer.kind in (Kind.SESSION, Kind.AMBIGUOUS)
    assert answer.sessions
    assert all(title.casefold() in s.title.casefold() for s in answer.sessions)


def test_a_topic_the_programme_lacks_still_counts_against_a_title(
    english_only: Programme,
) -> None:
    # "blockchain" is no topic of the forum's, so every workshop lacking it scores too low.
    answer = understand("when is the workshop on blockchain?", "en", DURING_OPENING, english_only)
    assert answer.kind is Kind.NOTHING and answer.sessions == ()
