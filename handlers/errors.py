"""The one error handler: domain errors become replies, anything else is logged and reported."""

from __future__ import annotations

import logging
import traceback
from html import escape

from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.errors import DomainError
from bot.i18n import N_, Translator, translator
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
    await _report(update, context, error)


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


_OWN_PACKAGES = ("bot", "handlers", "storage")
_FRAMES_SHOWN = 12


def _where(filename: str) -> str:
    """Return a source path from its package on (``bot/app.py``), never the machine's folders."""
    parts = filename.replace("\\", "/").split("/")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in (*_OWN_PACKAGES, "telegram", "aiosqlite", "httpx", "asyncio"):
            return "/".join(parts[index:])
    return parts[-1]


def _is_own(frame: traceback.FrameSummary) -> bool:
    return _where(frame.filename).split("/", 1)[0] in _OWN_PACKAGES


def _what(update: object) -> str:
    """Say what the bot was doing, without any of its content."""
    if not isinstance(update, Update):
        return N_("in a background job")
    if update.callback_query is not None:
        return N_("while answering a button press")
    if update.inline_query is not None:
        return N_("while answering an inline query")
    if update.effective_message is not None:
        return N_("while answering a message")
    return N_("while handling an update")


def error_report(update: object, error: BaseException, held_back: int, tr: Translator) -> str:
    """Describe an internal error for the operators: its type and where it happened.

    The exception's message and the update are left out: either may quote what a user
    wrote, and the operators' chat is no place for it. The traceback names only code.
    """
    frames = traceback.extract_tb(error.__traceback__)[-_FRAMES_SHOWN:]
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    lines = [
        tr("⚠️ <b>forum-bot error</b> {what}: <code>{name}</code>").format(
            what=escape(tr(_what(update))), name=escape(name)
        )
    ]
    if held_back:
        lines.append(
            tr.plural(
                "It also happened {count} more time in the last hour.",
                "It also happened {count} more times in the last hour.",
                held_back,
            ).format(count=held_back)
        )
    trace = "\n".join(
        f"{_where(frame.filename)}:{frame.lineno} in {frame.name}"
        + (f"\n    {frame.line}" if frame.line and _is_own(frame) else "")
        for frame in frames
    )
    lines.append(f"<pre>{escape(trace[-_REPORT_LIMIT:])}</pre>")
    return "\n".join(lines)


def error_key(error: BaseException) -> str:
    """Return what makes an error distinct: its type and the bot's own frames it passed."""
    frames = traceback.extract_tb(error.__traceback__)
    own = [frame for frame in frames if _is_own(frame)] or frames[-1:]
    places = ",".join(f"{_where(f.filename)}:{f.lineno}" for f in own)
    return f"{type(error).__module__}.{type(error).__qualname__}@{places}"


async def _report(update: object, context: ForumContext, error: BaseException | None) -> None:
    runtime = context.runtime
    chat_id = runtime.config.chats.modlog
    if chat_id is None or error is None:
        return
    held_back = runtime.error_reports.due(error_key(error), runtime.clock())
    if held_back is None:
        return
    tr = translator(runtime.config.event.default_language)
    try:
        await context.bot.send_message(chat_id, error_report(update, error, held_back, tr))
    except TelegramError:
        logger.warning("could not report an error to the modlog chat", exc_info=True)
