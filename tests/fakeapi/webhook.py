"""Webhook mode of the fake: setWebhook, deleteWebhook, getWebhookInfo, and delivery.

Like the real server (BOTAPI ``WebhookActor.cpp``): once a webhook is set, queued updates are
POSTed to it one at a time in order, as ``application/json`` with the
``X-Telegram-Bot-Api-Secret-Token`` header; a 2xx answer acknowledges the update; anything
else (an error status, a refused connection, no answer within the timeout) is retried with a
doubling backoff that honours ``Retry-After``, and is reported by ``getWebhookInfo``
(``last_error_date``, ``last_error_message``, ``pending_update_count``). getUpdates is refused
with 409 meanwhile (``FakeTelegram.get_updates``). Telegram's backoff runs from about a second
to a minute; here it is compressed (``RETRY_SCALE``) so tests need not wait. The real server
requires an HTTPS URL on ports 80, 88, 443 or 8443; ``strict_urls`` turns that check on.

Also the Mini App's chat menu button (setChatMenuButton, getChatMenuButton).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from tests.fakeapi.methods import find_chat, method
from tests.fakeapi.server import ApiError, Params, bad_request

if TYPE_CHECKING:
    from tests.fakeapi.server import FakeTelegram

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Real seconds per second of Telegram's backoff: its 1 s first retry takes 20 ms here.
RETRY_SCALE = 0.02
MAX_BACKOFF = 64.0


class WebhookDelivery:
    """Deliver the fake's queued updates to the webhook set, as Telegram does."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.strict_urls = False
        # Seconds the fake waits for the bot's answer before it counts as a failure.
        self.timeout = 5.0
        self.attempts: list[tuple[int, int | str]] = []  # (update_id, status or error)
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.max_connections = 40
        self._drop_answers = 0
        self._retries_held = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """Return the webhook's URL, empty when none is set."""
        return str(self.fake.webhook.get("url", ""))

    def drop_answers(self, count: int = 1) -> None:
        """Lose the bot's next ``count`` answers after it got the update (so it is resent)."""
        self._drop_answers = count

    def hold_retries(self, held: bool = True) -> None:
        """Keep a failed update from being resent until released (the test picks the moment)."""
        self._retries_held = held
        self.wake()

    def wake(self) -> None:
        """Tell the delivery loop that there is something to send."""
        self._wake.set()

    def start(self) -> None:
        """Run the delivery loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        self.wake()

    async def stop(self) -> None:
        """Stop delivering and close the HTTP client."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _run(self) -> None:
        backoff = 1.0
        while True:
            if not self.url or not self.fake._updates:
                self._wake.clear()
                await self._wake.wait()
                continue
            update_id, _, update = self.fake._updates[0]
            retry_after = await self._deliver(update_id, update)
            if retry_after is None:
                backoff = 1.0
                continue
            while self._retries_held:
                self._wake.clear()
                await self._wake.wait()
            pause = max(backoff, retry_after)
            backoff = min(backoff * 2, MAX_BACKOFF)
            with contextlib.suppress(TimeoutError):
                # A new setWebhook (or stop) cuts the wait short.
                self._wake.clear()
                await asyncio.wait_for(self._wake.wait(), pause * RETRY_SCALE)

    async def _deliver(self, update_id: int, update: dict[str, Any]) -> float | None:
        """POST one update; return None when acknowledged, else seconds to wait."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        secret = self.fake.webhook.get("secret_token")
        if secret:
            headers[SECRET_HEADER] = secret
        url = self.url
        try:
            async with self._session.post(
                url,
                data=json.dumps(update),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                await response.read()
                status = response.status
                retry_after = response.headers.get("Retry-After", "")
        except (aiohttp.ClientError, TimeoutError) as error:
            message = (
                "Read timeout expired"
                if isinstance(error, TimeoutError)
                else ("Connection refused")
            )
            self.attempts.append((update_id, message))
            return self._failed(message, 0.0)
        self.attempts.append((update_id, status))
        if self._drop_answers > 0:
            self._drop_answers -= 1
            return self._failed("Connection reset by peer", 0.0)
        if not 200 <= status < 300:
            reason = f"Wrong response from the webhook: {status}"
            seconds = float(retry_after) if retry_after.isdigit() else 0.0
            return self._failed(reason, seconds)
        if self.url == url and self.fake._updates and self.fake._updates[0][0] == update_id:
            self.fake._updates.popleft()
            self.fake.delivered.append(update_id)
        return None

    def _failed(self, message: str, retry_after: float) -> float:
        self.last_error_date = int(self.fake.clock())
        self.last_error_message = message
        return retry_after


def _check_url(fake: FakeTelegram, url: str) -> None:
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if fake.webhooks.strict_urls:
        if parts.scheme != "https":
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in (80, 88, 443, 8443):
            raise bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )


@method
async def set_webhook(fake: FakeTelegram, p: Params) -> Any:
    """Set (or with an empty URL, remove) the webhook and start delivering to it."""
    secret = p.text("secret_token")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
        raise bad_request("secret token contains unallowed characters")
    url = p.text("url")
    _check_url(fake, url)
    if "max_connections" in p:
        connections = p.integer("max_connections")
        if not 1 <= connections <= 100:
            raise bad_request("invalid max_connections specified")
        fake.webhooks.max_connections = connections
    if "allowed_updates" in p:
        fake.set_allowed_updates(list(p.json("allowed_updates") or []))
    if p.flag("drop_pending_updates"):
        fake._updates.clear()
    fake._wake_poll("conflict")
    fake.webhook = {"url": url, "secret_token": secret} if url else {}
    fake.webhooks.last_error_date = fake.webhooks.last_error_message = None
    if url:
        fake.webhooks.start()
    return True


@method
async def delete_webhook(fake: FakeTelegram, p: Params) -> Any:
    """Remove the webhook, optionally dropping pending updates."""
    if p.flag("drop_pending_updates"):
        fake._updates.clear()
    fake.webhook = {}
    return True


@method
async def get_webhook_info(fake: FakeTelegram, p: Params) -> Any:
    """Describe the webhook: URL, pending updates and the last delivery error."""
    info: dict[str, Any] = {
        "url": fake.webhooks.url,
        "has_custom_certificate": False,
        "pending_update_count": len(fake._updates),
    }
    if fake.webhooks.url:
        info["max_connections"] = fake.webhooks.max_connections
        if fake.webhooks.last_error_date is not None:
            info["last_error_date"] = fake.webhooks.last_error_date
            info["last_error_message"] = fake.webhooks.last_error_message
    return info


# -- the chat menu button -----------------------------------------------------------------------


def _menu_button(p: Params) -> dict[str, Any]:
    button = p.json("menu_button", "can't parse menu button JSON object")
    if button is None:
        return {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in (
        "commands",
        "web_app",
        "default",
    ):
        raise bad_request("can't parse menu button: unsupported menu button type")
    if button["type"] == "web_app":
        url = (button.get("web_app") or {}).get("url")
        if not isinstance(button.get("text"), str) or not button["text"]:
            raise bad_request("can't parse menu button: text must be non-empty")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise bad_request("can't parse menu button: invalid web app URL")
    return button


@method
async def set_chat_menu_button(fake: FakeTelegram, p: Params) -> Any:
    """Set the menu button of one private chat, or the default one."""
    button = _menu_button(p)
    if "chat_id" in p:
        chat = find_chat(fake, p)
        if chat.type != "private":
            raise bad_request("chat not found")
        fake.menu_buttons[chat.id] = button
    else:
        fake.menu_buttons[None] = button
    return True


@method
async def get_chat_menu_button(fake: FakeTelegram, p: Params) -> Any:
    """Return a chat's menu button (its own, else the default)."""
    chat_id = find_chat(fake, p).id if "chat_id" in p else None
    return fake.menu_buttons.get(chat_id) or fake.menu_buttons.get(None) or {"type": "commands"}


def check_web_app_buttons(chat_type: str, markup: dict[str, Any] | None) -> None:
    """Refuse ``web_app`` inline buttons outside private chats, as Telegram does."""
    if chat_type == "private" or not markup:
        return
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if isinstance(button, dict) and "web_app" in button:
                raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")
