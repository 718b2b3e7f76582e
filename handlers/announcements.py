"""Organiser announcements: /announce to compose, preview and confirm; /announcements to review.

Thin adapters over ``bot.announcements.service``: the draft and what the organiser is about to
type next live in the database (the latter as this feature's conversation in the awaited-input
engine), so a restart in between loses nothing; the service starts, cancels and finishes
sending.
"""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import Message, Update

from bot.announcements import render
from bot.announcements.model import Announcement, Audience, AudienceKind, Content, Kind, Status
from bot.announcements.render import AnnouncementPress
from bot.announcements.service import FEATURE
from bot.announcements.telegram import send_content
from bot.awaiting.model import Awaited
from bot.callbacks import Rows
from bot.config import Config
from bot.errors import DomainError
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_
from bot.telegram.context import ForumContext
from handlers.awaiting import Conversation
from handlers.common import (
    PRIVATE,
    Handler,
    Periodic,
    commands,
    edit_or_reply,
    keyboard,
    on_press,
    reply,
)

_COMMAND = re.compile(r"^/\S+\s*")

# What the organiser is asked to type after pressing Edit, Send later, A country… or
# Subscribers of a session…: the awaited step and the prompt.
_PROMPTS = {
    "edit": ("body", N_("Send me the new announcement (text, or a photo or document).")),
    "later": ("time", N_("When should it go out? For example <code>tomorrow 08:30</code>.")),
    "country": ("country", N_("Send the country as a two-letter code, like <code>KE</code>.")),
    "session": ("session", N_("Send the session's number.")),
}


def content_of(message: Message, *, strip_command: bool) -> Content | None:
    """Turn a message into announcement content, keeping its formatting; None if empty."""
    if message.photo or message.document:
        caption = message.caption or ""
        body = message.caption_html or ""
        if strip_command:
            caption, body = _COMMAND.sub("", caption), _COMMAND.sub("", body)
        if message.photo:
            return Content(Kind.PHOTO, body, len(caption), message.photo[-1].file_id)
        assert message.document is not None  # checked above
        return Content(Kind.DOCUMENT, body, len(caption), message.document.file_id)
    if not message.text:
        return None
    text, body = message.text, message.text_html
    if strip_command:
        text, body = _COMMAND.sub("", text), _COMMAND.sub("", body)
    if not text.strip():
        return None
    return Content(Kind.TEXT, body, len(text))


async def announce(update: Update, context: ForumContext) -> None:
    """Start a draft from the text after /announce or from the message replied to."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    service = context.runtime.announcements
    service.require_organiser(user.id)
    await service.forget(user.id)
    source = message.reply_to_message
    content = (
        content_of(source, strip_command=False)
        if source is not None
        else content_of(message, strip_command=True)
    )
    if content is None:
        await reply(
            update,
            context.tr(
                "Write the announcement after the command, like "
                "<code>/announce The bus leaves at 8:00</code>, or reply with /announce "
                "to a message (text, photo or document) to announce it."
            ),
        )
        return
    announcement = await service.create_draft(user.id, content)
    await _preview(update, context, announcement, "")


async def _preview(
    update: Update, context: ForumContext, announcement: Announcement, language: str
) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await reply(update, context.tr("Preview — exactly as recipients will see it:"))
    await send_content(context.bot, chat.id, announcement, language)
    text, rows = await _draft(context, announcement)
    await reply(update, text, keyboard(rows))


async def _draft(context: ForumContext, announcement: Announcement) -> tuple[str, Rows]:
    runtime = context.runtime
    size = await runtime.announcements.audience_size(announcement.audience)
    return render.draft(context.tr, announcement, size, runtime.config.tz)


async def pressed(update: Update, context: ForumContext, press: AnnouncementPress) -> None:
    """Handle the draft's buttons, re-checking that the presser is an organiser."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    context.runtime.announcements.require_organiser(user.id)
    try:
        await _act(update, context, press, user.id)
    except DomainError as error:
        # Answered here: a press is answered once, and the reason belongs in its alert.
        await query.answer(error.render(context.tr)[:200], show_alert=True)
        return
    await query.answer()


async def _act(
    update: Update, context: ForumContext, press: AnnouncementPress, user_id: int
) -> None:
    service, tr, aid = context.runtime.announcements, context.tr, press.id
    if press.verb in _PROMPTS:
        what, prompt = _PROMPTS[press.verb]
        await service.expect(user_id, aid, what)
        await reply(update, tr(prompt))
    elif press.verb == "version" and press.arg in LANGUAGES:
        await service.expect(user_id, aid, "version", press.arg)
        language = LANGUAGE_NAMES[press.arg]
        await reply(update, tr("Send me the {language} version.").format(language=language))
    elif press.verb == "version":
        await service.draft(user_id, aid)
        await _edit(update, *render.language_menu(tr, aid))
    elif press.verb == "audience":
        await service.draft(user_id, aid)
        kinds, regions = await service.audience_kinds(), await service.regions()
        await _edit(update, *render.audience_menu(tr, aid, kinds, regions))
    elif press.verb == "set":
        if press.arg not in AudienceKind.__members__.values():
            raise DomainError(N_("That audience is not available for this forum."))
        audience = Audience(AudienceKind(press.arg), press.value or None)
        await _edit(
            update, *await _draft(context, await service.choose_audience(user_id, aid, audience))
        )
    elif press.verb == "now":
        await _edit(update, *await _draft(context, await service.send_now(user_id, aid)))
    elif press.verb == "back":
        await _edit(update, *await _draft(context, await service.draft(user_id, aid)))
    elif press.verb == "ok":
        await _confirm(update, context, aid, user_id)
    elif press.verb == "cancel":
        announcement = await service.cancel(user_id, aid)
        await _edit(update, tr("Announcement #{id} is cancelled.").format(id=announcement.id))


async def _confirm(update: Update, context: ForumContext, aid: int, user_id: int) -> None:
    runtime, tr = context.runtime, context.tr
    announcement = await runtime.announcements.confirm(user_id, aid)
    if announcement.status is Status.SCHEDULED:
        await _edit(update, render.scheduled(tr, announcement, runtime.config.tz))
        return
    await _edit(update, tr("Announcement #{id} is on its way.").format(id=announcement.id))


async def _edit(update: Update, text: str, rows: Rows | None = None) -> None:
    await edit_or_reply(update, text, keyboard(rows or []))


async def content_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Use the organiser's message as the new body or a language version."""
    message = update.effective_message
    if message is None:
        return
    service = context.runtime.announcements
    announcement_id, language = awaited.data["announcement_id"], awaited.data["language"]
    await service.forget(awaited.user_id)
    content = content_of(message, strip_command=False)
    if content is None:
        await service.expect(awaited.user_id, announcement_id, awaited.step, language)
        await reply(update, context.tr("The announcement is empty."))
        return
    if language:
        found = await service.add_version(awaited.user_id, announcement_id, language, content)
    else:
        found = await service.replace_body(awaited.user_id, announcement_id, content)
    await _preview(update, context, found, language)


async def setting_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Use the organiser's message as the send time, the country or the session."""
    message = update.effective_message
    if message is None:
        return
    service = context.runtime.announcements
    announcement_id, text = awaited.data["announcement_id"], (message.text or "").strip()
    await service.forget(awaited.user_id)
    if awaited.step == "time":
        found = await service.schedule(awaited.user_id, announcement_id, text)
    else:
        kind = AudienceKind.COUNTRY if awaited.step == "country" else AudienceKind.SESSION
        value = text.upper() if kind is AudienceKind.COUNTRY else text
        audience = Audience(kind, value)
        found = await service.choose_audience(awaited.user_id, announcement_id, audience)
    draft_text, rows = await _draft(context, found)
    await reply(update, draft_text, keyboard(rows))


async def list_recent(update: Update, context: ForumContext) -> None:
    """List the latest announcements with their figures; the live ones can be cancelled."""
    user = update.effective_user
    if user is None:
        return
    found = await context.runtime.announcements.recent(user.id)
    text, rows = render.recent(context.tr, found, context.runtime.config.tz)
    await reply(update, text, keyboard(rows))


async def fire_due(context: ForumContext) -> None:
    """Start the scheduled announcements whose time has come."""
    await context.runtime.announcements.fire_due()


def jobs(config: Config) -> list[Periodic]:
    """Return the check for scheduled announcements."""
    interval = timedelta(seconds=config.announcements.check_seconds)
    return [Periodic("announcements", fire_due, interval, first=interval)]


def conversation() -> Conversation:
    """Return what an organiser types after a draft's prompt, as an awaited-input conversation."""
    steps = {
        "body": content_answer,
        "version": content_answer,
        "time": setting_answer,
        "country": setting_answer,
        "session": setting_answer,
    }
    return Conversation(FEATURE, steps, media=True)


def handlers() -> list[Handler]:
    """Return the announcement handlers (answers to its prompts come via ``conversation``)."""
    return [
        *commands(PRIVATE, announce, announcements=list_recent),
        on_press(AnnouncementPress, pressed),
    ]
