"""Insight's SQL: every figure of /stats, the exports and the report, counted by SQLite.

Figures are counted in SQL over the tables the features keep (participants as the
participants table has them, reminders, announcements' outboxes, introductions, the
moderation log) plus the one table of its own, ``group_activity``: messages in the community
group per hour, a count without content or person.

Days are days of the event's zone. SQLite knows no time zones, so the caller passes the
zone's UTC offsets as ``Shifts`` (from which instant which offset applies) and the SQL adds
the right one to each timestamp before taking its date.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import date, datetime

from bot.insight.model import (
    AnnouncementFigure,
    GroupFigures,
    IntroductionCounts,
    ListedProfile,
    NetworkFigures,
    ParticipantFigures,
    ProgrammeFigures,
    ReachFigures,
    SessionFigure,
    region_pair,
)
from storage.database import Database
from storage.participants import spoken_language
from storage.rows import from_row

# (from unix second, UTC offset in seconds), ascending; the first applies before its instant.
Shifts = Sequence[tuple[int, int]]

# Moderation log actions counted as mutes.
MUTES = ("mute", "flood_mute")


def _local_day(seconds: str, shifts: Shifts) -> tuple[str, list[int]]:
    """Return SQL for the event-zone date of a unix-seconds expression, and its parameters."""
    if not shifts:
        return f"date({seconds}, 'unixepoch')", []
    cases = []
    params: list[int] = []
    for (_, offset), (until, _) in itertools.pairwise(shifts):
        cases.append(f"WHEN {seconds} < ? THEN ?")
        params += [until, offset]
    params.append(shifts[-1][1])
    offset_sql = f"CASE {' '.join(cases)} ELSE ? END" if cases else "?"
    return f"date({seconds} + {offset_sql}, 'unixepoch')", params


def _unix(column: str) -> str:
    """Return SQL for an ISO 8601 text column as unix seconds."""
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


class InsightStore:
    """Repository of insight's figures and of the group's message counter."""

    def __init__(self, db: Database, default_language: str) -> None:
        self._db = db
        self._default_language = default_language

    # -- the group's message counter ------------------------------------------------------------

    async def count_group_message(self, chat_id: int, moment: datetime) -> None:
        """Add one message to the community group's count for the hour of ``moment``."""
        hour = int(moment.timestamp()) // 3600 * 3600
        await self._db.execute(
            """
            INSERT INTO group_activity (chat_id, hour, messages) VALUES (?, ?, 1)
            ON CONFLICT (chat_id, hour) DO UPDATE SET messages = messages + 1
            """,
            (chat_id, hour),
        )

    # -- participants -------------------------------------------------------------------------

    async def participants(self, active_since: datetime, shifts: Shifts) -> ParticipantFigures:
        """Count participants: in all, recently active, per start day, language, region, zone."""
        totals = await self._db.fetchone(
            f"""
            SELECT COUNT(*) AS total,
                   COALESCE(SUM({_unix("last_seen")} >= ?), 0) AS active
            FROM participants
            """,
            (int(active_since.timestamp()),),
        )
        day_sql, params = _local_day("ts", shifts)
        per_day = await self._db.fetchall(
            f"""
            SELECT {day_sql} AS day, COUNT(*) AS n
            FROM (SELECT {_unix("first_seen")} AS ts FROM participants)
            GROUP BY day ORDER BY day
            """,
            params,
        )
        languages = await self._db.fetchall(
            f"SELECT {spoken_language()} AS code, COUNT(*) AS n FROM participants "
            "GROUP BY code ORDER BY n DESC, code",
            (self._default_language,),
        )
        regions = await self._db.fetchall(
            """
            SELECT profiles.region AS region, COUNT(*) AS n
            FROM participants LEFT JOIN profiles USING (user_id)
            GROUP BY region ORDER BY n DESC, region
            """
        )
        zones = await self._db.fetchall(
            "SELECT timezone, COUNT(*) AS n FROM participants "
            "GROUP BY timezone ORDER BY n DESC, timezone"
        )
        return ParticipantFigures(
            total=int(totals["total"]) if totals else 0,
            active_24h=int(totals["active"]) if totals else 0,
            started_per_day=tuple((date.fromisoformat(r["day"]), r["n"]) for r in per_day),
            by_language=tuple((r["code"], r["n"]) for r in languages),
            by_region=tuple((r["region"], r["n"]) for r in regions),
            by_timezone=tuple((r["timezone"], r["n"]) for r in zones),
        )

    # -- the programme ------------------------------------------------------------------------

    async def programme(self) -> ProgrammeFigures:
        """Count subscriptions per session of the stored programme, and the reminders sent."""
        rows = await self._db.fetchall(
            """
            SELECT s.guid, s.id, s.title, s.day, s.start_utc AS start, s.end_utc AS "end",
                   s.room, s.capacity, s.type, COALESCE(c.n, 0) AS subscribers
            FROM schedule_sessions AS s
            LEFT JOIN (
                SELECT session_guid, COUNT(*) AS n FROM reminders
                WHERE origin = 'chosen' GROUP BY session_guid
            ) AS c ON c.session_guid = s.guid
            ORDER BY s.start_utc, s.room, s.id
            """
        )
        counts = await self._db.fetchone(
            """
            SELECT
                (SELECT COUNT(*) FROM reminders WHERE origin = 'chosen') AS subscriptions,
                (SELECT COUNT(DISTINCT user_id) FROM reminders WHERE origin = 'chosen')
                    AS subscribers,
                (SELECT COUNT(*) FROM reminders WHERE state = 'sent') AS sent,
                (SELECT COUNT(*) FROM reminders WHERE state IN ('pending', 'sending'))
                    AS pending
            """
        )
        assert counts is not None  # a SELECT without FROM always has its row
        return ProgrammeFigures(
            sessions=tuple(from_row(SessionFigure, r) for r in rows),
            subscriptions=counts["subscriptions"],
            subscribers=counts["subscribers"],
            reminders_sent=counts["sent"],
            reminders_pending=counts["pending"],
        )

    # -- reach --------------------------------------------------------------------------------

    async def reach(self, limit: int | None = None) -> ReachFigures:
        """Count each started announcement's deliveries, newest first."""
        rows = await self._db.fetchall(
            """
            SELECT a.id, a.created_at, a.finished_at, a.status, a.audience, a.audience_value,
                   COALESCE(v.body, '') AS text,
                   COALESCE(SUM(o.status = 'sent'), 0) AS delivered,
                   COALESCE(SUM(o.status = 'blocked'), 0) AS blocked,
                   COALESCE(SUM(o.status = 'failed'), 0) AS failed,
                   COALESCE(SUM(o.status = 'pending'), 0) AS pending
            FROM announcements AS a
            LEFT JOIN announcement_versions AS v ON v.announcement_id = a.id AND v.language = ''
            LEFT JOIN announcement_outbox AS o ON o.announcement_id = a.id
            WHERE a.status IN ('sending', 'done')
            GROUP BY a.id
            ORDER BY a.id DESC
            LIMIT ?
            """,
            (-1 if limit is None else limit,),
        )
        return ReachFigures(tuple(from_row(AnnouncementFigure, r) for r in rows))

    # -- the network --------------------------------------------------------------------------

    async def network(self) -> NetworkFigures:
        """Count profiles, listings and introductions, and accepted ones per pair of regions."""
        counts = await self._db.fetchone(
            """
            SELECT
                (SELECT COUNT(*) FROM profiles) AS profiles,
                (SELECT COUNT(*) FROM profiles WHERE listed) AS listed,
                (SELECT COUNT(*) FROM intro_requests) AS requests,
                (SELECT COUNT(*) FROM intro_requests WHERE status = 'accepted') AS accepted,
                (SELECT COUNT(*) FROM intro_requests WHERE status IN ('declined', 'blocked'))
                    AS declined,
                (SELECT COUNT(*) FROM intro_requests WHERE status = 'pending') AS pending
            """
        )
        assert counts is not None
        pairs = await self._db.fetchall(
            """
            SELECT min(a.region, b.region) AS first, max(a.region, b.region) AS second,
                   COUNT(*) AS n
            FROM intro_requests AS r
            JOIN profiles AS a ON a.user_id = r.requester_id
            JOIN profiles AS b ON b.user_id = r.target_id
            WHERE r.status = 'accepted'
            GROUP BY first, second
            """
        )
        return from_row(
            NetworkFigures,
            counts,
            pairs={region_pair(r["first"], r["second"]): r["n"] for r in pairs},
        )

    async def introductions_by_regions(self) -> list[IntroductionCounts]:
        """Count introduction requests per (asker's region, asked person's region)."""
        rows = await self._db.fetchall(
            """
            SELECT a.region AS from_region, b.region AS to_region, COUNT(*) AS requests,
                   SUM(r.status = 'accepted') AS accepted,
                   SUM(r.status IN ('declined', 'blocked')) AS declined,
                   SUM(r.status = 'pending') AS pending
            FROM intro_requests AS r
            LEFT JOIN profiles AS a ON a.user_id = r.requester_id
            LEFT JOIN profiles AS b ON b.user_id = r.target_id
            GROUP BY from_region, to_region
            ORDER BY from_region, to_region
            """
        )
        return [from_row(IntroductionCounts, r) for r in rows]

    async def listed_profiles(self) -> list[ListedProfile]:
        """Return the profile cards of everyone who agreed to be listed in the directory."""
        rows = await self._db.fetchall(
            """
            SELECT COALESCE(CASE WHEN accepts_intros THEN token END, '') AS code,
                   display_name AS name, role, organisation, city, country, region, topics,
                   languages, bio
            FROM profiles WHERE listed ORDER BY display_name COLLATE NOCASE, profile_id
            """
        )
        return [
            from_row(
                ListedProfile,
                r,
                topics=tuple(t for t in r["topics"].split(",") if t),
                languages=tuple(code for code in r["languages"].split(",") if code),
            )
            for r in rows
        ]

    # -- the group ----------------------------------------------------------------------------

    async def group(self, chat_id: int | None, shifts: Shifts) -> GroupFigures:
        """Count the group's messages per day, verified newcomers and moderation actions."""
        if chat_id is None:
            return GroupFigures((), 0, 0, 0, 0)
        day_sql, params = _local_day("hour", shifts)
        per_day = await self._db.fetchall(
            f"""
            SELECT {day_sql} AS day, SUM(messages) AS n FROM group_activity
            WHERE chat_id = ? GROUP BY day ORDER BY day
            """,
            [*params, chat_id],
        )
        mutes = ", ".join(f":mute{i}" for i in range(len(MUTES)))
        counts = await self._db.fetchone(
            f"""
            SELECT
                (SELECT COUNT(*) FROM mod_newcomers
                 WHERE chat_id = :chat AND verified_at IS NOT NULL) AS verified,
                (SELECT COUNT(*) FROM mod_log WHERE chat_id = :chat AND action = 'warn')
                    AS warnings,
                (SELECT COUNT(*) FROM mod_log WHERE chat_id = :chat AND action IN ({mutes}))
                    AS mutes,
                (SELECT COUNT(*) FROM mod_log WHERE chat_id = :chat AND action = 'ban') AS bans
            """,
            {"chat": chat_id, **{f"mute{i}": action for i, action in enumerate(MUTES)}},
        )
        assert counts is not None
        return from_row(
            GroupFigures,
            counts,
            messages_per_day=tuple((date.fromisoformat(r["day"]), r["n"]) for r in per_day),
        )
