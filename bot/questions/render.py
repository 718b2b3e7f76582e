"""Texts and button rows of questions to sessions, in the reader's language.

Pure functions: a translator and data in, HTML (every question and name escaped, never over
Telegram's 4,096 characters) and rows of (label, callback data) out. An anonymous question is
signed "a participant from <region>" here, and nothing else about its asker is ever rendered.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from html import escape

from bot.callbacks import CallbackData, Flag, Id, OpensSessionCard, Rows, button, kept_rows
from bot.i18n import N_, Translator
from bot.questions.model import HostAction, Question, Queue, Status
from bot.schedule.model import Programme, Session
from bot.schedule.render import clip, title

BUDGET = 3700
PAGE_SIZE = 5
HOST_BUTTONS = 8
PENDING_BUTTONS = 4


class AskPress(OpensSessionCard, CallbackData, prefix="qa", private=True):
    """Write a question to a session (pressed on a card in a group: in the private chat)."""

    session: str


class ListPress(CallbackData, prefix="ql"):
    """Show a page of a session's ranked questions."""

    session: str
    page: int = 0


class VotePress(CallbackData, prefix="qv"):
    """Give a question "+1" (up) or take it back; the desired state, so a double tap counts
    once."""

    question: Id
    up: Flag
    page: int = 0


class SignPress(CallbackData, prefix="qs", private=True):
    """Publish a draft signed with the asker's name, or anonymously."""

    question: Id
    anonymous: Flag


class HostPress(CallbackData, prefix="qh", private=True):
    """A host's Answered / Hide / Pin / Unpin / Approve."""

    question: Id
    action: HostAction


class HostViewPress(CallbackData, prefix="qhv", private=True):
    """Open the live host view of a session."""

    session: str


class UnhostPress(CallbackData, prefix="qhx", private=True):
    """An organiser removes a host."""

    session: str
    user: Id


class PickPress(CallbackData, prefix="qp"):
    """Which session a question written as a reply to several running ones is for."""

    session: str


ANONYMOUS_BY_REGION = {
    "europe": N_("a participant from Europe"),
    "africa": N_("a participant from Sub-Saharan Africa"),
    "latam": N_("a participant from Latin America"),
}
ANONYMOUS = N_("a participant")


def signature(question: Question, tr: Translator) -> str:
    """Return who asked, as anyone may see it: the signed name, or only the region."""
    if question.anonymous:
        return escape(tr(ANONYMOUS_BY_REGION.get(question.region, ANONYMOUS)))
    return escape(question.signature)


def anonymous_label(region: str, tr: Translator) -> str:
    """Return how an anonymous question of an asker from ``region`` is signed."""
    return tr(ANONYMOUS_BY_REGION.get(region, ANONYMOUS))


# ---- asking ----


def ask_prompt(session: Session, tr: Translator) -> str:
    """Return the prompt for a question's text."""
    return tr(
        "❓ Write your question to <b>{title}</b>: up to 300 characters, in any language. "
        "Send /cancel to stop."
    ).format(title=title(session, tr))


def sign_choice(
    session: Session, question: Question, name: str, tr: Translator
) -> tuple[str, Rows]:
    """Ask the asker to sign with their name or stay anonymous."""
    text = tr(
        "Your question to <b>{title}</b>:\n<blockquote>{question}</blockquote>\n"
        "Sign it with your name, or ask anonymously?"
    ).format(title=title(session, tr), question=escape(question.text))
    anonymous = anonymous_label(question.region, tr)
    rows = kept_rows(
        [
            (
                tr("✍️ As {name}").format(name=name[:40]),
                button(SignPress(question=question.question_id, anonymous=False)),
            )
        ],
        [
            (
                tr("🕶 Anonymously ({who})").format(who=anonymous),
                button(SignPress(question=question.question_id, anonymous=True)),
            )
        ],
    )
    return text, rows


def asked(session: Session, question: Question, tr: Translator) -> tuple[str, Rows]:
    """Confirm a question to its asker."""
    if question.status is Status.PENDING:
        text = tr(
            "Thank you! Your question to <b>{title}</b> will appear once a host approves it."
        )
    else:
        text = tr("Thank you! Your question is in the queue of <b>{title}</b>.")
    text = text.format(title=title(session, tr))
    text += "\n" + tr("Signed: {who}").format(who=signature(question, tr))
    return text, kept_rows([(tr("💬 See the questions"), button(ListPress(session=session.id)))])


def _per_session(
    sessions: Sequence[Session],
    label: Callable[[Session], str],
    press: Callable[[Session], CallbackData],
) -> Rows:
    """Return a button per session: its label (cut to 60 characters) sends its press."""
    return kept_rows(*[[(label(s)[:60], button(press(s)))] for s in sessions])


def pick_session(sessions: Sequence[Session], tr: Translator) -> tuple[str, Rows]:
    """Ask which session a question written as a reply is for."""
    rows = _per_session(
        sessions, lambda s: s.title_in(tr.language), lambda s: PickPress(session=s.id)
    )
    return tr("Which session is your question for?"), rows


def to_ask(sessions: Sequence[Session], tr: Translator) -> tuple[str, Rows]:
    """Offer the sessions taking questions now, to ask one (/ask alone)."""
    if not sessions:
        return tr(
            "No session takes questions right now. Try again shortly before a session starts."
        ), []
    rows = [row for s in sessions[:10] for row in card_rows(s, tr, compact=True)]
    return tr("Which session is your question for?"), rows


def to_read(sessions: Sequence[Session], tr: Translator) -> tuple[str, Rows]:
    """Offer the sessions taking questions now, to read one's questions (/questions alone)."""
    if not sessions:
        return tr(
            "No session takes questions right now. Send /questions and a session number, "
            "e.g. <code>/questions 12</code>."
        ), []
    label = tr("💬 {title}")
    rows = _per_session(
        sessions[:10],
        lambda s: label.format(title=s.title_in(tr.language)),
        lambda s: ListPress(session=s.id),
    )
    return tr("Which session's questions?"), rows


# ---- the participants' list ----


def _line(question: Question, tr: Translator, *, show_votes: bool = True) -> str:
    marks = ""
    if question.pinned:
        marks += "📌 "
    if question.status is Status.ANSWERED:
        marks += "✅ "
    if question.status is Status.PENDING:
        marks += "⏳ "
    votes = f" · 👍 {question.votes}" if show_votes else ""
    return (
        f"{marks}<b>#{question.question_id}</b>{votes}\n"
        f"{escape(question.text)}\n<i>— {signature(question, tr)}</i>"
    )


def queue_page(session: Session, queue: Queue, page: int, tr: Translator) -> tuple[str, Rows, int]:
    """Return one page of a session's ranked questions with +1 buttons; and the page shown."""
    public = queue.ranked(Status.OPEN, Status.ANSWERED)
    pages = max(1, -(-len(public) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = public[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    head = tr("💬 <b>Questions to {title}</b>").format(title=title(session, tr))
    if not public:
        body = (
            tr("No questions yet. Be the first to ask!")
            if queue.is_open
            else tr("No questions were asked.")
        )
        lines = [head, body]
    else:
        answered = sum(1 for q in public if q.status is Status.ANSWERED)
        summary = _counts(tr, questions=len(public), votes=queue.total_votes, answered=answered)
        lines = [head, summary, ""]
        lines += [_line(q, tr) + "\n" for q in shown]
        if pages > 1:
            lines.append(tr("Page {page} of {pages}").format(page=page + 1, pages=pages))
    rows: Rows = []
    if queue.is_open:
        for question in shown:
            if question.status is not Status.OPEN:
                continue
            voted = question.question_id in queue.voted
            label = (
                tr("✓ #{number} · undo").format(number=question.question_id)
                if voted
                else tr("👍 +1 · #{number}").format(number=question.question_id)
            )
            data = button(VotePress(question=question.question_id, up=not voted, page=page))
            if data:
                rows.append([(label, data)])
    nav: list[tuple[str, str | None]] = []
    if page > 0:
        nav.append(("◀️", button(ListPress(session=session.id, page=page - 1))))
    nav.append((tr("🔄 Refresh"), button(ListPress(session=session.id, page=page))))
    if page < pages - 1:
        nav.append(("▶️", button(ListPress(session=session.id, page=page + 1))))
    rows += kept_rows(nav)
    if queue.is_open:
        rows += kept_rows([(tr("❓ Ask a question"), button(AskPress(session=session.id)))])
    return clip("\n".join(lines)), rows, page


def _counts(tr: Translator, **counts: int) -> str:
    """Return "3 questions · 1 vote · 0 answered": each count with its own plural form."""
    return " · ".join(_count(tr, name, n).format(count=n) for name, n in counts.items())


def _count(tr: Translator, name: str, n: int) -> str:
    match name:
        case "questions":
            return tr.plural("{count} question", "{count} questions", n)
        case "open":
            return tr.plural("{count} open", "{count} open", n)
        case "answered":
            return tr.plural("{count} answered", "{count} answered", n)
        case "votes":
            return tr.plural("{count} vote", "{count} votes", n)
        case _:
            return tr.plural("{count} hidden", "{count} hidden", n)


# ---- the host view ----


def host_view(session: Session, queue: Queue, tr: Translator) -> tuple[str, Rows]:
    """Return the live host view: the ranked queue with Answered / Pin / Hide buttons."""
    open_ = queue.ranked(Status.OPEN)
    pending = queue.ranked(Status.PENDING)
    answered = queue.ranked(Status.ANSWERED)
    lines = [
        tr("🎤 <b>Host view</b> · {title}").format(title=title(session, tr)),
        _counts(
            tr,
            open=len(open_),
            answered=len(answered),
            votes=queue.total_votes,
            hidden=queue.hidden,
        ),
    ]
    if not queue.is_open:
        lines.append(tr("Questions are closed for this session."))
    used = sum(len(line) + 1 for line in lines)
    body: list[str] = []
    left_out = 0
    for index, question in enumerate(open_, start=1):
        line = f"{index}. " + _line(question, tr)
        if used + len(line) + 2 > BUDGET:
            left_out += 1
            continue
        body.append(line)
        used += len(line) + 2
    if not open_:
        body.append(tr("No open questions."))
    if pending:
        block = [tr("⏳ <b>Waiting for approval</b>")]
        for question in pending:
            line = _line(question, tr, show_votes=False)
            if used + len(line) + 2 > BUDGET:
                left_out += 1
                continue
            block.append(line)
            used += len(line) + 2
        body += ["", *block]
    if answered:
        numbers = ", ".join(f"#{q.question_id}" for q in answered)
        body += ["", clip(tr("✅ Answered: {numbers}").format(numbers=numbers), 300)]
    if left_out:
        body.append(tr("…and {count} more.").format(count=left_out))
    text = "\n".join(lines) + "\n\n" + "\n\n".join(body)
    rows: Rows = []
    for question in open_[:HOST_BUTTONS]:
        number = question.question_id
        pin = (
            (f"📍 #{number}", button(HostPress(question=number, action=HostAction.UNPIN)))
            if question.pinned
            else (f"📌 #{number}", button(HostPress(question=number, action=HostAction.PIN)))
        )
        rows += kept_rows(
            [
                (f"✅ #{number}", button(HostPress(question=number, action=HostAction.ANSWERED))),
                pin,
                (f"🙈 #{number}", button(HostPress(question=number, action=HostAction.HIDE))),
            ]
        )
    for question in pending[:PENDING_BUTTONS]:
        number = question.question_id
        rows += kept_rows(
            [
                (
                    tr("👍 Approve #{number}").format(number=number),
                    button(HostPress(question=number, action=HostAction.APPROVE)),
                ),
                (f"🙈 #{number}", button(HostPress(question=number, action=HostAction.HIDE))),
            ]
        )
    return clip(text), rows


def host_assigned(session: Session, tr: Translator) -> tuple[str, Rows]:
    """Tell a person they host a session's questions."""
    text = tr(
        "🎤 You host the questions to <b>{title}</b>. Open the live host view to mark "
        "questions answered, pin them or hide them."
    ).format(title=title(session, tr))
    return text, kept_rows([(tr("🎤 Host view"), button(HostViewPress(session=session.id)))])


def hosts_text(
    session: Session, hosts: Sequence[tuple[int, str]], tr: Translator
) -> tuple[str, Rows]:
    """Show a session's hosts to an organiser and ask for a new one."""
    names = ", ".join(escape(name) for _, name in hosts) or tr("nobody yet")
    text = tr(
        "🎤 Hosts of <b>{title}</b>: {names}\n"
        "Organisers and moderators host every session.\n\n"
        "To add a host, send their @username or the code on their profile card, or forward a "
        "message from them. Send /cancel to stop."
    ).format(title=title(session, tr), names=names)
    rows = kept_rows(
        *[
            [
                (
                    tr("✖️ Remove {name}").format(name=name[:30]),
                    button(UnhostPress(session=session.id, user=user_id)),
                )
            ]
            for user_id, name in hosts[:10]
        ]
    )
    return text, rows


def answered_notice(session: Session, question: Question, tr: Translator) -> str:
    """Tell the asker their question was answered."""
    return tr(
        "✅ Your question to <b>{title}</b> was answered:\n<blockquote>{question}</blockquote>"
    ).format(title=title(session, tr), question=escape(question.text))


def top_post(session: Session, questions: Sequence[Question], tr: Translator) -> str:
    """Return the community group's post of a session's top questions."""
    lines = [tr("💬 <b>Top questions from {title}</b>").format(title=title(session, tr))]
    for index, question in enumerate(questions, start=1):
        mark = " ✅" if question.status is Status.ANSWERED else ""
        lines.append(
            f"{index}. {escape(question.text)} <i>— {signature(question, tr)}</i>"
            f" (👍 {question.votes}){mark}"
        )
    return clip("\n".join(lines))


def card_rows(session: Session, tr: Translator, *, compact: bool) -> Rows:
    """Return the questions' buttons under a session card (or one per session in a list)."""
    if compact:
        label = tr("❓ Ask: {title}").format(title=session.title_in(tr.language))
        return kept_rows([(label[:60], button(AskPress(session=session.id)))])
    return kept_rows(
        [
            (tr("❓ Ask a question"), button(AskPress(session=session.id))),
            (tr("💬 Questions"), button(ListPress(session=session.id))),
        ]
    )


# ---- export ----

CSV_HEADER = (
    "session",
    "session_title",
    "question",
    "asked_at_utc",
    "language",
    "region",
    "anonymous",
    "status",
    "pinned",
    "votes",
    "text",
)


def questions_csv(questions: Sequence[Question], programme: Programme | None) -> bytes:
    """Return the Q&A as CSV, UTF-8 with a BOM, one row per question, no personal data."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for question in questions:
        session = programme.session_by_guid(question.session_guid) if programme else None
        writer.writerow(
            (
                session.id if session else "",
                session.title if session else question.session_guid,
                question.question_id,
                question.created_at.isoformat(timespec="seconds"),
                question.language,
                question.region,
                "yes" if question.anonymous else "no",
                question.status.value,
                "yes" if question.pinned else "no",
                question.votes,
                question.text,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


class QuestionButtons:
    """The session-card hook: "Ask a question" and "Questions" while a session takes them."""

    def __init__(self, is_open: Callable[[Session], bool]) -> None:
        self._is_open = is_open

    def __call__(self, session: Session, tr: Translator, *, compact: bool) -> Rows:
        """Return the rows for this session now."""
        return card_rows(session, tr, compact=compact) if self._is_open(session) else []
