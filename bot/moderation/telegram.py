"""The moderation port over the Bot API: restrict, ban, unban and delete in the group.

When Telegram refuses for lack of rights, the bot's own membership is fetched to name the admin
right that is missing, and the refusal becomes a MissingRightError the moderator can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from telegram import Bot, ChatMemberAdministrator, ChatPermissions
from telegram.error import BadRequest

from bot.errors import DomainError
from bot.i18n import N_
from bot.moderation.service import MissingRightError

logger = logging.getLogger(__name__)

NO_PERMISSIONS = ChatPermissions.no_permissions()
ALL_PERMISSIONS = ChatPermissions.all_permissions()

_RIGHT_MESSAGES = {
    "can_restrict_members": N_(
        "I can't do that: I need the admin right “Ban users” in this group. "
        "Please ask the group's owner to grant it."
    ),
    "can_delete_messages": N_(
        "I can't do that: I need the admin right “Delete messages” in this group. "
        "Please ask the group's owner to grant it."
    ),
}

_RIGHTS_HINTS = ("not enough rights", "admin_required", "administrator rights", "can't be deleted")


class TelegramGroupControl:
    """Act on a group through the Bot API."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def restrict(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Stop the member from sending anything (until ``until``, or for good)."""
        await self._call(
            "can_restrict_members",
            chat_id,
            self._bot.restrict_chat_member(
                chat_id,
                user_id,
                NO_PERMISSIONS,
                until_date=until,
                use_independent_chat_permissions=True,
            ),
        )

    async def unrestrict(self, chat_id: int, user_id: int) -> None:
        """Let the member send again."""
        await self._call(
            "can_restrict_members",
            chat_id,
            self._bot.restrict_chat_member(
                chat_id, user_id, ALL_PERMISSIONS, use_independent_chat_permissions=True
            ),
        )

    async def ban(self, chat_id: int, user_id: int, until: datetime | None) -> None:
        """Remove the member and keep them out (until ``until``, or for good)."""
        await self._call(
            "can_restrict_members",
            chat_id,
            self._bot.ban_chat_member(chat_id, user_id, until_date=until),
        )

    async def unban(self, chat_id: int, user_id: int) -> None:
        """Let a banned user join again (a current member is left alone)."""
        await self._call(
            "can_restrict_members",
            chat_id,
            self._bot.unban_chat_member(chat_id, user_id, only_if_banned=True),
        )

    async def kick(self, chat_id: int, user_id: int) -> None:
        """Remove the member; they may rejoin."""
        await self.ban(chat_id, user_id, None)
        await self.unban(chat_id, user_id)

    async def delete(self, chat_id: int, message_id: int) -> None:
        """Delete a message in the group."""
        await self._call(
            "can_delete_messages", chat_id, self._bot.delete_message(chat_id, message_id)
        )

    async def ban_sender(self, chat_id: int, channel_id: int) -> None:
        """Stop members from posting in the group on behalf of a channel."""
        await self._call(
            "can_restrict_members",
            chat_id,
            self._bot.ban_chat_sender_chat(chat_id, channel_id),
        )

    async def unban_sender(self, chat_id: int, channel_id: int) -> None:
        """Let members post on behalf of a channel again."""
        await self._call(
            "can_restrict_members",
            chat_id,
            self._bot.unban_chat_sender_chat(chat_id, channel_id),
        )

    async def _call(self, right: str, chat_id: int, request: Awaitable[Any]) -> None:
        try:
            await request
        except BadRequest as error:
            text = error.message.lower()
            if "user is an administrator" in text or "can't remove chat owner" in text:
                raise DomainError(
                    N_("Telegram does not let me restrict an administrator of the group.")
                ) from error
            if not any(hint in text for hint in _RIGHTS_HINTS):
                raise
            if not await self._has_right(chat_id, right):
                logger.warning("missing right %s in chat %s: %s", right, chat_id, error.message)
                raise MissingRightError(_RIGHT_MESSAGES[right]) from error
            if "can't be deleted" in text:
                raise DomainError(
                    N_("Telegram no longer lets me delete that message (it may be too old).")
                ) from error
            raise

    async def _has_right(self, chat_id: int, right: str) -> bool:
        member = await self._bot.get_chat_member(chat_id, self._bot.id)
        return isinstance(member, ChatMemberAdministrator) and bool(getattr(member, right))
