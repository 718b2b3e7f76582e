"""Texts and buttons of the core: welcome, help, language and time-zone choice, privacy.

Pure functions of a translator and data; button rows are (label, callback data).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Annotated

from pydantic import AfterValidator

from bot.callbacks import CallbackData, Rows
from bot.commands import Command
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.participants.model import MissedNotice

MAX_TEXT = 4096


def _supported(code: str) -> str:
    if code not in LANGUAGES:
        raise ValueError("not a forum language")
    return code


class LanguagePress(CallbackData, prefix="lang", private=True):
    """Switch the interface language."""

    code: Annotated[str, AfterValidator(_supported)]


class ZonePress(CallbackData, prefix="tz", private=True):
    """Set the time zone (``Area.City``: slashes travel as dots)."""

    zone: str

    @classmethod
    def of(cls, zone: str) -> ZonePress:
        """Return the press for an IANA zone name."""
        return cls(zone=zone.replace("/", "."))

    @property
    def name(self) -> str:
        """Return the zone name as typed (``Area/City``), not yet checked."""
        return self.zone.replace(".", "/")


def language_buttons() -> Rows:
    """Return one button per language, in a row."""
    return [[(LANGUAGE_NAMES[code], LanguagePress(code=code).encode()) for code in LANGUAGES]]


def welcome(tr: Translator, event: str, name: str) -> str:
    """Greet a user who started the bot."""
    return tr(
        "Welcome to <b>{event}</b>, {name}!\n\n"
        "I am the forum's assistant. I can show you the programme in your own time zone, "
        "remind you of the sessions you choose, and introduce you to other participants.\n\n"
        "Send /help to see everything I can do."
    ).format(event=escape(event), name=escape(name))


def help_text(tr: Translator, commands: Sequence[Command]) -> str:
    """List the commands a user may use."""
    lines = [tr("<b>What I can do</b>")]
    lines += [f"/{command.name} — {escape(tr(command.description))}" for command in commands]
    return "\n".join(lines)


def zone_menu(tr: Translator, zone: str, offered: list[str]) -> tuple[str, Rows]:
    """Say the user's zone and offer the common ones."""
    rows = [[(z, ZonePress.of(z).encode())] for z in offered]
    text = tr(
        "Your time zone is <b>{zone}</b>. Choose another below, or send it as "
        "<code>/timezone America/Lima</code>."
    ).format(zone=escape(zone))
    return text, rows


def unknown_zone(tr: Translator, typed: str) -> str:
    """Say that a typed zone is unknown, with examples."""
    return tr(
        "I don't know the time zone <b>{zone}</b>. Send a name such as "
        "<code>Europe/Berlin</code>, <code>Africa/Nairobi</code> or "
        "<code>America/Sao_Paulo</code>."
    ).format(zone=escape(typed[:64]))


def zone_set(tr: Translator, zone: str) -> str:
    """Confirm the new zone."""
    return tr("Done: I will show times in <b>{zone}</b> as well.").format(zone=escape(zone))


def unknown_command(tr: Translator, command: str) -> str:
    """Say that a private command is unknown, and where to look."""
    return tr("I don't know the command {command}. Send /help to see what I can do.").format(
        command=escape(command[:40])
    )


def not_text(tr: Translator) -> str:
    """Answer a sticker, voice note or photo that no feature was waiting for."""
    return tr(
        "I can only read text. Ask me about the programme, for example "
        "<i>what's on now?</i>, or send /help."
    )


def missed_notices(tr: Translator, missed: Sequence[MissedNotice]) -> str:
    """Pass on, once, the staff notices that could not reach the user while they were away."""
    text = tr.plural(
        "While I could not write to you, {count} notice for the staff was kept for you:",
        "While I could not write to you, {count} notices for the staff were kept for you:",
        len(missed),
    ).format(count=len(missed))
    for notice in missed:
        block = "\n\n" + notice.text
        if len(text) + len(block) > MAX_TEXT:
            break
        text += block
    return text
