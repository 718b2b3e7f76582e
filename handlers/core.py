"""First contact: who the user is, their language and zone, and what the bot can do."""

from __future__ import annotations

from zoneinfo import available_timezones

from telegram import ChatMemberUpdated, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import callbacks
from bot.commands import Role, commands_for
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, normalize_language, resolve_language, translator
from bot.participants.model import Participant, UserSeen
from bot.privacy.render import not_started
from bot.telegram.context import ForumContext
from handlers.common import ADDRESSED, PRIVATE, Handler, escape, keyboard, reply

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
    allowed, warn = runtime.flood_guard.check(user.id)
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
    # Only a private chat makes someone a participant: group members and inline users who
    # never started the bot are not stored (moderation keeps what it needs of members).
    starts = chat is not None and chat.type == "private" and update.my_chat_member is None
    participants = runtime.participants
    participant: Participant | None
    if starts:
        participant, new = await participants.record_seen(seen, runtime.clock())
        if new:
            await runtime.privacy.welcome(user.id)
        if participant.is_blocked:
            await participants.mark_active(user.id)
    else:
        participant = await participants.refresh_seen(seen, runtime.clock())
    context.participant = participant
    language = participant.language if participant else None
    telegram_language = participant.telegram_language if participant else seen.language_code
    context.tr = translator(resolve_language(language, telegram_language))
    if participant is None and update.callback_query is not None:
        await _require_private_start(update, context)


# Buttons that make sense in a group for someone the bot does not know (programme pages,
# session cards and calendar files, and the newcomer's "I agree"), and for staff who never
# started it (a self-introduction to approve, in the modlog chat).
_GROUP_BUTTONS = ("sday", "ses", "sics", "modok")
_STAFF_BUTTONS = ("sia",)


async def _require_private_start(update: Update, context: ForumContext) -> None:
    """Send someone who never opened a private chat there, before a button that needs one."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    config = context.runtime.config
    name = (query.data or "").split(":", 1)[0]
    staff = config.is_moderator(user.id) or config.is_organiser(user.id)
    if name in _GROUP_BUTTONS or (staff and name in _STAFF_BUTTONS):
        return
    username = context.bot.username
    await query.answer(
        not_started(context.tr),
        show_alert=not username,
        url=f"https://t.me/{username}?start=hello" if username else None,
    )
    raise ApplicationHandlerStop


async def start(update: Update, context: ForumContext) -> None:
    """Greet the user in their language and offer the language choice."""
    user = update.effective_user
    if user is None:
        return
    tr = context.tr
    text = tr(
        "Welcome to <b>{event}</b>, {name}!\n\n"
        "I am the forum's assistant. I can show you the programme in your own time zone, "
        "remind you of the sessions you choose, and introduce you to other participants.\n\n"
        "Send /help to see everything I can do."
    ).format(event=escape(context.runtime.config.event.name), name=escape(user.first_name))
    await reply(update, text, keyboard([_language_buttons()]))


async def show_help(update: Update, context: ForumContext) -> None:
    """List the commands of the user's role."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None:
        return
    tr = context.tr
    lines = [tr("<b>What I can do</b>")]
    for command in commands_for(user_roles(context, user.id), in_group=chat.type != "private"):
        lines.append(f"/{command.name} — {escape(tr(command.description))}")
    await reply(update, "\n".join(lines))


def _language_buttons() -> list[tuple[str, str]]:
    return [(LANGUAGE_NAMES[code], callbacks.encode("lang", code)) for code in LANGUAGES]


async def choose_language(update: Update, context: ForumContext) -> None:
    """Offer the five languages as buttons, or switch directly with /language de."""
    if context.args:
        code = normalize_language(context.args[0])
        if code is not None:
            await _switch_language(update, context, code)
            return
    text = context.tr("Choose your language:")
    await reply(update, text, keyboard([_language_buttons()]))


async def language_pressed(update: Update, context: ForumContext) -> None:
    """Switch the interface language from a button press."""
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    code = normalize_language(action.arg(0)) if action else None
    if code is None:
        await query.answer(context.tr("This button is no longer valid."))
        return
    await query.answer()
    await _switch_language(update, context, code)


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
    user = update.effective_user
    if user is None:
        return
    tr = context.tr
    if not context.args:
        current = context.participant.timezone if context.participant else None
        zone = current or context.runtime.config.event.timezone
        rows = [
            [(z, callbacks.encode("tz", z.replace("/", ".")))]
            for z in context.runtime.config.event.timezones_offered
        ]
        text = tr(
            "Your time zone is <b>{zone}</b>. Choose another below, or send it as "
            "<code>/timezone America/Lima</code>."
        ).format(zone=escape(zone))
        await reply(update, text, keyboard(rows))
        return
    typed = " ".join(context.args).strip().replace(" ", "_")
    zone_name = _ZONES_BY_FOLDED.get(typed.casefold())
    if zone_name is None:
        await reply(
            update,
            tr(
                "I don't know the time zone <b>{zone}</b>. Send a name such as "
                "<code>Europe/Berlin</code>, <code>Africa/Nairobi</code> or "
                "<code>America/Sao_Paulo</code>."
            ).format(zone=escape(typed[:64])),
        )
        return
    await _store_zone(update, context, zone_name)


async def timezone_pressed(update: Update, context: ForumContext) -> None:
    """Set the zone chosen by button."""
    query = update.callback_query
    if query is None:
        return
    action = callbacks.parse(query.data)
    raw = action.arg(0) if action else None
    zone_name = _ZONES_BY_FOLDED.get(raw.replace(".", "/").casefold()) if raw else None
    if zone_name is None:
        await query.answer(context.tr("This button is no longer valid."))
        return
    await query.answer()
    await _store_zone(update, context, zone_name)


async def _store_zone(update: Update, context: ForumContext, zone: str) -> None:
    user = update.effective_user
    if user is None:
        return
    await context.runtime.participants.set_timezone(user.id, zone)
    await reply(
        update,
        context.tr("Done: I will show times in <b>{zone}</b> as well.").format(zone=escape(zone)),
    )


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
    command = message.text.split(maxsplit=1)[0][:40]
    await reply(
        update,
        context.tr("I don't know the command {command}. Send /help to see what I can do.").format(
            command=escape(command)
        ),
    )


async def not_text(update: Update, context: ForumContext) -> None:
    """Answer a sticker, voice note or photo that no feature was waiting for."""
    await reply(
        update,
        context.tr(
            "I can only read text. Ask me about the programme, for example "
            "<i>what's on now?</i>, or send /help."
        ),
    )


async def unknown_button(update: Update, context: ForumContext) -> None:
    """Answer a press no feature took (forged, or from an older version of the bot)."""
    query = update.callback_query
    if query is not None:
        await query.answer(context.tr("This button is no longer valid."))


def fallbacks() -> list[Handler]:
    """Return the handlers for what nothing else took (last in group 0)."""
    return [
        MessageHandler(PRIVATE & filters.COMMAND, unknown_command),
        MessageHandler(
            PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL & ~filters.COMMAND, not_text
        ),
        CallbackQueryHandler(unknown_button),
    ]


def middleware() -> list[Handler]:
    """Return the handlers that run before every other (group -1)."""
    return [TypeHandler(Update, remember_user)]


def handlers() -> list[Handler]:
    """Return the first-contact handlers."""
    return [
        CommandHandler("start", start, filters=PRIVATE),
        CommandHandler("help", show_help, filters=ADDRESSED),
        CommandHandler("language", choose_language, filters=ADDRESSED),
        CommandHandler("timezone", set_timezone, filters=PRIVATE),
        CallbackQueryHandler(language_pressed, pattern=r"^lang:"),
        CallbackQueryHandler(timezone_pressed, pattern=r"^tz:"),
        ChatMemberHandler(track_block, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
