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
    Command("announce", N_("Send an announcement to participants"), Role.ORGANISER),
    Command("announcements", N_("Recent announcements and their delivery"), Role.ORGANISER),
)


def commands_for(roles: set[Role], *, in_group: bool = False) -> list[Command]:
    """Return the commands these roles may use, in menu order."""
    wanted = roles | {Role.PARTICIPANT}
    return [
        command
        for command in COMMANDS
        if command.role in wanted and (command.in_groups or not in_group)
    ]
