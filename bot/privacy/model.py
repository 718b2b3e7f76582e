"""Personal-data records: a person's export, the records /forget keeps, the purge's dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# A section's entries: each a named list of rows (plain JSON values only).
Sections = dict[str, dict[str, list[dict[str, Any]]]]


@dataclass(frozen=True, slots=True)
class Export:
    """Everything stored about one person, section by section (account, agenda, …)."""

    user_id: int
    sections: Sections

    def rows(self, section: str, entry: str) -> list[dict[str, Any]]:
        """Return one entry's rows (empty when there are none)."""
        return self.sections.get(section, {}).get(entry, [])


@dataclass(frozen=True, slots=True)
class KeptRecord:
    """A minimal record /forget keeps: the table it stays in and the need it serves (msgid)."""

    table: str
    reason: str


@dataclass(frozen=True, slots=True)
class PurgePlan:
    """When personal data is deleted after the forum, and when participants are told."""

    purge_on: date
    purge_at: datetime
    notice_at: datetime | None
