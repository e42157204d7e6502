"""A number names nothing to whoever may not act on it: the same answer, found or not."""

from __future__ import annotations

import re

import pytest

from bot.app import App
from tests.support.community import build, register
from tests.support.driver import Driver
from tests.support.volunteers import create

MISSING = 97
# Commands on a shift, a redemption or an item of 2号院's circle, someone else's.
COMMANDS = (
    "修改班次 {n} | 3人",
    "取消班次 {n}",
    "确认出勤 {n}",
    "缺勤 {n} 1",
    "撤销签到 {n} @r5",
    "更正时长 {n} @r5 1小时",
    "批准 {n} @r5",
    "不批准 {n} @r5",
    "加分 班次 {n} 5 值守",
    "上架 {n} 120分 20件",
    "下架 {n}",
    "发放 {n}",
    "拒绝兑换 {n} 没货",
    "取消兑换 {n}",
)
# A resident of another circle, privately and in its group; a neighbour without a role in
# the shift's own circle; the admin of another circle; a building head of another building.
ASKERS = (("r1", None), ("r1", "g1"), ("r7", "g2"), ("owner", "g1"), ("bh", None))


def _answer(driver: Driver, user: str, text: str, chat: str | None, number: int) -> str:
    said = driver.say(user, text.format(n=number), chat)
    return re.sub(rf"#{number}(?!\d)", "#N", " / ".join(s.text for s in said))


@pytest.mark.parametrize(("user", "chat"), ASKERS)
def test_a_number_elsewhere_is_answered_as_a_number_nobody_has(
    app: App, user: str, chat: str | None
) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "1号院/3号楼")
    register(driver, "r5", "1-1-101", chat="g2")
    register(driver, "r7", "1-1-102", chat="g2")
    (shift,) = create(app, "2号院门岗 | 2026-11-25 08:00-10:00 | 2人", user="owner2", chat="g2")
    driver.say("r5", f"报名 {shift}", "g2")
    driver.say("sec", "加分 @r5 100", "g2")
    driver.say("sec", "上架 大米 10分 5件", "g2")
    driver.say("r5", "兑换 1", "g2")
    driver.say(user, "你好", chat)
    told = []
    for command in COMMANDS:
        before = driver.snapshot()
        found = _answer(driver, user, command, chat, 1)
        missing = _answer(driver, user, command, chat, MISSING)
        assert driver.snapshot() == before, command
        if found != missing:
            told.append(f"{command}: {found!r} vs {missing!r}")
        # Nothing of the hidden shift or redemption: its title, place or people.
        told.extend(f"{command}: {found!r}" for word in ("门岗", "r5", "2号院") if word in found)
    assert not told, "\n".join(told)
