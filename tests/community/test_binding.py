"""Binding a chat needs the community's say, and the roster stays private (issue #9, 1 and 8)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import demo
from bot.app import App
from bot.context import Context
from bot.messages import EventKind, Reply
from bot.routing import Command, Router
from bot.services.common import access
from bot.services.community.binding import pending_request
from bot.services.community.circles import bound_chat
from bot.services.community.grid import resolve_place
from models import BindingRequest, BindingStatus, Role
from tests.support.community import build, resident, session_of
from tests.support.driver import PLATFORM, Driver, Sent

ATTACK = "红旗里社区/1号院"
POLL = "发起投票 修路吗 | 同意 | 不同意"


@pytest.fixture
def street(app: App) -> Driver:
    """The demo street: g1..g4 bound, secretary `sec`, building head u1 (刘建国) of 1号院/3号楼."""
    with session_of(app) as session:
        demo.seed(session, app.clock.now())
    driver = Driver(app)
    for group in demo.GROUPS:
        driver.group(group.chat_id, group.title, admins=group.admins)
    driver.group("g99", "新群", admins=("u99",))
    return driver


@pytest.fixture
def town(app: App) -> Driver:
    """tests/community.py's g1 and g2 with secretary `sec` and households r1..r4."""
    return build(app)


def _private(sent: list[Sent], user: str) -> list[Sent]:
    return [s for s in sent if s.private and s.chat == user]


def _in(sent: list[Sent], chat: str) -> list[Sent]:
    return [s for s in sent if s.chat == chat and not s.private]


def _head_of_building_3(app: App) -> bool:
    with session_of(app) as session:
        place = resolve_place(session, "1号院/3号楼")
        return access.holds(session, resident(session, "u1").id, Role.BUILDING_HEAD, place)


def _requests(app: App) -> list[tuple[str, BindingStatus]]:
    with session_of(app) as session:
        rows = session.scalars(select(BindingRequest).order_by(BindingRequest.id))
        return [(r.chat_id, r.status) for r in rows]


def test_a_strangers_group_asking_for_an_estate_gets_no_circle_data(street: Driver) -> None:
    asked = street.say("u99", f"/bind {ATTACK}", "g99", name="陌生人")
    assert "已提交绑定申请" in _in(asked, "g99")[0].text
    members = street.one("u99", "成员", "g99")
    assert "还没有绑定" in members.text and "3号楼" not in members.text
    poll = street.say("u99", POLL, "g99")
    assert [s.chat for s in poll] == ["g99"] and "还没有绑定" in poll[0].text
    revoke = street.one("u99", "设角色 @刘建国 -楼长", "g99")
    assert "还没有绑定" in revoke.text
    assert _head_of_building_3(street.app)
    with session_of(street.app) as session:
        assert bound_chat(session, PLATFORM, "g99") is None
        assert access.active_grants(session, resident(session, "u99").id) == []


def test_a_strangers_group_asking_for_the_party_circle_lists_nobody(street: Driver) -> None:
    asked = street.say("u99", "/bind 红旗里社区 党员圈", "g99", name="陌生人")
    assert "批准后，本群才成为党员圈" in _in(asked, "g99")[0].text
    members = street.say("u99", "成员", "g99")
    assert len(members) == 1 and "还没有绑定" in members[0].text
    assert not any("1号楼" in s.text or "刘建国" in s.text for s in members)


def test_a_building_typed_apart_from_its_estate_is_asked_for_not_named(street: Driver) -> None:
    asked = street.say("u99", "绑定 1号院 3号楼", "g99", name="陌生人")
    notice = _private(asked, "sec")[0].text
    assert "红旗里社区/1号院/3号楼 的邻里圈。" in notice and "「3号楼」" not in notice


@pytest.mark.parametrize(
    ("typed", "bound"),
    [
        ("绑定 1号院 3号楼 2单元", "红旗里社区/1号院/3号楼/2单元 的邻里圈。"),
        ("绑定 红旗里社区 1号院", "红旗里社区/1号院 的邻里圈。"),
        ("绑定 红旗里社区 党员圈", "红旗里社区 的党员圈。"),
        ("绑定 1号院 3号楼 党员圈 先锋", "红旗里社区/1号院/3号楼 的党员圈「先锋」"),
        ("绑定 1号院 先锋队", "红旗里社区/1号院 的邻里圈「先锋队」"),
        ("绑定 1号院 9号楼", "没找到「1号院/9号楼」"),
        ("绑定 1号院 Block A", "红旗里社区/1号院 的邻里圈「Block A」"),
        ("绑定 1号院 栋长群", "红旗里社区/1号院 的邻里圈「栋长群」"),
        ("绑定 1号院 3号楼 Unit Team", "红旗里社区/1号院/3号楼 的邻里圈「Unit Team」"),
        ("绑定 幸福家园 1号楼", "红旗里社区/幸福家园/1栋 的邻里圈。"),
        ("绑定 1号院 3栋", "红旗里社区/1号院/3号楼 的邻里圈。"),
        ("绑定 1号院 3座", "红旗里社区/1号院/3号楼 的邻里圈。"),
        ("绑定 3号楼", "红旗里社区/1号院/3号楼 的邻里圈。"),
        ("绑定 3幢", "有好几处：文化路街道/红旗里社区/幸福家园/3栋；文化路街道/红旗里社区/1号院"),
    ],
)
def test_a_place_goes_on_over_the_words_that_continue_its_path(
    street: Driver, typed: str, bound: str
) -> None:
    assert bound in street.one("sec", typed, "g99").text


def test_a_chat_approved_into_an_existing_circle_gives_its_admin_nothing(
    street: Driver,
) -> None:
    asked = street.say("u99", f"/bind {ATTACK}", "g99", name="陌生人")
    notice = _private(asked, "sec")[0]
    assert "陌生人" in notice.text and "新群" in notice.text and "1号院" in notice.text
    assert [label for row in notice.buttons for label, _ in row] == ["批准", "拒绝"]
    approved = street.say("sec", notice.tokens["批准"], event=EventKind.PRESS)
    assert "已批准" in _private(approved, "sec")[0].text
    assert "已绑定" in _in(approved, "g99")[0].text
    assert "只有本圈管理员" in street.one("u99", "成员", "g99").text
    poll = street.say("u99", POLL, "g99")
    assert [s.chat for s in poll] == ["g99"] and "管理员" in poll[0].text
    street.say("u99", "设角色 @刘建国 -楼长", "g99")
    assert _head_of_building_3(street.app)
    with session_of(street.app) as session:
        assert access.active_grants(session, resident(session, "u99").id) == []


def test_a_chat_approved_into_a_new_circle_makes_its_asker_the_admin(street: Driver) -> None:
    asked = street.say("u99", "绑定 红旗里社区/1号院/2号楼", "g99", name="陌生人")
    number = _number(street.app, "g99")
    assert f"批准绑定 {number}" in _private(asked, "sec")[0].text
    approved = street.say("sec", f"批准绑定 {number}")
    assert "已绑定" in _in(approved, "g99")[0].text
    members = street.say("u99", "成员", "g99")
    assert "已登记" in _in(members, "g99")[0].text and _private(members, "u99")
    assert _requests(street.app) == [("g99", BindingStatus.APPROVED)]


def test_a_rejected_request_binds_nothing_and_the_group_is_told(street: Driver) -> None:
    asked = street.say("u99", f"/bind {ATTACK}", "g99", name="陌生人")
    rejected = street.say("sec", _private(asked, "sec")[0].tokens["拒绝"], event=EventKind.PRESS)
    assert "已拒绝" in _private(rejected, "sec")[0].text
    assert "没有批准" in _in(rejected, "g99")[0].text
    again = street.one("sec", f"批准绑定 {_requests_ids(street.app)[0]}")
    assert "已经拒绝了" in again.text
    assert "还没有绑定" in street.one("u99", "成员", "g99").text
    assert _requests(street.app) == [("g99", BindingStatus.REJECTED)]


def test_only_the_communitys_secretaries_and_grid_workers_decide(street: Driver) -> None:
    street.say("u99", f"/bind {ATTACK}", "g99", name="陌生人")
    number = _number(street.app, "g99")
    for user in ("u1", "u3", "u99"):
        assert "没有等您批准" in street.one(user, f"批准绑定 {number}").text
    assert "没有等您批准" in street.one("u1", f"/rejectbind {number}").text
    assert "用法" in street.one("sec", "批准绑定 某个").text
    assert _requests(street.app) == [("g99", BindingStatus.PENDING)]
    listed = street.one("u36", "绑定申请")
    assert f"第 {number} 号" in listed.text and "新群" in listed.text
    assert "已批准" in _private(street.say("u36", f"批准绑定 {number}"), "u36")[0].text


def test_asking_again_is_not_duplicated_and_a_new_place_replaces_the_request(
    street: Driver,
) -> None:
    street.say("u99", f"/bind {ATTACK}", "g99", name="陌生人")
    first = _number(street.app, "g99")
    again = street.say("u99", f"/bind {ATTACK}", "g99")
    assert len(again) == 1 and "还在等" in again[0].text
    moved = street.say("u99", "/bind 红旗里社区/2号院", "g99")
    assert _private(moved, "sec")
    assert _requests(street.app) == [
        ("g99", BindingStatus.WITHDRAWN),
        ("g99", BindingStatus.PENDING),
    ]
    assert "已被新的申请" in street.one("sec", f"批准绑定 {first}").text


def test_nobody_to_approve_is_said_and_nothing_is_stored(app: App) -> None:
    driver = Driver(app)
    driver.seed_grid()
    driver.group("g5", "幸福家园群", admins=("owner",))
    answer = driver.one("owner", "/bind 幸福家园", "g5")
    assert "还没有社区书记" in answer.text and "linli role grant" in answer.text
    assert _requests(app) == []


def test_a_member_without_platform_admin_cannot_even_ask(street: Driver) -> None:
    answer = street.one("u98", f"/bind {ATTACK}", "g99")
    assert "只有社区书记或网格员" in answer.text
    assert _requests(street.app) == []


def test_secretaries_and_grid_workers_bind_directly(town: Driver) -> None:
    town.group("g6", "3号楼群")
    bound = town.say("sec", "/bind 1号院/3号楼", "g6")
    assert len(bound) == 1 and "已绑定" in bound[0].text
    town.grant("gw", "网格员", "红旗里社区/2号院")
    town.group("g7", "2号院1号楼群")
    assert "已绑定" in town.one("gw", "/bind 2号院/1号楼", "g7").text
    town.group("g8", "1号院群")
    assert "只有社区书记或网格员" in town.one("gw", "/bind 1号院/4号楼", "g8").text


def test_moving_a_bound_chat_needs_both_communities(town: Driver) -> None:
    town.grant("sec3", "书记", "幸福社区")
    before = town.snapshot()
    assert "改绑" in town.one("owner", "/bind 2号院", "g1").text
    assert "改绑" in town.one("sec", "/bind 幸福家园", "g1").text
    assert "改绑" in town.one("sec3", "/bind 幸福家园", "g1").text
    assert _unchanged(before, town.snapshot())
    town.grant("sec", "书记", "幸福社区")
    assert "已绑定" in town.one("sec", "/bind 幸福家园", "g1").text


def test_the_group_gets_counts_and_the_admin_gets_the_names_privately(town: Driver) -> None:
    town.say("talker", "大家好", "g1", name="路人")
    answers = town.say("owner", "成员", "g1")
    group = _in(answers, "g1")
    assert len(group) == 1
    assert "已登记 4 户、5 人" in group[0].text and "未登记 2 人" in group[0].text
    for word in ("301", "3号楼", "r1", "路人"):
        assert not any(word in s.text for s in group), word
    (roster,) = _private(answers, "owner")
    assert "r1（3号楼/2单元/301）" in roster.text and "路人" in roster.text


def test_a_pending_chat_sees_no_topics_polls_or_shifts(town: Driver) -> None:
    town.one("r1", "提议 修车棚", "g1")
    town.say("owner", POLL, "g1")
    town.group("g99", "新群", admins=("u99",))
    town.say("u99", "/bind 1号院", "g99")
    for command in ("议题", "结果", "值班表", "议事统计", "时长"):
        for answer in town.say("u99", command, "g99"):
            assert "修车棚" not in answer.text and "修路" not in answer.text, command


# Commands that show a community's boards, rotas, figures, topics and polls.
COMMUNITY_VIEWS = ("积分榜", "兑换目录", "诉求统计", "值班表", "议题", "议事统计", "结果 1")


def test_a_group_bound_to_no_circle_hears_nothing_of_a_residents_community(
    street: Driver,
) -> None:
    for command in (*COMMUNITY_VIEWS, "/rank", "/ack", "/ack 1", "/notgoing"):
        answers = street.say("u12", command, "g99")
        assert len(answers) == 1 and answers[0].chat == "g99", command
        assert "本群还没有绑定到社区" in answers[0].text, command
        assert "红旗里" not in answers[0].text and "门岗" not in answers[0].text, command


def test_everyday_chat_words_stay_the_chat_of_a_group_bound_to_no_circle(
    street: Driver,
) -> None:
    street.say("u12", "大家好", "g99")
    before = street.snapshot()
    for said in (
        "收到",
        "收到！",
        "收到👌",
        "已阅",
        "收 到",
        "收到 1",
        "收 到 1",
        "好的，收到",
        "我不去了",
        "不去了",
        "没解决，3天了",
        "解决了 2",
    ):
        assert street.say("u12", said, "g99") == [], said
    assert street.snapshot() == before


def test_a_group_bound_to_no_circle_keeps_any_command_typed_as_its_chat_word_as_chat(
    street: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered: list[str] = []

    def meet(ctx: Context, args: str) -> Reply:
        answered.append(args)
        return Reply("core.unknown_command", {"name": "meet"})

    meeting = Command("meet", ("开会",), meet, chat_words=True)
    router = Router([*street.app.router.commands, meeting])
    monkeypatch.setattr(street.app.dispatcher, "router", router)
    assert street.say("u12", "开会", "g99") == []
    refused = street.say("u12", "/meet", "g99")
    assert len(refused) == 1 and "本群还没有绑定到社区" in refused[0].text
    assert answered == []
    assert len(street.say("u12", "开会", "g1")) == 1 and answered == [""]


def test_a_group_bound_to_no_circle_still_helps_binds_and_answers_privately(
    street: Driver,
) -> None:
    help_here = street.one("u12", "帮助", "g99")
    assert "/me" in help_here.text and "值班表" not in help_here.text
    assert help_here.text.startswith("本群还没有绑定到社区")
    mine = street.say("u12", "我的", "g99")
    assert [s.private for s in mine] == [True, False] and "3号楼" in mine[0].text
    assert "详情已私聊发给您" in mine[1].text
    points = street.say("u12", "积分", "g99")
    assert [s.private for s in points] == [True, False]
    asked = street.say("u99", f"/bind {ATTACK}", "g99", name="陌生人")
    assert "已提交绑定申请" in _in(asked, "g99")[0].text


def test_help_in_a_group_bound_to_no_circle_lists_only_what_works_there(street: Driver) -> None:
    full = _private(street.say("u12", "帮助 全部", "g99"), "u12")[0].text
    listed = re.findall(r"^/([a-z]+)", full, re.MULTILINE)
    assert "me" in listed and "ack" not in listed and "rank" not in listed
    for name in listed:
        command = street.app.router.command(name)
        assert command is not None and command.anywhere, name


# A group title holding NUL, other control characters and bidi controls, and too long.
GARBLED_TITLE = "3号\x00楼\u202e群\x07\u2066友\u2069\n邻" + "长" * 200
CLEAN_TITLE = ("3号楼群友邻" + "长" * 200)[:128]


def _bound_title(app: App, chat: str) -> str:
    with session_of(app) as session:
        binding = bound_chat(session, PLATFORM, chat)
        assert binding is not None
        return binding.title


def test_a_garbled_group_title_is_stored_clean_when_bound(town: Driver) -> None:
    town.group("g6", GARBLED_TITLE)
    bound = town.say("sec", "/bind 1号院/3号楼", "g6")
    assert len(bound) == 1 and "已绑定" in bound[0].text
    assert _bound_title(town.app, "g6") == CLEAN_TITLE


def test_a_garbled_group_title_is_stored_clean_when_asked_and_approved(street: Driver) -> None:
    street.group("g98", GARBLED_TITLE, admins=("u99",))
    asked = street.say("u99", f"/bind {ATTACK}", "g98", name="陌生人")
    notice = _private(asked, "sec")[0]
    assert "3号楼群友邻" in notice.text and "\u202e" not in notice.text
    with session_of(street.app) as session:
        request = pending_request(session, PLATFORM, "g98")
        assert request is not None and request.chat_title == CLEAN_TITLE
    street.say("sec", notice.tokens["批准"], event=EventKind.PRESS)
    assert _bound_title(street.app, "g98") == CLEAN_TITLE


def _number(app: App, chat: str) -> int:
    with session_of(app) as session:
        request = pending_request(session, PLATFORM, chat)
        assert request is not None
        return request.id


def _requests_ids(app: App) -> list[int]:
    with session_of(app) as session:
        return list(session.scalars(select(BindingRequest.id).order_by(BindingRequest.id)))


def _unchanged(
    before: dict[str, list[tuple[object, ...]]], after: dict[str, list[tuple[object, ...]]]
) -> bool:
    ignored = {"audit_log", "identities", "residents", "memberships"}
    return {k: v for k, v in before.items() if k not in ignored} == {
        k: v for k, v in after.items() if k not in ignored
    }
