"""Compare two programmes session by session (keyed by guid) to announce what changed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.schedule.model import Programme, Session

Change = tuple[Session, Session]


@dataclass(frozen=True)
class ScheduleDiff:
    """What an import changed: each change pairs the old and the new session."""

    added: tuple[Session, ...] = ()
    removed: tuple[Session, ...] = ()
    moved: tuple[Change, ...] = ()
    re_roomed: tuple[Change, ...] = ()
    renamed: tuple[Change, ...] = ()
    other: tuple[Change, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing at all changed."""
        return not (
            self.added
            or self.removed
            or self.moved
            or self.re_roomed
            or self.renamed
            or self.other
        )

    def changed_guids(self) -> set[str]:
        """Return the guids of sessions present before and after that changed in any way."""
        pairs = (*self.moved, *self.re_roomed, *self.renamed, *self.other)
        return {new.guid for _, new in pairs}


def diff(old: Programme, new: Programme) -> ScheduleDiff:
    """Return the changes from ``old`` to ``new``, keyed by guid."""
    before = {s.guid: s for s in old.sessions}
    after = {s.guid: s for s in new.sessions}
    moved: list[Change] = []
    re_roomed: list[Change] = []
    renamed: list[Change] = []
    other: list[Change] = []
    for guid, now in after.items():
        was = before.get(guid)
        if was is None or was == now:
            continue
        kinds = 0
        if (was.start, was.end) != (now.start, now.end):
            moved.append((was, now))
            kinds += 1
        if was.room != now.room:
            re_roomed.append((was, now))
            kinds += 1
        if was.title != now.title or dict(was.titles) != dict(now.titles):
            renamed.append((was, now))
            kinds += 1
        if not kinds:
            other.append((was, now))
    return ScheduleDiff(
        added=tuple(s for g, s in after.items() if g not in before),
        removed=tuple(s for g, s in before.items() if g not in after),
        moved=tuple(moved),
        re_roomed=tuple(re_roomed),
        renamed=tuple(renamed),
        other=tuple(other),
    )
