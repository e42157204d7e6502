"""A community to deliberate in: two estate circles, a secretary and registered households."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from bot.adapters.console import console_platform
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, PlatformTraits, UserRef
from bot.services.common.access import Actor
from bot.services.common.quiet import default_quiet
from bot.services.community.binding import pending_request
from bot.services.community.circles import bound_chat
from bot.services.community.grid import resolve_place
from bot.services.community.people import find_identity
from bot.services.deliberation import ballots, polls, standings
from bot.services.deliberation.poll_spec import parse_poll
from models import Circle, Place, Poll, Resident
from tests.support.driver import PLATFORM, Driver

COMMUNITY = "红旗里社区"
REFRESH = timedelta(seconds=10)
# (user, room in 1号院 building 3 unit 2); r1 and r1b share a household.
HOUSEHOLDS = [("r1", "301"), ("r1b", "301"), ("r2", "302"), ("r3", "303"), ("r4", "304")]


def build(app: App, buttons: bool = True) -> Driver:
    """g1 (1号院, admin `owner`), g2 (2号院, admin `owner2`), secretary `sec`, households r1..r4."""
    driver = Driver(app, buttons=buttons)
    driver.seed_grid()
    driver.grant("sec", "书记", COMMUNITY)
    driver.say("sec", "/start", name="王书记")
    driver.group("g1", "1号院邻里圈", admins=("owner",))
    bind_approved(driver, "owner", "g1", "1号院", name="群主")
    driver.group("g2", "2号院邻里圈", admins=("owner2",))
    bind_approved(driver, "owner2", "g2", "2号院", name="二院群主")
    for user, room in HOUSEHOLDS:
        if user == "r1b":
            # r1 is registered there already and agrees that r1b lives with them.
            driver.say(user, f"登记 3-2-{room} 同意", "g1", name=user)
            assert "已登记" in driver.say("r1", "确认入户 1")[0].text
        else:
            register(driver, user, f"3-2-{room}")
    return driver


def text_style(db: Database, clock: VirtualClock, folder: Path) -> App:
    """An app whose console, like WeChat, has no buttons."""
    settings = Settings(general=GeneralSettings(data_dir=str(folder / "data")))
    return bootstrap(settings, clock, db=db, platforms=console_platform("text"))


def without_private_chats(db: Database, clock: VirtualClock, folder: Path) -> App:
    """An app whose console, like Telegram, may not write first to someone who never opened
    a private chat with the bot."""
    settings = Settings(general=GeneralSettings(data_dir=str(folder / "data")))
    traits = {PLATFORM: PlatformTraits(buttons=True, private_always_open=False)}
    return bootstrap(settings, clock, db=db, platforms=traits)


def building_circles(driver: Driver) -> None:
    """g4 bound to 1号院/3号楼 (admin `owner4`), g5 to 1号院/4号楼 (`owner5`), g6 to its unit 2
    (`owner6`); `bh` heads 3号楼 and `uh` its unit 2."""
    for chat, place in (("g4", "1号院/3号楼"), ("g5", "1号院/4号楼"), ("g6", "1号院/3号楼/2单元")):
        owner = f"owner{chat[1:]}"
        driver.group(chat, f"{place}邻里圈", admins=(owner,))
        bind_approved(driver, owner, chat, place)
    driver.grant("bh", "楼长", "1号院/3号楼")
    driver.grant("uh", "单元长", "1号院/3号楼/2单元")


def bind_approved(
    driver: Driver,
    admin: str,
    chat: str,
    place: str,
    name: str | None = None,
    secretary: str = "sec",
) -> None:
    """The group's platform admin asks to bind it and the secretary approves privately."""
    asked = driver.say(admin, f"/bind {place}", chat, name=name)
    assert any(s.private and s.chat == secretary for s in asked), asked
    with session_of(driver.app) as session:
        request = pending_request(session, PLATFORM, chat)
        assert request is not None
        number = request.id
    told = driver.say(secretary, f"批准绑定 {number}")
    assert any(s.chat == chat and "已绑定" in s.text for s in told), told


def register(driver: Driver, user: str, address: str, chat: str = "g1") -> None:
    """Register `user` at `address` through the chat, as a resident would."""
    answer = driver.one(user, f"登记 {address} 同意", chat, name=user)
    # Where the bot may not write first, the group's pointer says it is done.
    assert "登记好了" in answer.text or "刚才的事已办好" in answer.text, answer.text


@contextmanager
def session_of(app: App) -> Iterator[Session]:
    """One transaction on the app's database."""
    with app.db.transaction() as session:
        yield session


def resident(session: Session, user: str) -> Resident:
    """The resident behind a console user."""
    identity = find_identity(session, PLATFORM, user)
    assert identity is not None, user
    return identity.resident


def circle(session: Session, chat: str, platform: str = PLATFORM) -> Circle:
    """The circle a chat is bound to."""
    binding = bound_chat(session, platform, chat)
    assert binding is not None, chat
    return binding.circle


def community(session: Session) -> Place:
    """The test community."""
    return resolve_place(session, COMMUNITY)


def poll_of(session: Session, number: int) -> Poll:
    """Poll `number` of the test community."""
    return polls.find_poll(session, community(session), number)


def open_poll(
    app: App,
    text: str,
    user: str = "owner",
    chat: str = "g1",
    platform_admin: bool = True,
    reminder_hours: float = 24,
) -> int:
    """Open a poll through the service; returns its number."""
    now = app.clock.now()
    with session_of(app) as session:
        home = circle(session, chat)
        spec = parse_poll(text, now, app.dispatcher.zone)
        actor = Actor(resident(session, user), home, platform_admin)
        opened = polls.open_poll(
            session,
            now,
            actor,
            home,
            spec,
            default_days=7,
            reminder_hours=reminder_hours,
            quiet=default_quiet(app.settings),
        )
        return opened.number


def cast(app: App, user: str, number: int, *picks: int) -> ballots.Vote:
    """`user` votes through the service."""
    with session_of(app) as session:
        return ballots.cast(
            session,
            app.clock.now(),
            app.settings.secret,
            resident(session, user),
            poll_of(session, number),
            list(picks),
            refresh_every=REFRESH,
        )


def counts(app: App, number: int) -> list[int]:
    """Votes per option of a poll."""
    with session_of(app) as session:
        return [o.votes for o in standings.standing(session, poll_of(session, number)).options]


def bind_elsewhere(app: App, platform: str, chat: str, place: str, admin: str) -> None:
    """Bind a chat on another platform: its platform admin asks and the secretary approves."""
    incoming = Incoming(
        chat=ChatRef(platform, chat, ChatKind.GROUP, chat),
        user=UserRef(platform, admin, admin),
        event=EventKind.MESSAGE,
        text=f"/bind {place}",
        is_platform_admin=True,
    )
    app.dispatcher.handle(incoming)
    with session_of(app) as session:
        request = pending_request(session, platform, chat)
        assert request is not None
        number = request.id
    approval = Incoming(
        chat=ChatRef(PLATFORM, "sec", ChatKind.PRIVATE),
        user=UserRef(PLATFORM, "sec", "王书记"),
        text=f"批准绑定 {number}",
    )
    app.dispatcher.handle(approval)
    with session_of(app) as session:
        assert bound_chat(session, platform, chat) is not None


def due_besides_housekeeping(app: App, after: datetime) -> datetime | None:
    """When the app's own work next falls due, leaving the pruning of old delivery rows aside."""
    with app.db.transaction() as session:
        times = [
            due
            for work in app.scheduler.work
            if work.name != "prune-delivery" and (due := work.next_due(session, after)) is not None
        ]
    return min(times) if times else None
