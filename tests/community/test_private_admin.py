"""Verifying households and reading member lists in a private chat with the bot."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, select

from bot.adapters.console import console_platform
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.services.community import households
from bot.services.community.grid import add_path, resolve_place
from models import Place
from tests.support.community import build, building_circles, register, session_of
from tests.support.driver import Driver


def _verified(app: App, path: str) -> bool:
    with session_of(app) as session:
        return resolve_place(session, path).verified_at is not None


def test_a_building_head_verifies_a_household_of_their_building_privately(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    register(driver, "r5", "4-101")
    done = driver.one("bh", "核验 3-2-302")
    assert done.private and "已核验：1号院/3号楼/2单元/302" in done.text, done.text
    assert _verified(app, "1号院/3号楼/2单元/302")
    outside = driver.one("bh", "核验 4-101").text
    assert "不在1号院/3号楼的范围内" in outside, outside
    assert not _verified(app, "1号院/4号楼/101")
    # A unit head checks their unit, and the group form is as it was.
    assert "已核验" in driver.one("uh", "核验 1号院 3-2-303").text
    assert "已核验" in driver.one("bh", "核验 3-2-304", "g4").text


def test_a_grid_worker_of_several_estates_is_asked_to_name_the_estate(app: App) -> None:
    driver = build(app)
    driver.grant("gw", "网格员", "红旗里社区")
    asked = driver.one("gw", "核验 3-2-302").text
    assert "请在房号前写上小区名，例如「核验 1号院 3-2-301」" in asked, asked
    assert "您的小区：1号院、2号院" in asked and not _verified(app, "1号院/3号楼/2单元/302")
    assert "已核验" in driver.one("gw", "核验 1号院 3-2-302").text
    assert _verified(app, "1号院/3号楼/2单元/302")


def test_one_who_checks_no_households_is_refused_privately_in_their_language(app: App) -> None:
    driver = build(app)
    assert "只有楼长、单元长或网格员才能核验住户" in driver.one("sec", "核验 3-2-302").text
    driver.say("r2", "/lang en")
    refused = driver.one("r2", "/verify 3-2-302").text
    assert "Only a building head, unit head or grid worker" in refused, refused
    assert not _verified(app, "1号院/3号楼/2单元/302")


def test_an_admin_of_one_circle_reads_its_roster_privately(app: App) -> None:
    driver = build(app)
    roster = driver.one("owner", "成员")
    assert roster.private and "1号院 成员" in roster.text, roster.text
    assert "r2（3号楼/2单元/302）" in roster.text and roster.buttons == []
    assert "/members" in driver.one("owner", "帮助").text
    assert "/members" not in driver.one("r2", "帮助").text


def test_an_admin_of_several_circles_picks_one_from_a_list(app: App) -> None:
    driver = build(app)
    listed = driver.one("sec", "成员")
    assert "您管理 2 个圈，选一个看成员名单" in listed.text, listed.text
    assert "1. 1号院 邻里圈" in listed.text and "2. 2号院 邻里圈" in listed.text
    assert listed.buttons == [[("1. 1号院", "/members 1")], [("2. 2号院", "/members 2")]]
    assert "2号院 成员" in driver.press("sec", listed, "2. 2号院").text
    assert "1号院 成员" in driver.one("sec", "成员 1").text
    assert "没有第 3 项" in driver.one("sec", "成员 3").text


def test_a_bare_number_picks_a_circle_where_there_are_no_buttons(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    app = bootstrap(settings, clock, db=db, platforms=console_platform("text"))
    try:
        _pick_by_number(build(app, buttons=False))
    finally:
        app.close()


def _pick_by_number(driver: Driver) -> None:
    listed = driver.one("sec", "成员").text
    assert "2. 2号院 邻里圈 —— 回复「成员 2」" in listed, listed
    assert "2号院 成员" in driver.one("sec", "2").text


def test_one_who_admins_no_circle_is_refused_a_roster_privately(app: App) -> None:
    driver = build(app)
    refused = driver.one("r2", "成员").text
    assert "只有圈管理员和社区书记能看成员名单" in refused, refused
    assert "用法" in driver.one("owner", "成员 全部").text


def test_a_roster_counts_the_households_of_its_place_where_nobody_is_registered(
    app: App,
) -> None:
    driver = build(app)
    with session_of(app) as session:
        for room in ("1号院/3号楼/1单元/101", "1号院/3号楼/1单元/102", "2号院/1号楼/1单元/101"):
            add_path(session, f"文化路街道/红旗里社区/{room}").listed = True
    assert "还有 2 户没有人登记。" in driver.one("owner", "成员").text
    register(driver, "r7", "3-1-101")
    assert "还有 1 户没有人登记。" in driver.say("owner", "成员", "g1")[1].text
    # A household everyone moved out of has nobody registered either.
    assert "已改为" in driver.one("r4", "搬迁 3-1-102", "g1").text
    assert "还有 1 户没有人登记。" in driver.one("owner", "成员").text


def test_the_households_nobody_registered_in_are_counted_in_one_query(app: App) -> None:
    build(app)
    statements: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    with session_of(app) as session:
        for room in range(101, 106):
            add_path(session, f"文化路街道/红旗里社区/1号院/3号楼/1单元/{room}").listed = True
        estate = session.scalars(select(Place).where(Place.name == "1号院")).one()
        event.listen(app.db.engine, "before_cursor_execute", record)
        try:
            assert households.unclaimed(session, estate) == 5
        finally:
            event.remove(app.db.engine, "before_cursor_execute", record)
    assert len(statements) == 1, statements


def test_a_building_head_verifies_in_the_group_an_address_typed_with_spaces(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    assert "已核验" in driver.one("bh", "核验 3栋 2单元 302", "g4").text
    assert _verified(app, "1号院/3号楼/2单元/302")
    done = driver.one("bh", "/verify building 3 unit 2 room 303", "g4").text
    assert "已核验：1号院/3号楼/2单元/303" in done, done
    assert "多了「please」" in driver.one("bh", "核验 3-2-304 please", "g4").text
