"""The systemd unit in deploy/: the directives operations rely on, checked by systemd itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent.parent / "deploy" / "forum-bot.service"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def directives() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_runs_a_dedicated_user_with_its_state_folder_and_hardening() -> None:
    unit = directives()
    assert unit["User"] == ["forum-bot"] and unit["Group"] == ["forum-bot"]
    assert unit["StateDirectory"] == ["forum-bot"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["EnvironmentFile"] == ["/etc/forum-bot/forum-bot.env"]
    assert "FORUMBOT_TOKEN" not in "".join(unit["Environment"])
    assert unit["ProtectSystem"] == ["strict"]
    for hardening in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "RestrictSUIDSGID"):
        assert unit[hardening] == ["yes"], hardening
    assert unit["CapabilityBoundingSet"] == [""]
    assert "--log-format json" in unit["ExecStart"][0]


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verifies_the_unit_without_a_warning(tmp_path: Path) -> None:
    assert SYSTEMD_ANALYZE is not None
    # verify checks that ExecStart's program exists; on this machine the bot is not installed
    # under /opt, so the copy points at a program that is.
    text = UNIT.read_text(encoding="utf-8")
    copy = tmp_path / "forum-bot.service"
    copy.write_text(text.replace("/opt/forum-bot/venv/bin/forum-bot", "/bin/sh"), "utf-8")
    result = _analyze("verify", "--man=no", copy)
    assert result.returncode == 0, result.stderr
    # Unknown or malformed directives are only warned about: a clean unit has no output.
    assert result.stderr.strip() == "" and result.stdout.strip() == ""
    security = _analyze("security", "--offline=yes", copy)
    exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", security.stdout)
    if exposure is None:
        pytest.skip("this systemd-analyze cannot rate a unit offline")
    assert float(exposure.group(1)) <= 2.0


def _analyze(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``systemd-analyze ARGS`` and return what it said (its status is the caller's)."""
    assert SYSTEMD_ANALYZE is not None
    command = [SYSTEMD_ANALYZE, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
