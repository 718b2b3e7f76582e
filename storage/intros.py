"""Introductions storage: profiles, requests, blocks, /meet and self-introductions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.intros.model import (
    DirectoryFilter,
    IntroRequest,
    Profile,
    ProfileDraft,
    RequestStatus,
    SelfIntro,
)
from bot.regions import region_of
from storage.database import Database, Queries, Row
from storage.rows import from_row

_MEET_WINDOW = 200
_PROFILE_COLUMNS = (
    "profile_id, token, user_id, display_name, organisation, city, country, region, role, "
    "topics, languages, bio, listed, accepts_intros, meet_opt_in, created_at, updated_at"
)


def _split(packed: str) -> tuple[str, ...]:
    return tuple(part for part in packed.split(",") if part)


def _pack(items: tuple[str, ...]) -> str:
    return "," + "".join(f"{item}," for item in items)


def _to_profile(row: Row) -> Profile:
    return from_row(Profile, row, topics=_split(row["topics"]), languages=_split(row["languages"]))


def _to_request(row: Row) -> IntroRequest:
    return from_row(IntroRequest, row)


class IntroStorage:
    """Repository of the introductions tables."""

    def __init__(
        self, db: Database, participant_changed: Callable[[int], None] = lambda _: None
    ) -> None:
        self._db = db
        # Writes here touch participants rows too (consents, deletion); the participants
        # repository caches rows, so it is told which ones changed.
        self._participant_changed = participant_changed

    async def _one(self, sql: str, params: tuple[Any, ...]) -> Row | None:
        return await self._db.fetchone(sql, params)

    # ---- profiles ----

    async def get_profile(self, user_id: int) -> Profile | None:
        """Return the user's profile."""
        row = await self._one(
            f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE user_id = ?", (user_id,)
        )
        return _to_profile(row) if row else None

    async def get_profile_by_id(self, profile_id: int) -> Profile | None:
        """Return a profile by its internal number."""
        row = await self._one(
            f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE profile_id = ?", (profile_id,)
        )
        return _to_profile(row) if row else None

    async def get_profile_by_token(self, token: str) -> Profile | None:
        """Return the profile a card's token stands for."""
        row = await self._one(f"SELECT {_PROFILE_COLUMNS} FROM profiles WHERE token = ?", (token,))
        return _to_profile(row) if row else None

    async def save_profile(self, user_id: int, draft: ProfileDraft, now: datetime) -> Profile:
        """Create or replace the user's profile, its topic and language rows and consents."""
        async with self._db.transaction() as tx:
            await self.insert_profile_rows(tx, user_id, draft, now)
        self._participant_changed(user_id)
        found = await self.get_profile(user_id)
        assert found is not None
        return found

    async def insert_profile_rows(
        self, tx: Queries, user_id: int, draft: ProfileDraft, now: datetime
    ) -> None:
        """Write a profile's rows inside the caller's transaction."""
        await tx.execute(
            """
            INSERT INTO profiles
                (user_id, token, display_name, organisation, city, country, region, role,
                 topics, languages, bio, listed, accepts_intros, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id) DO UPDATE SET
                display_name = excluded.display_name,
                organisation = excluded.organisation,
                city = excluded.city,
                country = excluded.country,
                region = excluded.region,
                role = excluded.role,
                topics = excluded.topics,
                languages = excluded.languages,
                bio = excluded.bio,
                listed = excluded.listed,
                accepts_intros = excluded.accepts_intros,
                updated_at = excluded.updated_at
            """,
            (
                user_id,
                # Kept by the update: a card someone was shown stays valid while the profile
                # lives.
                secrets.token_hex(8),
                draft.display_name,
                draft.organisation,
                draft.city,
                draft.country,
                region_of(draft.country),
                draft.role,
                _pack(draft.topics),
                _pack(draft.languages),
                draft.bio,
                int(draft.listed),
                int(draft.accepts_intros),
                now.isoformat(),
                now.isoformat(),
            ),
        )
        row = await tx.fetchone("SELECT profile_id FROM profiles WHERE user_id = ?", (user_id,))
        assert row is not None  # just written in this transaction
        profile_id = int(row[0])
        await tx.execute("DELETE FROM profile_topics WHERE profile_id = ?", (profile_id,))
        await tx.execute("DELETE FROM profile_languages WHERE profile_id = ?", (profile_id,))
        await tx.executemany(
            "INSERT INTO profile_topics (profile_id, topic) VALUES (?, ?)",
            [(profile_id, topic) for topic in draft.topics],
        )
        await tx.executemany(
            "INSERT INTO profile_languages (profile_id, language) VALUES (?, ?)",
            [(profile_id, language) for language in draft.languages],
        )
        # The core's consent columns mirror the profile, for features that read them.
        await tx.execute(
            "UPDATE participants SET consent_directory = ?, consent_intros = ? WHERE user_id = ?",
            (int(draft.listed), int(draft.accepts_intros), user_id),
        )

    async def delete_profile(self, user_id: int) -> bool:
        """Delete the user's profile; tell whether there was one."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM profiles WHERE user_id = ?", (user_id,))
            await tx.execute(
                "UPDATE participants SET consent_directory = 0, consent_intros = 0 "
                "WHERE user_id = ?",
                (user_id,),
            )
        self._participant_changed(user_id)
        return cursor.rowcount > 0

    async def set_meet_opt_in(self, user_id: int, opt_in: bool) -> None:
        """Record whether the user takes part in /meet."""
        await self._db.execute(
            "UPDATE profiles SET meet_opt_in = ? WHERE user_id = ?", (int(opt_in), user_id)
        )

    # ---- directory ----

    async def directory(self, wanted: DirectoryFilter, offset: int, limit: int) -> list[Profile]:
        """Return listed profiles matching the filter, in profile order."""
        columns = ", ".join(f"p.{c.strip()}" for c in _PROFILE_COLUMNS.split(","))
        if wanted.kind == "topic":
            sql = (
                f"SELECT {columns} FROM profile_topics t JOIN profiles p USING (profile_id) "
                "WHERE t.topic = ? AND p.listed = 1 ORDER BY t.profile_id LIMIT ? OFFSET ?"
            )
            params: tuple[Any, ...] = (wanted.value, limit, offset)
        elif wanted.kind == "language":
            sql = (
                f"SELECT {columns} FROM profile_languages l JOIN profiles p USING (profile_id) "
                "WHERE l.language = ? AND p.listed = 1 ORDER BY l.profile_id LIMIT ? OFFSET ?"
            )
            params = (wanted.value, limit, offset)
        elif wanted.kind in ("country", "region"):
            sql = (
                f"SELECT {columns} FROM profiles p WHERE p.listed = 1 AND p.{wanted.kind} = ? "
                "ORDER BY p.profile_id LIMIT ? OFFSET ?"
            )
            params = (wanted.value, limit, offset)
        else:
            sql = (
                f"SELECT {columns} FROM profiles p WHERE p.listed = 1 "
                "ORDER BY p.profile_id LIMIT ? OFFSET ?"
            )
            params = (limit, offset)
        rows = await self._db.fetchall(sql, params)
        return [_to_profile(row) for row in rows]

    # ---- requests ----

    async def pending_count(self, requester_id: int) -> int:
        """Return how many of the requester's requests await an answer."""
        row = await self._one(
            "SELECT COUNT(*) FROM intro_requests WHERE requester_id = ? AND status = 'pending'",
            (requester_id,),
        )
        return int(row[0]) if row else 0

    async def open_request_between(self, a: int, b: int) -> IntroRequest | None:
        """Return a pending or accepted request between two people, either way round."""
        row = await self._one(
            """
            SELECT * FROM intro_requests
            WHERE status IN ('pending', 'accepted')
              AND ((requester_id = ? AND target_id = ?) OR (requester_id = ? AND target_id = ?))
            ORDER BY request_id DESC LIMIT 1
            """,
            (a, b, b, a),
        )
        return _to_request(row) if row else None

    async def last_declined_at(self, requester_id: int, target_id: int) -> datetime | None:
        """Return when the target last declined the requester."""
        row = await self._one(
            "SELECT MAX(decided_at) FROM intro_requests "
            "WHERE requester_id = ? AND target_id = ? AND status = 'declined'",
            (requester_id, target_id),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def is_blocked(self, blocker_id: int, blocked_id: int) -> bool:
        """Tell whether one person blocked the other."""
        return await self._db.exists(
            "SELECT 1 FROM intro_blocks WHERE blocker_id = ? AND blocked_id = ?",
            (blocker_id, blocked_id),
        )

    async def add_request(
        self, requester_id: int, target_id: int, note: str, now: datetime
    ) -> IntroRequest:
        """Store a new pending request."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO intro_requests (requester_id, target_id, note, created_at) "
                "VALUES (?, ?, ?, ?)",
                (requester_id, target_id, note, now.isoformat()),
            )
            request_id = cursor.lastrowid
        found = await self.get_request(int(request_id or 0))
        assert found is not None
        return found

    async def get_request(self, request_id: int) -> IntroRequest | None:
        """Return a request by id."""
        row = await self._one("SELECT * FROM intro_requests WHERE request_id = ?", (request_id,))
        return _to_request(row) if row else None

    async def decide_request(self, request_id: int, status: RequestStatus, now: datetime) -> bool:
        """Move a pending request to its answer; False if it was no longer pending."""
        return await self._db.changed_one(
            "UPDATE intro_requests SET status = ?, decided_at = ? "
            "WHERE request_id = ? AND status = 'pending'",
            (status, now.isoformat(), request_id),
        )

    async def add_block(self, blocker_id: int, blocked_id: int, now: datetime) -> None:
        """Record that one person blocked another."""
        await self._db.execute(
            "INSERT OR IGNORE INTO intro_blocks (blocker_id, blocked_id, created_at) "
            "VALUES (?, ?, ?)",
            (blocker_id, blocked_id, now.isoformat()),
        )

    # ---- /meet ----

    async def meet_candidate(self, profile: Profile) -> Profile | None:
        """Return a new match from another region with a shared topic or language.

        The best of the first ``_MEET_WINDOW`` eligible people (most shared topics, then
        languages) after a starting point that depends on the asker, wrapping around: a full
        ranking would score every profile on each /meet, and a fixed start would offer
        everyone the same few people.
        """
        topic_terms = [f",{topic}," for topic in profile.topics]
        language_terms = [f",{language}," for language in profile.languages]
        topic_score = " + ".join(["(instr(topics, ?) > 0)"] * len(topic_terms)) or "0"
        language_score = " + ".join(["(instr(languages, ?) > 0)"] * len(language_terms)) or "0"
        me = profile.user_id
        eligible = f"""
            SELECT *, ({topic_score}) AS shared_topics, ({language_score}) AS shared_languages
            FROM profiles
            WHERE {{range}} AND meet_opt_in = 1 AND listed = 1 AND accepts_intros = 1
              AND region <> ? AND user_id <> ?
              AND user_id NOT IN excluded
              AND ({topic_score}) + ({language_score}) > 0
            ORDER BY profile_id LIMIT {_MEET_WINDOW}
        """
        sql = f"""
            WITH excluded AS (
                SELECT suggested_id FROM meet_suggestions WHERE user_id = ?
                UNION ALL SELECT blocked_id FROM intro_blocks WHERE blocker_id = ?
                UNION ALL SELECT blocker_id FROM intro_blocks WHERE blocked_id = ?
                UNION ALL SELECT target_id FROM intro_requests WHERE requester_id = ?
                UNION ALL SELECT requester_id FROM intro_requests WHERE target_id = ?),
            start AS (SELECT (? * 7919) % (COALESCE(MAX(profile_id), 0) + 1) AS at FROM profiles)
            SELECT {_PROFILE_COLUMNS} FROM (
                SELECT * FROM ({eligible.format(range="profile_id > (SELECT at FROM start)")})
                UNION ALL
                SELECT * FROM ({eligible.format(range="profile_id <= (SELECT at FROM start)")})
            )
            ORDER BY shared_topics DESC, shared_languages DESC, profile_id
            LIMIT 1
        """
        one_side = (
            *topic_terms,
            *language_terms,
            profile.region,
            me,
            *topic_terms,
            *language_terms,
        )
        params = (me, me, me, me, me, me, *one_side, *one_side)
        row = await self._one(sql, params)
        return _to_profile(row) if row else None

    async def record_suggestion(self, user_id: int, suggested_id: int, now: datetime) -> None:
        """Remember a /meet suggestion so that it is not repeated."""
        await self._db.execute(
            "INSERT OR IGNORE INTO meet_suggestions (user_id, suggested_id, created_at) "
            "VALUES (?, ?, ?)",
            (user_id, suggested_id, now.isoformat()),
        )

    # ---- self-introductions ----

    async def add_self_intro(self, user_id: int, status: str, now: datetime) -> SelfIntro:
        """Store a self-introduction (pending approval, or posted)."""
        cursor = await self._db.execute(
            "INSERT INTO self_intros (user_id, status, created_at) VALUES (?, ?, ?)",
            (user_id, status, now.isoformat()),
        )
        found = await self.get_self_intro(int(cursor.lastrowid or 0))
        assert found is not None
        return found

    async def get_self_intro(self, intro_id: int) -> SelfIntro | None:
        """Return a self-introduction by id."""
        row = await self._one(
            "SELECT intro_id, user_id, status FROM self_intros WHERE intro_id = ?", (intro_id,)
        )
        return SelfIntro(row["intro_id"], row["user_id"], row["status"]) if row else None

    async def has_self_intro(self, user_id: int) -> bool:
        """Tell whether the user's card is posted or waiting for a moderator."""
        return await self._db.exists(
            "SELECT 1 FROM self_intros WHERE user_id = ? AND status IN ('pending', 'posted')",
            (user_id,),
        )

    async def decide_self_intro(self, intro_id: int, status: str, now: datetime) -> bool:
        """Approve (posted) or reject a pending self-introduction; False if not pending."""
        return await self._db.changed_one(
            "UPDATE self_intros SET status = ?, decided_at = ? "
            "WHERE intro_id = ? AND status = 'pending'",
            (status, now.isoformat(), intro_id),
        )
