"""The wiring: build the PTB Application for a configuration, with every handler in order."""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)

from bot.clock import Clock, system_clock
from bot.commands import Role, commands_for
from bot.config import Config
from bot.i18n import LANGUAGES, translator
from bot.logs import protect_token
from bot.runtime import Runtime
from bot.telegram.application import ArrivalQueue, ForumApplication
from bot.telegram.context import BotData, ForumContext
from bot.telegram.http import AiohttpRequest
from bot.telegram.polling import PollingRequest
from bot.telegram.processor import PerUserUpdateProcessor
from bot.telegram.ratelimit import Limits, OutboundScheduler, PaceClock
from bot.web.health import Liveness
from bot.web.telegram import WebFrontend
from handlers import (
    afterforum,
    announcements,
    awaiting,
    backup,
    core,
    feedback,
    insight,
    intros,
    moderation,
    privacy,
    questions,
    reminders,
    schedule,
    web,
)
from handlers.errors import on_error

logger = logging.getLogger(__name__)

# Where the running web server is kept in ``Runtime.extras``.
WEB = "web"

# HTTP connections to the Bot API: the outbound scheduler releases at most ~30 sends a second,
# and each takes a few milliseconds.
CONNECTIONS = 8

__all__ = ["ForumApplication", "build_application", "processor_of", "runtime_of", "scheduler_of"]


def build_application(
    config: Config,
    token: str,
    *,
    clock: Clock = system_clock,
    pace: PaceClock | None = None,
) -> ForumApplication:
    """Build the Application: services, rate limits and handlers, nothing opened yet.

    ``pace`` is where the outbound scheduler takes its time and timers from (the event loop's
    by default; the end-to-end tests drive a virtual one).
    """
    protect_token(token)
    telegram = config.telegram
    # Built before the Application: the polling request reports to it.
    liveness = Liveness(clock)
    context_types = ContextTypes(context=ForumContext, bot_data=BotData)
    polling = PollingRequest(
        liveness.reached_telegram, read_timeout=telegram.poll_timeout_seconds + 10
    )
    # Requests that find every connection busy wait for one (up to 30 s) instead of failing
    # after PTB's 1 s.
    request = AiohttpRequest(CONNECTIONS, pool_timeout=30.0)
    built = (
        ApplicationBuilder()
        .application_class(ForumApplication)
        .update_queue(ArrivalQueue())
        .token(token)
        .base_url(telegram.api_base_url)
        .base_file_url(telegram.file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(context_types)
        .concurrent_updates(PerUserUpdateProcessor())
        .rate_limiter(
            OutboundScheduler(
                Limits(
                    messages_per_second=telegram.messages_per_second,
                    chat_messages_per_second=telegram.chat_messages_per_second,
                    chat_burst=telegram.chat_burst_messages,
                    group_messages_per_minute=telegram.group_messages_per_minute,
                ),
                pace,
            )
        )
        .get_updates_request(polling)
        .request(request)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    if not isinstance(built, ForumApplication):
        raise TypeError("the builder ignored application_class")
    application = built
    application.requests = [polling, request]
    application.bot_data.runtime = Runtime.create(
        config, clock, application.bot, liveness=liveness
    )
    processor_of(application).gate = application.bot_data.runtime.flood_guard
    _add_handlers(application)
    _schedule_jobs(application)
    return application


def _add_handlers(application: ForumApplication) -> None:
    runtime = runtime_of(application)
    # Order matters: the community group's message counter sees every group message first;
    # group -1 records the user and picks their language before anything else.
    application.add_handlers(insight.counters(), group=insight.COUNTER_GROUP)
    for handler in core.middleware():
        application.add_handler(handler, group=-1)
    # The deep links (/start s_<id>, /start i_<code>) must come before the core /start. Answers
    # to a feature's prompt (awaited input) before the features' own commands and uploads, so an
    # organiser's document sent as an announcement body is not taken for a schedule file.
    conversations = [
        announcements.conversation(),
        intros.conversation(),
        questions.conversation(),
        feedback.conversation(),
    ]
    for module_handlers in (
        schedule.deep_links(),
        intros.deep_links(),
        core.handlers(),
        [awaiting.answers(runtime.inputs, conversations)],
        announcements.handlers(),
        moderation.handlers(),
        schedule.handlers(),
        intros.handlers(runtime.inputs),
        # Questions (a reply to the "now running" message among them) and feedback.
        [questions.cancel_handler(runtime.inputs)],
        questions.handlers(),
        feedback.handlers(),
        afterforum.handlers(),
        reminders.handlers(),
        privacy.handlers(),
        insight.handlers(),
        # Last in group 0: only what no feature took (unknown commands, stickers, voice,
        # button presses no feature knows).
        core.fallbacks(),
    ):
        application.add_handlers(module_handlers)
    # Group 1: moderation sees every group message (flood, newcomers' links) beside commands.
    application.add_handlers(moderation.watchers(), group=1)
    # Questions replied to the "now running" message in the group, after moderation saw them.
    application.add_handlers(questions.group_replies(), group=questions.GROUP_REPLIES)
    # Free-text questions last, so any feature's conversation in group 0 wins.
    application.add_handlers(schedule.free_text(), group=schedule.FREE_TEXT_GROUP)
    # After everything: the chat's Mini App menu button follows the user's language.
    application.add_handlers(web.handlers(), group=web.MENU_GROUP)
    application.add_error_handler(on_error)


def _schedule_jobs(application: ForumApplication) -> None:
    """Register every periodic job, all here; without a job queue the bot does not start."""
    job_queue = application.job_queue
    if job_queue is None:
        raise RuntimeError("forum-bot needs python-telegram-bot's job-queue extra")
    config = runtime_of(application).config
    for job in (
        *moderation.jobs(config),
        *privacy.jobs(),
        *reminders.jobs(config),
        *announcements.jobs(config),
        *backup.jobs(config),
        *feedback.jobs(config),
    ):
        job_queue.run_repeating(
            job.callback, interval=job.interval, first=job.first, name=job.name
        )


def runtime_of(application: ForumApplication) -> Runtime:
    """Return the application's runtime services."""
    runtime = application.bot_data.runtime
    if runtime is None:
        raise RuntimeError("application has no runtime")
    return runtime


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def _forum(application: AnyApplication) -> ForumApplication:
    if not isinstance(application, ForumApplication):
        raise TypeError("application was not built by build_application")
    return application


async def _post_init(any_application: AnyApplication) -> None:
    application = _forum(any_application)
    runtime = runtime_of(application)
    # initialize() has just reached the Bot API (getMe): Telegram was heard from.
    runtime.liveness.reached_telegram()
    await runtime.open()
    if runtime.config.telegram.set_commands:
        await _set_command_menus(application, runtime.config)
    if runtime.config.web is not None:
        frontend = WebFrontend(application)
        await frontend.start()
        runtime.extras[WEB] = frontend


async def _post_stop(application: AnyApplication) -> None:
    frontend = runtime_of(_forum(application)).extras.pop(WEB, None)
    if isinstance(frontend, WebFrontend):
        await frontend.stop()


async def _post_shutdown(application: AnyApplication) -> None:
    await _post_stop(application)
    await runtime_of(_forum(application)).close()


async def _set_command_menus(application: ForumApplication, config: Config) -> None:
    """Register the command menus per language and, for staff, per chat."""
    bot = application.bot

    def menu(roles: set[Role], language: str, *, in_group: bool = False) -> list[BotCommand]:
        tr = translator(language)
        return [
            BotCommand(c.name, tr(c.description)[:256])
            for c in commands_for(roles, in_group=in_group)
        ]

    calls: list[tuple[list[BotCommand], BotCommandScope | None, str | None]] = [
        (menu(set(), "en"), None, None)
    ]
    calls += [(menu(set(), lang), BotCommandScopeAllPrivateChats(), lang) for lang in LANGUAGES]
    for lang in (None, *LANGUAGES):
        calls.append(
            (menu(set(), lang or "en", in_group=True), BotCommandScopeAllGroupChats(), lang)
        )
        if config.chats.community is not None:
            admins = BotCommandScopeChatAdministrators(chat_id=config.chats.community)
            calls.append((menu({Role.MODERATOR}, lang or "en", in_group=True), admins, lang))
    staff: dict[int, set[Role]] = {}
    for user_id in config.roles.organisers:
        staff.setdefault(user_id, set()).add(Role.ORGANISER)
    for user_id in config.roles.moderators:
        staff.setdefault(user_id, set()).add(Role.MODERATOR)
    for user_id, roles in staff.items():
        calls.append((menu(roles, "en"), BotCommandScopeChat(chat_id=user_id), None))
        calls += [
            (menu(roles, lang), BotCommandScopeChat(chat_id=user_id), lang) for lang in LANGUAGES
        ]
    for commands, scope, language in calls:
        try:
            await bot.set_my_commands(commands, scope=scope, language_code=language)
        except TelegramError as error:
            # A staff member who never opened the bot makes their chat scope fail; menus are
            # a convenience, so the bot runs on.
            logger.warning("could not set a command menu (%s): %s", scope, error.message)


def processor_of(application: Application[Any, Any, Any, Any, Any, Any]) -> PerUserUpdateProcessor:
    """Return the application's update processor (tests wait on it to settle)."""
    processor = application.update_processor
    if not isinstance(processor, PerUserUpdateProcessor):
        raise TypeError("application was not built by build_application")
    return processor


def scheduler_of(application: Application[Any, Any, Any, Any, Any, Any]) -> OutboundScheduler:
    """Return the application's outbound scheduler (tests drive time by it, benches read it)."""
    limiter = application.bot.rate_limiter
    if not isinstance(limiter, OutboundScheduler):
        raise TypeError("application was not built by build_application")
    return limiter
