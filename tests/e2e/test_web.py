"""The web side end to end: webhook mode through the fake, health, metrics, menu buttons.

The fake Bot API delivers updates to the bot's webhook as Telegram does (POST with the secret
header, retried until a 2xx answer); the bot's web server is reached over real HTTP.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from tests.e2e.conftest import MakeBot
from tests.e2e.harness import BotHarness, TestClock, at
from tests.fakeapi import FakeTelegram
from tests.web_support import free_port, web_settings

DURING_OPENING = at(2027, 3, 16, 8, 40)


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until ``check()`` holds (the fake delivers and retries in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.01)


async def http(
    method: str, url: str, *, headers: dict[str, str] | None = None, data: bytes = b""
) -> tuple[int, str, CIMultiDict[str]]:
    async with (
        aiohttp.ClientSession() as client,
        client.request(method, url, headers=headers, data=data) as response,
    ):
        return response.status, await response.text(), CIMultiDict(response.headers)


def base(bot: BotHarness) -> str:
    web = bot.config.web
    assert web is not None
    return f"http://127.0.0.1:{web.port}"


async def webhook_bot(make_bot: MakeBot, port: int | None = None) -> BotHarness:
    return await make_bot(settings=web_settings(port or free_port(), webhook=True))


def metric(text: str, name: str, **labels: str) -> float:
    """Return one sample's value from Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" (\S+)"
    found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


# --- webhook mode --------------------------------------------------------------------------------


async def test_webhook_mode_sets_the_webhook_and_answers_through_it(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    bot = await webhook_bot(make_bot)
    [call] = fake.calls_to("setWebhook")
    assert call.params["url"] == base(bot) + "/telegram/webhook"
    assert len(call.params["secret_token"]) >= 32
    assert "chat_member" in call.params["allowed_updates"]
    user = bot.user("Ada")
    reply = await bot.ask(user, "/start")
    assert "Welcome" in (reply.text or "")
    # Every delivery carried the secret and was acknowledged at the first attempt.
    assert [status for _, status in fake.webhooks.attempts] == [200]
    assert fake.calls_to("getUpdates") == []


async def test_getupdates_is_refused_while_the_webhook_is_set(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    await webhook_bot(make_bot)
    status, body, _ = await http("POST", f"{fake.base_url}{fake.token}/getUpdates")
    assert status == 409
    assert "can't use getUpdates method while webhook is active" in body


async def test_a_request_without_the_secret_is_refused_and_logged_without_its_body(
    make_bot: MakeBot, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await webhook_bot(make_bot)
    user = bot.user("Ada")
    forged = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": user.id, "type": "private"},
            "from": {"id": user.id, "is_bot": False, "first_name": "Ada"},
            "text": "/start PersonalText",
        },
    }
    url = base(bot) + "/telegram/webhook"
    body = json.dumps(forged).encode()
    json_type = {"Content-Type": "application/json"}
    for headers in (json_type, {**json_type, "X-Telegram-Bot-Api-Secret-Token": "guess"}):
        status, _, _ = await http("POST", url, headers=headers, data=body)
        assert status == 401
    await bot.settle()
    assert user.inbox == []
    refused = [r for r in caplog.records if "webhook request refused" in r.getMessage()]
    assert len(refused) == 2
    assert all("PersonalText" not in r.getMessage() for r in caplog.records)
    # The real secret, as the fake sends it, still works.
    assert "Welcome" in ((await bot.ask(user, "/start")).text or "")


async def test_a_redelivered_update_is_processed_once(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    bot = await webhook_bot(make_bot)
    user = bot.user("Ada")
    fake.webhooks.drop_answers(2)  # the bot's first two answers are lost on the way back
    await user.send("/start")
    await eventually(lambda: not fake.pending_updates)
    await bot.settle()
    update_id = fake.delivered[-1]
    assert [uid for uid, _ in fake.webhooks.attempts].count(update_id) == 3
    assert len(user.inbox) == 1
    _, text, _ = await http("GET", base(bot) + "/metrics")
    assert metric(text, "forumbot_webhook_requests_total", outcome="duplicate") >= 2


async def test_a_redelivery_after_a_restart_is_still_recognised(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    port = free_port()
    bot = await webhook_bot(make_bot, port)
    first_secret = fake.webhook["secret_token"]
    user = bot.user("Ada")
    fake.webhooks.drop_answers(1)
    fake.webhooks.hold_retries()
    await user.send("/start")
    await eventually(lambda: len(user.inbox) == 1)
    # The bot goes down with the update still unacknowledged; Telegram keeps retrying.
    await bot.stop()
    fake.webhooks.hold_retries(False)
    await eventually(lambda: any(isinstance(s, str) for _, s in fake.webhooks.attempts))
    assert fake.pending_updates
    await bot.start()
    assert fake.webhook["secret_token"] != first_secret  # rotated at the start
    await eventually(lambda: not fake.pending_updates)
    assert len(user.inbox) == 1
    stored = await bot.runtime.db.fetchval(
        "SELECT COUNT(*) FROM webhook_updates WHERE body IS NOT NULL"
    )
    assert stored == 0
    assert "Welcome" in ((await bot.ask(user, "/start")).text or "")


async def test_an_update_interrupted_by_a_crash_is_processed_at_the_next_start(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    bot = await webhook_bot(make_bot)
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    # As if the process died after storing an update and before its handlers ran.
    body = json.dumps(
        {
            "update_id": 5,
            "message": {
                "message_id": 77,
                "date": int(bot.clock().timestamp()),
                "chat": {"id": user.id, "type": "private", "first_name": "Ada"},
                "from": {"id": user.id, "is_bot": False, "first_name": "Ada"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    )
    await bot.runtime.db.execute(
        "INSERT INTO webhook_updates (update_id, received_at, body) VALUES (5, 0, ?)", (body,)
    )
    await bot.restart()
    await eventually(lambda: len(user.inbox) == 2)
    assert "/today" in (user.inbox[-1].text or "")


async def test_switching_back_to_polling_deletes_the_webhook(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    webhook = await webhook_bot(make_bot)
    assert fake.webhook
    # The operator stops the bot, switches the config back to polling, and starts it again.
    await webhook.stop()
    polling = await make_bot()
    assert fake.webhook == {}
    assert fake.calls_to("deleteWebhook")
    user = polling.user("Ada")
    assert "Welcome" in ((await polling.ask(user, "/start")).text or "")


# --- health and metrics --------------------------------------------------------------------------


async def test_healthz_names_the_failing_check(make_bot: MakeBot, clock: TestClock) -> None:
    bot = await webhook_bot(make_bot)
    status, body, headers = await http("GET", base(bot) + "/healthz")
    assert status == 200, body
    assert json.loads(body)["status"] == "ok"
    assert "Content-Security-Policy" in headers
    # A database that no longer takes writes.
    await bot.runtime.db.execute("PRAGMA query_only = ON")
    status, body, _ = await http("GET", base(bot) + "/healthz")
    assert status == 503
    report = json.loads(body)
    assert report["status"] == "failing: database"
    assert report["checks"]["database"]["ok"] is False
    await bot.runtime.db.execute("PRAGMA query_only = OFF")
    # Nothing from Telegram for two minutes (webhook mode: no polls either).
    clock.advance(minutes=2)
    status, body, _ = await http("GET", base(bot) + "/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "failing: telegram"
    # Telegram confirming the webhook (asked every 30 s) brings it back...
    job_queue = bot.application.job_queue
    assert job_queue is not None
    [check] = job_queue.get_jobs_by_name("webhook-check")
    await check.run(bot.application)
    status, _, _ = await http("GET", base(bot) + "/healthz")
    assert status == 200
    # ...and so does an update.
    clock.advance(minutes=2)
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    status, _, _ = await http("GET", base(bot) + "/healthz")
    assert status == 200


async def test_healthz_fails_when_the_scheduler_stops(make_bot: MakeBot) -> None:
    bot = await make_bot(settings=web_settings(free_port()))
    job_queue = bot.application.job_queue
    assert job_queue is not None
    job_queue.scheduler.shutdown(wait=False)
    status, body, _ = await http("GET", base(bot) + "/healthz")
    assert status == 503
    assert json.loads(body)["status"] == "failing: scheduler"


async def test_metrics_move_when_updates_arrive(make_bot: MakeBot) -> None:
    bot = await make_bot(settings=web_settings(free_port()))
    status, before, headers = await http("GET", base(bot) + "/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    user = bot.user("Ada")
    await bot.ask(user, "/start")
    await bot.ask(user, "/remind 2")
    _, after, _ = await http("GET", base(bot) + "/metrics")
    kind = "forumbot_updates_handled_total"
    assert metric(after, kind, kind="message") == metric(before, kind, kind="message") + 2
    latency = "forumbot_reply_latency_seconds_count"
    assert metric(after, latency) >= metric(before, latency) + 2
    writes = "forumbot_database_write_seconds_count"
    assert metric(after, writes) > metric(before, writes)
    assert metric(after, "forumbot_pending_reminders") == 1
    assert metric(after, "forumbot_outbox_rows") == 0


async def test_metrics_can_require_a_bearer_token(
    make_bot: MakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORUMBOT_METRICS_TOKEN", "s3cret-metrics")
    bot = await make_bot(settings=web_settings(free_port()))
    status, _, headers = await http("GET", base(bot) + "/metrics")
    assert status == 401 and headers["WWW-Authenticate"] == "Bearer"
    wrong = {"Authorization": "Bearer nope"}
    assert (await http("GET", base(bot) + "/metrics", headers=wrong))[0] == 401
    right = {"Authorization": "Bearer s3cret-metrics"}
    assert (await http("GET", base(bot) + "/metrics", headers=right))[0] == 200


async def test_nothing_listens_without_a_web_section(bot: BotHarness) -> None:
    assert bot.config.web is None
    assert bot.runtime.web is None
    assert "web" not in bot.runtime.extras
    assert bot.fake.calls_to("setChatMenuButton") == []


# --- the Mini App in the chat --------------------------------------------------------------------


async def test_menu_button_opens_the_programme_in_each_users_language(
    make_bot: MakeBot, fake: FakeTelegram
) -> None:
    bot = await make_bot(settings=web_settings(free_port()))
    default = fake.menu_buttons[None]
    assert default["type"] == "web_app"
    assert default["web_app"]["url"] == base(bot) + "/"
    assert default["text"] == "🗓 Programme"
    english = bot.user("Ada")
    await bot.ask(english, "/start")
    german = bot.user("Lena", language="de")
    await bot.ask(german, "/start")
    await bot.settle()
    assert english.id not in fake.menu_buttons  # the default button already speaks English
    assert fake.menu_buttons[german.id]["text"] == "🗓 Programm"
    # Once per language: another message sets nothing new.
    calls = len(fake.calls_to("setChatMenuButton"))
    await bot.ask(german, "/help")
    await bot.settle()
    assert len(fake.calls_to("setChatMenuButton")) == calls


async def test_cards_and_days_offer_the_programme_in_private_chats_only(
    make_bot: MakeBot, fake: FakeTelegram, clock: TestClock
) -> None:
    clock.set(DURING_OPENING)
    bot = await make_bot(settings=web_settings(free_port()))
    user = bot.user("Ada")
    card = await bot.ask(user, "/session 4")
    assert card.reply_markup is not None
    web_rows = [b for row in card.reply_markup["inline_keyboard"] for b in row if "web_app" in b]
    assert [b["web_app"]["url"] for b in web_rows] == [base(bot) + "/?session=4"]
    assert web_rows[0]["text"] == "🗓 Open programme"
    # Pressing "Remind me" toggles that button and keeps the card's others.
    await user.click("⏰ Remind me", card)
    await bot.settle()
    labels = card.button_labels
    assert "🗓 Open programme" in labels and "Stop reminders for it" in labels
    assert "📅 Add to calendar" in labels and "⏰ Remind me" not in labels
    day = await bot.ask(user, "/today")
    assert day.reply_markup is not None
    assert any("web_app" in b for row in day.reply_markup["inline_keyboard"] for b in row)
    group = fake.add_group("Community")
    await user.join(group)
    await user.send("/today@forum_test_bot", chat=group)
    await bot.settle()
    answer = group.bot_messages[-1]
    assert "Programme" in (answer.text or "")
    rows = (answer.reply_markup or {}).get("inline_keyboard", [])
    assert not any("web_app" in b for row in rows for b in row)


async def test_the_page_is_public_with_a_policy_and_compressed(make_bot: MakeBot) -> None:
    bot = await make_bot(settings=web_settings(free_port()))
    gzip_ok = {"Accept-Encoding": "gzip"}
    status, page, headers = await http("GET", base(bot) + "/?session=2", headers=gzip_ok)
    assert status == 200 and "<main" in page
    assert "script-src 'self' https://telegram.org" in headers["Content-Security-Policy"]
    assert headers["Content-Encoding"] == "gzip"
    status, document, headers = await http("GET", base(bot) + "/programme.json")
    data: dict[str, Any] = json.loads(document)
    assert status == 200 and len(data["sessions"]) > 10 and data["event"]["zone"]
    etag = headers["ETag"]
    status, _, _ = await http(
        "GET", base(bot) + "/programme.json", headers={"If-None-Match": etag}
    )
    assert status == 304
    assert (await http("GET", base(bot) + "/api/me"))[0] == 401
    assert (await http("GET", base(bot) + "/i18n/xx.json"))[0] == 404
    assert (await http("GET", base(bot) + "/static/secret.py"))[0] == 404


async def test_the_first_view_weighs_under_100_kb_compressed(make_bot: MakeBot) -> None:
    bot = await make_bot(settings=web_settings(free_port()))
    total = 0
    async with aiohttp.ClientSession(auto_decompress=False) as client:
        async with client.get(base(bot) + "/", headers={"Accept-Encoding": "gzip"}) as page:
            html = (await page.read()).decode("latin-1")
            total += len(html)
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', gzip_text(html))
        assert len(assets) == 2
        for path in [*assets, "/programme.json", "/i18n/de.json"]:
            async with client.get(base(bot) + path, headers={"Accept-Encoding": "gzip"}) as got:
                assert got.headers["Content-Encoding"] == "gzip"
                total += len(await got.read())
    assert total < 100_000, total


def gzip_text(body: str) -> str:
    return gzip.decompress(body.encode("latin-1")).decode()
