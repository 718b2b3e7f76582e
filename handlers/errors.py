"""The one error handler: domain errors become replies, anything else is logged and reported."""

from __future__ import annotations

import html
import logging
import traceback

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.errors import DomainError
from bot.i18n import Translator
from bot.telegram.context import ForumContext

logger = logging.getLogger(__name__)

_REPORT_LIMIT = 3500


async def on_error(update: object, context: ForumContext) -> None:
    """Answer the user politely and tell the operators what broke."""
    error = context.error
    if isinstance(error, DomainError):
        await _tell_user(update, context, error.render(await _translator(update, context)))
        return
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_user:
        logger.info("user %s cannot be reached: %s", update.effective_user.id, error.message)
        await context.runtime.participants.mark_blocked(update.effective_user.id)
        return
    logger.error("unhandled error while processing an update", exc_info=error)
    await _tell_user(
        update,
        context,
        context.tr("Sorry, something went wrong on my side. Please try again in a moment."),
    )
    await _report(context, error)


async def _translator(update: object, context: ForumContext) -> Translator:
    """Return the user's translator: an error handler gets a fresh context without one."""
    user = update.effective_user if isinstance(update, Update) else None
    if user is None:
        return context.tr
    return await context.runtime.participants.translator_for(user.id)


async def _tell_user(update: object, context: ForumContext, text: str) -> None:
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer(text[:200], show_alert=True)
                return
            except BadRequest:
                pass  # already answered before the error: say it in the chat instead
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        logger.warning("could not tell the user about an error", exc_info=True)


async def _report(context: ForumContext, error: BaseException | None) -> None:
    chat_id = context.runtime.config.chats.modlog
    if chat_id is None or error is None:
        return
    trace = "".join(traceback.format_exception(error))
    if len(trace) > _REPORT_LIMIT:
        trace = "…" + trace[-_REPORT_LIMIT:]
    text = f"⚠️ <b>forum-bot error</b>\n<pre>{html.escape(trace)}</pre>"
    try:
        await context.bot.send_message(chat_id, text)
    except TelegramError:
        logger.warning("could not report an error to the modlog chat", exc_info=True)
