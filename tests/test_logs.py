"""JSON log lines for collectors: one object per line, the token redacted everywhere."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.logs import JsonFormatter, configure_logging, protect_token

SECRET = "424242:SecretTokenForTheJsonFormatterTest"


def test_a_json_line_carries_message_extras_and_exception_without_the_token() -> None:
    protect_token(SECRET)
    logger = logging.getLogger("tests.json")
    try:
        raise RuntimeError(f"calling https://api.telegram.org/bot{SECRET}/getMe failed")
    except RuntimeError:
        record = logger.makeRecord(
            "tests.json",
            logging.ERROR,
            __file__,
            1,
            "request to %s failed",
            (f"/bot{SECRET}/sendMessage",),
            exc_info=sys.exc_info(),
            extra={"chat_id": 42, "url": f"/bot{SECRET}/x"},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "tests.json"
    assert entry["message"] == "request to /bot<token>/sendMessage failed"
    assert entry["chat_id"] == 42
    assert "RuntimeError" in entry["exception"]
    assert entry["time"].endswith("+00:00")
    assert SECRET not in line


def test_the_pdf_reports_font_subsetting_is_not_logged_at_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure_logging("INFO", SECRET)
    with caplog.at_level(logging.INFO):  # the bot's INFO level, whatever pytest's is
        subset = logging.getLogger("fontTools.subset")
        assert logging.getLogger("bot").isEnabledFor(logging.INFO)
        assert not subset.isEnabledFor(logging.INFO)
        assert subset.isEnabledFor(logging.WARNING)
