"""The bot's commands per role, for /help and the per-language command menus."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.i18n import N_


class Role(Enum):
    """Who a command is for; organisers and moderators also see the participants' commands."""

    PARTICIPANT = "participant"
    ORGANISER = "organiser"
    MODERATOR = "moderator"


@dataclass(frozen=True, slots=True)
class Command:
    """A command with its menu description (an msgid) and the role it serves."""

    name: str
    description: str
    role: Role = Role.PARTICIPANT
    in_groups: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Welcome and what I can do")),
    Command("help", N_("The commands you can use"), in_groups=True),
    Command("language", N_("Choose your language")),
    Command("timezone", N_("Set your time zone")),
    Command("privacy", N_("What I store about you and why")),
    Command("today", N_("Today's programme"), in_groups=True),
    Command("tomorrow", N_("Tomorrow's programme"), in_groups=True),
    Command("schedule", N_("The programme, day by day"), in_groups=True),
    Command("now", N_("What is on right now"), in_groups=True),
    Command("next", N_("What starts next"), in_groups=True),
    Command("session", N_("One session, by its number")),
    Command("search", N_("Find sessions by a word"), in_groups=True),
    Command("speaker", N_("A speaker's sessions")),
    Command("room", N_("What happens in a room")),
    Command("ics", N_("Calendar files of the programme")),
)


def commands_for(roles: set[Role], *, in_group: bool = False) -> list[Command]:
    """Return the commands these roles may use, in menu order."""
    wanted = roles | {Role.PARTICIPANT}
    return [
        command
        for command in COMMANDS
        if command.role in wanted and (command.in_groups or not in_group)
    ]
