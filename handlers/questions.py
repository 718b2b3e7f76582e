"""Questions to sessions in Telegram: /ask, /questions, /host, the buttons, and replies.

A question comes from a card's "Ask a question" (then the typed text), from
``/ask <session> <text>``, or as a reply to a bot message that carries one session's "Ask a
question" button (the "now running" answer of /now, a session card). In private chat the asker
then chooses to sign or stay anonymous; in the community group a reply is signed, since it is
public already. Hosts (and organisers and moderators) open the live host view with
``/questions <session>``; organisers assign hosts with ``/host <session>``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress

from telegram import InputFile, Message, MessageOriginUser, Update
from telegram.error import RetryAfter
from telegram.ext import (
    ApplicationHandlerStop,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.awaiting.model import Awaited
from bot.awaiting.service import AwaitedInputs
from bot.callbacks import Rows
from bot.errors import STALE_BUTTON, DomainError
from bot.i18n import N_, Translator
from bot.questions import render
from bot.questions.model import HostAction, Status
from bot.questions.render import (
    AskPress,
    HostPress,
    HostViewPress,
    ListPress,
    PickPress,
    SignPress,
    UnhostPress,
    VotePress,
)
from bot.questions.service import NOBODY_TO_HOST
from bot.schedule.model import Session
from bot.schedule.render import title
from bot.telegram.context import ForumContext
from handlers.awaiting import Conversation, awaiting
from handlers.common import (
    ADDRESSED,
    CONTINUED_IN_PRIVATE,
    PRIVATE,
    Handler,
    answer_in_private,
    answer_press,
    commands,
    edit_or_reply,
    escape,
    keyboard,
    on_press,
    reply,
    reply_privately,
    sender_id,
)

_TEXT = filters.TEXT & ~filters.COMMAND
# Sessions taking questions now, offered as a text and buttons (``render.to_ask``, ``to_read``).
SessionOffer = Callable[[Sequence[Session], Translator], tuple[str, Rows]]
# This feature's name in the awaited-input engine (bot.awaiting), and its steps.
FEATURE = "questions"
QUESTION, HOST, PICK = "question", "host", "pick"

_TOASTS = {
    HostAction.ANSWERED: N_("Marked as answered."),
    HostAction.HIDE: N_("Hidden for everyone."),
    HostAction.PIN: N_("Pinned to the top."),
    HostAction.UNPIN: N_("Unpinned."),
    HostAction.APPROVE: N_("Approved: everyone sees it now."),
}


def _rest_of_command(message: Message | None, words: int) -> str:
    """Return the message text after the command and ``words`` arguments, newlines kept."""
    text = (message.text or "") if message else ""
    parts = text.split(maxsplit=words + 1)
    return parts[words + 1] if len(parts) > words + 1 else ""


# ---- asking ----------------------------------------------------------------------------------


async def ask_command(update: Update, context: ForumContext) -> None:
    """Ask a question: /ask 12 What about…? (or /ask 12, then the text; /ask alone lists)."""
    questions = context.runtime.questions
    if not context.args:
        await _offer(update, context, render.to_ask)
        return
    session = questions.session(context.args[0])
    text = _rest_of_command(update.effective_message, 1)
    if not text.strip():
        await _prompt(update, context, session)
        return
    await _draft(update, context, session, text)


async def _offer(update: Update, context: ForumContext, offer: SessionOffer) -> None:
    text, rows = offer(context.runtime.questions.open_sessions(), context.tr)
    await reply(update, text, keyboard(rows))


async def _prompt(update: Update, context: ForumContext, session: Session) -> None:
    context.runtime.questions.check_open(session)
    await context.runtime.inputs.expect(
        sender_id(update), FEATURE, QUESTION, {"session": session.id}
    )
    await reply(update, render.ask_prompt(session, context.tr))


async def _draft(update: Update, context: ForumContext, session: Session, text: str) -> None:
    question = await context.runtime.questions.draft(sender_id(update), session, text)
    body, rows = render.sign_choice(session, question, question.signature, context.tr)
    await reply(update, body, keyboard(rows))


async def ask_pressed(update: Update, context: ForumContext, press: AskPress) -> None:
    """Start a question from a card's "Ask a question" button."""
    session = context.runtime.questions.session(press.session)
    await _prompt(update, context, session)
    await answer_press(update)


async def ask_pressed_elsewhere(update: Update, context: ForumContext, press: AskPress) -> None:
    """Ask for the question in the private chat when "Ask a question" is pressed in a group
    (a reply to the card in the group asks it there, signed)."""
    questions = context.runtime.questions
    session = questions.session(press.session)
    questions.check_open(session)
    user_id = sender_id(update)
    await context.runtime.inputs.expect(user_id, FEATURE, QUESTION, {"session": session.id})
    if await reply_privately(update, context, render.ask_prompt(session, context.tr)):
        await answer_press(update, context.tr(CONTINUED_IN_PRIVATE))
        return
    await context.runtime.inputs.clear(user_id, FEATURE)
    await answer_in_private(update, context, press)


async def question_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Take the typed text of a question the person was asked for."""
    message = update.effective_message
    questions = context.runtime.questions
    session = questions.session(str(awaited.data.get("session", "")))
    try:
        await _draft(update, context, session, message.text or "" if message else "")
    except DomainError:
        if not questions.is_open(session):
            await context.runtime.inputs.clear(awaited.user_id, FEATURE)
        raise  # answered by the engine; the prompt stays for another try while it is open
    await context.runtime.inputs.clear(awaited.user_id, FEATURE)


async def host_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Take the host an organiser named: @username, a profile card's code, or a forward."""
    message = update.effective_message
    if message is None:
        return
    await _host_from(update, context, str(awaited.data.get("session", "")), message)
    await context.runtime.inputs.clear(awaited.user_id, FEATURE)


async def sign_pressed(update: Update, context: ForumContext, press: SignPress) -> None:
    """Publish a draft signed or anonymous, as its asker chose."""
    questions = context.runtime.questions
    question = await questions.sign(sender_id(update), press.question, anonymous=press.anonymous)
    session = questions.by_guid(question.session_guid)
    await answer_press(update)
    if session is not None:
        text, rows = render.asked(session, question, context.tr)
        await edit_or_reply(update, text, keyboard(rows))


def _ask_sessions(message: Message | None, context: ForumContext) -> list[Session]:
    """Return the sessions whose "Ask a question" buttons a bot message carries."""
    markup = message.reply_markup if message else None
    if markup is None:
        return []
    found: dict[str, Session] = {}
    questions = context.runtime.questions
    for row in markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            press = AskPress.parse(data if isinstance(data, str) else None)
            session = questions.by_guid_or_id(press.session) if press else None
            if session is not None:
                found[session.id] = session
    return list(found.values())


class _RepliesToAsk(filters.MessageFilter):
    """Replies to one of the bot's messages that carry an "Ask a question" button."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if (
            replied is None
            or replied.from_user is None
            or replied.from_user.id != message.get_bot().id
        ):
            return False
        markup = replied.reply_markup
        return markup is not None and any(
            isinstance(b.callback_data, str) and b.callback_data.startswith(AskPress.prefix + ":")
            for row in markup.inline_keyboard
            for b in row
        )


async def reply_question(update: Update, context: ForumContext) -> None:
    """Take a reply to the "now running" message (or a card) as a question to its session."""
    message = update.effective_message
    try:
        if message is None or not message.text:
            return
        sessions = _ask_sessions(message.reply_to_message, context)
        in_group = message.chat.type != "private"
        if len(sessions) > 1:
            await context.runtime.inputs.expect(
                sender_id(update), FEATURE, PICK, {"text": message.text[:1000]}
            )
            text, rows = render.pick_session(sessions, context.tr)
            await reply(update, text, keyboard(rows))
        elif sessions and in_group:
            question = await context.runtime.questions.ask_signed(
                sender_id(update), sessions[0], message.text
            )
            text, rows = render.asked(sessions[0], question, context.tr)
            await reply(update, text, keyboard(rows))
        elif sessions:
            await _draft(update, context, sessions[0], message.text)
    except DomainError as error:
        await reply(update, error.render(context.tr))
    raise ApplicationHandlerStop


async def pick_pressed(update: Update, context: ForumContext, press: PickPress) -> None:
    """Send a replied question to the session chosen among several running ones."""
    questions = context.runtime.questions
    session = questions.session(press.session)
    user_id = sender_id(update)
    awaited = await context.runtime.inputs.current(user_id, FEATURE)
    if awaited is None or awaited.step != PICK:
        raise DomainError(STALE_BUTTON)
    await context.runtime.inputs.clear(user_id, FEATURE)
    text = str(awaited.data.get("text", ""))
    await answer_press(update)
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        question = await questions.ask_signed(user_id, session, text)
        body, rows = render.asked(session, question, context.tr)
        await edit_or_reply(update, body, keyboard(rows))
        return
    question = await questions.draft(user_id, session, text)
    body, rows = render.sign_choice(session, question, question.signature, context.tr)
    await edit_or_reply(update, body, keyboard(rows))


# ---- reading and voting ----------------------------------------------------------------------


async def questions_command(update: Update, context: ForumContext) -> None:
    """Show a session's questions (the host view for its hosts), or export them (organisers)."""
    runtime = context.runtime
    if not context.args:
        await _offer(update, context, render.to_read)
        return
    if context.args[0].casefold() == "export":
        await _export(update, context)
        return
    session = runtime.questions.session(context.args[0])
    if await runtime.questions.is_host(sender_id(update), session):
        await _send_host_view(update, context, session)
        return
    await _show_list(update, context, session, 0, edit=False)


async def _show_list(
    update: Update, context: ForumContext, session: Session, page: int, *, edit: bool
) -> None:
    queue = await context.runtime.questions.queue(session, sender_id(update))
    text, rows, _ = render.queue_page(session, queue, page, context.tr)
    if edit:
        await edit_or_reply(update, text, keyboard(rows))
    else:
        await reply(update, text, keyboard(rows))


async def list_pressed(update: Update, context: ForumContext, press: ListPress) -> None:
    """Show a page of a session's questions (or refresh it)."""
    session = context.runtime.questions.session(press.session)
    await answer_press(update)
    await _show_list(update, context, session, press.page, edit=True)


async def vote_pressed(update: Update, context: ForumContext, press: VotePress) -> None:
    """Count a "+1" (or withdraw it) and show the presser the new ranking."""
    up = press.up
    session = await context.runtime.questions.vote(sender_id(update), press.question, up=up)
    await answer_press(
        update, context.tr("Your vote counts.") if up else context.tr("Vote withdrawn.")
    )
    chat = update.effective_chat
    if chat is not None and context.runtime.questions_telegram.may_edit_list(chat.id):
        with suppress(RetryAfter):  # the press is answered; the next one shows the ranking
            await _show_list(update, context, session, press.page, edit=True)


# ---- hosting ---------------------------------------------------------------------------------


async def _send_host_view(update: Update, context: ForumContext, session: Session) -> None:
    runtime = context.runtime
    queue = await runtime.questions.host_queue(session)
    text, rows = render.host_view(session, queue, context.tr)
    message = update.effective_message
    if message is None:
        return
    sent = await message.reply_html(text, reply_markup=keyboard(rows), do_quote=False)
    await runtime.questions_telegram.open_view(sent, session, text)


async def host_view_pressed(update: Update, context: ForumContext, press: HostViewPress) -> None:
    """Open the live host view of a session (hosts only)."""
    questions = context.runtime.questions
    session = questions.session(press.session)
    if not await questions.is_host(sender_id(update), session):
        await answer_press(update, context.tr(STALE_BUTTON))
        return
    await answer_press(update)
    await _send_host_view(update, context, session)


async def host_pressed(update: Update, context: ForumContext, press: HostPress) -> None:
    """Apply Answered / Hide / Pin / Approve; a press by anyone but a host changes nothing."""
    updated = await context.runtime.questions.act(sender_id(update), press.question, press.action)
    if updated is None:
        await answer_press(update, context.tr(STALE_BUTTON))
        return
    if updated.status is Status.HIDDEN and press.action is not HostAction.HIDE:
        await answer_press(update, context.tr("This question is no longer available."))
        return
    await answer_press(update, context.tr(_TOASTS[press.action]))


async def host_command(update: Update, context: ForumContext) -> None:
    """Assign a session's hosts: /host 12 @name, /host 12 as a reply, or /host 12 then a name."""
    runtime = context.runtime
    user_id = sender_id(update)
    if not runtime.config.is_organiser(user_id):
        raise DomainError(N_("Only the organisers can assign session hosts."))
    if not context.args:
        await reply(update, context.tr("Send the session's number, e.g. <code>/host 12</code>."))
        return
    session = runtime.questions.session(context.args[0])
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is not None and replied.from_user is not None and not replied.from_user.is_bot:
        await _assign(update, context, session, replied.from_user.id)
        return
    if len(context.args) > 1:
        found = await runtime.questions.find_person(" ".join(context.args[1:]))
        if found is None:
            raise DomainError(NOBODY_TO_HOST)
        await _assign(update, context, session, found)
        return
    await _show_hosts(update, context, session, edit=False)


async def _show_hosts(
    update: Update, context: ForumContext, session: Session, *, edit: bool
) -> None:
    runtime = context.runtime
    if update.effective_chat is not None and update.effective_chat.type == "private":
        await runtime.inputs.expect(sender_id(update), FEATURE, HOST, {"session": session.id})
    text, rows = render.hosts_text(session, await runtime.questions.hosts(session), context.tr)
    if edit:
        await edit_or_reply(update, text, keyboard(rows))
    else:
        await reply(update, text, keyboard(rows))


async def _assign(update: Update, context: ForumContext, session: Session, host_id: int) -> None:
    questions = context.runtime.questions
    added = await questions.assign_host(sender_id(update), session, host_id)
    hosts = dict(await questions.hosts(session))
    name = hosts.get(host_id)
    if name is None:
        raise DomainError(NOBODY_TO_HOST)
    text = (
        context.tr("Done: {name} hosts the questions to <b>{title}</b>.")
        if added
        else context.tr("{name} already hosts the questions to <b>{title}</b>.")
    )
    await reply(update, text.format(name=escape(name), title=title(session, context.tr)))


async def _host_from(
    update: Update, context: ForumContext, session_id: str, message: Message
) -> None:
    """Assign the host named in an awaited message: @name, a card's code or a forward."""
    session = context.runtime.questions.session(session_id)
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        await _assign(update, context, session, origin.sender_user.id)
        return
    if origin is not None or not message.text:
        raise DomainError(
            N_(
                "That person's privacy settings hide who they are in forwards; send their "
                "@username or the code on their profile card instead."
            )
        )
    found = await context.runtime.questions.find_person(message.text or "")
    if found is None:
        raise DomainError(NOBODY_TO_HOST)
    await _assign(update, context, session, found)


async def unhost_pressed(update: Update, context: ForumContext, press: UnhostPress) -> None:
    """Remove a host (organisers only)."""
    questions = context.runtime.questions
    session = questions.session(press.session)
    await questions.remove_host(sender_id(update), session, press.user)
    await answer_press(update)
    await _show_hosts(update, context, session, edit=True)


async def cancel(update: Update, context: ForumContext) -> None:
    """Stop waiting for a question, comment, survey answer or host's name."""
    user_id = sender_id(update)
    for feature in (FEATURE, "feedback"):
        await context.runtime.inputs.clear(user_id, feature)
    await reply(update, context.tr("Stopped. Nothing was changed."))


# ---- export ----------------------------------------------------------------------------------


async def _export(update: Update, context: ForumContext) -> None:
    runtime = context.runtime
    if not runtime.config.is_organiser(sender_id(update)):
        raise DomainError(N_("Only the organisers can export the questions."))
    data = render.questions_csv(await runtime.questions.export(), runtime.schedule.programme)
    message = update.effective_message
    if message is not None:
        await message.reply_document(
            InputFile(data, filename="questions.csv"),
            caption=context.tr("Every question asked, one row each (no names)."),
        )


# ---- registration ----------------------------------------------------------------------------

# Replies in the community group are taken after moderation's watchers (group 1) have seen
# them, and before the schedule's free-text answers (group 10).
GROUP_REPLIES = 5


def group_replies() -> list[Handler]:
    """Return the handler of questions replied in groups (group ``GROUP_REPLIES``)."""
    return [
        MessageHandler(
            filters.ChatType.GROUPS & _TEXT & _RepliesToAsk(name="replies_to_ask"),
            reply_question,
        )
    ]


def conversation() -> Conversation:
    """Return the question text and the host's name as one awaited-input conversation."""
    return Conversation(FEATURE, {QUESTION: question_answer, HOST: host_answer})


def handlers() -> list[Handler]:
    """Return the questions handlers (typed answers come via ``conversation``)."""
    return [
        *commands(PRIVATE, ask=ask_command, questions=questions_command),
        *commands(ADDRESSED, host=host_command),
        MessageHandler(PRIVATE & _TEXT & _RepliesToAsk(name="replies_to_ask"), reply_question),
        on_press(AskPress, ask_pressed, elsewhere=ask_pressed_elsewhere),
        on_press(ListPress, list_pressed),
        on_press(VotePress, vote_pressed),
        on_press(SignPress, sign_pressed),
        on_press(HostPress, host_pressed),
        on_press(HostViewPress, host_view_pressed),
        on_press(UnhostPress, unhost_pressed),
        on_press(PickPress, pick_pressed),
    ]


def cancel_handler(inputs: AwaitedInputs) -> Handler:
    """Return /cancel for people these features are waiting for."""
    return CommandHandler(
        "cancel",
        cancel,
        filters=PRIVATE & (awaiting(FEATURE, inputs) | awaiting("feedback", inputs)),
    )
