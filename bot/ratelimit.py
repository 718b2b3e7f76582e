"""Outgoing rate limits: Telegram's message limits applied to the methods that send messages.

PTB's ``AIORateLimiter`` paces every request that names a chat, so restricting a member or
deleting a spam message in the group would wait behind the 20-messages-a-minute group budget.
Telegram's limits are about messages sent; this limiter paces only those and lets the rest
through at once (they still wait while a 429 pause is in force).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter

PACED_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendphoto",
        "sendvideo",
        "sendaudio",
        "sendvoice",
        "sendanimation",
        "sendsticker",
        "sendmediagroup",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendpoll",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)


class MessageRateLimiter(AIORateLimiter):
    """Pace message-sending methods at Telegram's limits; pass everything else through."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Apply the limits to sends only."""
        if endpoint.lower() in PACED_METHODS:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        return await callback(*args, **kwargs)
