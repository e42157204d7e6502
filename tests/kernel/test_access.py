"""Who may do what, where: role × command × scope, through /help and by running the command."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services.common import access
from bot.services.community import roles
from bot.services.community.binding import pending_request
from bot.services.community.grid import resolve_place
from bot.services.community.people import ensure_identity
from models import DeliberationRules, Notice, Role, Topic
from tests.support.community import (
    bind_approved,
    build,
    circle,
    open_poll,
    register,
    resident,
    session_of,
)
from tests.support.driver import PLATFORM, Driver
from tests.support.volunteers import create

HERE, OTHER_CIRCLE, OTHER_COMMUNITY = "this circle", "another circle", "another community"
BUILDING = "a circle of building 3"
SCOPES = (HERE, OTHER_CIRCLE, OTHER_COMMUNITY, BUILDING)
# Roles sit relative to g1 (1号院, 红旗里社区); g2 is 2号院 there, g3 幸福家园 in 幸福社区,
# g4 the circle of 1号院/3号楼, whose building head is `bh` (and `uh` heads its unit 2 only).
USERS = {
    "resident": "r1",
    "volunteer": "vol",
    "party member": "party",
    "building head": "bh",
    "unit head": "uh",
    "grid worker": "gw",
    "circle admin of this circle": "ca1",
    "circle admin of another circle": "ca2",
    "platform admin of the founder chat": "padmin",
    "platform admin of a joined chat": "jadmin",
    "secretary of this community": "sec",
    "secretary of another community": "sec2",
}
GRANTS = [
    ("vol", "志愿者", "红旗里社区"),
    ("party", "党员", "红旗里社区"),
    ("bh", "楼长", "1号院/3号楼"),
    ("uh", "单元长", "1号院/3号楼/2单元"),
    ("gw", "网格员", "红旗里社区"),
]
CIRCLE_ADMINS = [("ca1", "1号院"), ("ca2", "2号院")]
CHATS = {HERE: "g1", OTHER_CIRCLE: "g2", OTHER_COMMUNITY: "g3", BUILDING: "g4"}
# What each scope's commands name: a sub-place to bind to, a household, a binding request's place.
SUB_PLACES = {
    HERE: "1号院/3号楼",
    OTHER_CIRCLE: "2号院/1号楼",
    OTHER_COMMUNITY: "幸福家园/1号楼",
    BUILDING: "1号院/3号楼/1单元",
}
HOUSEHOLDS = {
    HERE: "3-2-302",
    OTHER_CIRCLE: "1-1-101",
    OTHER_COMMUNITY: "1-1-101",
    BUILDING: "3-1-101",
}
REQUESTED = {
    HERE: ("n1", "1号院"),
    OTHER_CIRCLE: ("n2", "2号院"),
    OTHER_COMMUNITY: ("n3", "幸福家园"),
    BUILDING: ("n4", "1号院/4号楼"),
}

Allowed = dict[str, set[str]]
ADMINS: Allowed = {
    HERE: {
        "circle admin of this circle",
        "platform admin of the founder chat",
        "secretary of this community",
    },
    OTHER_CIRCLE: {"circle admin of another circle", "secretary of this community"},
    OTHER_COMMUNITY: {"secretary of another community"},
    BUILDING: {"secretary of this community"},
}
# Shifts and polls: also the heads of the circle's building or unit, never of a wider circle.
ORGANISERS: Allowed = ADMINS | {BUILDING: ADMINS[BUILDING] | {"building head"}}
SECRETARIES: Allowed = {
    HERE: {"secretary of this community"},
    OTHER_CIRCLE: {"secretary of this community"},
    OTHER_COMMUNITY: {"secretary of another community"},
    BUILDING: {"secretary of this community"},
}
BINDERS: Allowed = {
    HERE: {"secretary of this community", "grid worker"},
    OTHER_CIRCLE: {"secretary of this community", "grid worker"},
    OTHER_COMMUNITY: {"secretary of another community"},
    BUILDING: {"secretary of this community", "grid worker"},
}
CHECKERS: Allowed = {
    HERE: {"building head", "unit head", "grid worker"},
    OTHER_CIRCLE: {"grid worker"},
    OTHER_COMMUNITY: set(),
    BUILDING: {"building head", "grid worker"},
}


@dataclass(frozen=True)
class Case:
    """A command as typed (with the scope's numbers filled in), who may, and its refusals."""

    name: str
    text: str
    allowed: Allowed
    refusals: frozenset[str]
    private: bool = False


def _cases() -> list[Case]:
    def case(name: str, text: str, allowed: Allowed, *refusals: str) -> Case:
        return Case(name, text, allowed, frozenset(refusals), private=name == "approvebind")

    create_refusals = ("volunteering.admins_only", "volunteering.lead_own_area")
    # A shift one may not arrange is answered as one that does not exist.
    shift_refusals = ("volunteering.not_your_shift",)
    poll_refusals = ("deliberation.poll_admins_only", "deliberation.lead_own_area")
    close_refusals = ("deliberation.close_not_allowed", "deliberation.lead_own_area")
    return [
        case("members", "成员", ADMINS, "circles.admins_only"),
        case("role", "设角色 @tgt 志愿者", ADMINS, "roles.not_allowed"),
        case("poll", "发起投票 装路灯吗？ | 同意 | 不同意", ORGANISERS, *poll_refusals),
        case("pollset", "投票设置 {poll} 截止 5天", ORGANISERS, *close_refusals),
        case("close", "结束投票 {poll}", ORGANISERS, *close_refusals),
        case("decide", "决议 {topic} 修好路灯", ADMINS, "deliberation.topic_admins_only"),
        case("hot", "热点议题 {topic}", SECRETARIES, "deliberation.secretary_only"),
        case("threshold", "附议门槛 5", SECRETARIES, "deliberation.secretary_only"),
        case("shift", "排班 巡逻 | 2026-11-26 08:00-10:00 | 2人", ORGANISERS, *create_refusals),
        case("editshift", "修改班次 {shift} | 3人", ORGANISERS, *shift_refusals),
        case("attend", "确认出勤 {shift}", ADMINS, *shift_refusals),
        case("fixhours", "更正时长 {shift} @tgt 1小时", ADMINS, *shift_refusals),
        case("cancelshift", "取消班次 {shift}", ORGANISERS, *shift_refusals),
        case("dutyrules", "值班设置 缺勤 3次", SECRETARIES, "volunteering.secretary_only"),
        case("verify", "核验 {household}", CHECKERS, "households.checkers_only"),
        case("verifyrule", "户核验 开", SECRETARIES, "households.secretary_only"),
        case("approvebind", "批准绑定 {request}", BINDERS, "circles.no_such_bind_request"),
        # Last: a chat bound elsewhere changes what the other commands act on.
        case(
            "bind", "绑定 {sub}", BINDERS, "circles.bind_not_allowed", "circles.rebind_not_allowed"
        ),
    ]


def _town(app: App) -> tuple[Driver, dict[str, dict[str, object]]]:
    """Four circles in two communities, a joined chat, every role, and something to act on."""
    driver = build(app)
    driver.grant("sec2", "书记", "幸福社区")
    driver.group("g3", "幸福家园邻里圈", admins=("owner3",))
    bind_approved(driver, "owner3", "g3", "幸福家园", secretary="sec2")
    driver.group("gj", "1号院二群", admins=("jowner", "jadmin"))
    bind_approved(driver, "jowner", "gj", "1号院")
    driver.group("g4", "3号楼邻里圈", admins=("owner4",))
    bind_approved(driver, "owner4", "g4", "1号院/3号楼")
    driver.admins["g1"].add("padmin")
    register(driver, "r5", "1-1-101", chat="g2")
    register(driver, "r6", "1-1-101", chat="g3")
    register(driver, "r7", "3-1-101")
    driver.say("tgt", "你好", "g1")
    for user, role, place in GRANTS:
        driver.grant(user, role, place)
    with session_of(app) as session:
        for user, place in CIRCLE_ADMINS:
            admin = ensure_identity(session, PLATFORM, user, user, app.clock.now()).resident
            held = roles.scope_at(session, Role.CIRCLE_ADMIN, resolve_place(session, place))
            roles.grant(session, app.clock.now(), admin, Role.CIRCLE_ADMIN, held, roles.OPERATOR)
    numbers: dict[str, dict[str, object]] = {}
    for scope, proposer, owner in zip(
        SCOPES, ("r1", "r5", "r6", "r3"), ("owner", "owner2", "owner3", "owner4"), strict=True
    ):
        chat = CHATS[scope]
        driver.say(proposer, "提议 修路灯", chat)
        asker_chat, place = REQUESTED[scope]
        driver.group(asker_chat, asker_chat, admins=("asker",))
        driver.say("asker", f"绑定 {place}", asker_chat)
        with session_of(app) as session:
            request = pending_request(session, PLATFORM, asker_chat)
            assert request is not None
            request_number = request.id
        numbers[scope] = {
            "topic": _latest_topic(app, chat),
            "poll": open_poll(app, "装充电桩吗？ | 同意 | 不同意", user=owner, chat=chat),
            "shift": create(
                app, f"{chat}门岗 | 2026-11-25 08:00-10:00 | 2人", user=owner, chat=chat
            )[0],
            "request": request_number,
            "sub": SUB_PLACES[scope],
            "household": HOUSEHOLDS[scope],
        }
    return driver, numbers


def _latest_topic(app: App, chat: str) -> int:
    with session_of(app) as session:
        number = session.scalar(
            select(Topic.number).where(Topic.circle_id == circle(session, chat).id)
        )
        assert number is not None
        return number


def _chat(role: str, scope: str) -> str:
    if scope == HERE and role == "platform admin of a joined chat":
        return "gj"
    return CHATS[scope]


@pytest.mark.parametrize("role", list(USERS))
def test_who_may_do_what_where(app: App, role: str) -> None:
    driver, numbers = _town(app)
    user = USERS[role]
    help_keys = {c.name: c.help_key for c in app.dispatcher.router.commands}
    driver.say(user, "/help")  # the first private message records the private chat as open
    wrong = []
    for scope in SCOPES:
        chat = _chat(role, scope)
        driver.say(user, "/help 全部", chat)
        # In a group the list goes privately, with a note in the group that it did.
        (shown,) = [a for a in driver.answers if a.reply.template == "core.help"]
        visible = set(shown.reply.data["keys"])
        for case in _cases():
            allowed = role in case.allowed[scope]
            before = None if allowed else driver.snapshot()
            driver.say(
                user,
                case.text.format(**numbers[scope]),
                None if case.private else chat,
                mentions=("tgt",) if case.name == "role" else (),
            )
            templates = [a.reply.template for a in driver.answers]
            refused = len(templates) == 1 and templates[0] in case.refusals
            changed = before is not None and driver.snapshot() != before
            help_key = help_keys[case.name]
            if "core.internal_error" in templates or allowed == refused:
                wrong.append(f"{case.name} in {scope}: ran to {templates}")
            if refused and changed:
                wrong.append(f"{case.name} in {scope}: refused but changed something")
            if help_key and (help_key in visible) != allowed:
                wrong.append(f"{case.name} in {scope}: shown in /help: {help_key in visible}")
    assert not wrong, "\n".join(wrong)


def test_without_a_home_a_command_acts_in_the_community_of_a_role(app: App) -> None:
    driver = build(app)
    driver.say("sec", "附议门槛 5")
    (set_by_secretary,) = driver.answers
    assert set_by_secretary.reply.template == "deliberation.threshold_set"
    with session_of(app) as session:
        rules = session.get(DeliberationRules, resolve_place(session, "红旗里社区").id)
        assert rules is not None and rules.seconds_needed == 5
    driver.say("stranger", "/help")
    before = driver.snapshot()
    for command in ("议题", "附议门槛 3", "值班表"):
        driver.say("stranger", command)
        (answer,) = driver.answers
        assert answer.reply.template == "core.which_community"
    assert driver.snapshot() == before


def test_without_a_home_or_role_a_command_acts_in_the_community_of_ones_groups(app: App) -> None:
    driver = build(app)
    driver.say("owner", "排班 门岗 | 明天 08:00-10:00 | 2人", "g1")
    driver.say("newcomer", "大家好", "g1")
    listed = driver.one("newcomer", "值班表")
    assert "红旗里社区" in listed.text and "门岗" in listed.text, listed.text
    # Being in the groups is not living there: points still wait for a registered home.
    driver.say("newcomer", "兑换 1")
    (refused,) = driver.answers
    assert refused.reply.template == "points.register_first"
    driver.grant("sec2", "书记", "幸福社区")
    driver.group("g3", "幸福家园邻里圈", admins=("owner3",))
    bind_approved(driver, "owner3", "g3", "幸福家园", secretary="sec2")
    driver.say("newcomer", "大家好", "g3")
    driver.say("newcomer", "值班表")
    (answer,) = driver.answers
    assert answer.reply.template == "core.which_community"


def test_who_learns_of_a_notice_is_who_follows_up_the_households_it_reached(app: App) -> None:
    """A notice once sent is known to its sender, the secretaries and whoever follows up on
    households it reached (building heads, unit heads, grid workers of places there); a
    draft to its sender and the secretaries only; nobody else."""
    driver = build(app)
    grants = [
        ("bh", "楼长", "1号院/3号楼"),
        ("uh", "单元长", "1号院/3号楼/2单元"),
        ("gw", "网格员", "1号院"),
        ("gwu", "网格员", "1号院/3号楼/1单元"),
        ("bh2", "楼长", "2号院/1号楼"),
        ("uh2", "单元长", "2号院/1号楼/1单元"),
        ("gw2", "网格员", "2号院"),
    ]
    for user, role, place in grants:
        driver.grant(user, role, place)
    driver.say("sec", "通知 1号院 | 明天停水")
    driver.say("sec", "确认发送 1")
    driver.say("sec", "通知 全部 | 后天停电")
    seen = {"sec", "bh", "uh", "gw", "gwu"}
    with session_of(app) as session:
        home = resolve_place(session, "红旗里社区")
        sent, draft = (
            session.scalars(select(Notice).where(Notice.number == n)).one() for n in (1, 2)
        )
        for user in [*(g[0] for g in grants), "sec", "r1"]:
            viewer = resident(session, user).id
            assert access.sees_notice(session, viewer, home, sent) == (user in seen), user
            assert access.sees_notice(session, viewer, home, draft) == (user == "sec"), user
