"""JSON control API under `/__fake/` for driving a fake that runs in another process."""

from __future__ import annotations

import dataclasses
from typing import Any

from aiohttp import web

from tests.fakeapi.server import FakeTelegram
from tests.fakeapi.world import SimChat, SimMessage, SimUser


def message_json(message: SimMessage) -> dict[str, Any]:
    """Render a stored message for the control API."""
    return {
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "from_bot": message.from_bot,
        "text": message.text,
        "html": message.html,
        "caption": message.caption,
        "buttons": message.buttons,
        "edited": message.edited,
        "deleted": message.deleted,
    }


def add_control_routes(fake: FakeTelegram) -> None:
    """Mount the `/__fake/` endpoints on the fake's application."""

    async def body(request: web.Request) -> dict[str, Any]:
        data: dict[str, Any] = await request.json() if request.can_read_body else {}
        return data

    def user(data: dict[str, Any]) -> SimUser:
        return fake.users[int(data["user_id"])]

    def chat(data: dict[str, Any]) -> SimChat | None:
        return fake.chats[int(data["chat_id"])] if data.get("chat_id") else None

    async def users(request: web.Request) -> web.Response:
        data = await body(request)
        sim = fake.add_user(
            data["first_name"],
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code", "en"),
            user_id=data.get("user_id"),
        )
        return web.json_response({"user_id": sim.id})

    async def groups(request: web.Request) -> web.Response:
        data = await body(request)
        group = fake.add_group(
            data["title"], chat_id=data.get("chat_id"), type=data.get("type", "supergroup")
        )
        return web.json_response({"chat_id": group.id})

    async def send(request: web.Request) -> web.Response:
        data = await body(request)
        message = await user(data).send(data["text"], chat=chat(data))
        return web.json_response(message_json(message))

    async def click(request: web.Request) -> web.Response:
        data = await body(request)
        target = None
        if data.get("message_id"):
            source = chat(data) or user(data).chat
            target = source.find(int(data["message_id"]))
        callback = await user(data).click(data["label"], target)
        return web.json_response({"callback_query_id": callback.id})

    async def block(request: web.Request) -> web.Response:
        data = await body(request)
        user(data).block()
        return web.json_response({})

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        chosen = fake.calls_to(method) if method else fake.calls
        return web.json_response(
            [dataclasses.asdict(c) | {"files": list(c.files)} for c in chosen]
        )

    async def messages(request: web.Request) -> web.Response:
        target = fake.chats[int(request.query["chat_id"])]
        return web.json_response([message_json(m) for m in target.messages])

    async def wait_message(request: web.Request) -> web.Response:
        target = fake.chats[int(request.query["chat_id"])]
        index = int(request.query.get("index", "0"))
        timeout = float(request.query.get("timeout", "5"))
        try:
            message = await target.wait_bot_message(index, timeout)
        except AssertionError as error:
            return web.json_response({"error": str(error)}, status=408)
        return web.json_response(message_json(message))

    async def fail(request: web.Request) -> web.Response:
        data = await body(request)
        fake.fail(
            data["method"],
            error_code=data.get("error_code", 500),
            description=data.get("description", "Internal Server Error"),
            retry_after=data.get("retry_after"),
            nth=data.get("nth", 1),
            times=data.get("times", 1),
        )
        return web.json_response({})

    async def state(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "pending_update_ids": [u["update_id"] for u in fake.pending_updates],
                "delivered_update_ids": fake.delivered,
                "contract_violations": fake.contract_violations,
                "flood_errors": fake.flood_errors,
            }
        )

    router = fake.app.router
    router.add_post("/__fake/users", users)
    router.add_post("/__fake/groups", groups)
    router.add_post("/__fake/send", send)
    router.add_post("/__fake/click", click)
    router.add_post("/__fake/block", block)
    router.add_post("/__fake/fail", fail)
    router.add_get("/__fake/calls", calls)
    router.add_get("/__fake/messages", messages)
    router.add_get("/__fake/wait_message", wait_message)
    router.add_get("/__fake/state", state)
