"""/me's profile: what it shows of a resident with an address, roles, circles and points."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.app import App
from bot.services.community import privacy
from tests.support.community import build, building_circles, resident, session_of
from tests.support.points import set_rules
from tests.support.queries import captured


def _rich(app: App) -> None:
    """r2 heads 3号楼 and administers g1's circle; points to r2 and to r2's household, lapsing
    within the month."""
    driver = build(app)
    building_circles(driver)
    driver.grant("r2", "楼长", "1号院/3号楼")
    driver.say("sec", "/role @r2 圈管理员", "g1", mentions=("r2",))
    set_rules(driver)
    driver.say("sec", "积分规则 居民积分 每年清零 12-01", "g1")
    driver.say("sec", "加分 @r2 7 巡逻", "g1")
    driver.say("sec", "积分规则 按户 开", "g1")
    driver.say("r3", "回收 @r2 电池", "g1", mentions=("r2",))


def test_me_shows_address_roles_circles_and_every_balance(app: App) -> None:
    _rich(app)
    with session_of(app) as session:
        me = resident(session, "r2")
        mine = privacy.about_me(session, app.clock.now(), app.settings.zone, me)
    profile = mine.profile
    assert profile.name == "r2"
    assert profile.address == "红旗里社区/1号院/3号楼/2单元/302"
    assert profile.roles == [("building-head", "红旗里社区/1号院/3号楼"), ("circle-admin", "1号院")]
    assert profile.circles == [("1号院", "neighbour")]
    shown = [(b.code, b.balance, b.held, b.household, b.expires_on) for b in mine.balances]
    lapses = date(2026, 12, 1)
    assert shown == [("resident", 7, 0, False, lapses), ("resident", 2, 0, True, lapses)]


def test_me_reads_rows_and_loads_no_object_beyond_the_sender(app: App) -> None:
    _rich(app)
    loaded: list[Any] = []

    def note(_session: Session, instance: Any) -> None:
        loaded.append(type(instance).__name__)

    with session_of(app) as session:
        me = resident(session, "r2")
        event.listen(session, "loaded_as_persistent", note)
        privacy.about_me(session, app.clock.now(), app.settings.zone, me)
    assert loaded == []


def test_me_of_someone_waiting_for_their_household_says_where_they_asked_to_join(
    app: App,
) -> None:
    driver = build(app)
    # Request 1 is r1b's, answered when the community was built.
    driver.say("nr1", "登记 3-2-302 同意", "g1", name="nr1")
    driver.one("nr2", "/lang zh-Hant")
    driver.say("nr2", "登記 3-2-302 同意", "g1", name="nr2")
    driver.one("nr3", "/lang en")
    driver.say("nr3", "/join 3-2-302 agree", "g1", name="nr3")
    assert driver.one("nr1", "我的", "g1").text.startswith(
        "nr1\n住址：还没有登记好\n"
        "登记到 红旗里社区/1号院/3号楼/2单元/302 还在等家里人确认（申请号 2）"
    )
    assert driver.one("nr2", "我的", "g1").text.startswith(
        "nr2\n住址：還沒有登記好\n"
        "登記到 红旗里社区/1号院/3号楼/2单元/302 還在等家裡人確認（申請號 3）"
    )
    assert driver.one("nr3", "/me", "g1").text.startswith(
        "nr3\nAddress: not registered yet\nRegistering at 红旗里社区/1号院/3号楼/2单元/302: "
        "waiting for your household to confirm it (request 4)"
    )


def test_me_reads_where_one_stands_before_registering_in_one_statement_and_after_in_none(
    app: App,
) -> None:
    driver = build(app)
    driver.say("newcomer", "大家好", "g1", name="小陈")
    for person, reads in (("newcomer", 1), ("r2", 0)):
        with captured(app.db.engine) as statements:
            driver.one(person, "我的")
        standing = [s for s in statements if "join_requests" in s or "circle_chats" in s]
        assert len(standing) == reads, (person, standing)


def test_asking_where_one_lives_in_private_shows_me_and_stays_chat_in_a_group(app: App) -> None:
    driver = build(app)
    where = ("我住哪", "我住哪裡？", "我的住址", "我家地址", "我的地址")
    for asked in (*where, "我的房号", "我的房號", "我登记的地址", "我登記的地址？"):
        answer = driver.one("r2", asked)
        assert answer.private and "住址：红旗里社区/1号院/3号楼/2单元/302" in answer.text, asked
    for asked in ("我住哪", "我的房号", "我登记的地址"):
        assert driver.say("r2", asked, "g1") == [], asked
    driver.one("r2", "/lang en")
    assert "红旗里社区/1号院/3号楼/2单元/302" in driver.one("r2", "my address").text
