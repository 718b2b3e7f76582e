"""The running bot's services, opened in ``post_init`` and closed in ``post_shutdown``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from telegram import Bot

from bot import metrics
from bot.afterforum.service import AfterForum
from bot.afterforum.telegram import AfterForumSender
from bot.announcements.service import AnnouncementService
from bot.announcements.telegram import Broadcaster
from bot.awaiting.service import AwaitedInputs
from bot.backup.service import ScheduledBackups
from bot.clock import Clock
from bot.config import Config
from bot.errors import ErrorReports
from bot.feedback import render as feedback_render
from bot.feedback.service import Feedback, Survey
from bot.feedback.telegram import FeedbackDispatcher
from bot.floodguard import FloodGuard
from bot.insight.service import InsightService
from bot.intros.service import Introductions
from bot.moderation.service import Moderation
from bot.notify import Notifier
from bot.participants.service import ParticipantService
from bot.privacy.service import Privacy
from bot.questions import render as questions_render
from bot.questions.service import Questions
from bot.questions.telegram import QuestionsTelegram
from bot.reminders.service import Reminders
from bot.reminders.telegram import Dispatcher
from bot.schedule.render import SessionButtons
from bot.schedule.service import ProgrammeListener, ScheduleService
from bot.telegram.delivery import BulkSender, Outbound
from bot.telegram.notifier import TelegramNotifier
from bot.telegram.ratelimit import Priority
from bot.web.health import Liveness
from bot.web.service import WebService
from storage.afterforum import AfterForumStore
from storage.announcements import Announcements
from storage.awaiting import AwaitedInputStore
from storage.database import Database
from storage.feedback import FeedbackStore
from storage.insight import InsightStore
from storage.intros import IntroStorage
from storage.lock import RunLock
from storage.moderation import ModerationStore
from storage.participants import Participants
from storage.privacy import PrivacyStore
from storage.questions import QuestionStore
from storage.reminders import ReminderStore
from storage.schedule import ScheduleStore
from storage.web import WebStore


@dataclass
class Runtime:
    """Everything a handler may use, typed; one per Application."""

    config: Config
    db: Database
    clock: Clock
    participants: ParticipantService
    notifier: Notifier
    inputs: AwaitedInputs
    flood_guard: FloodGuard
    outbound: Outbound
    moderation: Moderation
    schedule: ScheduleService
    # Called with the ScheduleDiff after every programme swap (reminders tell subscribers).
    on_programme_changed: list[ProgrammeListener]
    intros: Introductions
    announcements: AnnouncementService
    broadcast: Broadcaster
    reminders: Reminders
    reminder_dispatch: Dispatcher
    insight: InsightService
    privacy: Privacy
    # When Telegram was last heard from (the health check reads it).
    liveness: Liveness
    # The Mini App's service; None when there is no [web] section.
    web: WebService | None
    questions: Questions
    questions_telegram: QuestionsTelegram
    feedback: Feedback
    survey: Survey
    feedback_dispatch: FeedbackDispatcher
    after_forum: AfterForum
    after_forum_sender: AfterForumSender
    # Features' buttons under session cards and the "now running" list.
    session_buttons: list[SessionButtons]
    # Held while the bot runs, so a restore knows to refuse; None for an in-memory database.
    run_lock: RunLock | None = None
    # Scheduled backups into storage.backups; None for an in-memory database.
    backups: ScheduledBackups | None = None
    # Which internal errors were reported to the modlog lately (each at most hourly).
    error_reports: ErrorReports = field(default_factory=ErrorReports)
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls, config: Config, clock: Clock, bot: Bot, *, liveness: Liveness | None = None
    ) -> Runtime:
        """Build the services for a configuration; nothing is opened yet."""
        db = Database(config.storage.database)
        db.write_observers.append(metrics.observe_write)
        participant_store = Participants(db)
        participants = ParticipantService(
            participant_store,
            clock,
            default_language=config.event.default_language,
            event_zone=config.event.timezone,
        )
        listeners: list[ProgrammeListener] = []
        announcement_store = Announcements(db, config.event.default_language)
        schedule = ScheduleService(
            ScheduleStore(db),
            timezone=config.event.timezone,
            source=config.event.schedule,
            clock=clock,
            listeners=listeners,
        )
        reminders = Reminders(
            ReminderStore(db, config.event.default_language),
            schedule,
            config.reminders,
            clock,
            event_zone=config.event.timezone,
            community=config.chats.community,
            default_language=config.event.default_language,
        )
        listeners.append(reminders.programme_listener)
        inputs = AwaitedInputs(AwaitedInputStore(db), clock)
        notifier = TelegramNotifier(bot, participants, config)
        outbound = Outbound(participants.mark_blocked)
        broadcast = Broadcaster(
            announcement_store,
            bot,
            outbound,
            participants,
            concurrency=config.announcements.concurrency,
            progress_seconds=config.announcements.progress_seconds,
        )
        intros = Introductions(
            IntroStorage(db, participant_store.invalidate),
            inputs,
            config.introductions,
            clock,
            moderators=config.roles.moderators,
            notifier=notifier,
            contacts=participants,
            community=config.chats.community,
            event_name=config.event.name,
        )
        language = config.event.default_language
        # Bulk sends of the dialogue features: prompts, the survey's reminder, after-forum
        # messages, a session's top questions in the group.
        bulk = BulkSender(bot, Outbound(participants.mark_blocked, concurrency=8))
        question_store = QuestionStore(db)
        questions = Questions(question_store, schedule, config, clock)
        questions_telegram = QuestionsTelegram(
            questions, question_store, bulk, participants, notifier, config.chats.community
        )
        questions.notifier = questions_telegram
        feedback_store = FeedbackStore(db, language)
        feedback = Feedback(feedback_store, schedule, config, clock)
        survey = Survey(feedback_store, config.survey, clock)
        after_forum = AfterForum(AfterForumStore(db, language), schedule, config, clock, intros)
        privacy = _privacy(config, clock, db, schedule)
        moderation = Moderation(ModerationStore(db), config, clock, notifier)
        # Someone who starts the bot again gets back what others' records kept of them; what a
        # forgotten person held in memory goes with their rows.
        participants.arrived.append(privacy.welcome)
        privacy.forgotten += [
            participant_store.invalidate,
            inputs.forget,
            moderation.forget_member,
        ]
        database = config.storage.database
        web = (
            WebService(config, schedule, reminders, participants, WebStore(db), clock)
            if config.web is not None
            else None
        )
        return cls(
            config=config,
            db=db,
            clock=clock,
            run_lock=None if str(database) == ":memory:" else RunLock(database),
            backups=None
            if str(database) == ":memory:"
            else ScheduledBackups(
                database, config.storage.backups, config.storage.backup_keep, clock
            ),
            participants=participants,
            notifier=notifier,
            inputs=inputs,
            flood_guard=FloodGuard(clock),
            outbound=outbound,
            moderation=moderation,
            schedule=schedule,
            on_programme_changed=listeners,
            intros=intros,
            announcements=AnnouncementService(
                announcement_store, inputs, broadcast, config, clock
            ),
            broadcast=broadcast,
            reminders=reminders,
            insight=InsightService(InsightStore(db, config.event.default_language), config, clock),
            privacy=privacy,
            # Reminders due now go before announcements (the scheduler orders by priority).
            reminder_dispatch=Dispatcher(
                reminders,
                BulkSender(bot, Outbound(participants.mark_blocked, priority=Priority.URGENT)),
                config,
            ),
            liveness=liveness or Liveness(clock),
            web=web,
            questions=questions,
            questions_telegram=questions_telegram,
            feedback=feedback,
            survey=survey,
            feedback_dispatch=FeedbackDispatcher(feedback, survey, bulk),
            after_forum=after_forum,
            after_forum_sender=AfterForumSender(after_forum, survey, intros, bulk, config),
            session_buttons=[
                questions_render.QuestionButtons(questions.is_open),
                feedback_render.RateButton(feedback.can_rate_now),
            ],
        )

    async def open(self) -> None:
        """Take the database's lock, open it (applying migrations), load the programme and what
        is awaited, and resume what a stop interrupted."""
        if self.run_lock is not None:
            self.run_lock.acquire()
        try:
            await self.db.open()
        except BaseException:
            if self.run_lock is not None:
                self.run_lock.release()
            raise
        await self.schedule.open()
        await self.inputs.load()
        await self.reminders.open()
        await self.feedback.store.recover_in_flight()
        await self.after_forum.store.recover_in_flight()
        if self.web is not None:
            await self.web.open()
        await self.announcements.resume()

    async def close(self) -> None:
        """Close what ``open`` opened; harmless to call twice."""
        await self.broadcast.stop()
        await self.questions_telegram.close()
        await self.db.close()
        if self.run_lock is not None:
            self.run_lock.release()


def _privacy(config: Config, clock: Clock, db: Database, schedule: ScheduleService) -> Privacy:
    """Build the personal-data service; the purge date follows the live programme's last day."""

    def last_day() -> date | None:
        programme = schedule.programme
        return programme.days[-1] if programme is not None and programme.days else None

    return Privacy(
        PrivacyStore(db),
        config.privacy,
        clock,
        last_day=last_day,
        event_zone=config.event.timezone,
    )
