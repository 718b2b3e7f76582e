"""Small helpers every handler module shares: typed context alias, replies, filters."""

from __future__ import annotations

from collections import OrderedDict
from html import escape
from typing import Any, TypeAlias
from weakref import WeakKeyDictionary

from telegram import (
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest
from telegram.ext import BaseHandler, filters

from bot.telegram.context import ForumContext
from bot.telegram.keyboards import Buttons, keyboard

Handler: TypeAlias = BaseHandler[Any, ForumContext, Any]

__all__ = [
    "PRIVATE",
    "Buttons",
    "Handler",
    "edit",
    "edit_or_reply",
    "escape",
    "keyboard",
    "reply",
]

PRIVATE = filters.ChatType.PRIVATE


class _AddressedToBot(filters.MessageFilter):
    """Private chats always; groups only for ``/command@thisbot``."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        if message.chat.type == "private":
            return True
        text = message.text or message.caption or ""
        first = text.split(maxsplit=1)[0] if text else ""
        username = message.get_bot().username
        return bool(username) and first.lower().endswith("@" + username.lower())


ADDRESSED = _AddressedToBot(name="addressed_to_bot")


async def reply(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Answer the update's chat with an HTML message (replying in groups)."""
    message = update.effective_message
    if message is None:
        return None
    return await message.reply_html(
        text,
        reply_markup=markup,
        do_quote=message.chat.type != "private",
    )


async def edit_or_reply(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Edit the message whose button was pressed, or reply when there is none."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await edit(query.message, text, markup)
        return
    await reply(update, text, markup)


# What the bot last put in each message it edited, per bot, most recent last (bounded): a
# stale second tap carries the message as it was before the first tap's edit, so only this
# memory knows that the edit it asks for is already there.
_LAST_EDITS: WeakKeyDictionary[object, OrderedDict[tuple[int, int], int]] = WeakKeyDictionary()
_EDITS_KEPT = 2048


def _fingerprint(text: str, markup: InlineKeyboardMarkup | None) -> int:
    return hash((text, repr(markup.to_dict()) if markup else None))


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit a message the bot sent, unless it already shows exactly this."""
    shown = message.reply_markup.to_dict() if message.reply_markup else None
    if message.text_html == text and shown == (markup.to_dict() if markup else None):
        return
    key = (message.chat_id, message.message_id)
    memory = _LAST_EDITS.setdefault(message.get_bot(), OrderedDict())
    fingerprint = _fingerprint(text, markup)
    if memory.get(key) == fingerprint:
        memory.move_to_end(key)
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
    memory[key] = fingerprint
    memory.move_to_end(key)
    while len(memory) > _EDITS_KEPT:
        memory.popitem(last=False)


def mention(user: User) -> str:
    """Return an HTML mention of a Telegram user, escaped."""
    return f'<a href="tg://user?id={user.id}">{escape(user.full_name)}</a>'
