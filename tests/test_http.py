"""The aiohttp client's errors: which failures are safe to send again."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

from bot.telegram.http import AiohttpRequest, UnsentError, repeatable


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def post(url: str) -> None:
    request = AiohttpRequest(1, read_timeout=2.0, connect_timeout=2.0)
    await request.initialize()
    try:
        await request.do_request(url, "POST")
    finally:
        await request.shutdown()


async def test_no_connection_is_unsent_and_may_be_repeated() -> None:
    with pytest.raises(UnsentError) as caught:
        await post(f"http://127.0.0.1:{closed_port()}/botTOKEN/sendMessage")
    assert repeatable(caught.value)


async def test_a_connection_lost_after_the_request_left_is_not_repeated() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the request arrived: it may have been carried out
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(NetworkError) as caught:
            await post(f"http://127.0.0.1:{port}/botTOKEN/sendMessage")
    assert not isinstance(caught.value, UnsentError)
    assert not repeatable(caught.value)


def test_server_errors_are_repeated_refusals_and_timeouts_are_not() -> None:
    proxy_page = NetworkError("Bad Gateway (502)")
    proxy_page.__cause__ = TelegramError("Invalid server response")
    assert repeatable(NetworkError("Internal Server Error"))
    assert repeatable(proxy_page)
    assert not repeatable(BadRequest("Bad Request: message text is empty"))
    assert not repeatable(TimedOut())
