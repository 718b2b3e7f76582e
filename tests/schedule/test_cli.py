"""``forum-bot check`` summarises the schedule; ``forum-bot import`` validates, diffs, applies."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.cli import main
from storage.database import Database
from storage.schedule import ScheduleStore
from tests.schedule.conftest import FIXTURES, ROOT


def _config(tmp_path: Path, schedule: Path | None = None) -> Path:
    path = tmp_path / "config.toml"
    lines = ["[event]", 'name = "Forum"', 'timezone = "Europe/Berlin"']
    if schedule is not None:
        lines.append(f'schedule = "{schedule}"')
    lines += ["[storage]", 'database = "bot.sqlite3"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stored(tmp_path: Path) -> int:
    async def count() -> int:
        db = Database(tmp_path / "bot.sqlite3")
        await db.open()
        try:
            programme = await ScheduleStore(db).prepare()
            return len(programme.sessions) if programme else 0
        finally:
            await db.close()

    return asyncio.run(count())


def test_check_prints_the_schedule_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, ROOT / "schedule.example.json")
    assert main(["check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "days:       3 (2027-03-16, 2027-03-17, 2027-03-18)" in out
    assert "sessions:   36" in out
    assert "rooms:      4 (" in out and "Room Rhein" in out
    assert "0 organiser(s)" in out


def test_check_lists_schedule_problems_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,date,start,end,title,room\n1,2027-03-16,10:00,09:00,X,Hall\n", "utf-8")
    assert main(["check", "--config", str(_config(tmp_path, bad))]) == 2
    assert "bad.csv:2:end" in capsys.readouterr().err


def test_import_with_yes_applies_and_prints_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)
    assert main(["import", str(FIXTURES / "mini.json"), "--config", str(config), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "added" in out and "programme imported" in out
    first = _stored(tmp_path)
    assert first > 0
    data = json.loads((ROOT / "schedule.example.json").read_text(encoding="utf-8"))
    changed = tmp_path / "example.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    assert main(["import", str(changed), "--config", str(config), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "removed" in out and "added" in out
    assert _stored(tmp_path) == 36


def test_import_asks_and_a_no_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["import", str(FIXTURES / "mini.toml"), "--config", str(config)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert _stored(tmp_path) == 0


def test_import_refuses_a_broken_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schedule": ', encoding="utf-8")
    assert main(["import", str(bad), "--config", str(_config(tmp_path)), "--yes"]) == 2
    assert "bad.json:1" in capsys.readouterr().err
    assert _stored(tmp_path) == 0
