"""Configuration: a TOML file validated with pydantic, environment overrides, token from env.

Every key but a handful has a default. Unknown keys are errors that suggest the closest valid
key. ``FORUMBOT_<SECTION>__<KEY>`` overrides a key from the file; the bot token comes only from
``FORUMBOT_TOKEN``. Relative paths resolve against the folder of the configuration file.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.durations import parse_duration
from bot.i18n import LANGUAGES

TOKEN_ENV = "FORUMBOT_TOKEN"
ENV_PREFIX = "FORUMBOT_"


class Section(BaseModel):
    """A configuration table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_texts(value: dict[str, str], limit: int) -> dict[str, str]:
    if not value.get("en", "").strip():
        raise ValueError("needs an English text ('en'); other languages fall back to it")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown language {unknown[0]!r}; use en, de, es, fr or pt")
    for language, text in value.items():
        if len(text) > limit:
            raise ValueError(f"the {language!r} text is over {limit} characters")
    return value


class TelegramConfig(Section):
    """How to reach the Bot API."""

    api_base_url: str = "https://api.telegram.org/bot"
    api_file_url: str | None = None
    poll_timeout_seconds: int = Field(default=10, ge=0, le=50)
    messages_per_second: float = Field(default=29.0, gt=0, le=1000)
    group_messages_per_minute: int = Field(default=20, gt=0, le=60)
    chat_messages_per_second: float = Field(default=1.0, gt=0, le=30)
    chat_burst_messages: int = Field(default=3, ge=1, le=30)
    set_commands: bool = True
    # How updates arrive: long polling, or Telegram posting them to [web] public_url.
    mode: Literal["polling", "webhook"] = "polling"
    # Webhook connections Telegram may open at once (1-100).
    webhook_max_connections: int = Field(default=40, ge=1, le=100)

    @property
    def file_url(self) -> str:
        """Return the base URL for file downloads, derived from the API URL by default."""
        if self.api_file_url:
            return self.api_file_url
        base = self.api_base_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"


class EventConfig(Section):
    """The forum itself."""

    name: str = Field(min_length=1)
    timezone: str = "Europe/Berlin"
    schedule: Path | None = None
    default_language: Literal["en", "de", "es", "fr", "pt"] = "en"
    timezones_offered: list[str] = Field(
        default_factory=lambda: [
            "Europe/Berlin",
            "Europe/London",
            "Europe/Lisbon",
            "Africa/Lagos",
            "Africa/Nairobi",
            "Africa/Johannesburg",
            "Africa/Dakar",
            "America/Sao_Paulo",
            "America/Bogota",
            "America/Mexico_City",
        ]
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)

    @field_validator("timezones_offered")
    @classmethod
    def _known_zones(cls, value: list[str]) -> list[str]:
        return [_check_zone(zone) for zone in value]


class ChatsConfig(Section):
    """The chats the bot serves besides private ones."""

    community: int | None = None
    announcements: int | None = None
    modlog: int | None = None


class RolesConfig(Section):
    """Who may do what, by Telegram user id."""

    organisers: list[int] = Field(default_factory=list)
    moderators: list[int] = Field(default_factory=list)


class StorageConfig(Section):
    """Where the bot keeps its state."""

    database: Path = Path("forum-bot.sqlite3")
    # Scheduled backups by the running bot: every N hours (0: none), the newest N kept, into
    # this folder (default: "backups" beside the database).
    backup_every_hours: float = Field(default=0, ge=0, le=24 * 31)
    backup_keep: int = Field(default=14, ge=1, le=10_000)
    backup_folder: Path | None = None

    @property
    def backups(self) -> Path:
        """Return the folder scheduled backups go to."""
        return self.backup_folder or self.database.parent / "backups"


class RemindersConfig(Section):
    """Session reminders."""

    default_lead_minutes: int = Field(default=10, ge=1, le=240)
    late_grace_minutes: int = Field(default=15, ge=0, le=240)
    plenary_types: list[str] = Field(default_factory=lambda: ["plenary"])
    group_session_types: list[str] = Field(default_factory=lambda: ["plenary"])
    group_lead_minutes: int = Field(default=10, ge=1, le=240)
    group_morning_hour: int = Field(default=8, ge=-1, le=23)  # -1: no morning post
    dispatch_interval_seconds: float = Field(default=2.0, gt=0, le=60)
    dispatch_batch: int = Field(default=64, ge=1, le=1000)


class ModerationConfig(Section):
    """The community group's moderation: verified joins, warnings, flood control."""

    verify_newcomers: bool = True
    welcome_timeout_minutes: int = Field(default=10, ge=1, le=1440)
    newcomer_no_links_hours: int = Field(default=0, ge=0, le=720)
    warn_ladder: dict[int, str] = Field(default_factory=lambda: {3: "mute 24h", 5: "ban"})
    default_mute: str = "1h"
    flood_messages: int = Field(default=10, ge=2, le=19)
    flood_seconds: int = Field(default=5, ge=1, le=10)
    flood_mute: str = "1h"
    group_language: Literal["en", "de", "es", "fr", "pt"] | None = None
    rules: str = Field(default="", max_length=3000)
    report_limit: int = Field(default=5, ge=1, le=100)
    report_window_minutes: int = Field(default=60, ge=1, le=10080)
    report_digest_minutes: int = Field(default=2, ge=1, le=60)

    @field_validator("default_mute", "flood_mute")
    @classmethod
    def _is_duration(cls, value: str) -> str:
        if parse_duration(value) is None:
            raise ValueError(f"{value!r} is not a duration; write e.g. '30m', '24h' or '7d'")
        return value

    @field_validator("warn_ladder")
    @classmethod
    def _is_ladder(cls, value: dict[int, str]) -> dict[int, str]:
        for count, step in value.items():
            words = step.split()
            if count < 1:
                raise ValueError("warn_ladder counts start at 1")
            if not words or words[0] not in ("mute", "kick", "ban") or len(words) > 2:
                raise ValueError(f"{step!r}: write 'mute 24h', 'kick', 'ban' or 'ban 7d'")
            if words[0] == "kick" and len(words) > 1:
                raise ValueError(f"{step!r}: a kick has no duration")
            if len(words) == 2 and parse_duration(words[1]) is None:
                raise ValueError(f"{step!r}: {words[1]!r} is not a duration such as '24h'")
        return value


class ScheduleConfig(Section):
    """How the programme is shown."""

    place: str | None = Field(default=None, max_length=40)
    sessions_per_page: int = Field(default=12, ge=3, le=40)

    def place_label(self, timezone: str) -> str:
        """Return the label after the event's times: ``place``, else the zone's city."""
        return self.place or timezone.rsplit("/", 1)[-1].replace("_", " ")


class IntroductionsConfig(Section):
    """Participant profiles, the directory and introductions between participants."""

    topics: list[str] = Field(
        default_factory=lambda: [
            "e-procurement",
            "sustainability-criteria",
            "transparency-integrity",
            "cost-efficiency",
            "circular-economy",
            "sme-access",
            "state-support",
        ],
        min_length=1,
        max_length=30,
    )
    max_pending_requests: int = Field(default=5, ge=1, le=100)
    decline_cooldown_days: int = Field(default=30, ge=0, le=3650)
    self_intro_approval: bool = True

    @field_validator("topics")
    @classmethod
    def _topic_ids(cls, value: list[str]) -> list[str]:
        for topic in value:
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", topic):
                raise ValueError(
                    f"topic {topic!r} must be a short id of lower-case letters, digits and '-'"
                )
        if len(set(value)) != len(value):
            raise ValueError("topics must not repeat")
        return value


class PrivacyConfig(Section):
    """How long personal data is kept: the purge after the forum, and its advance notice."""

    # Days after the programme's last day; the purge runs at the start of that day.
    purge_after_days: int = Field(default=30, ge=0, le=3650)
    # Days before the purge that participants are told (0: not told).
    notice_days: int = Field(default=7, ge=0, le=60)


class AnnouncementsConfig(Section):
    """Organiser announcements."""

    concurrency: int = Field(default=32, ge=1, le=256)
    progress_seconds: float = Field(default=3.0, ge=0.5, le=60)
    check_seconds: float = Field(default=20.0, ge=0.01, le=600)


class QuestionsConfig(Section):
    """Questions to the panel of a session: when they may be asked, moderation, group posts."""

    # Asking (and voting) opens this many minutes before a session starts and closes this many
    # minutes after it ends.
    open_minutes_before: int = Field(default=15, ge=0, le=1440)
    close_minutes_after: int = Field(default=0, ge=0, le=1440)
    # Session types without questions (compared without case).
    skip_types: list[str] = Field(default_factory=lambda: ["break"])
    # New questions wait for a host's approval before others see them.
    premoderation: bool = False
    # The host view is edited at most this often, however many votes arrive.
    host_view_seconds: float = Field(default=2.0, ge=0.01, le=60)
    # How many of a session's top questions are posted to the community group when it ends
    # (0: none).
    post_top_to_group: int = Field(default=0, ge=0, le=10)


class FeedbackConfig(Section):
    """Ratings of sessions: who is asked, when, and how often at most."""

    # Minutes after a session ends before its feedback prompt goes out.
    delay_minutes: int = Field(default=10, ge=0, le=1440)
    # Session types that are rated (empty: every type but skip_types; compared without case).
    session_types: list[str] = Field(default_factory=list)
    skip_types: list[str] = Field(default_factory=lambda: ["break"])
    # No prompt between these hours (0-23) in the reader's own zone; equal values: no quiet time.
    quiet_start_hour: int = Field(default=21, ge=0, le=23)
    quiet_end_hour: int = Field(default=8, ge=0, le=23)
    # At most one prompt message per person within this many minutes.
    min_prompt_gap_minutes: int = Field(default=60, ge=1, le=1440)
    # A rating whose optional comment never came is submitted without it after this long.
    comment_wait_minutes: int = Field(default=30, ge=1, le=1440)
    # How often due prompts are looked for, in seconds, and how many people per round.
    dispatch_interval_seconds: float = Field(default=30.0, gt=0, le=3600)
    dispatch_batch: int = Field(default=200, ge=1, le=5000)


class SurveyQuestion(Section):
    """One question of the end-of-forum survey, with its text in each language."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,23}$")
    kind: Literal["rating", "choice", "text"]
    # The question in each language ("en" is required; others fall back to it).
    text: dict[str, str]
    # For "choice": the answers, each with its text per language ("en" required).
    choices: list[dict[str, str]] = Field(default_factory=list, max_length=8)
    optional: bool = False

    @field_validator("text")
    @classmethod
    def _has_english(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_texts(value, 500)

    @field_validator("choices")
    @classmethod
    def _choices_have_english(cls, value: list[dict[str, str]]) -> list[dict[str, str]]:
        return [_check_texts(choice, 60) for choice in value]

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> SurveyQuestion:
        if self.kind == "choice" and len(self.choices) < 2:
            raise ValueError(f"survey question {self.id!r}: a choice needs at least 2 choices")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"survey question {self.id!r}: only a choice has choices")
        return self


def _default_survey() -> list[SurveyQuestion]:
    return [
        SurveyQuestion(
            id="overall",
            kind="rating",
            text={
                "en": "How useful was the forum for your work?",
                "de": "Wie nützlich war das Forum für deine Arbeit?",
                "es": "¿Qué tan útil fue el foro para tu trabajo?",
                "fr": "Dans quelle mesure le forum a-t-il été utile pour votre travail ?",
                "pt": "Quão útil foi o fórum para o seu trabalho?",
            },
        ),
        SurveyQuestion(
            id="format",
            kind="choice",
            text={
                "en": "Which format helped you most?",
                "de": "Welches Format hat dir am meisten geholfen?",
                "es": "¿Qué formato te ayudó más?",
                "fr": "Quel format vous a le plus aidé ?",
                "pt": "Qual formato mais ajudou você?",
            },
            choices=[
                {
                    "en": "Plenaries",
                    "de": "Plenarsitzungen",
                    "es": "Plenarias",
                    "fr": "Plénières",
                    "pt": "Plenárias",
                },
                {
                    "en": "Workshops",
                    "de": "Workshops",
                    "es": "Talleres",
                    "fr": "Ateliers",
                    "pt": "Oficinas",
                },
                {
                    "en": "Regional exchanges",
                    "de": "Regionaler Austausch",
                    "es": "Intercambios regionales",
                    "fr": "Échanges régionaux",
                    "pt": "Intercâmbios regionais",
                },
                {
                    "en": "Networking",
                    "de": "Networking",
                    "es": "Networking",
                    "fr": "Réseautage",
                    "pt": "Networking",
                },
            ],
        ),
        SurveyQuestion(
            id="next",
            kind="text",
            optional=True,
            text={
                "en": "What should the next forum do differently?",
                "de": "Was sollte das nächste Forum anders machen?",
                "es": "¿Qué debería hacer diferente el próximo foro?",
                "fr": "Que devrait faire différemment le prochain forum ?",
                "pt": "O que o próximo fórum deveria fazer diferente?",
            },
        ),
    ]


class SurveyConfig(Section):
    """The end-of-forum survey, sent on the last day with the "after the forum" message."""

    enabled: bool = True
    # One reminder to those who have not finished, this many hours after the survey went out.
    reminder_after_hours: int = Field(default=20, ge=1, le=720)
    questions: list[SurveyQuestion] = Field(default_factory=_default_survey, max_length=20)

    @field_validator("questions")
    @classmethod
    def _unique_ids(cls, value: list[SurveyQuestion]) -> list[SurveyQuestion]:
        ids = [question.id for question in value]
        if len(set(ids)) != len(ids):
            raise ValueError("survey question ids must not repeat")
        return value


class AfterForumConfig(Section):
    """The "after the forum" message on the last day, and the community that stays."""

    enabled: bool = True
    # Hour (0-23, event zone) on the programme's last day when the message goes out.
    send_hour: int = Field(default=16, ge=0, le=23)
    # Day of the month (1-28) and hour (event zone) of the monthly /meet suggestion to those
    # who stay and asked for it.
    monthly_meet_day: int = Field(default=1, ge=1, le=28)
    monthly_meet_hour: int = Field(default=10, ge=0, le=23)


class WebConfig(Section):
    """The bot's web server: webhook, health, metrics and the programme's Mini App."""

    listen: str = "127.0.0.1:8080"
    public_url: str = ""

    @field_validator("listen")
    @classmethod
    def _is_address(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is not host:port, e.g. '127.0.0.1:8080'")
        return value

    @field_validator("public_url")
    @classmethod
    def _is_public_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError(
                f"{value!r} must be an https:// address (Telegram reaches webhooks and Mini "
                "Apps only over HTTPS); plain http is accepted for 127.0.0.1 when testing"
            )
        if parts.query or parts.fragment or not parts.hostname:
            raise ValueError(
                f"{value!r} must be a plain address such as https://forum.example.org"
            )
        return value.rstrip("/")

    @property
    def host(self) -> str:
        """Return the address to listen on."""
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        """Return the port to listen on."""
        return int(self.listen.rpartition(":")[2])


class LoggingConfig(Section):
    """What the bot logs."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": one JSON object per line, for log collectors (journald, Loki, Elasticsearch).
    format: Literal["text", "json"] = "text"


class Config(BaseSettings):
    """The whole configuration."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    telegram: TelegramConfig = TelegramConfig()
    event: EventConfig
    chats: ChatsConfig = ChatsConfig()
    roles: RolesConfig = RolesConfig()
    storage: StorageConfig = StorageConfig()
    reminders: RemindersConfig = RemindersConfig()
    moderation: ModerationConfig = ModerationConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    introductions: IntroductionsConfig = IntroductionsConfig()
    announcements: AnnouncementsConfig = AnnouncementsConfig()
    questions: QuestionsConfig = QuestionsConfig()
    feedback: FeedbackConfig = FeedbackConfig()
    survey: SurveyConfig = SurveyConfig()
    after_forum: AfterForumConfig = AfterForumConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    logging: LoggingConfig = LoggingConfig()
    # Absent: nothing listens (no webhook, health, metrics or Mini App).
    web: WebConfig | None = None

    @model_validator(mode="after")
    def _webhook_needs_web(self) -> Config:
        if self.telegram.mode == "webhook" and (self.web is None or not self.web.public_url):
            raise ValueError(
                "telegram.mode = 'webhook' needs a [web] section with public_url, the HTTPS "
                "address Telegram posts updates to"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Let environment variables override what the file (passed as init data) says."""
        return (env_settings, init_settings)

    @property
    def tz(self) -> ZoneInfo:
        """Return the event's time zone."""
        return ZoneInfo(self.event.timezone)

    def is_organiser(self, user_id: int) -> bool:
        """Tell whether the user is a configured organiser."""
        return user_id in self.roles.organisers

    def is_moderator(self, user_id: int) -> bool:
        """Tell whether the user is a configured moderator."""
        return user_id in self.roles.moderators


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin'"
        ) from None
    return value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration, said so that an operator can fix it."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_config(path: Path | str) -> Config:
    """Read, validate and resolve the configuration; ConfigError lists every problem."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise ConfigError(
            [Problem(where, "file not found; copy config.example.toml to config.toml and edit it")]
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([Problem(where, f"not valid TOML: {error}")]) from None
    except UnicodeDecodeError:
        raise ConfigError([Problem(where, "not UTF-8 text")]) from None
    problems = _token_problems(data, where)
    try:
        config = Config(**data)
    except ValidationError as error:
        problems += [_describe(where, item) for item in error.errors()]
    if problems:
        raise ConfigError(problems)
    config = _resolve_paths(config, path.parent.resolve())
    schedule = config.event.schedule
    if schedule is not None and not schedule.is_file():
        raise ConfigError(
            [
                Problem(
                    f"{where}: event.schedule",
                    f"schedule file {str(schedule)!r} not found; fix the path (relative paths "
                    "start at the configuration file's folder) or remove the key",
                )
            ]
        )
    return config


def bot_token() -> str | None:
    """Return the bot token from the environment, if set."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    return token or None


def _token_problems(data: dict[str, Any], where: str) -> list[Problem]:
    found = []
    if "token" in data:
        found.append("token")
    telegram = data.get("telegram")
    if isinstance(telegram, dict) and "token" in telegram:
        telegram.pop("token")
        found.append("telegram.token")
    data.pop("token", None)
    return [
        Problem(
            f"{where}: {key}",
            f"the bot token must not be written in a file; remove it and set {TOKEN_ENV} "
            "in the environment instead",
        )
        for key in found
    ]


def _describe(where: str, item: Any) -> Problem:
    loc = [str(part) for part in item["loc"]]
    key = ".".join(loc) or "(top level)"
    if item["type"] == "extra_forbidden":
        hint = _closest_key(loc)
        message = f"unknown key {loc[-1]!r}"
        if hint:
            message += f"; did you mean {hint!r}?"
        return Problem(f"{where}: {key}", message)
    if item["type"] == "missing":
        return Problem(f"{where}: {key}", "required key is missing")
    message = str(item["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return Problem(f"{where}: {key}", message[:1].lower() + message[1:])


def _closest_key(loc: list[str]) -> str | None:
    model: type[BaseModel] = Config
    for part in loc[:-1]:
        field = model.model_fields.get(part)
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    matches = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _resolve_paths(config: Config, base: Path) -> Config:
    def resolve(value: Path) -> Path:
        return value if value.is_absolute() else base / value

    event = config.event
    if event.schedule is not None:
        event = event.model_copy(update={"schedule": resolve(event.schedule)})
    database = config.storage.database
    storage = config.storage
    if str(database) != ":memory:":
        storage = storage.model_copy(update={"database": resolve(database)})
    if storage.backup_folder is not None:
        storage = storage.model_copy(update={"backup_folder": resolve(storage.backup_folder)})
    return config.model_copy(update={"event": event, "storage": storage})


def supported_languages() -> tuple[str, ...]:
    """Return the interface languages the bot ships."""
    return LANGUAGES
