"""Feedback in Telegram: rating sessions, the survey, and /feedback for organisers.

A rating starts from a prompt, from "Rate this session" on a card, or from /rate; the stars
are pressed, then a comment is typed or skipped. /survey (and the button in the "after the
forum" message) walks through the configured questions. Organisers get the results with
/feedback (a session with /feedback 12, the survey with /feedback survey) and the CSV with
/feedback export. The periodic jobs send the prompts, reminders and after-forum messages.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import InputFile, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.errors import DomainError
from bot.feedback import render
from bot.feedback.model import Results, SessionResult
from bot.feedback.service import SurveyStep
from bot.i18n import N_
from bot.telegram.context import ForumContext
from handlers.common import PRIVATE, Awaiting, Handler, edit_or_reply, keyboard, reply

logger = logging.getLogger(__name__)

RATE_CHOICES = 10
# /rate without a number offers the sessions that ended within this long.
_RECENT = timedelta(hours=12)


def _user_id(update: Update) -> int:
    user = update.effective_user
    if user is None:
        raise RuntimeError("update without a user")  # the filters only route users' updates
    return user.id


def _action(update: Update) -> callbacks.Action:
    query = update.callback_query
    action = callbacks.parse(query.data if query else None)
    if action is None:
        raise DomainError(N_("This button is no longer valid."))
    return action


async def _answer(update: Update, text: str | None = None) -> None:
    """Answer the press; one too old to answer (the work is done anyway) is only logged."""
    if update.callback_query is None:
        return
    try:
        await update.callback_query.answer(text)
    except BadRequest as error:
        if "too old" not in error.message.lower() and "invalid" not in error.message.lower():
            raise
        logger.info("a press was answered too late: %s", error.message)


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == "private"


# ---- rating ----------------------------------------------------------------------------------


async def rate_command(update: Update, context: ForumContext) -> None:
    """Rate a session: /rate 12, or choose among today's sessions that have started."""
    feedback = context.runtime.feedback
    if context.args:
        session = await feedback.open_rating(_user_id(update), feedback.session(context.args[0]))
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
        if (data := render.button(render.OPEN, s.id))
    ]
    await reply(update, tr("Which session would you like to rate?"), keyboard(rows))


async def open_pressed(update: Update, context: ForumContext) -> None:
    """Show the 1-5 buttons of a session (from a card or a prompt with several sessions)."""
    feedback = context.runtime.feedback
    if not _private(update):
        await _answer(update, context.tr("Rate sessions in a private chat with me: send /rate."))
        return
    session = feedback.session(_action(update).arg(0) or "")
    await feedback.open_rating(_user_id(update), session)
    await _answer(update)
    text, rows = render.rate_card(session, context.tr)
    await reply(update, text, keyboard(rows))


async def rate_pressed(update: Update, context: ForumContext) -> None:
    """Record the stars and ask for the optional comment."""
    action = _action(update)
    feedback = context.runtime.feedback
    session = feedback.session(action.arg(0) or "")
    stars = action.int_arg(1)
    if stars is None:
        raise DomainError(N_("This button is no longer valid."))
    draft = await feedback.rate(_user_id(update), session, stars)
    await context.runtime.dialogue_inputs.expect(_user_id(update), "comment", session=session.id)
    await _answer(update)
    text, rows = render.comment_step(session, draft.rating, draft.named, context.tr)
    await edit_or_reply(update, text, keyboard(rows))


async def named_pressed(update: Update, context: ForumContext) -> None:
    """Show (or stop showing) the person's name to the organisers with this rating."""
    action = _action(update)
    feedback = context.runtime.feedback
    session = feedback.session(action.arg(0) or "")
    draft = await feedback.set_named(_user_id(update), session, action.arg(1) == "1")
    await _answer(update)
    text, rows = render.comment_step(session, draft.rating, draft.named, context.tr)
    await edit_or_reply(update, text, keyboard(rows))


async def skip_pressed(update: Update, context: ForumContext) -> None:
    """Submit the rating without a comment."""
    feedback = context.runtime.feedback
    session = feedback.session(_action(update).arg(0) or "")
    await context.runtime.dialogue_inputs.drop(_user_id(update), "comment")
    submitted = await feedback.submit(_user_id(update), session)
    await _answer(update)
    await edit_or_reply(update, render.thanks(session, submitted.rating, context.tr))


async def _comment(update: Update, context: ForumContext, session_id: str, text: str) -> None:
    feedback = context.runtime.feedback
    session = feedback.session(session_id)
    try:
        submitted = await feedback.submit(_user_id(update), session, text)
    except DomainError:
        if await feedback.store.draft(_user_id(update), session.guid) is not None:
            # Too long: the rating still waits for its comment.
            await context.runtime.dialogue_inputs.expect(
                _user_id(update), "comment", session=session.id
            )
        raise
    await reply(update, render.thanks(session, submitted.rating, context.tr))


# ---- the survey ------------------------------------------------------------------------------


async def survey_command(update: Update, context: ForumContext) -> None:
    """Take the end-of-forum survey (from the forum's last day)."""
    if not context.runtime.after_forum.is_over():
        raise DomainError(N_("The survey opens on the forum's last day."))
    step = await context.runtime.survey.next_step(_user_id(update))
    await _show_step(update, context, step, edit=False)


async def _show_step(
    update: Update, context: ForumContext, step: SurveyStep, *, edit: bool
) -> None:
    inputs = context.runtime.dialogue_inputs
    user_id = _user_id(update)
    if step.question is None:
        await inputs.drop(user_id, "survey")
        text = render.survey_done(context.tr)
        await (edit_or_reply(update, text) if edit else reply(update, text))
        return
    if step.question.kind == "text":
        await inputs.expect(user_id, "survey", index=step.index)
    else:
        await inputs.drop(user_id, "survey")
    text, rows = render.survey_question(step.question, step.index, step.total, context.tr)
    if edit:
        await edit_or_reply(update, text, keyboard(rows))
    else:
        await reply(update, text, keyboard(rows))


async def survey_pressed(update: Update, context: ForumContext) -> None:
    """Start the survey, or answer a rating or choice question."""
    action = _action(update)
    survey = context.runtime.survey
    user_id = _user_id(update)
    if action.arg(0) == "start":
        step = await survey.next_step(user_id)
        await _answer(update)
        await _show_step(update, context, step, edit=False)
        return
    index = action.int_arg(0)
    if index is None or action.arg(1) is None:
        raise DomainError(N_("This button is no longer valid."))
    step = await survey.answer(user_id, index, action.arg(1))
    await _answer(update)
    await _show_step(update, context, step, edit=True)


async def survey_skip_pressed(update: Update, context: ForumContext) -> None:
    """Skip an optional survey question."""
    index = _action(update).int_arg(0)
    if index is None:
        raise DomainError(N_("This button is no longer valid."))
    step = await context.runtime.survey.answer(_user_id(update), index, None)
    await _answer(update)
    await _show_step(update, context, step, edit=True)


async def _survey_text(update: Update, context: ForumContext, index: int, text: str) -> None:
    try:
        step = await context.runtime.survey.answer(_user_id(update), index, text)
    except DomainError:
        await context.runtime.dialogue_inputs.expect(_user_id(update), "survey", index=index)
        raise
    await _show_step(update, context, step, edit=False)


async def awaited_text(update: Update, context: ForumContext) -> None:
    """Take a typed comment or survey answer; no later group sees the text."""
    message = update.effective_message
    awaited = await context.runtime.dialogue_inputs.take(_user_id(update))
    try:
        if message is not None and message.text and awaited is not None:
            kind, payload = awaited
            if kind == "comment":
                await _comment(update, context, str(payload.get("session", "")), message.text)
            else:
                await _survey_text(update, context, int(payload.get("index", -1)), message.text)
    except DomainError as error:
        await reply(update, error.render(context.tr))
    raise ApplicationHandlerStop


# ---- results for organisers ------------------------------------------------------------------


async def feedback_command(update: Update, context: ForumContext) -> None:
    """Show the feedback results with a chart: all, one session, the survey, or the CSV."""
    runtime = context.runtime
    user_id = _user_id(update)
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
    await runtime.feedback_dispatch.run(context.bot)
    await runtime.after_forum_sender.run(context.bot)
    await runtime.questions_telegram.post_top_questions()
    await runtime.questions_telegram.tidy()


def schedule_jobs(application: Application[Any, ForumContext, Any, Any, Any, Any]) -> None:
    """Run the dispatch periodically (and shortly after start)."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("feedback needs python-telegram-bot's job-queue extra")
    runtime = application.bot_data.runtime
    interval = runtime.config.feedback.dispatch_interval_seconds if runtime else 30.0
    job_queue.run_repeating(dispatch_job, interval=interval, first=5, name="dialogues")


# ---- registration ----------------------------------------------------------------------------


def handlers(expecting: dict[int, str]) -> list[Handler]:
    """Return the feedback handlers; ``expecting`` is ``runtime.dialogue_inputs.expecting``."""
    text = filters.TEXT & ~filters.COMMAND
    return [
        CommandHandler("rate", rate_command, filters=PRIVATE),
        CommandHandler("survey", survey_command, filters=PRIVATE),
        CommandHandler("feedback", feedback_command, filters=PRIVATE),
        MessageHandler(PRIVATE & text & Awaiting(expecting, "comment", "survey"), awaited_text),
        CallbackQueryHandler(open_pressed, pattern=r"^fbo:"),
        CallbackQueryHandler(rate_pressed, pattern=r"^fbr:"),
        CallbackQueryHandler(named_pressed, pattern=r"^fbn:"),
        CallbackQueryHandler(skip_pressed, pattern=r"^fbs:"),
        CallbackQueryHandler(survey_pressed, pattern=r"^sv:"),
        CallbackQueryHandler(survey_skip_pressed, pattern=r"^svs:"),
    ]
