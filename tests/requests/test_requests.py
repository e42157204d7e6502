"""Requests (接诉即办): routing, the chain, deadlines climbing it, reporters' answers, privacy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.messages import Media, MediaKind
from bot.services import requests
from bot.services.community.grid import ENGLISH_ADDRESS_WORDS, full_name, resolve_place
from bot.services.community.people import ensure_identity
from bot.services.community.roles import OPERATOR, Scope, grant
from models import (
    Layer,
    OutboxMessage,
    PlaceKind,
    Request,
    RequestCategory,
    RequestRules,
    RequestStatus,
    RequestStep,
    Role,
    StepKind,
)
from tests.support.chain import chain_town, keeper, to
from tests.support.community import (
    COMMUNITY,
    building_circles,
    register,
    resident,
    session_of,
)
from tests.support.driver import Driver
from tests.support.telegram_town import GROUP, Town


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with its request chain (see tests/support/chain.py)."""
    return chain_town(app)


def _tick(app: App, **delta: float) -> list[tuple[str, str]]:
    """Move the virtual clock, run what falls due, and return (chat, text) of what went out."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + timedelta(**delta)
    sent = [e for _, batch in app.scheduler.run_until(clock.now(), end, clock.set) for e in batch]
    return [
        (
            e.target.chat_id,
            app.renderer.render(e.reply, e.language, html_mode=False, buttons=False).text,
        )
        for e in sent
    ]


def _steps(app: App, kind: StepKind) -> int:
    with session_of(app) as session:
        query = select(func.count()).select_from(RequestStep).where(RequestStep.kind == kind)
        return session.scalar(query) or 0


def test_a_report_in_a_circle_goes_to_the_member_covering_the_building(town: Driver) -> None:
    answers = town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    group = [s for s in answers if s.chat == "g1"]
    assert len(group) == 1 and "编号 1" in group[0].text and "路灯" not in group[0].text
    assert "公共设施" in to(answers, "r1") and "李党员" in to(answers, "r1")
    assert "14:00 前接单" in to(answers, "r1")
    assigned = to(answers, "li")
    assert "3号楼门口路灯坏了" in assigned and "r1，1号院/3号楼/2单元/301" in assigned
    assert {s.chat for s in answers} == {"g1", "r1", "li"}


@pytest.mark.parametrize(
    ("typed", "category"),
    [
        ("楼道灯坏了三天了", "公共设施"),
        ("樓道燈不亮", "公共设施"),
        ("二单元声控灯晚上不亮", "公共设施"),
        ("家里暖气不热", "物业"),
        ("家里水管漏水", "物业"),
        ("厨房的灯不亮", "物业"),
        ("楼道水管漏水", "公共设施"),
        ("楼上太吵", "邻里纠纷"),
    ],
)
def test_common_complaints_are_sorted_without_a_category_named(
    town: Driver, typed: str, category: str
) -> None:
    assert f"（{category}）" in to(town.say("r1", f"报修 {typed}"), "r1")


@pytest.mark.parametrize(
    ("typed", "category", "kept"),
    [
        (
            "neighbour dispute: the family upstairs is noisy every night",
            RequestCategory.DISPUTE,
            "the family upstairs is noisy every night",
        ),
        (
            "Public order strangers in the stairwell at night",
            RequestCategory.SECURITY,
            "strangers in the stairwell at night",
        ),
        ("property management: lift fees", RequestCategory.PROPERTY, "lift fees"),
        ("鄰里糾紛 樓上很吵", RequestCategory.DISPUTE, "樓上很吵"),
        ("the lift is broken", RequestCategory.FACILITIES, "the lift is broken"),
        ("streetlight broken at gate 2", RequestCategory.FACILITIES, "streetlight broken"),
        ("strangers in the stairwell at night", RequestCategory.SECURITY, "strangers"),
        ("the family upstairs is noisy", RequestCategory.DISPUTE, "the family"),
        ("Rubbish piling up by block 3", RequestCategory.SANITATION, "Rubbish"),
        ("no heating in flat 201", RequestCategory.PROPERTY, "no heating"),
        ("a water pipe leaking in my kitchen", RequestCategory.PROPERTY, "a water pipe"),
        ("a flight of steps outdoors", RequestCategory.OTHER, "a flight"),
    ],
)
def test_english_category_names_and_common_words_sort_a_report(
    town: Driver, typed: str, category: RequestCategory, kept: str
) -> None:
    town.one("r1", "/lang en")
    answers = town.say("r1", f"/report {typed}")
    assert "We have your report, number 1" in to(answers, "r1")
    with session_of(town.app) as session:
        found = session.scalars(select(Request)).one()
        assert found.category == category and found.text.startswith(kept)


def test_the_english_help_gives_an_english_report_example(town: Driver) -> None:
    town.one("r1", "/lang en")
    helped = town.one("r1", "/help").text
    assert '/report text — report a problem, e.g. "/report lift broken"' in helped
    assert "报修" not in helped


def test_a_report_of_danger_gives_the_emergency_numbers_first(town: Driver) -> None:
    answers = town.say("r1", "求助 3号楼着火了", "g1")
    assert answers[0].chat == "g1" and "着火打 119" in answers[0].text
    assert "编号 1" in answers[1].text
    private = town.say("r2", "求助：我家老人摔倒了")
    assert private[0].chat == "r2" and "急病、受伤打 120" in private[0].text
    assert all("119" not in s.text for s in town.say("r3", "报修 楼道灯坏了", "g1"))


@pytest.mark.parametrize(
    ("typed", "danger"),
    [
        ("my mother fell in the bathroom", True),
        ("FIRE in the bin room of block 3", True),
        ("thick smoke in the stairwell", True),
        ("a gas leak in flat 201, it smells", True),
        ("the old man upstairs has fallen", True),
        ("Help me, my husband is unconscious", True),
        ("a child is bleeding by the gate", True),
        ("please help, the stair light is broken", False),
        ("the fire door on floor 2 will not close", False),
        ("fireworks every night after ten", False),
    ],
)
def test_english_words_of_danger_give_the_emergency_numbers_first(
    town: Driver, typed: str, danger: bool
) -> None:
    town.one("r1", "/lang en")
    answers = town.say("r1", f"/report {typed}")
    assert ("call now: 119" in answers[0].text) is danger
    assert "We have your report, number 1" in to(answers, "r1")
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().text == typed


def test_routing_by_category_the_grid_worker_and_the_secretary_when_nobody_covers(
    town: Driver,
) -> None:
    town.grant("gw", "网格员", "红旗里社区/1号院")
    town.say("gw", "/start", name="孙网格员")
    assert "物业 3 天" in town.one("sec", "诉求规则").text
    assert "白天 6 小时内" in town.one("sec", "诉求规则 接单 6小时").text
    assert "治安 2 天" in town.one("sec", "诉求规则 治安 两天").text
    assert "直接交网格员：治安" in town.one("sec", "诉求规则 治安 网格员").text
    security = town.say("r1", "求助 楼道里有陌生人转悠")
    assert "治安" in to(security, "r1") and "孙网格员" in to(security, "r1")
    assert "陌生人" in to(security, "gw") and to(security, "li") == ""
    named = town.say("r2", "反映 物业 小区门口的路灯不亮")
    assert "（物业）" in to(named, "r2") and "李党员" in to(named, "r2")
    register(town, "r9", "1-1-101", chat="g2")
    nobody = town.say("r9", "报修 下水道堵塞十二年了", "g2")
    assert "环境卫生" in to(nobody, "r9") and "社区王书记" in to(nobody, "r9")
    assert "下水道" in to(nobody, "sec")
    assert "逐级" not in town.one("sec", "诉求规则 治安 逐级").text.split("修改")[0]
    after = town.say("r1", "报修 楼道里有陌生人敲门")
    assert "李党员" in to(after, "r1")


def test_request_rules_are_set_in_english_words(town: Driver) -> None:
    town.one("sec", "/lang en")
    assert "public order 2 days" in town.one("sec", "/requestrules public order 2 days").text
    assert "6 daytime hours" in town.one("sec", "/requestrules accept 6 hours").text
    grid = town.one("sec", "/requestrules neighbour dispute grid").text
    assert "Straight to the grid worker: neighbour dispute" in grid
    assert '"/requestrules public order 1 day"' in grid and "治安" not in grid
    usage = town.one("sec", "/requestrules public order soon").text
    assert '"/requestrules accept 4 hours"' in usage and "接单" not in usage
    with session_of(town.app) as session:
        rules = session.scalars(select(RequestRules)).one()
        assert rules.accept_hours == 6 and rules.solve_days == {"security": 2}
        assert rules.routes == {"dispute": "grid"}


def test_unanswered_requests_climb_every_layer_once_across_a_restart(town: Driver) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    first = dict(_tick(app, hours=4, minutes=1))
    assert "下一层超时未办" in first["wang"] and "王中心户" in first["r1"]
    assert "没有按时接单" in first["r1"] and "办好" not in first["r1"]
    second = dict(_tick(app, hours=4))
    assert set(second) == {"zhang", "r1"}
    # 18:00 plus four hours of daytime: 21:30, then half an hour after 07:30.
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    app.close()
    restarted = bootstrap(app.settings, clock, db=app.db)
    night = _tick(restarted, hours=13, minutes=30)
    assert [chat for chat, _ in night] == []
    morning = dict(_tick(restarted, minutes=40))
    assert set(morning) == {"sec", "r1"} and "社区" in morning["r1"]
    assert restarted.scheduler.tick(clock.now()) == []
    top = dict(_tick(restarted, hours=4))
    assert "已超时" in top["sec"]
    # Nothing more moves; only the secretary's weekday overdue list comes each morning.
    later = _tick(restarted, days=5)
    assert later and all(chat == "sec" and "超时诉求 1 件" in text for chat, text in later)
    assert _steps(restarted, StepKind.ESCALATED) == 3
    assert _steps(restarted, StepKind.OVERDUE) == 1
    listed = Driver(restarted).one("sec", "诉求").text
    assert "超时的：" in listed and "1 号" in listed
    restarted.close()


def test_a_request_taken_in_the_night_is_not_pushed_to_its_owner_in_the_morning(
    town: Driver,
) -> None:
    app = town.app
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    night = datetime.combine(clock.now().astimezone(app.settings.zone).date(), datetime.min.time())
    clock.set(night.replace(hour=23, tzinfo=app.settings.zone))
    reported = town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("r1", "报修 3号楼楼道堆满了杂物", "g1")
    assert to(reported, "li") == ""
    assert "李党员接单" not in to(town.say("li", "接单 1"), "r1")
    morning = _tick(app, hours=9)
    asked = [text for chat, text in morning if chat == "li"]
    assert len(asked) == 1 and "诉求 2" in asked[0] and "诉求 1" not in asked[0]
    assert any(chat == "r1" and "李党员接单" in text for chat, text in morning)


def test_no_deadline_to_take_or_to_solve_runs_out_in_quiet_hours(town: Driver) -> None:
    app = town.app
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    # Monday 17:30: four hours of daytime to take it end as quiet hours (21:30) begin.
    clock.set(clock.now() + timedelta(hours=7, minutes=30))
    reported = town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "11月24日 周二 07:30 前接单" in to(reported, "r1")
    # Taken at 23:00, three days to solve would end on Thursday at 23:00.
    clock.set(clock.now() + timedelta(hours=5, minutes=30))
    taken = town.one("li", "接单 1").text
    assert "11月27日 周五 07:30 前办结" in taken, taken
    with session_of(app) as session:
        due = session.scalars(select(Request)).one().due_at
        assert due is not None and due.astimezone(app.settings.zone).hour == 7


def test_owners_take_reply_escalate_and_solve_and_the_reporter_hears_each(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    taken = town.say("li", "接单 1")
    assert "11月26日 周四 10:00 前办结" in taken[0].text and "李党员接单" in to(taken, "r1")
    assert "明天来修" in to(town.say("li", "回复 1 明天来修"), "r1")
    up = town.say("li", "上报 1 要换灯杆，得物业出面")
    assert "王中心户" in up[0].text and "得物业出面" in to(up, "wang")
    assert "王中心户" in to(up, "r1")
    assert "不归您办理" in town.one("li", "办结诉求 1 好了").text
    town.say("wang", "接单 1")
    solved = town.say("wang", "办结诉求 1 灯杆换好了")
    assert "灯杆换好了" in to(solved, "r1") and "确认解决 1" in to(solved, "r1")
    assert "已经办结过了" in town.one("wang", "办结诉求 1 又换了").text
    back = town.say("sec", "退回 1 和 2 号重复")
    assert "已退回" in back[0].text and "和 2 号重复" in to(back, "r1")
    assert "已退回，不用再办了" in town.one("wang", "回复 1 好的").text


def test_a_comma_or_colon_after_the_number_parts_it_from_the_words(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    assert "明天来修" in to(town.say("li", "回复１，明天来修"), "r1")
    up = town.say("li", "上报 1：要换灯杆")
    assert "要换灯杆" in to(up, "wang")


def test_one_who_passed_a_request_up_follows_it_in_the_list_until_it_is_done(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "上报 1 要换灯杆")
    listed = town.one("li", "诉求").text
    assert "我上报的：\n1 号 [公共设施] 3号楼门口路灯坏了（待接单，党员中心户王中心户" in listed
    assert "还没有诉求" not in listed and "r1" not in listed
    town.say("wang", "接单 1")
    town.say("wang", "办结诉求 1 灯杆换好了")
    assert "我上报的：" in town.one("li", "诉求").text
    town.say("r1", "确认解决 1")
    assert "还没有诉求" in town.one("li", "诉求").text


def test_passing_a_request_on_with_zhuanjiao_passes_it_up(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    up = town.say("li", "转交 1 要换灯杆，得物业出面")
    assert "王中心户" in up[0].text and "得物业出面" in to(up, "wang")
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().layer == Layer.CENTRAL


def test_the_next_layer_is_told_who_passed_it_up_and_why(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    # 转交 reads like "hand it to someone": the name typed is the reason, not who sent it.
    told = to(town.say("li", "转交 1 刘建国"), "wang")
    assert "李党员上报，原因：刘建国" in told and "下一层上报" not in told


def test_a_secretary_whose_next_layer_up_is_herself_is_told_she_is_at_the_top(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "上报 1 要换灯杆")
    town.say("wang", "上报 1 得支部出面")
    town.say("sec", "接单 1")
    before = town.snapshot()
    refused = town.say("sec", "上报 1 太难了")
    assert [s.chat for s in refused] == ["sec"]
    assert "您已经在最上一层" in refused[0].text and "办结诉求 1" in refused[0].text
    assert town.snapshot() == before
    with session_of(town.app) as session:
        request = session.scalars(select(Request)).one()
        assert request.layer == Layer.BRANCH
        assert request.owner is not None and request.owner.display_name == "王书记"


def test_a_late_request_a_secretary_took_is_not_handed_back_to_her(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "上报 1 要换灯杆")
    town.say("wang", "上报 1 得支部出面")
    town.say("sec", "接单 1")
    late = _tick(town.app, days=3, minutes=1)
    assert late == [("sec", "诉求 1 已超时还没办好，请尽快处理。发送「诉求」查看。")]
    with session_of(town.app) as session:
        request = session.scalars(select(Request)).one()
        assert (request.status, request.layer, request.overdue) == (
            RequestStatus.TAKEN,
            Layer.BRANCH,
            True,
        )
        assert request.owner is not None and request.owner.display_name == "王书记"
        assert request.due_at is None
    assert _steps(town.app, StepKind.ESCALATED) == 2
    assert _steps(town.app, StepKind.OVERDUE) == 1
    # Only the weekday overdue list follows.
    later = _tick(town.app, days=5)
    assert later and all(chat == "sec" and "超时诉求 1 件" in text for chat, text in later)
    assert _steps(town.app, StepKind.OVERDUE) == 1


def test_a_late_request_passed_up_by_hand_is_not_overdue_at_the_new_layer(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "王中心户" in dict(_tick(town.app, hours=4, minutes=1))["r1"]
    assert "超时" in town.one("wang", "诉求").text
    up = town.say("wang", "上报 1 要换灯杆，得支部出面")
    assert "党支部张书记" in up[0].text and "11月23日 周一 18:01 前回复" in to(up, "zhang")
    for viewer in ("zhang", "sec", "r1"):
        listed = town.one(viewer, "诉求").text
        assert "11月23日 周一 18:01 前）" in listed and "超时" not in listed, (viewer, listed)
    assert "现在超时未办：0 件" in town.one("sec", "诉求统计").text
    with session_of(town.app) as session:
        request = session.scalars(select(Request)).one()
        assert (request.status, request.overdue) == (RequestStatus.OPEN, False)
    # Missing the new layer's deadline flags it again.
    assert "下一层超时未办" in dict(_tick(town.app, hours=4))["sec"]
    assert "超时的：" in town.one("sec", "诉求").text


def test_the_list_says_how_to_see_one_request(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    listed = town.one("r1", "我的诉求").text
    assert listed.endswith("看详情请发送「诉求 编号」，例如「诉求 1」。")
    assert "看详情" not in town.one("r2", "我的诉求").text


def test_a_late_request_solved_leaves_the_overdue_list(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    _tick(town.app, hours=4, minutes=1)
    town.say("wang", "办结诉求 1 换了灯泡")
    listed = town.one("wang", "诉求").text
    assert "（已办结，待确认）" in listed and "超时" not in listed
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().overdue is False


def test_a_solved_request_waiting_for_the_reporter_is_not_passed_up(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    before = town.snapshot()
    for user in ("li", "sec"):
        answers = town.say(user, "上报 1 还是交给上面吧")
        assert len(answers) == 1 and "在等反映人确认" in answers[0].text
    assert town.snapshot() == before


@pytest.mark.parametrize(
    "said",
    ["你好，我是3号楼的，我家楼里的电梯坏了好几天了，能不能派人来看看", "楼下的门坏了谁管一下"],
)
def test_a_problem_told_privately_without_a_keyword_is_shown_how_to_report_it(
    town: Driver, said: str
) -> None:
    town.say("r1", "帮助")
    before = town.snapshot()
    answer = town.one("r1", said)
    assert (
        answer.text
        == "没看懂您的意思。要反映问题，请在前面加上「报修」再发一次，例如「报修 3号楼电梯坏了」。"
    )
    assert town.snapshot() == before


def test_danger_told_privately_without_a_keyword_gets_the_emergency_numbers_first(
    town: Driver,
) -> None:
    town.say("r1", "帮助")
    before = town.snapshot()
    answers = town.say("r1", "我老伴摔倒了起不来")
    assert "打 120" in answers[0].text and "「报修」" in answers[1].text
    assert town.snapshot() == before


@pytest.mark.parametrize(
    ("said", "chat", "text"),
    [
        ("您好，報修 樓道燈壞了，謝謝", "g1", "樓道燈壞了"),
        ("你好！麻烦您 报修 3号楼电梯坏了", "g1", "3号楼电梯坏了"),
        ("您好，報修 樓道燈壞了", None, "樓道燈壞了"),
        ("你好，报修楼道灯坏了。", None, "楼道灯坏了。"),
    ],
)
def test_a_report_after_a_greeting_is_received(
    town: Driver, said: str, chat: str | None, text: str
) -> None:
    town.say("r1", "帮助")
    answers = town.say("r1", said, chat)
    assert "已受理" in to(answers, "r1") or "已收到" in to(answers, "r1"), answers
    with session_of(town.app) as session:
        assert session.scalars(select(Request.text)).all() == [text]


def test_other_words_told_privately_get_the_plain_hint(town: Driver) -> None:
    assert town.one("r1", "今天天气不错").text == "没看懂您的意思。发送「帮助」查看能用的命令。"


def test_a_topics_done_typed_with_a_solution_points_to_solving_the_request(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    before = town.snapshot()
    answer = town.one("li", "办结 1 换了灯泡")
    assert "「办结诉求 1 怎么办的」" in answer.text
    assert town.snapshot() == before
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().status == RequestStatus.TAKEN


def test_a_topics_done_typed_bare_by_the_one_handling_request_points_to_it(town: Driver) -> None:
    assert "办结诉求" not in town.one("li", "办结 1").text
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    answer = town.one("li", "办结 1")
    assert "「办结诉求 1 怎么办的」" in answer.text
    assert "办结诉求" not in town.one("r1", "办结 1").text


def test_the_reporter_reopens_then_confirms_and_rates_once(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "还没办结" in town.one("r1", "确认解决 1").text
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    again = town.say("r1", "重新办理 1 还是不亮")
    assert "重新办理" in again[0].text and "还是不亮" in to(again, "li")
    assert "还没办结" in town.one("r1", "评价 1 5").text
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了线路")
    assert "反映人已确认诉求 1 解决了" in to(town.say("r1", "确认解决 1"), "li")
    assert "不能再重新办理了" in town.one("r1", "重新办理 1").text
    assert "5 分" in town.one("r1", "评价 1 五").text
    assert "打过 5 分" in town.one("r1", "评价 1 3").text
    assert "1 到 5" in town.one("r1", "评价 1 9").text
    assert "只有反映人" in town.one("li", "评价 1 5").text
    with session_of(town.app) as session:
        request = session.scalars(select(Request)).one()
        assert (request.status, request.rating) == (RequestStatus.CLOSED, 5)


@pytest.mark.parametrize(
    ("typed", "stars"), [("５", 5), ("4分", 4), ("５分", 5), ("3 分", 3), ("5分 谢谢", 5)]
)
def test_a_rating_in_full_width_digits_or_with_its_unit_is_read(
    town: Driver, typed: str, stars: int
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    assert f"{stars} 分" in town.one("r1", f"评价 1 {typed}").text
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().rating == stars


def test_a_rating_typed_in_a_group_is_answered_privately(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    rated = town.say("r1", "评价 1 2", "g1")
    assert [(s.chat, s.private) for s in rated] == [("r1", True), ("g1", False)]
    assert "2 分" in rated[0].text
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().rating == 2
    # Refusals too: the group does not learn that r1 rated already, nor r2's mistakes.
    for user, typed in (("r1", "评价 1 5"), ("r2", "评价 1 1"), ("r1", "评价 1 很好")):
        answers = town.say(user, typed, "g1")
        assert [(s.chat, s.private) for s in answers] == [(user, True), ("g1", False)], typed
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().rating == 2


def test_a_bad_rating_is_shown_how_with_its_own_number(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    assert "例如「评价 1 5」" in town.one("r1", "评价 1 很好").text
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().rating is None


def test_a_solved_request_shows_what_was_done_and_its_reporter_how_to_answer(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    assert "办理结果" not in town.one("r1", "诉求 1").text
    town.say("li", "办结诉求 1 换了灯泡")
    shown = town.one("r1", "诉求 1").text
    assert "办理结果：换了灯泡" in shown
    assert "「确认解决 1」" in shown and "「重新办理 1」" in shown
    owner = town.one("li", "诉求 1").text
    assert "办理结果：换了灯泡" in owner and "确认解决" not in owner
    town.say("r1", "确认解决 1")
    closed = town.one("r1", "诉求 1").text
    assert "办理结果：换了灯泡" in closed and "确认解决" not in closed


def test_a_request_sent_back_shows_why_to_those_who_may_see_it(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "退回 1 和 2 号重复")
    for user in ("r1", "li"):
        assert "退回原因：和 2 号重复" in town.one(user, "诉求 1").text
    assert "重复" not in town.one("zhao", "诉求 1").text


def test_unconfirmed_solutions_close_after_three_days(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    told = _tick(town.app, days=3, minutes=1)
    assert [chat for chat, _ in told] == ["r1"] and "没等到您回复，已经结案" in told[0][1]
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().status == RequestStatus.CLOSED
    assert "5 分" in town.one("r1", "评价 1 5").text


def test_a_problem_still_there_after_closing_is_shown_how_to_report_it_again(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    _tick(town.app, days=3, minutes=1)
    before = town.snapshot()
    answer = town.one("r1", "重新办理 1 还是不亮").text
    assert "不用再办" not in answer
    assert "不能再重新办理了" in answer and "「报修 哪里 什么问题」" in answer
    assert town.snapshot() == before
    assert "李党员" in to(town.say("r1", "报修 3号楼门口堆满了杂物", "g1"), "r1")
    town.say("li", "退回 2 不归我们管")
    assert "已退回，不能再重新办理了" in town.one("r1", "重新办理 2").text


def test_another_buildings_chain_neither_sees_nor_acts_on_the_report(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    for user in ("zhao", "qian"):
        assert "没有找到您能查看的诉求 1" in town.one(user, "接单 1").text
        assert "路灯" not in town.one(user, "诉求").text
    assert "没有找到" in town.one("r2", "评价 1 5").text
    assert "没有找到" in town.one("r2", "确认解决 1").text
    assert "路灯" in town.one("wang", "诉求").text
    assert "路灯" in town.one("zhang", "诉求").text
    assert "不归您办理" in town.one("wang", "接单 1").text


def test_bad_input_is_refused_with_a_clear_reply_and_changes_nothing(town: Driver) -> None:
    before = town.snapshot()
    for user, text, expected in [
        ("r1", "报修", "请用文字写上"),
        ("r1", "报修 治安", "请用文字写上"),
        ("r1", "我要反映问题", "请用文字写上"),
        ("r1", "报修 一个问题。", "请用文字写上"),
        ("r1", "反映情況", "请用文字写上"),
        ("r1", "报修 1", "请用文字写上"),
        ("r1", "报修 一。", "请用文字写上"),
        ("r1", "求助 12", "请用文字写上"),
        ("li", "接单", "现在没有等您接单的诉求"),
        ("li", "接单 99", "没有找到"),
        ("li", "回复 1", "请写编号和要说的话"),
        ("r1", "评价 1", "请写编号和分数"),
        ("sec", "联系 3号楼", "请写党员和地方"),
        ("sec", "诉求规则 治安 很快", "请这样写"),
        ("sec", "诉求规则 接单 3天", "请这样写"),
        ("r1", "诉求规则 治安 1天", "只有社区书记"),
    ]:
        answer = town.one(user, text)
        assert expected in answer.text, (text, answer.text)
    alone = town.one("sec", "中心户 @王中心户", mentions=("wang",))
    assert "请先写中心户" in alone.text
    refused = town.one("r1", "联系 @李党员 3号楼", mentions=("li",))
    assert "只有社区书记或网格员" in refused.text
    assert town.snapshot() == before


def test_a_number_written_as_people_write_numbers_is_asked_about_and_files_nothing(
    town: Driver,
) -> None:
    """`第1个`, `#1`, `１号`, `1 2` are numbers as `报修 1` is: they name no problem."""
    before = town.snapshot()
    for text in ("报修 第1个", "报修 #1", "报修 １号", "反映 3 号", "报修 1 2。"):
        assert "请用文字写上" in town.one("r1", text).text, text
    assert town.snapshot() == before


def test_the_list_reads_rows_and_walks_the_chain_down_from_the_viewer(town: Driver) -> None:
    """No request, owner or chain node is loaded as an object: one lazy load of an owner a
    line and every node of the community made 31 statements of the list on a street."""
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    loaded: list[str] = []

    def note(_session: Session, instance: Any) -> None:
        loaded.append(type(instance).__name__)

    with session_of(town.app) as session:
        viewer, community = resident(session, "wang"), resolve_place(session, COMMUNITY)
        event.listen(session, "loaded_as_persistent", note)
        seen = requests.listing(session, viewer, community)
    assert [(line.number, line.owner) for line in seen.below] == [(1, "李党员")]
    assert not {"Request", "ChainNode", "Resident"} & set(loaded)


def test_a_chain_with_a_loop_or_a_gap_is_refused(town: Driver) -> None:
    before = town.snapshot()
    gap = town.one("sec", "中心户 @钱中心户 @张书记", mentions=("qian", "zhang"))
    assert "还没联系任何楼或户" in gap.text
    assert (
        "还不是党员中心户"
        in town.one("sec", "支部 @张书记 @赵党员", mentions=("zhang", "zhao")).text
    )
    assert "会绕成一个圈" in town.one("sec", "中心户 @李党员 @李党员", mentions=("li", "li")).text
    place = town.one("sec", "联系 @李党员 9号楼", mentions=("li",))
    assert "没有找到「9号楼」" in place.text
    assert town.snapshot() == before
    keeper(town, "联系 @张书记 3-2-302", "zhang")
    # 张 is over 王, who is over 李: 李 cannot be over 张.
    loop = town.one("sec", "中心户 @李党员 @张书记", mentions=("li", "zhang"))
    assert "张书记 已经在这条线的上面" in loop.text
    loop = town.one("sec", "支部 @李党员 @王中心户", mentions=("li", "wang"))
    assert "王中心户 已经在这条线的上面" in loop.text
    keeper(town, "中心户 @钱中心户 @张书记", "qian", "zhang")


def test_a_household_link_is_closer_than_the_building(town: Driver) -> None:
    keeper(town, "联系 @赵党员 3-2-302", "zhao")
    assert "赵党员" in to(town.say("r2", "报修 家门口的灯坏了"), "r2")
    assert "李党员" in to(town.say("r3", "报修 家门口的灯坏了"), "r3")


def test_mydata_lists_my_requests_and_forget_anonymises_them(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "1 号「3号楼门口路灯坏了」（待接单）" in town.one("r1", "我的数据").text
    town.say("r1", "注销 确认")
    with session_of(town.app) as session:
        request = session.scalars(select(Request)).one()
        assert (request.reporter_id, request.text) == (None, "")
        assert request.status == RequestStatus.WITHDRAWN and request.place is not None
        assert request.place.name == "3号楼"
    assert "还没有诉求" in town.one("li", "诉求").text


def test_forget_drops_the_words_others_wrote_on_my_requests_too(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "回复 1 r1您好，明天上午到301门口看看")
    town.say("li", "上报 1 r1家门口的灯要换灯杆")
    town.say("wang", "办结诉求 1 已给301门口换了灯杆")
    town.say("r1", "注销 确认")
    with session_of(town.app) as session:
        request = session.scalars(select(Request)).one()
        assert (request.text, request.resolution) == ("", "")
        assert set(session.scalars(select(RequestStep.text))) == {""}
    assert "301" not in town.one("wang", "诉求 1").text


def test_a_branch_secretary_sees_the_points_of_a_member_under_the_branch(town: Driver) -> None:
    town.say("sec", "加分 @李党员 5 巡逻", mentions=("li",))
    seen = town.one("zhang", "积分 @李党员", mentions=("li",)).text
    assert "李党员 的积分" in seen and "+5 巡逻" in seen
    for outsider in ("wang", "qian"):
        refused = town.one(outsider, "积分 @李党员", mentions=("li",)).text
        assert "只能查看自己的积分" in refused


def test_a_branch_secretary_cannot_tell_a_name_outside_the_branch_from_no_name(
    town: Driver,
) -> None:
    outside = "您能查看的是自己和本支部党员的积分，其中没有「{}」。"
    # r3 is registered in the community, not under the branch; nobody is called 无此人.
    for typed in ("r3", "@r3", "无此人"):
        refused = town.one("zhang", f"积分 {typed}").text
        assert refused == outside.format(typed.lstrip("@")), refused
    assert town.one("zhang", "积分 @r3", mentions=("r3",)).text == outside.format("r3")
    usage = "用法：「积分」查看自己的；管理员可以「积分 @张三」。"
    assert town.one("zhang", "积分 r3 无此人").text == town.one("zhang", "积分 r3 r4").text == usage
    # A party member under the branch with no points yet is shown, not refused.
    assert "李党员 的积分" in town.one("zhang", "积分 @李党员", mentions=("li",)).text


def test_a_report_made_before_a_private_chat_is_never_asked_for_again(app: App) -> None:
    place = Town(app, {"8001": "李四"})
    place.say("8001", "登记 3-2-301 同意", GROUP)
    place.recorder.sent.clear()
    place.say("8001", "报修 楼道灯坏了", GROUP)
    texts = [
        app.renderer.render(e.reply, e.language, html_mode=False, buttons=False).text
        for _, e in place.recorder.sent
    ]
    assert all(e.target.chat_id == GROUP for _, e in place.recorder.sent)
    assert "已受理（编号 1）" in texts[0] and "私聊发给您" not in texts[0]
    assert "私聊我" in texts[1] and "再发一次" not in texts[1]
    # A command that only reads is safe to send again, and says so.
    place.recorder.sent.clear()
    place.say("8001", "积分", GROUP)
    [(_, pointer)] = place.recorder.sent
    assert (
        "再发一次"
        in app.renderer.render(pointer.reply, "zh-Hans", html_mode=False, buttons=False).text
    )
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(Request)) == 1


def _requests(app: App) -> list[tuple[int, str]]:
    with session_of(app) as session:
        return [(r.number, r.text) for r in session.scalars(select(Request).order_by(Request.id))]


def test_the_same_report_sent_again_is_not_filed_twice(town: Driver) -> None:
    town.say("r1", "报修 楼道灯坏了", "g1")
    for typed, chat in (
        ("报修 楼道灯坏了", "g1"),
        ("报修  楼道 灯坏了。", None),
        ("反映 楼道灯坏了！", "g1"),
    ):
        answers = town.say("r1", typed, chat)
        assert [s.text for s in answers] == ["您反映的问题已经受理过了（编号 1），不用再发。"]
        assert answers[0].chat == (chat or "r1")
    assert _requests(town.app) == [(1, "楼道灯坏了")]
    # Someone else's report, or other words, is a request of its own.
    assert "编号 2" in to(town.say("r2", "报修 楼道灯坏了"), "r2")
    assert "编号 3" in to(town.say("r1", "报修 楼道灯坏了三天了"), "r1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    town.say("r1", "确认解决 1")
    again = town.say("r1", "报修 楼道灯坏了")
    assert "编号 4" in to(again, "r1") and "楼道灯坏了" in to(again, "li")


def test_the_same_report_a_day_later_is_filed_again(town: Driver) -> None:
    town.say("r1", "报修 楼道灯坏了", "g1")
    _tick(town.app, hours=23)
    assert "已经受理过了" in town.one("r1", "报修 楼道灯坏了").text
    _tick(town.app, hours=1, minutes=1)
    assert "编号 2" in to(town.say("r1", "报修 楼道灯坏了"), "r1")


def test_a_request_taken_but_not_solved_in_time_is_said_to_be_late_in_solving(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    told = [text for chat, text in _tick(town.app, days=10) if chat == "r1"]
    assert "没有按时办好" in told[0] and "接单" not in told[0], told


def test_the_reporter_answers_in_the_bots_own_words_and_alone_they_stay_chat(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    assert town.say("r1", "解决了，谢谢大家", "g1") == []
    assert town.say("r1", "没解决", "g1") == []
    again = town.say("r1", "没解决 1 还是不亮")
    assert "重新办理" in again[0].text and "还是不亮" in to(again, "li")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了线路")
    assert "反映人已确认诉求 1 解决了" in to(town.say("r1", "解決了 1"), "li")
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().status == RequestStatus.CLOSED


def test_the_bots_own_words_with_a_number_run_into_other_words_stay_chat(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    before = town.snapshot()
    chat = ("没解决，3天了", "没解决 1天了", "解决了，2楼的灯", "解决了一个大问题", "解決了，1楼的")
    for said in chat:
        assert town.say("r1", said, "g1") == [], said
    assert town.snapshot() == before
    again = town.say("r1", "没解决 1", "g1")
    assert "重新办理" in again[0].text
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了线路")
    assert "反映人已确认诉求 1 解决了" in to(town.say("r1", "解决了 #1", "g1"), "li")


def test_a_request_closed_in_the_night_is_told_to_its_reporter_in_the_morning(
    town: Driver,
) -> None:
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=13))  # 23:00, in the default 21:30-07:30
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    night = _tick(town.app, days=3, minutes=1)
    assert not [text for _, text in night if "已经结案" in text]
    morning = _tick(town.app, hours=9)
    assert [chat for chat, text in morning if "已经结案" in text] == ["r1"]


def _filed_at(app: App, number: int) -> str:
    with session_of(app) as session:
        request = session.scalars(select(Request).where(Request.number == number)).one()
        assert request.place is not None
        return full_name(session, request.place, below=PlaceKind.COMMUNITY) or request.place.name


def test_a_newcomer_reporting_privately_is_filed_at_the_place_of_their_circle(
    town: Driver,
) -> None:
    building_circles(town)
    town.say("nb", "大家好", "g4", name="新邻居")
    answers = town.say("nb", "报修 楼道灯坏了")
    assert _filed_at(town.app, 1) == "1号院/3号楼"
    assert "李党员" in to(answers, "nb") and "楼道灯坏了" in to(answers, "li")
    assert "1号院/3号楼" in to(answers, "nb") and to(answers, "sec") == ""


def test_a_newcomer_in_a_buildings_and_its_units_circles_is_filed_at_the_unit(
    town: Driver,
) -> None:
    building_circles(town)
    for chat in ("g6", "g4"):
        town.say("nb", "大家好", chat, name="新邻居")
    answer = to(town.say("nb", "报修 楼道灯坏了"), "nb")
    assert _filed_at(town.app, 1) == "1号院/3号楼/2单元"
    assert "（公共设施，1号院/3号楼/2单元）" in answer and "李党员" in answer


def test_a_newcomer_in_two_buildings_circles_is_filed_at_their_estate(town: Driver) -> None:
    building_circles(town)
    for chat in ("g4", "g5"):
        town.say("nb", "大家好", chat, name="新邻居")
    answers = town.say("nb", "报修 楼道灯坏了")
    assert _filed_at(town.app, 1) == "1号院"
    assert "（公共设施，1号院）" in to(answers, "nb") and "楼道灯坏了" in to(answers, "sec")
    assert to(answers, "li") == to(answers, "zhao") == ""


def test_a_registered_resident_is_filed_at_home_and_not_told_the_address(town: Driver) -> None:
    building_circles(town)
    town.say("r1", "大家好", "g5")
    answer = to(town.say("r1", "报修 楼道灯坏了"), "r1")
    assert _filed_at(town.app, 1) == "1号院/3号楼/2单元/301"
    assert "（公共设施）" in answer and "李党员" in answer


def test_solved_alone_privately_confirms_the_one_request_waiting_or_asks_which(
    town: Driver,
) -> None:
    assert town.one("r1", "解决了").text == "现在没有等您确认解决的诉求。"
    for where in ("3号楼门口路灯坏了", "3号楼楼道灯坏了"):
        town.say("r1", f"报修 {where}", "g1")
    for number in (1, 2):
        town.say("li", f"接单 {number}")
        town.say("li", f"办结诉求 {number} 换了灯泡")
    # Alone in a group it stays chat; privately it is asked which of the two.
    assert town.say("r1", "解决了", "g1") == []
    which = "您有 2 个诉求等您确认：1、2。请写编号，例如「确认解决 1」。"
    assert town.one("r1", "确认解决").text == which
    assert town.one("r1", "解决了").text == which
    town.say("r1", "确认解决 1")
    assert "诉求 2 已办结" in town.say("r1", "解决了！")[0].text
    with session_of(town.app) as session:
        closed = session.scalars(select(Request.status)).all()
        assert closed == [RequestStatus.CLOSED, RequestStatus.CLOSED]


def test_take_alone_privately_takes_the_one_request_waiting_for_it_or_asks_which(
    town: Driver,
) -> None:
    assert town.one("li", "接单").text == "现在没有等您接单的诉求。"
    for where in ("3号楼门口路灯坏了", "3号楼楼道灯坏了"):
        town.say("r1", f"报修 {where}", "g1")
    assert "例如「接单 3」" in town.one("li", "接单", "g1").text
    assert town.one("li", "接单").text == "有 2 个诉求等您接单：1、2。请写编号，例如「接单 1」。"
    town.say("li", "接单 1")
    took = town.say("li", "接单")[0].text
    assert "诉求 2 由您办理" in took and "办好后发送「办结诉求 2 怎么办的」" in took
    with session_of(town.app) as session:
        taken = session.scalars(select(Request.status)).all()
        assert taken == [RequestStatus.TAKEN, RequestStatus.TAKEN]


def test_a_score_alone_rates_the_one_request_waiting_for_it_or_asks_which(town: Driver) -> None:
    assert town.one("r1", "评价 5分").text == "现在没有等您打分的诉求。"
    for where in ("3号楼门口路灯坏了", "3号楼楼道灯坏了"):
        town.say("r1", f"报修 {where}", "g1")
    for number in (1, 2):
        town.say("li", f"接单 {number}")
        town.say("li", f"办结诉求 {number} 换了灯泡")
    which = "您有 2 个诉求可以打分：1、2。请写编号和分数，例如「评价 1 5」。"
    assert town.one("r1", "评价 5分").text == which
    assert "请写编号和分数" in town.one("r1", "评价 5").text
    town.say("r1", "评价 1 3")
    assert town.one("r1", "打分 四星").text == "谢谢您给诉求 2 打了 4 分。"
    with session_of(town.app) as session:
        assert session.scalars(select(Request.rating).order_by(Request.number)).all() == [3, 4]


def test_not_solved_alone_privately_reopens_the_one_request_waiting_or_asks_which(
    town: Driver,
) -> None:
    assert town.one("r1", "没解决").text == "现在没有等您确认解决的诉求。"
    for where in ("3号楼门口路灯坏了", "3号楼楼道灯坏了"):
        town.say("r1", f"报修 {where}", "g1")
    for number in (1, 2):
        town.say("li", f"接单 {number}")
        town.say("li", f"办结诉求 {number} 换了灯泡")
    # Alone in a group it stays chat; privately it is asked which of the two.
    assert town.say("r1", "没解决", "g1") == []
    which = "您有 2 个诉求等您确认：1、2。请写编号，例如「没解决 1」。"
    assert town.one("r1", "没解决").text == which
    assert town.one("r1", "重新办理").text == which
    assert "请写编号" in town.one("r1", "重新办理", "g1").text
    town.say("r1", "确认解决 1")
    again = town.say("r1", "沒解決！")
    assert "诉求 2 重新办理" in again[0].text and "诉求 2" in to(again, "li")
    with session_of(town.app) as session:
        statuses = session.scalars(select(Request.status).order_by(Request.number)).all()
        assert statuses == [RequestStatus.CLOSED, RequestStatus.OPEN]


def test_a_report_naming_only_a_place_is_asked_what_is_wrong_and_files_nothing(
    town: Driver,
) -> None:
    before = town.snapshot()
    for text in (
        "报修 3号楼",
        "报修 3号楼 2单元 301",
        "反映 3-2-301。",
        "报修 楼道",
        "報修 3號樓樓道",
        "反映 3號樓",
    ):
        answer = town.one("r1", text).text
        assert "是什么问题" in answer and "「报修 3号楼楼道灯坏了」" in answer, text
    assert "是什么问题" in town.one("r1", "报修 三号楼", "g1").text
    assert town.snapshot() == before
    assert "编号 1" in town.say("r1", "报修 3号楼楼道灯坏了")[0].text


def test_an_english_report_naming_only_a_place_is_asked_what_is_wrong(town: Driver) -> None:
    town.one("r1", "/lang en")
    before = town.snapshot()
    for text in (
        "/report building 3",
        "/report Building 3 unit 2",
        "/report bldg 3 room 301",
        "/report unit 2",
        "/report Bldg. 3, Rm 301",
        "/report the stairway, 3rd floor",
        "/report the 3rd floor stairway",
    ):
        answer = town.one("r1", text).text
        assert answer.startswith("Please say what is wrong at"), text
    assert "「building 3」是什么问题" in town.one("r1", "/report building 3", "g1").text
    assert town.snapshot() == before
    answers = town.say("r1", "/report building 3 lift broken")
    assert "We have your report, number 1" in to(answers, "r1")
    answers = town.say("r1", "/report the 3rd floor stairway light is out")
    assert "We have your report, number 2" in to(answers, "r1")


def test_a_report_with_phone_numbers_in_it_is_filed(town: Driver) -> None:
    """Runs of digits once made the place-only check try every way of splitting them: with
    three phone numbers that took hours, so this test never finished."""
    answers = town.say("r1", "报修 123 13812345678 13912345678 13712345678 电梯坏了")
    assert "编号 1" in answers[0].text


def test_every_english_address_word_alone_with_a_number_is_only_a_place(town: Driver) -> None:
    """Reports share the address words parse_address reads, so a word added there is a place
    here too: /report flat 301 is asked what is wrong, not filed."""
    town.one("r1", "/lang en")
    before = town.snapshot()
    for word in ENGLISH_ADDRESS_WORDS:
        answer = town.one("r1", f"/report {word} 3").text
        assert answer.startswith("Please say what is wrong at"), word
    assert town.snapshot() == before


def _reported_on_telegram(app: App) -> Town:
    """A Telegram resident reports a request that the community's secretary, 8002, handles."""
    place = Town(app, {"8001": "李四", "8002": "王书记"})
    with app.db.transaction() as session:
        now = app.clock.now()
        secretary = ensure_identity(session, "telegram", "8002", "王书记", now)
        secretary.private_chat_open = True
        community = Scope(place=resolve_place(session, "红旗里社区"))
        grant(session, now, secretary.resident, Role.SECRETARY, community, OPERATOR)
    place.say("8001", "登记 3-2-301 同意", GROUP)
    place.say("8001", "报修 楼道灯坏了", GROUP)
    return place


def test_the_take_button_goes_from_the_handlers_message_once_the_request_is_taken(
    app: App,
) -> None:
    place = _reported_on_telegram(app)
    [asked] = [e for _, e in place.recorder.sent if e.target.chat_id == "8002"]
    assert asked.reply.template == "requests.assigned" and asked.reply.choices
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    [edit] = [e for _, e in place.recorder.sent if e.edit]
    assert (edit.target.chat_id, edit.message_id) == ("8002", "1004"), edit
    shown = app.renderer.render(edit.reply, edit.language, html_mode=False, buttons=True)
    assert shown.buttons == [], shown
    assert shown.text.splitlines()[:2] == ["诉求 1（公共设施）已由王书记接单", "楼道灯坏了"], shown


def test_the_take_button_goes_from_an_urge_too_once_the_request_is_taken(app: App) -> None:
    place = _reported_on_telegram(app)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=24))
    place.say("8001", "催办 1")
    asked = [e for _, e in place.recorder.sent if e.target.chat_id == "8002"]
    assert [e.reply.template for e in asked] == ["requests.assigned", "requests.urged_notice"]
    assert all(e.reply.choices for e in asked), asked
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    edits = [e for _, e in place.recorder.sent if e.edit]
    assert sorted(e.key for e in edits) == ["request:1", "request:1:urge:1"], edits
    for edit in edits:
        shown = app.renderer.render(edit.reply, edit.language, html_mode=False, buttons=True)
        assert shown.buttons == [] and edit.target.chat_id == "8002", shown
        assert shown.text.startswith("诉求 1（公共设施）已由王书记接单"), shown
    assert len({e.message_id for e in edits}) == 2, edits


def _urged_on_telegram(place: Town, app: App) -> None:
    """A day on, the reporter urges request 1 (催办)."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=24))
    place.say("8001", "催办 1")


def test_the_take_button_goes_from_every_urge_in_one_chat_an_old_shared_key_too(
    app: App,
) -> None:
    """Each urge is a message of its own; one stored when all urges shared a key is edited
    too."""
    place = _reported_on_telegram(app)
    _urged_on_telegram(place, app)
    with app.db.transaction() as session:
        [first] = session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "requests.urged_notice")
        ).all()
        first.key = "request:1:urge"
    _urged_on_telegram(place, app)
    _urged_on_telegram(place, app)
    asked = [e for _, e in place.recorder.sent if e.target.chat_id == "8002"]
    assert [e.reply.template for e in asked].count("requests.urged_notice") == 3, asked
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    edits = [e for _, e in place.recorder.sent if e.edit]
    assert len({e.message_id for e in edits}) == len(edits) == 4, edits
    for edit in edits:
        shown = app.renderer.render(edit.reply, edit.language, html_mode=False, buttons=True)
        assert shown.buttons == [] and shown.text.startswith("诉求 1（公共设施）已由王书记接单")


def test_a_take_again_leaves_the_messages_an_earlier_take_edited(app: App) -> None:
    place = _reported_on_telegram(app)
    _urged_on_telegram(place, app)
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    edited = {e.message_id for _, e in place.recorder.sent if e.edit}
    assert len(edited) == 2, edited
    place.say("8002", "办结诉求 1 换了灯泡")
    place.say("8001", "重新办理 1 灯还是不亮")
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    [edit] = [e for _, e in place.recorder.sent if e.edit]
    assert edit.key == "request:1:ask:2" and edit.message_id not in edited, edit


def test_the_take_button_goes_from_the_message_handing_back_a_mediation_that_ended(
    app: App,
) -> None:
    place = Town(app, {"8001": "李四", "8002": "王书记", "8003": "张三", "8004": "赵调解"})
    with app.db.transaction() as session:
        now = app.clock.now()
        community = Scope(place=resolve_place(session, "红旗里社区"))
        for user, name in (("8002", "王书记"), ("8004", "赵调解")):
            secretary = ensure_identity(session, "telegram", user, name, now)
            secretary.private_chat_open = True
            grant(session, now, secretary.resident, Role.SECRETARY, community, OPERATOR)
    place.say("8001", "登记 3-2-301 同意", GROUP)
    place.say("8003", "登记 3-2-302 同意", GROUP)
    place.say("8001", "报修 邻里纠纷 楼上太吵", GROUP)
    place.say("8002", "调解 1 @张三 @赵调解", mentions=("8003", "8004"))
    place.say("8004", "调解 1 结束")
    [back] = [e for _, e in place.recorder.sent if e.reply.template == "requests.mediation_back"]
    assert back.target.chat_id == "8002" and back.reply.choices and back.key, back
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    edits = [e for _, e in place.recorder.sent if e.edit]
    assert back.key in {e.key for e in edits}, edits
    for edit in edits:
        shown = app.renderer.render(edit.reply, edit.language, html_mode=False, buttons=True)
        assert shown.buttons == [] and shown.text.startswith("诉求 1（邻里纠纷）已由王书记接单")


def test_the_take_button_goes_from_every_message_that_asked_one_owner_to_take_it(
    app: App,
) -> None:
    """The same report sent again with a photo asks its owner again: taking it edits both
    messages, not only the newest."""
    place = _reported_on_telegram(app)
    photo = Media(MediaKind.PHOTO, "telegram", "AgAD-lamp", "lamp.jpg", 80_000)
    place.say("8001", "报修 楼道灯坏了", GROUP, media=photo)
    asked = [e for _, e in place.recorder.sent if e.target.chat_id == "8002"]
    assert [e.reply.template for e in asked] == ["requests.assigned"] * 2, asked
    place.recorder.sent.clear()
    place.say("8002", "接单 1")
    edits = [e for _, e in place.recorder.sent if e.edit]
    assert len({e.message_id for e in edits}) == len(edits) == 2, edits
    for edit in edits:
        shown = app.renderer.render(edit.reply, edit.language, html_mode=False, buttons=True)
        assert shown.buttons == [] and shown.text.startswith("诉求 1（公共设施）已由王书记接单")


@pytest.mark.parametrize("typed", ["撤回 1 自己修好了", "注销 确认"])
def test_the_take_button_goes_from_the_handlers_message_once_the_request_is_withdrawn(
    app: App, typed: str
) -> None:
    place = _reported_on_telegram(app)
    _urged_on_telegram(place, app)
    place.recorder.sent.clear()
    place.say("8001", typed)
    edits = [e for _, e in place.recorder.sent if e.edit]
    assert sorted(e.key for e in edits) == ["request:1", "request:1:urge:1"], edits
    for edit in edits:
        shown = app.renderer.render(edit.reply, edit.language, html_mode=False, buttons=True)
        assert shown.buttons == [] and edit.target.chat_id == "8002", shown
        assert shown.text == "诉求 1 已撤回，不用再办了。", shown


def test_the_reporters_own_words_that_it_is_fixed_or_not_answer_as_the_bots_words_do(
    town: Driver,
) -> None:
    """修好了, 已经解决了 confirm privately, 没修好, 还没解决 reopen; in a group they are chat."""
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    for said in ("修好了", "已经解决了", "没修好", "还没解决"):
        assert town.say("r1", said, "g1") == [], said
    again = town.say("r1", "还是没修好")
    assert "重新办理" in again[0].text, again
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了线路")
    assert "反映人已确认诉求 1 解决了" in to(town.say("r1", "已经修好了"), "li")
    with session_of(town.app) as session:
        assert session.scalars(select(Request)).one().status == RequestStatus.CLOSED
    assert town.one("r1", "修好了").text == "现在没有等您确认解决的诉求。"
