"""Moderation of the community group: joins, moderator commands, reports, flood and link watch.

Every command re-checks the actor's role in the service; Telegram refusals for lack of rights
arrive as MissingRightError and are answered by the one error handler, naming the right.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import ChatMember, ChatMemberUpdated, Message, MessageEntity, Update, User
from telegram.error import TelegramError
from telegram.ext import (
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.durations import format_duration, parse_duration
from bot.errors import DomainError
from bot.i18n import N_, Translator, resolve_language, translator
from bot.moderation import render
from bot.moderation.model import ModAction, Person
from bot.moderation.render import (
    DEFAULT_RULES,
    AgreePress,
    mention,
    render_log,
    render_warnings,
)
from bot.moderation.service import Moderation
from bot.moderation.telegram import TelegramGroupControl
from bot.numbers import MAX_ID, parse_int
from bot.telegram.context import ForumContext
from handlers.common import (
    PRIVATE,
    Handler,
    Periodic,
    answer_stale,
    commands,
    escape,
    keyboard,
    on_press,
    reply,
)

logger = logging.getLogger(__name__)

SWEEP_JOB = "moderation-sweep"
DIGEST_JOB = "moderation-reports"
ADMINS_JOB = "moderation-admins"
SWEEP_INTERVAL = timedelta(seconds=30)
ADMIN_SYNC_INTERVAL = timedelta(hours=6)
_REASON_LIMIT = 500
_RULES_LIMIT = 3000
_GROUPS = filters.ChatType.GROUPS
_LINK = re.compile(r"https?://|www\.|\bt\.me/", re.IGNORECASE)


# -- helpers -------------------------------------------------------------------------------


def _community(update: Update, context: ForumContext) -> int | None:
    chat = update.effective_chat
    community = context.runtime.config.chats.community
    return chat.id if chat is not None and chat.id == community else None


def _person(user: User) -> Person:
    return Person(user.id, user.full_name)


def _moderation(context: ForumContext) -> Moderation:
    return context.runtime.moderation


def _group_tr(context: ForumContext) -> Translator:
    language = context.runtime.config.moderation.group_language
    return translator(language) if language else context.tr


async def _translator_of(context: ForumContext, user: User) -> Translator:
    """Return the translator for a group member, who may never have written to the bot."""
    participants = context.runtime.participants
    participant = await participants.get(user.id)
    if participant is None:
        return translator(
            resolve_language(None, user.language_code, participants.default_language)
        )
    return participants.translator_of(participant)


async def _target(update: Update, context: ForumContext) -> tuple[Person, list[str]]:
    """Find whom a command names: the replied member, a mention, an @username or an id."""
    message = update.effective_message
    args = list(context.args or [])
    if message is None:
        raise DomainError(N_("Tell me whom you mean."))
    replied = message.reply_to_message
    chat = update.effective_chat
    author = _author(replied, chat.id) if replied is not None and chat is not None else None
    if author is not None:
        return author, args
    for entity in message.entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            after = _text_after(message, entity)
            return _person(entity.user), after.split()
    if args:
        first = args[0]
        moderation = _moderation(context)
        if first.startswith("@"):
            return await moderation.member_named(first), args[1:]
        # Negative: a channel members post on behalf of (its chat id).
        user_id = parse_int(first, low=-MAX_ID)
        if user_id is not None:
            return await moderation.member_by_id(user_id), args[1:]
    raise DomainError(
        N_("Reply to a message of the member, or name them by @username or numeric id.")
    )


def _text_after(message: Message, entity: MessageEntity) -> str:
    # Entity offsets count UTF-16 code units.
    raw = (message.text or "").encode("utf-16-le")
    end = (entity.offset + entity.length) * 2
    return raw[end:].decode("utf-16-le")


def _reason(words: list[str]) -> str | None:
    text = " ".join(words).strip()
    return text[:_REASON_LIMIT] or None


def _actor(update: Update) -> Person | None:
    user = update.effective_user
    return _person(user) if user is not None else None


# -- joins ---------------------------------------------------------------------------------


async def _welcome(context: ForumContext, chat_id: int, user: User) -> None:
    moderation = _moderation(context)
    control = TelegramGroupControl(context.bot)
    pending = await moderation.start_verification(control, chat_id, _person(user))
    if pending is None:
        return
    tr = await _translator_of(context, user)
    rules = await moderation.rules(chat_id)
    minutes = context.runtime.config.moderation.welcome_timeout_minutes
    text, rows = render.welcome(tr, _person(user), minutes, rules)
    sent = await context.bot.send_message(chat_id, text, reply_markup=keyboard(rows))
    await moderation.store.set_welcome_message(chat_id, user.id, sent.message_id)


async def members_joined(update: Update, context: ForumContext) -> None:
    """Welcome newcomers announced by a service message and restrict them until they agree."""
    message = update.effective_message
    chat_id = _community(update, context)
    if message is None or chat_id is None:
        return
    for user in message.new_chat_members:
        if not user.is_bot:
            await _welcome(context, chat_id, user)


def _is_present(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def member_changed(update: Update, context: ForumContext) -> None:
    """Track the group's administrators and welcome members who joined."""
    change: ChatMemberUpdated | None = update.chat_member
    chat_id = _community(update, context)
    if change is None or chat_id is None:
        return
    new = change.new_chat_member
    is_admin = new.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
    await _moderation(context).note_admin(chat_id, new.user.id, is_admin)
    if not new.user.is_bot and not _is_present(change.old_chat_member) and _is_present(new):
        await _welcome(context, chat_id, new.user)


async def agreed(update: Update, context: ForumContext, press: AgreePress) -> None:
    """Lift the newcomer's restriction when they press “I agree” under their welcome."""
    query = update.callback_query
    chat_id = _community(update, context)
    user_id = press.user
    if query is None or chat_id is None:
        await answer_stale(update, context)
        return
    if query.from_user.id != user_id:
        await query.answer(context.tr("This button is for the newcomer it welcomes."))
        return
    control = TelegramGroupControl(context.bot)
    if await _moderation(context).verify(control, chat_id, user_id) is None:
        await query.answer(context.tr("You can already write in the group."))
        return
    await query.answer(context.tr("Thank you, welcome! You can write in the group now."))


async def sweep_unverified(context: ForumContext) -> None:
    """Remove newcomers whose time to agree has run out, and let channels muted for flooding
    post again once theirs has (a periodic job; survives restarts)."""
    control = TelegramGroupControl(context.bot)
    await _moderation(context).expire_unverified(control)
    await _moderation(context).lift_channel_mutes(control)


async def sync_admins(context: ForumContext) -> None:
    """Reload the community group's administrators from Telegram (a periodic job)."""
    chat_id = context.runtime.config.chats.community
    if chat_id is None:
        return
    try:
        admins = await context.bot.get_chat_administrators(chat_id)
    except TelegramError as error:
        logger.warning("could not read the group's administrators: %s", error)
        return
    ids = [admin.user.id for admin in admins if not admin.user.is_bot]
    await _moderation(context).store.replace_admins(chat_id, ids)


# -- watch every group message -------------------------------------------------------------


def _has_link_or_forward(message: Message) -> bool:
    if message.forward_origin is not None:
        return True
    kinds = (MessageEntity.URL, MessageEntity.TEXT_LINK)
    entities = list(message.entities) + list(message.caption_entities)
    if any(entity.type in kinds for entity in entities):
        return True
    # Telegram marks links as entities; the pattern also catches text it did not mark.
    return bool(_LINK.search(message.text or message.caption or ""))


def _author(message: Message, chat_id: int) -> Person | None:
    """Return who the group's rules apply to for a message: its sender, or the channel a
    member posted it on behalf of; None for the bot's and the group's own (anonymous
    administrators, its linked channel's posts)."""
    sender = message.sender_chat
    if sender is not None:
        if sender.id == chat_id or message.is_automatic_forward:
            return None
        return Person(sender.id, sender.title or sender.username or str(sender.id))
    user = message.from_user
    return _person(user) if user is not None and not user.is_bot else None


async def watch(update: Update, context: ForumContext) -> None:
    """Mute flooders and delete newcomers' early links (runs beside the commands), whether a
    member writes as themselves or on behalf of a channel."""
    message = update.effective_message
    chat_id = _community(update, context)
    member = _author(message, chat_id) if message and chat_id is not None else None
    if message is None or chat_id is None or member is None:
        return
    moderation = _moderation(context)
    control = TelegramGroupControl(context.bot)
    if member.is_channel:
        await moderation.note_channel(chat_id, member)
    elif message.from_user is not None:
        await moderation.note_member(chat_id, member, message.from_user.username)
    if moderation.is_flooding(chat_id, member.user_id):
        entry = await moderation.mute_flooder(control, chat_id, member)
        if entry is not None:
            tr = _group_tr(context)
            text = tr("{name} was muted for {duration} for flooding the group.")
            # The configured length, not until - now: the clock moved on while muting.
            muted = parse_duration(context.runtime.config.moderation.flood_mute)
            duration = format_duration(muted) if muted and entry.until else "∞"
            await reply(update, text.format(name=mention(member), duration=duration))
        return
    if _has_link_or_forward(message) and await moderation.breaks_link_rule(
        chat_id, member.user_id
    ):
        await moderation.delete_newcomer_link(control, chat_id, member, message.message_id)
        hours = context.runtime.config.moderation.newcomer_no_links_hours
        user = None if member.is_channel else message.from_user
        tr = await _translator_of(context, user) if user else _group_tr(context)
        text = tr("{name}, new members can share links and forwards after {hours} hours.")
        await context.bot.send_message(chat_id, text.format(name=mention(member), hours=hours))


# -- moderator commands --------------------------------------------------------------------


async def _require(update: Update, context: ForumContext) -> tuple[int, Person] | None:
    chat_id = _community(update, context)
    actor = _actor(update)
    if chat_id is None or actor is None:
        return None
    await _moderation(context).require_moderator(chat_id, actor.user_id)
    return chat_id, actor


async def warn(update: Update, context: ForumContext) -> None:
    """Warn a member; their count may reach a step of the ladder (mute, kick, ban)."""
    if (found := await _require(update, context)) is None:
        return
    chat_id, actor = found
    target, rest = await _target(update, context)
    message = update.effective_message
    link = message.reply_to_message.link if message and message.reply_to_message else None
    control = TelegramGroupControl(context.bot)
    outcome = await _moderation(context).warn(control, chat_id, actor, target, _reason(rest), link)
    tz = context.runtime.config.tz
    await reply(update, render.warned(_group_tr(context), target, outcome, tz))


async def unwarn(update: Update, context: ForumContext) -> None:
    """Withdraw a member's latest warning."""
    if (found := await _require(update, context)) is None:
        return
    chat_id, actor = found
    target, _ = await _target(update, context)
    left, _entry = await _moderation(context).unwarn(chat_id, actor, target)
    text = _group_tr(context)("One warning of {name} withdrawn; {count} left.")
    await reply(update, text.format(name=mention(target), count=left))


async def warns(update: Update, context: ForumContext) -> None:
    """List a member's active warnings."""
    if (found := await _require(update, context)) is None:
        return
    chat_id, actor = found
    target, _ = await _target(update, context)
    found_warnings = await _moderation(context).warnings(chat_id, actor, target)
    tz = context.runtime.config.tz
    await reply(update, render_warnings(_group_tr(context), target, found_warnings, tz))


@dataclass(frozen=True)
class Measure:
    """A moderator's command that applies a measure to one member."""

    command: str
    action: ModAction
    takes_duration: bool = False  # /mute 2h …
    takes_reason: bool = True
    done: str | None = None  # what the group is told (None: the measure as the log says it)


# /mute [duration] [reason], /unmute, /kick [reason], /ban [reason], /unban: by reply, or
# naming the member first.
MEASURES = (
    Measure("mute", ModAction.MUTE, takes_duration=True),
    Measure("unmute", ModAction.UNMUTE, takes_reason=False, done=N_("{name} can write again.")),
    Measure("kick", ModAction.KICK),
    Measure("ban", ModAction.BAN),
    Measure(
        "unban", ModAction.UNBAN, takes_reason=False, done=N_("{name} may join the group again.")
    ),
)


def _measure(measure: Measure) -> Callable[[Update, ForumContext], Coroutine[Any, Any, None]]:
    async def apply(update: Update, context: ForumContext) -> None:
        """Apply the command's measure to the member it names."""
        if (found := await _require(update, context)) is None:
            return
        chat_id, actor = found
        target, rest = await _target(update, context)
        duration = parse_duration(rest[0]) if measure.takes_duration and rest else None
        if duration is not None:
            rest = rest[1:]
        reason = _reason(rest) if measure.takes_reason else None
        control = TelegramGroupControl(context.bot)
        entry = await _moderation(context).act(
            control, chat_id, actor, target, measure.action, duration=duration, reason=reason
        )
        tr = _group_tr(context)
        if measure.done is not None:
            await reply(update, tr(measure.done).format(name=mention(target)))
        else:
            await reply(update, render.measure(tr, entry, context.runtime.config.tz))

    return apply


async def delete(update: Update, context: ForumContext) -> None:
    """Delete the replied message, and the /del command with it."""
    if (found := await _require(update, context)) is None:
        return
    chat_id, actor = found
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if message is None or replied is None:
        raise DomainError(N_("Reply to the message you want me to delete."))
    author = _person(replied.from_user) if replied.from_user else None
    ids = [replied.message_id, message.message_id]
    control = TelegramGroupControl(context.bot)
    await _moderation(context).delete(control, chat_id, actor, ids, author)


async def set_rules(update: Update, context: ForumContext) -> None:
    """Replace the group's rules with the text after /setrules."""
    if (found := await _require(update, context)) is None:
        return
    chat_id, actor = found
    message = update.effective_message
    text = (message.text or "").split(maxsplit=1) if message else []
    if len(text) < 2 or len(text[1]) > _RULES_LIMIT:
        raise DomainError(
            N_("Write the rules after the command: /setrules and up to {limit} characters."),
            limit=_RULES_LIMIT,
        )
    await _moderation(context).set_rules(chat_id, actor, text[1].strip())
    await reply(update, _group_tr(context)("The group's rules are updated."))


async def show_rules(update: Update, context: ForumContext) -> None:
    """Show the community group's rules, in the group or in private."""
    community = context.runtime.config.chats.community
    chat = update.effective_chat
    if community is None or chat is None or (chat.type != "private" and chat.id != community):
        return
    rules = await _moderation(context).rules(community)
    body = escape(rules) if rules else escape(context.tr(DEFAULT_RULES))
    await reply(update, context.tr("<b>Rules of the group</b>") + "\n" + body)


async def show_modlog(update: Update, context: ForumContext) -> None:
    """Show moderators the recent moderation actions, in private."""
    community = context.runtime.config.chats.community
    user = update.effective_user
    if community is None or user is None:
        return
    entries = await _moderation(context).recent(user.id, community)
    await reply(update, render_log(context.tr, entries, context.runtime.config.tz))


# -- reports -------------------------------------------------------------------------------


async def report(update: Update, context: ForumContext) -> None:
    """Let any member report a message by reply; moderators hear of it privately and in the log."""
    chat_id = _community(update, context)
    message = update.effective_message
    reporter = _actor(update)
    if chat_id is None or message is None or reporter is None:
        return
    replied = message.reply_to_message
    if replied is None:
        raise DomainError(N_("Reply to the message you want to report with /report."))
    target = _person(replied.from_user) if replied.from_user else None
    reason = _reason(list(context.args or []))
    await _moderation(context).report(
        chat_id, replied.message_id, reporter, target, reason, replied.link
    )
    await reply(update, context.tr("Thank you, I am passing your report on to the moderators."))


def handlers() -> list[Handler]:
    """Return the moderation commands, join and button handlers."""
    return [
        *commands(
            _GROUPS,
            warn,
            unwarn,
            warns,
            report,
            setrules=set_rules,
            **{"del": delete},
            **{measure.command: _measure(measure) for measure in MEASURES},
        ),
        CommandHandler("rules", show_rules),
        CommandHandler("modlog", show_modlog, filters=PRIVATE),
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, members_joined),
        ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER),
        on_press(AgreePress, agreed),
    ]


def watchers() -> list[Handler]:
    """Return the handlers that look at every group message, beside the commands."""
    return [MessageHandler(_GROUPS & ~filters.StatusUpdate.ALL, watch)]


async def send_report_digest(context: ForumContext) -> None:
    """Tell the moderators of new reports in one digest (a periodic job)."""
    await _moderation(context).send_report_digest()


def jobs(config: Config) -> list[Periodic]:
    """Return the verification sweep, the reports' digest and the administrators' sync."""
    digest = timedelta(minutes=config.moderation.report_digest_minutes)
    return [
        Periodic(SWEEP_JOB, sweep_unverified, SWEEP_INTERVAL, first=SWEEP_INTERVAL),
        Periodic(DIGEST_JOB, send_report_digest, digest, first=digest),
        Periodic(ADMINS_JOB, sync_admins, ADMIN_SYNC_INTERVAL, first=timedelta(seconds=1)),
    ]
