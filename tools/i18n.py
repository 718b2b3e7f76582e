"""Translation tooling: extract msgids from the code and compare them with the catalogues.

    python -m tools.i18n missing de     # .po entries still to translate into German
    python -m tools.i18n check          # exit 1 on any gap, fuzzy entry or placeholder drift
    python -m tools.i18n merge de core de.json   # add/replace {msgid: msgstr} in core.po

Catalogues are ``bot/locales/<lang>/LC_MESSAGES/<domain>.po``, one domain per feature; a
message may live in any domain of its language.
"""

from __future__ import annotations

import re
import string
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "storage")
LOCALES = ROOT / "bot" / "locales"
TRANSLATED = ("de", "es", "fr", "pt")
KEYWORDS = {
    "_": None,
    "N_": None,
    "tr": None,
    "plural": (1, 2),
    "context": ((1, "c"), 2),
}
_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")


@dataclass(frozen=True)
class Extracted:
    """One message the code uses: its id (a str, or a (singular, plural) pair) and context."""

    msgid: str | tuple[str, str]
    context: str | None
    where: str


def extract() -> list[Extracted]:
    """Return every translatable message in the sources."""
    found: list[Extracted] = []
    for folder in SOURCES:
        for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
        ):
            if isinstance(message, tuple):
                if len(message) >= 2 and message[0] and message[1]:
                    msgid: str | tuple[str, str] = (message[0], message[1])
                else:
                    continue
            elif message:
                msgid = message
            else:
                continue
            found.append(Extracted(msgid, context, f"{folder}/{filename}:{lineno}"))
    return found


def catalogue(language: str) -> dict[tuple[str, str | None], Message]:
    """Return every message of a language, from all its domains."""
    messages: dict[tuple[str, str | None], Message] = {}
    folder = LOCALES / language / "LC_MESSAGES"
    for path in sorted(folder.glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            messages[(key, message.context)] = message
    return messages


def placeholders(text: str) -> Counter[str]:
    """Return the brace placeholders of a message."""
    fields: Counter[str] = Counter()
    for _literal, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None:
            fields[field] += 1
    return fields


def tags(text: str) -> Counter[str]:
    """Return the HTML tags of a message."""
    return Counter(tag.lower() for tag in _TAG.findall(text))


def problems(language: str) -> list[str]:
    """Return what is missing or wrong in a language's catalogues."""
    found = []
    messages = catalogue(language)
    for item in extract():
        key = item.msgid[0] if isinstance(item.msgid, tuple) else item.msgid
        message = messages.get((key, item.context))
        if message is None:
            found.append(f"{language}: untranslated {key!r} ({item.where})")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(f"{language}: fuzzy or empty {key!r} ({item.where})")
            continue
        source = item.msgid if isinstance(item.msgid, tuple) else (item.msgid,)
        for translated in strings:
            try:
                wanted, got = placeholders(source[-1]), placeholders(translated)
            except ValueError as error:
                found.append(f"{language}: bad braces in {key!r}: {error}")
                continue
            if set(wanted) != set(got):
                found.append(f"{language}: placeholders differ in {key!r}: {wanted} vs {got}")
            if tags(source[0]) != tags(translated):
                found.append(f"{language}: HTML tags differ in {key!r}")
    return found


def _po_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def missing_entries(language: str) -> str:
    """Return .po entries for the messages a language still lacks."""
    messages = catalogue(language)
    seen: set[tuple[str, str | None]] = set()
    out = []
    for item in extract():
        key = item.msgid[0] if isinstance(item.msgid, tuple) else item.msgid
        if (key, item.context) in messages or (key, item.context) in seen:
            continue
        seen.add((key, item.context))
        entry = [f"#: {item.where}"]
        if item.context:
            entry.append(f'msgctxt "{_po_escape(item.context)}"')
        if isinstance(item.msgid, tuple):
            entry += [
                f'msgid "{_po_escape(item.msgid[0])}"',
                f'msgid_plural "{_po_escape(item.msgid[1])}"',
                'msgstr[0] ""',
                'msgstr[1] ""',
            ]
        else:
            entry += [f'msgid "{_po_escape(item.msgid)}"', 'msgstr ""']
        out.append("\n".join(entry))
    return "\n\n".join(out) + ("\n" if out else "")


def merge(language: str, domain: str, translations: dict[str, str | list[str]]) -> None:
    """Add or replace translations in one domain's catalogue of a language."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    path = LOCALES / language / "LC_MESSAGES" / f"{domain}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, domain=domain, project="forum-bot")
    plurals = {item.msgid[0]: item.msgid for item in extract() if isinstance(item.msgid, tuple)}
    for msgid, msgstr in translations.items():
        context = None
        if "\x04" in msgid:
            context, msgid = msgid.split("\x04", 1)
        # Babel's Catalog.add keeps the old string of a message it already holds: replace it.
        if catalog.get(msgid, context=context) is not None:
            catalog.delete(msgid, context=context)
        if isinstance(msgstr, list):
            catalog.add(plurals.get(msgid, (msgid, msgid)), tuple(msgstr), context=context)
        else:
            catalog.add(msgid, msgstr, context=context)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True)


def main(argv: list[str]) -> int:
    """Run the tool."""
    if len(argv) == 2 and argv[0] == "missing":
        sys.stdout.write(missing_entries(argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "merge":
        import json

        merge(argv[1], argv[2], json.loads(Path(argv[3]).read_text(encoding="utf-8")))
        return 0
    if argv == ["check"]:
        found = [p for language in TRANSLATED for p in problems(language)]
        print("\n".join(found) or "translations complete")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
