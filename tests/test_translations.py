"""Translations: every message in every language, no fuzzy entries, placeholders and tags kept."""

from __future__ import annotations

import pytest

from bot.i18n import LANGUAGES, normalize_language, resolve_language, translator
from tools.i18n import TRANSLATED, extract, problems


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_complete_and_consistent(language: str) -> None:
    assert problems(language) == []


def test_every_message_formats_in_every_language() -> None:
    for item in extract():
        msgid = item.msgid[0] if isinstance(item.msgid, tuple) else item.msgid
        for language in LANGUAGES:
            text = translator(language)(msgid) if item.context is None else msgid
            assert len(text) <= 4096


def test_language_resolution_prefers_choice_then_telegram_then_english() -> None:
    assert normalize_language("pt-BR") == "pt"
    assert normalize_language("de_AT") == "de"
    assert normalize_language("ru") is None
    assert resolve_language("fr", "de") == "fr"
    assert resolve_language(None, "es-MX") == "es"
    assert resolve_language(None, "ru") == "en"
    assert translator("de")("Choose your language:") == "Wähle deine Sprache:"
