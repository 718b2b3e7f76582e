"""Reminders storage: subscriptions with their state machine, settings, notices and posts.

The dispatcher's at-most-once guarantee rests on two statements here: ``claim_due`` moves due
rows to 'sending' in one statement before anything is sent, and ``finish`` records the outcome
after. ``recover_in_flight`` decides what a crash left in 'sending' (see its docstring).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.participants.model import Recipient
from bot.reminders.model import (
    Claimed,
    ClaimedNotice,
    DigestUser,
    ReminderSettings,
    State,
    Subscriber,
    from_ts,
    to_ts,
)
from storage.database import Database
from storage.participants import recipients_of

# SQLite's default limit on host parameters is 32766; stay far below it.
_CHUNK = 900


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ReminderStore:
    """Repository of the reminders tables."""

    def __init__(self, db: Database, default_language: str = "en") -> None:
        self._db = db
        self._default_language = default_language

    # -- settings ---------------------------------------------------------------------------

    async def settings(self, user_id: int) -> ReminderSettings:
        """Return the user's reminder settings (defaults when never set)."""
        row = await self._db.fetchone(
            "SELECT lead_minutes, all_plenaries, digest_hour FROM reminder_settings "
            "WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return ReminderSettings()
        return ReminderSettings(row[0], bool(row[1]), row[2])

    async def _set(self, user_id: int, column: str, value: int | None) -> None:
        # column comes from the three literals below, never from input.
        await self._db.execute(
            f"INSERT INTO reminder_settings (user_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}",
            (user_id, value),
        )

    async def set_all_plenaries(self, user_id: int, enabled: bool) -> None:
        """Store the "remind me of every plenary" choice."""
        await self._set(user_id, "all_plenaries", int(enabled))

    async def set_digest_hour(self, user_id: int, hour: int | None) -> None:
        """Store the morning digest hour (None: no digest)."""
        await self._set(user_id, "digest_hour", hour)

    async def set_lead(self, user_id: int, minutes: int, fire_at: dict[str, datetime]) -> None:
        """Store the lead time and move the user's pending reminders to ``fire_at``."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO reminder_settings (user_id, lead_minutes) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET lead_minutes = excluded.lead_minutes",
                (user_id, minutes),
            )
            await tx.executemany(
                "UPDATE reminders SET fire_at = ? "
                "WHERE user_id = ? AND session_guid = ? AND state = 'pending'",
                [(to_ts(at), user_id, guid) for guid, at in fire_at.items()],
            )

    async def plenary_users(self) -> list[int]:
        """Return the users who want a reminder for every plenary."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM reminder_settings WHERE all_plenaries = 1 ORDER BY user_id"
        )
        return [row[0] for row in rows]

    async def digest_users(self) -> list[DigestUser]:
        """Return the reachable users who asked for a morning digest."""
        rows = await self._db.fetchall(
            "SELECT s.user_id, s.digest_hour FROM reminder_settings s "
            "JOIN participants p USING (user_id) "
            "WHERE s.digest_hour IS NOT NULL AND p.status = 'active' ORDER BY s.user_id"
        )
        return [DigestUser(row[0], row[1]) for row in rows]

    async def recipients(self, user_ids: Sequence[int]) -> dict[int, Recipient]:
        """Return language, zone and reachability of these users."""
        found = await recipients_of(self._db, user_ids, self._default_language)
        return {recipient.user_id: recipient for recipient in found}

    # -- subscriptions ----------------------------------------------------------------------

    async def subscribe(
        self, user_id: int, guid: str, fire_at: datetime, *, origin: str = "chosen"
    ) -> bool:
        """Add a pending reminder; False when the user already has one for the session."""
        return await self._db.changed_one(
            "INSERT INTO reminders (user_id, session_guid, fire_at, origin) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id, session_guid) DO NOTHING",
            (user_id, guid, to_ts(fire_at), origin),
        )

    async def subscribe_many(self, rows: Sequence[tuple[int, str, datetime]], origin: str) -> int:
        """Add pending reminders (user, guid, fire_at), keeping existing ones; return how many."""
        written = await self._db.executemany(
            "INSERT INTO reminders (user_id, session_guid, fire_at, origin) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id, session_guid) DO NOTHING",
            [(user, guid, to_ts(at), origin) for user, guid, at in rows],
        )
        return written.rowcount

    async def unsubscribe(self, user_id: int, guid: str) -> bool:
        """Remove the user's reminder for a session; False when there was none."""
        return await self._db.changed_one(
            "DELETE FROM reminders WHERE user_id = ? AND session_guid = ?", (user_id, guid)
        )

    async def drop_plenary_reminders(self, user_id: int) -> None:
        """Remove the pending reminders that only the plenary opt-in created."""
        await self._db.execute(
            "DELETE FROM reminders WHERE user_id = ? AND origin = 'plenary' AND state = 'pending'",
            (user_id,),
        )

    async def guids_of(self, user_id: int) -> list[str]:
        """Return the sessions the user follows (every state but skipped)."""
        rows = await self._db.fetchall(
            "SELECT session_guid FROM reminders WHERE user_id = ? AND state != 'skipped'",
            (user_id,),
        )
        return [row[0] for row in rows]

    async def has(self, user_id: int, guid: str) -> bool:
        """Tell whether the user follows the session."""
        return await self._db.exists(
            "SELECT 1 FROM reminders WHERE user_id = ? AND session_guid = ?", (user_id, guid)
        )

    async def subscribers(self, guid: str) -> list[Subscriber]:
        """Return everyone with a reminder for the session, with their lead time."""
        rows = await self._db.fetchall(
            "SELECT r.user_id, r.state, s.lead_minutes FROM reminders r "
            "LEFT JOIN reminder_settings s USING (user_id) WHERE r.session_guid = ?",
            (guid,),
        )
        return [Subscriber(row[0], State(row[1]), row[2]) for row in rows]

    async def state_of(self, user_id: int, guid: str) -> tuple[State, datetime] | None:
        """Return the state and fire time of one reminder."""
        row = await self._db.fetchone(
            "SELECT state, fire_at FROM reminders WHERE user_id = ? AND session_guid = ?",
            (user_id, guid),
        )
        return (State(row[0]), from_ts(row[1])) if row else None

    # -- dispatch ---------------------------------------------------------------------------

    async def recover_in_flight(self) -> int:
        """Put reminders and notices left in 'sending' by a crash back to 'pending'.

        Policy: resend. A row in 'sending' may or may not have reached Telegram; sending it
        again can duplicate it, skipping it could lose it. Duplicates are bounded by the rows
        claimed but not yet recorded at the crash (at most one claim batch).
        """
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE reminders SET state = 'pending' WHERE state = 'sending'"
            )
            count = cursor.rowcount
            cursor = await tx.execute(
                "UPDATE reminder_notices SET state = 'pending' WHERE state = 'sending'"
            )
            return count + cursor.rowcount

    async def claim_due(self, now: datetime, limit: int) -> list[Claimed]:
        """Move up to ``limit`` due pending reminders to 'sending' and return them."""
        written = await self._db.execute(
            "UPDATE reminders SET state = 'sending' WHERE rowid IN ("
            "  SELECT rowid FROM reminders WHERE state = 'pending' AND fire_at <= ? "
            "  ORDER BY fire_at LIMIT ?) "
            "RETURNING user_id, session_guid, fire_at",
            (to_ts(now), limit),
        )
        return [Claimed(row[0], row[1], from_ts(row[2])) for row in written.rows]

    async def finish(self, outcomes: Sequence[tuple[int, str, State, str | None]]) -> None:
        """Record what became of claimed reminders: (user, guid, state, note)."""
        if not outcomes:
            return
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE reminders SET state = ?, note = ? WHERE user_id = ? AND session_guid = ?",
                [(state.value, note, user, guid) for user, guid, state, note in outcomes],
            )

    async def count_by_state(self) -> dict[str, int]:
        """Return how many reminders are in each state."""
        rows = await self._db.fetchall("SELECT state, COUNT(*) FROM reminders GROUP BY state")
        return {row[0]: row[1] for row in rows}

    # -- schedule changes -------------------------------------------------------------------

    async def apply_change(
        self,
        retime: Sequence[tuple[int, str, datetime, bool]],
        skip: Sequence[tuple[int, str, str]],
        notices: Sequence[tuple[int, str, str, dict[str, Any]]],
    ) -> None:
        """Move reminders (user, guid, fire_at, re-arm), skip some, queue notices, at once."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE reminders SET fire_at = ?, "
                "state = CASE WHEN ? THEN 'pending' ELSE state END, note = NULL "
                "WHERE user_id = ? AND session_guid = ? AND state != 'sending'",
                [(to_ts(at), int(rearm), user, guid) for user, guid, at, rearm in retime],
            )
            await tx.executemany(
                "UPDATE reminders SET state = 'skipped', note = ? "
                "WHERE user_id = ? AND session_guid = ? AND state = 'pending'",
                [(note, user, guid) for user, guid, note in skip],
            )
            await tx.executemany(
                "INSERT INTO reminder_notices (user_id, session_guid, version, payload) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    (user, guid, version, json.dumps(payload, ensure_ascii=False))
                    for user, guid, version, payload in notices
                ],
            )

    async def claim_notices(self, limit: int) -> list[ClaimedNotice]:
        """Move up to ``limit`` pending notices to 'sending' and return them."""
        written = await self._db.execute(
            "UPDATE reminder_notices SET state = 'sending' WHERE rowid IN ("
            "  SELECT rowid FROM reminder_notices WHERE state = 'pending' LIMIT ?) "
            "RETURNING user_id, session_guid, version, payload",
            (limit,),
        )
        return [ClaimedNotice(row[0], row[1], row[2], json.loads(row[3])) for row in written.rows]

    async def finish_notices(self, outcomes: Sequence[tuple[int, str, str, State]]) -> None:
        """Record what became of claimed notices: (user, guid, version, state)."""
        if not outcomes:
            return
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE reminder_notices SET state = ? "
                "WHERE user_id = ? AND session_guid = ? AND version = ?",
                [(state.value, user, guid, version) for user, guid, version, state in outcomes],
            )

    # -- posts ------------------------------------------------------------------------------

    async def claim_post(self, key: str, now: datetime) -> bool:
        """Claim a one-off post by key; False when it was claimed before (at most once)."""
        return await self._db.changed_one(
            "INSERT INTO reminder_posts (key, state, claimed_at) VALUES (?, 'sending', ?) "
            "ON CONFLICT (key) DO NOTHING",
            (key, to_ts(now)),
        )

    async def finish_post(self, key: str, sent: bool) -> None:
        """Record whether a claimed post went out."""
        await self._db.execute(
            "UPDATE reminder_posts SET state = ? WHERE key = ?",
            ("sent" if sent else "failed", key),
        )

    async def has_post(self, key: str) -> bool:
        """Tell whether a post was claimed."""
        return await self._db.exists("SELECT 1 FROM reminder_posts WHERE key = ?", (key,))
