"""First contact: who the user is, their language and zone, and what the bot can do."""

from __future__ import annotations

from zoneinfo import available_timezones

from telegram import ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    ChatMemberHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.commands import COMMANDS, Role, commands_for
from bot.i18n import normalize_language, resolve_language, translator
from bot.participants import render
from bot.participants.model import UserSeen
from bot.participants.render import LanguagePress, ZonePress
from bot.privacy.render import not_started
from bot.schedule import render as schedule_render
from bot.telegram.context import ForumContext
from bot.telegram.processor import arrival_verdict
from handlers.common import (
    ADDRESSED,
    CONTINUE_IN_PRIVATE,
    PRIVATE,
    Handler,
    answer_stale,
    any_press,
    commands,
    keyboard,
    on_press,
    reply,
    start_link,
)

_ZONES_BY_FOLDED = {zone.casefold(): zone for zone in available_timezones()}


def user_roles(context: ForumContext, user_id: int) -> set[Role]:
    """Return the configured roles of a user."""
    config = context.runtime.config
    roles = {Role.PARTICIPANT}
    if config.is_organiser(user_id):
        roles.add(Role.ORGANISER)
    if config.is_moderator(user_id):
        roles.add(Role.MODERATOR)
    return roles


async def remember_user(update: Update, context: ForumContext) -> None:
    """Record who sent the update, pick their language, and drop floods."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    runtime = context.runtime
    # Counted when it arrived (bot.telegram.processor); here only if it came another way.
    allowed, warn = arrival_verdict() or runtime.flood_guard.check(user.id)
    if not allowed:
        too_fast = context.tr("You are sending too fast; I'll answer again shortly.")
        if update.callback_query is not None:
            # Answered anyway, or the button's spinner would hang on the user's screen.
            await update.callback_query.answer(too_fast)
        elif warn and update.effective_chat and update.effective_chat.type == "private":
            await reply(update, too_fast)
        raise ApplicationHandlerStop
    seen = UserSeen(
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=normalize_language(user.language_code),
    )
    chat = update.effective_chat
    private = chat is not None and chat.type == "private" and not update.my_chat_member
    participant = await runtime.participants.record_seen(seen, private=private)
    context.participant = participant
    if participant is None:
        # Not stored: addressed in the language Telegram reports for them.
        context.tr = translator(resolve_language(None, seen.language_code))
        return
    context.tr = runtime.participants.translator_of(participant)


async def start(update: Update, context: ForumContext) -> None:
    """Greet the user in their language, offer the language choice, and pass on missed notices."""
    user = update.effective_user
    if user is None:
        return
    text = render.welcome(context.tr, context.runtime.config.event.name, user.first_name)
    await reply(update, text, keyboard(render.language_buttons()))
    missed = await context.runtime.participants.take_missed(user.id)
    if missed:
        await reply(update, render.missed_notices(context.tr, missed))


async def show_help(update: Update, context: ForumContext) -> None:
    """List the commands of the user's role."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    commands = commands_for(user_roles(context, user.id), in_group=chat.type != "private")
    await reply(update, render.help_text(context.tr, commands))


async def choose_language(update: Update, context: ForumContext) -> None:
    """Offer the five languages as buttons, or switch directly with /language de."""
    if context.args:
        code = normalize_language(context.args[0])
        if code is not None:
            await _switch_language(update, context, code)
            return
    await reply(update, context.tr("Choose your language:"), keyboard(render.language_buttons()))


async def language_pressed(update: Update, context: ForumContext, press: LanguagePress) -> None:
    """Switch the interface language from a button press."""
    assert update.callback_query is not None  # routed by on_press
    await update.callback_query.answer()
    await _switch_language(update, context, press.code)


async def language_pressed_elsewhere(
    update: Update, context: ForumContext, press: LanguagePress
) -> None:
    """Switch the presser's language from the buttons shown in a group: only they are told."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    if context.participant is None:
        await query.answer(not_started(context.tr), show_alert=True)
        return
    await context.runtime.participants.set_language(user.id, press.code)
    await query.answer(translator(press.code)("I will speak English with you from now on."))


async def _switch_language(update: Update, context: ForumContext, code: str) -> None:
    user = update.effective_user
    if user is None:
        return
    if context.participant is None:
        await reply(update, not_started(context.tr))
        return
    await context.runtime.participants.set_language(user.id, code)
    context.tr = translator(code)
    await reply(update, context.tr("I will speak English with you from now on."))


async def set_timezone(update: Update, context: ForumContext) -> None:
    """Set the user's zone from /timezone Area/City, or offer the common ones as buttons."""
    if not context.args:
        config = context.runtime.config
        zone = context.runtime.participants.zone_of(context.participant)
        text, rows = render.zone_menu(context.tr, zone, config.event.timezones_offered)
        await reply(update, text, keyboard(rows))
        return
    typed = " ".join(context.args).strip().replace(" ", "_")
    zone_name = _ZONES_BY_FOLDED.get(typed.casefold())
    if zone_name is None:
        await reply(update, render.unknown_zone(context.tr, typed))
        return
    await _store_zone(update, context, zone_name)


async def timezone_pressed(update: Update, context: ForumContext, press: ZonePress) -> None:
    """Set the zone chosen by button."""
    zone_name = _ZONES_BY_FOLDED.get(press.name.casefold())
    if zone_name is None or update.callback_query is None:
        await answer_stale(update, context)
        return
    await update.callback_query.answer()
    await _store_zone(update, context, zone_name)


async def _store_zone(update: Update, context: ForumContext, zone: str) -> None:
    user = update.effective_user
    if user is None:
        return
    await context.runtime.participants.set_timezone(user.id, zone)
    await reply(update, render.zone_set(context.tr, zone))


async def track_block(update: Update, context: ForumContext) -> None:
    """Mark a participant unreachable when they block the bot, reachable when they return."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    participants = context.runtime.participants
    if change.new_chat_member.status in ("kicked", "left"):
        await participants.mark_blocked(change.chat.id)
    else:
        await participants.mark_active(change.chat.id)


async def unknown_command(update: Update, context: ForumContext) -> None:
    """Say that a private command is unknown, and where to look."""
    message = update.effective_message
    if message is None or not message.text:
        return
    await reply(update, render.unknown_command(context.tr, message.text.split(maxsplit=1)[0]))


async def not_text(update: Update, context: ForumContext) -> None:
    """Answer a sticker, voice note, photo or file that no feature was waiting for."""
    message = update.effective_message
    user = update.effective_user
    if message and message.document and user and context.runtime.config.is_organiser(user.id):
        # An organiser's file is most likely a programme in the wrong format.
        await reply(update, schedule_render.unusable_file(context.tr))
        return
    await reply(update, render.not_text(context.tr))


async def private_only(update: Update, context: ForumContext) -> None:
    """Point a command of the private chat, addressed to the bot in a group, to that chat."""
    message = update.effective_message
    if message is None or not message.text:
        return
    name = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
    if name not in _KNOWN_COMMANDS:
        return  # not ours: stays unanswered, as unaddressed commands do
    link = start_link(context.bot.username)
    button = InlineKeyboardButton(context.tr("Open in the bot"), url=link) if link else None
    await reply(
        update,
        context.tr(CONTINUE_IN_PRIVATE),
        InlineKeyboardMarkup([[button]]) if button else None,
    )


_KNOWN_COMMANDS = frozenset(command.name for command in COMMANDS)


def fallbacks() -> list[Handler]:
    """Return the handlers for what nothing else took (last in group 0): unknown private
    commands, private non-text messages, commands of the private chat addressed to the bot in
    a group (every command a group may use was taken before), and button presses no feature
    knows."""
    return [
        MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND & ADDRESSED, private_only),
        MessageHandler(
            PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL & ~filters.COMMAND, not_text
        ),
        any_press(),
    ]


def middleware() -> list[Handler]:
    """Return the handlers that run before every other (group -1)."""
    return [TypeHandler(Update, remember_user)]


def handlers() -> list[Handler]:
    """Return the first-contact handlers."""
    return [
        *commands(PRIVATE, start, timezone=set_timezone),
        *commands(ADDRESSED, help=show_help, language=choose_language),
        on_press(LanguagePress, language_pressed, elsewhere=language_pressed_elsewhere),
        on_press(ZonePress, timezone_pressed),
        ChatMemberHandler(track_block, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
