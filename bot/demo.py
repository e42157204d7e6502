"""`linli demo`: a small seeded street in its own SQLite file, and a guide to trying it."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.console import PLATFORM, ConsoleChat
from bot.app import prepare_database
from bot.config import DeliverySettings
from bot.services.common import audit
from bot.services.common.access import Actor
from bot.services.common.quiet import QuietHours, span_of
from bot.services.community import circles, households, roles
from bot.services.community.grid import add_path, parse_address, resolve_place
from bot.services.community.people import ensure_identity
from bot.services.deliberation import polls
from bot.services.deliberation.poll_spec import parse_poll
from bot.services.volunteering.arranging import create_shifts
from bot.services.volunteering.notices import Duty
from bot.services.volunteering.rules import rules_for
from bot.services.volunteering.settings import VolunteeringSettings
from bot.services.volunteering.shift_spec import parse_shift
from bot.services.volunteering.signups import sign_up
from models import Circle, CircleKind, Identity, Place, Resident, Role

DEFAULT_FILE = "linli-demo.db"
DEMO_ACTION = "demo.seed"
DEMO_MARKER = "linli-demo"
STREET = "文化路街道"
# The demo street's own time zone, unless the operator's settings name another.
DEMO_ZONE = ZoneInfo("Asia/Shanghai")
DEMO_ROTA = "门岗值守 | 明天 08:00-12:00 每2小时 | 2人 | 2号门"
# (index of the rota's shift, volunteer)
DEMO_SIGNUPS = ((0, "u3"), (0, "u7"), (1, "u8"))
DEMO_POLL = "在2号门装电动车充电桩吗？ | 同意 | 不同意 | 截止 3天"
COMMUNITY = "红旗里社区"

# Estate -> building -> number of units; 幸福家园 skips building 4, as many estates do.
ESTATES: dict[str, dict[str, int]] = {
    "1号院": {"1号楼": 2, "2号楼": 2, "3号楼": 3},
    "2号院": {"1号楼": 3, "2号楼": 2},
    "幸福家园": {"1栋": 2, "2栋": 2, "3栋": 2, "5栋": 3},
}


@dataclass(frozen=True)
class Group:
    """A seeded console group: its chat id, title, place, circle kind and platform admins."""

    chat_id: str
    title: str
    place: str
    kind: CircleKind
    admins: tuple[str, ...]


GROUPS: tuple[Group, ...] = (
    Group("g1", "1号院邻里圈", f"{COMMUNITY}/1号院", CircleKind.NEIGHBOUR, ("u3",)),
    Group("g2", "2号院邻里圈", f"{COMMUNITY}/2号院", CircleKind.NEIGHBOUR, ("u17",)),
    Group("g3", "幸福家园邻里圈", f"{COMMUNITY}/幸福家园", CircleKind.NEIGHBOUR, ("u27",)),
    Group("g4", "红旗里社区党员圈", f"{STREET}/{COMMUNITY}", CircleKind.PARTY, ("sec", "u22")),
    Group("g5", "1号院3号楼楼栋群", f"{COMMUNITY}/1号院/3号楼", CircleKind.NEIGHBOUR, ("u1",)),
)
ESTATE_GROUPS = {"1号院": "g1", "2号院": "g2", "幸福家园": "g3"}
PARTY_GROUP = "g4"
# A building's own group, run by its building head: (chat, estate, building number).
BUILDING_GROUP = ("g5", "1号院", 3)

# (console user id, name, estate, building-unit-room); families share a household.
PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    ("sec", "王秀兰", "1号院", "2-2-101"),
    ("u1", "刘建国", "1号院", "3-1-201"),
    ("u2", "陈桂芳", "1号院", "3-1-201"),
    ("u3", "张丽", "1号院", "1-2-502"),
    ("u4", "王德明", "1号院", "1-1-101"),
    ("u5", "李秀英", "1号院", "3-2-402"),
    ("u6", "赵志强", "1号院", "3-2-402"),
    ("u7", "孙玉兰", "1号院", "2-1-301"),
    ("u8", "周海涛", "1号院", "2-2-602"),
    ("u9", "吴淑珍", "1号院", "1-1-302"),
    ("u10", "郑国华", "1号院", "3-3-101"),
    ("u11", "黄美玲", "1号院", "2-1-502"),
    ("u12", "马文博", "1号院", "3-2-201"),
    ("u13", "杨春梅", "2号院", "1-1-101"),
    ("u14", "胡建军", "2号院", "1-1-101"),
    ("u15", "朱红霞", "2号院", "1-2-301"),
    ("u16", "何永福", "2号院", "1-3-602"),
    ("u17", "高晓燕", "2号院", "2-1-402"),
    ("u18", "林志明", "2号院", "2-2-201"),
    ("u19", "罗淑华", "2号院", "2-2-201"),
    ("u20", "徐立新", "2号院", "1-2-502"),
    ("u21", "梁静", "2号院", "2-1-101"),
    ("u22", "宋宝山", "2号院", "1-3-201"),
    ("u23", "唐雪梅", "2号院", "2-2-702"),
    ("u24", "韩冬", "幸福家园", "1-1-1201"),
    ("u25", "冯婷婷", "幸福家园", "1-1-1201"),
    ("u26", "董卫东", "幸福家园", "2-2-803"),
    ("u27", "程晓雯", "幸福家园", "3-1-502"),
    ("u28", "曹凤英", "幸福家园", "5-1-101"),
    ("u29", "袁浩", "幸福家园", "5-2-1503"),
    ("u30", "邓丽华", "幸福家园", "2-1-302"),
    ("u31", "许文杰", "幸福家园", "3-2-1101"),
    ("u32", "傅玉珍", "幸福家园", "3-2-1101"),
    ("u33", "沈家豪", "幸福家园", "1-2-601"),
    ("u34", "曾慧敏", "幸福家园", "5-3-902"),
    ("u35", "彭国庆", "幸福家园", "2-2-402"),
    ("u36", "赵敏", "幸福家园", "2-1-601"),
)

# (console user id, role, place below the community; "" is the community itself).
ROLES: tuple[tuple[str, Role, str], ...] = (
    ("sec", Role.SECRETARY, ""),
    ("u36", Role.GRID_WORKER, ""),
    ("u1", Role.BUILDING_HEAD, "1号院/3号楼"),
    ("u31", Role.BUILDING_HEAD, "幸福家园/3栋"),
    ("u5", Role.UNIT_HEAD, "1号院/3号楼/2单元"),
    ("sec", Role.PARTY_MEMBER, ""),
    ("u1", Role.PARTY_MEMBER, ""),
    ("u7", Role.PARTY_MEMBER, ""),
    ("u15", Role.PARTY_MEMBER, ""),
    ("u22", Role.PARTY_MEMBER, ""),
    ("u26", Role.PARTY_MEMBER, ""),
    ("u3", Role.VOLUNTEER, ""),
    ("u7", Role.VOLUNTEER, ""),
    ("u8", Role.VOLUNTEER, ""),
    ("u18", Role.VOLUNTEER, ""),
    ("u30", Role.VOLUNTEER, ""),
)

GUIDE = """\
Linli demo 演示: 文化路街道/红旗里社区, 3 estates 小区 (1号院, 2号院, 幸福家园),
37 registered residents 居民, 5 circles 圈.

Groups 群:  g1 1号院邻里圈 · g2 2号院邻里圈 · g3 幸福家园邻里圈 · g4 红旗里社区党员圈
            g5 1号院3号楼楼栋群 (its building head's group)

Who you can be 可以扮演的人 (type :user ID):
  sec   王秀兰  社区书记, secretary of 红旗里社区: may do anything in the community
  u1    刘建国  楼长, building head of 1号院/3号楼 and admin of g5, 党员 (you start as u1)
  u3    张丽    admin of g1 1号院邻里圈, 志愿者
  u12   马文博  a plain resident of 1号院 (3-2-201)
  u40   nobody yet: an unregistered newcomer (any unknown id will do)

Try first 先试试:
  :chat g1             go to 1号院邻里圈
  /me                  my address, roles and circles (answered privately)
  :user sec            become the secretary...
  成员                 ...and see who is registered here (/members)
  :user u3             become the circle admin...
  /role @王德明 楼长   ...and make 王德明 building head of his building
  值班表               the duty rota of 1号院 (报名 2 signs up)
  投票 1 1             vote 同意 in the open poll on a charging point
  :user u40 小陈       become a newcomer named 小陈...
  登记 3-2-301         ...and register 3号楼2单元301 (then 登记 3-2-301 同意)

帮助 or /help shows what the current person may do; :help lists the console's
own commands; :quit leaves. Your changes stay in the demo file (--reset starts afresh)."""


class NotADemo(Exception):
    """The file exists and is not a demo database; the message is one line."""


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path.resolve()}"


def is_demo(path: Path) -> bool:
    """True when the SQLite file at `path` carries the demo marker; reads without writing."""
    # immutable=1 creates no -wal/-shm files; it is only exact when no WAL is pending.
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "immutable=1"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)) as con:
            if (
                con.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'"
                ).fetchone()
                is None
            ):
                return False
            return (
                con.execute("SELECT 1 FROM audit_log WHERE action = ?", (DEMO_ACTION,)).fetchone()
                is not None
            )
    except sqlite3.Error:
        return False


def open_demo(
    path: Path, now: datetime, *, reset: bool = False, zone: ZoneInfo = DEMO_ZONE
) -> bool:
    """Make `path` a seeded demo database; True when seeded now, False when reused.

    A file that exists without the demo marker raises NotADemo and is left untouched.
    Seeding happens in a staging file that replaces `path` only once it is complete;
    a staging file left by a failed run is removed by the next.
    """
    if path.exists():
        if not is_demo(path):
            raise NotADemo(
                f"{path} exists and is not a Linli demo database; refusing to touch it "
                "(choose another --file)"
            )
        if not reset:
            return False
    staging = path.with_name(f".seeding-{path.name}")
    _remove(staging)
    database = prepare_database(sqlite_url(staging))
    try:
        with database.transaction() as session:
            seed(session, now, zone)
    finally:
        database.dispose()
    _remove(path)
    os.replace(staging, path)
    return True


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def seed(session: Session, now: datetime, zone: ZoneInfo = DEMO_ZONE) -> None:
    """Create the demo street, residents, circles, roles, a rota and a poll; mark it a demo."""
    for estate, buildings in ESTATES.items():
        for building, units in buildings.items():
            for unit in range(1, units + 1):
                add_path(session, f"{STREET}/{COMMUNITY}/{estate}/{building}/{unit}单元")
    people: dict[str, Resident] = {
        user: ensure_identity(session, PLATFORM, user, name, now).resident
        for user, name, _estate, _address in PEOPLE
    }
    bound: dict[str, Circle] = {}
    for group in GROUPS:
        first, *others = group.admins
        bound[group.chat_id] = circles.attach_chat(
            session,
            now,
            circles.ChatSpec(PLATFORM, group.chat_id, group.title),
            resolve_place(session, group.place),
            group.kind,
            "",
            actor_id=None,
            admin=people[first],
        )
        for admin in others:
            roles.grant(
                session,
                now,
                people[admin],
                Role.CIRCLE_ADMIN,
                roles.Scope(circle=bound[group.chat_id]),
                roles.OPERATOR,
            )
    for user, _name, estate, address in PEOPLE:
        joined = circles.register(
            session, now, people[user], bound[ESTATE_GROUPS[estate]], address, consent=True
        )
        if joined.request is not None:
            # Families share a household: the one registered first agrees.
            family = households.occupants(session, joined.request.household)[0]
            circles.decide_join(session, now, family, joined.request.id, agree=True)
    chat, estate_name, number = BUILDING_GROUP
    for user, _name, estate, address in PEOPLE:
        if estate == estate_name and parse_address(address).building == number:
            circles.touch_member(session, now, bound[chat], people[user])
    community = resolve_place(session, f"{STREET}/{COMMUNITY}")
    for user, role, below in ROLES:
        place = resolve_place(session, f"{COMMUNITY}/{below}") if below else community
        roles.grant(session, now, people[user], role, roles.Scope(place=place), roles.OPERATOR)
        if role == Role.PARTY_MEMBER:
            circles.touch_member(session, now, bound[PARTY_GROUP], people[user])
    _seed_activity(session, now, zone, people, bound["g1"], community)
    audit.record(
        session, now, DEMO_ACTION, actor_id=None, place_id=community.id, marker=DEMO_MARKER
    )


def _seed_activity(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    people: dict[str, Resident],
    circle: Circle,
    community: Place,
) -> None:
    """A rota with volunteers signed up and an open poll: the first look shows a living circle."""
    secretary = Actor(people["sec"], circle)
    settings = VolunteeringSettings()
    rules = rules_for(session, community.id, settings)
    quiet = QuietHours(zone, span_of(DeliverySettings().quiet_hours))
    repost = timedelta(seconds=settings.roster_repost_seconds)
    duty = Duty(now, zone, settings, "zh-Hans", repost, quiet)
    rota = create_shifts(session, duty, secretary, circle, parse_shift(DEMO_ROTA, now, zone))
    for number, user in DEMO_SIGNUPS:
        sign_up(session, now, zone, people[user], rota.shifts[number], rules)
    spec = parse_poll(DEMO_POLL, now, zone)
    polls.open_poll(
        session, now, secretary, circle, spec, default_days=7, reminder_hours=24, quiet=quiet
    )


def prepare_chat(chat: ConsoleChat) -> None:
    """Declare the seeded groups and everyone's display name to the console chat."""
    with chat.app.db.transaction() as session:
        rows = session.execute(
            select(Identity.external_id, Identity.display_name).where(Identity.platform == PLATFORM)
        )
        chat.names.update((external_id, name) for external_id, name in rows)
    for group in GROUPS:
        chat.process({"chat": group.chat_id, "title": group.title, "admins": list(group.admins)})
