"""Texts of the introductions feature: profile cards, prompts, relays and their buttons.

Everything a participant typed is cut to size first and then HTML-escaped here, so handlers
only send what these functions return. Button rows are (label, callback data) pairs.
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Literal

from pydantic import Field

from bot.callbacks import CallbackData, Flag, Id, Rows
from bot.i18n import N_, Translator
from bot.intros.model import (
    MAX_BIO,
    MAX_NOTE,
    TOKEN_PATTERN,
    TOPIC_LABELS,
    DirectoryFilter,
    DirectoryPage,
    FilterKind,
    Profile,
)
from bot.regions import REGION_NAMES, country_name, language_name
from bot.text import fit_lines

# -- buttons ---------------------------------------------------------------------------------

# A profile as others address it: its opaque token, never its row number.
Token = Annotated[str, Field(pattern=TOKEN_PATTERN)]


class EditPress(CallbackData, prefix="pfe", private=True):
    """Change one field of the user's profile."""

    step: str


class TopicPress(CallbackData, prefix="pft", private=True):
    """Select or unselect a topic, by its position in the configured list."""

    index: int = Field(ge=0, le=99)


class TopicsDonePress(CallbackData, prefix="pftd", private=True):
    """Close the topic choice."""


class ConsentPress(CallbackData, prefix="pfc", private=True):
    """Answer a consent question of the profile."""

    step: str = Field(pattern="^(listed|intros)$")
    yes: Flag


class SkipPress(CallbackData, prefix="pfs", private=True):
    """Leave an optional profile field empty."""

    step: str


class DeletePress(CallbackData, prefix="pfdel", private=True):
    """Ask to delete the profile."""


class DeleteConfirmedPress(CallbackData, prefix="pfdok", private=True):
    """Delete the profile, confirmed."""


FilterCode = Literal["a", "t", "c", "r", "l"]
_FILTER_CODES: dict[FilterKind, FilterCode] = {
    "all": "a",
    "topic": "t",
    "country": "c",
    "region": "r",
    "language": "l",
}


class PagePress(CallbackData, prefix="ppl", private=True):
    """Turn a page of the directory (the filter travels with it)."""

    kind: FilterCode
    value: str = ""
    page: int = Field(ge=0, le=9999)

    @property
    def filter(self) -> DirectoryFilter:
        """Return the directory filter the page belongs to."""
        kind = next(k for k, code in _FILTER_CODES.items() if code == self.kind)
        return DirectoryFilter(kind, self.value)


class IntroducePress(CallbackData, prefix="itr", private=True):
    """Ask to be introduced to the owner of a profile (addressed by its token)."""

    profile: Token

    def start(self) -> str:
        """Resume the request in the private chat: ``/start i_<token>``."""
        return f"{INTRO_LINK}{self.profile}"


# The deep-link payload that starts a request: ``/start i_<token>``.
INTRO_LINK = "i_"


class DecisionPress(CallbackData, prefix="ird", private=True):
    """The target's answer to a request: accept, decline, or block and report."""

    decision: Literal["a", "d", "b"]
    request: Id


class MeetPress(CallbackData, prefix="mto", private=True):
    """Take part in /meet, or not."""

    yes: Flag


class SelfIntroPress(CallbackData, prefix="sig", private=True):
    """Post the user's card to the community group."""


class ReviewPress(CallbackData, prefix="sia"):
    """A moderator's decision on a self-introduction."""

    approve: Literal["y", "n"]
    intro: Id


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
    lines = [f"<b>{escape(profile.display_name)}</b>"]
    if profile.takes_requests:
        # The code others may send with /intro; only a listed profile open to requests has one.
        code = tr("code {code}").format(code=f"<code>{profile.token}</code>")
        lines[0] += f" · {code}"
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
        [(label, EditPress(step=step).encode()) for label, step in edit[i : i + 3]]
        for i in range(0, len(edit), 3)
    ]
    rows.append([(tr("Post my card to the community group"), SelfIntroPress().encode())])
    rows.append([(tr("Delete my profile"), DeletePress().encode())])
    return text, rows


def prompt(step: str, tr: Translator, topics: list[str], chosen: list[str]) -> tuple[str, Rows]:
    """Render the question for a profile step with its buttons."""
    base = step.removeprefix("edit:")
    text = tr(PROMPTS[base])
    rows: Rows = []
    if base == "topics":
        for index, topic in enumerate(topics):
            mark = "✅ " if topic in chosen else ""
            rows.append([(mark + topic_label(topic, tr), TopicPress(index=index).encode())])
        rows.append([(tr("Done"), TopicsDonePress().encode())])
    elif base in ("listed", "intros"):
        rows.append(
            [
                (tr("Yes"), ConsentPress(step=base, yes=True).encode()),
                (tr("No"), ConsentPress(step=base, yes=False).encode()),
            ]
        )
    elif base in ("organisation", "city", "role", "bio"):
        rows.append([(tr("Skip"), SkipPress(step=base).encode())])
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
        if p.takes_requests and p.user_id != viewer_id
    ]
    paging = []
    code = _FILTER_CODES[wanted.kind]

    def turn(page: int) -> str:
        return PagePress(kind=code, value=wanted.value, page=page).encode()

    if found.page > 0:
        paging.append((tr("◀ Previous"), turn(found.page - 1)))
    if found.has_next:
        paging.append((tr("Next ▶"), turn(found.page + 1)))
    if paging:
        rows.append(paging)
    # Whole cards only: with every field at its longest, five can exceed one message.
    return fit_lines([header, *(f"\n{card}" for card in cards)]), rows


def _intro_data(profile: Profile) -> str:
    return IntroducePress(profile=profile.token).encode()


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
            (tr("Accept"), DecisionPress(decision="a", request=request_id).encode()),
            (tr("Decline"), DecisionPress(decision="d", request=request_id).encode()),
        ],
        [(tr("Block & report"), DecisionPress(decision="b", request=request_id).encode())],
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


def not_arranged(tr: Translator) -> str:
    """Tell a requester, without a reason, that their request came to nothing."""
    return tr(
        "Your introduction request could not be arranged this time. There are many other "
        "participants to meet: try /people or /meet."
    )


def person_link(user_id: int, name: str | None) -> str:
    """Return an HTML link to a user with their id, for the staff."""
    return f'<a href="tg://user?id={user_id}">{escape(name or "?")}</a> (<code>{user_id}</code>)'


def reported(
    tr: Translator,
    request_id: int,
    requester: str,
    reporter: str,
    card: Profile | None,
    note: str,
) -> str:
    """Tell the staff about a reported request, with both people (``person_link``) and the note."""
    return "\n".join(
        [
            tr("🚩 <b>Introduction request reported</b> (request {number})").format(
                number=request_id
            ),
            tr("Reported: {who}").format(who=requester),
            tr("Reported by: {who}").format(who=reporter),
            "",
            profile_card(card, tr) if card else "",
            "",
            tr("Their note:"),
            f"<blockquote>{escape(note)}</blockquote>",
        ]
    )


def review(tr: Translator, profile: Profile, intro_id: int) -> tuple[str, Rows]:
    """Ask the staff to approve a participant's card for the community group."""
    text = (
        tr("A participant would like to post this introduction to the community group:")
        + "\n\n"
        + profile_card(profile, tr)
    )
    rows: Rows = [
        [
            (tr("Approve"), ReviewPress(approve="y", intro=intro_id).encode()),
            (tr("Reject"), ReviewPress(approve="n", intro=intro_id).encode()),
        ]
    ]
    return text, rows


def welcome_post(tr: Translator, profile: Profile) -> tuple[str, Rows]:
    """Present a participant to the community group, with Introduce me when they take requests."""
    text = tr("👋 Please welcome a participant:") + "\n\n" + profile_card(profile, tr)
    return text, introduce_button(profile, tr) if profile.takes_requests else []


def posted(tr: Translator) -> str:
    """Tell a participant their card is in the community group."""
    return tr("Your card is posted in the community group.")


def not_approved(tr: Translator) -> str:
    """Tell a participant their card was not approved."""
    return tr("A moderator did not approve your introduction for the community group this time.")
