"""After the forum in Telegram: /stay and the buttons of the last day's message."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.afterforum import render
from bot.afterforum.render import MonthlyPress, StayPress
from bot.telegram.context import ForumContext
from handlers.common import (
    PRIVATE,
    Handler,
    Rows,
    answer_press,
    edit_or_reply,
    keyboard,
    on_press,
    reply,
    sender_id,
)


async def stay_command(update: Update, context: ForumContext) -> None:
    """Show whether the person stays in the community, with the buttons to change it."""
    stay = await context.runtime.after_forum.status(sender_id(update))
    text, rows = render.stay_status(stay, context.tr)
    await reply(update, text, keyboard(rows))


async def stay_pressed(update: Update, context: ForumContext, press: StayPress) -> None:
    """Record the choice to stay in the community (or to leave it)."""
    stay = await context.runtime.after_forum.choose(sender_id(update), press.yes)
    await _answered(update, render.stayed(stay, context.tr))


async def monthly_pressed(update: Update, context: ForumContext, press: MonthlyPress) -> None:
    """Switch the monthly /meet suggestion."""
    stay = await context.runtime.after_forum.set_monthly(sender_id(update), press.on)
    await _answered(update, render.stay_status(stay, context.tr))


async def _answered(update: Update, shown: tuple[str, Rows]) -> None:
    """Answer the press, then show the new text and buttons in its message."""
    await answer_press(update)
    text, rows = shown
    await edit_or_reply(update, text, keyboard(rows))


def handlers() -> list[Handler]:
    """Return the after-the-forum handlers."""
    return [
        CommandHandler("stay", stay_command, filters=PRIVATE),
        on_press(StayPress, stay_pressed),
        on_press(MonthlyPress, monthly_pressed),
    ]
