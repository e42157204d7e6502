"""Building and unit heads open and manage polls in their own building's or unit's circle only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from models import Poll, PollStatus
from tests.support.community import build, building_circles, circle, session_of
from tests.support.driver import Driver

POLL = "发起投票 楼道里装声控灯吗？ | 同意 | 不同意"
REFUSED = (
    "楼长、单元长只能在自己楼或单元的邻里圈里发起和管理投票（您负责：1号院/3号楼）。"
    "其他投票请找本圈管理员或社区书记。"
)


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with circles of building 3, building 4 and unit 2 of building 3."""
    driver = build(app)
    building_circles(driver)
    return driver


def _templates(town: Driver, user: str, text: str, chat: str) -> list[str]:
    town.say(user, text, chat)
    return [answer.reply.template for answer in town.answers]


def _polls(app: App) -> list[tuple[int, int | None, PollStatus]]:
    with session_of(app) as session:
        return [
            (p.number, p.circle_id, p.status)
            for p in session.scalars(select(Poll).order_by(Poll.number))
        ]


def test_a_building_head_opens_changes_and_closes_polls_in_their_building_s_circle(
    town: Driver,
) -> None:
    shown = town.one("bh", "帮助 全部", "g4").text
    assert "/poll" in shown and "/close" in shown and "/pollset" in shown
    assert "deliberation.poll" in _templates(town, "bh", POLL, "g4")
    assert "deliberation.poll" in _templates(town, "owner4", POLL + "？", "g4")
    assert _templates(town, "bh", "投票设置 2 截止 5天", "g4") == ["deliberation.settings_changed"]
    assert "deliberation.result" in _templates(town, "bh", "结束投票 2", "g4")
    with session_of(town.app) as session:
        building = circle(session, "g4").id
    assert _polls(town.app) == [(1, building, PollStatus.OPEN), (2, building, PollStatus.CLOSED)]


def test_a_unit_head_opens_polls_in_their_unit_s_circle_but_not_the_building_s(
    town: Driver,
) -> None:
    assert "deliberation.poll" in _templates(town, "uh", POLL, "g6")
    before = town.snapshot()
    assert "您负责：1号院/3号楼/2单元" in town.one("uh", POLL, "g4").text
    assert town.snapshot() == before


@pytest.mark.parametrize("chat", ["g1", "g5"], ids=["estate circle", "another building"])
def test_a_building_head_opens_no_poll_in_a_wider_or_another_building_s_circle(
    town: Driver, chat: str
) -> None:
    assert "deliberation.poll" in _templates(town, "owner", POLL, "g1")
    shown = town.one("bh", "帮助 全部", chat).text
    assert "/poll" not in shown and "/close" not in shown
    before = town.snapshot()
    assert town.one("bh", POLL, chat).text == REFUSED
    assert town.one("bh", "发起投票", chat).text == REFUSED
    closing = town.one("bh", "结束投票 1", chat).text
    # Outside 1号院's circle, its poll is one the building head cannot see at all.
    shut = "投票 #1 不在您负责的范围里。" + REFUSED if chat == "g1" else "没有投票 #1。"
    assert closing == shut
    assert town.one("bh", "投票设置 1 截止 5天", "g4").text == closing
    assert town.snapshot() == before


def test_a_building_head_polls_no_wider_than_their_building(town: Driver) -> None:
    before = town.snapshot()
    refused = town.one("bh", POLL + " | 范围 1号院", "g4").text
    assert "超出了本圈的范围" in refused
    assert town.snapshot() == before
