"""The registry of personal data covers the whole migrated schema, so no table is forgotten.

Every column that can hold a person's Telegram id, username or name (by its name or by a
foreign key to participants) must be declared in ``storage.privacy.REGISTRY`` or explained in
``NOT_PERSONAL``; the end-to-end test in ``tests/e2e/test_privacy.py`` also fills every feature
for one person and checks that each column their id, username or name reached is declared.
"""

from __future__ import annotations

from storage.database import Database
from storage.privacy import REGISTRY, Holds, Step
from tests.privacy_support import declared, schema, undeclared


async def test_every_column_that_can_hold_a_person_is_declared(db: Database) -> None:
    assert undeclared(await schema(db)) == []


async def test_the_registry_names_only_real_tables_and_columns(db: Database) -> None:
    columns = {(c.table, c.name) for c in await schema(db)}
    assert declared() - columns == set()
    assert len({entry.table for entry in REGISTRY}) == len(REGISTRY)


async def test_every_table_holding_an_id_is_forgotten_by_a_statement_naming_it(
    db: Database,
) -> None:
    for entry in REGISTRY:
        if any(holds is Holds.ID for holds in entry.holds.values()):
            assert entry.forget, entry.table
        for step in entry.forget:
            assert entry.table in step.sql, (entry.table, step.sql)
            assert step.step is not Step.KEEP or step.kept, "a kept record must say why"


async def test_a_new_table_with_a_person_in_it_fails_until_declared(db: Database) -> None:
    await db.execute(
        "CREATE TABLE feedback (author_user INTEGER REFERENCES participants (user_id), "
        "session TEXT, shown_name TEXT, stars INTEGER)"
    )
    await db.execute("CREATE TABLE stats (day TEXT, requester_id INTEGER, total INTEGER)")
    assert undeclared(await schema(db)) == [
        "feedback.author_user",
        "feedback.shown_name",
        "stats.requester_id",
    ]
