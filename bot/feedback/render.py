"""Texts, buttons, the chart and the CSV of feedback, in the reader's language.

Pure functions over a translator and data. The chart is drawn with matplotlib's Agg backend
(no display needed) in DejaVu Sans, which matplotlib ships and which covers every character of
the five languages; the numbers behind the bars travel inside the PNG as a text chunk
(``forum-bot-chart``), so a test can check the bars without reading pixels. (The chart code
lives here until a shared chart helper lands in ``bot/insight/``.)
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from html import escape

from bot.callbacks import CallbackData, Flag, OpensSessionCard, Rows, button, kept_rows
from bot.config import SurveyQuestion
from bot.feedback.model import Rating, Results, SessionResult, SurveyAnswer, Tally
from bot.i18n import N_, Translator
from bot.schedule.model import Programme, Session
from bot.schedule.render import clip, title

BUDGET = 3800
CHART_KEY = "forum-bot-chart"
CHART_SESSIONS = 15
# Groups (a region, a language) with fewer ratings than this show no mean.
SMALL_GROUP = 5


class OpenPress(OpensSessionCard, CallbackData, prefix="fbo", private=True):
    """Show the 1-5 buttons of a session (pressed on a card in a group: in the private chat)."""

    session: str


class RatePress(CallbackData, prefix="fbr", private=True):
    """The stars pressed for a session."""

    session: str
    stars: int


class SkipPress(CallbackData, prefix="fbs", private=True):
    """Submit the rating without a comment."""

    session: str


class NamedPress(CallbackData, prefix="fbn", private=True):
    """Show the person's name to the organisers with the rating, or not."""

    session: str
    named: Flag


class SurveyPress(CallbackData, prefix="sv", private=True):
    """Start the survey (no index), or answer question ``index`` with ``value``."""

    index: int = -1
    value: str = ""


class SurveySkipPress(CallbackData, prefix="svs", private=True):
    """Skip an optional survey question."""

    index: int


REGION_NAMES = {
    "europe": N_("Europe"),
    "africa": N_("Sub-Saharan Africa"),
    "latam": N_("Latin America"),
    "other": N_("elsewhere or not given"),
}
STARS = ("1 ⭐", "2 ⭐", "3 ⭐", "4 ⭐", "5 ⭐")


def stars(rating: int) -> str:
    """Return a rating as five stars, filled and empty."""
    return "★" * rating + "☆" * (5 - rating)


# ---- asking for feedback ----


def rating_buttons(session: Session) -> Rows:
    """Return the 1-5 buttons for a session."""
    return kept_rows(
        [
            (label, button(RatePress(session=session.id, stars=n)))
            for n, label in enumerate(STARS, 1)
        ]
    )


def prompt(sessions: Sequence[Session], tr: Translator) -> tuple[str, Rows]:
    """Return one prompt message: the 1-5 buttons for one session, or a button per session."""
    if len(sessions) == 1:
        session = sessions[0]
        text = tr(
            "How was <b>{title}</b>? Rate it from 1 (poor) to 5 (excellent); a comment is "
            "optional. Your rating is anonymous."
        ).format(title=title(session, tr))
        return text, rating_buttons(session)
    lines = [
        tr("How were these sessions? Choose one to rate it; your ratings are anonymous."),
        "",
    ]
    lines += [f"• <b>{title(session, tr)}</b>" for session in sessions]
    rows = kept_rows(
        *[
            [
                (
                    tr("⭐ Rate: {title}").format(title=s.title_in(tr.language))[:60],
                    button(OpenPress(session=s.id)),
                )
            ]
            for s in sessions
        ]
    )
    return clip("\n".join(lines)), rows


def rate_card(session: Session, tr: Translator) -> tuple[str, Rows]:
    """Return the 1-5 buttons for one session (from "Rate a session" or a prompt's list)."""
    text = tr("How was <b>{title}</b>? Rate it from 1 (poor) to 5 (excellent).").format(
        title=title(session, tr)
    )
    return text, rating_buttons(session)


def comment_step(session: Session, rating: int, named: bool, tr: Translator) -> tuple[str, Rows]:
    """Ask for the optional comment after the stars were pressed."""
    text = tr(
        "You gave <b>{title}</b> {stars}.\nAdd a comment? Type it now (up to 1,000 "
        "characters, in any language), or press Skip."
    ).format(title=title(session, tr), stars=stars(rating))
    if named:
        text += "\n" + tr("The organisers will see your name with this rating.")
    named_label = (
        tr("👤 Named: show my name · change") if named else tr("🕶 Anonymous · show my name")
    )
    rows = kept_rows(
        [(tr("Skip"), button(SkipPress(session=session.id)))],
        [(named_label, button(NamedPress(session=session.id, named=not named)))],
    )
    return text, rows


def thanks(session: Session, rating: Rating, tr: Translator) -> str:
    """Thank the person for a submitted rating."""
    text = tr("Thank you! Your rating of <b>{title}</b> ({stars}) is saved.").format(
        title=title(session, tr), stars=stars(rating.rating)
    )
    if rating.comment:
        text += "\n" + tr("Your comment is saved with it.")
    return text


def card_rows(session: Session, tr: Translator) -> Rows:
    """Return "Rate this session" for a session card."""
    return kept_rows([(tr("⭐ Rate this session"), button(OpenPress(session=session.id)))])


# ---- the survey ----


def survey_text(question: SurveyQuestion, language: str) -> str:
    """Return a survey question in the reader's language (English when not given)."""
    return question.text.get(language) or question.text["en"]


def survey_question(
    question: SurveyQuestion, index: int, total: int, tr: Translator
) -> tuple[str, Rows]:
    """Return one survey question with its buttons."""
    head = tr("📝 Survey · question {number} of {total}").format(number=index + 1, total=total)
    text = f"{head}\n\n<b>{escape(survey_text(question, tr.language))}</b>"
    rows: Rows = []
    if question.kind == "rating":
        text += "\n" + tr("1 = not at all, 5 = very much.")
        rows = kept_rows(
            [
                (label, button(SurveyPress(index=index, value=str(n))))
                for n, label in enumerate(STARS, 1)
            ]
        )
    elif question.kind == "choice":
        rows = kept_rows(
            *[
                [
                    (
                        (choice.get(tr.language) or choice["en"])[:60],
                        button(SurveyPress(index=index, value=str(n))),
                    )
                ]
                for n, choice in enumerate(question.choices)
            ]
        )
    else:
        text += "\n" + tr("Type your answer (up to 1,000 characters).")
    if question.optional:
        rows += kept_rows([(tr("Skip"), button(SurveySkipPress(index=index)))])
    return text, rows


def survey_invite(tr: Translator) -> tuple[str, Rows]:
    """Return the button that starts the survey."""
    return (
        tr("📝 A short survey about the forum helps the organisers plan the next one."),
        kept_rows([(tr("📝 Take the survey"), button(SurveyPress()))]),
    )


def survey_reminder(tr: Translator) -> tuple[str, Rows]:
    """Remind someone once to finish the survey."""
    return (
        tr(
            "📝 A reminder: the forum's survey takes two minutes, and your answers help the "
            "organisers plan the next forum. They are anonymous."
        ),
        kept_rows([(tr("📝 Take the survey"), button(SurveyPress()))]),
    )


def survey_done(tr: Translator) -> str:
    """Thank the person for finishing the survey."""
    return tr("Thank you for taking the survey! Your answers are saved anonymously.")


# ---- results for organisers ----


def _tally_line(tally: Tally) -> str:
    return f"{tally.mean:.1f} (n={tally.count})"


def _breakdown(
    tr: Translator, heading: str, groups: dict[str, Tally], *, regions: bool
) -> list[str]:
    if not groups:
        return []
    parts = []
    for key, group in groups.items():
        name = tr(REGION_NAMES[key]) if regions and key in REGION_NAMES else key
        # Fewer than five ratings in a group: no mean, which would point at a person.
        figure = _tally_line(group) if group.count >= SMALL_GROUP else "(n&lt;5)"
        parts.append(f"{escape(name)} {figure}")
    return [f"<b>{heading}</b> " + " · ".join(parts)]


def _session_title(guid: str, programme: Programme | None, tr: Translator) -> str:
    session = programme.session_by_guid(guid) if programme else None
    return title(session, tr) if session else escape(guid)


def results_text(results: Results, programme: Programme | None, tr: Translator) -> str:
    """Return the whole programme's feedback, ranked and broken down."""
    if not results.overall.count:
        return tr("No session has been rated yet.")
    lines = [
        tr("📊 <b>Feedback</b>: {count} ratings of {sessions} sessions, mean {mean}").format(
            count=results.overall.count,
            sessions=len(results.sessions),
            mean=f"{results.overall.mean:.1f}",
        ),
        "",
        *_breakdown(tr, tr("By region:"), results.by_region, regions=True),
        *_breakdown(tr, tr("By language:"), results.by_language, regions=False),
        "",
        tr("<b>Sessions, best first</b> (/feedback and a number for one session):"),
    ]
    used = sum(len(line) + 1 for line in lines)
    for index, result in enumerate(results.sessions, start=1):
        session = programme.session_by_guid(result.session_guid) if programme else None
        number = f" · /feedback {escape(session.id)}" if session else ""
        line = (
            f"{index}. {stars(round(result.tally.mean))} {_tally_line(result.tally)} "
            f"{_session_title(result.session_guid, programme, tr)}{number}"
        )
        if used + len(line) + 1 > BUDGET:
            lines.append(tr("…and {count} more.").format(count=len(results.sessions) - index + 1))
            break
        lines.append(line)
        used += len(line) + 1
    lines += ["", tr("/feedback export sends every answer as a CSV file.")]
    return clip("\n".join(lines))


def session_result_text(result: SessionResult, session: Session, tr: Translator) -> str:
    """Return one session's count, mean, distribution, breakdowns and comments."""
    tally = result.tally
    lines = [f"📊 <b>{title(session, tr)}</b>"]
    if not tally.count:
        lines.append(tr("No ratings yet."))
        return "\n".join(lines)
    lines.append(
        tr("{count} ratings, mean {mean}").format(count=tally.count, mean=f"{tally.mean:.1f}")
    )
    top = max(tally.distribution) or 1
    for stars_count in range(5, 0, -1):
        count = tally.distribution[stars_count - 1]
        bar = "▇" * round(10 * count / top)
        lines.append(f"{stars(stars_count)} {bar} {count}")
    lines += ["", *_breakdown(tr, tr("By region:"), result.by_region, regions=True)]
    lines += _breakdown(tr, tr("By language:"), result.by_language, regions=False)
    if result.comments:
        lines += ["", tr("<b>Comments</b>")]
    used = sum(len(line) + 1 for line in lines)
    for index, rating in enumerate(result.comments):
        who = f" — {escape(rating.named_as)}" if rating.named_as else ""
        line = f"[{escape(rating.language)}] {stars(rating.rating)} {escape(rating.comment)}{who}"
        if used + len(line) + 1 > BUDGET:
            lines.append(
                tr("…and {count} more in /feedback export.").format(
                    count=len(result.comments) - index
                )
            )
            break
        lines.append(line)
        used += len(line) + 1
    return clip("\n".join(lines))


def survey_results_text(
    answers: Sequence[SurveyAnswer], questions: Sequence[SurveyQuestion], tr: Translator
) -> str:
    """Return the survey's results: means, choice counts, and how many wrote an answer."""
    responses = len({a.response_id for a in answers})
    lines = [tr("📝 <b>Survey</b>: {count} responses").format(count=responses)]
    for question in questions:
        given = [a.answer for a in answers if a.question_id == question.id and a.answer]
        lines += ["", f"<b>{escape(survey_text(question, tr.language))}</b>"]
        if question.kind == "rating" and given:
            values = [int(v) for v in given if v.isdigit()]
            mean = sum(values) / len(values) if values else 0.0
            lines.append(
                tr("mean {mean} (n={count})").format(mean=f"{mean:.1f}", count=len(values))
            )
        elif question.kind == "choice":
            for choice in question.choices:
                count = sum(1 for v in given if v == choice["en"])
                name = choice.get(tr.language) or choice["en"]
                lines.append(f"• {escape(name)}: {count}")
        else:
            lines.append(tr("{count} written answers (in the CSV)").format(count=len(given)))
    return clip("\n".join(lines))


# ---- chart ----


@dataclass(frozen=True)
class ChartData:
    """What the chart shows: a distribution per session and the mean per region."""

    sessions: list[str]  # labels, best first
    distribution: list[list[int]]  # per session, counts of 1..5 stars
    regions: list[str]
    region_means: list[float]
    title: str

    def to_json(self) -> str:
        """Return the data as JSON (stored inside the PNG)."""
        return json.dumps(asdict(self), ensure_ascii=False)


def chart_data(
    results: Results, programme: Programme | None, tr: Translator, *, heading: str
) -> ChartData:
    """Return the bars of the feedback chart (the sessions with most ratings, best first)."""
    chosen = sorted(results.sessions, key=lambda r: -r.tally.count)[:CHART_SESSIONS]
    chosen.sort(key=lambda r: (-r.tally.mean, -r.tally.count))
    labels = []
    for result in chosen:
        session = programme.session_by_guid(result.session_guid) if programme else None
        name = session.title_in(tr.language) if session else result.session_guid
        labels.append(name if len(name) <= 40 else name[:39] + "…")
    # Regions with fewer than five ratings are left out: their mean would point at a person.
    shown = {k: t for k, t in results.by_region.items() if t.count >= SMALL_GROUP}
    return ChartData(
        sessions=labels,
        distribution=[list(r.tally.distribution) for r in chosen],
        regions=[tr(REGION_NAMES.get(key, key)) for key in shown],
        region_means=[round(t.mean, 2) for t in shown.values()],
        title=heading,
    )


def chart_png(data: ChartData, tr: Translator) -> bytes:
    """Draw the chart: stacked 1-5 bars per session, and the mean per region; PNG bytes."""
    # Imported here: matplotlib takes a while to load, and only organisers ask for charts.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = max(len(data.sessions), 1)
    figure = Figure(figsize=(10, 2.2 + 0.38 * rows + 2.6), dpi=100)
    FigureCanvasAgg(figure)
    grid = figure.add_gridspec(2, 1, height_ratios=[max(rows, 2), 3])
    top, bottom = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    colours = ("#c0392b", "#e67e22", "#f1c40f", "#7dbb42", "#27ae60")
    positions = list(range(len(data.sessions)))
    left = [0] * len(data.sessions)
    for star in range(5):
        counts = [row[star] for row in data.distribution]
        top.barh(positions, counts, left=left, color=colours[star], label=stars(star + 1))
        left = [a + b for a, b in zip(left, counts, strict=True)]
    top.set_yticks(positions, data.sessions, fontsize=8)
    top.invert_yaxis()
    top.set_xlabel(tr("ratings"))
    top.set_title(data.title, fontsize=11)
    top.legend(fontsize=7, loc="lower right")
    bottom.bar(data.regions, data.region_means, color="#2980b9")
    bottom.set_ylim(0, 5)
    bottom.set_ylabel(tr("mean rating"))
    bottom.set_title(tr("Mean rating by region"), fontsize=10)
    bottom.tick_params(axis="x", labelsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={CHART_KEY: data.to_json()})
    return buffer.getvalue()


# ---- export ----

CSV_HEADER = (
    "kind",
    "session",
    "session_title",
    "question",
    "answer",
    "comment",
    "language",
    "region",
    "submitted_on",
)


def feedback_csv(
    ratings: Sequence[Rating],
    answers: Sequence[SurveyAnswer],
    programme: Programme | None,
) -> bytes:
    """Return every rating and survey answer, one row each, UTF-8 with a BOM, no names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for rating in ratings:
        session = programme.session_by_guid(rating.session_guid) if programme else None
        writer.writerow(
            (
                "rating",
                session.id if session else "",
                session.title if session else rating.session_guid,
                "",
                rating.rating,
                rating.comment,
                rating.language,
                rating.region,
                rating.submitted_on.isoformat(),
            )
        )
    for answer in answers:
        writer.writerow(
            (
                "survey",
                "",
                "",
                answer.question_id,
                answer.answer,
                "",
                answer.language,
                answer.region,
                answer.submitted_on.isoformat(),
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


class RateButton:
    """The session-card hook: "Rate this session" once a rated session has started."""

    def __init__(self, can_rate: Callable[[Session], bool]) -> None:
        self._can_rate = can_rate

    def __call__(self, session: Session, tr: Translator, *, compact: bool) -> Rows:
        """Return the row for this session now (none in compact lists)."""
        return [] if compact or not self._can_rate(session) else card_rows(session, tr)
