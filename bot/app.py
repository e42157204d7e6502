"""The one wiring site: settings and a clock in, a ready application out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot import migrate
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database, is_sqlite
from bot.delivery import PostOffice
from bot.dispatcher import Dispatcher
from bot.messages import PlatformTraits
from bot.pruning import PruneDelivery
from bot.rendering import Renderer
from bot.routing import Router
from bot.scheduler import DueWork, Scheduler
from bot.services.deliberation.schedule import (
    ClosePolls,
    RefreshTallies,
    RemindFollowUps,
    RemindVoters,
)
from bot.services.volunteering.schedule import DutyReminders, RosterReposts
from handlers.registry import COMMANDS, DIALOG, EVENTS, SEEN

# Each kind of scheduled work, made from the settings and the default language.
DUE_WORK: list[Callable[[Settings, str], DueWork]] = [
    ClosePolls,
    RemindVoters,
    RefreshTallies,
    RemindFollowUps,
    DutyReminders,
    lambda settings, language: RosterReposts(settings, language, PLATFORMS),
    PruneDelivery,
]
PLATFORMS: dict[str, PlatformTraits] = {
    "console": PlatformTraits(buttons=True, durable=False, private_always_open=True),
    "telegram": PlatformTraits(buttons=True, durable=True, private_always_open=False, edits=True),
    "wechat": PlatformTraits(buttons=False, durable=True, private_always_open=True, edits=False),
}


@dataclass
class App:
    """Everything a platform adapter needs."""

    settings: Settings
    clock: Clock
    db: Database
    router: Router
    renderer: Renderer
    post_office: PostOffice
    dispatcher: Dispatcher
    scheduler: Scheduler

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()


def prepare_database(url: str) -> Database:
    """Open the database; SQLite migrates itself, any other must already be migrated."""
    db = Database(url)
    if is_sqlite(url):
        migrate.upgrade(db.engine)
    else:
        migrate.ensure_current(db.engine)
    return db


def bootstrap(
    settings: Settings,
    clock: Clock,
    *,
    db: Database | None = None,
    default_language: str | None = None,
    platforms: Mapping[str, PlatformTraits] | None = None,
    work: list[DueWork] | None = None,
) -> App:
    """Wire the database, router, renderer, dispatcher and scheduler."""
    database = db or prepare_database(settings.database.url)
    language = default_language or settings.general.default_language
    router = Router(COMMANDS)
    post_office = PostOffice({**PLATFORMS, **(platforms or {})})
    dispatcher = Dispatcher(
        database,
        clock,
        router,
        EVENTS,
        SEEN,
        post_office,
        zone_name=settings.general.timezone,
        default_language=language,
        settings=settings,
        dialog=DIALOG,
    )
    return App(
        settings=settings,
        clock=clock,
        db=database,
        router=router,
        renderer=Renderer(router),
        post_office=post_office,
        dispatcher=dispatcher,
        scheduler=Scheduler(
            database,
            post_office,
            [make(settings, language) for make in DUE_WORK] if work is None else work,
        ),
    )
