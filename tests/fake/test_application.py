"""A real PTB Application polls the fake; the subprocess fake keeps its queue across clients."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from telegram import Bot, Update
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakeapi import TEST_TOKEN, FakeTelegram
from tests.fakeapi.client import FakeTelegramClient

pytestmark = pytest.mark.asyncio


async def echo_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user by name, in HTML."""
    assert update.effective_user is not None and update.effective_message is not None
    name = html.escape(update.effective_user.first_name)
    await update.effective_message.reply_html(f"Hello, <b>{name}</b>!")


async def run_app(base_url: str, base_file_url: str) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(TEST_TOKEN)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", echo_start))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    return app


async def stop_app(app: Application) -> None:  # type: ignore[type-arg]
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


async def test_application_answers_start(fake: FakeTelegram) -> None:
    user = fake.add_user("Ann & Rory")
    app = await run_app(fake.base_url, fake.base_file_url)
    try:
        await user.send("/start")
        reply = await user.next_message(timeout=5)
    finally:
        await stop_app(app)
    assert reply.text == "Hello, Ann & Rory!"
    assert reply.html == "Hello, <b>Ann &amp; Rory</b>!"
    assert fake.pending_updates == []  # the final poll on stop acknowledged the update
    fake.assert_no_contract_violations()


async def test_subprocess_fake_keeps_unacknowledged_updates(tmp_path: Path) -> None:
    async with FakeTelegramClient.spawn(tmp_path / "ready") as control:
        user_id = await control.add_user("Ann")
        await control.send(user_id, "/start")
        async with Bot(TEST_TOKEN, base_url=control.base_url) as bot:
            first = await bot.get_updates(timeout=0)
        async with Bot(TEST_TOKEN, base_url=control.base_url) as restarted:
            again = await restarted.get_updates(timeout=0)  # never acknowledged: redelivered
        assert [u.update_id for u in again] == [u.update_id for u in first]
        app = await run_app(control.base_url, control.base_file_url)
        try:
            reply = await control.wait_bot_message(user_id, timeout=5)
        finally:
            await stop_app(app)
        assert reply["text"] == "Hello, Ann!"
        state = await control.state()
        assert state["pending_update_ids"] == [] and state["contract_violations"] == []
        assert len(await control.calls("sendMessage")) == 1
