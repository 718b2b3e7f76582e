"""The community after the forum: the data shared by service, storage and rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Stay:
    """A person's choice to stay in the community for the next forum (revocable)."""

    user_id: int
    staying: bool
    monthly_meet: bool
    decided_at: datetime
