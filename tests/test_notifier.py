"""The notifier over the Bot API: private messages only to people who can receive them; staff
notices that cannot reach someone go to the modlog chat and are kept for them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from telegram.error import BadRequest, Forbidden

from bot.config import Config
from bot.notify import Notice
from bot.participants.model import UserSeen
from bot.participants.service import ParticipantService
from bot.telegram.notifier import TelegramNotifier
from storage.database import Database
from storage.participants import Participants

NOW = datetime(2027, 3, 16, 8, 0, tzinfo=UTC)
MODLOG = -100_900


class RecordingBot:
    """Stands in for telegram.Bot: records sends; some chats refuse as Telegram would."""

    def __init__(self, refusals: dict[int, Exception]) -> None:
        self.refusals = refusals
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        if chat_id in self.refusals:
            raise self.refusals[chat_id]
        self.sent.append((chat_id, text))


async def _world(
    db: Database, refusals: dict[int, Exception], **chats: int
) -> tuple[TelegramNotifier, RecordingBot, ParticipantService]:
    store = Participants(db)
    for user_id, language in ((1, "de"), (2, "en"), (3, "fr")):
        await store.record_seen(UserSeen(user_id, f"P{user_id}", None, None, language), NOW)
        await store.mark_started(user_id, NOW)
    participants = ParticipantService(
        store, lambda: NOW, default_language="en", event_zone="Europe/Berlin"
    )
    config = Config(event={"name": "Forum"}, chats=chats)
    bot = RecordingBot(refusals)
    return TelegramNotifier(bot, participants, config), bot, participants  # type: ignore[arg-type]


def _notice() -> Notice:
    return Notice(lambda tr: tr("Saved.") + f" ({tr.language})")


async def test_a_person_is_told_in_their_language_until_telegram_refuses(db: Database) -> None:
    notifier, bot, participants = await _world(db, {2: Forbidden("bot was blocked by the user")})
    assert await notifier.tell(1, _notice()) is True
    assert bot.sent == [(1, "Gespeichert. (de)")]
    assert await notifier.tell(2, _notice()) is False
    assert not await participants.is_reachable(2)  # refused once, not tried again
    bot.refusals.clear()
    assert await notifier.tell(2, _notice()) is False
    assert [chat for chat, _ in bot.sent] == [1]


async def test_staff_who_cannot_be_reached_get_the_modlog_and_a_kept_notice(db: Database) -> None:
    refusals: dict[int, Exception] = {2: Forbidden("bot can't initiate conversation")}
    notifier, bot, participants = await _world(db, refusals, modlog=MODLOG)
    await notifier.tell_staff([1, 2, 1], _notice(), log=False)
    assert [chat for chat, _ in bot.sent] == [1, MODLOG]  # once each; the modlog stands in
    [missed] = await participants.take_missed(2)
    assert missed.text == "Saved. (en)" and missed.sent_to == MODLOG


async def test_a_failed_post_is_reported_as_not_sent(db: Database) -> None:
    notifier, _, _ = await _world(db, {MODLOG: BadRequest("chat not found")}, modlog=MODLOG)
    assert await notifier.log(_notice()) is False
    assert await notifier.post(MODLOG, _notice()) is False
