"""The bot's Prometheus metrics: one registry, the metric objects, and helpers to record them.

Telegram-free, so any module can import it and count what it does: the update processing
(updates handled by kind, reply latency), the outbound scheduler (sends by priority and outcome,
429s, queue depths), the database (write time) and the web side. Gauges that mirror rows in
SQLite (pending reminders, outbox rows) are set at scrape time by whoever serves ``/metrics``.
The metrics live in their own registry, not prometheus_client's global one, so that a test or
a benchmark running several bots in one process reads exactly these.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES_HANDLED = Counter(
    "forumbot_updates_handled",
    "Telegram updates processed, by kind (message, callback_query, ...).",
    ["kind"],
    registry=REGISTRY,
)
REPLY_LATENCY = Histogram(
    "forumbot_reply_latency_seconds",
    "Time from an update's arrival at the bot to the end of its handlers (replies included).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SENDS = Counter(
    "forumbot_sends",
    "Messages sent to Telegram, by priority (interactive, bulk, ...) and outcome.",
    ["priority", "outcome"],
    registry=REGISTRY,
)
FLOOD_WAITS = Counter(
    "forumbot_flood_waits",
    "429 Too Many Requests answers received from the Bot API.",
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "forumbot_outbound_queue_depth",
    "Sends waiting in the outbound scheduler, by priority.",
    ["priority"],
    registry=REGISTRY,
)
PENDING_REMINDERS = Gauge(
    "forumbot_pending_reminders",
    "Reminders and change notices stored and not yet sent (read at scrape time).",
    registry=REGISTRY,
)
OUTBOX_ROWS = Gauge(
    "forumbot_outbox_rows",
    "Announcement deliveries stored and not yet sent (read at scrape time).",
    registry=REGISTRY,
)
DATABASE_WRITE = Histogram(
    "forumbot_database_write_seconds",
    "Time each write (a statement or a transaction) held the database's one writer.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
WEBHOOK_REQUESTS = Counter(
    "forumbot_webhook_requests",
    "Webhook deliveries received, by outcome (accepted, duplicate, unauthorised, malformed).",
    ["outcome"],
    registry=REGISTRY,
)
WEB_REQUESTS = Counter(
    "forumbot_web_requests",
    "Requests to the web server, by route and status code.",
    ["route", "status"],
    registry=REGISTRY,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_update(kind: str, seconds: float) -> None:
    """Count one processed update of ``kind`` that took ``seconds`` from arrival to done."""
    UPDATES_HANDLED.labels(kind=kind).inc()
    REPLY_LATENCY.observe(seconds)


def observe_write(seconds: float) -> None:
    """Record how long one database write held the writer (a ``Database`` write observer)."""
    DATABASE_WRITE.observe(seconds)


def exposition() -> bytes:
    """Return every metric in Prometheus' text format."""
    return generate_latest(REGISTRY)
