"""Personal agenda: /remind, /unremind, /agenda, /calendar, /settings and their buttons."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update

from bot.callbacks import Rows
from bot.config import Config
from bot.i18n import N_
from bot.numbers import parse_int
from bot.reminders import render
from bot.reminders.render import RemindPress, SettingsPress, ShowPress, UnremindPress
from bot.telegram.context import ForumContext
from handlers.common import (
    PRIVATE,
    Handler,
    Periodic,
    answer_stale,
    commands,
    edit_or_reply,
    keyboard,
    on_press,
    reply,
)


def _zone(context: ForumContext) -> str:
    return context.runtime.participants.zone_of(context.participant)


def _user_zone(context: ForumContext) -> str | None:
    return context.participant.timezone if context.participant else None


async def remind(update: Update, context: ForumContext) -> None:
    """Add a session to the user's agenda from /remind 12."""
    await _follow(update, context, following=True)


async def unremind(update: Update, context: ForumContext) -> None:
    """Remove a session from the user's agenda from /unremind 12."""
    await _follow(update, context, following=False)


_USAGE = {
    True: N_("Send the session's number: <code>/remind 12</code>."),
    False: N_("Send the session's number: <code>/unremind 12</code>."),
}


async def _follow(update: Update, context: ForumContext, *, following: bool) -> None:
    user = update.effective_user
    if user is None:
        return
    if not context.args:
        await reply(update, context.tr(_USAGE[following]))
        return
    session, changed = await context.runtime.reminders.follow(
        user.id, context.args[0], following=following
    )
    title = session.title_in(context.tr.language)
    await reply(update, render.follow_answer(context.tr, title, following, changed))


async def toggle_pressed(
    update: Update, context: ForumContext, press: RemindPress | UnremindPress
) -> None:
    """Follow or stop following a session from a button."""
    await _toggle(update, context, press, elsewhere=False)


async def toggle_pressed_elsewhere(
    update: Update, context: ForumContext, press: RemindPress | UnremindPress
) -> None:
    """Follow or stop following a session from a card in a group: only the presser is told,
    and the card keeps the buttons everyone sees."""
    await _toggle(update, context, press, elsewhere=True)


async def _toggle(
    update: Update,
    context: ForumContext,
    press: RemindPress | UnremindPress,
    *,
    elsewhere: bool,
) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    following = isinstance(press, RemindPress)
    session, changed = await context.runtime.reminders.follow(
        user.id, press.session, following=following
    )
    title = session.title_in(context.tr.language)
    text = render.follow_answer(context.tr, title, following, changed)
    await query.answer(render.strip_tags(text)[:200], show_alert=elsewhere)
    if not elsewhere:
        now = context.runtime.clock()
        await _swap_pressed(update, render.toggle_button(context.tr, session, following, now=now))


async def _swap_pressed(update: Update, toggle: tuple[str, str] | None) -> None:
    """Show the pressed button as ``toggle`` (or drop it), the message's other buttons (a
    card's calendar, questions and Mini App buttons, a reminder's "Open session") as they were."""
    # editMessageText rather than editMessageReplyMarkup: with Defaults(parse_mode) PTB 22
    # adds parse_mode to the latter, which the Bot API does not define for it.
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or query.message.text is None:
        return
    markup = query.message.reply_markup
    swapped = [
        [
            InlineKeyboardButton(toggle[0], callback_data=toggle[1])
            if toggle and button.callback_data == query.data
            else button
            for button in row
            if toggle or button.callback_data != query.data
        ]
        for row in (markup.inline_keyboard if markup else ())
    ]
    rows = [row for row in swapped if row]
    await edit_or_reply(
        update, query.message.text_html, InlineKeyboardMarkup(rows) if rows else None
    )


async def show_session(update: Update, context: ForumContext, press: ShowPress) -> None:
    """Show a session's details with the remind / stop button (from a reminder)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    reminders = context.runtime.reminders
    session = reminders.session(press.session)
    await query.answer()
    text = render.session_text(
        context.tr, session, event_zone=reminders.event_zone, user_zone=_user_zone(context)
    )
    following = await reminders.is_following(user.id, session)
    rows = render.toggle_buttons(context.tr, session, following, now=reminders.clock())
    await reply(update, text, keyboard(rows))


async def agenda(update: Update, context: ForumContext) -> None:
    """Show the user's sessions in their zone, overlapping ones marked."""
    user = update.effective_user
    if user is None:
        return
    reminders = context.runtime.reminders
    items = await reminders.agenda(user.id)
    lead = reminders.lead_of(await reminders.settings(user.id))
    await reply(
        update, render.agenda_text(context.tr, items, zone=_zone(context), lead_minutes=lead)
    )


async def calendar(update: Update, context: ForumContext) -> None:
    """Send the user's agenda as an .ics file with alarms at their lead time."""
    user = update.effective_user
    message = update.effective_message
    if user is None or message is None:
        return
    runtime = context.runtime
    data = await runtime.reminders.calendar(
        user.id, name=runtime.config.event.name, language=context.tr.language
    )
    if data is None:
        await reply(
            update, render.agenda_text(context.tr, [], zone=_zone(context), lead_minutes=0)
        )
        return
    caption = context.tr("Your agenda: open the file to add it to your calendar.")
    await message.reply_document(InputFile(data, filename="agenda.ics"), caption=caption)


async def settings(update: Update, context: ForumContext) -> None:
    """Show the reminder settings with their buttons."""
    user = update.effective_user
    if user is None:
        return
    text, rows = await _settings_view(context, user.id)
    await reply(update, text, keyboard(rows))


async def _settings_view(context: ForumContext, user_id: int) -> tuple[str, Rows]:
    reminders = context.runtime.reminders
    current = await reminders.settings(user_id)
    lead = reminders.lead_of(current)
    text = render.settings_text(context.tr, current, lead=lead, zone=_zone(context))
    return text, render.settings_buttons(context.tr, current, lead=lead)


async def settings_pressed(update: Update, context: ForumContext, press: SettingsPress) -> None:
    """Apply a settings button: a lead time, every plenary on or off, a digest hour or off."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    reminders = context.runtime.reminders
    value = parse_int(press.value, high=999)
    if press.what == "lead" and value is not None:
        await reminders.set_lead(user.id, value)
    elif press.what == "plen" and value in (0, 1):
        await reminders.set_all_plenaries(user.id, bool(value))
    elif press.what == "dig" and (value is not None or press.value == "off"):
        await reminders.set_digest_hour(user.id, value)
    else:
        await answer_stale(update, context)
        return
    await query.answer(context.tr("Saved."))
    text, rows = await _settings_view(context, user.id)
    await edit_or_reply(update, text, keyboard(rows))


def jobs(config: Config) -> list[Periodic]:
    """Return the dispatcher's round: at start, then every few seconds."""
    interval = timedelta(seconds=config.reminders.dispatch_interval_seconds)
    return [Periodic("reminders", dispatch_tick, interval)]


async def dispatch_tick(context: ForumContext) -> None:
    """Send the reminders, notices and posts that are due."""
    await context.runtime.reminder_dispatch.run()


def handlers() -> list[Handler]:
    """Return the agenda and reminder handlers."""
    return [
        *commands(PRIVATE, remind, unremind, agenda, calendar, settings),
        on_press(RemindPress, toggle_pressed, elsewhere=toggle_pressed_elsewhere),
        on_press(UnremindPress, toggle_pressed, elsewhere=toggle_pressed_elsewhere),
        on_press(ShowPress, show_session),
        on_press(SettingsPress, settings_pressed),
    ]
