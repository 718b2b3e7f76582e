"""The long poll's HTTP client, telling the health check each time a poll comes back."""

from __future__ import annotations

from collections.abc import Callable

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, HTTPXRequest, RequestData


class PollingRequest(HTTPXRequest):
    """PTB's HTTP client for getUpdates, calling ``on_success`` after every 200 answer."""

    def __init__(self, on_success: Callable[[], None], *, read_timeout: float) -> None:
        # One connection: only the long poll uses this client (PTB's default for it).
        super().__init__(connection_pool_size=1, read_timeout=read_timeout)
        self._on_success = on_success

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the request; a 200 answer is proof that Telegram is reachable."""
        code, payload = await super().do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if code == 200:
            self._on_success()
        return code, payload
