"""The fake Bot API HTTP server: routing, request decoding, errors, faults, flood control.

`FakeTelegram` is a real aiohttp server on 127.0.0.1 that python-telegram-bot talks to through
`base_url`. It decodes requests like the real server (everything becomes `dict[str, str]`),
answers with the real error bodies, records every call and checks parameter names against the
vendored Bot API spec. The Bot API methods themselves live in `methods.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Self

from aiohttp import BodyPartReader, web

from tests.fakeapi.world import ADMIN_RIGHTS, PERMISSIONS, Member, SimChat, SimUser

TEST_TOKEN = "987654321:AAFakeTokenForTests_DoNotLeak_x9Qz"
ALL_UPDATES = frozenset(
    [
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    ]
)
DEFAULT_UPDATES = ALL_UPDATES - {"chat_member", "message_reaction", "message_reaction_count"}
CALLBACK_DEADLINE = 15.0
UPDATE_LIFETIME = 86400.0


def _load_spec() -> dict[str, list[dict[str, Any]]]:
    text = resources.files("tests.fakeapi").joinpath("spec_methods.json").read_text("utf-8")
    spec: dict[str, Any] = json.loads(text)
    spec.pop("_source")
    return spec


SPEC = _load_spec()
SPEC_BY_LOWER = {name.lower(): name for name in SPEC}


# Parameters PTB adds from its Defaults where the method has no such parameter; the real
# server ignores them, and the bot cannot stop PTB from sending them.
PTB_DEFAULT_EXTRAS = frozenset({("editMessageReplyMarkup", "parse_mode")})


class ApiError(Exception):
    """A Bot API error answer: HTTP status, exact description, optional parameters."""

    def __init__(self, code: int, description: str, **parameters: int) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """Return the JSON body the real server would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """Return a 400 `Bad Request: <message>` error."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """Return a 403 `Forbidden: <message>` error."""
    return ApiError(403, f"Forbidden: {message}")


class ManualClock:
    """A settable clock in unix seconds, for `FakeTelegram(clock=...)`."""

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


@dataclass(frozen=True)
class FloodLimits:
    """Thresholds of the flood-control model (Telegram's Bots FAQ numbers by default)."""

    global_per_second: int = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20


class FloodControl:
    """Token buckets on the injected clock; `check` raises 429 like Telegram."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._chats: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)

    def check(self, chat_id: int, *, group: bool, count_global: bool = True) -> None:
        """Consume one send for the chat, or raise 429 with the seconds to wait."""
        now = self.clock()
        limits = self.limits
        waits: list[float] = []
        while self._global and self._global[0] <= now - 1:
            self._global.popleft()
        if count_global and len(self._global) >= limits.global_per_second:
            waits.append(self._global[0] + 1 - now)
        tokens, at = self._chats.get(chat_id, (float(limits.per_chat_burst), now))
        tokens = min(
            float(limits.per_chat_burst), tokens + (now - at) * limits.per_chat_per_second
        )
        if tokens < 1:
            waits.append((1 - tokens) / limits.per_chat_per_second)
        window = self._groups.setdefault(chat_id, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        if group and len(window) >= limits.per_group_per_minute:
            waits.append(window[0] + 60 - now)
        if waits:
            seconds = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        self._chats[chat_id] = (tokens - 1, now)
        if count_global:
            self._global.append(now)
        if group:
            window.append(now)


@dataclass
class Call:
    """One request the fake answered."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    status: int
    response: dict[str, Any]
    at: float
    paced_at: float = 0.0  # on flood control's clock


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    mime_type: str | None


@dataclass
class StoredFile:
    """A file in the fake's file store."""

    file_id: str
    unique_id: str
    path: str
    data: bytes


@dataclass
class FaultRule:
    """An injected fault: which calls it hits and what it does."""

    method: str
    action: str  # error, delay, drop, bad_gateway
    nth: int
    times: int
    match: Callable[[dict[str, Any]], bool] | None = None
    error: ApiError | None = None
    seconds: float = 0.0
    then_apply: bool = True
    seen: int = 0
    fired: int = 0

    def hits(self, method: str, params: dict[str, Any]) -> bool:
        """Count a matching call and tell whether this rule fires on it."""
        if method.lower() != self.method.lower() or self.fired >= self.times:
            return False
        if self.match is not None and not self.match(params):
            return False
        self.seen += 1
        if self.seen < self.nth:
            return False
        self.fired += 1
        return True


class Params:
    """The request's arguments as the real server sees them: strings by name."""

    def __init__(self, raw: dict[str, str], files: dict[str, Upload]) -> None:
        self.raw = raw
        self.files = files

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def text(self, name: str, default: str = "") -> str:
        """Return a string argument."""
        return self.raw.get(name, default)

    def integer(self, name: str, default: int = 0) -> int:
        """Return an integer argument, leniently parsed like the real server."""
        try:
            return int(float(self.raw[name]))
        except (KeyError, ValueError):
            return default

    def flag(self, name: str) -> bool:
        """Return a boolean argument (`true`, `yes` or `1`)."""
        return self.raw.get(name, "").lower() in ("true", "yes", "1")

    def json(self, name: str, error: str | None = None) -> Any:
        """Return a JSON-serialised argument, None when absent."""
        if not self.raw.get(name):
            return None
        try:
            return json.loads(self.raw[name])
        except ValueError:
            raise bad_request(error or f"can't parse {name} JSON object") from None


def decode_value(value: str, types: list[str]) -> Any:
    """Decode a string argument by its spec types, for the call journal."""
    if "Integer" in types:
        try:
            return int(value)
        except ValueError:
            pass
    if types == ["Boolean"]:
        return value.lower() in ("true", "yes", "1")
    if types == ["Float"]:
        try:
            return float(value)
        except ValueError:
            return value
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _token_error(token: str, expected: str) -> ApiError | None:
    bot_id, colon, _ = token.partition(":")
    malformed = token.startswith("0") or len(token) > 80 or "/" in token or not colon
    if malformed or not bot_id.isdigit() or not 0 < int(bot_id) < 2**54:
        return ApiError(401, "Unauthorized: invalid token specified")
    if token != expected:
        return ApiError(401, "Unauthorized")
    return None


class Address:
    """Where PTB finds a fake listening on ``port`` (the fake itself, or a client of one)."""

    port: int

    @property
    def base_url(self) -> str:
        """Return the URL prefix for PTB's `base_url` (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the URL prefix for PTB's `base_file_url`."""
        return f"http://127.0.0.1:{self.port}/file/bot"


class FakeTelegram(Address):
    """An offline Bot API server on 127.0.0.1 with a simulated world behind it."""

    def __init__(
        self,
        *,
        token: str = TEST_TOKEN,
        bot_username: str = "forum_test_bot",
        clock: Callable[[], float] | None = None,
        flood_control: bool = False,
        limits: FloodLimits = FloodLimits(),
        flood_clock: Callable[[], float] | None = None,
    ) -> None:
        """Serve a simulated world.

        ``clock`` is the wall clock (message dates, update ages); ``flood_clock``, when given,
        is the one flood control counts on (the end-to-end tests share a virtual one with the
        bot's outbound scheduler, so pacing costs no wall-clock time).
        """
        from tests.fakeapi.methods import METHODS
        from tests.fakeapi.webhook import WebhookDelivery

        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.bot_username = bot_username
        self.clock: Callable[[], float] = clock or time.time
        self.flood_control = flood_control
        self.flood = FloodControl(limits, flood_clock or self.clock)
        self.flood_errors = 0
        self.calls: list[Call] = []
        self.contract_violations: list[str] = []
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, SimChat] = {}
        self.callbacks: dict[str, Any] = {}
        self.inline_queries: dict[str, Any] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.webhook: dict[str, Any] = {}
        self.webhooks = WebhookDelivery(self)
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.delivered: list[int] = []
        self._methods = METHODS
        self._rules: list[FaultRule] = []
        self._updates: deque[tuple[int, float, dict[str, Any]]] = deque()
        self._next_update_id = random.randint(10**8, 9 * 10**8)
        self._allowed = DEFAULT_UPDATES
        self._poll: asyncio.Future[str] | None = None
        self._stopping = asyncio.Event()
        self._next_user_id = 100_000_001
        self._next_chat_id = 1_000_000_001
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_bot)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (an ephemeral port by default)."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Release pending long polls and delays, then close the server (idempotent)."""
        self._stopping.set()
        self._wake_poll("stop")
        await self.webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- world ----------------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """Return the bot as a Bot API User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Forum Test Bot",
            "username": self.bot_username,
        }

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        is_premium: bool = False,
    ) -> SimUser:
        """Create a user who has not started the bot yet."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user = SimUser(
            self,
            user_id,
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            is_premium=is_premium,
        )
        self.users[user_id] = user
        self.chats[user_id] = user.chat
        return user

    def add_group(
        self,
        title: str,
        *,
        chat_id: int | None = None,
        type: str = "supergroup",
        username: str | None = None,
    ) -> SimChat:
        """Create a group or supergroup the bot is a plain member of."""
        if chat_id is None:
            number = self._next_chat_id
            self._next_chat_id += 1
            chat_id = -(10**12 + number) if type in ("supergroup", "channel") else -number
        chat = SimChat(self, chat_id, type, title=title, username=username)
        self.chats[chat_id] = chat
        return chat

    def add_channel(
        self, title: str, *, chat_id: int | None = None, username: str | None = None
    ) -> SimChat:
        """Create a channel; the bot needs `set_bot_admin` to post there."""
        return self.add_group(title, chat_id=chat_id, type="channel", username=username)

    def set_bot_admin(self, chat: SimChat, **rights: bool) -> None:
        """Make the bot an administrator with these rights (others false)."""
        old = chat.bot_status
        chat.bot_status = "administrator"
        chat.bot_rights = {name: bool(rights.get(name, False)) for name in ADMIN_RIGHTS}
        unknown = set(rights) - set(chat.bot_rights)
        if unknown:
            raise ValueError(f"unknown admin rights: {sorted(unknown)}")
        self._bot_status_changed(chat, old)

    def kick_bot(self, chat: SimChat) -> None:
        """Remove the bot from a group; sends there fail with 403 afterwards."""
        old = chat.bot_status
        chat.bot_status = "kicked"
        chat.bot_rights = {}
        self._bot_status_changed(chat, old)

    def _bot_status_changed(self, chat: SimChat, old: str) -> None:
        actor = next(iter(self.users.values()), None)
        actor_json = actor.to_api() if actor else self.bot_user()
        self.inject_update(
            {
                "my_chat_member": {
                    "chat": chat.to_api(),
                    "from": actor_json,
                    "date": int(self.clock()),
                    "old_chat_member": self.member_json(chat, self.bot_id, status=old),
                    "new_chat_member": self.member_json(chat, self.bot_id),
                }
            }
        )

    def member_json(
        self, chat: SimChat, user_id: int, *, status: str | None = None
    ) -> dict[str, Any]:
        """Render a ChatMember object for a user (or the bot) in a chat."""
        if user_id == self.bot_id:
            user = self.bot_user()
            member = Member(chat.bot_status, dict(chat.bot_rights))
        else:
            sim = self.users.get(user_id)
            if sim is None:
                raise bad_request("user not found")
            user = sim.to_api()
            member = chat.member(sim)
        status = status or member.status
        data: dict[str, Any] = {"status": status, "user": user}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            rights = {name: member.rights.get(name, False) for name in ADMIN_RIGHTS}
            data.update(can_be_edited=user_id != self.bot_id, is_anonymous=False, **rights)
        elif status == "restricted":
            perms = {name: member.rights.get(name, False) for name in PERMISSIONS}
            data.update(is_member=True, until_date=member.until_date, can_edit_tag=False, **perms)
        elif status == "kicked":
            data["until_date"] = member.until_date
        return data

    def chat_member_changed(
        self, chat: SimChat, user: SimUser, old: str, actor: SimUser | None
    ) -> None:
        """Inject a `chat_member` update (Telegram sends it only to admin bots)."""
        if chat.bot_status != "administrator":
            return
        self.inject_update(
            {
                "chat_member": {
                    "chat": chat.to_api(),
                    "from": actor.to_api() if actor else self.bot_user(),
                    "date": int(self.clock()),
                    "old_chat_member": self.member_json(chat, user.id, status=old),
                    "new_chat_member": self.member_json(chat, user.id),
                }
            }
        )

    def store_file(
        self, data: bytes, filename: str | None, mime_type: str | None, *, kind: str
    ) -> dict[str, Any]:
        """Keep a file and return its Bot API Document-like object."""
        unique = secrets.token_hex(8)
        file_id = f"FAKE{kind[:3].upper()}{unique}{secrets.token_hex(8)}"
        suffix = f"_{filename}" if filename else ""
        path = f"{kind}/file_{len(self.files)}{suffix}"
        self.files[file_id] = StoredFile(file_id, unique, path, data)
        doc: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_size": len(data),
        }
        if filename:
            doc["file_name"] = filename
        if mime_type:
            doc["mime_type"] = mime_type
        return doc

    # -- updates --------------------------------------------------------------------------------

    def inject_update(self, update: dict[str, Any]) -> int | None:
        """Queue a raw update (without update_id); return its id, None if filtered out."""
        kind = next(k for k in update if k != "update_id")
        if kind not in self._allowed:
            return None
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append((update_id, self.clock(), {"update_id": update_id, **update}))
        self._wake_poll("wake")
        self.webhooks.wake()
        return update_id

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Return queued updates not yet acknowledged by an offset."""
        return [update for _, _, update in self._updates]

    def _wake_poll(self, reason: str) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(reason)

    def set_allowed_updates(self, names: list[str]) -> None:
        """Apply a sticky allowed_updates list; [] means the default set."""
        wanted = {name for name in names if name in ALL_UPDATES}
        self._allowed = frozenset(wanted) if names else DEFAULT_UPDATES

    async def get_updates(self, p: Params) -> list[dict[str, Any]]:
        """Serve getUpdates with offset, limit, timeout and 409 on concurrent polls."""
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset")
        limit = min(max(p.integer("limit", 100), 1), 100)
        timeout = min(max(p.integer("timeout"), 0), 50)
        if "allowed_updates" in p:
            names = p.json("allowed_updates")
            self.set_allowed_updates(list(names or []))
        self._wake_poll("conflict")
        if offset > 0:
            while self._updates and self._updates[0][0] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        now = self.clock()
        while self._updates and self._updates[0][1] < now - UPDATE_LIFETIME:
            self._updates.popleft()
        if not self._updates and timeout > 0 and not self._stopping.is_set():
            poll: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._poll = poll
            try:
                await asyncio.wait({poll}, timeout=timeout)
            finally:
                if self._poll is poll:
                    self._poll = None
            if poll.done() and poll.result() == "conflict":
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        batch = [update for _, _, update in list(self._updates)[:limit]]
        self.delivered.extend(update["update_id"] for update in batch)
        return batch

    # -- faults ---------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str = "Internal Server Error",
        retry_after: int | None = None,
        nth: int = 1,
        times: int = 1,
        match: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Answer the nth matching call(s) of `method` with this error instead."""
        params = {"retry_after": retry_after} if retry_after is not None else {}
        error = ApiError(error_code, description, **params)
        self._rules.append(FaultRule(method, "error", nth, times, match, error=error))

    def delay(
        self,
        method: str,
        seconds: float,
        *,
        nth: int = 1,
        times: int = 1,
        then_apply: bool = True,
        match: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        """Hold the answer `seconds`; with then_apply the side effect happens first."""
        rule = FaultRule(
            method, "delay", nth, times, match, seconds=seconds, then_apply=then_apply
        )
        self._rules.append(rule)

    def drop_connection(self, method: str, *, nth: int = 1, times: int = 1) -> None:
        """Close the connection without answering (nothing is applied)."""
        self._rules.append(FaultRule(method, "drop", nth, times))

    def bad_gateway(self, method: str, *, nth: int = 1, times: int = 1) -> None:
        """Answer 502 with an HTML body, like a proxy in front of Telegram."""
        self._rules.append(FaultRule(method, "bad_gateway", nth, times))

    # -- recording ------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        """Return the recorded calls of one method (case-insensitive)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def violation(self, message: str) -> None:
        """Record a contract violation: something Telegram tolerates but the bot must not do."""
        self.contract_violations.append(message)

    def assert_no_contract_violations(self) -> None:
        """Fail if the bot broke the Bot API contract anywhere."""
        assert not self.contract_violations, "contract violations:\n" + "\n".join(
            self.contract_violations
        )

    # -- HTTP -----------------------------------------------------------------------------------

    async def _decode(self, request: web.Request) -> tuple[dict[str, str], dict[str, Upload]]:
        raw: dict[str, str] = dict(request.query)
        files: dict[str, Upload] = {}
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = json.loads(await request.text() or "{}")
            except ValueError:
                raise bad_request("can't parse JSON encoded request") from None
            if not isinstance(body, dict):
                raise bad_request("JSON-encoded request must be an object")
            for key, value in body.items():
                raw[key] = value if isinstance(value, str) else json.dumps(value)
        elif ctype == "application/x-www-form-urlencoded":
            form = await request.post()
            raw.update({key: str(value) for key, value in form.items()})
        elif ctype.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or not part.name:
                    continue
                if part.filename:
                    mime = part.headers.get("Content-Type")
                    files[part.name] = Upload(part.filename, bytes(await part.read()), mime)
                else:
                    raw[part.name] = await part.text()
        return raw, files

    def _validate(self, name: str, raw: dict[str, str], files: dict[str, Upload]) -> None:
        fields = {f["name"]: f for f in SPEC[name]}
        for key, value in raw.items():
            types = fields[key]["types"] if key in fields else None
            if (name, key) in PTB_DEFAULT_EXTRAS:
                continue
            if types is None:
                self.violation(f"{name}: unknown parameter {key!r}")
            elif types == ["Integer"] and not value.lstrip("-").isdigit():
                self.violation(f"{name}: {key}={value!r} is not an Integer")
        for field_name, spec in fields.items():
            if spec["required"] and field_name not in raw and field_name not in files:
                self.violation(f"{name}: missing required parameter {field_name!r}")
                if field_name == "chat_id":
                    raise bad_request("chat_id is empty")
                if field_name == "text":
                    raise bad_request("message text is empty")
                raise bad_request(f'parameter "{field_name}" is required')

    def _journal_params(self, name: str, raw: dict[str, str]) -> dict[str, Any]:
        types = {f["name"]: f["types"] for f in SPEC.get(name, [])}
        return {key: decode_value(value, types.get(key, ["String"])) for key, value in raw.items()}

    async def _handle_bot(self, request: web.Request) -> web.StreamResponse:
        token_error = _token_error(request.match_info["token"], self.token)
        method = request.match_info["method"]
        raw: dict[str, str] = {}
        files: dict[str, Upload] = {}
        if token_error is not None:
            return self._answer(method, raw, files, token_error)
        try:
            raw, files = await self._decode(request)
        except ApiError as error:
            return self._answer(method, raw, files, error)
        name = SPEC_BY_LOWER.get(method.lower(), method)
        handler = self._methods.get(method.lower())
        params = self._journal_params(name, raw)
        rule = next((r for r in self._rules if r.hits(name, params)), None)
        if rule is not None and rule.action == "drop":
            self._record(name, raw, files, 0, {"dropped": True})
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        if rule is not None and rule.action == "bad_gateway":
            self._record(name, raw, files, 502, {"html": True})
            return web.Response(
                status=502,
                text="<html><head><title>502 Bad Gateway</title></head><body>"
                "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center>"
                "</body></html>",
                content_type="text/html",
            )
        if rule is not None and rule.action == "delay" and not rule.then_apply:
            await self._sleep(rule.seconds)
        try:
            if rule is not None and rule.error is not None:
                raise rule.error
            if handler is None:
                if method.lower() not in SPEC_BY_LOWER:
                    raise ApiError(404, "Not Found: method not found")
                self.violation(f"{name}: the fake does not implement this method")
                raise bad_request(f"fake does not implement {name}")
            self._validate(name, raw, files)
            result = await handler(self, Params(raw, files))
        except ApiError as error:
            if error.code == 429:
                self.flood_errors += 1
            response = self._answer(name, raw, files, error)
        else:
            response = self._answer(name, raw, files, None, result)
        if rule is not None and rule.action == "delay" and rule.then_apply:
            await self._sleep(rule.seconds)
        return response

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _record(
        self, name: str, raw: dict[str, str], files: dict[str, Upload], status: int, body: Any
    ) -> None:
        self.calls.append(
            Call(
                name,
                self._journal_params(name, raw),
                {key: upload.data for key, upload in files.items()},
                status,
                body,
                self.clock(),
                self.flood.clock(),
            )
        )

    def _answer(
        self,
        name: str,
        raw: dict[str, str],
        files: dict[str, Upload],
        error: ApiError | None,
        result: Any = None,
    ) -> web.Response:
        if error is None:
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        else:
            body, status = error.body(), error.code
        self._record(name, raw, files, status, body)
        headers = {}
        if error is not None and "retry_after" in error.parameters:
            headers["Retry-After"] = str(error.parameters["retry_after"])
        return web.json_response(body, status=status, headers=headers)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if _token_error(request.match_info["token"], self.token) is not None:
            raise web.HTTPUnauthorized()
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        raise web.HTTPNotFound()
