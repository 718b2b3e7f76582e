"""Texts of the personal-data feature: /privacy, the /mydata summary and file, /forget, notices.

Every text is built from the translator and data and stays well under Telegram's limits;
button rows are (label, callback data) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from html import escape

from babel.dates import format_date

from bot.afterforum.render import stay_rows
from bot.callbacks import CallbackData, Flag, Rows
from bot.i18n import Translator
from bot.intros.model import Contact
from bot.intros.render import contact_link
from bot.privacy.model import Export, KeptRecord, PurgePlan
from bot.text import fit_lines

FILENAME = "my-data.json"
CAPTION_LIMIT = 1024


class ForgetPress(CallbackData, prefix="fgt", private=True):
    """Delete everything about the presser, or not."""

    yes: Flag


class ContactsPress(CallbackData, prefix="pvc", private=True):
    """Send the presser the people they were introduced to."""


def _day(plan: PurgePlan, tr: Translator) -> str:
    return format_date(plan.purge_on, "long", locale=tr.language)


def privacy_text(
    tr: Translator,
    plan: PurgePlan | None,
    purge_after_days: int,
    notice_days: int,
    kept: Sequence[KeptRecord],
    stays: bool | None,
) -> tuple[str, Rows]:
    """Return what is stored, why, for how long and what /forget keeps, with the stay choice.

    ``stays`` is None for someone who is not a participant (they have no choice to make).
    """
    lines = [
        tr("<b>What I store about you, and why</b>"),
        tr(
            "• Once you start me in a private chat: your Telegram id, name, username and "
            "language as Telegram reports them, the language and time zone you choose, and "
            "whether you chose to stay for the next forum: to answer you in your language and "
            "time."
        ),
        tr(
            "• Your agenda: the sessions you asked to be reminded of, your reminder settings "
            "and the notices about changes to them."
        ),
        tr(
            "• Your profile, if you make one, your introduction requests with their notes, "
            "the people you blocked and whom /meet suggested to you: to introduce you to "
            "others, only with your consent. Nobody sees your Telegram account unless you "
            "accept an introduction."
        ),
        tr("• Which announcements were sent to you, and whether they arrived."),
        tr(
            "• In the community group: when you joined, whether you accepted the rules, "
            "warnings and moderation actions concerning you, with your id and the name the "
            "group shows, for its moderation. If you never start me in a private chat, that "
            "is all I know about you."
        ),
        tr(
            "• For organisers and moderators: the announcements they wrote and the moderation "
            "actions they took."
        ),
        "",
        tr("<b>For how long</b>"),
    ]
    if plan is not None:
        lines.append(
            tr(
                "Everything is deleted on {date}, {days} days after the forum's last day, unless "
                "you choose to stay for the next forum."
            ).format(date=escape(_day(plan, tr)), days=purge_after_days)
        )
    else:
        lines.append(
            tr(
                "Everything is deleted {days} days after the forum's last day, unless you "
                "choose to stay for the next forum."
            ).format(days=purge_after_days)
        )
    if notice_days > 0:
        lines.append(
            tr.plural(
                "I will remind you {days} day before.",
                "I will remind you {days} days before.",
                notice_days,
            ).format(days=notice_days)
        )
    lines += ["", tr("<b>Your rights</b>"), tr("/mydata sends you everything I store about you.")]
    lines += forget_scope(tr, kept)
    if stays is not None:
        lines += ["", stay_state(tr, stays)]
    return fit_lines(lines), []


def forget_scope(tr: Translator, kept: Sequence[KeptRecord]) -> list[str]:
    """Say what /forget deletes and the minimal records it keeps, each with its reason."""
    if not kept:
        return [tr("/forget deletes all of it at once.")]
    return [
        tr("/forget deletes all of it at once, except:"),
        *(f"• {escape(tr(record.reason))}" for record in kept),
    ]


def stay_state(tr: Translator, stays: bool) -> str:
    """Say whether the person's data stays for the next forum, and how to change that."""
    if stays:
        return tr(
            "You chose to stay for the next forum: your data is kept after this one, until "
            "you /forget it. /stay changes that."
        )
    return tr("You have not chosen to stay for the next forum (/stay to choose).")


def summary(tr: Translator, export: Export) -> str:
    """Return a short human summary of an export, for the file's caption."""
    requests = export.rows("introductions", "requests")
    accepted = sum(1 for row in requests if row.get("status") == "accepted")
    counts = [
        (tr("Reminders"), len(export.rows("agenda", "reminders"))),
        (tr("Introduction requests"), len(requests)),
        (tr("Introductions accepted"), accepted),
        (tr("Announcements received"), len(export.rows("announcements", "received"))),
        (tr("Warnings"), len(export.rows("moderation", "warnings"))),
        (tr("Moderation records about you"), len(export.rows("moderation", "about_you"))),
    ]
    lines = [tr("Everything I store about you is in this file.")]
    profile = export.rows("introductions", "profile")
    lines.append(
        tr("Profile: {name}").format(name=escape(str(profile[0].get("display_name", ""))))
        if profile
        else tr("Profile: none")
    )
    lines += [f"{label}: {count}" for label, count in counts if count]
    if export.rows("account", "stay_for_next_forum"):
        lines.append(tr("You chose to stay for the next forum."))
    return fit_lines(lines, CAPTION_LIMIT)


def document(export: Export, event: str, now: datetime) -> bytes:
    """Return the export as a JSON document."""
    content = {
        "forum": event,
        "exported_at": now.isoformat(),
        "telegram_id": export.user_id,
        "sections": export.sections,
    }
    return json.dumps(content, ensure_ascii=False, indent=2, default=str).encode()


def forget_prompt(tr: Translator, kept: Sequence[KeptRecord]) -> tuple[str, Rows]:
    """Ask for confirmation before /forget, saying what it deletes and what it keeps."""
    lines = [
        tr(
            "This deletes everything I store about you: your profile, your agenda and "
            "reminders, your introduction requests, the announcements you received and the "
            "moderation records about you. It cannot be undone."
        )
    ]
    if kept:
        lines += ["", tr("What stays, and why:")]
        lines += [f"• {escape(tr(record.reason))}" for record in kept]
    lines += ["", tr("Continue?")]
    rows: Rows = [
        [
            (tr("Yes, delete everything"), ForgetPress(yes=True).encode()),
            (tr("No"), ForgetPress(yes=False).encode()),
        ]
    ]
    return fit_lines(lines), rows


def forgotten(tr: Translator) -> str:
    """Confirm that /forget is done."""
    return tr(
        "Done. I have deleted everything I stored about you. If you write to me again, I "
        "will only know what Telegram tells me."
    )


def notice(tr: Translator, plan: PurgePlan, event: str, has_contacts: bool) -> tuple[str, Rows]:
    """Tell a participant, a week ahead, that their data will be deleted, and what they can do."""
    text = "\n\n".join(
        [
            tr("🔔 <b>Your data from {event} will be deleted on {date}.</b>").format(
                event=escape(event), date=escape(_day(plan, tr))
            ),
            tr(
                "Your profile, agenda, introductions and everything else I store about you "
                "will be deleted then (/privacy says what). Save the contacts of the people "
                "you were introduced to before that day, or choose to stay for the next forum: "
                "then I keep your data until you /forget it."
            ),
        ]
    )
    rows: Rows = []
    if has_contacts:
        rows.append([(tr("Save my contacts"), ContactsPress().encode())])
    rows += stay_rows(tr)
    return text, rows


def contacts_text(tr: Translator, contacts: Sequence[Contact]) -> str:
    """List the people the participant was introduced to, with a link to each."""
    if not contacts:
        return tr("You have not been introduced to anyone yet.")
    lines = [tr("<b>The people you were introduced to</b>")]
    for contact in contacts:
        name = contact.name[:64]
        link = contact_link(contact.user_id, contact.username, name)
        lines.append(f"• {escape(name)}: {link}")
    return fit_lines(lines)


def not_started(tr: Translator) -> str:
    """Ask someone who never opened a private chat to do so first."""
    return tr("Please start me in a private chat first: I keep nothing about you until then.")
