"""The HTML parse mode follows TDLib: golden cases for text, entities and error messages."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot

from tests.fakeapi import FakeTelegram
from tests.fakeapi.html import EntityParseError, parse_html


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        (
            "<b>bold <i>both</i></b>",
            "bold both",
            [
                {"type": "bold", "offset": 0, "length": 9},
                {"type": "italic", "offset": 5, "length": 4},
            ],
        ),
        ("a > b &amp; c", "a > b & c", []),
        ("&nbsp;&lt;3 &#33;&#x41;", "&nbsp;<3 !A", []),
        ("Tom & Jerry", "Tom & Jerry", []),
        ("it&#x27;s", "it's", []),
        (
            '😀 <a href="https://example.org/?a=1&amp;b=2">link</a>',
            "😀 link",
            [
                {
                    "type": "text_link",
                    "offset": 3,
                    "length": 4,
                    "url": "https://example.org/?a=1&b=2",
                }
            ],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        ("<B>caps</B>", "caps", [{"type": "bold", "offset": 0, "length": 4}]),
        ("<b></b>x", "x", []),
    ],
)
def test_good_html(source: str, text: str, entities: list[dict[str, Any]]) -> None:
    assert parse_html(source) == (text, entities)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("é<br>", 'Unsupported start tag "br" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<a href=x!>y</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="abc">😀</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            '<a href="tg://user?id=1">&#xD800;</a>',
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units",
        ),
    ],
)
def test_bad_html(source: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == error


@pytest.mark.asyncio
async def test_ptb_round_trips_entities(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    source = "👩‍👩‍👧 <b>Amy &amp; Rory</b> <i>&lt;3</i> <code>x</code>"
    message = await bot.send_message(user.id, source, parse_mode="HTML")
    assert message.text == "👩‍👩‍👧 Amy & Rory <3 x"
    assert message.text_html == "👩‍👩‍👧 <b>Amy &amp; Rory</b> <i>&lt;3</i> <code>x</code>"
    stored = user.last_message
    assert (stored.text, stored.html) == (message.text, source)
    assert [e["offset"] for e in stored.entities] == [
        9,
        20,
        23,
    ]  # the family emoji is 8 UTF-16 units


@pytest.mark.asyncio
async def test_whitespace_is_trimmed_and_entities_shifted(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.add_user("Ann")
    await user.send("hi")
    message = await bot.send_message(user.id, "  \n<b>x</b>  ", parse_mode="HTML")
    assert message.text == "x"
    assert message.entities[0].offset == 0
