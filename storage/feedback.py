"""Feedback on sessions and the end-of-forum survey: prompts, drafts, ratings, survey answers.

A rating stays linked to its person only while it waits for the optional comment
(``feedback_drafts``). Submitting moves it into ``feedback_ratings`` without the person (unless
they chose to be named) and records in ``feedback_given`` only that they rated the session, in
one transaction. Survey answers work the same way: ``survey_drafts`` while the person is taking
it, an anonymous ``survey_responses`` row once they finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from bot.feedback.model import Draft, DuePerson, Rating, SurveyAnswer
from bot.participants.model import Recipient
from storage.database import Database, Row
from storage.participants import recipients_of, spoken_language
from storage.rows import from_row


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _moment(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _to_rating(row: Row) -> Rating:
    return from_row(Rating, row)


class FeedbackStore:
    """Repository of the feedback and survey tables."""

    def __init__(self, db: Database, default_language: str = "en") -> None:
        self._db = db
        self._default_language = default_language

    # ---- prompts ----

    async def planned(self) -> set[str]:
        """Return the sessions whose prompts were planned."""
        rows = await self._db.fetchall("SELECT session_guid FROM feedback_sessions")
        return {str(row[0]) for row in rows}

    async def plan_session(self, session_guid: str, due_at: datetime, now: datetime) -> int:
        """Plan one prompt for everyone with the session in their agenda; return how many."""
        async with self._db.transaction() as tx:
            written = await tx.execute(
                "INSERT OR IGNORE INTO feedback_sessions (session_guid, planned_at) VALUES (?, ?)",
                (session_guid, _seconds(now)),
            )
            if written.rowcount != 1:
                return 0
            added = await tx.execute(
                """
                INSERT OR IGNORE INTO feedback_prompts (user_id, session_guid, due_at)
                SELECT r.user_id, r.session_guid, ? FROM reminders AS r
                JOIN participants AS p ON p.user_id = r.user_id AND p.status = 'active'
                WHERE r.session_guid = ?
                  AND NOT EXISTS (SELECT 1 FROM feedback_given AS g
                                  WHERE g.user_id = r.user_id AND g.session_guid = r.session_guid)
                """,
                (_seconds(due_at), session_guid),
            )
            return added.rowcount

    async def due_people(self, now: datetime, limit: int) -> list[DuePerson]:
        """Return people with prompts due, their zone and when they were last prompted."""
        rows = await self._db.fetchall(
            f"""
            SELECT f.user_id, group_concat(f.session_guid, char(31)) AS sessions,
                   {spoken_language("p")} AS language, p.timezone,
                   (SELECT MAX(s.sent_at) FROM feedback_prompts AS s
                    WHERE s.user_id = f.user_id AND s.sent_at IS NOT NULL) AS last_prompted
            FROM feedback_prompts AS f JOIN participants AS p ON p.user_id = f.user_id
            WHERE f.state = 'pending' AND f.due_at <= ?
            GROUP BY f.user_id ORDER BY MIN(f.due_at), f.user_id LIMIT ?
            """,
            (self._default_language, _seconds(now), limit),
        )
        return [
            DuePerson(
                user_id=row["user_id"],
                language=row["language"],
                timezone=row["timezone"],
                sessions=tuple(sorted(str(row["sessions"]).split("\x1f"))),
                last_prompted=_moment(row["last_prompted"]),
            )
            for row in rows
        ]

    async def postpone(self, user_id: int, until: datetime, now: datetime) -> None:
        """Move a person's due prompts to ``until`` (the hour rule or quiet hours)."""
        await self._db.execute(
            "UPDATE feedback_prompts SET due_at = ? WHERE user_id = ? AND state = 'pending'"
            " AND due_at <= ?",
            (_seconds(until), user_id, _seconds(now)),
        )

    async def claim(self, user_id: int, sessions: Sequence[str], now: datetime) -> tuple[str, ...]:
        """Mark prompts as being sent now; return those still to ask (not rated meanwhile)."""
        marks = ", ".join("?" for _ in sessions)
        async with self._db.transaction() as tx:
            await tx.execute(
                f"""
                UPDATE feedback_prompts SET state = 'skipped'
                WHERE user_id = ? AND state = 'pending' AND session_guid IN ({marks})
                  AND session_guid IN (SELECT session_guid FROM feedback_given WHERE user_id = ?)
                """,
                (user_id, *sessions, user_id),
            )
            written = await tx.execute(
                f"UPDATE feedback_prompts SET state = 'sending', sent_at = ?"
                f" WHERE user_id = ? AND state = 'pending' AND session_guid IN ({marks})"
                f" RETURNING session_guid",
                (_seconds(now), user_id, *sessions),
            )
        return tuple(sorted(str(row[0]) for row in written.rows))

    async def finish(self, user_id: int, sessions: Sequence[str], state: str) -> None:
        """Record what became of a prompt message: 'sent', 'skipped' or 'pending' (retry)."""
        marks = ", ".join("?" for _ in sessions)
        sent_at = "sent_at" if state != "pending" else "NULL"
        await self._db.execute(
            f"UPDATE feedback_prompts SET state = ?, sent_at = {sent_at}"
            f" WHERE user_id = ? AND state = 'sending' AND session_guid IN ({marks})",
            (state, user_id, *sessions),
        )

    async def recover_in_flight(self) -> int:
        """Count prompts in flight at a crash as sent (a prompt is never sent twice)."""
        written = await self._db.execute(
            "UPDATE feedback_prompts SET state = 'sent' WHERE state = 'sending'"
        )
        return written.rowcount

    async def prompt_states(self, user_id: int) -> dict[str, str]:
        """Return the state of each of a person's prompts (for tests and /mydata)."""
        rows = await self._db.fetchall(
            "SELECT session_guid, state FROM feedback_prompts WHERE user_id = ?", (user_id,)
        )
        return {str(row[0]): str(row[1]) for row in rows}

    # ---- ratings ----

    async def has_given(self, user_id: int, session_guid: str) -> bool:
        """Tell whether the person already rated the session."""
        return await self._db.exists(
            "SELECT 1 FROM feedback_given WHERE user_id = ? AND session_guid = ?",
            (user_id, session_guid),
        )

    async def save_draft(
        self, user_id: int, session_guid: str, rating: int, named: bool | None, now: datetime
    ) -> Draft:
        """Store (or change) the rating a person pressed; ``named`` None keeps the choice."""
        written = await self._db.execute(
            """
            INSERT INTO feedback_drafts (user_id, session_guid, rating, named, created_at)
            VALUES (?, ?, ?, COALESCE(?, 0), ?)
            ON CONFLICT (user_id, session_guid) DO UPDATE SET
                rating = excluded.rating,
                named = COALESCE(?, named)
            RETURNING user_id, session_guid, rating, named, created_at
            """,
            (
                user_id,
                session_guid,
                rating,
                None if named is None else int(named),
                _seconds(now),
                None if named is None else int(named),
            ),
        )
        return self._to_draft(written.rows[0])

    @staticmethod
    def _to_draft(row: Row) -> Draft:
        created = _moment(row["created_at"])
        assert created is not None  # NOT NULL column
        return Draft(
            row["user_id"], row["session_guid"], row["rating"], bool(row["named"]), created
        )

    async def draft(self, user_id: int, session_guid: str) -> Draft | None:
        """Return the person's unsubmitted rating of a session."""
        row = await self._db.fetchone(
            "SELECT * FROM feedback_drafts WHERE user_id = ? AND session_guid = ?",
            (user_id, session_guid),
        )
        return self._to_draft(row) if row else None

    async def set_named(self, user_id: int, session_guid: str, named: bool) -> Draft | None:
        """Choose whether the organisers see the person's name with this rating."""
        written = await self._db.execute(
            "UPDATE feedback_drafts SET named = ? WHERE user_id = ? AND session_guid = ?"
            " RETURNING user_id, session_guid, rating, named, created_at",
            (int(named), user_id, session_guid),
        )
        return self._to_draft(written.rows[0]) if written.rows else None

    async def stale_drafts(self, cutoff: datetime) -> list[Draft]:
        """Return drafts pressed before ``cutoff`` whose comment never came."""
        rows = await self._db.fetchall(
            "SELECT * FROM feedback_drafts WHERE created_at < ? ORDER BY created_at",
            (_seconds(cutoff),),
        )
        return [self._to_draft(row) for row in rows]

    async def rater(self, user_id: int) -> tuple[str, str, str]:
        """Return the (language, region, name shown) that go with a person's rating."""
        row = await self._db.fetchone(
            f"""
            SELECT {spoken_language("p")} AS language,
                   COALESCE(f.region, 'other') AS region,
                   COALESCE(f.display_name,
                            p.first_name || COALESCE(' ' || p.last_name, '')) AS name
            FROM participants AS p LEFT JOIN profiles AS f ON f.user_id = p.user_id
            WHERE p.user_id = ?
            """,
            (self._default_language, user_id),
        )
        if row is None:
            return self._default_language, "other", ""
        return str(row["language"]), str(row["region"]), str(row["name"])

    async def submit(
        self, user_id: int, session_guid: str, comment: str, today: date
    ) -> Rating | None:
        """Turn the person's draft into a rating, anonymous unless they chose to be named."""
        language, region, name = await self.rater(user_id)
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                "DELETE FROM feedback_drafts WHERE user_id = ? AND session_guid = ?"
                " RETURNING rating, named",
                (user_id, session_guid),
            )
            if row is None:
                return None
            named = bool(row["named"])
            written = await tx.execute(
                """
                INSERT INTO feedback_ratings (session_guid, rating, comment, language, region,
                                              named_user_id, named_as, submitted_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                """,
                (
                    session_guid,
                    row["rating"],
                    comment,
                    language,
                    region,
                    user_id if named else None,
                    name if named else None,
                    today.isoformat(),
                ),
            )
            await tx.execute(
                "INSERT OR IGNORE INTO feedback_given (user_id, session_guid) VALUES (?, ?)",
                (user_id, session_guid),
            )
            await tx.execute(
                "UPDATE feedback_prompts SET state = 'skipped'"
                " WHERE user_id = ? AND session_guid = ? AND state = 'pending'",
                (user_id, session_guid),
            )
        return _to_rating(written.rows[0])

    async def ratings(self, session_guid: str | None = None) -> list[Rating]:
        """Return the submitted ratings (of one session, or all), oldest first."""
        if session_guid is None:
            rows = await self._db.fetchall("SELECT * FROM feedback_ratings ORDER BY rating_id")
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM feedback_ratings WHERE session_guid = ? ORDER BY rating_id",
                (session_guid,),
            )
        return [_to_rating(row) for row in rows]

    # ---- survey ----

    async def survey_sent(self, user_id: int, now: datetime) -> None:
        """Record that the survey reached the person (with the "after the forum" message)."""
        await self._db.execute(
            "INSERT INTO survey_state (user_id, sent_at) VALUES (?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET sent_at = COALESCE(sent_at, excluded.sent_at)",
            (user_id, _seconds(now)),
        )

    async def survey_completed(self, user_id: int) -> bool:
        """Tell whether the person finished the survey."""
        value = await self._db.fetchval(
            "SELECT completed_at FROM survey_state WHERE user_id = ?", (user_id,)
        )
        return value is not None

    async def survey_drafts(self, user_id: int) -> dict[str, str]:
        """Return the answers the person gave so far."""
        rows = await self._db.fetchall(
            "SELECT question_id, answer FROM survey_drafts WHERE user_id = ?", (user_id,)
        )
        return {str(row[0]): str(row[1]) for row in rows}

    async def save_survey_answer(self, user_id: int, question_id: str, answer: str) -> None:
        """Store (or change) one answer of a survey in progress."""
        await self._db.execute(
            "INSERT OR REPLACE INTO survey_drafts (user_id, question_id, answer) VALUES (?, ?, ?)",
            (user_id, question_id, answer),
        )

    async def complete_survey(self, user_id: int, now: datetime) -> bool:
        """Move the person's answers into an anonymous response; False if already done."""
        language, region, _ = await self.rater(user_id)
        async with self._db.transaction() as tx:
            done = await tx.fetchval(
                "SELECT completed_at FROM survey_state WHERE user_id = ?", (user_id,)
            )
            if done is not None:
                return False
            answers = await tx.fetchall(
                "DELETE FROM survey_drafts WHERE user_id = ? RETURNING question_id, answer",
                (user_id,),
            )
            written = await tx.execute(
                "INSERT INTO survey_responses (language, region, submitted_on) VALUES (?, ?, ?)"
                " RETURNING response_id",
                (language, region, now.date().isoformat()),
            )
            response_id = int(written.rows[0][0])
            await tx.executemany(
                "INSERT INTO survey_answers (response_id, question_id, answer) VALUES (?, ?, ?)",
                [(response_id, row[0], row[1]) for row in answers],
            )
            await tx.execute(
                "INSERT INTO survey_state (user_id, completed_at) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET completed_at = excluded.completed_at",
                (user_id, _seconds(now)),
            )
        return True

    async def claim_survey_reminders(
        self, sent_before: datetime, now: datetime
    ) -> list[Recipient]:
        """Claim the one reminder of everyone who got the survey and has not finished it."""
        written = await self._db.execute(
            """
            UPDATE survey_state SET reminded_at = ?
            WHERE sent_at IS NOT NULL AND sent_at <= ? AND reminded_at IS NULL
              AND completed_at IS NULL
              AND user_id IN (SELECT user_id FROM participants WHERE status = 'active')
            RETURNING user_id
            """,
            (_seconds(now), _seconds(sent_before)),
        )
        ids = [int(row[0]) for row in written.rows]
        return await recipients_of(self._db, ids, self._default_language)

    async def survey_answers(self) -> list[SurveyAnswer]:
        """Return every answer of every finished survey."""
        rows = await self._db.fetchall(
            """
            SELECT a.response_id, a.question_id, a.answer, r.language, r.region, r.submitted_on
            FROM survey_answers AS a JOIN survey_responses AS r ON r.response_id = a.response_id
            ORDER BY a.response_id, a.question_id
            """
        )
        return [
            SurveyAnswer(
                int(row[0]),
                str(row[1]),
                str(row[2]),
                str(row[3]),
                str(row[4]),
                date.fromisoformat(row[5]),
            )
            for row in rows
        ]

    async def survey_responses(self) -> int:
        """Count finished surveys."""
        return int(await self._db.fetchval("SELECT COUNT(*) FROM survey_responses") or 0)
