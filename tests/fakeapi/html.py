"""Telegram's HTML parse mode, ported from TDLib so the fake rejects what Telegram rejects.

A port of `parse_html`/`decode_html_entity` from tdlib/td `td/telegram/MessageEntity.cpp`
(Boost Software License 1.0). It walks the UTF-8 bytes like the C++ original, so error messages
carry the same byte offsets, and produces entities with UTF-16 offsets and lengths as the Bot API
returns them. Also holds the whitespace trimming Telegram applies after parsing.
"""

from __future__ import annotations

from typing import Any

ALLOWED_TAGS = frozenset(
    [
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    ]
)
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_SPACES = b" \t\r\n\f\v"


class EntityParseError(ValueError):
    """A text Telegram refuses with `can't parse entities: <message>`."""


def _is_space(c: int) -> bool:
    return c in _SPACES


def _is_alnum(c: int) -> bool:
    return 48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122


def _decode_entity(text: bytes, pos: int) -> tuple[int, int]:
    """Return (code point, position after it), or (0, pos) when `&` starts no entity."""
    end = pos + 1
    res = 0
    if text[end : end + 1] == b"#":
        end += 1
        if text[end : end + 1] == b"x":
            end += 1
            while end < len(text) and chr(text[end]) in "0123456789abcdefABCDEF":
                res = res * 16 + int(chr(text[end]), 16)
                end += 1
                if res >= 0x10FFFF:
                    return 0, pos
        else:
            while end < len(text) and 48 <= text[end] <= 57:
                res = res * 10 + text[end] - 48
                end += 1
                if res >= 0x10FFFF:
                    return 0, pos
        if res == 0 or end - pos >= 10:
            return 0, pos
    else:
        while end < len(text) and (65 <= text[end] <= 90 or 97 <= text[end] <= 122):
            end += 1
        name = text[pos + 1 : end]
        named = {b"lt": 60, b"gt": 62, b"amp": 38, b"quot": 34}
        if name not in named:
            return 0, pos
        res = named[name]
    if text[end : end + 1] == b";":
        end += 1
    return res, end


def _utf16_units(code_point: int) -> int:
    return 2 if code_point > 0xFFFF else 1


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and Bot API entities (UTF-16 offsets)."""
    text = source.encode("utf-8", "surrogatepass")
    size = len(text)

    def at(i: int) -> int:
        return text[i] if i < size else 0

    result = bytearray()
    entities: list[dict[str, Any]] = []
    nested: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, result byte pos
    utf16 = 0
    has_surrogates = False
    i = 0
    while i < size:
        c = text[i]
        if c == 38:  # '&'
            ch, nxt = _decode_entity(text, i)
            if ch:
                if 0xD800 <= ch <= 0xDFFF:
                    has_surrogates = True
                utf16 += _utf16_units(ch)
                result += chr(ch).encode("utf-8", "surrogatepass")
                i = nxt
                continue
        if c != 60:  # not '<'
            if c & 0xC0 != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            result.append(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != 47:  # start tag
            while at(i) and not _is_space(at(i)) and at(i) != 62:
                i += 1
            if not at(i):
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            tag = text[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in ALLOWED_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            extra: dict[str, str] = {}
            while at(i) != 62:
                while at(i) and _is_space(at(i)):
                    i += 1
                if at(i) == 62:
                    break
                attr_begin = i
                while at(i) and not _is_space(at(i)) and at(i) not in (61, 62):
                    i += 1
                attr = text[attr_begin:i].decode("utf-8", "replace")
                if not attr:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {attr_begin}'
                    )
                while at(i) and _is_space(at(i)):
                    i += 1
                if at(i) != 61:  # '='
                    if tag == "blockquote" and attr == "expandable":
                        argument = "1"
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin}'
                    )
                i += 1
                while at(i) and _is_space(at(i)):
                    i += 1
                if not at(i):
                    raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
                value = bytearray()
                if at(i) not in (34, 39):
                    token_begin = i
                    while _is_alnum(at(i)) or at(i) in (45, 46):
                        i += 1
                    value += text[token_begin:i].lower()
                    if not _is_space(at(i)) and at(i) != 62:
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    while at(i) and at(i) != quote:
                        if at(i) == 38:
                            ch, nxt = _decode_entity(text, i)
                            if ch:
                                value += chr(ch).encode("utf-8", "surrogatepass")
                                i = nxt
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                if not at(i):
                    raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
                val = value.decode("utf-8", "replace")
                if tag == "a" and attr == "href":
                    argument = val
                elif tag == "code" and attr == "class" and val.startswith("language-"):
                    argument = val[9:]
                elif tag == "span" and attr == "class" and val.startswith("tg-"):
                    argument = val[3:]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = val
                elif tag == "tg-time" and attr in ("unix", "format"):
                    extra[attr] = val
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            if tag == "tg-emoji" and not argument.lstrip("-").isdigit():
                raise EntityParseError("Invalid custom emoji identifier specified")
            if tag == "tg-time":
                argument = f"{extra.get('unix', '0')}|{extra.get('format', '')}"
            nested.append((tag, argument, utf16, len(result)))
            i += 1
            continue
        # end tag
        if not nested:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        while at(i) and not _is_space(at(i)) and at(i) != 62:
            i += 1
        end_name = text[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) and _is_space(at(i)):
            i += 1
        if at(i) != 62:
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        i += 1
        tag, argument, offset, result_pos = nested.pop()
        if end_name and end_name != tag:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", '
                f'found "</{end_name}>"'
            )
        if utf16 > offset:
            _add_entity(entities, tag, argument, offset, utf16 - offset, result, result_pos)
    if nested:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{nested[-1][0]}"')
    if has_surrogates:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return result.decode("utf-8"), entities


def _add_entity(
    entities: list[dict[str, Any]],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    result: bytearray,
    result_pos: int,
) -> None:
    span: dict[str, Any] = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (offset, length)
    if tag in _SIMPLE:
        entities.append({"type": _SIMPLE[tag], **span})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if argument else "blockquote"
        entities.append({"type": kind, **span})
    elif tag == "a":
        url = argument or result[result_pos:].decode("utf-8", "replace")
        if url.startswith("tg://user?id=") and url[13:].isdigit():
            user = {"id": int(url[13:]), "is_bot": False, "first_name": ""}
            entities.append({"type": "text_mention", **span, "user": user})
        elif _is_checked_link(url):
            entities.append({"type": "text_link", **span, "url": url})
    elif tag == "pre":
        if last is not None and same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", **span})
    elif tag == "code":
        if last is not None and same_span and last["type"] == "pre" and argument:
            last["language"] = argument
        else:
            entity = {"type": "code", **span}
            if argument:
                entity["language"] = argument
            entities.append(entity)
    elif tag == "tg-emoji":
        entities.append({"type": "custom_emoji", **span, "custom_emoji_id": argument})
    elif tag == "tg-time":
        unix, _, fmt = argument.partition("|")
        entity = {"type": "date_time", **span, "unix_time": int(unix) if unix.isdigit() else 0}
        if fmt:
            entity["date_time_format"] = fmt
        entities.append(entity)


def _is_checked_link(url: str) -> bool:
    """Approximate TDLib's get_checked_link: a scheme-less host or http(s)/tg/ton link."""
    if not url or any(ch.isspace() for ch in url):
        return False
    scheme, sep, _ = url.partition("://")
    if sep:
        return scheme.lower() in ("http", "https", "tg", "ton", "ftp")
    return "." in url


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, the unit of entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace like TDLib, shifting and clipping entities."""
    stripped = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip()
    total = utf16_len(stripped)
    kept: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
