"""Helpers for the personal-data tests: read the schema, and find a person anywhere in the file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.database import Database
from storage.privacy import NOT_PERSONAL, REGISTRY

# Words that, as one part of a column's name, say it may hold a person's id or name.
PERSON_WORDS = frozenset(
    {
        "user",
        "chat",
        "author",
        "actor",
        "target",
        "requester",
        "suggested",
        "blocker",
        "blocked",
        "owner",
        "member",
        "admin",
        "moderator",
        "organiser",
        "sender",
        "recipient",
        "reporter",
        "by",
        "name",
        "username",
        "speaker",
        "speakers",
        "person",
        "people",
        "contact",
        "handle",
    }
)


@dataclass(frozen=True)
class Column:
    """One column of the migrated schema."""

    table: str
    name: str
    references: str | None  # the table a foreign key points to


async def schema(db: Database) -> list[Column]:
    """Return every column of every table of the database."""
    tables = [
        row[0]
        for row in await db.fetchall(
            # The schedule's full-text index (a virtual table and its shadow tables) is
            # derived from the published programme.
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "AND name NOT LIKE 'schedule\\_search%' ESCAPE '\\' ORDER BY name"
        )
    ]
    found: list[Column] = []
    for table in tables:
        keys = {
            row["from"]: row["table"]
            for row in await db.fetchall("SELECT * FROM pragma_foreign_key_list(?)", (table,))
        }
        for row in await db.fetchall("SELECT name FROM pragma_table_info(?)", (table,)):
            found.append(Column(table, row[0], keys.get(row[0])))
    return found


def declared() -> set[tuple[str, str]]:
    """Return (table, column) of every column the registry declares or explains away."""
    columns = {(entry.table, column) for entry in REGISTRY for column in entry.holds}
    return columns | set(NOT_PERSONAL)


def looks_personal(column: Column) -> bool:
    """Tell whether a column's name or foreign key says it may hold a person's id or name."""
    return column.references == "participants" or bool(
        PERSON_WORDS & set(column.name.lower().split("_"))
    )


def undeclared(columns: list[Column]) -> list[str]:
    """Return the personal-looking columns the registry does not declare."""
    known = declared()
    return [
        f"{c.table}.{c.name}"
        for c in columns
        if looks_personal(c) and (c.table, c.name) not in known
    ]


async def traces(db: Database, needles: list[Any]) -> dict[str, list[Any]]:
    """Return, per "table.column", the values anywhere in the file that match a needle.

    Integers match equal values and their digits inside text (a link, a JSON document);
    strings match case-insensitively inside any text.
    """
    found: dict[str, list[Any]] = {}
    texts = [str(n).casefold() for n in needles]
    numbers = {n for n in needles if isinstance(n, int)}
    for column in await schema(db):
        rows = await db.fetchall(f'SELECT "{column.name}" FROM "{column.table}"')
        for (value,) in rows:
            hit = (
                value in numbers
                if isinstance(value, int)
                else isinstance(value, str) and any(t in value.casefold() for t in texts)
            )
            if hit:
                found.setdefault(f"{column.table}.{column.name}", []).append(value)
    return found
