"""The bot as a subprocess for crash tests: the real Application, a clock set from outside.

    python -m tests.e2e.reminders_botproc CONFIG.toml

The clock starts at ``FORUMBOT_TEST_NOW`` (ISO 8601) and runs at wall-clock pace from there,
so a test chooses the instant a restart happens at without waiting for it.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timedelta

from telegram import Update

from bot.app import build_application
from bot.config import load_config


def main() -> None:
    """Run the bot until killed."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    config = load_config(sys.argv[1])
    start = datetime.fromisoformat(os.environ["FORUMBOT_TEST_NOW"])
    began = time.monotonic()

    def clock() -> datetime:
        return start + timedelta(seconds=time.monotonic() - began)

    token = os.environ["FORUMBOT_TOKEN"]
    application = build_application(config, token, clock=clock)
    application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=1)


if __name__ == "__main__":
    main()
