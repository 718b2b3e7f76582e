"""Introductions: answers are validated, quotas hold, only the target decides, /meet matches
across regions without repeats (/forget and the purge: tests/test_privacy.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.awaiting.service import AwaitedInputs
from bot.config import IntroductionsConfig
from bot.errors import DomainError
from bot.i18n import translator
from bot.intros.model import DirectoryFilter, ProfileDraft, RequestStatus
from bot.intros.service import Introductions, parse_answer, parse_languages
from bot.regions import (
    _AFRICA,
    _EUROPE,
    _LATAM,
    REGION_NAMES,
    country_codes,
    find_country,
    find_region,
    region_of,
)
from storage.awaiting import AwaitedInputStore
from storage.database import Database
from storage.intros import IntroStorage
from tests.people import NOW, add_participant
from tests.virtualtime import TestClock


def draft(country: str = "KE", **changes: object) -> ProfileDraft:
    fields: dict[str, object] = {
        "display_name": "Amina",
        "organisation": "PPRA",
        "city": "Nairobi",
        "country": country,
        "role": "Analyst",
        "topics": ("e-procurement",),
        "languages": ("en", "sw"),
        "bio": "",
        "listed": True,
        "accepts_intros": True,
    }
    fields.update(changes)
    return ProfileDraft(**fields)  # type: ignore[arg-type]  # test data of the right types


async def service(
    db: Database, clock: TestClock | None = None, **config: object
) -> tuple[Introductions, TestClock]:
    clock = clock or TestClock(NOW)
    inputs = AwaitedInputs(AwaitedInputStore(db), clock)
    intros = Introductions(IntroStorage(db), inputs, IntroductionsConfig(**config), clock)  # type: ignore[arg-type]  # keys checked by pydantic
    await inputs.load()
    return intros, clock


async def person(intros: Introductions, db: Database, user_id: int, **changes: object) -> str:
    """Give the participant a profile; return its code (what others address it by)."""
    await add_participant(db, user_id, f"P{user_id}")
    profile = await intros.store.save_profile(user_id, draft(**changes), NOW)  # type: ignore[arg-type]
    return profile.token


# ---- answers and regions ----


def test_countries_are_found_by_name_in_five_languages_and_by_code() -> None:
    assert find_country("Deutschland") == "DE"
    assert find_country("  côte d'ivoire ") == "CI"
    assert find_country("Quénia") == "KE"
    assert find_country("br") == "BR"
    assert find_country("Atlantis") is None
    assert (
        region_of("SN") == "africa" and region_of("JM") == "latam" and region_of("JP") == "other"
    )


def test_region_table_holds_only_real_countries_once() -> None:
    assert country_codes() >= _EUROPE | _AFRICA | _LATAM
    assert not (_EUROPE & _AFRICA or _EUROPE & _LATAM or _AFRICA & _LATAM)


def test_answers_are_validated_with_a_reason() -> None:
    assert parse_answer("name", "  Ana  <b>&  ") == "Ana <b>&"
    with pytest.raises(DomainError, match="keep it to 64"):
        parse_answer("name", "x" * 65)
    with pytest.raises(DomainError, match="at least one letter"):
        parse_answer("name", "1234")
    with pytest.raises(DomainError) as refused:
        parse_answer("country", "Atlantis <b")
    assert "country “Atlantis &lt;b”" in refused.value.render(str)
    with pytest.raises(DomainError, match="keep it to 500"):
        parse_answer("bio", "é" * 501)
    assert parse_answer("bio", "-") == ""
    assert parse_languages("English, français; Suaheli / pt, en") == ("en", "fr", "sw", "pt")
    with pytest.raises(DomainError, match="language “Klingonish”"):
        parse_languages("en, Klingonish")


# ---- the guided conversation ----


async def test_profile_conversation_survives_a_restart_and_saves_at_the_end(db: Database) -> None:
    intros, _ = await service(db)
    await add_participant(db, 1)
    await intros.begin(1)
    await intros.answer_text(1, "Amina 🌍 <Ochieng>")
    await intros.skip(1, "organisation")
    await intros.answer_text(1, "Nairobi")
    restarted, _ = await service(db)  # a new service over the same database: a restart
    assert restarted.conversing == {1}
    result = await restarted.answer_text(1, "Kenia")
    assert result.next_step == "role"
    await restarted.answer_text(1, "Analyst")
    with pytest.raises(DomainError, match="at least one topic"):
        await restarted.finish_topics(1)
    await restarted.toggle_topic(1, 0)
    await restarted.toggle_topic(1, 4)
    await restarted.toggle_topic(1, 0)
    await restarted.finish_topics(1)
    with pytest.raises(DomainError, match="language “Elvish”"):
        await restarted.answer_text(1, "English, Elvish")
    assert (await restarted.conversation(1)).step == "languages"  # type: ignore[union-attr]
    assert (await restarted.answer_text(1, "English, Kiswahili")).data["languages"] == ["en", "sw"]


async def test_full_conversation_saves_the_profile_and_mirrors_consents(db: Database) -> None:
    intros, _ = await service(db)
    await add_participant(db, 1)
    await intros.begin(1)
    for text in ("Amina", "PPRA", "Nairobi", "KE", "Analyst"):
        await intros.answer_text(1, text)
    await intros.toggle_topic(1, 1)
    await intros.finish_topics(1)
    await intros.answer_text(1, "en, sw")
    await intros.answer_text(1, "Bio")
    await intros.answer_consent(1, "listed", True)
    result = await intros.answer_consent(1, "intros", False)
    profile = result.profile
    assert profile is not None
    assert (profile.country, profile.region, profile.topics) == (
        "KE",
        "africa",
        ("sustainability-criteria",),
    )
    assert profile.listed and not profile.accepts_intros
    assert intros.conversing == set()
    row = await db.fetchone("SELECT consent_directory, consent_intros FROM participants")
    assert row is not None and tuple(row) == (1, 0)
    await intros.begin(1, "edit:city")
    edited = await intros.answer_text(1, "Mombasa")
    assert edited.profile is not None and edited.profile.city == "Mombasa"
    assert edited.profile.profile_id == profile.profile_id


async def test_consent_button_for_another_step_is_refused(db: Database) -> None:
    intros, _ = await service(db)
    await add_participant(db, 1)
    await intros.begin(1)
    with pytest.raises(DomainError, match="no longer valid"):
        await intros.answer_consent(1, "listed", True)


# ---- directory ----


async def test_directory_shows_only_listed_profiles_and_filters(db: Database) -> None:
    intros, _ = await service(db)
    await person(intros, db, 1, country="KE")
    await person(intros, db, 2, country="BR", topics=("sme-access",), languages=("pt",))
    await person(intros, db, 3, country="DE", listed=False)
    everyone = await intros.directory(DirectoryFilter("all"), 0)
    assert [p.user_id for p in everyone.profiles] == [1, 2] and not everyone.has_next
    by_topic = await intros.directory(DirectoryFilter("topic", "sme-access"), 0)
    assert [p.user_id for p in by_topic.profiles] == [2]
    assert [
        p.user_id for p in (await intros.directory(DirectoryFilter("region", "latam"), 0)).profiles
    ] == [2]
    assert [
        p.user_id for p in (await intros.directory(DirectoryFilter("language", "sw"), 0)).profiles
    ] == [1]
    assert (await intros.directory(DirectoryFilter("country", "DE"), 0)).profiles == []


async def test_directory_pages(db: Database) -> None:
    intros, _ = await service(db)
    for user_id in range(1, 8):
        await person(intros, db, user_id)
    first = await intros.directory(DirectoryFilter("all"), 0)
    second = await intros.directory(DirectoryFilter("all"), 1)
    assert len(first.profiles) == 5 and first.has_next
    assert [p.user_id for p in second.profiles] == [6, 7] and not second.has_next


# ---- requests ----


async def test_request_needs_own_profile_and_target_consent(db: Database) -> None:
    intros, _ = await service(db)
    closed = await person(intros, db, 2, accepts_intros=False)
    await add_participant(db, 1)
    with pytest.raises(DomainError, match="/profile first"):
        await intros.start_request(1, closed)
    await intros.store.save_profile(1, draft(), NOW)
    with pytest.raises(DomainError, match="does not take introduction requests"):
        await intros.start_request(1, closed)
    mine = await intros.store.get_profile(1)
    with pytest.raises(DomainError, match="your own profile"):
        await intros.start_request(1, mine.token)  # type: ignore[union-attr]


async def test_one_request_per_pair_and_pending_quota(db: Database) -> None:
    intros, _ = await service(db, max_pending_requests=2)
    await person(intros, db, 1)
    targets = [await person(intros, db, uid) for uid in (2, 3, 4)]
    await intros.start_request(1, targets[0])
    request, _ = await intros.submit_note(1, "Hello!")
    assert request.target_id == 2 and request.status == "pending"
    with pytest.raises(DomainError, match="already a request"):
        await intros.start_request(1, targets[0])
    mine = await intros.store.get_profile(1)
    with pytest.raises(DomainError, match="already a request"):  # the other way round too
        await intros.start_request(2, mine.token)  # type: ignore[union-attr]
    await intros.start_request(1, targets[1])
    await intros.submit_note(1, "Hi")
    with pytest.raises(DomainError, match="2 requests waiting"):
        await intros.start_request(1, targets[2])


async def test_only_the_target_can_decide_and_only_once(db: Database) -> None:
    intros, _ = await service(db)
    await person(intros, db, 1)
    target = await person(intros, db, 2)
    await person(intros, db, 3)
    await intros.start_request(1, target)
    request, _ = await intros.submit_note(1, "Hello")
    assert await intros.decide(request.request_id, 3, "accepted") is None  # forged
    assert await intros.decide(request.request_id, 1, "accepted") is None  # the requester
    assert (await intros.store.get_request(request.request_id)).status == "pending"  # type: ignore[union-attr]
    accepted = await intros.decide(request.request_id, 2, "accepted")
    assert accepted is not None and accepted.status == "accepted"
    assert await intros.decide(request.request_id, 2, "blocked") is None
    with pytest.raises(DomainError, match="already been introduced"):
        await intros.start_request(1, target)


async def _decided(
    db: Database, status: RequestStatus, **config: object
) -> tuple[Introductions, TestClock, str]:
    """Have participant 1 ask participant 2, who answers ``status``; return the target's
    code."""
    intros, clock = await service(db, **config)
    await person(intros, db, 1)
    target = await person(intros, db, 2)
    await intros.start_request(1, target)
    request, _ = await intros.submit_note(1, "Hello")
    await intros.decide(request.request_id, 2, status)
    return intros, clock, target


async def test_decline_starts_a_cooldown(db: Database) -> None:
    intros, clock, target = await _decided(db, "declined", decline_cooldown_days=10)
    clock.now = NOW + timedelta(days=9)
    with pytest.raises(DomainError, match="ask again after 2027-03-26"):
        await intros.start_request(1, target)
    clock.now = NOW + timedelta(days=10)
    await intros.start_request(1, target)


async def test_blocked_requester_cannot_ask_again_and_is_not_told(db: Database) -> None:
    intros, clock, target = await _decided(db, "blocked", decline_cooldown_days=0)
    clock.now = NOW + timedelta(days=400)
    with pytest.raises(DomainError, match="does not take introduction requests"):
        await intros.start_request(1, target)


async def test_note_is_rechecked_when_sent(db: Database) -> None:
    intros, _ = await service(db)
    await person(intros, db, 1)
    target = await person(intros, db, 2)
    await intros.start_request(1, target)
    await intros.store.save_profile(2, draft(accepts_intros=False), NOW)
    with pytest.raises(DomainError, match="does not take"):
        await intros.submit_note(1, "Hello")
    assert await intros.conversation(1) is None


# ---- /meet ----


async def test_meet_suggests_another_region_with_shared_interest_without_repeats(
    db: Database,
) -> None:
    intros, _ = await service(db)
    await person(intros, db, 1, country="KE", topics=("e-procurement",), languages=("sw",))
    await person(intros, db, 2, country="TZ", topics=("e-procurement",), languages=("sw",))
    await person(intros, db, 3, country="BR", topics=("sme-access",), languages=("pt",))
    await person(intros, db, 4, country="DE", topics=("e-procurement",), languages=("de",))
    await person(intros, db, 5, country="MX", topics=("e-procurement",), languages=("sw",))
    await person(intros, db, 6, country="FR", topics=("e-procurement",), languages=("sw",))
    for user_id in (1, 2, 3, 4, 5):
        await intros.set_meet_opt_in(user_id, True)  # 6 has not opted in
    first = await intros.meet(1)
    second = await intros.meet(1)
    assert {first.user_id, second.user_id} == {4, 5}  # type: ignore[union-attr]
    assert await intros.meet(1) is None  # 2 same region, 3 nothing shared, 6 not opted in


async def test_meet_needs_opt_in(db: Database) -> None:
    intros, _ = await service(db)
    await person(intros, db, 1)
    with pytest.raises(DomainError, match="agree to take part"):
        await intros.meet(1)


@pytest.mark.parametrize(
    ("text", "language", "region"),
    [
        ("Afrika", "de", "africa"),
        ("Subsahara-Afrika", "de", "africa"),
        ("Africa", "en", "africa"),
        ("Latin America", "en", "latam"),
        ("América Latina", "es", "latam"),
        ("europa", "pt", "europe"),
        ("Af", "en", None),
        ("South Africa", "en", None),
    ],
)
def test_a_region_is_found_by_its_name_or_a_whole_word_of_it(
    text: str, language: str, region: str | None
) -> None:
    names = {key: translator(language)(name) for key, name in REGION_NAMES.items()}
    assert find_region(text, names) == region
