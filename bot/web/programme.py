"""The programme as the Mini App reads it: one JSON document, compressed once, with an ETag.

The document holds everything the page shows and filters by, for every language at once
(titles and abstracts the organisers translated), so it is built once per programme version
and served from memory to every reader; ``k`` is each session's search text folded exactly as
the bot's own search folds it (``bot.schedule.query.fold``), so the page only folds the query.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.schedule.model import Programme, Session
from bot.schedule.query import fold


@dataclass(frozen=True, slots=True)
class Document:
    """A JSON document ready to serve: its bytes, gzipped bytes and entity tag."""

    body: bytes
    gzipped: bytes
    etag: str

    @classmethod
    def of(cls, data: Any) -> Document:
        """Serialise ``data`` compactly and compress it."""
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        digest = hashlib.sha256(body).hexdigest()[:20]
        return cls(body, gzip.compress(body, compresslevel=9, mtime=0), f'"{digest}"')


def _session(session: Session) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": session.id,
        "start": int(session.start.timestamp()),
        "end": int(session.end.timestamp()),
        "day": session.day.isoformat(),
        "room": session.room,
        "title": session.title,
    }
    optional: dict[str, Any] = {
        "titles": dict(session.titles),
        "abstract": session.description,
        "abstracts": dict(session.descriptions),
        "track": session.track,
        "type": session.type,
        "language": session.language,
        "speakers": list(session.speakers),
        "url": session.url if session.url and session.url.startswith("https://") else None,
    }
    item.update({key: value for key, value in optional.items() if value})
    searchable = [
        *session.all_titles(),
        *session.speakers,
        session.room,
        session.track or "",
        session.type or "",
        session.description,
        *session.descriptions.values(),
    ]
    item["k"] = fold(" ".join(searchable))
    return item


def _distinct(values: list[str | None]) -> list[str]:
    return sorted({value for value in values if value}, key=str.casefold)


def programme_document(
    programme: Programme | None, *, event_name: str, zone: str, place: str
) -> Document:
    """Return the public programme document (an empty programme before the first import)."""
    sessions = programme.sessions if programme else ()
    data = {
        "event": {"name": event_name, "zone": zone, "place": place},
        "version": programme.version if programme else "",
        "days": [day.isoformat() for day in programme.days] if programme else [],
        "rooms": list(programme.rooms) if programme else [],
        "tracks": _distinct([s.track for s in sessions]),
        "types": _distinct([s.type for s in sessions]),
        "languages": _distinct([s.language for s in sessions]),
        "sessions": [_session(s) for s in sessions],
    }
    return Document.of(data)
