"""Texts and buttons of announcements: the draft, its menus, the list, progress and report.

Pure functions of a translator and data; button rows are (label, callback data). Organiser
text is sent as the organiser wrote it (Telegram's own HTML of their message); anything quoted
from it here is stripped of tags and cut.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from html import escape, unescape
from typing import Literal
from zoneinfo import ZoneInfo

from bot.announcements.model import (
    Announcement,
    Audience,
    AudienceKind,
    Delivered,
    Figures,
    Status,
)
from bot.callbacks import CallbackData, Id, Rows
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.text import cut, fit_lines

Verb = Literal[
    "edit",
    "later",
    "country",
    "session",
    "version",
    "audience",
    "set",
    "now",
    "back",
    "ok",
    "cancel",
]


class AnnouncementPress(CallbackData, prefix="ann", private=True):
    """A button of an announcement draft or of the list: what to do, to which announcement."""

    verb: Verb
    id: Id
    arg: str = ""  # version: the language; set: the audience kind
    value: str = ""  # set: the audience value (a language, a region)


def _press(verb: Verb, announcement_id: int, arg: str = "", value: str = "") -> str:
    return AnnouncementPress(verb=verb, id=announcement_id, arg=arg, value=value).encode()


def audience_label(tr: Translator, audience: Audience) -> str:
    """Name an audience for the organiser."""
    value = escape(cut(audience.value or "", 60))
    labels = {
        AudienceKind.ALL: tr("everyone"),
        AudienceKind.LANGUAGE: tr("people using {language}").format(
            language=LANGUAGE_NAMES.get(audience.value or "", value)
        ),
        AudienceKind.REGION: tr("participants in the region {region}").format(region=value),
        AudienceKind.COUNTRY: tr("participants from {country}").format(country=value),
        AudienceKind.SESSION: tr("subscribers of session {session}").format(session=value),
        AudienceKind.COMMUNITY: tr("the community group"),
        AudienceKind.CHANNEL: tr("the announcements channel"),
        AudienceKind.STAYING: tr("those who stayed for the next forum"),
    }
    return labels[audience.kind]


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """Return a moment as organisers read it: date and time in the event's zone."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def draft(
    tr: Translator, announcement: Announcement, size: int, zone: ZoneInfo
) -> tuple[str, Rows]:
    """Describe a draft and offer its buttons."""
    versions = [LANGUAGE_NAMES[code] for code in LANGUAGES if code in announcement.versions]
    if announcement.send_at is not None:
        when = tr("at {time} ({zone})").format(
            time=local_time(announcement.send_at, zone), zone=escape(str(zone))
        )
    else:
        when = tr("as soon as you confirm")
    text = tr(
        "<b>Announcement #{id}</b> (draft)\n"
        "Audience: {audience} — {count} now\n"
        "Language versions: {versions}\n"
        "Sending: {when}"
    ).format(
        id=announcement.id,
        audience=audience_label(tr, announcement.audience),
        count=size,
        versions=", ".join(versions) or tr("none, everyone gets the default"),
        when=when,
    )
    aid = announcement.id
    later: tuple[Verb, str] = (
        ("later", tr("Send later")) if announcement.send_at is None else ("now", tr("Send now"))
    )
    rows: Rows = [
        [
            (tr("Audience"), _press("audience", aid)),
            (tr("Add a language version"), _press("version", aid)),
            (later[1], _press(later[0], aid)),
        ],
        [
            (tr("Confirm"), _press("ok", aid)),
            (tr("Edit"), _press("edit", aid)),
            (tr("Cancel"), _press("cancel", aid)),
        ],
    ]
    return text, rows


def language_menu(tr: Translator, announcement_id: int) -> tuple[str, Rows]:
    """Ask which language a version is for."""
    rows = [
        [(LANGUAGE_NAMES[code], _press("version", announcement_id, code))] for code in LANGUAGES
    ]
    rows.append([(tr("Back"), _press("back", announcement_id))])
    return tr("Which language is the version for?"), rows


def audience_menu(
    tr: Translator, announcement_id: int, kinds: Collection[AudienceKind], regions: Sequence[str]
) -> tuple[str, Rows]:
    """Offer the audiences this forum can address."""

    def pick(kind: AudienceKind, value: str = "") -> str:
        return _press("set", announcement_id, kind.value, value)

    rows: Rows = [[(tr("Everyone"), pick(AudienceKind.ALL))]]
    rows.append([(LANGUAGE_NAMES[code], pick(AudienceKind.LANGUAGE, code)) for code in LANGUAGES])
    if AudienceKind.REGION in kinds:
        if regions:
            rows.append([(region, pick(AudienceKind.REGION, region)) for region in regions[:6]])
        rows.append([(tr("A country…"), _press("country", announcement_id))])
    if AudienceKind.SESSION in kinds:
        rows.append([(tr("Subscribers of a session…"), _press("session", announcement_id))])
    if AudienceKind.COMMUNITY in kinds:
        rows.append([(tr("The community group"), pick(AudienceKind.COMMUNITY))])
    if AudienceKind.CHANNEL in kinds:
        rows.append([(tr("The announcements channel"), pick(AudienceKind.CHANNEL))])
    if AudienceKind.STAYING in kinds:
        rows.append([(tr("Those who stayed for the next forum"), pick(AudienceKind.STAYING))])
    rows.append([(tr("Back"), _press("back", announcement_id))])
    return tr("Who should receive it?"), rows


def recent(
    tr: Translator, found: Sequence[tuple[Announcement, Figures]], zone: ZoneInfo
) -> tuple[str, Rows]:
    """List the latest announcements with their figures; the live ones can be cancelled."""
    if not found:
        return tr("No announcements yet."), []
    lines = [tr("<b>Recent announcements</b>")]
    rows: Rows = []
    for announcement, figures in found:
        lines.append(summary_line(tr, announcement, figures, zone))
        if announcement.status in (Status.SCHEDULED, Status.SENDING):
            label = tr("Cancel #{id}").format(id=announcement.id)
            rows.append([(label, _press("cancel", announcement.id))])
    return fit_lines([lines[0], *(f"\n{line}" for line in lines[1:])]), rows


def summary_line(
    tr: Translator, announcement: Announcement, figures: Figures, zone: ZoneInfo
) -> str:
    """Describe one announcement in the list."""
    states = {
        Status.DRAFT: tr("draft"),
        Status.SCHEDULED: tr("scheduled"),
        Status.SENDING: tr("sending"),
        Status.DONE: tr("sent"),
        Status.CANCELLED: tr("cancelled"),
    }
    # Cut as plain text, then escaped again: a cut must not split an entity such as &amp;.
    plain = unescape(re.sub(r"<[^>]+>", "", announcement.body_for("")))
    first_line = escape(cut(plain.split("\n", 1)[0], 60))
    head = f"#{announcement.id} · {states[announcement.status]} · " + audience_label(
        tr, announcement.audience
    )
    if announcement.status is Status.SCHEDULED and announcement.send_at is not None:
        head += " · " + local_time(announcement.send_at, zone)
    return f"{head}\n<i>{first_line}</i>\n{figures_line(tr, figures)}"


def scheduled(tr: Translator, announcement: Announcement, zone: ZoneInfo) -> str:
    """Confirm that an announcement is scheduled."""
    assert announcement.send_at is not None  # only scheduled announcements are described so
    return tr(
        "Announcement #{id} is scheduled for {time} ({zone}). "
        "/announcements lists it; you can cancel it there."
    ).format(
        id=announcement.id, time=local_time(announcement.send_at, zone), zone=escape(str(zone))
    )


def progress(
    tr: Translator,
    announcement_id: int,
    counts: tuple[int, int, int, int],
    done_now: int,
    elapsed: float,
) -> str:
    """Describe a run in progress: counts (sent, blocked, failed, pending), rate, time left."""
    sent, blocked, failed, pending = counts
    rate = done_now / elapsed if elapsed > 0 else 0.0
    left = int(pending / rate) if rate > 0 else 0
    return tr(
        "📣 Announcement #{id}: sending…\n"
        "Delivered: {sent} · blocked: {blocked} · failed: {failed} · to go: {pending}\n"
        "Rate: {rate} messages/s · about {minutes} min {seconds} s left"
    ).format(
        id=announcement_id,
        sent=sent,
        blocked=blocked,
        failed=failed,
        pending=pending,
        rate=f"{rate:.1f}",
        minutes=left // 60,
        seconds=left % 60,
    )


def report(tr: Translator, announcement_id: int, figures: Figures, cancelled: bool) -> str:
    """Describe a finished (or cancelled) announcement, with figures per language."""
    if cancelled:
        head = tr("📣 Announcement #{id} was cancelled.").format(id=announcement_id)
    else:
        head = tr("📣 Announcement #{id} is sent.").format(id=announcement_id)
    lines = [head, figures_line(tr, figures)]
    for language, counts in figures.by_language.items():
        lines.append(
            tr("{language}: {sent} delivered, {blocked} blocked, {failed} failed").format(
                language=LANGUAGE_NAMES.get(language, language),
                sent=counts[Delivered.SENT],
                blocked=counts[Delivered.BLOCKED],
                failed=counts[Delivered.FAILED],
            )
        )
    return "\n".join(lines)


def figures_line(tr: Translator, figures: Figures) -> str:
    """Summarise an outbox in one line."""
    return tr(
        "Delivered: {sent} · blocked: {blocked} · failed: {failed} · not sent: {pending}"
    ).format(
        sent=figures.sent,
        blocked=figures.blocked,
        failed=figures.failed,
        pending=figures.pending,
    )
