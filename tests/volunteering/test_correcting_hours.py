"""Correcting recorded hours: who may, what may be typed, audit, and who is told what."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from models import AuditEntry, VolunteerHours
from tests.support.community import build, session_of
from tests.support.driver import Driver
from tests.support.volunteers import advance, create, join

# 2026-11-23 10:00 is now; shift #1 runs 11:00-14:00 today, #2 after it.
SHIFT = "门岗 | 2026-11-23 11:00-14:00 | 3人"
LATER = "门岗 | 2026-11-23 15:00-17:00 | 3人"
USAGE = (
    "用法：「更正时长 班次 12 @张三 1.5小时」，时长也可写「2小时」「90分钟」「1小时30分」。"
    "只能更正已签退或已确认出勤的时长。"
)


@pytest.fixture
def town(app: App) -> Driver:
    """The test community, r2 and r3 on shift #1 (3 hours), confirmed after it; r4 on #2."""
    driver = build(app)
    create(app, SHIFT)
    create(app, LATER)
    join(app, "r2", 1)
    join(app, "r3", 1)
    join(app, "r4", 2)
    advance(app, hours=4, minutes=30)
    driver.say("owner", "确认出勤 1", "g1")
    return driver


def _minutes(app: App) -> dict[str, int]:
    with session_of(app) as session:
        rows = session.scalars(select(VolunteerHours)).all()
        return {h.resident.display_name: h.minutes for h in rows if h.resident}


TYPED = (
    ("更正时长 班次 1 @r2 1.5小时", 90),
    ("更正时长 1 @r2 2小时", 120),
    ("更正时长 1 @r2 90分钟", 90),
    ("更正时长 1 1 1 小时 15 分", 75),
    ("更正时长 1 @r2 1小时30分", 90),
    ("更正時長 1 @r2 1.2小時", 72),
    ("更正时长 1 @r2 一个半小时", 90),
    ("/fixhours 1 @r2 1.25h", 75),
    ("/fixhours shift 1 @r2 100 min", 100),
)


def test_an_admin_corrects_the_hours_in_any_way_they_type_them(town: Driver) -> None:
    for typed, minutes in TYPED:
        town.say("owner", typed, "g1")
        assert _minutes(town.app) == {"r2": minutes, "r3": 180}, typed
        assert town.templates() == [
            "volunteering.hours_corrected",
            "volunteering.hours_corrected_notice",
        ]


def test_the_group_sees_the_new_length_and_the_volunteer_is_told_privately(town: Driver) -> None:
    reply, notice = town.say("owner", "更正时长 班次 1 @r2 1.5小时", "g1")
    assert (reply.chat, reply.private) == ("g1", False)
    when = "#1 门岗（11月23日 周一 11:00–14:00）"
    assert reply.text == f"已更正 r2 在 {when}的志愿服务时长：1 小时 30 分（原来 3 小时）。"
    assert notice.private and notice.chat == "r2"
    assert notice.text == (
        f"r2，管理员更正了您在 {when}的志愿服务时长：1 小时 30 分（原来 3 小时）。"
        "有疑问请联系管理员。"
    )
    with session_of(town.app) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "shift.correct_hours")
        ).one()
        owner = session.get_one(VolunteerHours, 1).confirmed_by_id
        assert entry.actor_id == owner and entry.target_id is not None
        assert entry.details == {"shift": 1, "was": 180, "minutes": 90, "points": 0}
    assert "r2 1 小时 30 分" in town.one("r2", "时长").text.replace("共 ", "r2 ").replace("<b>", "")


@pytest.mark.parametrize(
    ("language", "typed", "length", "data"),
    [
        ("zh-Hans", "更正时长 1 @r2 80分钟", "1 小时 20 分", "志愿服务时长：1 小时 20 分"),
        ("zh-Hant", "更正時長 1 @r2 45分鐘", "45 分鐘", "志願服務時長：45 分鐘"),
        ("en", "/fixhours 1 @r2 80m", "1 hour 20 minutes", "Volunteer hours: 1 hour 20 minutes"),
    ],
)
def test_a_length_reads_back_in_hours_and_minutes_not_as_a_decimal(
    town: Driver, language: str, typed: str, length: str, data: str
) -> None:
    town.one("owner", f"/lang {language}", "g1")
    town.one("r2", f"/lang {language}")
    reply, notice = town.say("owner", typed, "g1")
    assert length in reply.text and length in notice.text
    assert f"门岗 {length}" in town.one("r2", "/hours").text
    assert data in town.one("r2", "/mydata").text


def test_hours_a_volunteer_checked_out_are_corrected_too(app: App) -> None:
    driver = build(app)
    create(app, SHIFT)
    join(app, "r2", 1)
    advance(app, hours=1)
    driver.say("r2", "签到", "g1")
    advance(app, minutes=30)
    driver.say("r2", "签退", "g1")
    assert _minutes(app) == {"r2": 30}
    driver.say("owner", "更正时长 1 @r2 2小时", "g1")
    assert _minutes(app) == {"r2": 120}


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("更正时长 9 @r2 1小时", "您能管理的班次里没有 #9。班次由本圈管理员和社区书记安排。"),
        ("更正时长 1 @r4 1小时", "r4 不在 #1 号班次的名单上。"),
        ("更正时长 2 @r4 1小时", "r4 在 #2 还没有记时长，签退或「确认出勤」后才能更正。"),
        ("更正时长 1 @r2 0分钟", "时长要大于 0，且不超过 #1 的班次时长（3 小时）。"),
        ("更正时长 1 @r2 0.001小时", "时长要大于 0，且不超过 #1 的班次时长（3 小时）。"),
        ("更正时长 1 @r2 3小时1分", "时长要大于 0，且不超过 #1 的班次时长（3 小时）。"),
        ("更正时长 1 @r2 3小时", "r2 在 #1 的时长已是 3 小时，没有改动。"),
        ("更正时长 1 @r2 2", USAGE),
        ("更正时长 1 @r2", USAGE),
        ("更正时长 1 1小时", USAGE),
        ("更正时长 @r2 1小时", USAGE),
    ],
)  # fmt: skip
def test_bad_input_is_answered_with_how_and_changes_nothing(
    town: Driver, typed: str, answer: str
) -> None:
    before = town.snapshot()
    assert town.one("owner", typed, "g1").text == answer
    assert town.snapshot() == before


def test_only_those_who_confirm_attendance_correct_hours(town: Driver) -> None:
    before = town.snapshot()
    refused = town.one("r3", "更正时长 1 @r2 1小时", "g1").text
    assert refused == "您能管理的班次里没有 #1。班次由本圈管理员和社区书记安排。"
    assert town.snapshot() == before
    town.say("sec", "更正时长 1 @r2 1小时", "g1")
    assert _minutes(town.app) == {"r2": 60, "r3": 180}
    owner_help = "".join(sent.text for sent in town.say("owner", "帮助 全部", "g1"))
    resident_help = "".join(sent.text for sent in town.say("r2", "帮助 全部", "g1"))
    assert "/fixhours 12 @张三 1.5小时（更正时长）" in owner_help
    assert "/fixhours" not in resident_help


def test_an_admin_adds_no_hours_of_their_own_but_may_take_some_off(town: Driver) -> None:
    town.admins["g1"].add("r2")
    before = town.snapshot()
    refused = town.one("r2", "更正时长 1 @r2 4小时", "g1")
    assert refused.text == "时长要大于 0，且不超过 #1 的班次时长（3 小时）。"
    town.say("r2", "更正时长 1 @r2 1小时", "g1")
    assert _minutes(town.app) == {"r2": 60, "r3": 180}
    before = town.snapshot()
    refused = town.one("r2", "更正时长 1 @r2 2小时", "g1")
    assert refused.private
    assert refused.text == "不能给自己或家里人加时长（r2）。请另一位管理员或书记来更正。"
    assert town.snapshot() == before


def test_in_english_the_usage_and_the_notice_are_english(town: Driver) -> None:
    town.one("owner", "/lang en", "g1")
    usage = town.one("owner", "/fixhours 1 @r2", "g1").text
    assert usage.startswith('Usage: "/fixhours 12 @Zhang 1.5h"')
    done = town.say("owner", "/fixhours 1 @r2 1.5h", "g1")[0].text
    assert (
        done == "Corrected r2's volunteer hours on #1 门岗 (Mon 23 Nov 11:00–14:00):"
        " 1 hour 30 minutes (was 3 hours)."
    )
