"""The programme in Telegram: day lists, session cards, questions, calendar files, reloads.

Commands answer in private chat, and in groups when addressed (``/today@bot``); free-text
questions are answered in private chat and, in groups, when the bot is mentioned or replied
to. Organisers reload the programme by sending a schedule file in private chat: the bot
shows what would change and swaps only on Confirm. The pending upload is not stored: the
preview message replies to the uploaded document, so Confirm downloads it again by its
file_id (surviving a restart) and checks it is the very file previewed.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.errors import DomainError
from bot.numbers import parse_int
from bot.schedule import render
from bot.schedule.importers import MAX_FILE_BYTES, ScheduleError
from bot.schedule.model import Programme, Session
from bot.schedule.render import ApplyUpload, CalendarPress, CancelUpload, DayPress, SessionPress
from bot.schedule.service import NO_PROGRAMME, digest
from bot.telegram.context import ForumContext
from handlers.common import (
    ADDRESSED,
    PRIVATE,
    Handler,
    answer_stale,
    commands,
    edit,
    escape,
    keyboard,
    on_press,
    reply,
)
from handlers.web import with_programme_button

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = MAX_FILE_BYTES
INLINE_PAGE = 50
MAX_INLINE_OFFSET = 100_000
FREE_TEXT_GROUP = 10  # after every feature's conversations in group 0, so those win


# --- helpers ---------------------------------------------------------------------------------


def _programme(context: ForumContext) -> Programme:
    programme = context.runtime.schedule.programme
    if programme is None:
        raise DomainError(NO_PROGRAMME)
    return programme


def _view(context: ForumContext) -> render.View:
    config = context.runtime.config
    participant = context.participant
    return render.make_view(
        context.tr,
        place=config.schedule.place_label(config.event.timezone),
        event_zone=config.event.timezone,
        user_zone=participant.timezone if participant else None,
        bot_username=context.bot.username,
    )


def _per_page(context: ForumContext) -> int:
    return context.runtime.config.schedule.sessions_per_page


def _is_organiser(update: Update, context: ForumContext) -> bool:
    user = update.effective_user
    return user is not None and context.runtime.config.is_organiser(user.id)


def _words(context: ForumContext) -> str:
    return " ".join(context.args or []).strip()[:200]


async def _card(update: Update, context: ForumContext, session: Session) -> None:
    text = render.session_card(session, _programme(context), _view(context))
    rows = render.card_buttons(session, context.tr, now=context.runtime.clock())
    rows += render.feature_rows(
        context.runtime.session_buttons, session, context.tr, compact=False
    )
    markup = keyboard(rows)
    await reply(update, text, with_programme_button(update, context, markup, session=session.id))


# --- days ------------------------------------------------------------------------------------


async def _send_day(update: Update, context: ForumContext, day: date, page: int = 0) -> None:
    programme = _programme(context)
    view = _view(context)
    if day not in programme.days:
        text = render.day_outside(programme, day, view)
        await reply(update, text, keyboard(render.day_picker(programme, view.language)))
        return
    text, page, pages = render.day_page(programme, day, page, view, _per_page(context))
    markup = keyboard(render.day_buttons(day, page, pages, context.tr))
    await reply(update, text, with_programme_button(update, context, markup, day=day.isoformat()))


async def show_today(update: Update, context: ForumContext) -> None:
    """Show today's programme."""
    _programme(context)
    await _send_day(update, context, context.runtime.schedule.today())


async def show_tomorrow(update: Update, context: ForumContext) -> None:
    """Show tomorrow's programme."""
    _programme(context)
    await _send_day(update, context, context.runtime.schedule.today() + timedelta(days=1))


async def show_day_picker(update: Update, context: ForumContext) -> None:
    """Offer the forum's days as buttons."""
    programme = _programme(context)
    picker = render.day_picker(programme, context.tr.language)
    await reply(update, context.tr("Choose a day:"), keyboard(picker))


async def day_pressed(update: Update, context: ForumContext, press: DayPress) -> None:
    """Show a day, or another page of it, from a button."""
    query = update.callback_query
    day = press.date
    programme = context.runtime.schedule.programme
    if query is None or day is None or programme is None or day not in programme.days:
        await answer_stale(update, context)
        return
    await query.answer()
    view = _view(context)
    text, page, pages = render.day_page(programme, day, press.page, view, _per_page(context))
    markup = keyboard(render.day_buttons(day, page, pages, context.tr))
    markup = with_programme_button(update, context, markup, day=day.isoformat())
    message = query.message
    if isinstance(message, Message) and message.from_user and message.from_user.is_bot:
        await edit(message, text, markup)
    else:
        await reply(update, text, markup)


# --- now, next, one session ------------------------------------------------------------------


async def show_now(update: Update, context: ForumContext) -> None:
    """Show what is running now (or what comes next)."""
    programme = _programme(context)
    now = context.runtime.clock()
    # The "now running" message carries each running session's "Ask a question" button; a
    # reply to it is a question to that session (handlers/questions.py).
    rows = [
        row
        for session in programme.running_at(now)[:8]
        for row in render.feature_rows(
            context.runtime.session_buttons, session, context.tr, compact=True
        )
    ]
    text = render.now_text(programme, now, _view(context), _per_page(context))
    await reply(update, text, keyboard(rows))


async def show_next(update: Update, context: ForumContext) -> None:
    """Show the sessions that start next."""
    programme = _programme(context)
    now = context.runtime.clock()
    await reply(update, render.next_text(programme, now, _view(context), _per_page(context)))


async def show_session(update: Update, context: ForumContext) -> None:
    """Show one session's card: /session 12."""
    programme = _programme(context)
    wanted = _words(context)
    if not wanted:
        await reply(
            update, context.tr("Send the session's number, e.g. <code>/session 12</code>.")
        )
        return
    session = programme.session_by_id(wanted)
    if session is None:
        await _search_reply(update, context, wanted)
        return
    await _card(update, context, session)


async def session_pressed(update: Update, context: ForumContext, press: SessionPress) -> None:
    """Show the card of a session chosen by button."""
    query = update.callback_query
    programme = context.runtime.schedule.programme
    session = programme.session_by_id(press.session) if programme else None
    if query is None or session is None:
        await answer_stale(update, context)
        return
    await query.answer()
    await _card(update, context, session)


# --- search, speakers, rooms -----------------------------------------------------------------


async def search(update: Update, context: ForumContext) -> None:
    """Search titles, descriptions, speakers and rooms: /search procurement."""
    _programme(context)
    words = _words(context)
    if not words:
        await reply(
            update, context.tr("Send a word to look for, e.g. <code>/search transparency</code>.")
        )
        return
    await _search_reply(update, context, words)


async def _search_reply(update: Update, context: ForumContext, words: str) -> None:
    programme = _programme(context)
    found = await context.runtime.schedule.search(words, limit=50)
    tr = context.tr
    if not found:
        text = tr("I found no session for <b>{words}</b>. Try another word, or /schedule.")
        await reply(update, text.format(words=escape(words)))
        return
    if len(found) == 1:
        await _card(update, context, found[0])
        return
    heading = tr("<b>Sessions about {words}</b>").format(words=escape(words))
    view = _view(context)
    text = render.session_list(heading, found, programme, view, _per_page(context))
    await reply(update, text, keyboard(render.choice_buttons(found, programme, view.language)))


async def show_speaker(update: Update, context: ForumContext) -> None:
    """Show a speaker's sessions: /speaker Souza; without a name, list the speakers."""
    await _show_named(update, context, "speaker")


async def show_room(update: Update, context: ForumContext) -> None:
    """Show a room's sessions: /room Rhein; without a name, list the rooms."""
    await _show_named(update, context, "room")


async def _show_named(update: Update, context: ForumContext, kind: render.Named) -> None:
    programme, schedule = _programme(context), context.runtime.schedule
    name = _words(context)
    found = (schedule.find_speaker if kind == "speaker" else schedule.find_room)(name)
    if found is None or not name:
        await reply(update, render.named_choices(context.tr, kind, name, programme))
        return
    sessions = programme.by_speaker(found) if kind == "speaker" else programme.in_room(found)
    heading = render.named_heading(context.tr, kind, found)
    view, per_page = _view(context), _per_page(context)
    await reply(update, render.session_list(heading, sessions, programme, view, per_page))


# --- calendar files --------------------------------------------------------------------------


async def offer_calendars(update: Update, context: ForumContext) -> None:
    """Offer a calendar file per day and for the whole programme."""
    programme = _programme(context)
    text = context.tr("Which calendar file do you want?")
    await reply(update, text, keyboard(render.calendar_picker(programme, context.tr)))


async def calendar_pressed(update: Update, context: ForumContext, press: CalendarPress) -> None:
    """Send the .ics of a session, a day or the whole programme."""
    query = update.callback_query
    programme = context.runtime.schedule.programme
    if query is None or programme is None:
        await answer_stale(update, context)
        return
    schedule, language = context.runtime.schedule, context.tr.language
    day = render.parse_day_code(press.arg)
    if press.kind == "s" and programme.session_by_id(press.arg):
        await query.answer()
        await _send_session_ics(update, context, press.arg)
    elif press.kind == "d" and day is not None and day in programme.days:
        await query.answer()
        data = await schedule.day_ics(day, language)
        await _send_ics(update, data, f"programme-{day.isoformat()}.ics")
    elif press.kind == "all":
        await query.answer()
        await _send_ics(update, await schedule.programme_ics(language), "programme.ics")
    else:
        await answer_stale(update, context)


async def _send_session_ics(update: Update, context: ForumContext, session_id: str) -> None:
    programme = _programme(context)
    session = programme.session_by_id(session_id)
    if session is None:
        await reply(update, context.tr("There is no session {id}.").format(id=escape(session_id)))
        return
    data = await context.runtime.schedule.session_ics(session, context.tr.language)
    await _send_ics(update, data, f"session-{session.id}.ics")


async def _send_ics(update: Update, data: bytes, filename: str) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_document(document=data, filename=filename)


# --- deep links and free text ----------------------------------------------------------------


async def open_deep_link(update: Update, context: ForumContext) -> None:
    """Open a session card (``/start s_12``) or send its calendar file (``/start ics_12``)."""
    payload = context.args[0] if context.args else ""
    kind, _, session_id = payload.partition("_")
    if kind == "ics":
        await _send_session_ics(update, context, session_id)
        return
    session = _programme(context).session_by_id(session_id)
    if session is None:
        await reply(update, context.tr("There is no session {id}.").format(id=escape(session_id)))
        return
    await _card(update, context, session)


class _AddressedInGroup(filters.MessageFilter):
    """Group messages that mention the bot by @username or reply to one of its messages."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        replied = message.reply_to_message
        if (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.id == bot.id
        ):
            return True
        username = bot.username
        return bool(username) and f"@{username.lower()}" in (message.text or "").lower()


MENTIONED = _AddressedInGroup(name="mentions_bot")


async def answer_question(update: Update, context: ForumContext) -> None:
    """Answer a free-text question about the programme, in any of the five languages."""
    message = update.effective_message
    if message is None or not message.text:
        return
    text = message.text
    if context.bot.username:
        text = text.replace(f"@{context.bot.username}", " ")
    answer = await context.runtime.schedule.understand(text, context.tr.language)
    if answer is None:
        raise DomainError(NO_PROGRAMME)
    view = _view(context)
    reply_text, rows = render.render_answer(
        answer, _programme(context), view, _per_page(context), now=context.runtime.clock()
    )
    await reply(update, reply_text, keyboard(rows))


# --- inline mode -----------------------------------------------------------------------------


async def inline_search(update: Update, context: ForumContext) -> None:
    """Offer matching sessions (or the next ones) to share in any chat, 50 a page."""
    inline = update.inline_query
    programme = context.runtime.schedule.programme
    if inline is None:
        return
    if programme is None:
        await inline.answer([], cache_time=10, is_personal=True)
        return
    # The offset comes back from the client as typed: anything but one we could have sent
    # (a multiple of the page below the programme's size) starts from the top.
    offset = parse_int(inline.offset, high=MAX_INLINE_OFFSET) or 0
    words = inline.query.strip()[:200]
    if words:
        found = await context.runtime.schedule.search(words, limit=offset + INLINE_PAGE + 1)
    else:
        now = context.runtime.clock()
        found = [s for s in programme.sessions if s.end > now]
    page = found[offset : offset + INLINE_PAGE]
    more = len(found) > offset + INLINE_PAGE
    view = _view(context)
    results = [_inline_result(session, programme, view) for session in page]
    await inline.answer(
        results,
        cache_time=30,
        is_personal=True,
        next_offset=str(offset + INLINE_PAGE) if more else None,
    )


def _inline_result(
    session: Session, programme: Programme, view: render.View
) -> InlineQueryResultArticle:
    tr = view.tr
    when = render.start_label(session, programme, view.language)
    link = render.deep_link(view, f"s_{session.id}")
    markup = (
        InlineKeyboardMarkup([[InlineKeyboardButton(tr("Open in the bot"), url=link)]])
        if link
        else None
    )
    return InlineQueryResultArticle(
        id=session.guid[:64],
        title=render.clip(session.title_in(view.language), 200),
        description=render.clip(f"{when} {view.place} · {session.room}", 200),
        input_message_content=InputTextMessageContent(
            render.session_card(session, programme, view), parse_mode=ParseMode.HTML
        ),
        reply_markup=markup,
    )


# --- reloading the programme -----------------------------------------------------------------


async def receive_schedule(update: Update, context: ForumContext) -> None:
    """Validate a schedule file an organiser sent and show what it would change."""
    message = update.effective_message
    document = message.document if message else None
    if message is None or document is None:
        return
    tr = context.tr
    if not _is_organiser(update, context):
        await reply(update, tr("Thank you! Only the organisers can load a new programme, though."))
        return
    if (document.file_size or 0) > MAX_UPLOAD_BYTES:
        await reply(update, tr("This file is too large for a programme (2 MB at most)."))
        return
    # Telegram may leave file_size out; then the downloaded bytes are measured instead.
    data = bytes(await (await document.get_file()).download_as_bytearray())
    if len(data) > MAX_UPLOAD_BYTES:
        await reply(update, tr("This file is too large for a programme (2 MB at most)."))
        return
    filename = (document.file_name or "schedule")[:100]
    try:
        programme = context.runtime.schedule.parse(data, filename)
    except ScheduleError as error:
        await reply(update, render.problems_text(error.problems, tr))
        return
    preview = context.runtime.schedule.preview(programme)
    view = _view(context)
    confirm = ApplyUpload(digest=digest(data), base=preview.base).encode()
    rows = [[(tr("✅ Apply"), confirm), (tr("✖️ Cancel"), CancelUpload().encode())]]
    await message.reply_html(
        render.diff_text(preview.changes, programme, view),
        reply_markup=keyboard(rows),
        do_quote=True,
    )


async def confirm_pressed(update: Update, context: ForumContext, press: ApplyUpload) -> None:
    """Apply the previewed upload, after checking who pressed and that nothing moved since."""
    query = update.callback_query
    if query is None:
        return
    tr = context.tr
    if not _is_organiser(update, context):
        await query.answer(tr("Only the organisers can load a new programme."), show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    upload = message.reply_to_message if message else None
    document = upload.document if upload else None
    if message is None or document is None:
        await answer_stale(update, context)
        return
    service = context.runtime.schedule
    if press.base != service.fingerprint:
        await query.answer()
        await edit(
            message, tr("The live programme changed meanwhile; please send the file again.")
        )
        return
    data = bytes(await (await document.get_file()).download_as_bytearray())
    if digest(data) != press.digest:
        await answer_stale(update, context)
        return
    try:
        programme = service.parse(data, document.file_name or "schedule")
    except ScheduleError:
        await answer_stale(update, context)
        return
    await query.answer()
    changes = await service.replace(programme)
    text = tr("Done: the new programme is live ({sessions} sessions).").format(
        sessions=len(programme.sessions)
    )
    if not changes.is_empty:
        text += "\n" + tr("{added} added, {removed} removed, {changed} changed.").format(
            added=len(changes.added),
            removed=len(changes.removed),
            changed=len(changes.changed_guids()),
        )
    await edit(message, text)


async def cancel_pressed(update: Update, context: ForumContext, press: CancelUpload) -> None:
    """Drop the previewed upload."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if _is_organiser(update, context) and isinstance(query.message, Message):
        await edit(query.message, context.tr("Cancelled: the live programme is unchanged."))


# --- registration ----------------------------------------------------------------------------

_SCHEDULE_FILE = (
    filters.Document.FileExtension("json")
    | filters.Document.FileExtension("csv")
    | filters.Document.FileExtension("toml")
)
_TEXT = filters.TEXT & ~filters.COMMAND


def deep_links() -> list[Handler]:
    """Return the ``/start s_<id>`` handler, to be registered before the core ``/start``."""
    return [
        CommandHandler(
            "start", open_deep_link, filters=PRIVATE & filters.Regex(r"^/start (s|ics)_")
        )
    ]


def handlers() -> list[Handler]:
    """Return the schedule commands, buttons, uploads and inline mode (group 0)."""
    return [
        *commands(
            ADDRESSED,
            search,
            today=show_today,
            tomorrow=show_tomorrow,
            schedule=show_day_picker,
            now=show_now,
            next=show_next,
            session=show_session,
            speaker=show_speaker,
            room=show_room,
            ics=offer_calendars,
        ),
        on_press(DayPress, day_pressed),
        on_press(SessionPress, session_pressed),
        on_press(CalendarPress, calendar_pressed),
        on_press(ApplyUpload, confirm_pressed),
        on_press(CancelUpload, cancel_pressed),
        MessageHandler(PRIVATE & _SCHEDULE_FILE, receive_schedule),
        InlineQueryHandler(inline_search),
    ]


def free_text() -> list[Handler]:
    """Return the free-text question handlers (group ``FREE_TEXT_GROUP``)."""
    return [
        MessageHandler(PRIVATE & _TEXT, answer_question),
        MessageHandler(filters.ChatType.GROUPS & _TEXT & MENTIONED, answer_question),
    ]


__all__ = ["FREE_TEXT_GROUP", "deep_links", "free_text", "handlers"]
