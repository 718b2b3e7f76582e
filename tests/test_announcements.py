"""Announcement rules without Telegram: send times in the event zone, lengths, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.announcements.model import Content, Delivered, Kind
from bot.announcements.service import check_length, parse_send_time
from bot.errors import DomainError
from storage.announcements import Announcements
from storage.database import Database

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 3, 16, 12, 0, tzinfo=UTC)  # 13:00 in Berlin


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tomorrow 08:30", datetime(2027, 3, 17, 7, 30, tzinfo=UTC)),
        ("2027-03-17 08:30", datetime(2027, 3, 17, 7, 30, tzinfo=UTC)),
        ("morgen 8.30", datetime(2027, 3, 17, 7, 30, tzinfo=UTC)),
        ("18:00", datetime(2027, 3, 16, 17, 0, tzinfo=UTC)),
        ("09:00", datetime(2027, 3, 17, 8, 0, tzinfo=UTC)),  # passed today: tomorrow
    ],
)
def test_send_time_is_read_in_the_event_zone(typed: str, expected: datetime) -> None:
    assert parse_send_time(typed, NOW, BERLIN) == expected


def test_after_midnight_tomorrow_is_the_programme_day_that_begins_at_four() -> None:
    at_00_40 = datetime(2027, 3, 16, 23, 40, tzinfo=UTC)  # 00:40 in Berlin on the 17th
    expected = datetime(2027, 3, 17, 7, 30, tzinfo=UTC)  # 08:30 the same morning
    assert parse_send_time("tomorrow 08:30", at_00_40, BERLIN) == expected
    # "today 02:00" is later this night, not a time gone by.
    assert parse_send_time("today 02:00", at_00_40, BERLIN) == at_00_40 + timedelta(minutes=80)


@pytest.mark.parametrize("typed", ["today 09:00", "soon", "2027-02-30 08:00", "25:00", ""])
def test_unreadable_or_past_times_are_refused(typed: str) -> None:
    with pytest.raises(DomainError):
        parse_send_time(typed, NOW, BERLIN)


def test_captions_are_limited_to_1024_characters() -> None:
    check_length(Content(Kind.TEXT, "x" * 4096, 4096))
    with pytest.raises(DomainError, match="1025"):
        check_length(Content(Kind.PHOTO, "x" * 1025, 1025, "file"))


async def test_outbox_is_written_once_and_counted_per_language(tmp_path: Path) -> None:
    db = Database(tmp_path / "bot.sqlite3")
    await db.open()
    try:
        now = NOW.isoformat()
        await db.executemany(
            "INSERT INTO participants (user_id, first_name, telegram_language, language, status,"
            " first_seen, last_seen) VALUES (?, 'P', ?, ?, ?, ?, ?)",
            [
                (1, "de", None, "active", now, now),
                (2, "en", "fr", "active", now, now),
                (3, None, None, "active", now, now),
                (4, "de", None, "blocked", now, now),
            ],
        )
        store = Announcements(db, "en")
        announcement_id = await store.create(9, Content(Kind.TEXT, "Hi", 2), NOW)
        assert await store.materialise(announcement_id, None, NOW) == 3
        assert await store.materialise(announcement_id, None, NOW) == 0  # already started
        assert await store.pending(announcement_id) == [(1, "de"), (2, "fr"), (3, "en")]
        await store.mark(announcement_id, 1, Delivered.SENT)
        await store.mark(announcement_id, 2, Delivered.BLOCKED, "blocked")
        figures = await store.figures(announcement_id)
        assert (figures.sent, figures.blocked, figures.pending) == (1, 1, 1)
        assert figures.by_language["fr"][Delivered.BLOCKED] == 1
        assert await store.pending(announcement_id) == [(3, "en")]
        assert await store.in_progress() == [announcement_id]
    finally:
        await db.close()
