"""The Mini App in the chat: the menu button in each participant's language, and the
"Open programme" buttons on session cards and day views (private chats only: Telegram allows
``web_app`` buttons nowhere else)."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import TypeHandler

from bot.i18n import N_
from bot.telegram.context import ForumContext
from bot.web.telegram import menu_button, programme_url
from handlers.common import Handler

logger = logging.getLogger(__name__)

# After every feature's group: a reply is never delayed by this.
MENU_GROUP = 50
OPEN_PROGRAMME = N_("🗓 Open programme")


async def follow_language(update: Update, context: ForumContext) -> None:
    """Set the private chat's menu button in the user's language when it is not yet."""
    runtime = context.runtime
    chat = update.effective_chat
    if (
        runtime.web is None
        or chat is None
        or chat.type != "private"
        or context.participant is None
    ):
        return
    language = context.tr.language
    if not programme_url(runtime.config) or not runtime.web.menu_needs(chat.id, language):
        return
    try:
        await context.bot.set_chat_menu_button(
            chat_id=chat.id, menu_button=menu_button(runtime.config, language)
        )
    except TelegramError as error:
        # A convenience: the programme stays one command away.
        logger.info("could not set the menu button of %s: %s", chat.id, error.message)
        return
    await runtime.web.menu_set(chat.id, language)


def with_programme_button(
    update: Update,
    context: ForumContext,
    markup: InlineKeyboardMarkup | None,
    *,
    session: str | None = None,
    day: str | None = None,
) -> InlineKeyboardMarkup | None:
    """Add an "Open programme" row to ``markup`` in private chats when the Mini App is served."""
    chat = update.effective_chat
    url = programme_url(context.runtime.config, session=session, day=day)
    if not url or chat is None or chat.type != "private":
        return markup
    row = [InlineKeyboardButton(context.tr(OPEN_PROGRAMME), web_app=WebAppInfo(url))]
    rows = [list(r) for r in markup.inline_keyboard] if markup else []
    return InlineKeyboardMarkup([*rows, row])


def handlers() -> list[Handler]:
    """Return the menu-button follower (group ``MENU_GROUP``)."""
    return [TypeHandler(Update, follow_language)]
