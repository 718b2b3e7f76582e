"""The wiring: build the PTB Application for a configuration, with every handler in order."""

from __future__ import annotations

import logging
from typing import Any, TypeAlias

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
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
from bot.context import BotData, ForumContext
from bot.i18n import LANGUAGES, translator
from bot.processor import PerUserUpdateProcessor
from bot.ratelimit import MessageRateLimiter
from bot.runtime import Runtime
from handlers import announcements, core
from handlers.errors import on_error

logger = logging.getLogger(__name__)

# The bot and job-queue parameters stay Any: the builder's chained generics cannot name them.
ForumApplication: TypeAlias = Application[Any, ForumContext, Any, Any, BotData, Any]


def build_application(
    config: Config,
    token: str,
    *,
    clock: Clock = system_clock,
) -> ForumApplication:
    """Build the Application: services, rate limits and handlers, nothing opened yet."""
    telegram = config.telegram
    context_types = ContextTypes(context=ForumContext, bot_data=BotData)
    application: ForumApplication = (
        ApplicationBuilder()
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
            MessageRateLimiter(
                overall_max_rate=telegram.messages_per_second,
                overall_time_period=1,
                group_max_rate=telegram.group_messages_per_minute,
                group_time_period=60,
                max_retries=3,
            )
        )
        .get_updates_read_timeout(telegram.poll_timeout_seconds + 10)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data.runtime = Runtime.create(config, clock)
    _add_handlers(application)
    return application


def _add_handlers(application: ForumApplication) -> None:
    # Order matters: group -1 records the user and picks their language before anything else.
    for handler in core.middleware():
        application.add_handler(handler, group=-1)
    # Announcements before other features: its input handler matches only organisers who
    # were just asked to type something, and must see that message first.
    for module_handlers in (core.handlers(), announcements.handlers()):
        application.add_handlers(module_handlers)
    application.add_error_handler(on_error)


def runtime_of(application: ForumApplication) -> Runtime:
    """Return the application's runtime services."""
    runtime = application.bot_data.runtime
    if runtime is None:
        raise RuntimeError("application has no runtime")
    return runtime


async def _post_init(application: ForumApplication) -> None:
    runtime = runtime_of(application)
    await runtime.open()
    await announcements.startup(application)
    if runtime.config.telegram.set_commands:
        await _set_command_menus(application, runtime.config)


async def _post_shutdown(application: ForumApplication) -> None:
    await runtime_of(application).close()


async def _set_command_menus(application: ForumApplication, config: Config) -> None:
    """Register the command menus per language and, for staff, per chat."""
    bot = application.bot

    def menu(roles: set[Role], language: str) -> list[BotCommand]:
        tr = translator(language)
        return [BotCommand(c.name, tr(c.description)[:256]) for c in commands_for(roles)]

    try:
        await bot.set_my_commands(menu(set(), "en"))
        for language in LANGUAGES:
            await bot.set_my_commands(
                menu(set(), language),
                scope=BotCommandScopeAllPrivateChats(),
                language_code=language,
            )
        staff: dict[int, set[Role]] = {}
        for user_id in config.roles.organisers:
            staff.setdefault(user_id, set()).add(Role.ORGANISER)
        for user_id in config.roles.moderators:
            staff.setdefault(user_id, set()).add(Role.MODERATOR)
        for user_id, roles in staff.items():
            for language in LANGUAGES:
                await bot.set_my_commands(
                    menu(roles, language),
                    scope=BotCommandScopeChat(chat_id=user_id),
                    language_code=language,
                )
    except TelegramError as error:
        # A staff member who never opened the bot makes the chat scope fail; menus are a
        # convenience, so the bot runs on.
        logger.warning("could not set every command menu: %s", error)


def processor_of(application: Application[Any, Any, Any, Any, Any, Any]) -> PerUserUpdateProcessor:
    """Return the application's update processor (tests wait on it to settle)."""
    processor = application.update_processor
    if not isinstance(processor, PerUserUpdateProcessor):
        raise TypeError("application was not built by build_application")
    return processor
