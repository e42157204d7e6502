"""Garbled and outlandish input (control characters, huge numbers, far dates) on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.services.community.grid import add_path
from tests.support.community import build, register
from tests.support.driver import Driver

CONTROL = "消息里有看不见的特殊字符，没有办理"
TOO_FAR = "时间太远了：请写一年以内的时间"
HUGE = "100000000000000000000天"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community (Beijing time): households r1..r4, a topic #1, a newcomer who spoke."""
    driver = build(app)
    driver.one("r1", "提议 路灯坏了", "g1")
    driver.say("newcomer", "大家好", "g1")
    return driver


@pytest.fixture
def new_york(db: Database, clock: VirtualClock, tmp_path: Path) -> Iterator[Driver]:
    """The test community where the community's time zone lies west of Greenwich."""
    settings = Settings(
        general=GeneralSettings(data_dir=str(tmp_path / "data"), timezone="America/New_York")
    )
    application = bootstrap(settings, clock, db=db)
    driver = build(application)
    driver.one("r1", "提议 路灯坏了", "g1")
    yield driver
    application.close()


def _refused(town: Driver, user: str, text: str, expected: str, chat: str | None = "g1") -> None:
    before = town.snapshot()
    answer = town.one(user, text, chat)
    assert expected in answer.text, answer.text
    assert town.snapshot() == before


@pytest.mark.parametrize(
    ("user", "text", "chat"),
    [
        ("r1", "提议 修\x00路灯", "g1"),
        ("r1", "提议 修\x07路灯", "g1"),
        ("owner", "发起投票 问题\x00 | 甲 | 乙", "g1"),
        ("owner", "发起投票 问题 | 甲\x1b | 乙", "g1"),
        ("newcomer", "登记 3-2-30\x001 同意", "g1"),
        ("sec", "提议 修\x00路灯", None),
        ("sec", "你好\x00", None),
    ],
)
def test_control_characters_get_a_clear_reply_and_store_nothing(
    town: Driver, user: str, text: str, chat: str | None
) -> None:
    _refused(town, user, text, CONTROL, chat)


@pytest.mark.parametrize(
    "address",
    ["3-2-" + "1" * 150, "1" * 150 + "-2-301", "3-" + "2" * 7 + "-301", "3栋2单元1234567"],
)
def test_an_over_long_building_unit_or_room_is_refused_and_stores_nothing(
    town: Driver, address: str
) -> None:
    _refused(town, "newcomer", f"登记 {address} 同意", "每项最多 6 位")
    register(town, "newcomer", "3-2-3302A")
    assert town.household_of("newcomer") == "3302A"


def test_a_place_named_with_a_huge_number_is_added_without_a_number(app: App) -> None:
    with app.db.transaction() as session:
        place = add_path(session, "文化路街道/红旗里社区/" + "9" * 90 + "号院")
        assert place.number is None
        assert add_path(session, "文化路街道/红旗里社区/123456789号院").number == 123456789


DEADLINES = [
    f"发起投票 问题 | 甲 | 乙 | 截止 {HUGE}",
    "发起投票 问题 | 甲 | 乙 | 截止 9999-12-31 23:59",
    "发起投票 问题 | 甲 | 乙 | 截止 400天",
    "发起投票 问题 | 甲 | 乙 | 截止400天",
    "发起投票 问题 | 甲 | 乙 | 开始 2030-01-01",
    f"排班 门岗 | 2026-11-25 08:00-10:00 | 2人 | 截止 {HUGE}",
    "排班 门岗 | 2026-11-25 08:00-10:00 | 2人 | 截止 9999-12-31 23:59",
    "排班 门岗 | 2026-11-25 08:00-10:00 | 2人 | 截止 400天",
    f"决议 1 更换路灯 | 期限 {HUGE}",
    "决议 1 更换路灯 | 期限 9999-12-31 23:59",
    "决议 1 更换路灯 | 期限 400天",
]


@pytest.mark.parametrize("text", DEADLINES)
def test_a_deadline_beyond_a_year_is_refused_west_of_greenwich(new_york: Driver, text: str) -> None:
    _refused(new_york, "owner", text, TOO_FAR)


@pytest.mark.parametrize("text", DEADLINES)
def test_a_deadline_beyond_a_year_is_refused_east_of_greenwich(town: Driver, text: str) -> None:
    _refused(town, "owner", text, TOO_FAR)


def test_the_poll_dialog_refuses_a_deadline_beyond_a_year(new_york: Driver) -> None:
    new_york.one("owner", "/poll", "g1")
    new_york.one("owner", "换物业吗", "g1")
    new_york.one("owner", "同意 | 反对", "g1")
    assert "什么时候截止" in new_york.one("owner", "完成", "g1").text
    _refused(new_york, "owner", "9999-12-31 23:59", TOO_FAR)
