"""The running bot's services, opened in ``post_init`` and closed in ``post_shutdown``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import metrics
from bot.announcements.service import AnnouncementService
from bot.announcements.telegram import Broadcaster
from bot.backup.service import ScheduledBackups
from bot.clock import Clock
from bot.config import Config
from bot.errors import ErrorReports
from bot.floodguard import FloodGuard
from bot.insight.service import InsightService
from bot.intros.service import Introductions
from bot.moderation.service import Moderation
from bot.privacy.service import Privacy
from bot.reminders.programme import LiveProgramme
from bot.reminders.service import Reminders
from bot.reminders.telegram import Dispatcher
from bot.schedule.service import ProgrammeListener, ScheduleService
from bot.telegram.delivery import Outbound
from bot.web.health import Liveness
from bot.web.service import WebService
from storage.announcements import Announcements
from storage.database import Database
from storage.insight import InsightStore
from storage.intros import IntroStorage
from storage.lock import RunLock
from storage.moderation import ModerationStore
from storage.participants import Participants
from storage.privacy import PrivacyStore
from storage.reminders import ReminderStore
from storage.schedule import ScheduleStore
from storage.web import WebStore


@dataclass
class Runtime:
    """Everything a handler may use, typed; one per Application."""

    config: Config
    db: Database
    clock: Clock
    participants: Participants
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
    privacy: Privacy
    insight: InsightService
    # When Telegram was last heard from (the health check reads it).
    liveness: Liveness
    # The Mini App's service; None when there is no [web] section.
    web: WebService | None
    # Held while the bot runs, so a restore knows to refuse; None for an in-memory database.
    run_lock: RunLock | None = None
    # Scheduled backups into storage.backups; None for an in-memory database.
    backups: ScheduledBackups | None = None
    # Which internal errors were reported to the modlog lately (each at most hourly).
    error_reports: ErrorReports = field(default_factory=ErrorReports)
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, config: Config, clock: Clock) -> Runtime:
        """Build the services for a configuration; nothing is opened yet."""
        db = Database(config.storage.database)
        db.write_observers.append(metrics.observe_write)
        participants = Participants(db)
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
            ReminderStore(db),
            LiveProgramme(schedule),
            config.reminders,
            clock,
            event_zone=config.event.timezone,
        )
        listeners.append(reminders.programme_listener)

        def last_day() -> date | None:
            programme = schedule.programme
            return programme.days[-1] if programme is not None and programme.days else None

        privacy = Privacy(
            PrivacyStore(db),
            config.privacy,
            clock,
            last_day=last_day,
            event_zone=config.event.timezone,
        )
        intros = Introductions(
            IntroStorage(db, participants.invalidate),
            config.introductions,
            clock,
            moderators=config.roles.moderators,
        )
        announcements = AnnouncementService(announcement_store, config, clock)
        moderation = Moderation(ModerationStore(db), config, clock)
        # What the forgotten person held in memory goes with their rows.
        privacy.forgotten += [
            participants.invalidate,
            intros.conversing.discard,
            announcements.awaiting.discard,
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
            flood_guard=FloodGuard(clock),
            outbound=Outbound(participants.mark_blocked),
            moderation=moderation,
            schedule=schedule,
            on_programme_changed=listeners,
            intros=intros,
            announcements=announcements,
            broadcast=Broadcaster(
                announcement_store,
                clock,
                concurrency=config.announcements.concurrency,
                progress_seconds=config.announcements.progress_seconds,
            ),
            reminders=reminders,
            # Few sends in flight: after a 429 pause PTB releases every waiting send at once.
            insight=InsightService(InsightStore(db), config, clock),
            reminder_dispatch=Dispatcher(
                reminders, Outbound(participants.mark_blocked, concurrency=4), config
            ),
            privacy=privacy,
            liveness=Liveness(clock),
            web=web,
        )

    async def open(self) -> None:
        """Take the database's lock, open it (applying migrations) and load the programme."""
        if self.run_lock is not None:
            self.run_lock.acquire()
        try:
            await self.db.open()
        except BaseException:
            if self.run_lock is not None:
                self.run_lock.release()
            raise
        await self.schedule.open()
        await self.intros.load()
        await self.reminders.open()
        if self.web is not None:
            await self.web.open()

    async def close(self) -> None:
        """Close what ``open`` opened; harmless to call twice."""
        await self.broadcast.stop()
        await self.db.close()
        if self.run_lock is not None:
            self.run_lock.release()
