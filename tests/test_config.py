"""Configuration: the example loads, mistakes are named precisely, the token stays in env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
[telegram]
api_base_url = "https://api.telegram.org/bot"
[event]
name = "Forum"
timezone = "Europe/Berlin"
[chats]
community = -1001
[roles]
organisers = [1]
moderators = []
[storage]
database = "forum.sqlite3"
[reminders]
default_lead_minutes = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_and_checks() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.event.timezone == "Europe/Berlin"
    assert config.event.schedule == ROOT / "schedule.example.json"
    assert main(["check", "--config", str(ROOT / "config.example.toml")]) == 0


def test_minimal_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert config.storage.database == tmp_path / "forum.sqlite3"
    assert config.reminders.default_lead_minutes == 10
    assert config.telegram.file_url == "https://api.telegram.org/file/bot"


def test_misspelt_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, MINIMAL.replace("timezone =", "timezon =")))
    text = str(caught.value)
    assert "event.timezon" in text
    assert "did you mean 'timezone'?" in text


def test_wrong_type_and_unknown_zone_are_all_reported(tmp_path: Path) -> None:
    bad = MINIMAL.replace("default_lead_minutes = 10", 'default_lead_minutes = "ten"')
    bad = bad.replace('"Europe/Berlin"', '"Europe/Bonn"')
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, bad))
    wheres = [p.where for p in caught.value.problems]
    assert any(w.endswith("reminders.default_lead_minutes") for w in wheres)
    assert any(w.endswith("event.timezone") for w in wheres)


def test_token_in_file_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("[telegram]\n", '[telegram]\ntoken = "123:abc"\n')
    with pytest.raises(ConfigError, match="FORUMBOT_TOKEN"):
        load_config(write(tmp_path, text))


def test_environment_overrides_a_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUMBOT_REMINDERS__DEFAULT_LEAD_MINUTES", "30")
    assert load_config(write(tmp_path, MINIMAL)).reminders.default_lead_minutes == 30


def test_missing_schedule_file_is_a_problem(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nschedule = "nope.json"'
    )
    with pytest.raises(ConfigError, match=r"nope\.json"):
        load_config(write(tmp_path, text))


def test_check_exits_2_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, MINIMAL.replace("name =", "nme ="))
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'nme'; did you mean 'name'?" in err
    assert "Traceback" not in err


def test_missing_config_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(tmp_path / "absent.toml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_run_without_token_exits_2_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FORUMBOT_TOKEN", raising=False)
    assert main(["run", "--config", str(write(tmp_path, MINIMAL))]) == 2
    assert "FORUMBOT_TOKEN" in capsys.readouterr().err
