"""Profiles, the directory, introduction requests, /meet and self-introductions.

Thin adapters over ``bot.intros.service``: the service decides who is told what (the other side
of a request, the staff, the community group) through its notifier; these answer the user.
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.ext import CommandHandler, filters

from bot.awaiting.model import Awaited
from bot.awaiting.service import AwaitedInputs
from bot.i18n import N_, Translator
from bot.intros import render as texts
from bot.intros.model import TOPIC_LABELS, DirectoryFilter, RequestStatus
from bot.intros.render import (
    INTRO_LINK,
    ConsentPress,
    DecisionPress,
    DeleteConfirmedPress,
    DeletePress,
    EditPress,
    IntroducePress,
    MeetPress,
    PagePress,
    ReviewPress,
    SelfIntroPress,
    SkipPress,
    TopicPress,
    TopicsDonePress,
)
from bot.intros.service import FEATURE, StepResult, parse_code
from bot.regions import REGION_NAMES, find_country, find_language, find_region
from bot.telegram.context import ForumContext
from handlers.awaiting import Conversation, awaiting
from handlers.common import (
    CONTINUED_IN_PRIVATE,
    PRIVATE,
    Handler,
    answer_in_private,
    answer_press,
    answer_stale,
    commands,
    edit_or_reply,
    escape,
    keyboard,
    on_press,
    reply,
    sender_id,
)

logger = logging.getLogger(__name__)


# ---- profile ---------------------------------------------------------------------------


async def show_profile(update: Update, context: ForumContext) -> None:
    """Show the user's profile with edit buttons, or start the guided conversation."""
    user_id = sender_id(update)
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


async def profile_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Take a typed answer to the profile question being asked."""
    message = update.effective_message
    if message is None or not message.text:
        return
    result = await context.runtime.intros.answer_text(awaited.user_id, message.text)
    await _after_answer(update, context, result)


async def cancel(update: Update, context: ForumContext) -> None:
    """Stop the profile or note conversation without saving."""
    await context.runtime.intros.cancel(sender_id(update))
    await reply(update, context.tr("Stopped. Nothing was changed."))


async def edit_pressed(update: Update, context: ForumContext, press: EditPress) -> None:
    """Ask again for one field of the profile."""
    conversation = await context.runtime.intros.begin(sender_id(update), f"edit:{press.step}")
    await _ask(update, context, conversation.step, list(conversation.data.get("topics", [])))
    # Answered after the work: a DomainError is answered, with its reason, by the error handler.
    await answer_press(update)


async def topic_pressed(update: Update, context: ForumContext, press: TopicPress) -> None:
    """Select or unselect a topic."""
    conversation = await context.runtime.intros.toggle_topic(sender_id(update), press.index)
    topics = context.runtime.config.introductions.topics
    text, rows = texts.prompt(conversation.step, context.tr, topics, conversation.data["topics"])
    await edit_or_reply(update, text, keyboard(rows))
    await answer_press(update)


async def topics_done_pressed(
    update: Update, context: ForumContext, press: TopicsDonePress
) -> None:
    """Close the topic choice."""
    await _after_answer(
        update, context, await context.runtime.intros.finish_topics(sender_id(update))
    )
    await answer_press(update)


async def consent_pressed(update: Update, context: ForumContext, press: ConsentPress) -> None:
    """Record a yes or no to a consent question."""
    intros = context.runtime.intros
    result = await intros.answer_consent(sender_id(update), press.step, press.yes)
    await _after_answer(update, context, result)
    await answer_press(update)


async def skip_pressed(update: Update, context: ForumContext, press: SkipPress) -> None:
    """Leave an optional field empty."""
    await _after_answer(
        update, context, await context.runtime.intros.skip(sender_id(update), press.step)
    )
    await answer_press(update)


async def delete_pressed(update: Update, context: ForumContext, press: DeletePress) -> None:
    """Ask to confirm deleting the profile."""
    rows = [[(context.tr("Yes, delete my profile"), DeleteConfirmedPress().encode())]]
    text = context.tr("Delete your profile? Your pending requests stay until answered.")
    await reply(update, text, keyboard(rows))
    await answer_press(update)


async def delete_confirmed(
    update: Update, context: ForumContext, press: DeleteConfirmedPress
) -> None:
    """Delete the profile."""
    deleted = await context.runtime.intros.delete_profile(sender_id(update))
    tr = context.tr
    await edit_or_reply(
        update, tr("Your profile is deleted.") if deleted else tr("You have no profile.")
    )
    await answer_press(update)


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


async def people_pressed(update: Update, context: ForumContext, press: PagePress) -> None:
    """Turn a directory page."""
    await _show_page(update, context, press.filter, press.page)
    await answer_press(update)


async def _show_page(
    update: Update, context: ForumContext, wanted: DirectoryFilter, page: int
) -> None:
    found = await context.runtime.intros.directory(wanted, page)
    text, rows = texts.directory_page(found, wanted, context.tr, sender_id(update))
    await edit_or_reply(update, text, keyboard(rows))


# ---- introduction requests ----------------------------------------------------------------


async def intro_command(update: Update, context: ForumContext) -> None:
    """Start a request to the profile with the code given, or explain how."""
    if not context.args or parse_code(context.args[0]) is None:
        await reply(
            update,
            context.tr(
                "Find someone with /people or /meet and press “Introduce me”, or send /intro and "
                "the code on their card, e.g. <code>/intro 3f9a0c2b7d5e8a41</code>."
            ),
        )
        return
    await _start_request(update, context, context.args[0])


async def intro_link(update: Update, context: ForumContext) -> None:
    """Start a request from a deep link (``/start i_<code>``: a card's button pressed in a
    group by someone who had not started the bot yet)."""
    payload = context.args[0] if context.args else ""
    await _start_request(update, context, payload.removeprefix(INTRO_LINK))


async def intro_pressed(update: Update, context: ForumContext, press: IntroducePress) -> None:
    """Start a request from a card's Introduce me button."""
    await _start_request(update, context, press.profile)
    await answer_press(update)


async def intro_pressed_elsewhere(
    update: Update, context: ForumContext, press: IntroducePress
) -> None:
    """Continue an Introduce me pressed on a card in a group in the presser's private chat."""
    if await context.runtime.intros.start_request_in_private(sender_id(update), press.profile):
        await answer_press(update, context.tr(CONTINUED_IN_PRIVATE))
        return
    await answer_in_private(update, context, press)


async def _start_request(update: Update, context: ForumContext, token: str) -> None:
    target = await context.runtime.intros.start_request(sender_id(update), token)
    await reply(update, texts.ask_note(target, context.tr))


async def note_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Send the request with the note the user wrote; the service passes it on."""
    message = update.effective_message
    if message is None or not message.text:
        return
    _, delivered = await context.runtime.intros.submit_note(awaited.user_id, message.text)
    if delivered:
        await reply(update, context.tr("Sent. I will tell you when they answer."))
        return
    await reply(
        update,
        context.tr(
            "I could not deliver your request; this person cannot be reached at the moment."
        ),
    )


_DECISIONS: dict[str, RequestStatus] = {"a": "accepted", "d": "declined", "b": "blocked"}


async def decision_pressed(update: Update, context: ForumContext, press: DecisionPress) -> None:
    """Accept, decline or block & report a request; only its target's press counts."""
    status = _DECISIONS[press.decision]
    decided = await context.runtime.intros.decide(press.request, sender_id(update), status)
    if decided is None:
        await answer_stale(update, context)
        return
    await answer_press(update)
    await _close_relay(update, context.tr(_DECIDED[decided.status]))
    if decided.status == "declined":
        await reply(update, context.tr("Declined. They will not be told why."))
    elif decided.status == "blocked":
        await reply(
            update,
            context.tr(
                "Blocked: this person cannot send you requests any more. The moderators have "
                "been told."
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


# ---- /meet ------------------------------------------------------------------------------


async def meet(update: Update, context: ForumContext) -> None:
    """Suggest someone from another region, after asking once to take part."""
    intros = context.runtime.intros
    user_id = sender_id(update)
    mine = await intros.profile(user_id)
    if mine is not None and not mine.meet_opt_in:
        rows = [
            [
                (context.tr("Yes, suggest people"), MeetPress(yes=True).encode()),
                (context.tr("No"), MeetPress(yes=False).encode()),
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
    found = await context.runtime.intros.meet(sender_id(update))
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


async def meet_pressed(update: Update, context: ForumContext, press: MeetPress) -> None:
    """Record the /meet opt-in answer."""
    yes = press.yes
    await context.runtime.intros.set_meet_opt_in(sender_id(update), yes)
    if yes:
        await _suggest(update, context)
    else:
        await edit_or_reply(
            update, context.tr("All right; send /meet again if you change your mind.")
        )
    await answer_press(update)


# ---- self-introduction ------------------------------------------------------------------


async def self_intro_pressed(update: Update, context: ForumContext, press: SelfIntroPress) -> None:
    """Post the user's card to the community group, or send it to the moderators first."""
    intro = await context.runtime.intros.request_self_intro(sender_id(update))
    await answer_press(update)
    if intro.status == "posted":
        await reply(update, texts.posted(context.tr))
        return
    await reply(
        update,
        context.tr("Thank you! A moderator will look at your introduction before it is posted."),
    )


async def self_intro_decided(update: Update, context: ForumContext, press: ReviewPress) -> None:
    """Approve or reject a self-introduction; only moderators' presses count."""
    approve = press.approve == "y"
    intro = await context.runtime.intros.decide_self_intro(
        press.intro, sender_id(update), approve=approve
    )
    if intro is None:
        await answer_stale(update, context)
        return
    await answer_press(update)
    tr = context.tr
    await edit_or_reply(update, tr("Done: approved.") if approve else tr("Done: rejected."))


def deep_links() -> list[Handler]:
    """Return the ``/start i_<code>`` handler, to be registered before the core ``/start``."""
    return [
        CommandHandler(
            "start", intro_link, filters=PRIVATE & filters.Regex(rf"^/start {INTRO_LINK}")
        )
    ]


def conversation() -> Conversation:
    """Return the profile questions and the request note as one awaited-input conversation."""
    return Conversation(FEATURE, {"note": note_answer}, other_steps=profile_answer)


def handlers(inputs: AwaitedInputs) -> list[Handler]:
    """Return the introductions handlers (answers to its questions come via ``conversation``)."""
    return [
        *commands(
            PRIVATE,
            people,
            meet,
            profile=show_profile,
            intro=intro_command,
        ),
        CommandHandler("cancel", cancel, filters=PRIVATE & awaiting(FEATURE, inputs)),
        on_press(EditPress, edit_pressed),
        on_press(TopicPress, topic_pressed),
        on_press(TopicsDonePress, topics_done_pressed),
        on_press(ConsentPress, consent_pressed),
        on_press(SkipPress, skip_pressed),
        on_press(DeletePress, delete_pressed),
        on_press(DeleteConfirmedPress, delete_confirmed),
        on_press(PagePress, people_pressed),
        on_press(IntroducePress, intro_pressed, elsewhere=intro_pressed_elsewhere),
        on_press(DecisionPress, decision_pressed),
        on_press(MeetPress, meet_pressed),
        on_press(SelfIntroPress, self_intro_pressed),
        on_press(ReviewPress, self_intro_decided),
    ]
