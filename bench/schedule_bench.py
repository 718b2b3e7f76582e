"""Benchmark the schedule core: import 2,000 sessions, then time 10,000 mixed queries.

Seeded and self-contained: ``python bench/schedule_bench.py``. Prints p50/p99 per query kind
and the peak resident memory. The floor is p99 <= 10 ms for every kind.
"""

from __future__ import annotations

import asyncio
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.schedule.importers import load_programme
from bot.schedule.model import Programme
from bot.schedule.query import understand
from storage.database import Database
from storage.schedule import ScheduleStore

SEED = 20270316
SESSIONS = 2000
DAYS = 5
QUERIES = 10_000
FIRST_DAY = date(2027, 3, 15)
TOPICS = [
    ("e-procurement", "E-Vergabe", "marchés électroniques"),
    ("sustainability criteria", "Nachhaltigkeitskriterien", "critères de durabilité"),
    ("transparency", "Transparenz", "transparence"),
    ("cost efficiency", "Kosteneffizienz", "efficacité des coûts"),
    ("state support structures", "staatliche Unterstützung", "structures d'appui"),
    ("life-cycle costing", "Lebenszykluskosten", "coût du cycle de vie"),
    ("green construction", "grünes Bauen", "construction verte"),
    ("open contracting data", "offene Vertragsdaten", "données ouvertes"),
    ("social criteria", "soziale Kriterien", "critères sociaux"),
    ("SME access", "KMU-Zugang", "accès des PME"),
    ("circular economy", "Kreislaufwirtschaft", "économie circulaire"),
    ("climate-friendly tenders", "klimafreundliche Ausschreibungen", "appels d'offres verts"),
]
FORMATS = [
    ("Workshop", "Workshop", "Atelier"),
    ("Panel", "Podium", "Table ronde"),
    ("Regional exchange", "Regionaler Austausch", "Échange régional"),
    ("Clinic", "Sprechstunde", "Clinique"),
]
REGIONS = ["Europe", "Sub-Saharan Africa", "Latin America", "Asia", "MENA", "Pacific"]
FIRST = [
    "Ana",
    "João",
    "Fatou",
    "Klaus",
    "María",
    "Pierre",
    "Kwame",
    "Sophie",
    "Lucía",
    "Amina",
    "Jonas",
    "Zoë",
    "Chloé",
    "Thabo",
    "Inês",
    "Mateo",
    "Aïcha",
    "Björn",
    "Nomvula",
    "Renée",
]
LAST = [
    "Souza",
    "Müller",
    "Diop",
    "Mensah",
    "Fernández",
    "Lefèvre",
    "Martin",
    "Gómez",
    "Yusuf",
    "Weber",
    "Pereira",
    "Nkosi",
    "Okafor",
    "Dubois",
    "Schäfer",
    "Silva",
    "Ndiaye",
    "García",
]


def generate_csv(rng: random.Random) -> str:
    """Return a CSV programme of SESSIONS sessions over DAYS days."""
    rooms = [f"Room {i:02d}" for i in range(1, 17)]
    people = sorted({f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(400)})
    lines = ["id;date;start;duration;title;title_de;title_fr;room;track;type;speakers;language"]
    number = 0
    for day in range(DAYS):
        when = FIRST_DAY + timedelta(days=day)
        for slot in range(28):
            hour, minute = 8 + slot // 2, 30 * (slot % 2)
            for room in rooms:
                number += 1
                if number > SESSIONS:
                    return "\n".join(lines) + "\n"
                topic = rng.choice(TOPICS)
                fmt = rng.choice(FORMATS)
                region = rng.choice(REGIONS)
                speakers = "; ".join(rng.sample(people, rng.randint(1, 3)))
                lines.append(
                    f"{number};{when.isoformat()};{hour:02d}:{minute:02d};{rng.choice([30, 60])};"
                    f"{fmt[0]}: {topic[0]} in {region};{fmt[1]}: {topic[1]} ({region});"
                    f"{fmt[2]} : {topic[2]} ({region});{room};{topic[0]};{fmt[0].lower()};"
                    f'"{speakers}";{rng.choice(["en", "de", "fr", "es", "pt"])}'
                )
    return "\n".join(lines) + "\n"


FREE_TEXT = {
    "en": [
        "what's on tomorrow morning?",
        "when is the workshop on {topic}?",
        "where is the panel on {topic}?",
        "who speaks about {topic}?",
        "what's on now",
        "what is next",
        "sessions with {speaker}",
        "what's on at 2 pm",
        "what's in {room}",
    ],
    "de": [
        "was läuft morgen vormittag?",
        "wann ist der Workshop zu {topic}?",
        "was läuft jetzt",
        "wo ist die Mittagspause?",
        "wer spricht über {topic}?",
        "was läuft um 14 Uhr",
    ],
    "es": [
        "¿qué hay mañana?",
        "¿cuándo es el taller de {topic}?",
        "¿qué hay ahora?",
        "¿dónde es el panel sobre {topic}?",
        "¿qué hay mañana a las 10?",
    ],
    "fr": [
        "quelle est la prochaine session",
        "c'est où l'atelier sur la {topic} ?",
        "qu'est-ce qu'il y a demain matin ?",
        "qui parle de {topic} ?",
        "jour 3 à 14h30",
    ],
    "pt": [
        "o que há agora?",
        "quando é a oficina sobre {topic}?",
        "o que há amanhã às 15h?",
        "quem fala sobre {topic}?",
        "dia 2 à tarde",
    ],
}


def percentile(values: list[float], fraction: float) -> float:
    """Return the value below which ``fraction`` of the sorted values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run() -> None:
    """Run the benchmark and print its figures."""
    rng = random.Random(SEED)
    folder = Path(tempfile.mkdtemp(prefix="schedule-bench-"))
    source = folder / "programme.csv"
    source.write_text(generate_csv(rng), encoding="utf-8")

    started = time.perf_counter()
    programme: Programme = load_programme(source, timezone="Europe/Berlin")
    import_ms = (time.perf_counter() - started) * 1000

    db = Database(folder / "bench.sqlite3")
    await db.open()
    store = ScheduleStore(db)
    await store.prepare()
    started = time.perf_counter()
    await store.replace_programme(programme, datetime(2027, 3, 1, tzinfo=UTC))
    store_ms = (time.perf_counter() - started) * 1000

    start = programme.sessions[0].start
    span = (programme.ends_at or start) - start
    speakers = list(programme.speakers)
    rooms = list(programme.rooms)
    timings: dict[str, list[float]] = {}

    def timed(kind: str, call: Callable[..., object], *args: object) -> None:
        began = time.perf_counter()
        call(*args)
        timings.setdefault(kind, []).append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    understand("warm-up", "en", start, programme)  # builds the fuzzy index once
    index_ms = (time.perf_counter() - started) * 1000
    for _ in range(QUERIES):
        now = start + span * rng.random()
        kind = rng.choice(["today", "now", "next", "search", "speaker", "room", "free"])
        if kind == "today":
            timed(kind, programme.on_day, programme.day_of(now))
        elif kind == "now":
            timed(kind, programme.running_at, now)
        elif kind == "next":
            timed(kind, programme.next_after, now)
        elif kind == "speaker":
            name = rng.choice(speakers)
            timed(kind, programme.by_speaker, name)
        elif kind == "room":
            room = rng.choice(rooms)
            timed(kind, programme.in_room, room)
        elif kind == "search":
            words = rng.choice(TOPICS)[rng.randrange(3)]
            began = time.perf_counter()
            await store.search(words, 10)
            timings.setdefault(kind, []).append((time.perf_counter() - began) * 1000)
        else:
            lang = rng.choice(list(FREE_TEXT))
            column = {"de": 1, "fr": 2}.get(lang, 0)
            text = rng.choice(FREE_TEXT[lang]).format(
                topic=rng.choice(TOPICS)[column],
                speaker=rng.choice(speakers),
                room=rng.choice(rooms),
            )
            timed(f"free:{lang}", understand, text, lang, now, programme)
    await db.close()

    print(
        f"sessions: {len(programme.sessions)} over {len(programme.days)} days, "
        f"{len(rooms)} rooms, {len(speakers)} speakers"
    )
    print(f"import (parse + validate CSV): {import_ms:.1f} ms")
    print(f"store (replace_programme + FTS rebuild): {store_ms:.1f} ms")
    print(f"first question (builds the fuzzy index): {index_ms:.1f} ms")
    print(f"{'kind':<10} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    worst = 0.0
    for kind in sorted(timings):
        values = timings[kind]
        p99 = percentile(values, 0.99)
        worst = max(worst, p99)
        print(
            f"{kind:<10} {len(values):>6} {statistics.median(values):>8.3f} {p99:>8.3f} "
            f"{max(values):>8.3f}"
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mib:.1f} MiB")
    print(f"floor p99 <= 10 ms: {'met' if worst <= 10 else 'MISSED'} (worst p99 {worst:.3f} ms)")


if __name__ == "__main__":
    asyncio.run(run())
