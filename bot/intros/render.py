"""Texts of the introductions feature: profile cards, prompts, relays and their buttons.

Everything a participant typed is cut to size first and then HTML-escaped here, so handlers
only send what these functions return. Button rows are (label, callback data) pairs.
"""

from __future__ import annotations

from html import escape

from bot import callbacks
from bot.i18n import N_, Translator
from bot.intros.service import (
    MAX_BIO,
    MAX_NOTE,
    TOPIC_LABELS,
    DirectoryFilter,
    DirectoryPage,
    Profile,
)
from bot.regions import REGION_NAMES, country_name, language_name
from bot.text import fit_lines

Rows = list[list[tuple[str, str]]]

_COMPACT_BIO = 160
_COMPACT_FIELD = 60

PROMPTS: dict[str, str] = {
    "name": N_("What name should other participants see? (up to 64 characters)"),
    "organisation": N_("Which organisation do you work for?"),
    "city": N_("In which city are you based?"),
    "country": N_(
        "In which country? Send its name in any of the forum's languages or its "
        "two-letter code (e.g. KE, BR, DE)."
    ),
    "role": N_("What is your role or position?"),
    "topics": N_("Which topics interest you? Choose one or more, then press Done."),
    "languages": N_("Which languages do you speak? Separate them with commas, e.g. English, fr."),
    "bio": N_("Tell others a little about yourself and your work (up to 500 characters)."),
    "listed": N_("May I list your profile in the participant directory (/people)?"),
    "intros": N_(
        "May other participants send you introduction requests? You decide on each one; "
        "nobody sees your Telegram account unless you accept."
    ),
}


def cut(text: str, limit: int) -> str:
    """Shorten text to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def topic_label(topic: str, tr: Translator) -> str:
    """Return a topic's label in the reader's language (unknown ids as configured)."""
    label = TOPIC_LABELS.get(topic)
    return tr(label) if label else topic


def region_label(region: str, tr: Translator) -> str:
    """Return a region's name in the reader's language."""
    return tr(REGION_NAMES.get(region, REGION_NAMES["other"]))


def profile_card(profile: Profile, tr: Translator, *, compact: bool = False) -> str:
    """Render a profile as an HTML card; compact cards fit five to a message."""
    field = _COMPACT_FIELD if compact else 100
    lines = [
        "<b>{name}</b> · {number}".format(
            name=escape(profile.display_name),
            number=tr("No. {number}").format(number=profile.profile_id),
        )
    ]
    work = ", ".join(p for p in (profile.role, profile.organisation) if p)
    if work:
        lines.append(escape(cut(work, field * 2)))
    place = ", ".join(
        p for p in (cut(profile.city, field), country_name(profile.country, tr.language)) if p
    )
    lines.append(f"📍 {escape(place)} — {escape(region_label(profile.region, tr))}")
    if profile.topics:
        topics = ", ".join(topic_label(t, tr) for t in profile.topics)
        lines.append(f"🗂 {escape(cut(topics, 240))}")
    if profile.languages:
        spoken = ", ".join(language_name(code, tr.language) for code in profile.languages)
        lines.append(f"🗣 {escape(cut(spoken, 120))}")
    if profile.bio:
        bio = cut(profile.bio, _COMPACT_BIO if compact else MAX_BIO)
        lines.append(f"\n{escape(bio)}")
    return "\n".join(lines)


def own_profile(profile: Profile, tr: Translator) -> tuple[str, Rows]:
    """Render the user's own profile with its consents and edit buttons."""
    yes, no = tr("yes"), tr("no")
    text = "\n".join(
        [
            tr("<b>Your profile</b>"),
            "",
            profile_card(profile, tr),
            "",
            tr("Listed in the directory: {answer}").format(answer=yes if profile.listed else no),
            tr("Accepts introduction requests: {answer}").format(
                answer=yes if profile.accepts_intros else no
            ),
        ]
    )
    edit = [
        (tr("Name"), "name"),
        (tr("Organisation"), "organisation"),
        (tr("City"), "city"),
        (tr("Country"), "country"),
        (tr("Role"), "role"),
        (tr("Topics"), "topics"),
        (tr("Languages"), "languages"),
        (tr("Bio"), "bio"),
        (tr("Directory"), "listed"),
        (tr("Requests"), "intros"),
    ]
    rows: Rows = [
        [(label, callbacks.encode("pfe", step)) for label, step in edit[i : i + 3]]
        for i in range(0, len(edit), 3)
    ]
    rows.append([(tr("Post my card to the community group"), callbacks.encode("sig"))])
    rows.append([(tr("Delete my profile"), callbacks.encode("pfdel"))])
    return text, rows


def prompt(step: str, tr: Translator, topics: list[str], chosen: list[str]) -> tuple[str, Rows]:
    """Render the question for a profile step with its buttons."""
    base = step.removeprefix("edit:")
    text = tr(PROMPTS[base])
    rows: Rows = []
    if base == "topics":
        for index, topic in enumerate(topics):
            mark = "✅ " if topic in chosen else ""
            rows.append([(mark + topic_label(topic, tr), callbacks.encode("pft", index))])
        rows.append([(tr("Done"), callbacks.encode("pftd"))])
    elif base in ("listed", "intros"):
        rows.append(
            [
                (tr("Yes"), callbacks.encode("pfc", base, 1)),
                (tr("No"), callbacks.encode("pfc", base, 0)),
            ]
        )
    elif base in ("organisation", "city", "role", "bio"):
        rows.append([(tr("Skip"), callbacks.encode("pfs", base))])
    if not step.startswith("edit:"):
        text += "\n\n" + tr("(Send /cancel to stop; nothing is saved until the last question.)")
    return text, rows


def filter_label(wanted: DirectoryFilter, tr: Translator) -> str:
    """Describe a directory filter in the reader's language."""
    if wanted.kind == "topic":
        return topic_label(wanted.value, tr)
    if wanted.kind == "country":
        return country_name(wanted.value, tr.language)
    if wanted.kind == "region":
        return region_label(wanted.value, tr)
    if wanted.kind == "language":
        return language_name(wanted.value, tr.language)
    return tr("everyone")


def directory_page(
    found: DirectoryPage, wanted: DirectoryFilter, tr: Translator, viewer_id: int
) -> tuple[str, Rows]:
    """Render a page of the directory with an Introduce me button per card and paging."""
    header = tr("<b>Participants: {filter}</b> (page {page})").format(
        filter=escape(filter_label(wanted, tr)), page=found.page + 1
    )
    if not found.profiles:
        return header + "\n\n" + tr("Nobody to show here yet."), []
    cards = [profile_card(p, tr, compact=True) for p in found.profiles]
    rows: Rows = [
        [(tr("Introduce me to {name}").format(name=cut(p.display_name, 24)), _intro_data(p))]
        for p in found.profiles
        if p.accepts_intros and p.user_id != viewer_id
    ]
    paging = []
    code = {"all": "a", "topic": "t", "country": "c", "region": "r", "language": "l"}[wanted.kind]
    if found.page > 0:
        paging.append(
            (tr("◀ Previous"), callbacks.encode("ppl", code, wanted.value, found.page - 1))
        )
    if found.has_next:
        paging.append((tr("Next ▶"), callbacks.encode("ppl", code, wanted.value, found.page + 1)))
    if paging:
        rows.append(paging)
    # Whole cards only: with every field at its longest, five can exceed one message.
    return fit_lines([header, *(f"\n{card}" for card in cards)]), rows


def _intro_data(profile: Profile) -> str:
    return callbacks.encode("itr", profile.profile_id)


def introduce_button(profile: Profile, tr: Translator) -> Rows:
    """Return the Introduce me button for a single card."""
    return [[(tr("Introduce me"), _intro_data(profile))]]


def ask_note(target: Profile, tr: Translator) -> str:
    """Ask the requester for their note."""
    return tr(
        "Write a short note to {name} (up to {limit} characters): who you are and why you "
        "would like to talk. I will pass it on with your profile card, without your Telegram "
        "account. Send /cancel to stop."
    ).format(name=f"<b>{escape(target.display_name)}</b>", limit=MAX_NOTE)


def relay(requester: Profile, note: str, request_id: int, tr: Translator) -> tuple[str, Rows]:
    """Render an introduction request as the target sees it: card, note, three buttons."""
    text = "\n".join(
        [
            tr("<b>Someone would like to be introduced to you.</b>"),
            "",
            profile_card(requester, tr),
            "",
            tr("Their note:"),
            f"<blockquote>{escape(note)}</blockquote>",
            "",
            tr(
                "If you accept, you will both receive each other's Telegram contact. "
                "If you decline, they will not be told why."
            ),
        ]
    )
    rows: Rows = [
        [
            (tr("Accept"), callbacks.encode("ird", "a", request_id)),
            (tr("Decline"), callbacks.encode("ird", "d", request_id)),
        ],
        [(tr("Block & report"), callbacks.encode("ird", "b", request_id))],
    ]
    return text, rows


def contact_link(user_id: int, username: str | None, name: str) -> str:
    """Return an HTML link that opens a chat with the user."""
    if username:
        return f'<a href="https://t.me/{escape(username)}">@{escape(username)}</a>'
    return f'<a href="tg://user?id={user_id}">{escape(name)}</a>'


def accepted(other: Profile, link: str, mine: Profile | None, event: str, tr: Translator) -> str:
    """Tell one side of an accepted introduction how to reach the other, with an opener."""
    shared = [t for t in other.topics if mine is not None and t in mine.topics]
    if shared:
        opener = tr(
            "Hello {name}, thank you for accepting the introduction at {event}! I would love "
            "to hear how you work on {topic}. Do you have time for a short call or a coffee?"
        ).format(name=other.display_name, event=event, topic=topic_label(shared[0], tr))
    else:
        opener = tr(
            "Hello {name}, thank you for accepting the introduction at {event}! I would love "
            "to hear about your work. Do you have time for a short call or a coffee?"
        ).format(name=other.display_name, event=event)
    return "\n".join(
        [
            tr("🤝 <b>You are now introduced to {name}.</b>").format(
                name=escape(other.display_name)
            ),
            tr("Write to them here: {link}").format(link=link),
            "",
            tr("A suggestion to start the conversation:"),
            f"<i>{escape(opener)}</i>",
        ]
    )
