"""Building and unit heads arrange the duty of their own building or unit, and nothing wider."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from models import Shift, ShiftStatus, SignUpStatus
from tests.support.community import build, building_circles, circle, session_of
from tests.support.driver import Driver
from tests.support.volunteers import advance, statuses

SHIFT = "排班 楼道值守 | 2026-11-24 08:00-10:00 | 2人"
REFUSED = (
    "楼长、单元长只能安排自己楼或单元的邻里圈里的值班（您负责：1号院/3号楼）。"
    "其他值班请找本圈管理员或社区书记。"
)


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with circles of building 3, building 4 and unit 2 of building 3."""
    driver = build(app)
    building_circles(driver)
    return driver


def _shifts(app: App) -> list[tuple[int, str, ShiftStatus, int]]:
    with session_of(app) as session:
        return [
            (s.number, s.project.title, s.status, s.capacity)
            for s in session.scalars(select(Shift).order_by(Shift.number))
        ]


def test_a_building_head_arranges_the_duty_of_their_building_in_its_circle(town: Driver) -> None:
    shown = town.one("bh", "帮助 全部", "g4").text
    assert "/shift（" in shown and "/editshift" in shown and "/cancelshift" in shown
    assert "/approve" in shown and "/attend" not in shown
    made = town.say("bh", SHIFT, "g4")
    assert "已排班" in made[0].text and "#1 楼道值守" in made[0].text
    with session_of(town.app) as session:
        shift = session.scalars(select(Shift)).one()
        assert shift.circle_id == circle(session, "g4").id
    assert "已修改" in town.say("bh", "修改班次 1 | 3人", "g4")[0].text
    assert "已取消" in town.say("bh", "取消班次 1", "g4")[0].text
    assert _shifts(town.app) == [(1, "楼道值守", ShiftStatus.CANCELLED, 3)]


def test_a_unit_head_arranges_duty_in_their_unit_s_circle_but_not_the_building_s(
    town: Driver,
) -> None:
    assert "已排班" in town.say("uh", SHIFT, "g6")[0].text
    before = town.snapshot()
    refused = town.one("uh", SHIFT.replace("08:00", "07:00"), "g4").text
    assert "您负责：1号院/3号楼/2单元" in refused
    assert town.snapshot() == before


@pytest.mark.parametrize("chat", ["g1", "g5"], ids=["estate circle", "another building"])
def test_a_building_head_arranges_nothing_in_a_wider_or_another_building_s_circle(
    town: Driver, chat: str
) -> None:
    assert "已排班" in town.say("owner", SHIFT, "g1")[0].text
    shown = town.one("bh", "帮助 全部", chat).text
    assert "/shift（" not in shown and "/editshift" not in shown and "/cancelshift" not in shown
    before = town.snapshot()
    assert town.one("bh", SHIFT.replace("08:00", "07:00"), chat).text == REFUSED
    # A shift they may not arrange is answered as a number no shift has, with their places.
    for text in ("修改班次 1 | 3人", "取消班次 1", "取消班次 9"):
        number = text.split()[1]
        assert town.one("bh", text, chat).text == f"您能管理的班次里没有 #{number}。{REFUSED}"
    # Nor from their own building's circle, for a shift of the estate's circle.
    assert town.one("bh", "取消班次 1", "g4").text == f"您能管理的班次里没有 #1。{REFUSED}"
    assert town.snapshot() == before


def test_a_building_head_is_asked_to_approve_a_sign_up_for_their_building_s_shift(
    town: Driver,
) -> None:
    town.one("sec", "值班设置 缺勤 1次", "g1")
    town.say("bh", SHIFT, "g4")
    town.say("r2", "报名 1", "g4")
    advance(town.app, hours=23)
    town.say("owner4", "缺勤 1 1", "g4")
    town.say("bh", SHIFT.replace("2026-11-24", "2026-11-25"), "g4")
    town.say("owner", "排班 门岗 | 2026-11-25 14:00-16:00 | 2人", "g1")
    asked = town.say("r2", "报名 2", "g4")
    assert "等管理员批准" in asked[0].text
    assert {s.chat for s in asked if s.private} == {"r2", "owner4", "bh"}
    assert "已批准 r2 报名 #2" in town.say("bh", "批准 2 @r2", "g4")[0].text
    assert statuses(town.app, 2) == {"r2": SignUpStatus.SIGNED_UP}
    assert "等管理员批准" in town.say("r2", "报名 3", "g1")[0].text
    before = town.snapshot()
    assert town.one("bh", "批准 3 @r2", "g1").text == f"您能管理的班次里没有 #3。{REFUSED}"
    assert town.snapshot() == before
