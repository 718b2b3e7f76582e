"""Drive a subprocess fake (`python -m tests.fakeapi`) through its `/__fake/` control API."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

import httpx

from tests.fakeapi.server import Address


class FakeTelegramClient(Address):
    """Async client for the control API; `spawn` starts the fake as a subprocess."""

    def __init__(self, port: int, process: subprocess.Popen[bytes] | None = None) -> None:
        self.port = port
        self.process = process
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/__fake", timeout=30)

    @classmethod
    def spawn(cls, ready_file: Path, *, flood_control: bool = False) -> FakeTelegramClient:
        """Start `python -m tests.fakeapi` and wait (up to 15 s) for its port."""
        args = [
            sys.executable,
            "-m",
            "tests.fakeapi",
            "--port",
            "0",
            "--ready-file",
            str(ready_file),
        ]
        if flood_control:
            args.append("--flood-control")
        root = Path(__file__).resolve().parents[2]
        process = subprocess.Popen(args, cwd=root)
        deadline = time.monotonic() + 15
        while not ready_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the fake Telegram server did not start")
            time.sleep(0.02)
        return cls(int(ready_file.read_text()), process)

    async def _post(self, path: str, **data: Any) -> Any:
        response = await self.http.post(path, json=data)
        response.raise_for_status()
        return response.json()

    async def add_user(self, first_name: str, **fields: Any) -> int:
        """Create a user; return its id."""
        return int((await self._post("/users", first_name=first_name, **fields))["user_id"])

    async def add_group(self, title: str, **fields: Any) -> int:
        """Create a group; return its id."""
        return int((await self._post("/groups", title=title, **fields))["chat_id"])

    async def send(self, user_id: int, text: str, chat_id: int | None = None) -> dict[str, Any]:
        """Make a user send text (private chat by default)."""
        result: dict[str, Any] = await self._post(
            "/send", user_id=user_id, text=text, chat_id=chat_id
        )
        return result

    async def click(self, user_id: int, label: str, message_id: int | None = None) -> str:
        """Press an inline button; return the callback query id."""
        data = await self._post("/click", user_id=user_id, label=label, message_id=message_id)
        return str(data["callback_query_id"])

    async def block(self, user_id: int) -> None:
        """Make a user block the bot."""
        await self._post("/block", user_id=user_id)

    async def fail(self, method: str, **rule: Any) -> None:
        """Install a fault rule (see FakeTelegram.fail)."""
        await self._post("/fail", method=method, **rule)

    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """Return recorded calls, optionally of one method."""
        response = await self.http.get("/calls", params={"method": method} if method else {})
        result: list[dict[str, Any]] = response.json()
        return result

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Return all messages of a chat."""
        result: list[dict[str, Any]] = (
            await self.http.get("/messages", params={"chat_id": chat_id})
        ).json()
        return result

    async def wait_bot_message(
        self, chat_id: int, index: int = 0, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Wait for the bot's message number `index` (0-based) in a chat."""
        params = {"chat_id": chat_id, "index": index, "timeout": timeout}
        response = await self.http.get("/wait_message", params=params)
        if response.status_code == 408:
            raise AssertionError(response.json()["error"])
        result: dict[str, Any] = response.json()
        return result

    async def state(self) -> dict[str, Any]:
        """Return pending/delivered update ids, violations and the 429 count."""
        result: dict[str, Any] = (await self.http.get("/state")).json()
        return result

    async def close(self) -> None:
        """Close the HTTP client and stop the subprocess if this client started it."""
        await self.http.aclose()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
