"""When the last registered member leaves a household (a move, or erasing themselves) while
requests to join it wait, those who check the household are asked in their stead, once, and
each asker is told privately; nobody gets in because the members left."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import VirtualClock
from bot.db import Database
from bot.messages import EventKind
from tests.support.community import (
    COMMUNITY,
    build,
    building_circles,
    without_private_chats,
)
from tests.support.driver import Driver, Sent

EMPTIED = "{} 想登记到 1号院/3号楼/2单元/302（申请号 {}），这户登记的住户都已离开，没人能确认了。"
LEFT = (
    "{}，1号院/3号楼/2单元/302 登记的住户都已离开。"
    "已私聊请楼长、单元长或网格员核实您的申请（申请号 {}），请耐心等待。"
)
CHECKERS = ["bh", "uh", "gw"]


@pytest.fixture
def town(db: Database, clock: VirtualClock, tmp_path: Path) -> Iterator[Driver]:
    """The test community, where the bot writes only to those who opened a private chat:
    r2 (302) has; `bh` heads 3号楼, `uh` its unit 2, `gw` is the grid worker and `bh4`
    heads 4号楼, each with a private chat open."""
    driver = build(without_private_chats(db, clock, tmp_path))
    building_circles(driver)
    driver.grant("gw", "网格员", COMMUNITY)
    driver.grant("bh4", "楼长", "1号院/4号楼")
    for user in ("bh", "uh", "gw", "bh4", "r2"):
        driver.say(user, "/start", name=user)
    yield driver
    driver.app.close()


def _asks(town: Driver, user: str, room: str = "302") -> int:
    """`user` asks in g1 to join a household; the request's number. Its members hear of it,
    so nobody who checks households is asked."""
    town.say(user, "/start", name=user)
    answers = town.say(user, f"登记 3-2-{room} 同意", "g1")
    assert not any(a.chat in CHECKERS for a in answers), answers
    mine = next(a.text for a in answers if a.chat == user)
    return int(re.findall(r"申请号 (\d+)", mine)[0])


def _others(answers: list[Sent], user: str) -> list[Sent]:
    """What the bot sent privately to anybody but `user`; no group hears more than the
    one line that the answer went privately."""
    group = [a.text for a in answers if not a.private]
    assert group in ([], [f"{user}，详情已私聊发给您。"]), answers
    return [a for a in answers if a.private and a.chat != user]


def test_the_last_member_moving_out_sends_each_request_to_those_who_check(town: Driver) -> None:
    first, second = _asks(town, "r5"), _asks(town, "r6")
    pushed = _others(town.say("r2", "/move 3-2-305", "g1"), "r2")
    told = {a.chat: a.text for a in pushed if a.chat in ("r5", "r6")}
    assert told == {"r5": LEFT.format("r5", first), "r6": LEFT.format("r6", second)}
    asked = [(a.chat, a.text.split("请您核实")[0]) for a in pushed if a.chat not in told]
    assert sorted(asked) == sorted(
        (checker, EMPTIED.format(name, number))
        for checker in CHECKERS
        for name, number in (("r5", first), ("r6", second))
    )
    question = next(a for a in pushed if a.chat == "uh" and a.text.startswith("r5"))
    assert question.buttons == [
        [("同意", f"/confirmjoin {first}"), ("不同意", f"/refusejoin {first}")]
    ]
    # Nobody gets in because the members left: the requests wait for a checker's answer.
    assert town.household_of("r5") is None and town.household_of("r6") is None
    town.say("uh", question.tokens["同意"], None, event=EventKind.PRESS)
    assert town.household_of("r5") == "302" and town.household_of("r6") is None


def test_a_checkers_help_says_the_household_has_nobody_left(town: Driver) -> None:
    number = _asks(town, "r5")
    assert len(town.say("bh", "帮助")) == 1
    town.say("r2", "/move 3-2-305", "g1")
    question = town.say("bh", "帮助")[0]
    assert question.text.startswith(EMPTIED.format("r5", number)), question.text


def test_the_asker_reads_everywhere_that_the_request_now_waits_for_those_who_check(
    town: Driver,
) -> None:
    number = _asks(town, "r5")
    town.say("r2", "/move 3-2-305", "g1")
    waits = f"还在等楼长、单元长或网格员确认（申请号 {number}）"
    asked = f"您申请登记到 红旗里社区/1号院/3号楼/2单元/302，{waits}。"
    assert asked in town.say("r5", "/start")[0].text
    assert asked in town.say("r5", "帮助")[-1].text
    assert f"登记到 红旗里社区/1号院/3号楼/2单元/302 {waits}" in town.say("r5", "我的")[0].text
    assert f"还没有积分。您的登记{waits}" in town.say("r5", "积分")[0].text
    assert f"您的登记{waits}，确认后就能报名值班。" in town.say("r5", "时长")[0].text
    mine = town.say("r5", "我的数据")[0].text
    assert (
        "申请登记到 文化路街道/红旗里社区/1号院/3号楼/2单元/302，还在等楼长、单元长或网格员确认）"
        in mine
    )
    town.say("owner", "发起投票 问题 | 甲 | 乙 | 每人一票", "g1")
    assert f"您的登记{waits}，确认后就能投票、报名了。" in town.say("r5", "投票 1")[0].text
    town.say("r5", "/lang zh-Hant")
    assert f"還在等樓長、單元長或網格員確認（申請號 {number}）" in town.say("r5", "/start")[0].text
    town.say("r5", "/lang en")
    checked = f"your building head, unit head or grid worker to check it (request {number})."
    assert f"302, still waiting for {checked}" in town.say("r5", "/start")[0].text


def test_a_member_leaving_while_another_stays_sends_nothing_new(town: Driver) -> None:
    # r1 and r1b live in 301; r1 moves out, r1b still answers.
    _asks(town, "r5", "301")
    pushed = _others(town.say("r1", "/move 3-2-305", "g1"), "r1")
    assert pushed == []


def test_erasing_the_last_member_is_like_leaving_and_names_them_nowhere(town: Driver) -> None:
    number = _asks(town, "r5")
    answers = town.say("r2", "/forget 确认")
    pushed = [a for a in answers if a.chat != "r2"]
    assert all(a.private for a in answers)
    assert [a.text for a in pushed if a.chat == "r5"] == [LEFT.format("r5", number)]
    assert sorted(a.chat for a in pushed if a.chat != "r5") == sorted(CHECKERS)
    for push in pushed:
        assert "r2" not in push.text and "r2" not in str(push.buttons), push
    assert all(a.text.startswith(EMPTIED.format("r5", number)) for a in pushed if a.chat != "r5")


def test_requests_already_answered_are_not_sent(town: Driver) -> None:
    refused, waiting = _asks(town, "r5"), _asks(town, "r6")
    town.say("r2", f"拒绝入户 {refused}")
    pushed = _others(town.say("r2", "/move 3-2-305", "g1"), "r2")
    assert {a.chat for a in pushed} == {"r6", *CHECKERS}
    asked = {command for a in pushed for row in a.buttons for _, command in row}
    assert asked == {f"/confirmjoin {waiting}", f"/refusejoin {waiting}"}, refused
    assert all("r5" not in a.text for a in pushed)


def test_each_reads_it_in_their_language(town: Driver) -> None:
    town.say("bh", "/lang zh-Hant")
    town.say("r5", "/lang zh-Hant", name="r5")
    town.say("r5", "登記 3-2-302 同意", "g1")
    pushed = _others(town.say("r2", "/move 3-2-305", "g1"), "r2")
    texts = {a.chat: a.text for a in pushed}
    assert re.match(
        r"r5 想登記到 1号院/3号楼/2单元/302（申請號 \d+），這戶登記的住戶都已離開，沒人能確認了。",
        texts["bh"],
    ), texts["bh"]
    assert texts["uh"].startswith("r5 想登记到"), texts["uh"]
    assert "登記的住戶都已離開。已私聊請樓長、單元長或網格員核實您的申請" in texts["r5"]


def test_moving_out_by_the_new_households_consent_sends_them_too(town: Driver) -> None:
    number = _asks(town, "r5")
    asked = town.say("r2", "/move 3-2-303", "g1")
    move = int(re.findall(r"申请号 (\d+)", next(a.text for a in asked if a.chat == "r2"))[0])
    answers = town.say("r3", f"确认入户 {move}")
    assert town.household_of("r2") == "303"
    assert [a.text for a in answers if a.chat == "r5"] == [LEFT.format("r5", number)]
    assert sorted(a.chat for a in answers if a.chat in CHECKERS) == sorted(CHECKERS)


def test_a_household_with_no_checker_to_write_to_tells_the_asker_whom_to_ask(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    town = build(without_private_chats(db, clock, tmp_path))
    town.say("r2", "/start")
    town.say("r5", "/lang en", name="r5")
    town.say("r5", "/join 3-2-302 agree", "g1")
    pushed = _others(town.say("r2", "/move 3-2-305", "g1"), "r2")
    assert [a.chat for a in pushed] == ["r5"]
    assert re.fullmatch(
        r"r5, the registered residents of 1号院/3号楼/2单元/302 have all left\. Please ask your "
        r'building head, unit head or grid worker to send "/confirmjoin \d+"\.',
        pushed[0].text,
    ), pushed[0].text
    town.app.close()


def test_at_night_they_are_told_in_the_morning(town: Driver) -> None:
    zone = ZoneInfo("Asia/Shanghai")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    _asks(town, "r5")
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=zone))
    answers = town.say("r2", "/move 3-2-305", "g1")
    assert [a.chat for a in answers] == ["r2", "g1"]
    morning = town.app.scheduler.run_until(
        clock.now(), datetime(2026, 11, 24, 9, 0, tzinfo=zone), clock.set
    )
    sent = [(at.astimezone(zone).strftime("%H:%M"), e) for at, batch in morning for e in batch]
    assert sorted((at, e.target.chat_id, e.reply.template) for at, e in sent) == sorted(
        [("07:30", "r5", "households.members_left")]
        + [("07:30", checker, "households.emptied_request") for checker in CHECKERS]
    )
