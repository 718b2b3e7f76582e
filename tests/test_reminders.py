"""Reminders: storage on a real SQLite file, the service's rules, rendering, .ics and pacing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import RemindersConfig
from bot.errors import DomainError
from bot.i18n import translator
from bot.participants.model import UserSeen
from bot.reminders import render
from bot.reminders.model import State
from bot.reminders.render import AgendaItem
from bot.reminders.service import Reminders
from bot.schedule.diff import diff
from storage.database import Database
from storage.participants import Participants
from storage.reminders import ReminderStore
from tests.reminders_support import (
    LATER,
    OPENING,
    T0,
    WORKSHOP,
    FixedProgramme,
    changed,
    moved,
    programme,
    session,
)
from tests.virtualtime import TestClock

DUE = OPENING.start - timedelta(minutes=10)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "bot.sqlite3")
    await database.open()
    people = Participants(database)
    for user_id in (1, 2, 3):
        await people.record_seen(UserSeen(user_id, f"U{user_id}", None, None, "en"), T0)
    yield database
    await database.close()


@pytest.fixture
def clock() -> TestClock:
    return TestClock(T0)


@pytest.fixture
def service(db: Database, clock: TestClock) -> Reminders:
    return Reminders(
        ReminderStore(db),
        FixedProgramme(programme()),
        RemindersConfig(),
        clock,
        event_zone="Europe/Berlin",
    )


# -- storage ------------------------------------------------------------------------------


async def test_claim_takes_only_due_pending_rows_up_to_the_limit(db: Database) -> None:
    store = ReminderStore(db)
    await store.subscribe(1, "a", DUE)
    await store.subscribe(2, "a", DUE - timedelta(minutes=1))
    await store.subscribe(3, "a", DUE + timedelta(seconds=1))
    assert await store.subscribe(1, "a", DUE) is False  # one per (user, session)
    first = await store.claim_due(DUE, 1)
    assert [(c.user_id, c.fire_at) for c in first] == [(2, DUE - timedelta(minutes=1))]
    second = await store.claim_due(DUE, 10)
    assert [c.user_id for c in second] == [1]
    assert await store.claim_due(DUE, 10) == []
    assert await store.count_by_state() == {"pending": 1, "sending": 2}


async def test_rows_left_sending_by_a_crash_go_back_to_pending(db: Database) -> None:
    store = ReminderStore(db)
    await store.subscribe(1, "a", DUE)
    await store.subscribe(2, "a", DUE)
    claimed = await store.claim_due(DUE, 10)
    await store.finish([(claimed[0].user_id, "a", State.SENT, None)])
    assert await store.recover_in_flight() == 1
    assert await store.count_by_state() == {"pending": 1, "sent": 1}


# -- service ------------------------------------------------------------------------------


async def test_remind_sets_fire_time_from_the_lead_and_refuses_started_sessions(
    service: Reminders, clock: TestClock
) -> None:
    session_, added = await service.remind(1, "12")
    assert added and session_ is OPENING
    assert await service.store.state_of(1, OPENING.guid) == (State.PENDING, DUE)
    clock.set(OPENING.start)
    with pytest.raises(DomainError, match="already started"):
        await service.remind(2, "12")
    with pytest.raises(DomainError, match="no session"):
        await service.remind(2, "404")


async def test_changed_lead_moves_pending_reminders(service: Reminders) -> None:
    await service.remind(1, "12")
    await service.set_lead(1, 30)
    assert await service.store.state_of(1, OPENING.guid) == (
        State.PENDING,
        OPENING.start - timedelta(minutes=30),
    )
    with pytest.raises(DomainError):
        await service.set_lead(1, 7)


async def test_claim_skips_started_cancelled_and_blocked_and_marks_late(
    service: Reminders, db: Database, clock: TestClock
) -> None:
    await service.remind(1, "12")
    await service.remind(2, "12")
    await service.remind(3, "14")
    await service.store.subscribe(1, "gone", DUE)
    await Participants(db).mark_blocked(2)
    clock.set(DUE + timedelta(minutes=5))
    decisions = {(d.claimed.user_id, d.claimed.session_guid): d for d in await service.claim(10)}
    assert decisions[(1, OPENING.guid)].skip is None and decisions[(1, OPENING.guid)].late
    assert decisions[(2, OPENING.guid)].skip == "blocked"
    assert decisions[(1, "gone")].skip == "cancelled"
    assert (3, LATER.guid) not in decisions  # not due
    clock.set(OPENING.start)
    await service.store.finish([(1, OPENING.guid, State.PENDING, None)])
    [again] = await service.claim(10)
    assert again.skip == "started"


async def test_programme_change_moves_reminders_and_queues_one_notice(
    service: Reminders, clock: TestClock
) -> None:
    await service.remind(1, "12")
    await service.remind(2, "12")
    await service.set_lead(2, 30)
    later = moved(OPENING, by=timedelta(hours=2))
    old, new = programme(), programme(later, WORKSHOP, LATER)
    change = diff(old, new)
    assert await changed(service, change, new) == 2
    await changed(service, change, new)
    assert await service.store.state_of(1, OPENING.guid) == (
        State.PENDING,
        later.start - timedelta(minutes=10),
    )
    assert await service.store.state_of(2, OPENING.guid) == (
        State.PENDING,
        later.start - timedelta(minutes=30),
    )
    notices = await service.store.claim_notices(10)
    assert sorted(n.user_id for n in notices) == [1, 2]  # once each, despite two calls


async def test_sent_reminder_is_rearmed_when_the_session_moves_later(
    service: Reminders, clock: TestClock
) -> None:
    await service.remind(1, "12")
    clock.set(DUE)
    [decision] = await service.claim(10)
    await service.store.finish([(1, OPENING.guid, State.SENT, None)])
    later = moved(OPENING, by=timedelta(hours=1))
    new = programme(later, WORKSHOP, LATER)
    await changed(service, diff(programme(), new), new)
    state = await service.store.state_of(1, OPENING.guid)
    assert state == (State.PENDING, later.start - timedelta(minutes=10))
    del decision


async def test_agenda_marks_only_overlapping_sessions(service: Reminders) -> None:
    for sid in ("12", "13", "14"):
        await service.remind(1, sid)
    items = await service.agenda(1)
    assert [(i.session.id, i.overlaps) for i in items] == [
        ("12", True),
        ("13", True),
        ("14", False),
    ]


async def test_plenary_opt_in_follows_future_plenaries_and_new_ones(
    service: Reminders,
) -> None:
    assert await service.set_all_plenaries(1, True) == 1
    extra = session("20", T0 + timedelta(hours=6))
    new = programme(OPENING, WORKSHOP, LATER, extra)
    await changed(service, diff(programme(), new), new)
    assert set(await service.store.guids_of(1)) == {OPENING.guid, extra.guid}
    await service.set_all_plenaries(1, False)
    assert await service.store.guids_of(1) == []


# -- rendering ----------------------------------------------------------------------------


def test_reminder_text_escapes_and_shows_both_zones() -> None:
    text = render.reminder_text(
        translator("de"),
        OPENING,
        now=DUE,
        event_zone="Europe/Berlin",
        user_zone="Africa/Nairobi",
        late=False,
    )
    assert "Opening &lt;plenary&gt; &amp; welcome" in text
    assert "beginnt in 10 Minuten" in text
    assert "09:00" in text and "11:00" in text and "Africa/Nairobi" in text


def test_agenda_and_posts_show_24_hour_times_and_the_date_after_midnight() -> None:
    afternoon = session("15", T0 + timedelta(hours=7))  # 15:00 in Berlin, Tuesday
    late = session("16", T0 + timedelta(hours=17, minutes=30))  # 01:30 on Wednesday
    tr, day, zone = translator("en"), date(2027, 3, 16), "Europe/Berlin"
    items = [AgendaItem(afternoon, False), AgendaItem(late, False)]
    agenda = render.agenda_text(tr, items, zone=zone, lead_minutes=10)
    assert "<b>Tue, March 16</b>\n15:00–16:00 <code>15</code>" in agenda
    assert "\nWed, Mar 17 01:30–02:30 <code>16</code>" in agenda  # still Tuesday's night
    assert "PM" not in agenda and "AM" not in agenda
    for text in (
        render.digest_text(tr, [afternoon, late], day=day, zone=zone),
        render.morning_programme_text(tr, [afternoon, late], day=day, event_zone=zone),
    ):
        assert "\n15:00 <code>15</code>" in text
        assert "\nWed, Mar 17 01:30 <code>16</code>" in text
    reminder = render.reminder_text(
        tr, late, now=late.start, event_zone=zone, user_zone="America/Bogota", late=False
    )
    assert "Wed, Mar 17, 01:30 (Europe/Berlin)" in reminder
    assert "Tue, Mar 16, 19:30 your time (America/Bogota)" in reminder


def test_agenda_text_stays_under_telegrams_limit() -> None:
    many = [
        AgendaItem(session(str(i), T0 + timedelta(minutes=i), title="x" * 200), False)
        for i in range(100)
    ]
    text = render.agenda_text(translator("en"), many, zone="Europe/Berlin", lead_minutes=10)
    assert len(text) <= 4096 and "more lines" in text


async def test_calendar_has_the_agenda_with_alarms_at_the_lead_time(service: Reminders) -> None:
    assert await service.calendar(1, name="Forum", language="en") is None
    await service.remind(1, "12")
    await service.remind(1, "14")
    await service.set_lead(1, 15)
    data = (await service.calendar(1, name="Forum", language="en") or b"").decode()
    assert data.count("BEGIN:VEVENT") == 2 and data.count("TRIGGER:-PT15M") == 2
    assert f"UID:{OPENING.guid}" in data
