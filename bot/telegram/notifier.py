"""The notifier over the Bot API (``bot.notify.Notifier``): private messages only to people who
can receive them, staff notices that cannot reach someone sent to the modlog chat instead.

Telegram refuses a private message to anyone who never started the bot ("bot can't initiate
conversation") or blocked it; either marks the person unreachable (``ParticipantService``), so
the bot does not try again until they open the private chat. A staff notice that could not
reach a moderator is kept and told to them once, when they next send /start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.config import Config
from bot.i18n import Translator, translator
from bot.notify import Notice
from bot.participants.service import ParticipantService
from bot.telegram.keyboards import keyboard

logger = logging.getLogger(__name__)


@dataclass
class TelegramNotifier:
    """Send notices for the services, honouring who can be reached."""

    bot: Bot
    participants: ParticipantService
    config: Config

    @property
    def group_translator(self) -> Translator:
        """Return the translator of the group and the modlog chat."""
        config = self.config
        return translator(config.moderation.group_language or config.event.default_language)

    async def tell(self, user_id: int, notice: Notice) -> bool:
        """Write to a person privately, in their language; False if they cannot be reached."""
        if not await self.participants.is_reachable(user_id):
            return False
        tr = await self.participants.translator_for(user_id)
        return await self._send(user_id, notice, tr, private=True)

    async def tell_staff(
        self, staff: Iterable[int], notice: Notice, *, log: bool, public_fallback: bool = False
    ) -> None:
        """Tell each staff member privately; the modlog chat stands in for whoever cannot."""
        missed: list[int] = []
        for user_id in dict.fromkeys(staff):
            if not await self.tell(user_id, notice):
                missed.append(user_id)
        modlog = self.config.chats.modlog
        fallback = modlog
        if fallback is None and public_fallback:
            fallback = self.config.chats.community
        posted = None
        if log and modlog is not None:
            posted = modlog if await self.log(notice) else None
        elif missed and fallback is not None:
            posted = fallback if await self.post(fallback, notice) else None
        for user_id in missed:
            tr = await self.participants.translator_for(user_id)
            await self.participants.keep_missed(user_id, notice.text(tr), posted)

    async def post(self, chat_id: int, notice: Notice) -> bool:
        """Post to a group or channel in the group's language; False if it failed."""
        return await self._send(chat_id, notice, self.group_translator, private=False)

    async def log(self, notice: Notice) -> bool:
        """Post to the modlog chat, if the forum has one."""
        modlog = self.config.chats.modlog
        return modlog is not None and await self.post(modlog, notice)

    async def _send(self, chat_id: int, notice: Notice, tr: Translator, *, private: bool) -> bool:
        rows = notice.rows(tr) if notice.rows else []
        try:
            await self.bot.send_message(chat_id, notice.text(tr), reply_markup=keyboard(rows))
        except Forbidden as error:
            logger.info("chat %s cannot be reached: %s", chat_id, error.message)
            if private:
                await self.participants.mark_blocked(chat_id)
            return False
        except BadRequest as error:
            logger.warning("could not write to chat %s: %s", chat_id, error.message)
            return False
        except TelegramError:
            logger.warning("could not write to chat %s", chat_id, exc_info=True)
            return False
        return True
