"""Moderation of the community group: who moderates, verified joins, the warning ladder, mutes,
bans, reports, flood control, the first-hours link rule and the moderation log.

The services here never see a ``telegram`` object: they act on the group through the narrow
``GroupControl`` port (implemented over the Bot API in ``bot.moderation.telegram``) and record
every action in the log, returning the entries for the handlers to render and post.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.clock import Clock
from bot.config import Config
from bot.durations import parse_duration
from bot.errors import DomainError, NotAllowedError
from bot.i18n import N_
from bot.moderation.model import (
    LadderStep,
    LogEntry,
    ModAction,
    Pending,
    Person,
    Warning,
    WarnOutcome,
    is_channel,
)
from bot.moderation.render import render_digest, render_entry
from bot.notify import Notice, Notifier, Silent
from bot.participants.model import USERNAME_FRESH
from bot.window import SlidingWindow
from storage.moderation import ModerationStore

# Channel identities remembered as already recorded (see ``Moderation.note_channel``).
CHANNELS_REMEMBERED = 1024
# Said alike to a second reporter and to one who raced the first.
ALREADY_REPORTED = N_("This message has been reported already; the moderators will look at it.")
# Reports one digest tells of at most (the rest go in the next one, a round later).
DIGEST_MAX = 50
# How often a member's name and @username are rewritten at most, and how many are held.
MEMBER_REFRESH = timedelta(days=1)
NOTED_MEMBERS = 4096


class GroupControl(Protocol):
    """What moderation needs to do to a group; raises DomainError when the bot may not."""

    async def restrict(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Stop the member from sending anything (until ``until``, or for good)."""

    async def unrestrict(self, chat_id: int, user_id: int) -> None:
        """Let the member send again."""

    async def ban(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Remove the member and keep them out (until ``until``, or for good)."""

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Let a banned user join again."""

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove the member; they may rejoin."""

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a message in the group."""

    async def ban_sender(self, chat_id: int, channel_id: int) -> None:
        """Stop members from posting in the group on behalf of a channel."""

    async def unban_sender(self, chat_id: int, channel_id: int) -> None:
        """Let members post on behalf of a channel again."""


def ladder_step(text: str) -> LadderStep:
    """Parse a configured ladder step (``mute 24h``, ``kick``, ``ban``, ``ban 7d``)."""
    words = text.split()
    action = {"mute": ModAction.MUTE, "kick": ModAction.KICK, "ban": ModAction.BAN}[words[0]]
    duration = parse_duration(words[1]) if len(words) > 1 else None
    return LadderStep(action, duration)


class FloodDetector:
    """Notice a member sending more than ``limit`` messages within ``window``.

    After a flood is reported the member is left alone for one window: the messages still on
    their way when the mute was applied must not mute and log them again.
    """

    def __init__(self, limit: int, window: timedelta) -> None:
        self._limit = limit
        self._messages: SlidingWindow[tuple[int, int]] = SlidingWindow(window)
        self._reported: SlidingWindow[tuple[int, int]] = SlidingWindow(window)

    def __len__(self) -> int:
        """Return how many (chat, member) keys the detector holds."""
        return len(self._messages) + len(self._reported)

    def observe(self, chat_id: int, user_id: int, now: datetime) -> bool:
        """Record a message; True when it takes the member over the limit."""
        key = (chat_id, user_id)
        if self._reported.count(key, now):
            return False
        if self._messages.add(key, now) > self._limit:
            self._messages.clear(key)
            self._reported.add(key, now)
            return True
        return False


# The measures a moderator applies with a step of the ladder (the others undo one).
_MEASURES = frozenset({ModAction.MUTE, ModAction.KICK, ModAction.BAN})


class MissingRightError(DomainError):
    """The bot lacks a Telegram admin right the action needs."""


class Moderation:
    """The moderation rules of the community group, over its storage and the injected clock."""

    def __init__(
        self,
        store: ModerationStore,
        config: Config,
        clock: Clock,
        notifier: Notifier | None = None,
    ) -> None:
        self.store = store
        self._notifier: Notifier = notifier or Silent()
        self._config = config
        self._settings = config.moderation
        self._clock = clock
        self.flood = FloodDetector(
            self._settings.flood_messages, timedelta(seconds=self._settings.flood_seconds)
        )
        # Channel identities already recorded as seen (most recent last): a bound on memory,
        # and no write for every message a channel posts.
        self._channels_seen: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._ladder = {
            count: ladder_step(step) for count, step in self._settings.warn_ladder.items()
        }
        # Members recently written to mod_members: (name, username, rewrite after), bounded.
        self._noted: OrderedDict[tuple[int, int], tuple[str, str | None, datetime]] = OrderedDict()

    async def note_member(self, chat_id: int, member: Person, username: str | None) -> None:
        """Remember how the group shows a member, writing at most once a day per member."""
        now = self._clock()
        key = (chat_id, member.user_id)
        noted = self._noted.get(key)
        if noted is not None and noted[:2] == (member.name, username) and now < noted[2]:
            self._noted.move_to_end(key)
            return
        await self.store.remember_member(chat_id, member, username, now)
        self._noted[key] = (member.name, username, now + MEMBER_REFRESH)
        self._noted.move_to_end(key)
        while len(self._noted) > NOTED_MEMBERS:
            self._noted.popitem(last=False)

    def forget_member(self, user_id: int) -> None:
        """Drop what is held in memory about a forgotten person."""
        for key in [key for key in self._noted if key[1] == user_id]:
            del self._noted[key]

    # -- roles -----------------------------------------------------------------------------

    async def is_moderator(self, chat_id: int, user_id: int) -> bool:
        """Tell whether the user moderates the chat: configured, or its Telegram admin."""
        return self._config.is_moderator(user_id) or await self.store.is_admin(chat_id, user_id)

    async def require_moderator(self, chat_id: int, user_id: int) -> None:
        """Raise NotAllowedError unless the user moderates the chat (checked at every action)."""
        if not await self.is_moderator(chat_id, user_id):
            raise NotAllowedError(
                N_("Sorry, only the group's moderators can do that. Nothing was changed.")
            )

    async def moderator_ids(self, chat_id: int) -> list[int]:
        """Return everyone who moderates the chat, configured moderators first."""
        ids = list(self._config.roles.moderators)
        ids += [uid for uid in await self.store.admin_ids(chat_id) if uid not in ids]
        return ids

    async def note_admin(self, chat_id: int, user_id: int, is_admin: bool) -> None:
        """Keep the group's administrator list current from a chat_member change."""
        await self.store.set_admin(chat_id, user_id, is_admin)

    async def member_named(self, username: str) -> Person:
        """Return the one person seen with this @username within ``USERNAME_FRESH``.

        A username can change hands: the bot's record of who last used it may point at its
        former holder. So an old sighting does not count, and two people seen with it
        recently are not told apart; either way the moderator is asked for a reply or an id.
        """
        shown = username[:33]
        found = await self.store.find_by_username(username, self._clock() - USERNAME_FRESH)
        if not found:
            raise DomainError(
                N_(
                    "I have not seen {name} in the last {days} days, and a username can change "
                    "hands. Reply to one of their messages, or use their numeric id."
                ),
                name=shown,
                days=USERNAME_FRESH.days,
            )
        if len(found) > 1:
            raise DomainError(
                N_(
                    "More than one person has used {name} recently. Reply to one of their "
                    "messages, or use their numeric id."
                ),
                name=shown,
            )
        return found[0]

    async def member_by_id(self, user_id: int) -> Person:
        """Return the person with this Telegram id, named as the bot knows them."""
        return await self.store.find_by_id(user_id) or Person(user_id, str(user_id))

    async def _check_target(self, chat_id: int, target: Person) -> None:
        if await self.is_moderator(chat_id, target.user_id):
            raise DomainError(
                N_("{name} is a moderator of this group; I won't act against them."),
                name=target.name,
            )

    # -- joins -----------------------------------------------------------------------------

    async def start_verification(
        self, control: GroupControl, chat_id: int, newcomer: Person
    ) -> Pending | None:
        """Restrict a newcomer until they agree to the rules; None if already waiting."""
        now = self._clock()
        await self.store.add_newcomer(chat_id, newcomer.user_id, now)
        if not self._settings.verify_newcomers:
            return None
        deadline = now + timedelta(minutes=self._settings.welcome_timeout_minutes)
        pending = Pending(chat_id, newcomer.user_id, newcomer.name, None, now, deadline)
        if not await self.store.add_pending(pending):
            return None
        try:
            await control.restrict(chat_id, newcomer.user_id, None)
        except BaseException:
            await self.store.take_pending(chat_id, newcomer.user_id)
            raise
        return pending

    async def verify(self, control: GroupControl, chat_id: int, user_id: int) -> Pending | None:
        """Lift the newcomer's restriction and clean up the welcome; None if not waiting."""
        pending = await self.store.take_pending(chat_id, user_id)
        if pending is None:
            return None
        await self.store.mark_verified(chat_id, user_id, self._clock())
        await control.unrestrict(chat_id, user_id)
        if pending.welcome_message_id is not None:
            await control.delete(chat_id, pending.welcome_message_id)
        return pending

    async def expire_unverified(self, control: GroupControl) -> list[LogEntry]:
        """Remove every newcomer whose time to agree has run out, and their welcome."""
        now = self._clock()
        entries = []
        for due in await self.store.due_pending(now):
            if await self.store.take_pending(due.chat_id, due.user_id) is None:
                continue
            await control.kick(due.chat_id, due.user_id)
            if due.welcome_message_id is not None:
                await control.delete(due.chat_id, due.welcome_message_id)
            newcomer = Person(due.user_id, due.first_name)
            entries.append(
                await self._log(due.chat_id, ModAction.UNVERIFIED_REMOVED, None, newcomer, None)
            )
        return entries

    @property
    def channels_remembered(self) -> int:
        """Return how many channel identities are remembered as recorded (at most 1,024)."""
        return len(self._channels_seen)

    async def note_channel(self, chat_id: int, channel: Person) -> None:
        """Remember when a channel identity first posted in the group: for the link rule it
        arrives then, as a member does when joining."""
        if self._settings.newcomer_no_links_hours == 0:
            return
        key = (chat_id, channel.user_id)
        if key in self._channels_seen:
            self._channels_seen.move_to_end(key)
            return
        await self.store.note_channel(chat_id, channel.user_id, self._clock())
        self._channels_seen[key] = None
        while len(self._channels_seen) > CHANNELS_REMEMBERED:
            self._channels_seen.popitem(last=False)

    async def breaks_link_rule(self, chat_id: int, user_id: int) -> bool:
        """Tell whether the member (or channel identity) is too new to post links or
        forwards."""
        hours = self._settings.newcomer_no_links_hours
        if hours == 0:
            return False
        if is_channel(user_id):
            joined = await self.store.channel_first_seen(chat_id, user_id)
        else:
            joined = await self.store.joined_at(chat_id, user_id)
        if joined is None or self._clock() - joined >= timedelta(hours=hours):
            return False
        return not await self.is_moderator(chat_id, user_id)

    async def delete_newcomer_link(
        self, control: GroupControl, chat_id: int, author: Person, message_id: int
    ) -> LogEntry:
        """Delete a link or forward a newcomer posted too early."""
        await control.delete(chat_id, message_id)
        return await self._log(chat_id, ModAction.LINK_DELETED, None, author, None)

    # -- flood -----------------------------------------------------------------------------

    def is_flooding(self, chat_id: int, user_id: int) -> bool:
        """Record a message in the group; True when it makes the member a flooder."""
        return self.flood.observe(chat_id, user_id, self._clock())

    async def mute_flooder(
        self, control: GroupControl, chat_id: int, member: Person
    ) -> LogEntry | None:
        """Mute a member who flooded the group; None for moderators, who are left alone. A
        channel identity is banned from posting for as long (``lift_channel_mutes`` ends it)."""
        if await self.is_moderator(chat_id, member.user_id):
            return None
        duration = parse_duration(self._settings.flood_mute)
        until = self._clock() + duration if duration else None
        if member.is_channel:
            await control.ban_sender(chat_id, member.user_id)
            await self.store.mute_channel(chat_id, member.user_id, until, self._clock())
        else:
            await control.restrict(chat_id, member.user_id, until)
        return await self._log(chat_id, ModAction.FLOOD_MUTE, None, member, None, until=until)

    async def lift_channel_mutes(self, control: GroupControl) -> int:
        """Let channels muted for flooding post again once their time is up; return how many."""
        due = await self.store.due_channel_mutes(self._clock())
        for chat_id, channel_id in due:
            await control.unban_sender(chat_id, channel_id)
            await self.store.end_channel_mute(chat_id, channel_id)
        return len(due)

    # -- moderator commands ----------------------------------------------------------------

    async def warn(
        self,
        control: GroupControl,
        chat_id: int,
        actor: Person,
        target: Person,
        reason: str | None,
        link: str | None = None,
    ) -> WarnOutcome:
        """Warn a member and apply the ladder step their new count reaches, if any."""
        await self.require_moderator(chat_id, actor.user_id)
        await self._check_target(chat_id, target)
        now = self._clock()
        count = await self.store.add_warning(chat_id, target.user_id, actor.user_id, reason, now)
        entries = [await self._log(chat_id, ModAction.WARN, actor, target, reason, link=link)]
        step = self._ladder.get(count)
        if step is not None:
            entries.append(await self._apply(control, chat_id, actor, target, step, reason))
        return WarnOutcome(count, entries, step)

    async def _apply(
        self,
        control: GroupControl,
        chat_id: int,
        actor: Person,
        target: Person,
        step: LadderStep,
        reason: str | None,
    ) -> LogEntry:
        until = self._clock() + step.duration if step.duration else None
        if target.is_channel:
            await self._silence_channel(control, chat_id, target, step.action, until)
        elif step.action is ModAction.MUTE:
            await control.restrict(chat_id, target.user_id, until)
        elif step.action is ModAction.KICK:
            await control.kick(chat_id, target.user_id)
        else:
            await control.ban(chat_id, target.user_id, until)
        return await self._log(chat_id, step.action, actor, target, reason, until=until)

    async def _silence_channel(
        self,
        control: GroupControl,
        chat_id: int,
        channel: Person,
        action: ModAction,
        until: datetime | None,
    ) -> None:
        """Mute or ban a channel identity: stop posting on its behalf (until ``until``, lifted
        by ``lift_channel_mutes``). A channel is no member, so it cannot be removed."""
        if action is ModAction.KICK:
            raise DomainError(
                N_(
                    "{name} posts on behalf of a channel, which cannot be removed from the "
                    "group, only stopped from posting: use /mute or /ban."
                ),
                name=channel.name,
            )
        await control.ban_sender(chat_id, channel.user_id)
        await self.store.mute_channel(chat_id, channel.user_id, until, self._clock())

    async def unwarn(self, chat_id: int, actor: Person, target: Person) -> tuple[int, LogEntry]:
        """Withdraw the member's latest warning; return the count left and the log entry."""
        await self.require_moderator(chat_id, actor.user_id)
        left = await self.store.revoke_warning(chat_id, target.user_id, self._clock())
        if left is None:
            raise DomainError(N_("{name} has no warnings."), name=target.name)
        return left, await self._log(chat_id, ModAction.UNWARN, actor, target, None)

    async def warnings(self, chat_id: int, actor: Person, target: Person) -> list[Warning]:
        """Return the member's active warnings (moderators only)."""
        await self.require_moderator(chat_id, actor.user_id)
        return await self.store.warnings(chat_id, target.user_id)

    async def act(
        self,
        control: GroupControl,
        chat_id: int,
        actor: Person,
        target: Person,
        action: ModAction,
        *,
        duration: timedelta | None = None,
        reason: str | None = None,
    ) -> LogEntry:
        """Apply a moderator's measure to a member: mute (for ``duration``, the configured
        default when None), unmute, kick (they may rejoin), ban for good, or unban."""
        await self.require_moderator(chat_id, actor.user_id)
        if action in (ModAction.UNMUTE, ModAction.UNBAN) and target.is_channel:
            await control.unban_sender(chat_id, target.user_id)
            await self.store.end_channel_mute(chat_id, target.user_id)
            return await self._log(chat_id, action, actor, target, None)
        if action is ModAction.UNMUTE:
            await control.unrestrict(chat_id, target.user_id)
            return await self._log(chat_id, action, actor, target, None)
        if action is ModAction.UNBAN:
            await control.unban(chat_id, target.user_id)
            return await self._log(chat_id, action, actor, target, None)
        if action not in _MEASURES:
            raise ValueError(f"{action} is not a moderator's measure")
        await self._check_target(chat_id, target)
        if action is ModAction.MUTE:
            duration = duration or parse_duration(self._settings.default_mute)
        step = LadderStep(action, duration if action is ModAction.MUTE else None)
        return await self._apply(control, chat_id, actor, target, step, reason)

    async def delete(
        self,
        control: GroupControl,
        chat_id: int,
        actor: Person,
        message_ids: Sequence[int],
        author: Person | None,
    ) -> LogEntry:
        """Delete messages (the replied one, then the command itself)."""
        await self.require_moderator(chat_id, actor.user_id)
        for message_id in message_ids:
            await control.delete(chat_id, message_id)
        return await self._log(chat_id, ModAction.DELETE, actor, author, None)

    async def report(
        self,
        chat_id: int,
        message_id: int,
        reporter: Person,
        target: Person | None,
        reason: str | None,
        link: str | None,
    ) -> LogEntry:
        """Record a member's report of a message (any member may report, within a limit per
        member and once per message); the moderators hear of it in the next digest."""
        settings = self._settings
        if await self.store.is_reported(chat_id, message_id):
            raise DomainError(ALREADY_REPORTED)
        # Counted in the log rather than in memory: a restart must not reset a limit that is
        # there against abuse, and the reports are stored anyway.
        since = self._clock() - timedelta(minutes=settings.report_window_minutes)
        if await self.store.reports_since(reporter.user_id, since) >= settings.report_limit:
            raise DomainError(
                N_(
                    "You have reported {limit} messages recently; the moderators will look at "
                    "them. Please wait a little before reporting more."
                ),
                limit=settings.report_limit,
            )
        entry = await self.store.log(
            chat_id,
            ModAction.REPORT,
            reporter,
            target,
            reason,
            self._clock(),
            link=link,
            message_id=message_id,
        )
        if entry is None:  # reported by someone else a moment ago
            raise DomainError(ALREADY_REPORTED)
        return entry

    async def send_report_digest(self) -> int:
        """Tell the moderators of the reports made since the last digest, all in one message:
        in the modlog chat, or privately to each moderator when there is none. Return how many
        reports it told of."""
        entries = await self.store.undigested_reports(DIGEST_MAX)
        community = self._config.chats.community
        if not entries or community is None:
            return 0
        notice = Notice(partial(render_digest, entries=entries, tz=self._config.tz))
        if not await self._notifier.log(notice):
            staff = await self.moderator_ids(community)
            await self._notifier.tell_staff(staff, notice, log=False)
        await self.store.mark_digested([entry.id for entry in entries], self._clock())
        return len(entries)

    async def rules(self, chat_id: int) -> str | None:
        """Return the rules a moderator set, else the configured ones (None: use the default)."""
        return await self.store.rules(chat_id) or self._settings.rules or None

    async def set_rules(self, chat_id: int, actor: Person, text: str) -> LogEntry:
        """Replace the group's rules (moderators only)."""
        await self.require_moderator(chat_id, actor.user_id)
        await self.store.set_rules(chat_id, text, actor.user_id, self._clock())
        return await self._log(chat_id, ModAction.RULES_SET, actor, None, None)

    async def recent(self, actor_id: int, chat_id: int, limit: int = 20) -> list[LogEntry]:
        """Return the latest moderation log entries (moderators only)."""
        await self.require_moderator(chat_id, actor_id)
        return await self.store.recent_log(limit)

    async def _log(
        self,
        chat_id: int,
        action: ModAction,
        actor: Person | None,
        target: Person | None,
        reason: str | None,
        *,
        until: datetime | None = None,
        link: str | None = None,
    ) -> LogEntry:
        """Record an action in the log and post it to the modlog chat (the action stands even
        if the post fails)."""
        entry = await self.store.log(
            chat_id, action, actor, target, reason, self._clock(), until=until, link=link
        )
        assert entry is not None  # only a report can collide (with one of the same message)
        await self._notifier.log(self._notice(entry))
        return entry

    def _notice(self, entry: LogEntry) -> Notice:
        return Notice(partial(render_entry, entry=entry, tz=self._config.tz))
