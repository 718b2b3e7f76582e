"""Moderation of the community group: who moderates, verified joins, the warning ladder, mutes,
bans, reports, flood control, the first-hours link rule and the moderation log.

The services here never see a ``telegram`` object: they act on the group through the narrow
``GroupControl`` port (implemented over the Bot API in ``bot.moderation.telegram``) and record
every action in the log, returning the entries for the handlers to render and post.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from bot.clock import Clock
from bot.config import Config
from bot.durations import parse_duration
from bot.errors import DomainError, NotAllowedError
from bot.i18n import N_
from bot.moderation.model import LogEntry, ModAction, Pending, Person, Warning
from bot.moderation.render import render_entry
from bot.notify import Notice, Notifier, Silent
from bot.window import SlidingWindow
from storage.moderation import ModerationStore

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


@dataclass(frozen=True, slots=True)
class LadderStep:
    """What a number of warnings leads to."""

    action: ModAction
    duration: timedelta | None


def ladder_step(text: str) -> LadderStep:
    """Parse a configured ladder step (``mute 24h``, ``kick``, ``ban``, ``ban 7d``)."""
    words = text.split()
    action = {"mute": ModAction.MUTE, "kick": ModAction.KICK, "ban": ModAction.BAN}[words[0]]
    duration = parse_duration(words[1]) if len(words) > 1 else None
    return LadderStep(action, duration)


@dataclass(frozen=True, slots=True)
class WarnOutcome:
    """A warning given: the member's count and what it led to."""

    count: int
    entries: list[LogEntry]
    step: LadderStep | None


class FloodDetector:
    """Notice a member sending more than ``limit`` messages within ``window``.

    After a flood is reported the member is left alone for one window: the messages still on
    their way when the mute was applied must not mute and log them again.
    """

    def __init__(self, limit: int, window: timedelta) -> None:
        self._limit = limit
        self._messages: SlidingWindow[tuple[int, int]] = SlidingWindow(window)
        self._reported: SlidingWindow[tuple[int, int]] = SlidingWindow(window)

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

    async def breaks_link_rule(self, chat_id: int, user_id: int) -> bool:
        """Tell whether the member is too new to post links or forwards."""
        hours = self._settings.newcomer_no_links_hours
        if hours == 0:
            return False
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
        """Mute a member who flooded the group; None for moderators, who are left alone."""
        if await self.is_moderator(chat_id, member.user_id):
            return None
        duration = parse_duration(self._settings.flood_mute)
        until = self._clock() + duration if duration else None
        await control.restrict(chat_id, member.user_id, until)
        return await self._log(chat_id, ModAction.FLOOD_MUTE, None, member, None, until=until)

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
        if step.action is ModAction.MUTE:
            await control.restrict(chat_id, target.user_id, until)
        elif step.action is ModAction.KICK:
            await control.kick(chat_id, target.user_id)
        else:
            await control.ban(chat_id, target.user_id, until)
        return await self._log(chat_id, step.action, actor, target, reason, until=until)

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
        reporter: Person,
        target: Person | None,
        reason: str | None,
        link: str | None,
    ) -> LogEntry:
        """Record a member's report of a message (any member may report) and tell the
        moderators privately, and the modlog chat; the modlog (or the group) stands in for a
        moderator who cannot be reached."""
        entry = await self._log(
            chat_id, ModAction.REPORT, reporter, target, reason, link=link, post=False
        )
        staff = await self.moderator_ids(chat_id)
        await self._notifier.tell_staff(staff, self._notice(entry), log=True, public_fallback=True)
        return entry

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
        post: bool = True,
    ) -> LogEntry:
        """Record an action in the log and post it to the modlog chat (the action stands even
        if the post fails)."""
        entry = await self.store.log(
            chat_id=chat_id,
            action=action,
            actor=actor,
            target=target,
            reason=reason,
            now=self._clock(),
            until=until,
            link=link,
        )
        if post:
            await self._notifier.log(self._notice(entry))
        return entry

    def _notice(self, entry: LogEntry) -> Notice:
        return Notice(partial(render_entry, entry=entry, tz=self._config.tz))
