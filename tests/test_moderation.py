"""Moderation services over a real SQLite file, with a recording stand-in for the Bot API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.config import Config, ModerationConfig
from bot.durations import format_duration, parse_duration
from bot.errors import DomainError, NotAllowedError
from bot.i18n import translator
from bot.moderation.model import LogEntry, ModAction, Person
from bot.moderation.render import render_digest
from bot.moderation.service import FloodDetector, Moderation
from storage.database import Database
from storage.moderation import ModerationStore
from tests.virtualtime import TestClock

CHAT = -1001000000001
NOW = datetime(2027, 3, 16, 9, 0, tzinfo=UTC)
MOD = Person(1, "Mona")
ADA = Person(2, "Ada")
TOM = Person(3, "Tom")


class RecordingControl:
    """Stands in for the Bot API: records what moderation asked of the group."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int | None, datetime | None]] = []

    async def restrict(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        self.calls.append(("restrict", user_id, None, until))

    async def unrestrict(self, chat_id: int, user_id: int) -> None:
        self.calls.append(("unrestrict", user_id, None, None))

    async def ban(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        self.calls.append(("ban", user_id, None, until))

    async def unban(self, chat_id: int, user_id: int) -> None:
        self.calls.append(("unban", user_id, None, None))

    async def kick(self, chat_id: int, user_id: int) -> None:
        self.calls.append(("kick", user_id, None, None))

    async def delete(self, chat_id: int, message_id: int) -> None:
        self.calls.append(("delete", 0, message_id, None))

    async def ban_sender(self, chat_id: int, channel_id: int) -> None:
        self.calls.append(("ban_sender", channel_id, None, None))

    async def unban_sender(self, chat_id: int, channel_id: int) -> None:
        self.calls.append(("unban_sender", channel_id, None, None))


def _service(db: Database, clock: TestClock, **settings: object) -> Moderation:
    config = Config(
        event={"name": "Forum"},
        chats={"community": CHAT},
        roles={"moderators": [MOD.user_id]},
        moderation=settings,
    )
    return Moderation(ModerationStore(db), config, clock)


async def test_warn_ladder_mutes_at_its_count_and_bans_later(db: Database) -> None:
    clock = TestClock(NOW)
    service = _service(db, clock, warn_ladder={"2": "mute 24h", "3": "ban"})
    control = RecordingControl()
    first = await service.warn(control, CHAT, MOD, ADA, "rude")
    assert (first.count, first.step, control.calls) == (1, None, [])
    second = await service.warn(control, CHAT, MOD, ADA, None)
    assert second.step is not None and second.step.action is ModAction.MUTE
    assert control.calls == [("restrict", ADA.user_id, None, NOW + timedelta(hours=24))]
    third = await service.warn(control, CHAT, MOD, ADA, None)
    assert control.calls[-1] == ("ban", ADA.user_id, None, None)
    assert [e.action for e in third.entries] == [ModAction.WARN, ModAction.BAN]
    assert len(await service.store.warnings(CHAT, ADA.user_id)) == 3


async def test_unwarn_withdraws_latest_and_then_says_there_is_none(db: Database) -> None:
    service = _service(db, TestClock(NOW))
    await service.warn(RecordingControl(), CHAT, MOD, ADA, "one")
    left, entry = await service.unwarn(CHAT, MOD, ADA)
    assert (left, entry.action) == (0, ModAction.UNWARN)
    with pytest.raises(DomainError, match="has no warnings"):
        await service.unwarn(CHAT, MOD, ADA)


async def test_non_moderator_is_refused_before_anything_happens(db: Database) -> None:
    service = _service(db, TestClock(NOW))
    control = RecordingControl()
    with pytest.raises(NotAllowedError):
        await service.act(control, CHAT, ADA, TOM, ModAction.BAN, reason="no")
    with pytest.raises(NotAllowedError):
        await service.warn(control, CHAT, ADA, TOM, None)
    assert control.calls == []
    assert await service.store.recent_log() == []


async def test_telegram_admin_moderates_until_demoted(db: Database) -> None:
    service = _service(db, TestClock(NOW))
    control = RecordingControl()
    await service.note_admin(CHAT, ADA.user_id, True)
    await service.act(control, CHAT, ADA, TOM, ModAction.MUTE)
    assert control.calls == [("restrict", TOM.user_id, None, NOW + timedelta(hours=1))]
    await service.note_admin(CHAT, ADA.user_id, False)
    with pytest.raises(NotAllowedError):
        await service.act(control, CHAT, ADA, TOM, ModAction.UNMUTE)


async def test_moderators_are_not_targets(db: Database) -> None:
    service = _service(db, TestClock(NOW))
    await service.note_admin(CHAT, ADA.user_id, True)
    with pytest.raises(DomainError, match="is a moderator"):
        await service.act(RecordingControl(), CHAT, MOD, ADA, ModAction.KICK)


async def test_unverified_newcomer_is_removed_once_after_deadline_even_after_restart(
    db: Database, tmp_path: Path
) -> None:
    clock = TestClock(NOW)
    service = _service(db, clock, welcome_timeout_minutes=10)
    control = RecordingControl()
    pending = await service.start_verification(control, CHAT, TOM)
    assert pending is not None and pending.deadline == NOW + timedelta(minutes=10)
    assert await service.start_verification(control, CHAT, TOM) is None  # second join signal
    await service.store.set_welcome_message(CHAT, TOM.user_id, 77)
    clock.now = NOW + timedelta(minutes=9)
    assert await service.expire_unverified(control) == []

    restarted = _service(db, clock, welcome_timeout_minutes=10)  # state is in SQLite only
    clock.now = NOW + timedelta(minutes=11)
    entries = await restarted.expire_unverified(control)
    assert [e.action for e in entries] == [ModAction.UNVERIFIED_REMOVED]
    assert control.calls[1:] == [("kick", TOM.user_id, None, None), ("delete", 0, 77, None)]
    assert await restarted.expire_unverified(control) == []


async def test_verified_newcomer_is_unrestricted_and_welcome_deleted(db: Database) -> None:
    service = _service(db, TestClock(NOW))
    control = RecordingControl()
    await service.start_verification(control, CHAT, TOM)
    await service.store.set_welcome_message(CHAT, TOM.user_id, 5)
    assert await service.verify(control, CHAT, TOM.user_id) is not None
    assert control.calls[1:] == [("unrestrict", TOM.user_id, None, None), ("delete", 0, 5, None)]
    assert await service.verify(control, CHAT, TOM.user_id) is None


async def test_failed_restriction_leaves_no_pending_row(db: Database) -> None:
    class Refusing(RecordingControl):
        async def restrict(self, chat_id: int, user_id: int, until: datetime | None) -> None:
            raise DomainError("no right")

    service = _service(db, TestClock(NOW))
    with pytest.raises(DomainError):
        await service.start_verification(Refusing(), CHAT, TOM)
    assert await service.store.get_pending(CHAT, TOM.user_id) is None


async def test_link_rule_applies_only_in_the_first_hours(db: Database) -> None:
    clock = TestClock(NOW)
    service = _service(db, clock, newcomer_no_links_hours=24, verify_newcomers=False)
    assert await service.start_verification(RecordingControl(), CHAT, TOM) is None
    assert await service.breaks_link_rule(CHAT, TOM.user_id)
    assert not await service.breaks_link_rule(CHAT, ADA.user_id)  # joined before the bot saw
    clock.now = NOW + timedelta(hours=24)
    assert not await service.breaks_link_rule(CHAT, TOM.user_id)


def test_flood_detector_fires_once_past_the_limit_within_the_window() -> None:
    detector = FloodDetector(3, timedelta(seconds=5))
    at = [NOW + timedelta(seconds=s) for s in (0, 1, 2)]
    assert [detector.observe(CHAT, 1, t) for t in at] == [False, False, False]
    assert detector.observe(CHAT, 1, NOW + timedelta(seconds=3))
    assert not detector.observe(CHAT, 1, NOW + timedelta(seconds=3.5))  # window restarted
    assert not detector.observe(CHAT, 2, NOW + timedelta(seconds=3))  # others unaffected


def test_flood_detector_ignores_the_tail_of_a_reported_burst() -> None:
    detector = FloodDetector(3, timedelta(seconds=5))
    burst = [NOW + timedelta(seconds=s / 10) for s in range(12)]
    assert sum(detector.observe(CHAT, 1, t) for t in burst) == 1
    later = [NOW + timedelta(seconds=10 + s / 10) for s in range(4)]
    assert sum(detector.observe(CHAT, 1, t) for t in later) == 1  # a new burst counts again


def test_flood_detector_forgets_messages_older_than_the_window() -> None:
    detector = FloodDetector(3, timedelta(seconds=5))
    times = [NOW + timedelta(seconds=s * 2) for s in range(10)]  # one every 2 s
    assert not any(detector.observe(CHAT, 1, t) for t in times)


async def test_flooder_is_muted_but_moderator_left_alone(db: Database) -> None:
    service = _service(db, TestClock(NOW), flood_mute="2h")
    control = RecordingControl()
    entry = await service.mute_flooder(control, CHAT, TOM)
    assert entry is not None and entry.action is ModAction.FLOOD_MUTE
    assert control.calls == [("restrict", TOM.user_id, None, NOW + timedelta(hours=2))]
    assert await service.mute_flooder(control, CHAT, MOD) is None


async def test_rules_fall_back_from_stored_to_configured(db: Database) -> None:
    service = _service(db, TestClock(NOW), rules="Configured rules")
    assert await service.rules(CHAT) == "Configured rules"
    await service.set_rules(CHAT, MOD, "Be <kind>")
    assert await service.rules(CHAT) == "Be <kind>"


async def test_log_keeps_who_whom_what_why_when(db: Database) -> None:
    service = _service(db, TestClock(NOW))
    await service.report(CHAT, 5, ADA, TOM, "spam", "https://t.me/c/1000000001/5")
    [entry] = await service.recent(MOD.user_id, CHAT)
    assert (entry.action, entry.actor, entry.target, entry.reason, entry.created_at) == (
        ModAction.REPORT,
        ADA,
        TOM,
        "spam",
        NOW,
    )
    assert entry.link == "https://t.me/c/1000000001/5"
    with pytest.raises(NotAllowedError):
        await service.recent(ADA.user_id, CHAT)


async def test_people_are_found_by_username_and_id(db: Database) -> None:
    await db.execute(
        "INSERT INTO participants (user_id, first_name, last_name, username, first_seen, "
        "last_seen) VALUES (9, 'Max', 'M', 'Maxi', ?, ?)",
        (NOW.isoformat(), NOW.isoformat()),
    )
    store = ModerationStore(db)
    assert await store.find_by_username("@maxi", NOW) == [Person(9, "Max M")]
    assert await store.find_by_id(9) == Person(9, "Max M")
    assert await store.find_by_username("@nobody", NOW) == []
    assert await store.find_by_username("@maxi", NOW + timedelta(seconds=1)) == []


def test_durations_parse_and_print() -> None:
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("2W") == timedelta(weeks=2)
    assert parse_duration("0h") is None and parse_duration("soon") is None
    assert format_duration(timedelta(hours=24)) == "1d"
    assert format_duration(timedelta(seconds=90)) == "90s"
    assert format_duration(timedelta(hours=1) - timedelta(milliseconds=2)) == "1h"


@pytest.mark.parametrize(
    "ladder", [{"3": "shout"}, {"3": "mute forever"}, {"3": "kick 1h"}, {"0": "ban"}]
)
def test_bad_warn_ladder_is_explained(ladder: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        ModerationConfig(warn_ladder=ladder)  # type: ignore[arg-type]  # TOML keys are text


def test_a_digest_of_many_long_reports_fits_one_message_and_points_to_the_rest() -> None:
    entries = [
        LogEntry(
            n, CHAT, ModAction.REPORT, ADA, TOM, "x" * 500, None, f"https://t.me/c/1/{n}", NOW
        )
        for n in range(1, 51)
    ]
    text = render_digest(translator("en"), entries, ZoneInfo("Europe/Berlin"))
    assert text.startswith("🚩 <b>50 new reports</b>") and len(text) <= 4096
    shown = text.count("Go to the message")
    assert 1 <= shown < 50 and text.endswith(f"… and {50 - shown} more: see /modlog.")


async def test_a_flooding_channel_is_banned_from_posting_until_its_time_is_up(
    db: Database,
) -> None:
    clock = TestClock(NOW)
    service = _service(db, clock, flood_mute="2h")
    control = RecordingControl()
    channel = Person(-1001234, "Deals")
    entry = await service.mute_flooder(control, CHAT, channel)
    assert entry is not None and entry.until == NOW + timedelta(hours=2)
    assert control.calls == [("ban_sender", channel.user_id, None, None)]
    clock.now = NOW + timedelta(hours=1, minutes=59)
    assert await service.lift_channel_mutes(control) == 0
    clock.now = NOW + timedelta(hours=2)
    assert await service.lift_channel_mutes(control) == 1
    assert control.calls[-1] == ("unban_sender", channel.user_id, None, None)
    assert await service.lift_channel_mutes(control) == 0


async def test_a_channel_is_new_in_the_group_from_its_first_post(db: Database) -> None:
    clock = TestClock(NOW)
    service = _service(db, clock, newcomer_no_links_hours=24)
    channel = Person(-1001234, "Deals")
    assert not await service.breaks_link_rule(CHAT, channel.user_id)  # never seen: no rule
    await service.note_channel(CHAT, channel)
    assert await service.breaks_link_rule(CHAT, channel.user_id)
    clock.now = NOW + timedelta(hours=23)
    await service.note_channel(CHAT, channel)  # a later post does not make it new again
    clock.now = NOW + timedelta(hours=24)
    assert not await service.breaks_link_rule(CHAT, channel.user_id)
