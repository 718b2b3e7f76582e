"""Sessions looked up in the live programme, for the features that act on one session.

A feature's service (questions, feedback) holds the schedule service as its ``source`` and
finds sessions through ``SessionLookup``: by the number users type or by the guid it stored.
"""

from __future__ import annotations

from typing import Protocol

from bot.errors import DomainError
from bot.i18n import N_
from bot.schedule.model import Programme, Session


class ProgrammeSource(Protocol):
    """Where the live programme comes from (``ScheduleService``)."""

    @property
    def programme(self) -> Programme | None: ...


class SessionLookup:
    """Finds sessions in ``source``'s programme (a service that has one mixes this in)."""

    source: ProgrammeSource

    def session(self, session_id: str) -> Session:
        """Return the session users know by this number; DomainError if there is none."""
        programme = self.source.programme
        session = programme.session_by_id(session_id) if programme and session_id else None
        if session is None:
            raise DomainError(N_("There is no session {id}."), id=session_id[:20])
        return session

    def by_guid(self, session_guid: str) -> Session | None:
        """Return the session with this guid in the live programme."""
        programme = self.source.programme
        return programme.session_by_guid(session_guid) if programme else None
