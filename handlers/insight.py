"""Insight for organisers: /stats with chart buttons, /stats report, /export; the group counter.

Every command and button re-checks in the service that the user is an organiser. Charts and
documents take a moment to draw, so the chat shows "sending a photo/file" meanwhile and a
button press is answered before the work starts. The group counter sees every message of the
community group (before any other handler, so flood control cannot hide one) and counts it,
keeping neither its text nor its sender.
"""

from __future__ import annotations

from telegram import InputMediaPhoto, Update
from telegram.constants import ChatAction
from telegram.ext import MessageHandler, filters

from bot.insight import render
from bot.insight.render import ChartsPress, ExportPress, ExportsPress, ReportPress
from bot.insight.service import Document, DrawnChart, ExportFormat, ExportKind
from bot.telegram.context import ForumContext
from handlers.common import (
    PRIVATE,
    Handler,
    answer_stale,
    commands,
    escape,
    keyboard,
    on_press,
    reply,
)

# Runs before the core's middleware (-1), so every group message is counted.
COUNTER_GROUP = -2
# Telegram's limit of photos in one album.
ALBUM_LIMIT = 10


async def stats(update: Update, context: ForumContext) -> None:
    """Show an organiser the forum's figures, or send the report for ``/stats report``."""
    user = update.effective_user
    if user is None:
        return
    insight = context.runtime.insight
    insight.require_organiser(user.id)
    argument = " ".join(context.args or []).strip().lower()
    if argument == "report":
        await _send_report(update, context)
        return
    if argument:
        await reply(
            update, context.tr("Send /stats for the figures, or /stats report for the PDF.")
        )
        return
    text, rows = render.stats_message(await insight.sections(user.id, context.tr), context.tr)
    await reply(update, text, keyboard(rows))


async def export(update: Update, context: ForumContext) -> None:
    """Send an export (``/export programme csv``), or the menu of exports."""
    user = update.effective_user
    if user is None:
        return
    context.runtime.insight.require_organiser(user.id)
    words = [word.lower() for word in context.args or []]
    if not words:
        text, rows = render.export_menu(context.tr)
        await reply(update, text, keyboard(rows))
        return
    kind = next((k for k in ExportKind if k.value == words[0]), None)
    fmt = next((f for f in ExportFormat if len(words) > 1 and f.value == words[1]), None)
    if kind is None or len(words) > 2 or (len(words) == 2 and fmt is None):
        await reply(
            update,
            context.tr(
                "Send /export followed by programme, announcements, introductions or "
                "directory, and optionally csv or xlsx, like <code>/export programme csv</code>."
            ),
        )
        return
    await _send_export(update, context, kind, fmt or ExportFormat.XLSX)


async def charts_pressed(update: Update, context: ForumContext, press: ChartsPress) -> None:
    """Send one section's charts."""
    if press.section not in context.runtime.insight.section_keys:
        await answer_stale(update, context)
    elif await _organiser_pressed(update, context):
        await _send_charts(update, context, press.section)


async def report_pressed(update: Update, context: ForumContext, press: ReportPress) -> None:
    """Send the PDF report."""
    if await _organiser_pressed(update, context):
        await _send_report(update, context)


async def exports_pressed(update: Update, context: ForumContext, press: ExportsPress) -> None:
    """Show the exports menu."""
    if await _organiser_pressed(update, context):
        text, rows = render.export_menu(context.tr)
        await reply(update, text, keyboard(rows))


async def export_pressed(update: Update, context: ForumContext, press: ExportPress) -> None:
    """Send one export in the chosen format."""
    kind = next((k for k in ExportKind if k.value == press.kind), None)
    fmt = next((f for f in ExportFormat if f.value == press.format), None)
    if kind is None or fmt is None:
        await answer_stale(update, context)
    elif await _organiser_pressed(update, context):
        await _send_export(update, context, kind, fmt)


async def _organiser_pressed(update: Update, context: ForumContext) -> bool:
    """Check that an organiser pressed, then answer the press before the slow work starts."""
    user = update.effective_user
    if user is None or update.callback_query is None:
        return False
    context.runtime.insight.require_organiser(user.id)
    await update.callback_query.answer()
    return True


async def _send_charts(update: Update, context: ForumContext, key: str) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
    charts = await context.runtime.insight.section_charts(user.id, key, context.tr)
    if not charts:
        await reply(update, context.tr("There is nothing to chart here yet."))
    for start in range(0, len(charts), ALBUM_LIMIT):
        await _send_photos(context, chat.id, charts[start : start + ALBUM_LIMIT])


async def _send_photos(context: ForumContext, chat_id: int, charts: list[DrawnChart]) -> None:
    if len(charts) == 1:
        await context.bot.send_photo(chat_id, charts[0].png, caption=_caption(charts[0]))
        return
    await context.bot.send_media_group(
        chat_id,
        [InputMediaPhoto(chart.png, caption=_caption(chart)) for chart in charts],
    )


def _caption(chart: DrawnChart) -> str:
    return escape(render.cut(chart.title, 1000))


async def _send_report(update: Update, context: ForumContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    document = await context.runtime.insight.report(user.id, context.tr)
    await _send_document(context, chat.id, document, context.tr("The forum's report"))


async def _send_export(
    update: Update, context: ForumContext, kind: ExportKind, fmt: ExportFormat
) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    document = await context.runtime.insight.export(user.id, kind, fmt, context.tr)
    caption = context.tr(render.EXPORT_LABELS[kind.value])
    await _send_document(context, chat.id, document, caption)


async def _send_document(
    context: ForumContext, chat_id: int, document: Document, caption: str
) -> None:
    await context.bot.send_document(
        chat_id, document.data, filename=document.filename, caption=escape(caption)
    )


async def count_message(update: Update, context: ForumContext) -> None:
    """Count a message of the community group, without keeping it or its sender."""
    chat = update.effective_chat
    if chat is not None:
        await context.runtime.insight.count_group_message(chat.id)


def counters() -> list[Handler]:
    """Return the group message counter (registered in ``COUNTER_GROUP``)."""
    return [MessageHandler(filters.ChatType.GROUPS & ~filters.StatusUpdate.ALL, count_message)]


def handlers() -> list[Handler]:
    """Return the organisers' insight handlers."""
    return [
        *commands(PRIVATE, stats, export),
        on_press(ChartsPress, charts_pressed),
        on_press(ReportPress, report_pressed),
        on_press(ExportsPress, exports_pressed),
        on_press(ExportPress, export_pressed),
    ]
