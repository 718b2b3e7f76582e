"""Telegram Mini App ``initData``: validated exactly as Telegram documents it.

The client passes the query string Telegram gave the page (``Telegram.WebApp.initData``). It
is genuine when its ``hash`` equals ``hex(HMAC_SHA256(secret, data_check_string))`` where
``secret = HMAC_SHA256(key="WebAppData", msg=bot_token)`` and ``data_check_string`` is every
other field as ``key=value``, sorted by key, joined by line feeds. The comparison is constant
time, ``auth_date`` must be at most a day old, and the user is taken only from validated data.
Fifteen lines of the standard library, so no dependency: the two packages that offer this are
young and small, and an authentication check is the last place for an unvetted one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(days=1)
# A client clock a little ahead of ours is no forgery.
FUTURE_SLACK = timedelta(minutes=5)
MAX_LENGTH = 8192


class InitDataError(Exception):
    """The initData is forged, stale or malformed; ``reason`` says which (for the log)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The Telegram user a validated initData names."""

    id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def secret_key(token: str) -> bytes:
    """Return the key initData is signed with: HMAC-SHA256 of the token keyed "WebAppData"."""
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def data_check_string(fields: dict[str, str]) -> str:
    """Return the fields but ``hash`` as sorted ``key=value`` lines."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def validate(init_data: str, token: str, now: datetime) -> WebAppUser:
    """Return the user of a genuine, fresh initData; raise InitDataError otherwise."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise InitDataError("empty or too long")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("not a query string") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("a field appears twice")
    received = fields.get("hash", "")
    expected = hmac.new(
        secret_key(token), data_check_string(fields).encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, received.lower()):
        raise InitDataError("wrong hash")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise InitDataError("no valid auth_date") from None
    if now - auth_date > MAX_AGE:
        raise InitDataError("auth_date is older than a day")
    if auth_date - now > FUTURE_SLACK:
        raise InitDataError("auth_date is in the future")
    return _user(fields.get("user"), auth_date)


def _user(raw: str | None, auth_date: datetime) -> WebAppUser:
    try:
        data = json.loads(raw or "")
    except ValueError:
        raise InitDataError("no user") from None
    if not isinstance(data, dict):
        raise InitDataError("no user")
    user_id = data.get("id")
    first_name = data.get("first_name")
    language = data.get("language_code")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
        raise InitDataError("no user id")
    return WebAppUser(
        id=user_id,
        first_name=first_name if isinstance(first_name, str) else "",
        language_code=language if isinstance(language, str) else None,
        auth_date=auth_date,
    )
