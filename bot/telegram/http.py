"""The bot's HTTP client for Bot API calls: PTB's ``BaseRequest`` over aiohttp.

PTB's default client (httpx over httpcore, anyio and h11) spends more CPU per request than
the bot spends answering a /next: profiles of the throughput benchmark put a third of the
bot's time in that stack. aiohttp (already the web server's library) does the same job in a
fraction of it. Errors map as in PTB's own client: a timeout is ``TimedOut``, any other
transport failure ``NetworkError``; status codes are left to PTB, which turns them into its
exceptions. A failure before the request left (no connection, or none in time) is also a
``UnsentError``, so that ``repeatable`` can tell a request that is safe to send again from one
that may already have been carried out. The long poll keeps PTB's client
(``bot.telegram.polling``): one request at a time.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData


class UnsentError(NetworkError):
    """The request never reached the server: no connection could be made."""


class ConnectTimeoutError(TimedOut, UnsentError):
    """No connection (or no free one in the pool) in time: the request never left."""


def repeatable(error: TelegramError) -> bool:
    """Whether a failed request was certainly or most likely not carried out.

    True when it never left (``UnsentError``) or when the server answered with an error of its own
    that is neither a refusal nor a flood pause (a 5xx: PTB raises a bare ``NetworkError`` for
    it, with no transport error behind it, at most its failure to parse a proxy's HTML page).
    False for a timeout or a connection lost after the request left: Telegram may have carried
    it out, and sending it again could duplicate it.
    """
    if isinstance(error, UnsentError):
        return True
    cause = error.__cause__
    return type(error) is NetworkError and (cause is None or isinstance(cause, TelegramError))


class AiohttpRequest(BaseRequest):
    """Send Bot API requests with an aiohttp session of ``connections`` connections."""

    def __init__(
        self,
        connections: int = 8,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 30.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._connections = connections
        self._read = read_timeout
        self._write = write_timeout
        self._connect = connect_timeout
        self._pool = pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout."""
        return self._read

    async def initialize(self) -> None:
        """Open the session (again after a shutdown)."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

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
        """Send one request and return the status code and the body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("this AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        body: aiohttp.FormData | dict[str, str] | None = fields
        if files:
            form = aiohttp.FormData()
            for name, value in (fields or {}).items():
                form.add_field(name, value)
            for name, (filename, content, mime) in files.items():
                form.add_field(name, content, filename=filename, content_type=mime)
            body = form
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        write = write_timeout
        if isinstance(write, DefaultValue):
            write = self._media_write if files else self._write
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        # aiohttp has no write timeout of its own: the read timeout covers waiting for the
        # answer, so the longer of the two bounds the socket's silence.
        silence = None if read is None or write is None else max(read, write)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=pool, sock_connect=connect, sock_read=silence
        )
        try:
            async with session.request(method, url, data=body, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise ConnectTimeoutError from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientConnectorError as error:
            raise UnsentError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
