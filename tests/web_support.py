"""Helpers for the web side's tests: signed initData like Telegram's, free ports, web settings."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from tests.fakeapi import TEST_TOKEN


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_settings(port: int, *, webhook: bool = False) -> dict[str, dict[str, Any]]:
    """Return config settings for a bot serving the web side on ``port``."""
    settings: dict[str, dict[str, Any]] = {
        "web": {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}
    }
    if webhook:
        settings["telegram"] = {"mode": "webhook"}
    return settings


def sign_init_data(
    user: dict[str, Any], auth_date: datetime, *, token: str = TEST_TOKEN, **extra: str
) -> str:
    """Return initData as Telegram's client passes it, signed with the bot token."""
    fields = {
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
        **extra,
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
