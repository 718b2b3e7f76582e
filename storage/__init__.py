"""SQLite storage: one database, append-only migrations, intent-named repositories."""

from storage.database import Database, DatabaseTooNewError

__all__ = ["Database", "DatabaseTooNewError"]
