"""Logging: quiet httpx (its INFO lines carry the token) and redact the token from every record;
library DEBUG lines that repeat what people wrote keep only what was called.

Redaction happens where records are made (a log-record factory), so it holds for every logger
and every handler, including ones attached later such as a test's log capture. Lines are text
for people or, with ``format="json"``, one JSON object per line for log collectors; the JSON
formatter redacts its whole line once more, so nothing a record carries (an ``extra`` field, a
stack) can bring the token back.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

# The attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}

_SECRETS: set[str] = set()
_installed = False


def _redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "<token>")
    return text


# python-telegram-bot logs every Bot API call with its parameters and its result at DEBUG,
# the application every update it processes, and the webhook every update it receives: whole
# messages people wrote. Only the endpoint, the update's id or the size stays.
_CONTENT_LINES = {
    "Calling Bot API endpoint `%s` with parameters `%s`": "Calling Bot API endpoint `%s`",
    "Call to Bot API endpoint `%s` finished with return value `%s`": (
        "Call to Bot API endpoint `%s` finished"
    ),
}
_WEBHOOK_LINE = "Webhook received data: %s"
_UPDATE_LINE = "Processing update %s"


def _drop_contents(record: logging.LogRecord) -> None:
    """Keep what people wrote out of a library's debug line."""
    if not isinstance(record.msg, str) or not isinstance(record.args, tuple) or not record.args:
        return
    short = _CONTENT_LINES.get(record.msg)
    if short is not None:
        record.msg, record.args = short, record.args[:1]
    elif record.msg == _WEBHOOK_LINE:
        record.msg, record.args = "Webhook received %d characters", (len(str(record.args[0])),)
    elif record.msg == _UPDATE_LINE:
        update_id = getattr(record.args[0], "update_id", None)
        record.msg, record.args = "Processing update %s", (update_id,)


def _install_factory() -> None:
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        _drop_contents(record)
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
    # aiosqlite's DEBUG lines repeat every statement with its parameters: notes, names, texts.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object on one line: time, level, logger, message, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a line of JSON, the token redacted."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        return _redact(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(level: str, token: str, fmt: Literal["text", "json"] = "text") -> None:
    """Log to stderr at ``level`` with the token redacted and chatty libraries quieted."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # fpdf2 subsets the report's fonts with fontTools, which logs every table it prunes.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    protect_token(token)
