"""Callback data codec: within 64 bytes, and forged data parses to nothing."""

from __future__ import annotations

import pytest

from bot import callbacks


def test_round_trip() -> None:
    data = callbacks.encode("rem", "12", 5)
    action = callbacks.parse(data)
    assert action is not None
    assert action.name == "rem" and action.arg(0) == "12" and action.int_arg(1) == 5
    assert action.arg(5) is None and action.int_arg(0) == 12


@pytest.mark.parametrize(
    "forged", ["", "x" * 65, "rem:<b>", "REM:1", "rem:1:2:ü", ":::", "rem:" + "1" * 60]
)
def test_forged_data_is_rejected(forged: str) -> None:
    assert callbacks.parse(forged) is None


def test_encode_refuses_what_telegram_would_reject() -> None:
    with pytest.raises(ValueError):
        callbacks.encode("rem", "a" * 70)
    with pytest.raises(ValueError):
        callbacks.encode("rem", "a:b")
