"""Small helpers every handler module shares: typed context alias, replies, filters."""

from __future__ import annotations

import logging
import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import Any, TypeAlias, TypeVar

from telegram import (
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest, Forbidden
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import CallbackData, Rows
from bot.errors import STALE_BUTTON
from bot.i18n import N_
from bot.participants.service import is_reachable
from bot.telegram.context import ForumContext
from bot.telegram.edits import unchanged_is_fine
from bot.telegram.keyboards import keyboard

Handler: TypeAlias = BaseHandler[Any, ForumContext, Any]
Press = TypeVar("Press", bound=CallbackData)

logger = logging.getLogger(__name__)

__all__ = [
    "PRIVATE",
    "Handler",
    "Periodic",
    "Rows",
    "answer_in_private",
    "answer_press",
    "answer_stale",
    "commands",
    "edit",
    "edit_or_reply",
    "escape",
    "keyboard",
    "on_press",
    "reply",
    "reply_privately",
    "sender_id",
]

EXPIRED_BUTTON = N_("This button has expired.")
CONTINUE_IN_PRIVATE = N_("This continues in our private chat with me.")
CONTINUED_IN_PRIVATE = N_("I have written to you in our private chat.")
# What Telegram accepts after t.me/<bot>?start=
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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
# Keyed by the bot object's identity: bots compare equal by their Telegram id, and two
# applications of one bot (a restart, a test after another) must not share what they edited.
_LAST_EDITS: dict[int, OrderedDict[tuple[int, int], int]] = {}
_EDITS_KEPT = 2048


def _edits_of(bot: object) -> OrderedDict[tuple[int, int], int]:
    key = id(bot)
    memory = _LAST_EDITS.get(key)
    if memory is None:
        memory = _LAST_EDITS[key] = OrderedDict()
        weakref.finalize(bot, _LAST_EDITS.pop, key, None)
    return memory


def _fingerprint(text: str, markup: InlineKeyboardMarkup | None) -> int:
    return hash((text, repr(markup.to_dict()) if markup else None))


async def edit(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace a message's text and buttons, unless it already shows exactly this."""
    shown = message.reply_markup.to_dict() if message.reply_markup else None
    if message.text_html == text and shown == (markup.to_dict() if markup else None):
        return
    key = (message.chat_id, message.message_id)
    memory = _edits_of(message.get_bot())
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
    *,
    elsewhere: Callable[[Update, ForumContext, Press], Awaitable[None]] | None = None,
) -> Handler:
    """Route a kind of button to its callback with the parsed press; stale ones are answered.

    A private press (``CallbackData`` declared ``private=True``) made outside the private chat
    (on a card in a group, or on a message shared inline) never continues there: ``elsewhere``
    carries it on in the presser's private chat when the bot can write to them; otherwise, or
    when there is no ``elsewhere``, the press is answered with a link that opens the private
    chat (``answer_in_private``).
    """

    async def route(update: Update, context: ForumContext) -> None:
        query = update.callback_query
        parsed = press.parse(query.data if query else None)
        if parsed is None:
            await answer_stale(update, context)
            return
        if parsed.private and not _in_private_chat(update):
            # Only someone who started the bot (and did not block it) can be written to; the
            # sender of this very update is known, so nobody is tried on the off chance.
            presser = context.participant
            if elsewhere is not None and presser is not None and is_reachable(presser):
                await elsewhere(update, context, parsed)
            else:
                await answer_in_private(update, context, parsed)
            return
        await callback(update, context, parsed)

    return CallbackQueryHandler(route, pattern=press.pattern())


def _in_private_chat(update: Update) -> bool:
    query = update.callback_query
    return query is not None and query.message is not None and query.message.chat.type == "private"


def start_link(bot_username: str | None, payload: str = "") -> str | None:
    """Return the t.me link that opens the private chat with the bot (``/start payload``)."""
    if not bot_username:
        return None
    if payload and _START_PAYLOAD.match(payload):
        return f"https://t.me/{bot_username}?start={payload}"
    return f"https://t.me/{bot_username}"


async def answer_in_private(
    update: Update, context: ForumContext, press: CallbackData | None = None
) -> None:
    """Answer a press that belongs in the private chat: a short alert, and a link that opens
    the private chat, resuming the press there when it says how (``press.start()``)."""
    query = update.callback_query
    if query is None:
        return
    link = start_link(context.bot.username, press.start() if press else "")
    await query.answer(context.tr(CONTINUE_IN_PRIVATE), show_alert=True, url=link)


async def reply_privately(
    update: Update, context: ForumContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Answer a press made outside the private chat in the presser's private chat, where its
    flow continues; False if Telegram refused (they blocked the bot since)."""
    user = update.effective_user
    if user is None:
        return False
    try:
        await context.bot.send_message(user.id, text, reply_markup=markup)
    except Forbidden:
        await context.runtime.participants.mark_blocked(user.id)
        return False
    return True


Callback: TypeAlias = Callable[[Update, ForumContext], Coroutine[Any, Any, None]]


def commands(
    only: filters.BaseFilter | None, *callbacks: Callback, **named: Callback
) -> list[Handler]:
    """Return a CommandHandler per callback, all behind one filter: each positional callback
    answers the command of its own name, each keyword one the command named by the keyword."""
    table = {callback.__name__: callback for callback in callbacks} | named
    return [CommandHandler(name, callback, filters=only) for name, callback in table.items()]


async def answer_expired(update: Update, context: ForumContext) -> None:
    """Answer a press no feature knows (an old bot's button, or forged): an alert, nothing else."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr(EXPIRED_BUTTON), show_alert=True)


def any_press() -> Handler:
    """Return the catch-all for presses no feature took (registered last in group 0)."""
    return CallbackQueryHandler(answer_expired)


def sender_id(update: Update) -> int:
    """Return the id of the user an update comes from (handlers only route users' updates)."""
    user = update.effective_user
    if user is None:
        raise RuntimeError("update without a user")
    return user.id


async def answer_press(update: Update, text: str | None = None) -> None:
    """Answer the press; one Telegram finds too old to answer (the work is done anyway) is
    only logged."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text)
    except BadRequest as error:
        if "too old" not in error.message.lower() and "invalid" not in error.message.lower():
            raise
        logger.info("a press was answered too late: %s", error.message)


def mention(user: User) -> str:
    """Return an HTML mention of a Telegram user, escaped."""
    return f'<a href="tg://user?id={user.id}">{escape(user.full_name)}</a>'
