"""Small helpers every handler module shares: typed context alias, replies, filters."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any, TypeAlias, TypeVar
from weakref import WeakKeyDictionary

from telegram import (
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import CallbackData, Rows
from bot.errors import STALE_BUTTON
from bot.i18n import N_
from bot.telegram.context import ForumContext
from bot.telegram.edits import unchanged_is_fine
from bot.telegram.keyboards import keyboard

Handler: TypeAlias = BaseHandler[Any, ForumContext, Any]
Press = TypeVar("Press", bound=CallbackData)

__all__ = [
    "PRIVATE",
    "Handler",
    "Periodic",
    "Rows",
    "answer_stale",
    "commands",
    "edit",
    "edit_or_reply",
    "escape",
    "keyboard",
    "on_press",
    "reply",
]

EXPIRED_BUTTON = N_("This button has expired.")


@dataclass(frozen=True)
class Periodic:
    """A job a feature runs every ``interval`` (registered with the others in ``bot.app``)."""

    name: str
    callback: Callable[[ForumContext], Coroutine[Any, Any, None]]
    interval: timedelta
    first: timedelta = timedelta(0)


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
    """Replace a message's text and buttons, unless it already shows exactly this."""
    shown = message.reply_markup.to_dict() if message.reply_markup else None
    if message.text_html == text and shown == (markup.to_dict() if markup else None):
        return
    key = (message.chat_id, message.message_id)
    memory = _LAST_EDITS.setdefault(message.get_bot(), OrderedDict())
    fingerprint = _fingerprint(text, markup)
    if memory.get(key) == fingerprint:
        memory.move_to_end(key)
        return
    async with unchanged_is_fine():
        await message.edit_text(text, reply_markup=markup)
    memory[key] = fingerprint
    memory.move_to_end(key)
    while len(memory) > _EDITS_KEPT:
        memory.popitem(last=False)


async def answer_stale(update: Update, context: ForumContext) -> None:
    """Answer a press this bot no longer acts on: forged, outdated, or not the presser's."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr(STALE_BUTTON))


def on_press(
    press: type[Press],
    callback: Callable[[Update, ForumContext, Press], Awaitable[None]],
) -> Handler:
    """Route a kind of button to its callback with the parsed press; stale ones are answered."""

    async def route(update: Update, context: ForumContext) -> None:
        query = update.callback_query
        parsed = press.parse(query.data if query else None)
        if parsed is None:
            await answer_stale(update, context)
            return
        await callback(update, context, parsed)

    return CallbackQueryHandler(route, pattern=press.pattern())


Callback: TypeAlias = Callable[[Update, ForumContext], Coroutine[Any, Any, None]]


def commands(only: filters.BaseFilter | None, table: Mapping[str, Callback]) -> list[Handler]:
    """Return a CommandHandler per (command, callback) of the table, all behind one filter."""
    return [CommandHandler(name, callback, filters=only) for name, callback in table.items()]


async def answer_expired(update: Update, context: ForumContext) -> None:
    """Answer a press no feature knows (an old bot's button, or forged): an alert, nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr(EXPIRED_BUTTON), show_alert=True)


def any_press() -> Handler:
    """Return the catch-all for presses no feature took (registered last in group 0)."""
    return CallbackQueryHandler(answer_expired)


def mention(user: User) -> str:
    """Return an HTML mention of a Telegram user, escaped."""
    return f'<a href="tg://user?id={user.id}">{escape(user.full_name)}</a>'
