"""The schedule service: the live programme, its loading at start, reloads and answers.

At start the configured ``event.schedule`` file is loaded when the store is still empty, or
when the file was modified after the stored programme was imported (so an operator's edit of
the file wins, while a newer programme uploaded through Telegram survives a restart). A file
that cannot be read is logged and the stored programme is kept. Reloads go through
:meth:`ScheduleService.replace`: one transaction in the store, then the fuzzy index is rebuilt
and every ``on_programme_changed`` listener is told what changed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from bot.clock import Clock
from bot.errors import DomainError
from bot.i18n import N_
from bot.schedule import calendar, query
from bot.schedule.diff import ScheduleDiff, diff
from bot.schedule.importers import ScheduleError, load_programme
from bot.schedule.model import Programme, Session, programme_day
from bot.schedule.query import Answer
from storage.schedule import ScheduleStore

logger = logging.getLogger(__name__)

ProgrammeListener = Callable[[ScheduleDiff], Awaitable[None]]
NAME_CUTOFF = 70.0
NO_PROGRAMME = N_("The programme has not been published yet. Please check again later.")


@dataclass(frozen=True)
class Preview:
    """A validated upload and what it would change; ``base`` fingerprints the live programme."""

    programme: Programme
    changes: ScheduleDiff
    base: str


@dataclass
class ScheduleService:
    """The live programme and everything the bot does with it."""

    store: ScheduleStore
    timezone: str = field(kw_only=True)
    source: Path | None = field(kw_only=True)  # the configured file, loaded at start if newer
    clock: Clock = field(kw_only=True)
    # Told what changed after every swap (reminders move and tell subscribers).
    listeners: list[ProgrammeListener] = field(kw_only=True)
    _programme: Programme | None = field(default=None, init=False)

    @property
    def programme(self) -> Programme | None:
        """Return the live programme, or None before the first import."""
        return self._programme

    async def sequences(self) -> dict[str, int]:
        """Return the iCalendar SEQUENCE of each session, by guid."""
        return await self.store.sequences()

    @property
    def fingerprint(self) -> str:
        """Return a short digest of the live programme's content, "-" before the first import."""
        if self.programme is None:
            return "-"
        return digest(repr(self.programme.sessions).encode())

    async def open(self) -> None:
        """Load the stored programme, and the configured file when it is new or newer."""
        stored = self._programme = await self.store.prepare()
        if self.source is not None and await self._source_is_newer(stored):
            try:
                programme = load_programme(self.source, timezone=self.timezone)
            except (ScheduleError, OSError) as error:
                logger.error(
                    "schedule %s not loaded, keeping the stored one:\n%s", self.source, error
                )
            else:
                # Through replace(), so reminders follow a file edited while the bot was down.
                changes = await self.replace(programme)
                logger.info(
                    "schedule %s loaded: %d sessions (%d added, %d removed, %d changed)",
                    self.source,
                    len(programme.sessions),
                    len(changes.added),
                    len(changes.removed),
                    len(changes.changed_guids()),
                )
        if self.programme is not None:
            query.prepare(self.programme)

    async def _source_is_newer(self, stored: Programme | None) -> bool:
        if stored is None:
            return True
        imported = await self.store.imported_at()
        if imported is None or self.source is None:
            return True
        try:
            modified = datetime.fromtimestamp(self.source.stat().st_mtime, UTC)
        except OSError:
            return True
        return modified > imported

    def parse(self, data: bytes, filename: str) -> Programme:
        """Read an uploaded file; raise ScheduleError listing every problem."""
        return load_programme(data, filename=filename, timezone=self.timezone)

    def preview(self, programme: Programme) -> Preview:
        """Return what swapping in ``programme`` would change."""
        live = self.programme or Programme.build(
            name=programme.name, timezone=self.timezone, version="", sessions=()
        )
        return Preview(programme, diff(live, programme), self.fingerprint)

    async def replace(self, programme: Programme) -> ScheduleDiff:
        """Swap in a programme atomically, rebuild the index and tell every listener."""
        live = self._programme or Programme.build(
            name=programme.name, timezone=programme.timezone, version="", sessions=()
        )
        changes = diff(live, programme)
        changed = changes.changed_guids() | {s.guid for s in changes.added}
        await self.store.replace_programme(programme, self.clock(), changed)
        self._programme = programme
        query.prepare(programme)
        for listener in list(self.listeners):
            try:
                await listener(changes)
            except Exception:
                logger.exception("a programme-change listener failed")
        return changes

    async def understand(self, text: str, language: str) -> Answer | None:
        """Answer a free-text question, or None when there is no programme yet."""
        programme = self.programme
        if programme is None:
            return None
        hits = await self.store.search(text, 10)
        return query.understand(text, language, self.clock(), programme, search=hits)

    async def search(self, words: str, limit: int = 50) -> list[Session]:
        """Return the sessions matching the words, best first."""
        programme = self.programme
        if programme is None:
            return []
        hits = await self.store.search(words, limit)
        found = (programme.session_by_guid(guid) for guid, _ in hits)
        return [s for s in found if s is not None]

    def find_speaker(self, name: str) -> str | None:
        """Return the speaker whose name best matches, if any is close enough."""
        return _closest(name, self.programme.speakers if self.programme else ())

    def find_room(self, name: str) -> str | None:
        """Return the room whose name best matches, if any is close enough."""
        return _closest(name, self.programme.rooms if self.programme else ())

    def today(self) -> date:
        """Return the programme day that contains now (days run 04:00 to 04:00)."""
        if self.programme is not None:
            return self.programme.day_of(self.clock())
        return programme_day(self.clock(), ZoneInfo(self.timezone))

    async def session_ics(self, session: Session, language: str) -> bytes:
        """Return the .ics of one session."""
        programme = self._require()
        sequence = (await self.store.sequences()).get(session.guid, 0)
        return calendar.session_ics(
            session, programme, sequence=sequence, stamp=self.clock(), lang=language
        )

    async def day_ics(self, day: date, language: str) -> bytes:
        """Return the .ics of one event day."""
        programme = self._require()
        sequences = await self.store.sequences()
        return calendar.day_ics(
            programme, day, sequences=sequences, stamp=self.clock(), lang=language
        )

    async def programme_ics(self, language: str) -> bytes:
        """Return the .ics of the whole programme."""
        programme = self._require()
        sequences = await self.store.sequences()
        return calendar.programme_ics(
            programme, sequences=sequences, stamp=self.clock(), lang=language
        )

    def _require(self) -> Programme:
        if self.programme is None:
            raise DomainError(NO_PROGRAMME)
        return self.programme


def digest(data: bytes) -> str:
    """Return a 12-character digest of bytes (an uploaded file, a programme's content)."""
    return hashlib.sha256(data).hexdigest()[:12]


def _closest(name: str, choices: tuple[str, ...]) -> str | None:
    wanted = query.fold(name)
    if not wanted or not choices:
        return None
    folded = [query.fold(c) for c in choices]
    for choice, key in zip(choices, folded, strict=True):
        if wanted == key:
            return choice
    best = process.extractOne(wanted, folded, scorer=fuzz.WRatio, score_cutoff=NAME_CUTOFF)
    return choices[best[2]] if best else None
