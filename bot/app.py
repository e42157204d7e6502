"""The one wiring site: settings and a clock in, a ready application out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot import migrate
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database, is_sqlite
from bot.delivery import PostOffice
from bot.dispatcher import Dispatcher
from bot.messages import PlatformTraits
from bot.platforms import PLATFORMS
from bot.rendering import Renderer
from bot.routing import Router
from bot.scheduler import DueWork, Scheduler
from bot.services.common.quiet import default_quiet
from handlers.registry import COMMANDS, DIALOG, EVENTS, OWN_WORDS, SCHEDULED, SEEN, UNREAD


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
    if not is_sqlite(url):
        migrate.ensure_current(db.engine)
    elif not migrate.is_current(db.engine):
        migrate.upgrade(db.engine)
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
    renderer = Renderer(router)
    traits = {**PLATFORMS, **(platforms or {})}
    post_office = PostOffice(traits, default_quiet(settings), renderer.label)
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
        own_words=OWN_WORDS,
        unread=UNREAD,
    )
    return App(
        settings=settings,
        clock=clock,
        db=database,
        router=router,
        renderer=renderer,
        post_office=post_office,
        dispatcher=dispatcher,
        scheduler=Scheduler(
            database,
            post_office,
            [make(settings, language) for make in SCHEDULED] if work is None else work,
        ),
    )
