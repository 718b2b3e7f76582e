"""Feedback in Telegram: rating sessions, the survey, and /feedback for organisers.

A rating starts from a prompt, from "Rate this session" on a card, or from /rate; the stars
are pressed, then a comment is typed or skipped. /survey (and the button in the "after the
forum" message) walks through the configured questions. Organisers get the results with
/feedback (a session with /feedback 12, the survey with /feedback survey) and the CSV with
/feedback export. The periodic jobs send the prompts, reminders and after-forum messages.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import InputFile, Update

from bot.awaiting.model import Awaited
from bot.callbacks import button
from bot.config import Config
from bot.errors import STALE_BUTTON, DomainError
from bot.feedback import render
from bot.feedback.model import Draft, Results, SessionResult
from bot.feedback.render import (
    NamedPress,
    OpenPress,
    RatePress,
    SkipPress,
    SurveyPress,
    SurveySkipPress,
)
from bot.feedback.service import SurveyStep
from bot.i18n import N_
from bot.schedule.model import Session
from bot.telegram.context import ForumContext
from handlers.awaiting import Conversation
from handlers.common import (
    CONTINUED_IN_PRIVATE,
    PRIVATE,
    Handler,
    Periodic,
    answer_in_private,
    answer_press,
    commands,
    edit_or_reply,
    keyboard,
    on_press,
    reply,
    reply_privately,
    sender_id,
)

# This feature's name in the awaited-input engine (bot.awaiting), and its steps.
FEATURE = "feedback"
COMMENT, SURVEY = "comment", "survey"

RATE_CHOICES = 10
# /rate without a number offers the sessions that ended within this long.
_RECENT = timedelta(hours=12)


# ---- rating ----------------------------------------------------------------------------------


async def rate_command(update: Update, context: ForumContext) -> None:
    """Rate a session: /rate 12, or choose among today's sessions that have started."""
    feedback = context.runtime.feedback
    if context.args:
        session = await feedback.open_rating(sender_id(update), feedback.session(context.args[0]))
        text, rows = render.rate_card(session, context.tr)
        await reply(update, text, keyboard(rows))
        return
    programme = context.runtime.schedule.programme
    now = context.runtime.clock()
    started = [
        s
        for s in (programme.sessions if programme else ())
        if feedback.is_rated(s) and s.start <= now and now - s.end < _RECENT
    ][-RATE_CHOICES:]
    if not started:
        await reply(
            update,
            context.tr("No session to rate right now. Send /rate and a session number."),
        )
        return
    tr = context.tr
    rows = [
        [(tr("⭐ Rate: {title}").format(title=s.title_in(tr.language))[:60], data)]
        for s in reversed(started)
        if (data := button(OpenPress(session=s.id)))
    ]
    await reply(update, tr("Which session would you like to rate?"), keyboard(rows))


async def open_pressed(update: Update, context: ForumContext, press: OpenPress) -> None:
    """Show the 1-5 buttons of a session (from a card or a prompt with several sessions)."""
    feedback = context.runtime.feedback
    session = feedback.session(press.session)
    await feedback.open_rating(sender_id(update), session)
    await answer_press(update)
    text, rows = render.rate_card(session, context.tr)
    await reply(update, text, keyboard(rows))


async def open_pressed_elsewhere(update: Update, context: ForumContext, press: OpenPress) -> None:
    """Show the 1-5 buttons in the private chat when "Rate this session" is pressed on a card
    in a group: a rating is the presser's own."""
    feedback = context.runtime.feedback
    session = await feedback.open_rating(sender_id(update), feedback.session(press.session))
    text, rows = render.rate_card(session, context.tr)
    if await reply_privately(update, context, text, keyboard(rows)):
        await answer_press(update, context.tr(CONTINUED_IN_PRIVATE))
        return
    await answer_in_private(update, context, press)


async def rate_pressed(update: Update, context: ForumContext, press: RatePress) -> None:
    """Record the stars and ask for the optional comment."""
    feedback = context.runtime.feedback
    session = feedback.session(press.session)
    draft = await feedback.rate(sender_id(update), session, press.stars)
    await context.runtime.inputs.expect(
        sender_id(update), FEATURE, COMMENT, {"session": session.id}
    )
    await _comment_step(update, context, session, draft)


async def named_pressed(update: Update, context: ForumContext, press: NamedPress) -> None:
    """Show (or stop showing) the person's name to the organisers with this rating."""
    feedback = context.runtime.feedback
    session = feedback.session(press.session)
    draft = await feedback.set_named(sender_id(update), session, press.named)
    await _comment_step(update, context, session, draft)


async def _comment_step(
    update: Update, context: ForumContext, session: Session, draft: Draft
) -> None:
    """Answer the press, then show the draft's comment step (its name choice, Skip) in place."""
    await answer_press(update)
    text, rows = render.comment_step(session, draft.rating, draft.named, context.tr)
    await edit_or_reply(update, text, keyboard(rows))


async def skip_pressed(update: Update, context: ForumContext, press: SkipPress) -> None:
    """Submit the rating without a comment."""
    feedback = context.runtime.feedback
    session = feedback.session(press.session)
    await context.runtime.inputs.clear(sender_id(update), FEATURE)
    submitted = await feedback.submit(sender_id(update), session)
    await answer_press(update)
    await edit_or_reply(update, render.thanks(session, submitted.rating, context.tr))


async def _comment(update: Update, context: ForumContext, session_id: str, text: str) -> None:
    feedback = context.runtime.feedback
    session = feedback.session(session_id)
    # Too long: the prompt stays and the rating still waits for its comment.
    submitted = await feedback.submit(sender_id(update), session, text)
    await context.runtime.inputs.clear(sender_id(update), FEATURE)
    await reply(update, render.thanks(session, submitted.rating, context.tr))


# ---- the survey ------------------------------------------------------------------------------


async def survey_command(update: Update, context: ForumContext) -> None:
    """Take the end-of-forum survey (from the forum's last day)."""
    if not context.runtime.after_forum.is_over():
        raise DomainError(N_("The survey opens on the forum's last day."))
    step = await context.runtime.survey.next_step(sender_id(update))
    await _show_step(update, context, step, edit=False)


async def _show_step(
    update: Update, context: ForumContext, step: SurveyStep, *, edit: bool
) -> None:
    inputs = context.runtime.inputs
    user_id = sender_id(update)
    if step.question is None:
        await inputs.clear(user_id, FEATURE)
        text = render.survey_done(context.tr)
        await (edit_or_reply(update, text) if edit else reply(update, text))
        return
    if step.question.kind == "text":
        await inputs.expect(user_id, FEATURE, SURVEY, {"index": step.index})
    else:
        await inputs.clear(user_id, FEATURE)
    text, rows = render.survey_question(step.question, step.index, step.total, context.tr)
    if edit:
        await edit_or_reply(update, text, keyboard(rows))
    else:
        await reply(update, text, keyboard(rows))


async def survey_pressed(update: Update, context: ForumContext, press: SurveyPress) -> None:
    """Start the survey, or answer a rating or choice question."""
    survey = context.runtime.survey
    user_id = sender_id(update)
    if press.index < 0:
        step = await survey.next_step(user_id)
        await answer_press(update)
        await _show_step(update, context, step, edit=False)
        return
    if not press.value:
        raise DomainError(STALE_BUTTON)
    step = await survey.answer(user_id, press.index, press.value)
    await answer_press(update)
    await _show_step(update, context, step, edit=True)


async def survey_skip_pressed(
    update: Update, context: ForumContext, press: SurveySkipPress
) -> None:
    """Skip an optional survey question."""
    step = await context.runtime.survey.answer(sender_id(update), press.index, None)
    await answer_press(update)
    await _show_step(update, context, step, edit=True)


async def comment_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Take a typed comment on a rating."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    await _comment(update, context, str(awaited.data.get("session", "")), text)


async def survey_answer(update: Update, context: ForumContext, awaited: Awaited) -> None:
    """Take a typed survey answer (the prompt stays until one is accepted)."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    index = awaited.data.get("index", -1)
    step = await context.runtime.survey.answer(
        sender_id(update), index if isinstance(index, int) else -1, text
    )
    await _show_step(update, context, step, edit=False)


# ---- results for organisers ------------------------------------------------------------------


async def feedback_command(update: Update, context: ForumContext) -> None:
    """Show the feedback results with a chart: all, one session, the survey, or the CSV."""
    runtime = context.runtime
    user_id = sender_id(update)
    feedback = runtime.feedback
    tr = context.tr
    programme = runtime.schedule.programme
    argument = context.args[0] if context.args else ""
    what = argument.casefold()
    if what == "export":
        ratings, answers = await feedback.export(user_id)
        data = render.feedback_csv(ratings, answers, programme)
        caption = tr("Every rating and survey answer, one row each (no names).")
        await _document(update, data, "feedback.csv", caption)
        return
    if what == "survey":
        if not runtime.config.is_organiser(user_id):
            raise DomainError(N_("Only the organisers can see the feedback."))
        answers = (await feedback.export(user_id))[1]
        await reply(
            update, render.survey_results_text(answers, runtime.config.survey.questions, tr)
        )
        return
    if what:
        session = feedback.session(argument)
        result = await feedback.session_result(user_id, session)
        await reply(update, render.session_result_text(result, session, tr))
        if result.tally.count:
            results = _single(result)
            await _chart(update, context, results, session.title_in(tr.language))
        return
    results = await feedback.results(user_id)
    await reply(update, render.results_text(results, programme, tr))
    if results.overall.count:
        await _chart(update, context, results, tr("Ratings per session"))


def _single(result: SessionResult) -> Results:
    return Results((result,), result.tally, result.by_region, result.by_language)


async def _chart(update: Update, context: ForumContext, results: Results, heading: str) -> None:
    tr = context.tr
    data = render.chart_data(results, context.runtime.schedule.programme, tr, heading=heading)
    # Drawing takes a moment of CPU: off the event loop, so nobody else waits for it.
    png = await asyncio.to_thread(render.chart_png, data, tr)
    message = update.effective_message
    if message is not None:
        await message.reply_photo(InputFile(png, filename="feedback.png"), caption=heading[:1000])


async def _document(update: Update, data: bytes, filename: str, caption: str) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_document(InputFile(data, filename=filename), caption=caption)


# ---- jobs ------------------------------------------------------------------------------------


async def dispatch_job(context: ForumContext) -> None:
    """Send due feedback prompts, survey reminders, after-forum messages and group posts."""
    runtime = context.runtime
    await runtime.feedback_dispatch.run()
    await runtime.after_forum_sender.run()
    await runtime.questions_telegram.post_top_questions()
    await runtime.questions_telegram.tidy()


def jobs(config: Config) -> list[Periodic]:
    """Return the dialogue features' periodic dispatch (the first shortly after start)."""
    interval = timedelta(seconds=config.feedback.dispatch_interval_seconds)
    return [Periodic("dialogues", dispatch_job, interval, first=timedelta(seconds=5))]


# ---- registration ----------------------------------------------------------------------------


def conversation() -> Conversation:
    """Return the rating's comment and the survey's typed answers as one conversation."""
    return Conversation(FEATURE, {COMMENT: comment_answer, SURVEY: survey_answer})


def handlers() -> list[Handler]:
    """Return the feedback handlers (typed answers come via ``conversation``)."""
    return [
        *commands(PRIVATE, rate=rate_command, survey=survey_command, feedback=feedback_command),
        on_press(OpenPress, open_pressed, elsewhere=open_pressed_elsewhere),
        on_press(RatePress, rate_pressed),
        on_press(NamedPress, named_pressed),
        on_press(SkipPress, skip_pressed),
        on_press(SurveyPress, survey_pressed),
        on_press(SurveySkipPress, survey_skip_pressed),
    ]
