"""Translations: gettext catalogues for the five forum languages, loaded straight from .po.

Catalogues live in ``bot/locales/<lang>/LC_MESSAGES/<domain>.po``, one domain per feature so
that features can be translated independently. They are compiled in memory with Babel when
first used, so a fresh clone or an installed wheel needs no compile step. Strings use brace
placeholders and are formatted after translation: ``tr("Hello, {name}!").format(name=...)``.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES: tuple[str, ...] = ("en", "de", "es", "fr", "pt")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a message for extraction without translating it now."""
    return message


def normalize_language(code: str | None) -> str | None:
    """Map a Telegram language_code (``pt-br``, ``de-AT``) to a supported language or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def resolve_language(
    chosen: str | None, telegram_code: str | None, default: str = DEFAULT_LANGUAGE
) -> str:
    """Pick a user's language, the one rule everywhere: their own choice, else Telegram's, else
    the forum's default language (``event.default_language``)."""
    return normalize_language(chosen) or normalize_language(telegram_code) or default


class Translator:
    """Translate messages into one language."""

    def __init__(self, language: str, catalog: gettext.NullTranslations) -> None:
        self.language = language
        self._catalog = catalog

    def __call__(self, message: str) -> str:
        """Return the translation of ``message``."""
        return self._catalog.gettext(message)

    def plural(self, singular: str, plural: str, n: int) -> str:
        """Return the translation of a message with a count, in the language's plural form."""
        return self._catalog.ngettext(singular, plural, n)

    def context(self, context: str, message: str) -> str:
        """Return the translation of ``message`` in a disambiguating context."""
        return self._catalog.pgettext(context, message)


def _load_catalogs(language: str) -> gettext.NullTranslations:
    folder = resources.files("bot").joinpath("locales", language, "LC_MESSAGES")
    chain: gettext.NullTranslations = gettext.NullTranslations()
    if not folder.is_dir():
        return chain
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations = gettext.GNUTranslations(buffer)
        translations.add_fallback(chain)
        chain = translations
    return chain


@cache
def translator(language: str) -> Translator:
    """Return the (cached) translator for a supported language; English for anything else."""
    language = normalize_language(language) or DEFAULT_LANGUAGE
    if language == DEFAULT_LANGUAGE:
        return Translator(language, gettext.NullTranslations())
    return Translator(language, _load_catalogs(language))
