"""Personal data in Telegram: /privacy, /mydata, /forget, the stay choice and the purge jobs."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot.privacy import render
from bot.privacy.render import ContactsPress, ForgetPress
from bot.telegram.context import ForumContext
from bot.telegram.delivery import BulkSender, Rendered
from handlers.common import (
    ADDRESSED,
    PRIVATE,
    Handler,
    Periodic,
    commands,
    edit_or_reply,
    keyboard,
    on_press,
    reply,
    sender_id,
)

logger = logging.getLogger(__name__)

PURGE_JOB = "privacy-purge"
NOTICE_JOB = "privacy-notices"
CHECK_INTERVAL = timedelta(minutes=30)


async def show_privacy(update: Update, context: ForumContext) -> None:
    """Say what is stored, why, for how long and what /forget keeps; offer the stay choice."""
    runtime = context.runtime
    config = runtime.config.privacy
    stays = None
    if context.participant is not None:
        stays = await runtime.privacy.stays(context.participant.user_id)
    text, rows = render.privacy_text(
        context.tr,
        runtime.privacy.plan(),
        config.purge_after_days,
        config.notice_days,
        runtime.privacy.kept(),
        stays,
    )
    await reply(update, text, keyboard(rows))


async def my_data(update: Update, context: ForumContext) -> None:
    """Send everything stored about the user: a JSON file with a short summary."""
    message = update.effective_message
    if message is None:
        return
    runtime = context.runtime
    export = await runtime.privacy.export(sender_id(update))
    data = render.document(export, runtime.config.event.name, runtime.clock())
    await message.reply_document(
        InputFile(data, filename=render.FILENAME),
        caption=render.summary(context.tr, export),
        parse_mode=ParseMode.HTML,
    )


async def forget(update: Update, context: ForumContext) -> None:
    """Ask for confirmation before deleting everything about the user."""
    text, rows = render.forget_prompt(context.tr, context.runtime.privacy.kept())
    await reply(update, text, keyboard(rows))


async def forget_pressed(update: Update, context: ForumContext, press: ForgetPress) -> None:
    """Delete everything about the user once confirmed."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if not press.yes:
        await edit_or_reply(update, context.tr("Nothing was deleted."))
        return
    await context.runtime.privacy.forget(sender_id(update))
    context.participant = None
    await edit_or_reply(update, render.forgotten(context.tr))


async def contacts_pressed(update: Update, context: ForumContext, press: ContactsPress) -> None:
    """Send the list of people the user was introduced to, to keep after the purge."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    contacts = await context.runtime.privacy.contacts(sender_id(update))
    await reply(update, render.contacts_text(context.tr, contacts))


async def purge_job(context: ForumContext) -> None:
    """Purge personal data once the configured days after the programme have passed."""
    purged = await context.runtime.privacy.purge_if_due()
    if purged is not None:
        logger.info("purged the personal data of %d people", purged)


async def notice_job(context: ForumContext) -> None:
    """Tell participants, a few days ahead, that the purge is coming."""
    runtime = context.runtime
    plan = runtime.privacy.plan()
    if plan is None:
        return
    event = runtime.config.event.name

    async def notice(user_id: int) -> Rendered:
        tr = await runtime.participants.translator_for(user_id)
        has_contacts = bool(await runtime.privacy.contacts(user_id))
        return render.notice(tr, plan, event, has_contacts)

    sender = BulkSender(context.bot, runtime.outbound)
    while due := await runtime.privacy.notices_due():
        async for user_id, delivery in sender.send_each(due, lambda user_id: user_id, notice):
            sent = delivery.message_id is not None
            await runtime.privacy.notice_sent(user_id, plan.purge_on, sent)


def jobs() -> list[Periodic]:
    """Check for due notices and the purge every half hour, and once shortly after start."""
    return [
        Periodic(NOTICE_JOB, notice_job, CHECK_INTERVAL, first=timedelta(seconds=5)),
        Periodic(PURGE_JOB, purge_job, CHECK_INTERVAL, first=timedelta(seconds=10)),
    ]


def handlers() -> list[Handler]:
    """Return the personal-data handlers."""
    return [
        *commands(ADDRESSED, privacy=show_privacy),
        *commands(PRIVATE, forget, mydata=my_data),
        on_press(ForgetPress, forget_pressed),
        on_press(ContactsPress, contacts_pressed),
    ]
