"""The long poll's HTTP client, telling the health check each time a poll comes back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.request import HTTPXRequest


class PollingRequest(HTTPXRequest):
    """PTB's HTTP client for getUpdates, calling ``on_success`` after every 200 answer."""

    def __init__(self, on_success: Callable[[], None], *, read_timeout: float) -> None:
        # One connection: only the long poll uses this client (PTB's default for it).
        super().__init__(connection_pool_size=1, read_timeout=read_timeout)
        self._on_success = on_success

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """Send the request as PTB's client does; a 200 answer is proof that Telegram is
        reachable."""
        code, payload = await super().do_request(*args, **kwargs)
        if code == 200:
            self._on_success()
        return code, payload
