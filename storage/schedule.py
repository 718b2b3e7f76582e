"""The programme's durable copy: sessions, iCalendar sequences and a full-text index.

Queries run on the in-memory :class:`Programme`; SQLite keeps it across restarts and answers
word searches. The FTS5 table is derived data, created and rebuilt here (not in a migration) so
that an SQLite build without FTS5 still works, falling back to ``LIKE`` over a folded column.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Collection
from datetime import date, datetime

from bot.schedule.model import Programme, Session
from storage.database import Database, Queries, Row
from storage.rows import from_row

logger = logging.getLogger(__name__)

_MAX_TOKENS = 8
_MAX_TOKEN_LENGTH = 40
_FTS_TABLE = "schedule_search"


def fold(text: str) -> str:
    """Return ``text`` casefolded and without accents, for accent-insensitive matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_tokens(words: str) -> list[str]:
    """Return the terms of user text (words, or hyphenated words), bounded in number and size.

    A lone character is no term: as a prefix it would match nearly every session ("<b>").
    """
    terms = [t for t in re.findall(r"\w+(?:[-'’]\w+)*", words[:2000]) if len(t) > 1]
    return [" ".join(re.findall(r"\w+", term))[:_MAX_TOKEN_LENGTH] for term in terms[:_MAX_TOKENS]]


def _fts_term(token: str) -> str:
    # A quoted phrase with a prefix star: no user text is ever read as FTS5 syntax.
    return '"' + token.replace('"', '""') + '"*'


def _search_text(session: Session) -> str:
    parts = [
        *session.all_titles(),
        session.description,
        *session.descriptions.values(),
        *session.speakers,
        session.room,
        session.track or "",
    ]
    return fold(" ".join(p for p in parts if p))


def _to_session(row: Row) -> Session:
    return from_row(
        Session,
        row,
        start=datetime.fromisoformat(row["start_utc"]),
        end=datetime.fromisoformat(row["end_utc"]),
        speakers=tuple(json.loads(row["speakers"])),
        titles=json.loads(row["titles"]),
        descriptions=json.loads(row["descriptions"]),
    )


class ScheduleStore:
    """Repository of the imported programme."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._has_fts: bool | None = None

    @property
    def has_fts(self) -> bool:
        """Tell whether the SQLite build offers FTS5 (``prepare()`` must have run)."""
        return bool(self._has_fts)

    async def prepare(self) -> Programme | None:
        """Probe FTS5, create and fill the search index if needed, and load the programme."""
        try:
            await self._db.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
            await self._db.execute("DROP TABLE temp.fts5_probe")
            self._has_fts = True
        except sqlite3.OperationalError:
            logger.warning("SQLite has no FTS5; schedule search falls back to LIKE")
            self._has_fts = False
        if self._has_fts and not await self._db.exists(
            "SELECT 1 FROM sqlite_master WHERE name = ?", (_FTS_TABLE,)
        ):
            async with self._db.transaction() as tx:
                await tx.execute(
                    f"CREATE VIRTUAL TABLE {_FTS_TABLE} USING fts5("
                    "guid UNINDEXED, title, titles, description, speakers, room, track, "
                    "tokenize='unicode61 remove_diacritics 2')"
                )
                await self._fill_index(tx)
        return await self.load_programme()

    async def _fill_index(self, tx: Queries) -> None:
        await tx.execute(f"DELETE FROM {_FTS_TABLE}")
        await tx.execute(
            f"""
            INSERT INTO {_FTS_TABLE} (guid, title, titles, description, speakers, room, track)
            SELECT guid, title,
                   (SELECT group_concat(value, ' ') FROM json_each(titles)),
                   description || ' ' ||
                       COALESCE(
                           (SELECT group_concat(value, ' ') FROM json_each(descriptions)), ''
                       ),
                   (SELECT group_concat(value, ' ') FROM json_each(speakers)),
                   room, COALESCE(track, '')
            FROM schedule_sessions
            """
        )

    async def load_programme(self) -> Programme | None:
        """Return the stored programme, or None before the first import."""
        return await self._read(self._db)

    async def _read(self, tx: Queries) -> Programme | None:
        meta = await tx.fetchone("SELECT * FROM schedule_programme WHERE singleton = 1")
        if meta is None:
            return None
        rows = await tx.fetchall("SELECT * FROM schedule_sessions")
        sessions = [_to_session(row) for row in rows]
        return Programme.build(
            name=meta["name"],
            timezone=meta["timezone"],
            version=meta["version"],
            sessions=sessions,
            days=tuple(date.fromisoformat(d) for d in json.loads(meta["days"])),
        )

    async def imported_at(self) -> datetime | None:
        """Return when the current programme was imported."""
        row = await self._db.fetchone(
            "SELECT imported_at FROM schedule_programme WHERE singleton = 1"
        )
        return datetime.fromisoformat(row[0]) if row else None

    async def replace_programme(
        self, programme: Programme, now: datetime, changed: Collection[str] = frozenset()
    ) -> None:
        """Swap in a new programme atomically; the sessions named ``changed`` (by guid) count
        their iCalendar sequence up, sessions never seen before start at 0."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall("SELECT guid, sequence FROM schedule_sequences")
            known = {row[0]: int(row[1]) for row in rows}
            bump = set(changed)
            await tx.executemany(
                """
                INSERT INTO schedule_sequences (guid, sequence) VALUES (?, 0)
                ON CONFLICT (guid) DO UPDATE SET sequence = sequence + 1
                """,
                [(s.guid,) for s in programme.sessions if s.guid in bump or s.guid not in known],
            )
            await tx.execute("DELETE FROM schedule_sessions")
            await tx.executemany(
                """
                INSERT INTO schedule_sessions
                    (guid, id, title, description, start_utc, end_utc, day, room, track, type,
                     speakers, language, url, titles, descriptions, search_text, capacity)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    (
                        s.guid,
                        s.id,
                        s.title,
                        s.description,
                        s.start.isoformat(),
                        s.end.isoformat(),
                        s.day.isoformat(),
                        s.room,
                        s.track,
                        s.type,
                        json.dumps(list(s.speakers), ensure_ascii=False),
                        s.language,
                        s.url,
                        json.dumps(dict(s.titles), ensure_ascii=False),
                        json.dumps(dict(s.descriptions), ensure_ascii=False),
                        _search_text(s),
                        s.capacity,
                    )
                    for s in programme.sessions
                ],
            )
            await tx.execute(
                """
                INSERT INTO schedule_programme
                    (singleton, name, timezone, version, days, imported_at)
                VALUES (1, ?, ?, ?, ?, ?)
                ON CONFLICT (singleton) DO UPDATE SET
                    name = excluded.name, timezone = excluded.timezone,
                    version = excluded.version, days = excluded.days,
                    imported_at = excluded.imported_at
                """,
                (
                    programme.name,
                    programme.timezone,
                    programme.version,
                    json.dumps([d.isoformat() for d in programme.days]),
                    now.isoformat(),
                ),
            )
            if self._has_fts:
                await self._fill_index(tx)

    async def sequences(self) -> dict[str, int]:
        """Return the iCalendar SEQUENCE of every session ever imported, by guid."""
        rows = await self._db.fetchall("SELECT guid, sequence FROM schedule_sequences")
        return {row[0]: int(row[1]) for row in rows}

    async def search(self, words: str, limit: int = 10) -> list[tuple[str, float]]:
        """Return (guid, score) of sessions matching the words, best first; never raises."""
        tokens = search_tokens(words)
        if not tokens or limit <= 0:
            return []
        if self._has_fts:
            for joiner in (" ", " OR "):
                found = await self._fts(joiner.join(_fts_term(t) for t in tokens), limit)
                if found or len(tokens) == 1:
                    return found
            return []
        return await self._like(tokens, limit)

    async def _fts(self, expression: str, limit: int) -> list[tuple[str, float]]:
        rows = await self._db.fetchall(
            f"SELECT guid, bm25({_FTS_TABLE}, 0, 10, 8, 1, 4, 2, 2) AS rank FROM {_FTS_TABLE} "
            f"WHERE {_FTS_TABLE} MATCH ? ORDER BY rank LIMIT ?",
            (expression, limit),
        )
        return [(row[0], -float(row[1])) for row in rows]

    async def _like(self, tokens: list[str], limit: int) -> list[tuple[str, float]]:
        folded = [fold(t) for term in tokens for t in term.split()]
        patterns = [
            "%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for t in folded
        ]
        where = " AND ".join("search_text LIKE ? ESCAPE '\\'" for _ in patterns)
        rows = await self._db.fetchall(
            f"SELECT guid FROM schedule_sessions WHERE {where} ORDER BY start_utc LIMIT ?",
            (*patterns, limit),
        )
        return [(row[0], 1.0) for row in rows]
