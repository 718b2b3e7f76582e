"""The registry of personal data, and the SQL that /mydata, /forget and the purge run from it.

Every table that stores anything about a person is declared here, once: which of its columns
hold personal data and of what kind, how a person's rows are exported (``exports``: queries
that name other people only where the person could already see them, and never by their
Telegram id or username unless an introduction between them was accepted), and how they are
forgotten (``forget``: statements run in order in one transaction; each deletes, blanks the
person out of someone else's record, or keeps a minimal record under a pseudonym where the
forum has a stated need, which /privacy names). A feature that adds a table adds its entry
here; ``tests/test_privacy_registry.py`` fails for any column of the migrated schema that can
hold a person's id, username or name and is not declared.

Statements take named parameters: ``:me`` (the person's Telegram id), ``:pseudonym`` (their
pseudonym, an HMAC of the id under a key that never leaves the database file) and ``:now``
(ISO 8601 UTC).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import N_
from bot.intros.model import Contact
from bot.privacy.model import Export, KeptRecord
from storage.database import Database

# A ban counts as active until it ends; a later unban for the same member in the chat ends it.
_ACTIVE_BAN = """
    action = 'ban' AND target_id = :me AND (until IS NULL OR until > :now)
    AND NOT EXISTS (SELECT 1 FROM mod_log AS later
                    WHERE later.chat_id = mod_log.chat_id AND later.target_id = mod_log.target_id
                      AND later.action = 'unban' AND later.id > mod_log.id)
"""
# Kept ban records say who was banned only by pseudonym: a name with no id.
KEPT_BAN = "target_id IS NULL AND target_name LIKE '#%'"
PSEUDONYM_LENGTH = 12


class Holds(StrEnum):
    """What a personal column holds."""

    ID = "Telegram id"  # a user's id, or their private chat's (the same number)
    NAME = "name"
    USERNAME = "username"
    TEXT = "text they wrote, or that is about them"
    PSEUDONYM = "pseudonym"


class Step(StrEnum):
    """What a forget statement does with the rows it touches."""

    DELETE = "delete"
    BLANK = "blank the person out of someone else's record"
    KEEP = "keep a minimal record under a pseudonym"


@dataclass(frozen=True, slots=True)
class Forget:
    """One statement /forget and the purge run; ``kept`` names the need a KEEP step serves."""

    step: Step
    sql: str
    kept: str | None = None  # msgid: what is kept and why, shown by /privacy


@dataclass(frozen=True, slots=True)
class Personal:
    """One table's personal data: its columns, its export and how it is forgotten."""

    table: str
    section: str
    holds: Mapping[str, Holds]
    exports: Mapping[str, str] = field(default_factory=dict)
    forget: tuple[Forget, ...] = ()


def _delete(table: str, where: str) -> Forget:
    return Forget(Step.DELETE, f"DELETE FROM {table} WHERE {where}")


# Who sees whose name in an introduction: the target saw the requester's card in the request;
# the requester saw the target's card where it was listed or suggested to them by /meet; both
# saw everything once the introduction was accepted.
_OTHER_SIDE_VISIBLE = """
    r.target_id = :me OR r.status = 'accepted' OR p.listed = 1
    OR EXISTS (SELECT 1 FROM meet_suggestions AS m
               WHERE m.user_id = :me AND m.suggested_id = r.target_id)
"""

REGISTRY: tuple[Personal, ...] = (
    Personal(
        "privacy_notices",
        "account",
        {"user_id": Holds.ID},
        {
            "purge_notices": "SELECT purge_on, state FROM privacy_notices WHERE user_id = :me "
            "ORDER BY purge_on"
        },
        (_delete("privacy_notices", "user_id = :me"),),
    ),
    Personal(
        "privacy_kept",
        "introductions",
        {"owner_id": Holds.ID, "pseudonym": Holds.PSEUDONYM},
        {
            "blocks_kept_after_they_left": "SELECT created_at FROM privacy_kept "
            "WHERE owner_id = :me AND kind = 'intro_block' ORDER BY id"
        },
        (_delete("privacy_kept", "owner_id = :me"),),
    ),
    Personal(
        "reminder_settings",
        "agenda",
        {"user_id": Holds.ID},
        {
            "settings": "SELECT lead_minutes, all_plenaries, digest_hour "
            "FROM reminder_settings WHERE user_id = :me"
        },
        (_delete("reminder_settings", "user_id = :me"),),
    ),
    Personal(
        "reminders",
        "agenda",
        {"user_id": Holds.ID},
        {
            "reminders": """
                SELECT s.id AS session, s.title, r.session_guid,
                       datetime(r.fire_at, 'unixepoch') || 'Z' AS remind_at, r.state, r.origin
                FROM reminders AS r LEFT JOIN schedule_sessions AS s ON s.guid = r.session_guid
                WHERE r.user_id = :me ORDER BY r.fire_at
            """
        },
        (_delete("reminders", "user_id = :me"),),
    ),
    Personal(
        "reminder_notices",
        "agenda",
        {"user_id": Holds.ID},
        {
            "change_notices": "SELECT session_guid, payload, state FROM reminder_notices "
            "WHERE user_id = :me ORDER BY session_guid, version"
        },
        (_delete("reminder_notices", "user_id = :me"),),
    ),
    Personal(
        "profile_topics",
        "introductions",
        {},
        {},
        (
            _delete(
                "profile_topics",
                "profile_id IN (SELECT profile_id FROM profiles WHERE user_id = :me)",
            ),
        ),
    ),
    Personal(
        "profile_languages",
        "introductions",
        {},
        {},
        (
            _delete(
                "profile_languages",
                "profile_id IN (SELECT profile_id FROM profiles WHERE user_id = :me)",
            ),
        ),
    ),
    Personal(
        "profiles",
        "introductions",
        {
            "user_id": Holds.ID,
            "display_name": Holds.NAME,
            "organisation": Holds.TEXT,
            "city": Holds.TEXT,
            "role": Holds.TEXT,
            "bio": Holds.TEXT,
        },
        {
            "profile": """
                SELECT profile_id AS number, display_name, organisation, city, country, region,
                       role, trim(topics, ',') AS topics, trim(languages, ',') AS languages, bio,
                       listed, accepts_intros, meet_opt_in, created_at, updated_at
                FROM profiles WHERE user_id = :me
            """
        },
        (_delete("profiles", "user_id = :me"),),
    ),
    Personal(
        "intro_requests",
        "introductions",
        {"requester_id": Holds.ID, "target_id": Holds.ID, "note": Holds.TEXT},
        {
            "requests": f"""
                SELECT r.request_id AS number,
                       CASE WHEN r.requester_id = :me THEN 'sent' ELSE 'received' END AS direction,
                       CASE WHEN {_OTHER_SIDE_VISIBLE} THEN p.display_name END AS other_person,
                       CASE WHEN r.status = 'accepted'
                            THEN COALESCE('https://t.me/' || o.username,
                                          'tg://user?id=' || o.user_id) END AS contact,
                       r.note, r.status, r.created_at, r.decided_at
                FROM intro_requests AS r
                LEFT JOIN profiles AS p ON p.user_id =
                    CASE WHEN r.requester_id = :me THEN r.target_id ELSE r.requester_id END
                LEFT JOIN participants AS o ON o.user_id =
                    CASE WHEN r.requester_id = :me THEN r.target_id ELSE r.requester_id END
                WHERE r.requester_id = :me OR r.target_id = :me
                ORDER BY r.request_id
            """
        },
        (_delete("intro_requests", "requester_id = :me OR target_id = :me"),),
    ),
    Personal(
        "intro_blocks",
        "introductions",
        {"blocker_id": Holds.ID, "blocked_id": Holds.ID},
        {
            # The blocker saw the blocked person's card in the request they blocked.
            "blocked": """
                SELECT p.display_name AS person, b.created_at
                FROM intro_blocks AS b LEFT JOIN profiles AS p ON p.user_id = b.blocked_id
                WHERE b.blocker_id = :me ORDER BY b.created_at
            """
        },
        (
            Forget(
                Step.KEEP,
                """
                INSERT INTO privacy_kept (pseudonym, kind, owner_id, created_at)
                SELECT :pseudonym, 'intro_block', blocker_id, created_at
                FROM intro_blocks WHERE blocked_id = :me
                """,
                N_(
                    "If someone blocked your introduction requests, the block stays under a "
                    "code instead of your id, so that it still holds if you come back."
                ),
            ),
            _delete("intro_blocks", "blocker_id = :me OR blocked_id = :me"),
        ),
    ),
    Personal(
        "meet_suggestions",
        "introductions",
        {"user_id": Holds.ID, "suggested_id": Holds.ID},
        {
            "suggested_to_you": """
                SELECT CASE WHEN p.listed = 1 OR p.meet_opt_in = 1 THEN p.display_name END
                           AS person,
                       m.created_at
                FROM meet_suggestions AS m LEFT JOIN profiles AS p ON p.user_id = m.suggested_id
                WHERE m.user_id = :me ORDER BY m.created_at
            """
        },
        (_delete("meet_suggestions", "user_id = :me OR suggested_id = :me"),),
    ),
    Personal(
        "self_intros",
        "introductions",
        {"user_id": Holds.ID},
        {
            "community_card": "SELECT status, created_at, decided_at FROM self_intros "
            "WHERE user_id = :me ORDER BY intro_id"
        },
        (_delete("self_intros", "user_id = :me"),),
    ),
    Personal(
        "announcement_outbox",
        "announcements",
        {"chat_id": Holds.ID},
        {
            "received": """
                SELECT o.announcement_id AS number, a.started_at AS sent_at, o.status,
                       COALESCE(v.body, d.body) AS text
                FROM announcement_outbox AS o
                JOIN announcements AS a ON a.id = o.announcement_id
                LEFT JOIN announcement_versions AS v
                    ON v.announcement_id = o.announcement_id AND v.language = o.language
                LEFT JOIN announcement_versions AS d
                    ON d.announcement_id = o.announcement_id AND d.language = ''
                WHERE o.chat_id = :me ORDER BY o.announcement_id
            """
        },
        (_delete("announcement_outbox", "chat_id = :me"),),
    ),
    Personal(
        "awaited_inputs",
        "account",
        {"user_id": Holds.ID, "data": Holds.TEXT},
        {
            "unfinished_answers": "SELECT feature, step, data, set_at FROM awaited_inputs "
            "WHERE user_id = :me"
        },
        (_delete("awaited_inputs", "user_id = :me"),),
    ),
    Personal(
        "missed_notices",
        "account",
        # Staff notices (a report, a request to review) that could not be sent privately; the
        # text names the people concerned, by name and by a link with their id.
        {"user_id": Holds.ID, "text": Holds.TEXT},
        {
            "notices_you_missed": "SELECT text, created_at FROM missed_notices "
            "WHERE user_id = :me ORDER BY id"
        },
        (
            _delete(
                "missed_notices",
                "user_id = :me OR instr(text, 'id=' || :me || '\"') > 0 "
                "OR instr(text, '<code>' || :me || '</code>') > 0",
            ),
        ),
    ),
    Personal(
        "announcements",
        "announcements",
        {"author_id": Holds.ID, "progress_chat_id": Holds.ID},
        {
            "written": "SELECT id AS number, status, audience, audience_value, created_at, "
            "send_at, finished_at FROM announcements WHERE author_id = :me ORDER BY id"
        },
        (
            _delete("announcements", "author_id = :me AND status = 'draft'"),
            Forget(
                Step.BLANK,
                "UPDATE announcements SET author_id = 0 WHERE author_id = :me",
            ),
            Forget(
                Step.BLANK,
                "UPDATE announcements SET progress_chat_id = NULL, progress_message_id = NULL "
                "WHERE progress_chat_id = :me",
            ),
        ),
    ),
    Personal(
        "mod_admins",
        "moderation",
        {"user_id": Holds.ID},
        {"administrator_of": "SELECT chat_id FROM mod_admins WHERE user_id = :me"},
        (_delete("mod_admins", "user_id = :me"),),
    ),
    Personal(
        "mod_members",
        "moderation",
        {"user_id": Holds.ID, "name": Holds.NAME, "username": Holds.USERNAME},
        {
            "seen_in_group": "SELECT chat_id, name, username, seen_at FROM mod_members "
            "WHERE user_id = :me"
        },
        (_delete("mod_members", "user_id = :me"),),
    ),
    Personal(
        "mod_pending",
        "moderation",
        {"user_id": Holds.ID, "first_name": Holds.NAME},
        {
            "verification": "SELECT chat_id, first_name, joined_at, deadline "
            "FROM mod_pending WHERE user_id = :me"
        },
        (_delete("mod_pending", "user_id = :me"),),
    ),
    Personal(
        "mod_newcomers",
        "moderation",
        {"user_id": Holds.ID},
        {
            "joined": "SELECT chat_id, joined_at, verified_at FROM mod_newcomers "
            "WHERE user_id = :me"
        },
        (_delete("mod_newcomers", "user_id = :me"),),
    ),
    Personal(
        "mod_warnings",
        "moderation",
        {"user_id": Holds.ID, "given_by": Holds.ID, "reason": Holds.TEXT},
        {
            "warnings": "SELECT chat_id, reason, given_at, revoked_at FROM mod_warnings "
            "WHERE user_id = :me ORDER BY id"
        },
        (
            _delete("mod_warnings", "user_id = :me"),
            Forget(Step.BLANK, "UPDATE mod_warnings SET given_by = 0 WHERE given_by = :me"),
        ),
    ),
    Personal(
        "mod_rules",
        "moderation",
        {"set_by": Holds.ID},
        {"rules_you_set": "SELECT chat_id, set_at FROM mod_rules WHERE set_by = :me"},
        (Forget(Step.BLANK, "UPDATE mod_rules SET set_by = 0 WHERE set_by = :me"),),
    ),
    Personal(
        "mod_log",
        "moderation",
        {
            "actor_id": Holds.ID,
            "actor_name": Holds.NAME,
            "target_id": Holds.ID,
            "target_name": Holds.NAME,
            "reason": Holds.TEXT,
        },
        {
            # The other side of a moderation action is named by neither id nor name.
            "about_you": "SELECT action, chat_id, reason, until, created_at FROM mod_log "
            "WHERE target_id = :me ORDER BY id",
            "actions_you_took": "SELECT action, chat_id, reason, until, created_at FROM mod_log "
            "WHERE actor_id = :me ORDER BY id",
        },
        (
            Forget(
                Step.KEEP,
                "UPDATE mod_log SET target_id = NULL, target_name = '#' || :pseudonym, "
                f"reason = NULL, link = NULL WHERE {_ACTIVE_BAN}",
                N_(
                    "If you are banned from the community group, the moderation log keeps that "
                    "a ban stands and until when, under a code instead of your name and id, "
                    "until the ban ends."
                ),
            ),
            _delete("mod_log", "target_id = :me"),
            Forget(
                Step.BLANK,
                "UPDATE mod_log SET actor_id = 0, actor_name = NULL WHERE actor_id = :me",
            ),
        ),
    ),
    Personal(
        "web_menu_buttons",
        "account",
        {"user_id": Holds.ID},
        {"mini_app_button": "SELECT language FROM web_menu_buttons WHERE user_id = :me"},
        (_delete("web_menu_buttons", "user_id = :me"),),
    ),
    Personal(
        "webhook_updates",
        "account",
        # An update as Telegram sent it (ids, names, the message), kept only until processed.
        {"body": Holds.TEXT},
        {},
        (
            Forget(
                Step.DELETE,
                "UPDATE webhook_updates SET body = NULL WHERE body IS NOT NULL AND EXISTS "
                "(SELECT 1 FROM json_tree(webhook_updates.body) AS t "
                "WHERE t.key = 'id' AND t.atom = :me)",
            ),
        ),
    ),
    Personal(
        "questions",
        "dialogues",
        {"asker_id": Holds.ID, "signature": Holds.NAME, "text": Holds.TEXT},
        {
            "questions_you_asked": """
                SELECT q.session_guid, s.title AS session, q.text, q.anonymous, q.signature,
                       q.status, datetime(q.created_at, 'unixepoch') || 'Z' AS asked_at
                FROM questions AS q LEFT JOIN schedule_sessions AS s ON s.guid = q.session_guid
                WHERE q.asker_id = :me ORDER BY q.question_id
            """
        },
        (_delete("questions", "asker_id = :me"),),
    ),
    Personal(
        "question_votes",
        "dialogues",
        {"user_id": Holds.ID},
        {
            "questions_you_voted_for": """
                SELECT q.session_guid, q.text FROM question_votes AS v
                JOIN questions AS q USING (question_id)
                WHERE v.user_id = :me AND q.status IN ('open', 'answered')
                ORDER BY v.question_id
            """
        },
        (_delete("question_votes", "user_id = :me"),),
    ),
    Personal(
        "session_hosts",
        "dialogues",
        {"user_id": Holds.ID},
        {
            "sessions_you_host": "SELECT session_guid, datetime(assigned_at, 'unixepoch') || 'Z' "
            "AS assigned_at FROM session_hosts WHERE user_id = :me"
        },
        (_delete("session_hosts", "user_id = :me"),),
    ),
    Personal(
        "question_views",
        "dialogues",
        {"chat_id": Holds.ID},
        {},
        (_delete("question_views", "chat_id = :me"),),
    ),
    Personal(
        "feedback_prompts",
        "dialogues",
        {"user_id": Holds.ID},
        {
            "rating_prompts": "SELECT session_guid, state FROM feedback_prompts "
            "WHERE user_id = :me ORDER BY due_at"
        },
        (_delete("feedback_prompts", "user_id = :me"),),
    ),
    Personal(
        "feedback_drafts",
        "dialogues",
        {"user_id": Holds.ID},
        {
            "unsent_ratings": "SELECT session_guid, rating, named FROM feedback_drafts "
            "WHERE user_id = :me"
        },
        (_delete("feedback_drafts", "user_id = :me"),),
    ),
    Personal(
        "feedback_given",
        "dialogues",
        {"user_id": Holds.ID},
        {"sessions_you_rated": "SELECT session_guid FROM feedback_given WHERE user_id = :me"},
        (_delete("feedback_given", "user_id = :me"),),
    ),
    Personal(
        "feedback_ratings",
        "dialogues",
        # Anonymous unless the person chose to be named; forgetting makes it anonymous.
        {"named_user_id": Holds.ID, "named_as": Holds.NAME, "comment": Holds.TEXT},
        {
            "ratings_given_by_name": "SELECT session_guid, rating, comment, named_as, "
            "submitted_on FROM feedback_ratings WHERE named_user_id = :me ORDER BY rating_id"
        },
        (
            Forget(
                Step.BLANK,
                "UPDATE feedback_ratings SET named_user_id = NULL, named_as = NULL "
                "WHERE named_user_id = :me",
            ),
        ),
    ),
    Personal(
        "survey_state",
        "dialogues",
        {"user_id": Holds.ID},
        {
            "survey": "SELECT sent_at, reminded_at, completed_at FROM survey_state "
            "WHERE user_id = :me"
        },
        (_delete("survey_state", "user_id = :me"),),
    ),
    Personal(
        "survey_drafts",
        "dialogues",
        {"user_id": Holds.ID, "answer": Holds.TEXT},
        {
            "survey_answers_so_far": "SELECT question_id, answer FROM survey_drafts "
            "WHERE user_id = :me ORDER BY question_id"
        },
        (_delete("survey_drafts", "user_id = :me"),),
    ),
    Personal(
        "afterforum_sends",
        "account",
        {"user_id": Holds.ID},
        {"after_forum_message": "SELECT state FROM afterforum_sends WHERE user_id = :me"},
        (_delete("afterforum_sends", "user_id = :me"),),
    ),
    Personal(
        "community_stay",
        "account",
        {"user_id": Holds.ID},
        {
            "stay_for_next_forum": "SELECT staying, monthly_meet, decided_at FROM community_stay "
            "WHERE user_id = :me"
        },
        (_delete("community_stay", "user_id = :me"),),
    ),
    # Last: the rows above may reference it.
    Personal(
        "participants",
        "account",
        {
            "user_id": Holds.ID,
            "first_name": Holds.NAME,
            "last_name": Holds.NAME,
            "username": Holds.USERNAME,
        },
        {
            "you": """
                SELECT user_id AS telegram_id, first_name, last_name, username,
                       telegram_language, language, timezone, consent_directory, consent_intros,
                       status, first_seen, last_seen
                FROM participants WHERE user_id = :me
            """
        },
        (_delete("participants", "user_id = :me"),),
    ),
)

# Columns whose names look personal but that hold no participant's data, and why.
NOT_PERSONAL: Mapping[tuple[str, str], str] = {
    ("group_activity", "chat_id"): "the community group's id (hourly message counts)",
    ("mod_channels", "chat_id"): "the community group's id (channels posted as there)",
    ("mod_admins", "chat_id"): "the community group's id",
    ("mod_members", "chat_id"): "the community group's id",
    ("mod_pending", "chat_id"): "the community group's id",
    ("mod_newcomers", "chat_id"): "the community group's id",
    ("mod_warnings", "chat_id"): "the community group's id",
    ("mod_rules", "chat_id"): "the community group's id",
    ("mod_log", "chat_id"): "the community group's id",
    ("schedule_programme", "name"): "the forum's name",
    ("schedule_sessions", "speakers"): "speakers as the published programme names them",
}


def kept_records() -> list[KeptRecord]:
    """Return every minimal record /forget keeps, with the need it serves (for /privacy)."""
    return [
        KeptRecord(entry.table, step.kept)
        for entry in REGISTRY
        for step in entry.forget
        if step.step is Step.KEEP and step.kept is not None
    ]


def person_columns() -> list[tuple[str, str]]:
    """Return (table, column) of every column that holds a person's Telegram id."""
    return [
        (entry.table, column)
        for entry in REGISTRY
        for column, holds in entry.holds.items()
        if holds is Holds.ID
    ]


class PrivacyStore:
    """Run the registry: export a person's rows, forget a person, list whom the purge takes."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._key: bytes | None = None

    async def pseudonym(self, user_id: int) -> str:
        """Return the person's pseudonym: stable, and no way back to the id without the key."""
        if self._key is None:
            self._key = bytes(await self._db.fetchval("SELECT secret FROM privacy_key"))
        digest = hmac.new(self._key, str(user_id).encode(), hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_LENGTH]

    async def export(self, user_id: int) -> Export:
        """Return the person's data, section by section, as the registry's exports read it."""
        params = {"me": user_id}
        sections: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for entry in REGISTRY:
            for name, sql in entry.exports.items():
                rows = [_readable(dict(row)) for row in await self._db.fetchall(sql, params)]
                if rows:
                    sections.setdefault(entry.section, {})[name] = rows
        return Export(user_id, sections)

    async def forget(self, user_id: int, now: datetime) -> None:
        """Run every forget statement of the registry for the person, in one transaction."""
        params = {
            "me": user_id,
            "pseudonym": await self.pseudonym(user_id),
            "now": now.isoformat(),
        }
        async with self._db.transaction() as tx:
            for entry in REGISTRY:
                for step in entry.forget:
                    await tx.execute(step.sql, params)

    async def people(self) -> set[int]:
        """Return every Telegram user id any registered column holds."""
        union = " UNION ".join(
            f"SELECT {column} FROM {table} WHERE {column} > 0"
            for table, column in person_columns()
        )
        return {int(row[0]) for row in await self._db.fetchall(union)}

    async def drop_ended_bans(self, now: datetime) -> int:
        """Delete kept ban records whose ban has ended; return how many."""
        written = await self._db.execute(
            f"DELETE FROM mod_log WHERE action = 'ban' AND {KEPT_BAN} AND until <= ?",
            (now.isoformat(),),
        )
        return written.rowcount

    async def drop_kept(self) -> None:
        """Delete every kept record (the purge: the forum's need for them has ended)."""
        async with self._db.transaction() as tx:
            await tx.execute(f"DELETE FROM mod_log WHERE {KEPT_BAN}")
            await tx.execute("DELETE FROM privacy_kept")

    async def restore_kept(self, user_id: int) -> int:
        """Turn the kept blocks of a returning person back into blocks; return how many."""
        pseudonym = await self.pseudonym(user_id)
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT OR IGNORE INTO intro_blocks (blocker_id, blocked_id, created_at)
                SELECT owner_id, ?, created_at FROM privacy_kept
                WHERE pseudonym = ? AND kind = 'intro_block'
                  AND owner_id IN (SELECT user_id FROM participants)
                """,
                (user_id, pseudonym),
            )
            written = await tx.execute(
                "DELETE FROM privacy_kept WHERE pseudonym = ? AND kind = 'intro_block'",
                (pseudonym,),
            )
        return written.rowcount

    async def purged_on(self, purge_on: str) -> bool:
        """Tell whether the purge of this date has run."""
        return await self._db.exists(
            "SELECT 1 FROM privacy_purges WHERE purge_on = ?", (purge_on,)
        )

    async def record_purge(self, purge_on: str, purged: int, now: datetime) -> None:
        """Record that the purge of this date has run."""
        await self._db.execute(
            "INSERT OR IGNORE INTO privacy_purges (purge_on, purged, done_at) VALUES (?, ?, ?)",
            (purge_on, purged, now.isoformat()),
        )

    # -- staying for the next forum (the after-forum feature records the choice) ----------

    async def stays(self, user_id: int) -> bool:
        """Tell whether the person chose to stay for the next forum."""
        return await self._db.exists(
            "SELECT 1 FROM community_stay WHERE user_id = ? AND staying = 1", (user_id,)
        )

    async def staying(self) -> set[int]:
        """Return everyone who chose to stay for the next forum."""
        rows = await self._db.fetchall("SELECT user_id FROM community_stay WHERE staying = 1")
        return {int(row[0]) for row in rows}

    # -- the purge notice -------------------------------------------------------------------

    async def claim_notices(self, purge_on: str, limit: int) -> list[int]:
        """Claim up to ``limit`` reachable participants not yet told of this purge date.

        Each is marked 'sending' before it is returned, so a crash mid-send leaves it unsent
        rather than sent twice.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                """
                SELECT p.user_id FROM participants AS p
                WHERE p.status = 'active'
                  AND NOT EXISTS (SELECT 1 FROM privacy_notices AS n
                                  WHERE n.user_id = p.user_id AND n.purge_on = ?)
                ORDER BY p.user_id LIMIT ?
                """,
                (purge_on, limit),
            )
            await tx.executemany(
                "INSERT INTO privacy_notices (user_id, purge_on, state) VALUES (?, ?, 'sending')",
                [(row[0], purge_on) for row in rows],
            )
        return [int(row[0]) for row in rows]

    async def mark_notice(self, user_id: int, purge_on: str, sent: bool) -> None:
        """Record what became of one notice."""
        await self._db.execute(
            "UPDATE privacy_notices SET state = ? WHERE user_id = ? AND purge_on = ?",
            ("sent" if sent else "failed", user_id, purge_on),
        )

    # -- contacts ---------------------------------------------------------------------------

    async def contacts(self, user_id: int) -> list[Contact]:
        """Return everyone the person was introduced to, with how to reach them."""
        rows = await self._db.fetchall(
            """
            SELECT COALESCE(p.display_name, o.first_name), o.username, o.user_id
            FROM intro_requests AS r
            JOIN participants AS o ON o.user_id =
                CASE WHEN r.requester_id = ? THEN r.target_id ELSE r.requester_id END
            LEFT JOIN profiles AS p ON p.user_id = o.user_id
            WHERE r.status = 'accepted' AND (r.requester_id = ? OR r.target_id = ?)
            ORDER BY r.decided_at
            """,
            (user_id, user_id, user_id),
        )
        return [Contact(int(row[2]), str(row[0]), row[1]) for row in rows]


def _readable(row: dict[str, Any]) -> dict[str, Any]:
    """Turn JSON held in a column back into structure, so the export reads as one document."""
    for key in ("data", "payload"):
        value = row.get(key)
        if isinstance(value, str) and value.startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                row[key] = json.loads(value)
    return row
