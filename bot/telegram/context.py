"""The typed callback context every handler receives, instead of untyped dict lookups."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator, translator
from bot.participants.model import Participant
from bot.runtime import Runtime


class BotData:
    """Application-wide state: the runtime services."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None


class ForumContext(CallbackContext[ExtBot[Any], Any, Any, BotData]):
    """Callback context with the runtime, the user's translator and participant row."""

    def __init__(
        self,
        application: Application[Any, ForumContext, Any, Any, BotData, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._tr: Translator | None = None
        self.participant: Participant | None = None

    @property
    def runtime(self) -> Runtime:
        """Return the bot's services."""
        runtime = self.bot_data.runtime
        if runtime is None:
            raise RuntimeError("the runtime is not open yet")
        return runtime

    @property
    def tr(self) -> Translator:
        """Return the translator of the user this update is from (English before it is known)."""
        if self._tr is None:
            self._tr = translator(self.runtime.config.event.default_language)
        return self._tr

    @tr.setter
    def tr(self, value: Translator) -> None:
        self._tr = value
