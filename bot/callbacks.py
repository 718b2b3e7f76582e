"""Callback data: typed, at most 64 bytes, never trusted.

Each feature declares its buttons as small ``CallbackData`` classes (the aiogram idea, on
pydantic): a prefix and typed fields, packed positionally as ``prefix:field:field``.

    class RemindPress(CallbackData, prefix="rem"):
        session: str

    RemindPress(session="12").encode()   # "rem:12"
    RemindPress.parse("rem:12")          # RemindPress(session="12"); None for anything else

``parse`` gives None for anything this bot did not make (unknown prefix, extra or malformed
fields, wrong types), so a forged or outdated press is answered as stale and changes nothing;
a parsed press is still re-authorised by the service like a command. ``pattern()`` routes the
class's presses to its handler (``handlers.common.on_press``).

A button that belongs to a private flow (a profile, an introduction, one's own reminders) is
declared ``private=True``: pressed in a group, it never continues there. ``on_press`` answers
it in the presser's private chat, or points them there with a deep link (``/start`` and
``start()``) when the bot cannot write to them yet.

Keyboards are plain ``Rows`` of (label, callback data): renderers build them without Telegram,
and ``bot.telegram.keyboards`` turns them into markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Self, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError

from bot.numbers import MAX_ID

MAX_BYTES = 64
_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
_FIELD = re.compile(r"^[A-Za-z0-9_.+\-=]{0,48}$")

Button: TypeAlias = tuple[str, str]
Rows: TypeAlias = list[list[Button]]


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("0", "1"):
        return value == "1"
    raise ValueError("a flag is 0 or 1")


# A yes/no field, packed as 1 or 0; nothing else parses ("yes", "true" are forgeries).
Flag = Annotated[bool, PlainValidator(_flag)]
# A row or Telegram id: never negative, never past what SQLite and Telegram hold.
Id = Annotated[int, Field(ge=0, le=MAX_ID)]


def _pack(name: str, value: object) -> str:
    if isinstance(value, bool):
        text = "1" if value else "0"
    else:
        text = "" if value is None else str(value)
    if not _FIELD.match(text):
        raise ValueError(f"bad callback field {name}={text!r}")
    return text


class OpensSessionCard:
    """Mixed into a private press about one session (``session``): pressed in a group by
    someone the bot cannot write to yet, the private chat opens on that session's card."""

    session: str

    def start(self) -> str:
        """Open the session's card in the private chat (``/start s_<id>``)."""
        return f"s_{self.session}"


class CallbackData(BaseModel):
    """The typed payload of one kind of button; subclasses give ``prefix=`` and fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    prefix: ClassVar[str] = ""
    private: ClassVar[bool] = False

    def __init_subclass__(cls, prefix: str = "", private: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.match(prefix):
            raise TypeError(f"{cls.__name__} needs a prefix like 'rem', got {prefix!r}")
        cls.prefix = prefix
        cls.private = private

    def start(self) -> str:
        """Return the ``/start`` payload that resumes this press in the private chat ("" for
        none: the private chat just opens)."""
        return ""

    def encode(self) -> str:
        """Pack the press; raise ValueError if Telegram would refuse it (over 64 bytes)."""
        parts = [self.prefix]
        defaults = [self.prefix]  # what a field packs to when it is left at its default
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            parts.append(_pack(name, value))
            default = info.get_default() if not info.is_required() else object()
            defaults.append(_pack(name, default) if default == value else "\0")
        while len(parts) > 1 and parts[-1] == defaults[len(parts) - 1]:
            parts.pop()  # trailing defaults are left off: the parser puts them back
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """Return the press this data stands for, or None for anything this bot did not make."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        prefix, *parts = data.split(":")
        fields = cls.model_fields
        if prefix != cls.prefix or len(parts) > len(fields):
            return None
        if not all(_FIELD.match(part) for part in parts):
            return None
        values: dict[str, str] = {}
        for (name, info), part in zip(fields.items(), parts, strict=False):
            if part == "" and not info.is_required():
                continue
            values[name] = part
        try:
            return cls.model_validate(values)
        except ValidationError:
            return None

    @classmethod
    def pattern(cls) -> re.Pattern[str]:
        """Return the pattern that routes this class's presses to its handler."""
        return re.compile(rf"^{re.escape(cls.prefix)}(:|$)")


def button(press: CallbackData) -> str | None:
    """Return a press's callback data, or None when a field (an organiser's odd session id)
    makes it too long: the button is left out, not the message."""
    try:
        return press.encode()
    except ValueError:
        return None


def kept_rows(*rows: Sequence[tuple[str, str | None]]) -> Rows:
    """Return the rows without the buttons ``button`` gave no data for, and without the rows
    that leaves empty."""
    kept = [[(label, data) for label, data in row if data is not None] for row in rows]
    return [row for row in kept if row]
