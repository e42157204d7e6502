"""Request figures (诉求统计) per community and layer, and the secretaries' overdue list."""

from __future__ import annotations

import re

import pytest

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from tests.requests.test_requests import _tick, town
from tests.support.chain import to as _to
from tests.support.driver import Driver

__all__ = ["town"]

DIGEST = "超时诉求"


def _digests(sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(chat, text) for chat, text in sent if DIGEST in text]


def _month(town: Driver) -> None:
    """Request 1 solved by the member in 2 hours (rated 4); request 2 solved by the central
    household after climbing to it, 5 hours after it came (rated 2); request 3 waiting."""
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("r2", "报修 楼道灯不亮", "g1")
    town.say("li", "接单 1")
    _tick(app, hours=2)
    town.say("li", "办结诉求 1 换了灯泡")
    town.say("r1", "确认解决 1")
    town.say("r1", "评价 1 4")
    _tick(app, hours=2)
    town.say("wang", "接单 2")
    _tick(app, hours=1)
    town.say("wang", "办结诉求 2 修好了")
    town.say("r2", "评价 2 2")
    town.say("r3", "报修 垃圾没人清理")


def test_the_secretary_sees_each_layer_of_the_month(town: Driver) -> None:
    _month(town)
    figures = town.one("sec", "诉求统计").text
    assert "2026年11月诉求统计" in figures
    assert (
        "收到 3 件，接单 2 件，办结 2 件；办结用时中位数 3 小时 30 分；满意度 3 分（2 人评价）"
        in figures
    )
    member = "联系党员：收到 3 件，接单 1 件，办结 1 件（占全部办结的 50%）"
    assert member + "；办结用时中位数 2 小时；" in figures
    assert "党员中心户：收到 1 件，接单 1 件，办结 1 件（占全部办结的 50%）" in figures
    assert "；办结用时中位数 5 小时；满意度 2 分（1 人评价）" in figures
    assert "党支部" not in figures and "现在超时未办：0 件" in figures


@pytest.mark.parametrize(
    ("language", "command", "length"),
    [
        ("zh-Hans", "诉求统计", "办结用时中位数 2 天 3 小时；"),
        ("zh-Hant", "訴求統計", "辦結用時中位數 2 天 3 小時；"),
        ("en", "/requeststats", "median time to solve 2 days 3 hours;"),
    ],
)
def test_a_solution_of_days_is_told_in_days_and_hours(
    town: Driver, language: str, command: str, length: str
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    _tick(town.app, days=2, hours=3, minutes=10)
    town.say("li", "办结诉求 1 换了灯泡")
    town.one("sec", f"/lang {language}")
    figures = town.one("sec", command).text
    assert figures.count(length) == 2 and re.search(r"\d\.\d", figures) is None


def test_a_circle_and_a_resident_see_only_the_counts(town: Driver) -> None:
    _month(town)
    counts = "本月受理 3 件，已办结 2 件。"
    here = town.say("r1", "诉求统计", "g1")
    assert [(s.chat, s.text.endswith(counts)) for s in here] == [("g1", True)]
    assert "李" not in here[0].text and "王" not in here[0].text
    assert town.one("r1", "诉求统计").text.endswith(counts)
    secretary = town.say("sec", "诉求统计", "g1")
    assert secretary[0].chat == "g1" and secretary[0].text.endswith(counts)
    assert "联系党员" in _to(secretary, "sec") and "联系党员" not in secretary[0].text
    assert "请这样写" not in town.one("r1", "诉求统计 全部").text
    # December begins afresh; November's requests stay November's.
    _tick(town.app, days=8)
    assert town.one("r1", "诉求统计").text.endswith("本月受理 0 件，已办结 0 件。")


def test_the_overdue_list_goes_each_weekday_morning_once_across_a_restart(
    town: Driver,
) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("r2", "报修 楼道灯不亮", "g1")
    town.say("li", "接单 2")
    # Monday 10:00; request 1 is overdue from 14:00; the list comes on Tuesday at 08:30.
    assert _digests(_tick(app, hours=22, minutes=29)) == []
    tuesday = _digests(_tick(app, minutes=2))
    assert [chat for chat, _ in tuesday] == ["sec"]
    assert "超时诉求 1 件" in tuesday[0][1] and "1 号" in tuesday[0][1]
    assert "2 号" not in tuesday[0][1]
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    app.close()
    restarted = bootstrap(app.settings, clock, db=app.db)
    assert _digests(_tick(restarted, minutes=0)) == []
    # Wednesday to Friday, nothing at the weekend, then Monday.
    week = _digests(_tick(restarted, days=6, minutes=-2))
    assert [chat for chat, _ in week] == ["sec"] * 3
    assert len(_digests(_tick(restarted, minutes=4))) == 1
    restarted.close()


def test_the_overdue_list_waits_for_the_end_of_quiet_hours_and_skips_empty_mornings(
    town: Driver,
) -> None:
    app: App = town.app
    assert "22:00-09:00" in town.one("sec", "免打扰 22:00-09:00").text
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert _digests(_tick(app, hours=22, minutes=31)) == []
    held = _digests(_tick(app, minutes=30))
    assert [chat for chat, _ in held] == ["sec"] and "1 号" in held[0][1]
    town.say("sec", "办结诉求 1 换了灯泡")
    assert _digests(_tick(app, days=1)) == []


def test_the_overdue_list_marks_a_request_come_late_whose_new_deadline_is_ahead(
    town: Driver,
) -> None:
    app = town.app
    _tick(app, hours=6)
    # Monday 16:00: the member misses 20:00; the central household has until Tuesday 10:00.
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "王中心户" in dict(_tick(app, hours=4, minutes=1))["r1"]
    tuesday = _digests(_tick(app, hours=12, minutes=30))
    assert [chat for chat, _ in tuesday] == ["sec"]
    assert "10:00 前，下一层超时转来）" in tuesday[0][1] and "，超时）" not in tuesday[0][1]
    assert "11月24日 周二 10:00 前，下一层超时转来）" in town.one("wang", "诉求").text
    # Missed again, it is overdue at its own layer too.
    _tick(app, hours=2)
    wednesday = _digests(_tick(app, days=1))
    assert [chat for chat, _ in wednesday] == ["sec"] and "社区王书记，超时）" in wednesday[0][1]


def test_a_layer_that_solved_nothing_shows_no_share_of_solutions(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    figures = town.one("sec", "诉求统计").text
    assert "联系党员：收到 1 件，接单 0 件，办结 0 件；" in figures
    assert "占全部办结" not in figures


def test_a_request_sent_back_after_coming_late_is_not_shown_as_overdue(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "王中心户" in dict(_tick(town.app, hours=4, minutes=1))["r1"]
    town.say("wang", "退回 1 不归我们管")
    line = town.one("r1", "诉求").text
    assert "（已退回）" in line and "超时" not in line
