"""An offline fake of the Telegram Bot API server for end-to-end tests.

`FakeTelegram` serves python-telegram-bot over real HTTP on 127.0.0.1 and answers the way the
real server does (error bodies, HTML rules, limits, getUpdates semantics, flood control), while
`SimUser`/`SimChat` drive updates into it and read back what the bot did.
"""

from tests.fakeapi.server import (
    TEST_TOKEN,
    ApiError,
    Call,
    FakeTelegram,
    FloodLimits,
    ManualClock,
)
from tests.fakeapi.world import SimCallback, SimChat, SimInlineQuery, SimMessage, SimUser

__all__ = [
    "TEST_TOKEN",
    "ApiError",
    "Call",
    "FakeTelegram",
    "FloodLimits",
    "ManualClock",
    "SimCallback",
    "SimChat",
    "SimInlineQuery",
    "SimMessage",
    "SimUser",
]
