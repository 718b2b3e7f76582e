"""Small helpers every handler module shares: typed context alias, replies, filters."""

from __future__ import annotations

from html import escape
from typing import Any, TypeAlias

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

__all__ = ["PRIVATE", "Buttons", "Handler", "edit_or_reply", "escape", "keyboard", "reply"]

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
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return
    await reply(update, text, markup)


def mention(user: User) -> str:
    """Return an HTML mention of a Telegram user, escaped."""
    return f'<a href="tg://user?id={user.id}">{escape(user.full_name)}</a>'


class Awaiting(filters.MessageFilter):
    """Messages from people a feature is waiting for, for one of ``kinds`` of text."""

    __slots__ = ("_expecting", "_kinds")

    def __init__(self, expecting: dict[int, str], *kinds: str) -> None:
        super().__init__(name=f"awaiting_{'_'.join(kinds)}")
        self._expecting = expecting  # the service's live map, kept in step with the database
        self._kinds = frozenset(kinds)

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return bool(user and self._expecting.get(user.id) in self._kinds)
