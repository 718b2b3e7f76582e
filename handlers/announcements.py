"""Organiser announcements: /announce to compose, preview and confirm; /announcements to review.

The draft lives in the database, and so does what the organiser is about to type (a new body,
a language version, a send time, a country or session), so a restart in between loses nothing;
a filter over the service's set of awaited organisers lets only their next message reach
``take_input``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.announcements.service import (
    Announcement,
    Audience,
    AudienceKind,
    Content,
    Figures,
    Kind,
    Status,
)
from bot.announcements.telegram import render_figures, send_content
from bot.callbacks import Action
from bot.errors import DomainError
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator, resolve_language, translator
from bot.telegram.context import BotData, ForumContext
from handlers.common import PRIVATE, Buttons, Handler, edit_or_reply, escape, keyboard, reply

logger = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/\S+\s*")


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


def audience_label(tr: Translator, audience: Audience) -> str:
    """Name an audience for the organiser."""
    value = escape(audience.value or "")
    labels = {
        AudienceKind.ALL: tr("everyone"),
        AudienceKind.LANGUAGE: tr("people using {language}").format(
            language=LANGUAGE_NAMES.get(audience.value or "", value)
        ),
        AudienceKind.REGION: tr("participants in the region {region}").format(region=value),
        AudienceKind.COUNTRY: tr("participants from {country}").format(country=value),
        AudienceKind.SESSION: tr("subscribers of session {session}").format(session=value),
        AudienceKind.COMMUNITY: tr("the community group"),
        AudienceKind.CHANNEL: tr("the announcements channel"),
        AudienceKind.STAYING: tr("those who stayed for the next forum"),
    }
    return labels[audience.kind]


class _Awaited(filters.MessageFilter):
    """Messages from organisers who were just asked to type something for a draft."""

    __slots__ = ("_users",)

    def __init__(self, users: set[int]) -> None:
        super().__init__(name="announcements_awaited")
        self._users = users  # the service's live set, kept in step with the database

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return bool(user and user.id in self._users)


class Flow:
    """The /announce conversation of every organiser of one application."""

    async def announce(self, update: Update, context: ForumContext) -> None:
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
        await self._preview(update, context, announcement, "")

    async def _preview(
        self, update: Update, context: ForumContext, announcement: Announcement, language: str
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        await reply(update, context.tr("Preview — exactly as recipients will see it:"))
        await send_content(context.bot, chat.id, announcement, language)
        text, buttons = await render_draft(context, announcement)
        await reply(update, text, keyboard(buttons))

    async def pressed(self, update: Update, context: ForumContext) -> None:
        """Handle the draft's buttons, re-checking that the presser is an organiser."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        action = callbacks.parse(query.data)
        announcement_id = action.int_arg(1) if action else None
        if action is None or announcement_id is None:
            await query.answer(context.tr("This button is no longer valid."))
            return
        context.runtime.announcements.require_organiser(user.id)
        try:
            await self._act(update, context, action, announcement_id)
        except DomainError as error:
            # Answered here: a press is answered once, and the reason belongs in its alert.
            await query.answer(error.render(context.tr)[:200], show_alert=True)
            return
        await query.answer()

    async def _act(
        self, update: Update, context: ForumContext, action: Action, announcement_id: int
    ) -> None:
        user = update.effective_user
        assert user is not None  # checked by pressed
        service, tr = context.runtime.announcements, context.tr
        verb = action.arg(0)
        prompts = {
            "edit": ("body", N_("Send me the new announcement (text, or a photo or document).")),
            "later": (
                "time",
                N_("When should it go out? For example <code>tomorrow 08:30</code>."),
            ),
            "country": (
                "country",
                N_("Send the country as a two-letter code, like <code>KE</code>."),
            ),
            "session": ("session", N_("Send the session's number.")),
        }
        if verb in prompts:
            await service.draft(user.id, announcement_id)
            what, prompt = prompts[verb]
            await service.expect(user.id, announcement_id, what)
            await reply(update, tr(prompt))
        elif verb == "version":
            await service.draft(user.id, announcement_id)
            language = action.arg(2)
            if language in LANGUAGES:
                await service.expect(user.id, announcement_id, f"version:{language}")
                await reply(
                    update,
                    tr("Send me the {language} version.").format(
                        language=LANGUAGE_NAMES[language]
                    ),
                )
            else:
                await _edit(update, *_language_menu(tr, announcement_id))
        elif verb == "audience":
            await service.draft(user.id, announcement_id)
            await _edit(update, *await _audience_menu(context, announcement_id))
        elif verb == "set":
            kind = action.arg(2) or ""
            if kind not in AudienceKind.__members__.values():
                raise DomainError(N_("That audience is not available for this forum."))
            audience = Audience(AudienceKind(kind), action.arg(3))
            announcement = await service.choose_audience(user.id, announcement_id, audience)
            await _edit(update, *await render_draft(context, announcement))
        elif verb == "now":
            announcement = await service.send_now(user.id, announcement_id)
            await _edit(update, *await render_draft(context, announcement))
        elif verb == "back":
            announcement = await service.draft(user.id, announcement_id)
            await _edit(update, *await render_draft(context, announcement))
        elif verb == "ok":
            await self._confirm(update, context, announcement_id)
        elif verb == "cancel":
            await service.forget(user.id)
            announcement = await service.cancel(user.id, announcement_id)
            context.runtime.broadcast.halt(announcement.id)
            await _edit(update, tr("Announcement #{id} is cancelled.").format(id=announcement.id))

    async def _confirm(self, update: Update, context: ForumContext, announcement_id: int) -> None:
        user = update.effective_user
        assert user is not None  # checked by pressed
        runtime, tr = context.runtime, context.tr
        await runtime.announcements.forget(user.id)
        announcement = await runtime.announcements.confirm(user.id, announcement_id)
        if announcement.status is Status.SCHEDULED and announcement.send_at is not None:
            when = announcement.send_at.astimezone(runtime.config.tz).strftime("%Y-%m-%d %H:%M")
            text = tr(
                "Announcement #{id} is scheduled for {time} ({zone}). "
                "/announcements lists it; you can cancel it there."
            ).format(id=announcement.id, time=when, zone=escape(runtime.config.event.timezone))
            await _edit(update, text)
            return
        await _edit(update, tr("Announcement #{id} is on its way.").format(id=announcement.id))
        runtime.broadcast.launch(announcement.id)

    async def take_input(self, update: Update, context: ForumContext) -> None:
        """Use the organiser's message as the body, a version, a time, a country or a session."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        service = context.runtime.announcements
        awaited = await service.forget(user.id)
        if awaited is None:
            return
        await self._use_input(update, context, *awaited)
        # The message answered a prompt: the schedule's free-text search must not answer it too.
        raise ApplicationHandlerStop

    async def _use_input(
        self, update: Update, context: ForumContext, announcement_id: int, what: str
    ) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None and user is not None  # checked by take_input
        service = context.runtime.announcements
        text = (message.text or "").strip()
        if what in ("body",) or what.startswith("version:"):
            content = content_of(message, strip_command=False)
            if content is None:
                await service.expect(user.id, announcement_id, what)
                await reply(update, context.tr("The announcement is empty."))
                return
            language = what.partition(":")[2]
            if language:
                found = await service.add_version(user.id, announcement_id, language, content)
            else:
                found = await service.replace_body(user.id, announcement_id, content)
            await self._preview(update, context, found, language)
            return
        if what == "time":
            found = await service.schedule(user.id, announcement_id, text)
        else:
            kind = AudienceKind.COUNTRY if what == "country" else AudienceKind.SESSION
            value = text.upper() if kind is AudienceKind.COUNTRY else text
            found = await service.choose_audience(user.id, announcement_id, Audience(kind, value))
        draft_text, buttons = await render_draft(context, found)
        await reply(update, draft_text, keyboard(buttons))

    async def list_recent(self, update: Update, context: ForumContext) -> None:
        """List the latest announcements with their figures; the live ones can be cancelled."""
        user = update.effective_user
        if user is None:
            return
        tr = context.tr
        found = await context.runtime.announcements.recent(user.id)
        if not found:
            await reply(update, tr("No announcements yet."))
            return
        lines = [tr("<b>Recent announcements</b>")]
        buttons: list[list[tuple[str, str]]] = []
        for announcement, figures in found:
            lines.append(_summary_line(context, announcement, figures))
            if announcement.status in (Status.SCHEDULED, Status.SENDING):
                label = tr("Cancel #{id}").format(id=announcement.id)
                buttons.append([(label, callbacks.encode("ann", "cancel", announcement.id))])
        await reply(update, "\n\n".join(lines), keyboard(buttons))


def _summary_line(context: ForumContext, announcement: Announcement, figures: Figures) -> str:
    tr = context.tr
    states = {
        Status.DRAFT: tr("draft"),
        Status.SCHEDULED: tr("scheduled"),
        Status.SENDING: tr("sending"),
        Status.DONE: tr("sent"),
        Status.CANCELLED: tr("cancelled"),
    }
    first_line = re.sub(r"<[^>]+>", "", announcement.body_for("")).split("\n", 1)[0][:60]
    head = f"#{announcement.id} · {states[announcement.status]} · " + audience_label(
        tr, announcement.audience
    )
    if announcement.status is Status.SCHEDULED and announcement.send_at is not None:
        zone = context.runtime.config.tz
        head += " · " + announcement.send_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return f"{head}\n<i>{first_line}</i>\n{render_figures(tr, figures)}"


async def render_draft(context: ForumContext, announcement: Announcement) -> tuple[str, Buttons]:
    """Describe a draft and offer its buttons."""
    tr, runtime = context.tr, context.runtime
    size = await runtime.announcements.audience_size(announcement.audience)
    versions = [LANGUAGE_NAMES[code] for code in LANGUAGES if code in announcement.versions]
    if announcement.send_at is not None:
        when = tr("at {time} ({zone})").format(
            time=announcement.send_at.astimezone(runtime.config.tz).strftime("%Y-%m-%d %H:%M"),
            zone=escape(runtime.config.event.timezone),
        )
    else:
        when = tr("as soon as you confirm")
    text = tr(
        "<b>Announcement #{id}</b> (draft)\n"
        "Audience: {audience} — {count} now\n"
        "Language versions: {versions}\n"
        "Sending: {when}"
    ).format(
        id=announcement.id,
        audience=audience_label(tr, announcement.audience),
        count=size,
        versions=", ".join(versions) or tr("none, everyone gets the default"),
        when=when,
    )
    aid = announcement.id
    later = (
        ("later", tr("Send later")) if announcement.send_at is None else ("now", tr("Send now"))
    )
    buttons: Buttons = [
        [
            (tr("Audience"), callbacks.encode("ann", "audience", aid)),
            (tr("Add a language version"), callbacks.encode("ann", "version", aid)),
            (later[1], callbacks.encode("ann", later[0], aid)),
        ],
        [
            (tr("Confirm"), callbacks.encode("ann", "ok", aid)),
            (tr("Edit"), callbacks.encode("ann", "edit", aid)),
            (tr("Cancel"), callbacks.encode("ann", "cancel", aid)),
        ],
    ]
    return text, buttons


def _language_menu(tr: Translator, announcement_id: int) -> tuple[str, Buttons]:
    rows = [
        [(LANGUAGE_NAMES[code], callbacks.encode("ann", "version", announcement_id, code))]
        for code in LANGUAGES
    ]
    rows.append([(tr("Back"), callbacks.encode("ann", "back", announcement_id))])
    return tr("Which language is the version for?"), rows


async def _audience_menu(context: ForumContext, announcement_id: int) -> tuple[str, Buttons]:
    tr = context.tr
    service = context.runtime.announcements
    kinds = await service.audience_kinds()

    def pick(kind: AudienceKind, value: str | None = None) -> str:
        args: list[str | int] = ["set", announcement_id, kind.value]
        if value is not None:
            args.append(value)
        return callbacks.encode("ann", *args)

    rows: list[list[tuple[str, str]]] = [[(tr("Everyone"), pick(AudienceKind.ALL))]]
    rows.append([(LANGUAGE_NAMES[code], pick(AudienceKind.LANGUAGE, code)) for code in LANGUAGES])
    if AudienceKind.REGION in kinds:
        regions = await service.store.regions()
        if regions:
            rows.append([(region, pick(AudienceKind.REGION, region)) for region in regions[:6]])
        rows.append([(tr("A country…"), callbacks.encode("ann", "country", announcement_id))])
    if AudienceKind.SESSION in kinds:
        rows.append(
            [
                (
                    tr("Subscribers of a session…"),
                    callbacks.encode("ann", "session", announcement_id),
                )
            ]
        )
    if AudienceKind.COMMUNITY in kinds:
        rows.append([(tr("The community group"), pick(AudienceKind.COMMUNITY))])
    if AudienceKind.CHANNEL in kinds:
        rows.append([(tr("The announcements channel"), pick(AudienceKind.CHANNEL))])
    if AudienceKind.STAYING in kinds:
        rows.append([(tr("Those who stayed for the next forum"), pick(AudienceKind.STAYING))])
    rows.append([(tr("Back"), callbacks.encode("ann", "back", announcement_id))])
    return tr("Who should receive it?"), rows


async def _edit(update: Update, text: str, buttons: Buttons | None = None) -> None:
    await edit_or_reply(update, text, keyboard(buttons or []))


async def fire_due(context: ForumContext) -> None:
    """Start the scheduled announcements whose time has come (a periodic job)."""
    runtime = context.runtime
    for announcement_id in await runtime.announcements.due():
        await runtime.announcements.start(announcement_id)
        runtime.broadcast.launch(announcement_id)


async def startup(application: Application[Any, ForumContext, Any, Any, BotData, Any]) -> None:
    """Resume interrupted announcements and start the schedule check (from post_init)."""
    runtime = application.bot_data.runtime
    if runtime is None:
        raise RuntimeError("application has no runtime")
    await runtime.announcements.load_inputs()

    async def translator_for(user_id: int) -> Translator:
        participant = await runtime.participants.get(user_id)
        if participant is None:
            return translator(runtime.config.event.default_language)
        return translator(resolve_language(participant.language, participant.telegram_language))

    resumed = await runtime.broadcast.begin(application.bot, runtime.outbound, translator_for)
    if resumed:
        logger.info("resumed %d announcement(s) in progress", len(resumed))
    if application.job_queue is None:
        logger.warning("no job queue: scheduled announcements will not be sent")
        return
    application.job_queue.run_repeating(
        fire_due, interval=runtime.config.announcements.check_seconds, name="announcements"
    )


def handlers(awaiting: set[int]) -> list[Handler]:
    """Return the announcement handlers; ``awaiting`` is ``runtime.announcements.awaiting``."""
    flow = Flow()
    return [
        CommandHandler("announce", flow.announce, filters=PRIVATE),
        CommandHandler("announcements", flow.list_recent, filters=PRIVATE),
        CallbackQueryHandler(flow.pressed, pattern=r"^ann:"),
        MessageHandler(
            PRIVATE
            & _Awaited(awaiting)
            & ~filters.COMMAND
            & (filters.TEXT | filters.PHOTO | filters.Document.ALL),
            flow.take_input,
        ),
    ]
