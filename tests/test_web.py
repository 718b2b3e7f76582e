"""The web side's Telegram-free parts: initData validation, storage, health, the document."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.schedule.importers import load_programme
from bot.web import initdata
from bot.web.health import Health, Liveness
from bot.web.programme import programme_document
from bot.web.strings import STRINGS, strings
from storage.database import Database
from storage.web import MAX_UPDATE_ROWS, WebStore
from tests.e2e.harness import ROOT
from tests.web_support import sign_init_data

NOW = datetime(2027, 3, 16, 8, 40, tzinfo=UTC)
TOKEN = "987654321:AAFakeTokenForTests_DoNotLeak_x9Qz"
USER = {"id": 4242, "first_name": "Zoë", "language_code": "pt-br"}


# --- initData ------------------------------------------------------------------------------------


def test_telegrams_documented_algorithm_by_hand() -> None:
    # Computed independently of the module: HMAC-SHA256("WebAppData", token) as the key.
    data = sign_init_data(USER, NOW, token=TOKEN)
    user = initdata.validate(data, TOKEN, NOW + timedelta(hours=1))
    assert (user.id, user.first_name, user.language_code) == (4242, "Zoë", "pt-br")
    assert user.auth_date == NOW


def test_any_changed_field_breaks_the_hash() -> None:
    data = sign_init_data(USER, NOW, token=TOKEN)
    tampered = data.replace("4242", "4243")
    with pytest.raises(initdata.InitDataError, match="wrong hash"):
        initdata.validate(tampered, TOKEN, NOW)


def test_another_bots_token_is_refused() -> None:
    data = sign_init_data(USER, NOW, token="123:Other")
    with pytest.raises(initdata.InitDataError, match="wrong hash"):
        initdata.validate(data, TOKEN, NOW)


def test_stale_and_future_data_is_refused() -> None:
    data = sign_init_data(USER, NOW, token=TOKEN)
    with pytest.raises(initdata.InitDataError, match="older than a day"):
        initdata.validate(data, TOKEN, NOW + timedelta(days=1, seconds=1))
    with pytest.raises(initdata.InitDataError, match="future"):
        initdata.validate(data, TOKEN, NOW - timedelta(hours=1))


@pytest.mark.parametrize(
    "data",
    ["", "hash=abc", "a=1&a=2&hash=x", "user=%7B&hash=00", "x" * 9000, "no-equals-sign"],
)
def test_malformed_data_is_refused(data: str) -> None:
    with pytest.raises(initdata.InitDataError):
        initdata.validate(data, TOKEN, NOW)


def test_signed_data_without_a_user_is_refused() -> None:
    for user in ({}, {"id": "12"}, {"id": True}, {"id": -5}):
        data = sign_init_data(user, NOW, token=TOKEN)
        with pytest.raises(initdata.InitDataError, match="no user"):
            initdata.validate(data, TOKEN, NOW)


# --- storage -------------------------------------------------------------------------------------


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[WebStore]:
    db = Database(tmp_path / "web.sqlite3")
    await db.open()
    yield WebStore(db)
    await db.close()


async def test_an_update_id_is_taken_once_and_its_body_kept_until_processed(
    store: WebStore,
) -> None:
    assert await store.receive(10, '{"update_id": 10}', NOW)
    assert not await store.receive(10, '{"update_id": 10}', NOW)
    assert await store.receive(11, '{"update_id": 11}', NOW)
    assert await store.unprocessed() == [(10, '{"update_id": 10}'), (11, '{"update_id": 11}')]
    await store.processed(10)
    assert [uid for uid, _ in await store.unprocessed()] == [11]
    assert not await store.receive(10, "{}", NOW)  # still remembered without its body


async def test_processed_ids_are_forgotten_after_telegrams_retention(store: WebStore) -> None:
    await store.receive(1, "{}", NOW - timedelta(hours=26))
    await store.receive(2, "{}", NOW - timedelta(hours=26))
    await store.receive(3, "{}", NOW)
    await store.processed(1)
    await store.processed(3)
    assert await store.prune(NOW) == 1  # 2 is unprocessed: kept; 3 is recent: kept
    assert not await store.receive(3, "{}", NOW)
    assert await store.receive(1, "{}", NOW)
    assert MAX_UPDATE_ROWS >= 10_000


async def test_the_secret_rotates_and_the_previous_one_is_accepted_until_confirmed(
    store: WebStore,
) -> None:
    await store.rotate_secret("first")
    assert await store.secrets() == ["first"]
    await store.rotate_secret("second")
    assert await store.secrets() == ["second", "first"]
    await store.forget_previous_secret()
    assert await store.secrets() == ["second"]


# --- health --------------------------------------------------------------------------------------


async def test_health_names_each_failing_check() -> None:
    now = [NOW]
    liveness = Liveness(lambda: now[0])

    async def broken() -> None:
        raise OSError("disk I/O error")

    async def fine() -> None:
        return None

    health = Health(liveness, lambda: now[0], write_probe=broken, scheduler_running=lambda: False)
    checks = {c.name: c for c in await health.check()}
    assert not checks["database"].ok and "OSError" in checks["database"].detail
    assert not checks["telegram"].ok and not checks["scheduler"].ok
    liveness.reached_telegram()
    now[0] += timedelta(seconds=59)
    health = Health(liveness, lambda: now[0], write_probe=fine, scheduler_running=lambda: True)
    assert all(c.ok for c in await health.check())
    now[0] += timedelta(seconds=2)
    checks = {c.name: c for c in await health.check()}
    assert not checks["telegram"].ok and "61 s" in checks["telegram"].detail


# --- the document --------------------------------------------------------------------------------


def test_the_programme_document_is_compressed_and_tagged_by_content() -> None:
    programme = load_programme(ROOT / "schedule.example.json", timezone="Europe/Berlin")
    document = programme_document(
        programme, event_name="Forum", zone="Europe/Berlin", place="Bonn"
    )
    data = json.loads(document.body)
    assert gzip.decompress(document.gzipped) == document.body
    assert len(data["sessions"]) == len(programme.sessions)
    first = data["sessions"][0]
    assert first["start"] == int(programme.sessions[0].start.timestamp())
    assert first["k"] == first["k"].casefold() and "  " not in first["k"]
    again = programme_document(programme, event_name="Forum", zone="Europe/Berlin", place="Bonn")
    assert again.etag == document.etag
    other = programme_document(programme, event_name="Other", zone="Europe/Berlin", place="Bonn")
    assert other.etag != document.etag
    empty = json.loads(
        programme_document(None, event_name="F", zone="Europe/Berlin", place="Bonn").body
    )
    assert empty["sessions"] == [] and empty["days"] == []


def test_the_page_strings_come_from_the_catalogues() -> None:
    german = json.loads(strings("de").body)
    assert german["language"] == "de" and set(german["strings"]) == set(STRINGS)
    assert german["strings"]["now"] == "Jetzt"
    english = json.loads(strings("en").body)
    assert english["strings"]["now"] == "Now"
