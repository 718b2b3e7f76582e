"""Rendering of moderation texts: log entries, warnings and the default rules, escaped HTML."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from bot.callbacks import CallbackData, Id
from bot.i18n import N_, Translator
from bot.moderation.model import LogEntry, ModAction, Person, Warning

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
    """Return an HTML mention of the person, their name escaped."""
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
