"""Profiles, the directory, introduction requests, /meet and self-introductions."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.error import Forbidden
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.errors import DomainError
from bot.i18n import N_, Translator, resolve_language, translator
from bot.intros import render as texts
from bot.intros.service import TOPIC_LABELS, DirectoryFilter, FilterKind, Profile, StepResult
from bot.numbers import parse_int
from bot.regions import REGION_NAMES, find_country, find_language, find_region
from bot.telegram.context import ForumContext
from handlers.common import PRIVATE, Handler, edit_or_reply, escape, keyboard, reply

logger = logging.getLogger(__name__)


class _Conversing(filters.MessageFilter):
    """Messages from users in the middle of a profile or note conversation."""

    __slots__ = ("_users",)

    def __init__(self, users: set[int]) -> None:
        super().__init__(name="intros_conversing")
        self._users = users  # the service's live set, kept in step with the database

    def filter(self, message: Message) -> bool:
        user = message.from_user
        return bool(user and user.id in self._users)


def _user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise RuntimeError("update without a user")  # the filters only route users' updates
    return user.id


async def _translator_for(context: ForumContext, user_id: int) -> Translator:
    """Return the translator of another participant."""
    other = await context.runtime.participants.get(user_id)
    if other is None:
        return translator(context.runtime.config.event.default_language)
    return translator(resolve_language(other.language, other.telegram_language))


async def _send(
    context: ForumContext, chat_id: int, text: str, rows: texts.Rows | None = None
) -> bool:
    """Send to another chat; False when that person has blocked the bot."""
    try:
        await context.bot.send_message(chat_id, text, reply_markup=keyboard(rows or []))
    except Forbidden:
        await context.runtime.participants.mark_blocked(chat_id)
        return False
    return True


async def _answer(update: Update, text: str | None = None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer(text)


def _action(update: Update) -> callbacks.Action:
    query = update.callback_query
    action = callbacks.parse(query.data if query else None)
    if action is None:
        raise DomainError(N_("This button is no longer valid."))
    return action


# ---- profile ---------------------------------------------------------------------------


async def show_profile(update: Update, context: ForumContext) -> None:
    """Show the user's profile with edit buttons, or start the guided conversation."""
    user_id = _user_id(update)
    intros = context.runtime.intros
    profile = await intros.profile(user_id)
    if profile is None:
        await reply(
            update,
            context.tr("Let's set up your profile. Other participants see it only if you agree."),
        )
        await _ask(update, context, (await intros.begin(user_id)).step, [])
        return
    text, rows = texts.own_profile(profile, context.tr)
    await reply(update, text, keyboard(rows))


async def _ask(update: Update, context: ForumContext, step: str, chosen: list[str]) -> None:
    topics = context.runtime.config.introductions.topics
    text, rows = texts.prompt(step, context.tr, topics, chosen)
    await reply(update, text, keyboard(rows))


async def _after_answer(update: Update, context: ForumContext, result: StepResult) -> None:
    if result.profile is None and result.next_step is not None:
        await _ask(update, context, result.next_step, list(result.data.get("topics", [])))
        return
    if result.profile is not None:
        text, rows = texts.own_profile(result.profile, context.tr)
        await reply(update, context.tr("Saved.") + "\n\n" + text, keyboard(rows))


async def conversation_text(update: Update, context: ForumContext) -> None:
    """Take a typed answer (a profile field or a note); no later group sees the text."""
    try:
        await _conversation_text(update, context)
    except DomainError as error:
        # Answered here rather than by the error handler: the update must stop in this group
        # either way, or the schedule's free-text search (a later group) answers it too.
        await reply(update, error.render(context.tr))
    raise ApplicationHandlerStop


async def _conversation_text(update: Update, context: ForumContext) -> None:
    message = update.effective_message
    if message is None or not message.text:
        return
    intros = context.runtime.intros
    user_id = _user_id(update)
    current = await intros.conversation(user_id)
    if current is not None and current.step == "note":
        await _send_request(update, context, message.text)
        return
    await _after_answer(update, context, await intros.answer_text(user_id, message.text))


async def cancel(update: Update, context: ForumContext) -> None:
    """Stop the profile or note conversation without saving."""
    await context.runtime.intros.cancel(_user_id(update))
    await reply(update, context.tr("Stopped. Nothing was changed."))


async def profile_pressed(update: Update, context: ForumContext) -> None:
    """Handle the profile buttons: edit a field, topics, consents, skip, delete."""
    action = _action(update)
    user_id = _user_id(update)
    await _profile_action(update, context, action, user_id)
    # Answered after the work: a DomainError is answered, with its reason, by the error handler.
    await _answer(update)


async def _profile_action(
    update: Update, context: ForumContext, action: callbacks.Action, user_id: int
) -> None:
    intros = context.runtime.intros
    if action.name == "pfe":
        conversation = await intros.begin(user_id, f"edit:{action.arg(0)}")
        await _ask(update, context, conversation.step, list(conversation.data.get("topics", [])))
    elif action.name == "pft":
        conversation = await intros.toggle_topic(user_id, action.int_arg(0) or 0)
        topics = context.runtime.config.introductions.topics
        text, rows = texts.prompt(
            conversation.step, context.tr, topics, conversation.data["topics"]
        )
        await edit_or_reply(update, text, keyboard(rows))
    elif action.name == "pftd":
        await _after_answer(update, context, await intros.finish_topics(user_id))
    elif action.name == "pfc":
        step = action.arg(0) or ""
        await _after_answer(
            update, context, await intros.answer_consent(user_id, step, action.arg(1) == "1")
        )
    elif action.name == "pfs":
        await _after_answer(update, context, await intros.skip(user_id, action.arg(0) or ""))
    elif action.name == "pfdel":
        rows = [[(context.tr("Yes, delete my profile"), callbacks.encode("pfdok"))]]
        await reply(
            update,
            context.tr("Delete your profile? Your pending requests stay until answered."),
            keyboard(rows),
        )
    elif action.name == "pfdok":
        deleted = await intros.delete_profile(user_id)
        await edit_or_reply(
            update,
            context.tr("Your profile is deleted.")
            if deleted
            else context.tr("You have no profile."),
        )


# ---- directory ---------------------------------------------------------------------------


def parse_filter(words: list[str], tr: Translator, topics: list[str]) -> DirectoryFilter | None:
    """Read /people's argument: a topic, region, country or language; None if unknown."""
    text = " ".join(words).strip()
    if not text:
        return DirectoryFilter("all")
    kind, _, rest = text.partition(":")
    if rest and kind.strip().lower() in ("topic", "country", "region", "language"):
        return _filter_of(kind.strip().lower(), rest.strip(), tr, topics)
    for kind in ("topic", "region", "country", "language"):
        found = _filter_of(kind, text, tr, topics)
        if found is not None:
            return found
    return None


def _filter_of(kind: str, text: str, tr: Translator, topics: list[str]) -> DirectoryFilter | None:
    folded = text.casefold()
    if kind == "topic":
        for topic in topics:
            label = TOPIC_LABELS.get(topic, topic)
            if folded in (topic, label.casefold(), tr(label).casefold()):
                return DirectoryFilter("topic", topic)
        return None
    if kind == "region":
        names = {key: tr(name) for key, name in REGION_NAMES.items()}
        region = find_region(text, names)
        return DirectoryFilter("region", region) if region else None
    if kind == "country":
        country = find_country(text)
        return DirectoryFilter("country", country) if country else None
    language = find_language(text)
    return DirectoryFilter("language", language) if language else None


async def people(update: Update, context: ForumContext) -> None:
    """Show the first page of the directory, filtered by the argument."""
    tr = context.tr
    wanted = parse_filter(context.args or [], tr, context.runtime.config.introductions.topics)
    if wanted is None:
        await reply(
            update,
            tr(
                "I found no topic, region, country or language called “{text}”. Try /people "
                "Kenya, /people circular economy or /people French."
            ).format(text=escape(" ".join(context.args or [])[:60])),
        )
        return
    await _show_page(update, context, wanted, 0)


async def people_pressed(update: Update, context: ForumContext) -> None:
    """Turn a directory page."""
    action = _action(update)
    kinds: dict[str, FilterKind] = {
        "a": "all",
        "t": "topic",
        "c": "country",
        "r": "region",
        "l": "language",
    }
    kind = kinds.get(action.arg(0) or "")
    page = action.int_arg(2)
    if kind is None or page is None:
        raise DomainError(N_("This button is no longer valid."))
    await _show_page(update, context, DirectoryFilter(kind, action.arg(1) or ""), page)
    await _answer(update)


async def _show_page(
    update: Update, context: ForumContext, wanted: DirectoryFilter, page: int
) -> None:
    found = await context.runtime.intros.directory(wanted, page)
    text, rows = texts.directory_page(found, wanted, context.tr, _user_id(update))
    await edit_or_reply(update, text, keyboard(rows))


# ---- introduction requests ----------------------------------------------------------------


async def intro_command(update: Update, context: ForumContext) -> None:
    """Start a request to the profile with the number given, or explain how."""
    number = parse_int(context.args[0].lstrip("#")) if context.args else None
    if number is None:
        await reply(
            update,
            context.tr(
                "Find someone with /people or /meet and press “Introduce me”, or send /intro and "
                "the number on their card, e.g. <code>/intro 42</code>."
            ),
        )
        return
    await _start_request(update, context, number)


async def intro_pressed(update: Update, context: ForumContext) -> None:
    """Start a request from a card's Introduce me button."""
    profile_id = _action(update).int_arg(0)
    if profile_id is None:
        raise DomainError(N_("This button is no longer valid."))
    await _start_request(update, context, profile_id)
    await _answer(update)


async def _start_request(update: Update, context: ForumContext, profile_id: int) -> None:
    target = await context.runtime.intros.start_request(_user_id(update), profile_id)
    await reply(update, texts.ask_note(target, context.tr))


async def _send_request(update: Update, context: ForumContext, note_text: str) -> None:
    intros = context.runtime.intros
    request, mine = await intros.submit_note(_user_id(update), note_text)
    target_tr = await _translator_for(context, request.target_id)
    text, rows = texts.relay(mine, request.note, request.request_id, target_tr)
    if await _send(context, request.target_id, text, rows):
        await reply(update, context.tr("Sent. I will tell you when they answer."))
        return
    await intros.decide(request.request_id, request.target_id, "declined")
    await reply(
        update,
        context.tr(
            "I could not deliver your request; this person cannot be reached at the moment."
        ),
    )


async def decision_pressed(update: Update, context: ForumContext) -> None:
    """Accept, decline or block & report a request; only its target's press counts."""
    action = _action(update)
    statuses: dict[str, Any] = {"a": "accepted", "d": "declined", "b": "blocked"}
    status = statuses.get(action.arg(0) or "")
    request_id = action.int_arg(1)
    intros = context.runtime.intros
    decided = None
    if status is not None and request_id is not None:
        decided = await intros.decide(request_id, _user_id(update), status)
    if decided is None:
        await _answer(update, context.tr("This button is no longer valid."))
        return
    await _answer(update)
    await _close_relay(update, context.tr(_DECIDED[decided.status]))
    if decided.status == "accepted":
        await _introduce(context, decided.requester_id, decided.target_id)
        return
    tr = await _translator_for(context, decided.requester_id)
    await _send(
        context,
        decided.requester_id,
        tr(
            "Your introduction request could not be arranged this time. There are many other "
            "participants to meet: try /people or /meet."
        ),
    )
    if decided.status == "declined":
        await reply(update, context.tr("Declined. They will not be told why."))
        return
    await _report(
        context, decided.requester_id, decided.target_id, decided.note, decided.request_id
    )
    await reply(
        update,
        context.tr(
            "Blocked: this person cannot send you requests any more. The moderators have been "
            "told."
        ),
    )


_DECIDED = {
    "accepted": N_("You accepted this request."),
    "declined": N_("You declined this request."),
    "blocked": N_("You blocked and reported this request."),
}


async def _close_relay(update: Update, outcome: str) -> None:
    """Replace the relay's buttons with the decision, keeping the card and note."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    # Edited as text: PTB sends its default parse_mode with editMessageReplyMarkup too.
    text = f"{query.message.text_html}\n\n<i>{escape(outcome)}</i>"
    await edit_or_reply(update, text)


async def _introduce(context: ForumContext, requester_id: int, target_id: int) -> None:
    """Give both sides each other's contact and an opener."""
    runtime = context.runtime
    event = runtime.config.event.name
    profiles = {uid: await runtime.intros.profile(uid) for uid in (requester_id, target_id)}
    for me, other in ((requester_id, target_id), (target_id, requester_id)):
        other_profile = profiles[other]
        participant = await runtime.participants.get(other)
        if other_profile is None or participant is None:
            continue
        link = texts.contact_link(other, participant.username, participant.display_name)
        tr = await _translator_for(context, me)
        await _send(context, me, texts.accepted(other_profile, link, profiles[me], event, tr))


async def _report(
    context: ForumContext, requester_id: int, target_id: int, note: str, request_id: int
) -> None:
    """Tell the moderators about a reported request, with both people and the note."""
    runtime = context.runtime
    requester = await runtime.participants.get(requester_id)
    reporter = await runtime.participants.get(target_id)
    card = await runtime.intros.profile(requester_id)
    tr = translator(runtime.config.event.default_language)

    def who(user_id: int, name: str | None) -> str:
        return (
            f'<a href="tg://user?id={user_id}">{escape(name or "?")}</a> (<code>{user_id}</code>)'
        )

    text = "\n".join(
        [
            tr("🚩 <b>Introduction request reported</b> (request {number})").format(
                number=request_id
            ),
            tr("Reported: {who}").format(
                who=who(requester_id, requester.display_name if requester else None)
            ),
            tr("Reported by: {who}").format(
                who=who(target_id, reporter.display_name if reporter else None)
            ),
            "",
            texts.profile_card(card, tr) if card else "",
            "",
            tr("Their note:"),
            f"<blockquote>{escape(note)}</blockquote>",
        ]
    )
    recipients = [*runtime.config.roles.moderators]
    if runtime.config.chats.modlog is not None:
        recipients.append(runtime.config.chats.modlog)
    for chat_id in dict.fromkeys(recipients):
        await _send(context, chat_id, text)


# ---- /meet ------------------------------------------------------------------------------


async def meet(update: Update, context: ForumContext) -> None:
    """Suggest someone from another region, after asking once to take part."""
    intros = context.runtime.intros
    user_id = _user_id(update)
    mine = await intros.profile(user_id)
    if mine is not None and not mine.meet_opt_in:
        rows = [
            [
                (context.tr("Yes, suggest people"), callbacks.encode("mto", 1)),
                (context.tr("No"), callbacks.encode("mto", 0)),
            ]
        ]
        await reply(
            update,
            context.tr(
                "/meet suggests participants from other regions who share your topics or "
                "languages, and suggests you to them. Take part?"
            ),
            keyboard(rows),
        )
        return
    await _suggest(update, context)


async def _suggest(update: Update, context: ForumContext) -> None:
    found = await context.runtime.intros.meet(_user_id(update))
    if found is None:
        await reply(
            update,
            context.tr(
                "I have no new suggestion for you right now. Try again later, or browse /people."
            ),
        )
        return
    text = (
        context.tr("Someone you might like to meet:")
        + "\n\n"
        + texts.profile_card(found, context.tr)
    )
    await reply(update, text, keyboard(texts.introduce_button(found, context.tr)))


async def meet_pressed(update: Update, context: ForumContext) -> None:
    """Record the /meet opt-in answer."""
    yes = _action(update).arg(0) == "1"
    await context.runtime.intros.set_meet_opt_in(_user_id(update), yes)
    if yes:
        await _suggest(update, context)
    else:
        await edit_or_reply(
            update, context.tr("All right; send /meet again if you change your mind.")
        )
    await _answer(update)


# ---- self-introduction ------------------------------------------------------------------


async def self_intro_pressed(update: Update, context: ForumContext) -> None:
    """Post the user's card to the community group, or send it to the moderators first."""
    runtime = context.runtime
    community = runtime.config.chats.community
    if community is None:
        raise DomainError(N_("There is no community group to post to."))
    intro, mine = await runtime.intros.request_self_intro(_user_id(update))
    await _answer(update)
    if intro.status == "posted":
        await _post_self_intro(context, community, mine)
        await reply(update, context.tr("Your card is posted in the community group."))
        return
    tr = translator(runtime.config.event.default_language)
    text = (
        tr("A participant would like to post this introduction to the community group:")
        + "\n\n"
        + texts.profile_card(mine, tr)
    )
    rows = [
        [
            (tr("Approve"), callbacks.encode("sia", "y", intro.intro_id)),
            (tr("Reject"), callbacks.encode("sia", "n", intro.intro_id)),
        ]
    ]
    reviewers = [*runtime.config.roles.moderators]
    if runtime.config.chats.modlog is not None:
        reviewers.append(runtime.config.chats.modlog)
    for chat_id in dict.fromkeys(reviewers):
        await _send(context, chat_id, text, rows)
    await reply(
        update,
        context.tr("Thank you! A moderator will look at your introduction before it is posted."),
    )


async def self_intro_decided(update: Update, context: ForumContext) -> None:
    """Approve or reject a self-introduction; only moderators' presses count."""
    runtime = context.runtime
    action = _action(update)
    community = runtime.config.chats.community
    approve = action.arg(0) == "y"
    intro = await runtime.intros.decide_self_intro(
        action.int_arg(1), _user_id(update), approve=approve
    )
    if intro is None or community is None:
        await _answer(update, context.tr("This button is no longer valid."))
        return
    await _answer(update)
    profile = await runtime.intros.profile(intro.user_id)
    tr = await _translator_for(context, intro.user_id)
    if approve and profile is not None:
        await _post_self_intro(context, community, profile)
        await _send(context, intro.user_id, tr("Your card is posted in the community group."))
    elif not approve:
        await _send(
            context,
            intro.user_id,
            tr("A moderator did not approve your introduction for the community group this time."),
        )
    await edit_or_reply(
        update, context.tr("Done: approved.") if approve else context.tr("Done: rejected.")
    )


async def _post_self_intro(context: ForumContext, community: int, profile: Profile) -> None:
    tr = translator(context.runtime.config.event.default_language)
    text = tr("👋 Please welcome a participant:") + "\n\n" + texts.profile_card(profile, tr)
    await context.bot.send_message(
        community,
        text,
        reply_markup=keyboard(texts.introduce_button(profile, tr))
        if profile.accepts_intros
        else None,
    )


def handlers(conversing: set[int]) -> list[Handler]:
    """Return the introductions handlers; ``conversing`` is ``runtime.intros.conversing``."""
    in_conversation = _Conversing(conversing)
    text = filters.TEXT & ~filters.COMMAND & PRIVATE & in_conversation
    return [
        CommandHandler("profile", show_profile, filters=PRIVATE),
        CommandHandler("people", people, filters=PRIVATE),
        CommandHandler("intro", intro_command, filters=PRIVATE),
        CommandHandler("meet", meet, filters=PRIVATE),
        CommandHandler("cancel", cancel, filters=PRIVATE & in_conversation),
        MessageHandler(text, conversation_text),
        CallbackQueryHandler(profile_pressed, pattern=r"^pf[a-z]*(:|$)"),
        CallbackQueryHandler(people_pressed, pattern=r"^ppl:"),
        CallbackQueryHandler(intro_pressed, pattern=r"^itr:"),
        CallbackQueryHandler(decision_pressed, pattern=r"^ird:"),
        CallbackQueryHandler(meet_pressed, pattern=r"^mto:"),
        CallbackQueryHandler(self_intro_pressed, pattern=r"^sig$"),
        CallbackQueryHandler(self_intro_decided, pattern=r"^sia:"),
    ]
