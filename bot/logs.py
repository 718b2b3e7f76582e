"""Logging: quiet httpx (its INFO lines carry the token) and redact the token from every record.

Redaction happens where records are made (a log-record factory), so it holds for every logger
and every handler, including ones attached later such as a test's log capture.
"""

from __future__ import annotations

import logging
from typing import Any

_SECRETS: set[str] = set()
_installed = False


def _redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "<token>")
    return text


def _install_factory() -> None:
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        message = record.getMessage()
        clean = _redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            record.exc_text = _redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True


def protect_token(token: str) -> None:
    """Keep the token out of every log line from now on."""
    if token:
        _SECRETS.add(token)
    _install_factory()
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def configure_logging(level: str, token: str) -> None:
    """Log to stderr at ``level`` with the token redacted and chatty libraries quieted."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    protect_token(token)
