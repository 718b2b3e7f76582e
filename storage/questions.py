"""Questions to sessions: the questions, their votes, session hosts, live host views, group posts.

Votes are counted from ``question_votes`` when read (a vote is one row per person and
question), so a person who is forgotten takes their votes with them and no counter drifts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.questions.model import Asker, Question, Status
from storage.database import Database, Row
from storage.participants import spoken_language
from storage.rows import from_row

_COLUMNS = """
    q.question_id, q.session_guid, q.asker_id, q.anonymous, q.signature, q.region, q.language,
    q.text, q.status, q.pinned, q.created_at, q.answered_at,
    (SELECT COUNT(*) FROM question_votes AS v WHERE v.question_id = q.question_id) AS votes
"""


def _moment(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _to_question(row: Row) -> Question:
    created = _moment(row["created_at"])
    assert created is not None  # NOT NULL column
    return from_row(
        Question,
        row,
        status=Status(row["status"]),
        votes=int(row["votes"]),
        created_at=created,
        answered_at=_moment(row["answered_at"]),
    )


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


class QuestionStore:
    """Repository of the questions tables."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- questions ----

    async def add(
        self, session_guid: str, asker: Asker, text: str, status: Status, now: datetime
    ) -> Question:
        """Store a new question (a draft, or already signed by ``add``'s caller)."""
        written = await self._db.execute(
            "INSERT INTO questions (session_guid, asker_id, signature, region, language, text,"
            " status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING question_id",
            (
                session_guid,
                asker.user_id,
                asker.display_name,
                asker.region,
                asker.language,
                text,
                status.value,
                _seconds(now),
            ),
        )
        question = await self.get(int(written.rows[0][0]))
        assert question is not None  # just inserted
        return question

    async def get(self, question_id: int) -> Question | None:
        """Return one question with its votes."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM questions AS q WHERE q.question_id = ?", (question_id,)
        )
        return _to_question(row) if row else None

    async def sign(
        self, question_id: int, asker_id: int, anonymous: bool, signature: str, status: Status
    ) -> bool:
        """Publish the asker's draft, signed or anonymous; False if it is no draft of theirs."""
        return await self._db.changed_one(
            "UPDATE questions SET anonymous = ?, signature = ?, status = ?"
            " WHERE question_id = ? AND asker_id = ? AND status = 'draft'",
            (int(anonymous), "" if anonymous else signature, status.value, question_id, asker_id),
        )

    async def set_status(
        self, question_id: int, status: Status, now: datetime, *, only_from: tuple[Status, ...]
    ) -> bool:
        """Move a question to ``status`` if it is in one of ``only_from``."""
        marks = ", ".join("?" for _ in only_from)
        answered = _seconds(now) if status is Status.ANSWERED else None
        return await self._db.changed_one(
            # An answered question leaves the pinned place for the next one.
            f"UPDATE questions SET status = ?, answered_at = COALESCE(?, answered_at),"
            f" pinned = CASE WHEN ? IS NULL THEN pinned ELSE 0 END"
            f" WHERE question_id = ? AND status IN ({marks})",
            (status.value, answered, answered, question_id, *(s.value for s in only_from)),
        )

    async def set_pinned(self, question_id: int, pinned: bool) -> bool:
        """Pin or unpin a question that is not hidden."""
        return await self._db.changed_one(
            "UPDATE questions SET pinned = ? WHERE question_id = ? AND pinned <> ?"
            " AND status IN ('pending', 'open', 'answered')",
            (int(pinned), question_id, int(pinned)),
        )

    async def of_session(self, session_guid: str, statuses: tuple[Status, ...]) -> list[Question]:
        """Return a session's questions of these statuses, with their votes."""
        marks = ", ".join("?" for _ in statuses)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM questions AS q"
            f" WHERE q.session_guid = ? AND q.status IN ({marks})",
            (session_guid, *(s.value for s in statuses)),
        )
        return [_to_question(row) for row in rows]

    async def count_hidden(self, session_guid: str) -> int:
        """Count a session's hidden questions."""
        value = await self._db.fetchval(
            "SELECT COUNT(*) FROM questions WHERE session_guid = ? AND status = 'hidden'",
            (session_guid,),
        )
        return int(value or 0)

    async def all_questions(self) -> list[Question]:
        """Return every question that was asked (drafts excluded), oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM questions AS q WHERE q.status <> 'draft'"
            " ORDER BY q.question_id"
        )
        return [_to_question(row) for row in rows]

    async def drop_drafts_before(self, cutoff: datetime) -> int:
        """Delete drafts nobody signed since ``cutoff``."""
        written = await self._db.execute(
            "DELETE FROM questions WHERE status = 'draft' AND created_at < ?", (_seconds(cutoff),)
        )
        return written.rowcount

    # ---- votes ----

    async def set_vote(self, question_id: int, user_id: int, up: bool) -> bool:
        """Add or withdraw one person's vote; True when something changed."""
        if up:
            sql = "INSERT OR IGNORE INTO question_votes (question_id, user_id) VALUES (?, ?)"
        else:
            sql = "DELETE FROM question_votes WHERE question_id = ? AND user_id = ?"
        return await self._db.changed_one(sql, (question_id, user_id))

    async def votes_of(self, session_guid: str, user_id: int) -> frozenset[int]:
        """Return the questions of a session this person voted for."""
        rows = await self._db.fetchall(
            "SELECT v.question_id FROM question_votes AS v JOIN questions AS q"
            " ON q.question_id = v.question_id WHERE q.session_guid = ? AND v.user_id = ?",
            (session_guid, user_id),
        )
        return frozenset(int(row[0]) for row in rows)

    # ---- who asks ----

    async def asker(self, user_id: int, default_language: str) -> Asker | None:
        """Return how a participant signs (their profile's name, else Telegram's) and region."""
        row = await self._db.fetchone(
            f"""
            SELECT p.user_id, p.first_name, p.last_name,
                   {spoken_language("p")} AS language,
                   f.display_name, f.region
            FROM participants AS p LEFT JOIN profiles AS f ON f.user_id = p.user_id
            WHERE p.user_id = ?
            """,
            (default_language, user_id),
        )
        if row is None:
            return None
        telegram_name = " ".join(part for part in (row["first_name"], row["last_name"]) if part)
        return Asker(
            user_id=row["user_id"],
            display_name=row["display_name"] or telegram_name,
            region=row["region"] or "other",
            language=row["language"],
        )

    # ---- hosts ----

    async def add_host(self, session_guid: str, user_id: int, now: datetime) -> bool:
        """Make a person a host of a session; False if they already were."""
        return await self._db.changed_one(
            "INSERT OR IGNORE INTO session_hosts (session_guid, user_id, assigned_at)"
            " VALUES (?, ?, ?)",
            (session_guid, user_id, _seconds(now)),
        )

    async def remove_host(self, session_guid: str, user_id: int) -> bool:
        """Stop a person hosting a session."""
        return await self._db.changed_one(
            "DELETE FROM session_hosts WHERE session_guid = ? AND user_id = ?",
            (session_guid, user_id),
        )

    async def is_host(self, session_guid: str, user_id: int) -> bool:
        """Tell whether a person was assigned to host a session."""
        return await self._db.exists(
            "SELECT 1 FROM session_hosts WHERE session_guid = ? AND user_id = ?",
            (session_guid, user_id),
        )

    async def hosts(self, session_guid: str) -> list[tuple[int, str]]:
        """Return a session's assigned hosts as (user id, name shown)."""
        rows = await self._db.fetchall(
            """
            SELECT h.user_id, COALESCE(f.display_name,
                   p.first_name || COALESCE(' ' || p.last_name, '')) AS name
            FROM session_hosts AS h
            JOIN participants AS p ON p.user_id = h.user_id
            LEFT JOIN profiles AS f ON f.user_id = h.user_id
            WHERE h.session_guid = ? ORDER BY h.assigned_at, h.user_id
            """,
            (session_guid,),
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    async def hosted_by(self, user_id: int) -> list[str]:
        """Return the guids of the sessions a person was assigned to host."""
        rows = await self._db.fetchall(
            "SELECT session_guid FROM session_hosts WHERE user_id = ? ORDER BY session_guid",
            (user_id,),
        )
        return [str(row[0]) for row in rows]

    async def find_person(
        self, username: str | None, token: str | None, since: datetime
    ) -> list[int]:
        """Return the participants seen with this @username since then, or the owner of the
        profile with this card code."""
        if username:
            rows = await self._db.fetchall(
                "SELECT user_id FROM participants WHERE lower(username) = lower(?)"
                " AND last_seen >= ? ORDER BY last_seen DESC",
                (username, since.isoformat()),
            )
        elif token is not None:
            rows = await self._db.fetchall(
                "SELECT user_id FROM profiles WHERE token = ?", (token,)
            )
        else:
            return []
        return [int(row[0]) for row in rows]

    # ---- live host views ----

    async def add_view(
        self, chat_id: int, message_id: int, session_guid: str, now: datetime
    ) -> None:
        """Remember a host view message to keep up to date."""
        await self._db.execute(
            "INSERT OR REPLACE INTO question_views (chat_id, message_id, session_guid, opened_at)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, message_id, session_guid, _seconds(now)),
        )

    async def views(self, session_guid: str) -> list[tuple[int, int]]:
        """Return the (chat id, message id) of a session's live host views."""
        rows = await self._db.fetchall(
            "SELECT chat_id, message_id FROM question_views WHERE session_guid = ?"
            " ORDER BY opened_at",
            (session_guid,),
        )
        return [(int(row[0]), int(row[1])) for row in rows]

    async def drop_view(self, chat_id: int, message_id: int) -> None:
        """Forget a host view (deleted, replaced or too old)."""
        await self._db.execute(
            "DELETE FROM question_views WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    async def drop_views_of_chat(self, chat_id: int, session_guid: str) -> None:
        """Forget a chat's older host views of a session (a new one replaces them)."""
        await self._db.execute(
            "DELETE FROM question_views WHERE chat_id = ? AND session_guid = ?",
            (chat_id, session_guid),
        )

    async def drop_views_before(self, cutoff: datetime) -> int:
        """Forget host views opened before ``cutoff``."""
        written = await self._db.execute(
            "DELETE FROM question_views WHERE opened_at < ?", (_seconds(cutoff),)
        )
        return written.rowcount

    # ---- group posts ----

    async def claim_post(self, session_guid: str, now: datetime) -> bool:
        """Claim the top-questions post of a session; False if it was claimed before."""
        return await self._db.changed_one(
            "INSERT OR IGNORE INTO question_posts (session_guid, state, claimed_at)"
            " VALUES (?, 'sending', ?)",
            (session_guid, _seconds(now)),
        )

    async def finish_post(self, session_guid: str, state: str) -> None:
        """Record what became of a claimed post ('sent', 'failed' or 'none')."""
        await self._db.execute(
            "UPDATE question_posts SET state = ? WHERE session_guid = ?", (state, session_guid)
        )

    async def posted(self) -> set[str]:
        """Return the sessions whose post was claimed."""
        rows = await self._db.fetchall("SELECT session_guid FROM question_posts")
        return {str(row[0]) for row in rows}
