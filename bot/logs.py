"""Logging set-up: quiet httpx (its INFO lines carry the token) and redact the token anyway."""

from __future__ import annotations

import logging


class RedactToken(logging.Filter):
    """Replace every occurrence of the bot token in a record by ``<token>``."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback text) without the token."""
        if not self._token:
            return True
        message = record.getMessage()
        if self._token in message:
            record.msg = message.replace(self._token, "<token>")
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self._token in record.exc_text:
            record.exc_text = record.exc_text.replace(self._token, "<token>")
        return True


def install_redaction(token: str) -> None:
    """Attach the token filter to every handler of the root logger."""
    redactor = RedactToken(token)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(redactor)


def configure_logging(level: str, token: str) -> None:
    """Log to stderr at ``level`` with the token redacted and httpx quieted."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    install_redaction(token)
