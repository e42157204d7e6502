"""Registering from a private chat, through the circle of the sender's estate."""

from __future__ import annotations

from bot.app import App
from tests.support.community import bind_approved, build, building_circles


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
    told = driver.one("stranger", "登记 3-2-305 同意").text
    said = "请在您所在楼栋或小区的群里发送「登记 楼号-单元-房号」，例如「登记 3-2-301」。"
    assert told == said, told
    assert driver.household_of("stranger") is None


def test_registering_in_a_group_bound_to_nothing_says_where_to_register(app: App) -> None:
    driver = build(app)
    driver.group("g9", "新群", admins=("owner9",))
    for command in ("登记 3-2-305 同意", "搬迁 3-2-305"):
        told = driver.one("stranger", command, "g9").text
        assert told.startswith("本群还没有绑定到小区，这里还不能登记。"), told
        assert "「登记 3-2-301」" in told and "书记" not in told, told
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


def test_help_offers_registration_only_where_it_can_work(app: App) -> None:
    driver = build(app)
    driver.group("g9", "党员圈", admins=("owner9",))
    bind_approved(driver, "owner9", "g9", "红旗里社区")
    assert "/join" not in driver.one("stranger", "帮助").text
    driver.say("newcomer", "大家好", "g1", name="小陈")
    driver.say("newcomer", "大家好", "g9")
    assert "/join" not in driver.one("newcomer", "帮助", "g9").text
    assert "/join" in driver.one("newcomer", "帮助", "g1").text
    assert "/join" in driver.one("newcomer", "帮助").text


def test_start_says_where_one_is_registered_or_how_to_register_from_here(app: App) -> None:
    driver = build(app)
    registered = driver.one("r2", "/start").text
    assert "您已登记在 红旗里社区/1号院/3号楼/2单元/302" in registered, registered
    assert "登记方法" not in registered
    stranger = driver.one("stranger", "/start").text
    assert "在您所在楼栋或小区的群里发送「登记" in stranger, stranger
    driver.say("newcomer", "大家好", "g1", name="小陈")
    newcomer = driver.one("newcomer", "/start").text
    assert "直接在这里发送「登记 楼号-单元-房号」" in newcomer, newcomer


def test_start_tells_one_whose_household_has_not_answered_yet_that_the_request_waits(
    app: App,
) -> None:
    driver = build(app)
    # Request 1 is r1b's, answered when the community was built.
    driver.say("nr1", "登记 3-2-302 同意", "g1", name="nr1")
    waiting = driver.one("nr1", "/start").text
    asked = "您申请登记到 红旗里社区/1号院/3号楼/2单元/302，还在等家里人确认（申请号 2）。"
    assert asked in waiting, waiting
    assert "重新登记，这个申请就撤回了" in waiting and "登记方法" not in waiting


def test_private_help_leads_with_the_waiting_request_and_how_to_change_it(app: App) -> None:
    driver = build(app)
    driver.say("nr1", "登记 3-2-302 同意", "g1", name="nr1")
    told = "您申请登记到 红旗里社区/1号院/3号楼/2单元/302，还在等家里人确认（申请号 2）。"
    for typed, chat in (("帮助", None), ("帮助 全部", None), ("帮助 全部", "g1")):
        answer = driver.one("nr1", typed, chat)
        assert answer.private and answer.text.startswith(told), answer
    assert told not in driver.one("nr1", "帮助", "g1").text
    # The household asked is asked again; the help itself is theirs as ever.
    question, listed = driver.say("r2", "帮助")
    assert question.text.startswith("nr1 想登记到您家") and "申请" not in listed.text
    assert "申请" not in driver.one("r3", "帮助").text
    driver.say("nr1", "登记 3-2-305", "g1")
    assert "申请" not in driver.one("nr1", "帮助").text


def test_another_estates_name_before_the_address_sends_one_to_its_group(app: App) -> None:
    driver = build(app)
    driver.say("newcomer", "大家好", "g1", name="小陈")
    for chat in (None, "g1"):
        told = driver.one("newcomer", "登记 2号院 3-2-301", chat).text
        assert "2号院的房子要在2号院的群里登记" in told, told
    assert "2号院的房子" in driver.one("newcomer", "登記 2號院3-2-301").text
    assert driver.household_of("newcomer") is None
    assert "看不懂地址" in driver.one("newcomer", "登记 9号院 3-2-301").text


def test_one_asked_to_register_first_is_told_to_do_it_privately_where_one_may(app: App) -> None:
    driver = build(app)
    assert "在小区群里发送「登记" in driver.one("stranger", "投票").text
    driver.say("newcomer", "大家好", "g1", name="小陈")
    told = driver.one("newcomer", "投票").text
    assert "请先登记您家：在小区群里或私聊我发送「登记 楼号-单元-房号」" in told, told


def test_me_tells_one_not_yet_registered_to_register_right_here_where_one_may(app: App) -> None:
    driver = build(app)
    assert "在小区群里发送「登记 3-2-301」" in driver.one("stranger", "我的").text
    driver.say("newcomer", "大家好", "g1", name="小陈")
    assert "还没有登记（直接在这里发送「登记 3-2-301」）" in driver.one("newcomer", "我的").text


def test_an_english_speaker_registers_with_the_address_in_english(app: App) -> None:
    driver = build(app)
    driver.say("newcomer", "/lang en", name="Tom")
    for typed in (
        "building 3 unit 2 room 305",
        "Bldg 3, Unit 2, Rm 305",
        "block 3 flat 305 unit 2",
    ):
        asked = driver.one("newcomer", f"/join {typed}", "g1")
        assert "1号院/3号楼/2单元/305" in asked.text, asked.text
        assert asked.buttons[0][0][1] == "/join 3-2-305 同意", typed
    done = driver.one("newcomer", "/join 3/2/305 agree")
    assert "registered at 1号院/3号楼/2单元/305" in done.text, done.text
    assert driver.household_of("newcomer") == "305"
    moved = driver.say("newcomer", "/move Building #3, Unit 2, Room #304")[0]
    assert "1号院/3号楼/2单元/304 already has registered residents" in moved.text, moved.text


def test_register_alone_tells_someone_registered_where_privately_and_changes_nothing(
    app: App,
) -> None:
    driver = build(app)
    said = (
        "您已经登记在 红旗里社区/1号院/3号楼/2单元/302。"
        "搬家了，请发送新家的「登记 楼号-单元-房号」。"
    )
    assert driver.one("r2", "登记").text == said
    in_group = driver.say("r2", "登记", "g1")
    assert [a.text for a in in_group if a.private] == [said]
    assert all("302" not in a.text for a in in_group if not a.private)
    assert driver.household_of("r2") == "302"
    # Someone in no estate's group is told where registering works, a newcomer how.
    assert driver.one("stranger", "登记").text.startswith("请在您所在楼栋或小区的群里发送「登记")
    driver.say("newcomer", "大家好", "g1", name="小陈")
    assert "用法：「登记 楼号-单元-房号」" in driver.one("newcomer", "登记").text
