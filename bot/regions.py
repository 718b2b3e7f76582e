"""Countries and world regions: the shipped country→region table and lookups by name or code.

A country is stored as its ISO 3166-1 alpha-2 code. People may type it as that code or as its
name in any of the five forum languages (names come from Babel's CLDR data, compared without
case or accents). The region table is ours: the forum's three regions and "other".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from functools import cache

from babel import Locale, UnknownLocaleError

from bot.i18n import LANGUAGES, N_


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


EUROPE = "europe"
AFRICA = "africa"
LATAM = "latam"
OTHER = "other"
REGIONS: tuple[str, ...] = (EUROPE, AFRICA, LATAM, OTHER)
REGION_NAMES: dict[str, str] = {
    EUROPE: N_("Europe"),
    AFRICA: N_("Sub-Saharan Africa"),
    LATAM: N_("Latin America and the Caribbean"),
    OTHER: N_("Other regions"),
}

_EUROPE = _codes(
    "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE "
    "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"
)
_AFRICA = _codes(
    "AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW KE KM LR LS MG ML MR MU MW "
    "MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TZ UG YT ZA ZM ZW"
)
_LATAM = _codes(
    "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GT GY HN HT JM KN "
    "KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
)
# Babel also names continents, pseudo-territories and private-use codes; they are no country.
_NOT_COUNTRIES = _codes("AC AQ BV CP CQ DG EA EU EZ HM IC QO TA UN XA XB ZZ")


def region_of(country: str) -> str:
    """Return the forum region of an ISO alpha-2 country code."""
    if country in _EUROPE:
        return EUROPE
    if country in _AFRICA:
        return AFRICA
    if country in _LATAM:
        return LATAM
    return OTHER


def _names(table: object) -> dict[str, str]:
    """Return a Babel name table with string keys and values (its typing is looser)."""
    if not isinstance(table, Mapping):
        return {}
    return {str(k): str(v) for k, v in table.items() if isinstance(k, str)}


@cache
def _territories(language: str) -> dict[str, str]:
    return _names(Locale.parse(language).territories)


@cache
def _language_names(language: str) -> dict[str, str]:
    return _names(Locale.parse(language).languages)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    for mark in "-'’.,":
        bare = bare.replace(mark, " ")
    return " ".join(bare.split())


@cache
def country_codes() -> frozenset[str]:
    """Return every ISO alpha-2 code the bot accepts as a country."""
    return frozenset(
        code
        for code in _territories("en")
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


def _by_name(codes: frozenset[str], names: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """Return the codes by their folded names in every forum language (the first one wins)."""
    found: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in names(language).items():
            if code in codes:
                found.setdefault(_fold(name), code)
    return found


@cache
def _countries_by_name() -> dict[str, str]:
    return _by_name(country_codes(), _territories)


def find_country(text: str) -> str | None:
    """Return the ISO code for a typed country name (any forum language) or code, else None."""
    folded = _fold(text)
    if not folded:
        return None
    if len(folded) == 2 and folded.upper() in country_codes():
        return folded.upper()
    return _countries_by_name().get(folded)


def country_name(code: str, language: str) -> str:
    """Return a country's name in a forum language."""
    return _territories(language).get(code, code)


@cache
def language_codes() -> frozenset[str]:
    """Return the ISO 639-1 codes the bot accepts as spoken languages."""
    return frozenset(code for code in _language_names("en") if len(code) == 2)


@cache
def _languages_by_name() -> dict[str, str]:
    codes = language_codes()
    found = _by_name(codes, _language_names)
    for code in sorted(codes):
        # People often write their language as they call it themselves: Kiswahili, isiZulu.
        try:
            own = Locale.parse(code).get_display_name(code)
        except (ValueError, UnknownLocaleError):
            continue
        if own:
            found.setdefault(_fold(own), code)
    return found


def find_language(text: str) -> str | None:
    """Return the ISO 639-1 code for a typed language name (any forum language) or code."""
    folded = _fold(text)
    if len(folded) == 2 and folded in language_codes():
        return folded
    return _languages_by_name().get(folded)


def language_name(code: str, language: str) -> str:
    """Return a spoken language's name in a forum language."""
    return _language_names(language).get(code, code)


def find_region(text: str, tr_names: dict[str, str] | None = None) -> str | None:
    """Return the region key for a typed region key or name (English or given translations).

    A part of a name counts when it is whole words of four letters or more: "Afrika" finds
    "Subsahara-Afrika", "Latin America" finds "Latin America and the Caribbean".
    """
    folded = _fold(text)
    for key, name in REGION_NAMES.items():
        names = (_fold(name), _fold(tr_names.get(key, "")) if tr_names else "")
        if folded == key or folded in names:
            return key
        if len(folded) >= 4 and any(f" {folded} " in f" {n} " for n in names if n):
            return key
    return None
