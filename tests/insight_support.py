"""A seeded forum for insight's tests: 300 participants across regions and what they did.

``seed_forum`` writes participants, profiles, subscriptions, reminders, announcements with
their outboxes, introductions, moderation actions and group activity straight into a
migrated database whose programme is ``schedule.example.json``, and returns the ``Plan``:
what it wrote, so tests compare the bot's figures with numbers they did not get from SQL.
Some counts are deliberately under 5, to check that they are suppressed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.i18n import normalize_language
from storage.database import Database

# The moment the figures are read: the first day of the example forum, 12:00 UTC.
NOW = datetime(2027, 3, 16, 12, 0, tzinfo=UTC)
COMMUNITY = -1001234567
FIRST_USER = 100_000


@dataclass
class Plan:
    """What the seed wrote, counted in Python."""

    participants: int = 300
    active_24h: int = 42
    # Berlin days of first contact (UTC+1 in March): some first contacts at 23:30 UTC count
    # for the next day.
    started_per_day: dict[str, int] = field(
        default_factory=lambda: {"2027-03-13": 100, "2027-03-14": 120, "2027-03-15": 80}
    )
    languages: dict[str, int] = field(
        default_factory=lambda: {"en": 123, "de": 80, "es": 50, "fr": 30, "pt": 17}
    )
    regions: dict[str | None, int] = field(
        default_factory=lambda: {"europe": 90, "africa": 60, "latam": 47, "other": 3, None: 100}
    )
    zones: dict[str | None, int] = field(
        default_factory=lambda: {
            "Europe/Berlin": 100,
            "Africa/Lagos": 60,
            "America/Sao_Paulo": 50,
            "Africa/Nairobi": 2,
            None: 88,
        }
    )
    # Session number -> subscribers (chosen reminders); other sessions have none.
    subscribers: dict[str, int] = field(
        default_factory=lambda: {"2": 80, "4": 45, "6": 30, "5": 3}
    )
    plenary_reminders: int = 50
    reminders_sent: int = 30
    # Announcement number -> (delivered, blocked, failed); a draft is not counted.
    announcements: dict[int, tuple[int, int, int]] = field(
        default_factory=lambda: {1: (250, 6, 2), 2: (78, 0, 3)}
    )
    profiles: int = 200
    listed: int = 120
    # Accepted introductions per pair of regions.
    accepted_pairs: dict[tuple[str, str], int] = field(
        default_factory=lambda: {
            ("africa", "europe"): 20,
            ("europe", "latam"): 10,
            ("africa", "latam"): 4,
            ("europe", "europe"): 6,
        }
    )
    declined: int = 12
    blocked: int = 1
    pending: int = 7
    warnings: int = 6
    mutes: int = 3
    flood_mutes: int = 2
    bans: int = 1
    kicks: int = 2
    verified: int = 25
    unverified: int = 5
    messages_per_day: dict[str, int] = field(
        default_factory=lambda: {"2027-03-14": 40, "2027-03-15": 120, "2027-03-16": 3}
    )

    @property
    def accepted(self) -> int:
        return sum(self.accepted_pairs.values())

    @property
    def requests(self) -> int:
        return self.accepted + self.declined + self.blocked + self.pending

    @property
    def across(self) -> int:
        return sum(n for (a, b), n in self.accepted_pairs.items() if a != b)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


async def seed_forum(db: Database, plan: Plan | None = None) -> Plan:
    """Write the plan's forum into ``db`` (migrated, with the example programme imported)."""
    plan = plan or Plan()
    users = list(range(FIRST_USER, FIRST_USER + plan.participants))

    # First contact: per Berlin day; the last 10 of each day at 23:30 UTC the evening before.
    firsts: list[datetime] = []
    for day, count in plan.started_per_day.items():
        midnight = datetime.fromisoformat(day).replace(tzinfo=UTC)
        for i in range(count):
            if i >= count - 10:
                firsts.append(midnight - timedelta(minutes=30))
            else:
                firsts.append(midnight + timedelta(hours=8, minutes=i))
    lasts = [NOW - timedelta(hours=1)] * plan.active_24h + [NOW - timedelta(days=2)] * (
        plan.participants - plan.active_24h
    )
    # Languages: a chosen language, a Telegram one ("pt-BR"), or an unsupported one ("it": the
    # default), Telegram's stored as the bot stores it (normalised: "pt", or none).
    spoken: list[tuple[str | None, str | None]] = []
    for code, count in plan.languages.items():
        for i in range(count):
            if code == "pt" and i < 5:
                spoken.append((None, normalize_language("pt-BR")))
            elif code == "en" and i < 3:
                spoken.append((None, normalize_language("it")))
            elif i % 3 == 0:
                spoken.append((None, code))
            else:
                spoken.append((code, "en"))
    zones = [zone for zone, count in plan.zones.items() for _ in range(count)]
    await db.executemany(
        """
        INSERT INTO participants
            (user_id, first_name, telegram_language, language, timezone, first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """,
        [
            (uid, f"P{uid}", telegram, chosen, zone, _iso(first), _iso(last))
            for uid, (chosen, telegram), zone, first, last in zip(
                users, spoken, zones, firsts, lasts, strict=True
            )
        ],
    )

    # Profiles: regions for the first 200 participants; the first 120 listed.
    regions = [r for r, count in plan.regions.items() if r is not None for _ in range(count)]
    countries = {"europe": "DE", "africa": "NG", "latam": "BR", "other": "IN"}
    await db.executemany(
        """
        INSERT INTO profiles
            (user_id, display_name, organisation, city, country, region, role, topics,
             languages, bio, listed, accepts_intros, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
        """,
        [
            (
                uid,
                f"Person {uid}",
                f"City of {countries[region]}",
                "Bonn" if region == "europe" else "Lagos",
                countries[region],
                region,
                "Procurement officer",
                ",e-procurement,",
                ",en,",
                '=HYPERLINK("x")' if i == 0 else "Buys sustainably.",
                int(i < plan.listed),
                _iso(NOW),
                _iso(NOW),
            )
            for i, (uid, region) in enumerate(zip(users, regions, strict=False))
        ],
    )
    region_of = dict(zip(users, regions, strict=False))

    # Subscriptions to sessions, plenary reminders, and which were sent.
    guids = {
        row["id"]: row["guid"]
        for row in await db.fetchall("SELECT id, guid FROM schedule_sessions")
    }
    reminders = []
    for number, count in plan.subscribers.items():
        for uid in users[:count]:
            reminders.append((uid, guids[number], "chosen"))
    plenary = next(g for n, g in sorted(guids.items()) if n not in plan.subscribers)
    for uid in users[-plan.plenary_reminders :]:
        reminders.append((uid, plenary, "plenary"))
    await db.executemany(
        "INSERT INTO reminders (user_id, session_guid, fire_at, state, origin) "
        "VALUES (?, ?, 0, ?, ?)",
        [
            (uid, guid, "sent" if i < plan.reminders_sent else "pending", origin)
            for i, (uid, guid, origin) in enumerate(reminders)
        ],
    )

    # Announcements: sent ones with their outboxes, and a draft that must not count.
    for number, (delivered, blocked, failed) in plan.announcements.items():
        await db.execute(
            "INSERT INTO announcements (id, author_id, status, audience, audience_value, "
            "created_at, started_at, finished_at) VALUES (?, 1, 'done', ?, ?, ?, ?, ?)",
            (
                number,
                "all" if number == 1 else "language",
                None if number == 1 else "de",
                _iso(NOW - timedelta(days=3 - number)),
                _iso(NOW - timedelta(days=3 - number)),
                _iso(NOW - timedelta(days=3 - number, minutes=-5)),
            ),
        )
        await db.execute(
            "INSERT INTO announcement_versions (announcement_id, language, body) "
            "VALUES (?, '', ?)",
            (number, f"<b>Welcome</b> to the forum &amp; announcement {number}"),
        )
        statuses = ["sent"] * delivered + ["blocked"] * blocked + ["failed"] * failed
        await db.executemany(
            "INSERT INTO announcement_outbox (announcement_id, chat_id, language, status) "
            "VALUES (?, ?, 'en', ?)",
            [(number, uid, status) for uid, status in zip(users, statuses, strict=False)],
        )
    await db.execute(
        "INSERT INTO announcements (id, author_id, status, created_at) VALUES (3, 1, 'draft', ?)",
        (_iso(NOW),),
    )

    # Introductions between profiles: accepted per pair of regions, then the others.
    by_region: dict[str, list[int]] = {}
    for uid, region in region_of.items():
        by_region.setdefault(region, []).append(uid)
    cycles = {region: itertools.cycle(ids) for region, ids in by_region.items()}
    requests: list[tuple[int, int, str]] = []
    seen: set[tuple[int, int]] = set()

    def pair(first: str, second: str) -> tuple[int, int]:
        while True:
            a, b = next(cycles[first]), next(cycles[second])
            if a != b and (a, b) not in seen and (b, a) not in seen:
                seen.add((a, b))
                return a, b

    for (first, second), count in plan.accepted_pairs.items():
        for i in range(count):
            a, b = pair(first, second)
            # Half asked in each direction: the matrix counts them once per pair either way.
            requests.append((a, b, "accepted") if i % 2 == 0 else (b, a, "accepted"))
    for status, count in (
        ("declined", plan.declined),
        ("blocked", plan.blocked),
        ("pending", plan.pending),
    ):
        for _ in range(count):
            a, b = pair("europe", "africa")
            requests.append((a, b, status))
    await db.executemany(
        "INSERT INTO intro_requests (requester_id, target_id, note, status, created_at) "
        "VALUES (?, ?, 'Hello', ?, ?)",
        [(a, b, status, _iso(NOW)) for a, b, status in requests],
    )

    # Moderation of the community group, and its activity.
    actions = (
        ["warn"] * plan.warnings
        + ["mute"] * plan.mutes
        + ["flood_mute"] * plan.flood_mutes
        + ["ban"] * plan.bans
        + ["kick"] * plan.kicks
    )
    await db.executemany(
        "INSERT INTO mod_log (chat_id, action, actor_id, target_id, created_at) "
        "VALUES (?, ?, 1, ?, ?)",
        [(COMMUNITY, action, users[i], _iso(NOW)) for i, action in enumerate(actions)],
    )
    await db.executemany(
        "INSERT INTO mod_newcomers (chat_id, user_id, joined_at, verified_at) VALUES (?, ?, ?, ?)",
        [
            (COMMUNITY, uid, _iso(NOW), _iso(NOW) if i < plan.verified else None)
            for i, uid in enumerate(users[: plan.verified + plan.unverified])
        ],
    )
    hours = []
    for day, count in plan.messages_per_day.items():
        # Berlin day D runs from 23:00 UTC the day before: put a message at 23:00 UTC.
        start = datetime.fromisoformat(day).replace(tzinfo=UTC) - timedelta(hours=1)
        hours.append((int(start.timestamp()), 1))
        if count > 1:
            hours.append((int((start + timedelta(hours=12)).timestamp()), count - 1))
    await db.executemany(
        "INSERT INTO group_activity (chat_id, hour, messages) VALUES (?, ?, ?)",
        [(COMMUNITY, hour, count) for hour, count in hours],
    )
    return plan
