"""The Mini App's texts: msgids of the ``web`` gettext domain, served to the page per language.

The page is translated by the bot's own catalogues, not a second set: each key below names
one msgid; ``strings(language)`` returns the key -> translation map the page uses. Brace
placeholders are filled in by the page after translation, as everywhere in the bot.
"""

from __future__ import annotations

from functools import cache

from bot.i18n import LANGUAGES, N_, translator
from bot.web.programme import Document

STRINGS: dict[str, str] = {
    "title": N_("Programme"),
    "days": N_("Days"),
    "views": N_("Views"),
    "programme": N_("Programme"),
    "agenda": N_("My agenda"),
    "filters": N_("Filters"),
    "search": N_("Search"),
    "search_hint": N_("Title, speaker, room, topic…"),
    "track": N_("Track"),
    "type": N_("Type"),
    "room": N_("Room"),
    "language": N_("Language"),
    "any_track": N_("All tracks"),
    "any_type": N_("All types"),
    "any_room": N_("All rooms"),
    "any_language": N_("All languages"),
    "now": N_("Now"),
    "event_time": N_("{time} {place}"),
    "own_time": N_("{time} your time ({zone})"),
    "zones_note": N_("Times in {place} time and in your own ({zone})."),
    "zone_note": N_("Times in {place} time."),
    "speakers": N_("Speakers"),
    "details": N_("Details of {title}"),
    "more": N_("More details"),
    "session_no": N_("Session {id}"),
    "star": N_("Add to my agenda"),
    "unstar": N_("Remove from my agenda"),
    "starred": N_("In your agenda: you get a reminder before it starts."),
    "close": N_("Close"),
    "conflict": N_("Overlaps with another session in your agenda"),
    "agenda_empty": N_(
        "Your agenda is empty. Add sessions with the star; the bot reminds you before each."
    ),
    "no_match": N_("No session matches. Try another word or fewer filters."),
    "no_programme": N_("The programme has not been published yet. Please check again later."),
    "read_only": N_("Open this page from the bot in Telegram to keep your own agenda."),
    "start_bot": N_("Start the bot in Telegram first; then you can keep your agenda here."),
    "save_failed": N_("That did not work. Please check your connection and try again."),
    "loading": N_("Loading the programme…"),
    "count": N_("Sessions shown: {count}"),
}


@cache
def strings(language: str) -> Document:
    """Return the page's texts in ``language`` as a servable JSON document (cached)."""
    tr = translator(language)
    return Document.of(
        {"language": tr.language, "strings": {k: tr(v) for k, v in STRINGS.items()}}
    )


def supported(language: str | None) -> str | None:
    """Return ``language`` when the bot speaks it."""
    return language if language in LANGUAGES else None
