"""Typed callback data: packed within 64 bytes, and forged or outdated data parses to nothing."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import Field

from bot.callbacks import CallbackData, Flag


class Sample(CallbackData, prefix="smp"):
    verb: Literal["go", "stop"]
    id: int = Field(ge=0)
    note: str = ""
    yes: Flag = False


def test_round_trip_with_defaults_left_off() -> None:
    press = Sample(verb="go", id=12)
    assert press.encode() == "smp:go:12"
    assert Sample.parse("smp:go:12") == press
    full = Sample(verb="stop", id=3, note="de", yes=True)
    assert full.encode() == "smp:stop:3:de:1"
    assert Sample.parse(full.encode()) == full
    assert Sample.parse("smp:go:12::1") == Sample(verb="go", id=12, yes=True)


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "x" * 65,
        "smp",
        "smp:go",
        "smp:run:1",
        "smp:go:-1",
        "smp:go:abc",
        "smp:go:1:<b>",
        "smp:go:1:de:yes",
        "smp:go:1:de:1:extra",
        "SMP:go:1",
        "smpx:go:1",
        "other:go:1",
        "smp:go:" + "1" * 60,
    ],
)
def test_forged_data_is_rejected(forged: str | None) -> None:
    assert Sample.parse(forged) is None


def test_encode_refuses_what_telegram_would_reject() -> None:
    with pytest.raises(ValueError, match="over 64 bytes"):
        Sample(verb="go", id=10**12, note="a" * 48, yes=True).encode()
    with pytest.raises(ValueError, match="bad callback field"):
        Sample(verb="go", id=1, note="a:b").encode()


def test_pattern_routes_only_its_own_prefix() -> None:
    pattern = Sample.pattern()
    assert pattern.match("smp:go:1") and pattern.match("smp")
    assert not pattern.match("smpx:go:1") and not pattern.match("xsmp:go")


def test_a_class_needs_a_prefix() -> None:
    with pytest.raises(TypeError, match="needs a prefix"):

        class Nameless(CallbackData):
            pass
