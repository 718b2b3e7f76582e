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
    Command("profile", N_("Create, edit or delete your profile")),
    Command("people", N_("Browse the participants, by topic, country, region or language")),
    Command("intro", N_("Ask to be introduced to a participant")),
    Command("meet", N_("Meet someone from another region")),
    Command("mydata", N_("Get everything I store about you")),
    Command("forget", N_("Delete your data")),
    Command("rules", N_("The community group's rules"), in_groups=True),
    Command("report", N_("Report a message to the moderators (reply to it)"), in_groups=True),
    Command("warn", N_("Warn a member (reply, @name or id) [reason]"), Role.MODERATOR, True),
    Command("unwarn", N_("Withdraw a member's latest warning"), Role.MODERATOR, True),
    Command("warns", N_("Show a member's warnings"), Role.MODERATOR, True),
    Command("mute", N_("Mute a member [duration] [reason]"), Role.MODERATOR, True),
    Command("unmute", N_("Let a muted member write again"), Role.MODERATOR, True),
    Command("kick", N_("Remove a member (they may rejoin)"), Role.MODERATOR, True),
    Command("ban", N_("Ban a member [reason]"), Role.MODERATOR, True),
    Command("unban", N_("Let a banned user rejoin"), Role.MODERATOR, True),
    Command("del", N_("Delete the message you reply to"), Role.MODERATOR, True),
    Command("setrules", N_("Replace the group's rules"), Role.MODERATOR, True),
    Command("modlog", N_("Recent moderation actions"), Role.MODERATOR),
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
    Command("agenda", N_("Your sessions and reminders")),
    Command("remind", N_("Remind me of a session: /remind 12")),
    Command("unremind", N_("Stop reminding me of a session: /unremind 12")),
    Command("calendar", N_("Your agenda as a calendar file")),
    Command("settings", N_("Reminder lead time, plenaries and morning digest")),
    Command("ask", N_("Ask a session's panel a question: /ask 12 your question")),
    Command("questions", N_("A session's questions, ranked by votes: /questions 12")),
    Command("rate", N_("Rate a session: /rate 12")),
    Command("survey", N_("The end-of-forum survey")),
    Command("stay", N_("Stay in the community for the next forum")),
    Command("announce", N_("Send an announcement to participants"), Role.ORGANISER),
    Command("announcements", N_("Recent announcements and their delivery"), Role.ORGANISER),
    Command("host", N_("Assign a session's hosts: /host 12 @name"), Role.ORGANISER, True),
    Command(
        "feedback",
        N_("Feedback results and chart: /feedback [session|survey|export]; /questions export"),
        Role.ORGANISER,
    ),
    Command(
        "stats", N_("The forum in figures and charts; /stats report for the PDF"), Role.ORGANISER
    ),
    Command(
        "export", N_("Download the programme, announcements and more as a table"), Role.ORGANISER
    ),
)


def commands_for(roles: set[Role], *, in_group: bool = False) -> list[Command]:
    """Return the commands these roles may use, in menu order."""
    wanted = roles | {Role.PARTICIPANT}
    return [
        command
        for command in COMMANDS
        if command.role in wanted and (command.in_groups or not in_group)
    ]
