"""The installed command as an operator runs it: ``forum-bot run`` against a Bot API server.

The bot runs as its own process (``python -m bot run``, what the ``forum-bot`` script calls)
against the fake server in subprocess mode; SIGTERM stops it gracefully, with exit status 0,
and nothing it logged contains the token.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.e2e.processes import example_config, forum_bot
from tests.fakeapi import TEST_TOKEN
from tests.fakeapi.client import FakeTelegramClient
from tests.web_support import free_port


async def test_forum_bot_run_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeTelegramClient.spawn(tmp_path / "fake.port") as fake:
        config = example_config(tmp_path, fake.base_url)
        log = tmp_path / "bot.log"
        with log.open("wb") as out:
            bot = await forum_bot("run", "--config", str(config), cwd=tmp_path, stdout=out)
        try:
            user = await fake.add_user("Chiamaka <&>", language_code="pt")
            await fake.send(user, "/start")
            welcome = await fake.wait_bot_message(user, 0, timeout=30)
            assert "Bem-vindo" in welcome["text"]
            await fake.send(user, "/next")
            answer = await fake.wait_bot_message(user, 1, timeout=30)
            assert answer["text"]
        finally:
            bot.send_signal(signal.SIGTERM)
            status = await asyncio.wait_for(bot.wait(), 30)
        assert status == 0
        output = log.read_text(encoding="utf-8", errors="replace")
        assert TEST_TOKEN not in output
        assert "Traceback" not in output
        assert (tmp_path / "forum-bot.sqlite3").exists()
        # At shutdown PTB's last getUpdates ends its own pending long poll with a 409, as it
        # would on Telegram; nothing else may have failed.
        failed = [c for c in await fake.calls() if c.get("status", 200) >= 400]
        assert [c["method"] for c in failed if c["method"] != "getUpdates"] == []


async def test_forum_bot_run_with_a_refused_token_exits_2_with_a_clear_message(
    tmp_path: Path,
) -> None:
    async with FakeTelegramClient.spawn(tmp_path / "fake.port") as fake:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\napi_base_url = "{fake.base_url}"\n[event]\nname = "Forum"\n',
            encoding="utf-8",
        )
        wrong = "123456:WrongTokenWrongTokenWrongToken"
        bot = await forum_bot("run", "--config", str(config), cwd=tmp_path, token=wrong)
        output, _ = await asyncio.wait_for(bot.communicate(), 30)
    text = output.decode(errors="replace")
    assert bot.returncode == 2
    assert "refused the token; check FORUMBOT_TOKEN" in text
    assert wrong not in text


async def test_forum_bot_run_with_no_bot_api_exits_3_with_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    nobody = f"http://127.0.0.1:{free_port()}/bot"  # nothing listens there
    config.write_text(
        f'[telegram]\napi_base_url = "{nobody}"\n[event]\nname = "Forum"\n', encoding="utf-8"
    )
    bot = await forum_bot("run", "--config", str(config), cwd=tmp_path)
    output, _ = await asyncio.wait_for(bot.communicate(), 30)
    text = output.decode(errors="replace")
    assert bot.returncode == 3
    assert f"cannot reach the Bot API at {nobody}" in text
    # Neither PTB's traceback of the same failure nor an aiohttp session left open.
    assert "Traceback" not in text and "ERROR" not in text, text


async def test_forum_bot_run_in_webhook_mode_answers_through_the_webhook(tmp_path: Path) -> None:
    async with FakeTelegramClient.spawn(tmp_path / "fake.port") as fake:
        port = free_port()
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\napi_base_url = "{fake.base_url}"\nmode = "webhook"\n'
            f'[event]\nname = "Forum"\n'
            f'[web]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\n',
            encoding="utf-8",
        )
        bot = await forum_bot("run", "--config", str(config), cwd=tmp_path)
        try:
            user = await fake.add_user("Ada", language_code="en")
            await fake.send(user, "/start")
            welcome = await fake.wait_bot_message(user, 0, timeout=30)
            assert "Welcome" in welcome["text"]
        finally:
            bot.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(bot.communicate(), 30)
        methods = [c["method"] for c in await fake.calls()]
    assert bot.returncode == 0, output.decode(errors="replace")
    assert "setWebhook" in methods and "getUpdates" not in methods
    assert TEST_TOKEN not in output.decode(errors="replace")
