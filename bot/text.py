"""Texts the bot sends, kept within Telegram's limits without ever breaking their HTML.

Telegram refuses a message over 4,096 characters (1,024 for a caption) counted after its HTML
is parsed, and one whose HTML does not parse. Renderers cut organiser- and user-supplied text
to size before escaping it (``cut``), join whole lines up to the limit (``fit_lines``), and,
as the last guard, cut finished HTML only between entities, closing the tags still open
(``fit_html``). Lengths count what Telegram counts: text in UTF-16 code units, an entity such
as ``&amp;`` as one character, tags as nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_TEXT = 4096
MAX_CAPTION = 1024
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def units(text: str) -> int:
    """Return the length of plain text as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(html: str) -> int:
    """Return the length of an HTML text once Telegram has parsed it."""
    total = 0
    for token in _TOKEN.findall(html):
        if token.startswith("<") and len(token) > 1:
            continue
        total += 1 if token.startswith("&") and len(token) > 1 else units(token)
    return total


def cut(text: str, limit: int) -> str:
    """Shorten plain text to ``limit`` characters, marking the cut; escape it afterwards."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def fit_lines(lines: Sequence[str], limit: int = MAX_TEXT) -> str:
    """Join whole lines up to ``limit`` characters; a last "…" line says some were left out."""
    text = "\n".join(lines)
    if visible_length(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS) - 1
    kept: list[str] = []
    size = 0
    for line in lines:
        length = visible_length(line)
        if not kept and length > budget:
            line = fit_html(line, budget)
            length = visible_length(line)
        if size + length > budget:
            break
        kept.append(line)
        size += length + 1
    kept.append(ELLIPSIS)
    return "\n".join(kept)


def fit_html(text: str, limit: int = MAX_TEXT) -> str:
    """Return HTML cut to ``limit`` visible characters between entities, its tags closed."""
    if visible_length(text) <= limit:
        return text
    out: list[str] = []
    size = 0
    room = limit - len(ELLIPSIS)
    open_tags: list[str] = []
    for token in _TOKEN.findall(text):
        if token.startswith("<") and len(token) > 1:
            name_match = _TAG_NAME.match(token)
            name = name_match.group(1).lower() if name_match else ""
            if token.startswith("</"):
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
                out.append(token)
            elif size < room:
                out.append(token)
                if not token.endswith("/>"):
                    open_tags.append(name)
            continue
        length = 1 if token.startswith("&") and len(token) > 1 else units(token)
        if size + length <= room:
            out.append(token)
            size += length
            continue
        if not token.startswith("&"):
            part = _fit_units(token, room - size)
            out.append(part)
            size += units(part)
        break
    out.append(ELLIPSIS)
    out += [f"</{name}>" for name in reversed(open_tags)]
    return "".join(out)


def _fit_units(text: str, limit: int) -> str:
    """Return the longest prefix of ``text`` within ``limit`` UTF-16 units."""
    size = 0
    for index, char in enumerate(text):
        size += 2 if ord(char) > 0xFFFF else 1
        if size > limit:
            return text[:index]
    return text
