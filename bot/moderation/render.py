"""Rendering of moderation texts: log entries, warnings and the default rules, escaped HTML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.callbacks import CallbackData, Id, Rows
from bot.i18n import N_, Translator
from bot.moderation.model import LogEntry, ModAction, Person, Warning, WarnOutcome

MAX_MESSAGE = 4096


class AgreePress(CallbackData, prefix="modok"):
    """A newcomer agrees to the rules (only the newcomer the welcome names)."""

    user: Id


ACTION_LABELS: dict[ModAction, str] = {
    ModAction.WARN: N_("Warning"),
    ModAction.UNWARN: N_("Warning withdrawn"),
    ModAction.MUTE: N_("Mute"),
    ModAction.UNMUTE: N_("Unmute"),
    ModAction.KICK: N_("Kick"),
    ModAction.BAN: N_("Ban"),
    ModAction.UNBAN: N_("Unban"),
    ModAction.DELETE: N_("Message deleted"),
    ModAction.REPORT: N_("Report"),
    ModAction.FLOOD_MUTE: N_("Muted for flooding"),
    ModAction.UNVERIFIED_REMOVED: N_("Removed: did not accept the rules in time"),
    ModAction.LINK_DELETED: N_("Newcomer's link or forward deleted"),
    ModAction.RULES_SET: N_("Rules changed"),
}

DEFAULT_RULES = N_(
    "1. Be kind and respectful; no harassment or hate.\n"
    "2. Stay on the forum's topics.\n"
    "3. No spam, advertising or unsolicited links.\n"
    "4. Follow the moderators' requests."
)


def mention(person: Person) -> str:
    """Return an HTML mention of the person, their name escaped (a channel: its name only,
    since a user link cannot point at a chat)."""
    if person.is_channel:
        return f"<b>{escape(person.name)}</b>"
    return f'<a href="tg://user?id={person.user_id}">{escape(person.name)}</a>'


def when(moment: datetime, tz: ZoneInfo) -> str:
    """Return a moment as the group reads it: date and time in the forum's zone."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def render_entry(tr: Translator, entry: LogEntry, tz: ZoneInfo) -> str:
    """Render one log entry for the modlog chat or /modlog."""
    lines = [f"<b>{escape(tr(ACTION_LABELS[entry.action]))}</b> · {when(entry.created_at, tz)}"]
    actor = mention(entry.actor) if entry.actor else escape(tr("the bot"))
    if entry.target is not None:
        lines.append(f"{actor} → {mention(entry.target)} (<code>{entry.target.user_id}</code>)")
    else:
        lines.append(actor)
    if entry.reason:
        lines.append(tr("Reason: {reason}").format(reason=escape(entry.reason)))
    if entry.until is not None:
        lines.append(tr("Until: {time}").format(time=when(entry.until, tz)))
    if entry.link:
        label = escape(tr("Go to the message"))
        lines.append(f'<a href="{escape(entry.link)}">{label}</a>')
    return "\n".join(lines)


def render_digest(tr: Translator, entries: Sequence[LogEntry], tz: ZoneInfo) -> str:
    """Render new reports as one message for the moderators (what does not fit: /modlog)."""
    text = tr.plural(
        "🚩 <b>{count} new report</b>", "🚩 <b>{count} new reports</b>", len(entries)
    ).format(count=len(entries))
    for shown, entry in enumerate(entries):
        block = "\n\n" + render_entry(tr, entry, tz)
        more = "\n\n" + tr("… and {count} more: see /modlog.").format(count=len(entries) - shown)
        if len(text) + len(block) + len(more) > MAX_MESSAGE:
            return text + more
        text += block
    return text


def render_log(tr: Translator, entries: Sequence[LogEntry], tz: ZoneInfo) -> str:
    """Render recent entries, newest first, within one message."""
    if not entries:
        return tr("The moderation log is empty.")
    text = tr("<b>Recent moderation actions</b>")
    for entry in entries:
        block = "\n\n" + render_entry(tr, entry, tz)
        if len(text) + len(block) > MAX_MESSAGE:
            break
        text += block
    return text


def render_warnings(
    tr: Translator, target: Person, warnings: Sequence[Warning], tz: ZoneInfo
) -> str:
    """Render a member's active warnings."""
    if not warnings:
        return tr("{name} has no warnings.").format(name=mention(target))
    head = tr.plural(
        "{name} has {count} warning:", "{name} has {count} warnings:", len(warnings)
    ).format(name=mention(target), count=len(warnings))
    text = head
    for warning in warnings:
        reason = escape(warning.reason) if warning.reason else "—"
        line = f"\n• {when(warning.given_at, tz)}: {reason}"
        if len(text) + len(line) > MAX_MESSAGE:
            break
        text += line
    return text


def welcome(tr: Translator, newcomer: Person, minutes: int, rules: str | None) -> tuple[str, Rows]:
    """Welcome a newcomer with the rules and the button that lets them write."""
    text = tr(
        "Welcome, {name}! Please read the group's rules and press “I agree” within "
        "{minutes} minutes; until then you can read but not write.\n\n<b>Rules</b>\n{rules}"
    ).format(
        name=mention(newcomer),
        minutes=minutes,
        rules=escape(rules) if rules else escape(tr(DEFAULT_RULES)),
    )
    return text, [[(tr("I agree"), AgreePress(user=newcomer.user_id).encode())]]


def measure(tr: Translator, entry: LogEntry, tz: ZoneInfo) -> str:
    """Tell the group what a measure did to a member."""
    name = mention(entry.target) if entry.target else ""
    if entry.action is ModAction.KICK:
        return tr("{name} has been removed from the group.").format(name=name)
    if entry.action is ModAction.BAN and entry.until is None:
        return tr("{name} has been banned from the group.").format(name=name)
    if entry.action is ModAction.BAN and entry.until is not None:
        return tr("{name} has been banned until {time}.").format(
            name=name, time=when(entry.until, tz)
        )
    if entry.until is not None:
        return tr("{name} has been muted until {time}.").format(
            name=name, time=when(entry.until, tz)
        )
    return tr("{name} has been muted.").format(name=name)


def warned(tr: Translator, target: Person, outcome: WarnOutcome, tz: ZoneInfo) -> str:
    """Tell the group a member was warned, and what the ladder did if it did something."""
    text = tr.plural(
        "{name} has been warned ({count} warning).",
        "{name} has been warned ({count} warnings).",
        outcome.count,
    ).format(name=mention(target), count=outcome.count)
    if outcome.step is not None:
        text += "\n" + measure(tr, outcome.entries[-1], tz)
    return text
