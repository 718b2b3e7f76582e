"""Texts and buttons of the "after the forum" message, /stay and the monthly suggestion."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.afterforum.model import Stay
from bot.callbacks import CallbackData, Flag, Rows
from bot.i18n import Translator
from bot.intros.model import Contact
from bot.intros.render import contact_link
from bot.text import fit_lines

MAX_TEXT = 4096
CONTACTS_BUDGET = 2600


class StayPress(CallbackData, prefix="stay", private=True):
    """Stay in the community for the next forum, or not."""

    yes: Flag


class MonthlyPress(CallbackData, prefix="stm", private=True):
    """The monthly /meet suggestion on or off."""

    on: Flag


def _contacts(contacts: Sequence[Contact], tr: Translator) -> list[str]:
    if not contacts:
        return [
            tr(
                "You made no introductions through me this time; /people and /meet work "
                "until the data is deleted."
            )
        ]
    lines = [tr("<b>Your contacts from the forum</b> (copy them somewhere safe):")]
    used = len(lines[0])
    for index, contact in enumerate(contacts):
        link = contact_link(contact.user_id, contact.username, contact.name)
        line = f"• {escape(contact.name)} — {link}"
        if used + len(line) + 1 > CONTACTS_BUDGET:
            lines.append(
                tr("…and {count} more: /mydata has them all.").format(count=len(contacts) - index)
            )
            break
        lines.append(line)
        used += len(line) + 1
    return lines


def stay_rows(tr: Translator) -> Rows:
    """Return the buttons of the choice to stay."""
    return [
        [(tr("🤝 Yes, keep me in the community"), StayPress(yes=True).encode())],
        [(tr("No, thanks"), StayPress(yes=False).encode())],
    ]


def after_forum(
    event: str,
    contacts: Sequence[Contact],
    tr: Translator,
    *,
    survey: Rows,
    purge_days: int,
) -> tuple[str, Rows]:
    """Return the last day's message: contacts, the survey and the choice to stay."""
    lines = [
        tr("🌱 <b>After the forum</b>"),
        tr("Thank you for taking part in {event}!").format(event=escape(event)),
        "",
        *_contacts(contacts, tr),
        "",
    ]
    if survey:
        lines += [
            tr("📝 A short survey about the forum helps the organisers plan the next one."),
            "",
        ]
    lines.append(
        tr(
            "🤝 <b>Stay for the next forum?</b> Personal data is deleted {days} days after the "
            "forum. If you stay, I keep your profile and contacts, tell you the next forum's "
            "dates, and can suggest someone to meet once a month. You can change your mind at "
            "any time with /stay."
        ).format(days=purge_days)
    )
    return fit_lines(lines, MAX_TEXT), [*survey, *stay_rows(tr)]


def stay_status(stay: Stay | None, tr: Translator) -> tuple[str, Rows]:
    """Return /stay: the person's choice and the buttons to change it."""
    if stay is None or not stay.staying:
        text = tr(
            "You have not chosen to stay in the community. If you stay, I keep your profile "
            "past the deletion after the forum and tell you the next forum's dates."
        )
        return text, [[(tr("🤝 Yes, keep me in the community"), StayPress(yes=True).encode())]]
    text = tr(
        "🤝 You stay in the community for the next forum (since {date}). "
        "Monthly /meet suggestion: {monthly}."
    ).format(
        date=stay.decided_at.date().isoformat(),
        monthly=tr("on") if stay.monthly_meet else tr("off"),
    )
    monthly = (
        (tr("Stop the monthly suggestion"), MonthlyPress(on=False).encode())
        if stay.monthly_meet
        else (tr("🗓 Suggest someone to meet each month"), MonthlyPress(on=True).encode())
    )
    return text, [[monthly], [(tr("Leave the community"), StayPress(yes=False).encode())]]


def stayed(stay: Stay, tr: Translator) -> tuple[str, Rows]:
    """Confirm the choice just made."""
    if not stay.staying:
        return (
            tr(
                "All right: your data will be deleted with everyone's after the forum. "
                "Send /stay if you change your mind."
            ),
            [],
        )
    text = tr(
        "🤝 Welcome to the community! I keep your profile for the next forum and will tell "
        "you its dates. Would you like a suggestion of someone to meet from another region "
        "once a month?"
    )
    return text, [
        [(tr("🗓 Suggest someone to meet each month"), MonthlyPress(on=True).encode())],
        [(tr("Leave the community"), StayPress(yes=False).encode())],
    ]


def monthly_intro(tr: Translator) -> str:
    """Head the monthly /meet suggestion."""
    return tr("🗓 Your monthly suggestion: someone from another region you might like to meet.")
