"""Texts the bot sends, kept within Telegram's limits without ever breaking their HTML.

Telegram refuses a message over 4,096 characters and one whose HTML does not parse. Renderers
cut organiser- and user-supplied text to size before escaping it (``cut``), join whole lines
up to the limit (``fit_lines``), and, as the last guard, cut finished HTML only between
entities, closing the tags still open (``fit_html``). Lengths are counted on the HTML source,
which is never shorter than what Telegram counts, so a text that fits here fits there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_TEXT = 4096
MAX_CAPTION = 1024
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[^<&]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def cut(text: str, limit: int) -> str:
    """Shorten plain text to ``limit`` characters, marking the cut; escape it afterwards."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def fit_lines(lines: Sequence[str], limit: int = MAX_TEXT) -> str:
    """Join whole lines up to ``limit`` characters; a last "…" line says some were left out."""
    text = "\n".join(lines)
    if len(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS) - 1
    kept: list[str] = []
    size = 0
    for line in lines:
        if not kept and len(line) > budget:
            line = fit_html(line, budget)
        if size + len(line) > budget:
            break
        kept.append(line)
        size += len(line) + 1
    kept.append(ELLIPSIS)
    return "\n".join(kept)


def fit_html(text: str, limit: int = MAX_TEXT) -> str:
    """Return HTML cut to ``limit`` characters between entities, its open tags closed."""
    if len(text) <= limit:
        return text
    out: list[str] = []
    size = 0
    open_tags: list[str] = []

    def closing() -> int:
        return sum(len(name) + 3 for name in open_tags)

    for token in _TOKEN.findall(text):
        room = limit - size - closing() - len(ELLIPSIS)
        if token.startswith("<") and len(token) > 1:
            name_match = _TAG_NAME.match(token)
            name = name_match.group(1).lower() if name_match else ""
            if token.startswith("</"):
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
                out.append(token)
                size += len(token)
                continue
            # An opening tag needs room for itself and its closing tag.
            if len(token) + len(name) + 3 > room:
                break
            out.append(token)
            size += len(token)
            if not token.endswith("/>"):
                open_tags.append(name)
            continue
        if token.startswith("&") and len(token) > 1:
            if len(token) > room:
                break
            out.append(token)
            size += len(token)
            continue
        if len(token) > room:
            out.append(token[: max(room, 0)])
            size += max(room, 0)
            break
        out.append(token)
        size += len(token)
    out.append(ELLIPSIS)
    out += [f"</{name}>" for name in reversed(open_tags)]
    return "".join(out)
