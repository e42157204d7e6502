"""Registering from a private chat, through the circle of the sender's estate."""

from __future__ import annotations

from bot.app import App
from tests.support.community import build, building_circles


def test_a_member_of_one_estates_group_registers_privately_with_the_same_consent(
    app: App,
) -> None:
    driver = build(app)
    assert driver.say("newcomer", "大家好", "g1", name="小陈") == []
    asked = driver.one("newcomer", "登记 3-2-305")
    assert asked.private and "登记 1号院/3号楼/2单元/305 之前请您确认" in asked.text, asked.text
    assert driver.household_of("newcomer") is None
    done = driver.press("newcomer", asked, "同意并登记")
    assert done.private and "登记好了" in done.text, done.text
    assert driver.household_of("newcomer") == "305"


def test_someone_in_no_estates_group_is_still_sent_to_the_group(app: App) -> None:
    driver = build(app)
    assert "请在邻里圈的群里发送" in driver.one("stranger", "登记 3-2-305 同意").text
    assert driver.household_of("stranger") is None


def test_a_member_of_several_estates_groups_names_the_estate_in_front(app: App) -> None:
    driver = build(app)
    driver.say("newcomer", "大家好", "g1", name="小陈")
    driver.say("newcomer", "大家好", "g2")
    which = driver.one("newcomer", "登记 3-2-305 同意")
    assert which.private and "1号院、2号院" in which.text, which.text
    assert "「登记 1号院 3-2-301」" in which.text and driver.household_of("newcomer") is None
    asked = driver.one("newcomer", "登记 1號院3號樓2單元305")
    assert "回复「登记 1号院 3-2-305 同意」" in asked.text, asked.text
    assert asked.buttons == [[("同意并登记", "/join 1号院 3-2-305 同意")]]
    assert "登记好了" in driver.press("newcomer", asked, "同意并登记").text
    assert driver.household_of("newcomer") == "305"


def test_a_private_move_says_where_one_is_in_one_private_answer(app: App) -> None:
    driver = build(app)
    asked = driver.say("r2", "登记 3-2-305")
    assert len(asked) == 1 and asked[0].private, asked
    assert "您已经登记在1号院/3号楼/2单元/302。要改为" in asked[0].text, asked[0].text
    assert "已改为" in driver.press("r2", asked[0], "确认搬迁").text
    assert driver.household_of("r2") == "305"


def test_a_building_groups_member_registers_through_the_estates_wider_group(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    driver.say("newcomer", "大家好", "g4", name="小陈")
    assert "不在1号院/3号楼的范围内" in driver.one("newcomer", "登记 4-101 同意").text
    driver.say("newcomer", "大家好", "g1")
    assert "登记好了" in driver.one("newcomer", "登记 4-101 同意").text
    assert driver.household_of("newcomer") == "101"
