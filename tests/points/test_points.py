"""Points: hours earn once, corrections, recycling, awards and every refusal, privacy, erasure."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.app import App
from bot.messages import ChatKind, ChatRef, Incoming, UserRef
from bot.services import points
from models import (
    AuditEntry,
    PointsAccount,
    PointsEntry,
    PointsGrant,
    PointsRules,
    PointsSource,
    RecyclingRecord,
    VolunteerHours,
)
from tests.support.community import build, session_of
from tests.support.driver import PLATFORM, Driver, Sent
from tests.support.points import balances, consistent, held, set_rules
from tests.support.volunteers import advance, create, join


def test_confirmed_hours_earn_points_once_in_the_same_transaction(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    (number,) = create(app, "门岗值守 | 明天 08:00-10:00 | 2人")
    join(app, "r2", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    driver.say("owner", f"确认出勤 {number}", "g1")
    driver.say("r2", "积分")
    (answer,) = driver.answers
    assert answer.reply.template == "points.view"
    assert [b["balance"] for b in answer.reply.data["balances"]] == [4]
    assert [(e["amount"], e["category"]) for e in answer.reply.data["recent"]] == [(4, "duty")]
    consistent(app)


def test_a_correction_of_hours_posts_the_correcting_entry(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    (number,) = create(app, "夜间巡逻 | 明天 08:00-11:00 | 2人")
    driver.say("sec", "积分规则 巡逻 2/小时", "g1")
    join(app, "r2", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    with session_of(app) as session:
        hours = session.scalars(select(VolunteerHours)).one()
        hours.minutes = 60
        correction = points.correct_hours(session, app.clock.now(), hours, None)
        assert correction is not None and correction.amount == -4
    with session_of(app) as session:
        amounts = session.scalars(select(PointsEntry.amount).order_by(PointsEntry.id)).all()
    assert amounts == [6, -4]
    consistent(app)


def test_corrected_hours_move_the_volunteers_points_and_tell_them_privately(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    (number,) = create(app, "门岗值守 | 明天 08:00-11:00 | 2人")
    join(app, "r2", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    reply, notice = driver.say("owner", f"更正时长 班次 {number} @r2 1.5小时", "g1")
    assert not reply.private and reply.text.endswith("时长：1 小时 30 分（原来 3 小时）。")
    assert notice.private and notice.text.endswith("积分相应扣 3 分。有疑问请联系管理员。")
    assert balances(app) == [(3, 3)]
    assert "积分相应加 1 分" in driver.say("owner", f"更正时长 {number} @r2 2小时", "g1")[1].text
    with session_of(app) as session:
        entries = session.execute(select(PointsEntry.amount, PointsEntry.reason)).all()
        details = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "shift.correct_hours")
        ).all()
    assert [tuple(e) for e in entries] == [(6, ""), (-3, "更正时长"), (1, "更正时长")]
    assert [d["points"] for d in details] == [-3, 1]
    consistent(app)


def test_a_correction_keeps_the_daily_cap_that_cut_the_award(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    (number,) = create(app, "门岗值守 | 明天 08:00-12:00 | 2人")
    join(app, "r2", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    # Four hours earn 8 points, cut to the daily cap of 6.
    assert balances(app) == [(6, 6)]
    # Three and a half would earn 7: still over the cap, so the award stands.
    driver.say("owner", f"更正时长 {number} @r2 3.5小时", "g1")
    assert balances(app) == [(6, 6)]
    driver.say("owner", f"更正时长 {number} @r2 2小时", "g1")
    assert balances(app) == [(4, 4)]
    # Back up again, the cap still holds.
    driver.say("owner", f"更正时长 {number} @r2 4小时", "g1")
    assert balances(app) == [(6, 6)]
    consistent(app)


def test_hours_are_not_corrected_when_the_points_they_take_are_held_for_a_redemption(
    app: App,
) -> None:
    driver = build(app)
    set_rules(driver)
    (number,) = create(app, "门岗值守 | 明天 08:00-11:00 | 2人")
    join(app, "r2", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    driver.say("sec", "上架 大米 5分", "g1")
    driver.say("r2", "兑换 1", "g1")
    before = driver.snapshot()
    told = driver.one("owner", f"更正时长 {number} @r2 1小时", "g1")
    assert told.private
    assert told.text == (
        f"没有更正 r2 在 #{number} 的时长：要扣的积分会动到 TA 兑换中的 5 分。"
        "请等兑换完成或取消后再更正。"
    )
    assert driver.snapshot() == before
    driver.say("owner", f"更正时长 {number} @r2 2.5小时", "g1")
    assert held(app)[0] == [(5, 5)]
    consistent(app)


def test_recycling_earns_the_kinds_points_up_to_the_daily_cap(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    assert "得 2 分" in driver.one("r3", "回收 @r2 电池", "g1").text
    assert "得 4 分" in driver.say("r3", "回收 3-2-302 大件", "g1")[-1].text
    assert "上限" in driver.one("r3", "回收 @r2 电池", "g1").text
    advance(app, days=1)
    assert "得 2 分" in driver.one("r3", "回收 @r2 电池", "g1").text
    with session_of(app) as session:
        records = session.scalars(
            select(PointsEntry.source).where(PointsEntry.source == PointsSource.RECYCLING)
        ).all()
    assert len(records) == 3
    consistent(app)


def test_points_rules_are_set_and_shown_in_english_words(app: App) -> None:
    driver = build(app)
    driver.one("sec", "/lang en", "g1")
    for rule in ("duty 2/hour", "patrol 3 per hour", "battery 2", "bulky 5", "daily cap 6"):
        assert "Changed." in driver.one("sec", f"/pointrules {rule}", "g1").text, rule
    shown = driver.one("sec", "/pointrules", "g1").text
    assert "Points per hour: duty 2, patrol 3" in shown
    assert '"/pointrules duty 2/hour"' in shown and "值守" not in shown
    usage = driver.one("sec", "/pointrules battery lots", "g1").text
    assert '"/pointrules battery 2"' in usage and "电池" not in usage
    with session_of(app) as session:
        rules = session.scalars(select(PointsRules)).one()
        assert rules.per_hour == {"duty": 2, "patrol": 3} and rules.daily_cap == 6
        assert rules.per_recycling == {"hazardous": 2, "bulky": 5}


def test_points_rules_show_how_to_change_them_only_to_those_who_may(app: App) -> None:
    driver = build(app)
    resident = driver.one("r2", "积分规则", "g1").text
    assert "值班每小时：未设" in resident and "修改举例" not in resident
    assert "修改举例：「积分规则 值守 2/小时」" in driver.one("sec", "积分规则", "g1").text


def test_award_and_recycling_usage_in_english_shows_english_commands(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.one("sec", "/lang en", "g1")
    driver.one("sec", "/lang en")
    before = driver.snapshot()
    replies = [
        driver.one("sec", "/award @r2", "g1").text,
        driver.one("sec", "/award @r2 abc", "g1").text,
        driver.one("r3", "/recycle @r2 gold", "g1").text,
        driver.one("sec", "/help points", "g1").text,
    ]
    assert driver.snapshot() == before
    assert '"/award @Zhang 5 patrol"' in replies[0] and '"/award shift 3 5 duty"' in replies[0]
    assert '"/award @Zhang 5 patrol"' in replies[1]
    assert '"/recycle @Zhang battery"' in replies[2] and "Kinds: battery, medicine" in replies[2]
    assert '"/award shift 3 5"' in replies[3] and '"/recycle 3-2-301 bulky"' in replies[3]
    for text in replies:
        for word in ("巡逻", "班次", "值守", "电池", "大件", "过期药", "厨余"):
            assert word not in text, (word, text)
    assert "Recorded" in driver.one("r3", "/recycle @r2 Battery", "g1").text
    assert "shift" in driver.one("sec", "/award shift 42 5", "g1").text


def test_points_duties_are_granted_in_english_words(app: App) -> None:
    driver = build(app)
    driver.one("sec", "/lang en", "g1")
    usage = driver.one("sec", "/pointduty @r3 boss", "g1").text
    assert '"/pointduty @Zhang bin duty"' in usage and '"-bin duty" revokes' in usage
    assert "守桶" not in usage and "管理员" not in usage
    driver.one("sec", "/lang en")
    helped = driver.one("sec", "/help all", "g1").text
    assert "/pointduty @someone bin duty —" in helped
    assert "/stock rice 100pts 10 bags —" in helped
    assert driver.one("sec", "/pointduty @r3 bin duty", "g1").text == "r3 is now on bin duty."
    admin = driver.one("sec", "/pointduty @r4 points admin party points", "g1").text
    assert admin == "r4 is now a points admin."
    assert driver.one("sec", "/pointduty @r3 -bin duty", "g1").text == (
        "r3 is no longer on bin duty."
    )
    with session_of(app) as session:
        grants = session.scalars(select(PointsGrant).order_by(PointsGrant.id)).all()
        assert [(g.kind.value, g.programme_id is None, g.revoked_at is None) for g in grants] == [
            ("bin", True, False),
            ("admin", False, True),
        ]


def _shift_awarded(app: App) -> tuple[Driver, int, list[Sent]]:
    """A shift that r2 and r4 attended, 5 points given to each; the award's replies."""
    driver = build(app)
    set_rules(driver)
    (number,) = create(app, "门岗值守 | 明天 08:00-10:00 | 2人")
    join(app, "r2", number)
    join(app, "r4", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    return driver, number, driver.say("sec", f"加分 班次 {number} 5 值守", "g1")


def _awarded_amounts(app: App) -> list[int]:
    """The amounts of the audited awards and deductions, in order."""
    with session_of(app) as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "points_award")
        ).all()
    return [e.details["amount"] for e in audited]


def test_awards_to_a_whole_shift_and_deductions_are_audited(app: App) -> None:
    driver, _, shift = _shift_awarded(app)
    assert "r2、r4 加 5 分" in shift[0].text
    assert [s.chat for s in shift[1:]] == ["r2", "r4"] and all(s.private for s in shift[1:])
    deducted = driver.say("sec", "加分 @r2 -3 迟到", "g1")
    assert [(s.chat, s.private) for s in deducted] == [("g1", False), ("sec", True), ("r2", True)]
    assert "扣 3 分" in deducted[1].text and "扣" not in deducted[0].text
    assert _awarded_amounts(app) == [5, 5, -3]
    consistent(app)


def test_a_deduction_typed_in_a_group_is_told_privately(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    awarded = driver.say("sec", "加分 @r2 5 巡逻", "g1")
    assert [(s.chat, s.private) for s in awarded] == [("g1", False), ("r2", True)]
    assert "r2 加 5 分（巡逻）" in awarded[0].text
    told = driver.say("sec", "加分 @r2 -3 值班迟到早退", "g1")
    group = [s for s in told if not s.private]
    assert [s.text for s in group] == ["王书记，已记下，详情已私聊发给您。"]
    private = {s.chat: s.text for s in told if s.private}
    assert private == {
        "sec": "已给 r2 扣 3 分（调整：值班迟到早退）。",
        "r2": "您被扣 3 分（调整：值班迟到早退），现有 2 分。",
    }
    assert balances(app) == [(2, 2)]


def test_a_deduction_refused_in_a_group_tells_the_balance_privately(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    before = driver.snapshot()
    told, note = driver.say("sec", "加分 @r2 -9 迟到", "g1")
    assert (told.chat, told.private) == ("sec", True) and note.chat == "g1"
    assert told.text == "扣不了：只剩 5 分，本社区不允许扣成负分。"
    assert driver.snapshot() == before
    assert balances(app) == [(5, 5)]


def test_nobody_awards_points_to_themselves_or_their_household(app: App) -> None:
    # r1 and r1b share a household; r1 is a points admin.
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "积分授权 @r1 管理员", "g1")
    driver.say("r1", "/help")
    refusal = "不能给自己或家里人加分（{}）。请另一位积分管理员或书记来加。"
    for text, name in (
        ("加分 @r1 1000", "r1"),
        ("加分 r1 五 巡逻", "r1"),
        ("奖励 @r1b 5", "r1b"),
        ("加分 @r2 @r1b 5", "r1b"),
    ):
        before = driver.snapshot()
        told = driver.say("r1", text, "g1")
        assert [(s.chat, s.text) for s in told if s.private] == [("r1", refusal.format(name))]
        assert [s.text for s in told if not s.private] == ["r1，详情已私聊发给您。"], text
        assert driver.snapshot() == before, text
    assert "r1 加 5 分" in driver.say("sec", "加分 @r1 5", "g1")[0].text
    assert "r2 加 5 分" in driver.say("r1", "加分 @r2 5", "g1")[0].text
    # Taking points off oneself grants nothing: a slip may be put right.
    assert "扣 2 分" in driver.say("r1", "加分 @r1 -2 更正", "g1")[1].text
    assert balances(app) == [(3, 3), (5, 5)]
    consistent(app)


def test_nobody_records_recycling_for_themselves_or_their_household(app: App) -> None:
    # r3 is on bin duty at 303; r1, on bin duty and then points admin, shares 301 with r1b.
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "积分授权 @r1 守桶", "g1")
    driver.say("r1", "/help")
    driver.say("r3", "/help")
    refusal = "不能给自己或家里人记录分类回收（{}）。请另一位守桶员或积分管理员来记。"
    named = [("r3", "回收 @r3 电池", "r3"), ("r1", "回收 @r1b 电池", "r1b")]
    by_address = [("r3", "回收 3-2-303 大件", "r3")]
    by_household = [("r3", "回收 3-2-303 电池", "303"), ("r1", "回收 3-2-301 大件", "301")]
    for rule, cases in (("关", named + by_address), ("开", named + by_household)):
        driver.say("sec", f"积分规则 按户 {rule}", "g1")
        if rule == "开":
            driver.say("sec", "积分授权 @r1 -守桶", "g1")
            driver.say("sec", "积分授权 @r1 管理员", "g1")
        for user, text, name in cases:
            before = driver.snapshot()
            told = driver.say(user, text, "g1")
            assert [(s.chat, s.text) for s in told if s.private] == [
                (user, refusal.format(name))
            ], text
            assert [s.text for s in told if not s.private] == [f"{user}，详情已私聊发给您。"]
            assert driver.snapshot() == before, text
    assert "r3 交来电池" in driver.one("r1", "回收 @r3 电池", "g1").text
    assert "r1b 交来电池" in driver.one("sec", "回收 @r1b 电池", "g1").text
    assert balances(app) == [(2, 2), (2, 2)]
    consistent(app)


def test_an_admin_on_a_shift_does_not_award_its_points(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "积分授权 @r2 管理员", "g1")
    (number,) = create(app, "门岗值守 | 明天 08:00-10:00 | 2人")
    join(app, "r2", number)
    join(app, "r4", number)
    advance(app, hours=23)
    driver.say("owner", f"确认出勤 {number}", "g1")
    before = driver.snapshot()
    told = driver.say("r2", f"加分 班次 {number} 5 值守", "g1")
    assert driver.templates() == ["points.not_to_own"] and told[0].private
    assert driver.snapshot() == before
    assert "r2、r4 加 5 分" in driver.say("sec", f"加分 班次 {number} 5 值守", "g1")[0].text


def test_a_deduction_refused_says_what_redemptions_hold(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 100", "g1")
    driver.say("sec", "上架 大米 100分", "g1")
    driver.say("r2", "兑换 1", "g1")
    before = driver.snapshot()
    told = driver.one("sec", "加分 @r2 -5 迟到", "g1")
    assert told.private
    assert told.text == "扣不了：只剩 0 分（另有 100 分兑换中），本社区不允许扣成负分。"
    assert driver.snapshot() == before


def test_with_negative_balances_allowed_a_deduction_still_leaves_what_redemptions_hold(
    app: App,
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "积分规则 允许负分 开", "g1")
    driver.say("sec", "加分 @r2 100", "g1")
    driver.say("sec", "上架 大米 90分", "g1")
    driver.say("r2", "兑换 1", "g1")
    before = driver.snapshot()
    told = driver.one("sec", "加分 @r2 -15 迟到", "g1")
    assert told.private
    assert told.text == "扣不了：只剩 10 分（另有 90 分兑换中），兑换中的积分不能扣。"
    assert driver.snapshot() == before
    assert "扣 10 分" in driver.say("sec", "加分 @r2 -10 迟到", "g1")[1].text
    assert "现有 0 分" in driver.say("sec", "发放 1", "g1")[1].text
    assert "扣 5 分" in driver.say("sec", "加分 @r2 -5 迟到", "g1")[1].text
    assert held(app) == ([(-5, 0)], [(None, 0)])
    consistent(app)


def test_an_award_to_someone_off_the_boards_is_not_praised_in_the_group(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "积分榜 不显示我")
    told = driver.say("sec", "加分 @r2 5 巡逻", "g1")
    assert [s.text for s in told if not s.private] == ["王书记，已记下，详情已私聊发给您。"]
    private = {s.chat: s.text for s in told if s.private}
    assert private["sec"] == "已给 r2 加 5 分（巡逻）。" and "r2" in private
    assert balances(app) == [(5, 5)]
    driver.say("r2", "积分榜 显示我")
    assert "r2 加 1 分（巡逻）" in driver.say("sec", "加分 @r2 1 巡逻", "g1")[0].text


@pytest.mark.parametrize(
    "text", ["加分 @r2 5分 巡逻", "加分 @r2 ５分 巡逻", "奖励 @r2 5 巡逻", "獎勵 @r2 5 分 巡逻"]
)
def test_an_award_written_with_its_unit_or_as_a_reward_is_made(app: App, text: str) -> None:
    driver = build(app)
    set_rules(driver)
    awarded = driver.say("sec", text, "g1")
    assert "r2 加 5 分（巡逻）" in awarded[0].text
    assert balances(app) == [(5, 5)]


def test_recycling_by_address_in_a_group_names_nobody_there(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    told = driver.say("r3", "回收 3-2-302 电池", "g1")
    assert [s.text for s in told if not s.private] == ["r3，已记下，详情已私聊发给您。"]
    assert [(s.chat, s.text) for s in told if s.private] == [
        ("r3", "已记录：r2 交来电池，得 2 分。谢谢！")
    ]
    assert balances(app) == [(2, 2)]
    named = driver.one("r3", "回收 @r2 电池", "g1")
    assert not named.private and "r2 交来电池" in named.text


def test_a_name_typed_in_traditional_characters_finds_the_member(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="马文博")
    told = driver.say("sec", "加分 @馬文博 5 巡逻", "g1")
    assert [(s.chat, s.private) for s in told] == [("g1", False), ("r2", True)], told
    assert "马文博 加 5 分" in told[0].text, told[0].text
    assert balances(app) == [(5, 5)]
    consistent(app)


@pytest.mark.parametrize(
    ("text", "shown", "balance"),
    [
        ("加分 马文博 5 巡逻", "马文博 加 5 分（巡逻）", 5),
        ("奖励 馬文博 ５分", "马文博 加 5 分", 5),
        ("加分 马文博 五", "马文博 加 5 分", 5),
        ("加分 马文博 十二分 巡逻", "马文博 加 12 分（巡逻）", 12),
        ("加分 马文博，5", "马文博 加 5 分", 5),
        ("加分 @马文博，5分，巡逻", "马文博 加 5 分（巡逻）", 5),
        ("加分 马文博：5 巡逻 夜间", "马文博 加 5 分（巡逻：夜间）", 5),
        ("加分 马文博 5，巡逻", "马文博 加 5 分（巡逻）", 5),
        # The amount run into the name, as typed quickly: it was looked for as a name.
        ("加分 马文博5分 巡逻", "马文博 加 5 分（巡逻）", 5),
        ("加分 马文博5", "马文博 加 5 分", 5),
        ("加分 @马文博8分", "马文博 加 8 分", 8),
    ],
)
def test_an_award_names_a_member_of_the_circle_without_the_at_sign(
    app: App, text: str, shown: str, balance: int
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="马文博")
    told = driver.say("sec", text, "g1")
    assert [(s.chat, s.private) for s in told] == [("g1", False), ("r2", True)], told
    assert shown in told[0].text, told[0].text
    assert balances(app) == [(balance, balance)]
    deducted = driver.say("sec", "加分 马文博 -2 迟到", "g1")
    assert ("sec", "已给 马文博 扣 2 分（调整：迟到）。") in [(s.chat, s.text) for s in deducted]
    assert balances(app) == [(balance - 2, balance - 2)]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("加分 Mary Lee 3 扫雪", "已给 Mary Lee 加 3 分（服务：扫雪）"),
        ("加分 @Mary Lee 3 扫雪", "已给 Mary Lee 加 3 分（服务：扫雪）"),
        ("加分 @r3 @Mary Lee 3", "r3、Mary Lee 加 3 分"),
    ],
)
def test_an_award_reads_a_name_of_several_words_as_one_member(
    app: App, text: str, shown: str
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="Mary Lee")
    driver.say("r4", "大家好", "g1", name="Mary")
    told = driver.say("sec", text, "g1")
    assert shown in told[0].text, told[0].text
    deducted = driver.say("sec", "扣分 Mary Lee 1 迟到", "g1")
    assert ("sec", "已给 Mary Lee 扣 1 分（调整：迟到）。") in [(s.chat, s.text) for s in deducted]


@pytest.mark.parametrize(
    "text", ["加分 张三 李四 5 扫雪", "加分 张三 @李四 5 扫雪", "加分 张三、李四 5分 扫雪"]
)
def test_an_award_to_several_names_typed_without_the_at_sign_awards_each(
    app: App, text: str
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="张三")
    driver.say("r3", "大家好", "g1", name="李四")
    told = driver.say("sec", text, "g1")
    assert "已给 张三、李四 加 5 分（服务：扫雪）" in told[0].text, told[0].text
    assert sorted(s.chat for s in told if s.private) == ["r2", "r3"]
    assert balances(app) == [(5, 5), (5, 5)]


def test_several_names_typed_one_of_them_shared_or_unknown_ask_and_change_nothing(
    app: App,
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="张三")
    driver.say("r3", "大家好", "g1", name="李四")
    driver.say("r4", "大家好", "g1", name="李四")
    cases = [
        (
            "加分 张三 李四 5 扫雪",
            "本群有不止一位「李四」，请用 @ 选中要找的那一位，或回复那个人的消息再发命令。",
        ),
        (
            "扣分 张三 王五 5",
            "本群里没找到「王五」。请对方先在群里说句话，或者回复对方的消息再发命令。",
        ),
    ]
    for text, answer in cases:
        before = driver.snapshot()
        assert driver.one("sec", text, "g1").text == answer
        assert driver.snapshot() == before, text
    assert balances(app) == []


def test_an_award_to_a_name_that_may_be_one_member_or_two_asks_and_changes_nothing(
    app: App,
) -> None:
    driver = build(app)
    set_rules(driver)
    for user, name in (("r2", "Mary Lee"), ("r3", "Mary"), ("r4", "Lee")):
        driver.say(user, "大家好", "g1", name=name)
    before = driver.snapshot()
    for text in ("加分 Mary Lee 3 扫雪", "扣分 @Mary Lee 3"):
        told = driver.one("sec", text, "g1")
        assert told.text == "「Mary Lee」可能是一位，也可能是几位。请用 @ 选中每一位再发送。"
    assert driver.snapshot() == before
    assert balances(app) == []


@pytest.mark.parametrize(
    "text", ["扣分 马文博 3 迟到", "扣分 @马文博 3分 迟到", "/deduct 马文博 3 迟到"]
)
def test_deducting_takes_the_points_off_as_a_negative_award_does(app: App, text: str) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="马文博")
    driver.say("sec", "加分 马文博 5 巡逻", "g1")
    told = driver.say("sec", text, "g1")
    assert [s.text for s in told if not s.private] == ["王书记，已记下，详情已私聊发给您。"]
    private = {s.chat: s.text for s in told if s.private}
    assert private == {
        "sec": "已给 马文博 扣 3 分（调整：迟到）。",
        "r2": "您被扣 3 分（调整：迟到），现有 2 分。",
    }
    assert balances(app) == [(2, 2)]
    consistent(app)


DEDUCT_USAGE = (
    "用法：「扣分 @张三 3 迟到」，写要扣的分数；「扣分 班次 3 5 迟到」给班次 3 出勤的每人扣 5 分。"
)


def test_deducting_from_a_shift_takes_the_points_off_everyone_who_attended(app: App) -> None:
    driver, number, _ = _shift_awarded(app)
    told = driver.say("sec", f"扣分 班次 {number} 2 迟到", "g1")
    assert ("sec", "已给 r2、r4 扣 2 分（调整：迟到）。") in [(s.chat, s.text) for s in told]
    assert _awarded_amounts(app) == [5, 5, -2, -2]
    consistent(app)


def test_the_english_deduct_usage_shows_the_shift_form(app: App) -> None:
    driver = build(app)
    driver.one("owner", "/lang en", "g1")
    driver.one("sec", "/lang en")
    assert driver.one("sec", "/deduct", "g1").text == (
        'Usage: "/deduct @Zhang 3 late", with the points to take off; "/deduct shift 3 5 late"'
        " takes 5 from everyone who attended shift 3."
    )


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("扣分 马文博 -3 迟到", "扣分写要扣的分数，不带负号，例如「扣分 @张三 3 迟到」。"),
        ("扣分 马文博", DEDUCT_USAGE),
        ("扣分", DEDUCT_USAGE),
        ("扣分 班次 3", DEDUCT_USAGE),
    ],
)
def test_a_negative_or_missing_deduction_is_refused_and_changes_nothing(
    app: App, text: str, answer: str
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="马文博")
    driver.say("sec", "加分 马文博 5 巡逻", "g1")
    before = driver.snapshot()
    assert driver.one("sec", text, "g1").text == answer
    assert driver.snapshot() == before
    assert balances(app) == [(5, 5)]


def test_an_award_to_a_name_shared_or_unknown_here_asks_and_changes_nothing(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="马文博")
    driver.say("r3", "你好", "g1", name="马文博")
    cases = [
        (
            "加分 马文博 5",
            "本群有不止一位「马文博」，请用 @ 选中要找的那一位，或回复那个人的消息再发命令。",
        ),
        (
            "加分 张三丰 5",
            "本群里没找到「张三丰」。请对方先在群里说句话，或者回复对方的消息再发命令。",
        ),
        ("加分 5 巡逻", "用法：「加分 @张三 5 巡逻」（负数为扣分），或「加分 班次 3 5 值守」。"),
    ]
    for text, answer in cases:
        before = driver.snapshot()
        assert driver.one("sec", text, "g1").text == answer
        assert driver.snapshot() == before, text
    assert balances(app) == []


def test_bad_input_gets_a_clear_reply_and_changes_nothing(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 5", "g1")
    driver.say("r3", "你好", "g1")
    driver.say("r2", "/help")  # the first private message opens the private chat
    cases = [
        ("r4", "加分 @r2 5", "g1", "points.admins_only"),
        ("sec", "加分 @r2 abc", "g1", "points.bad_amount"),
        ("sec", "加分 @r2 一起", "g1", "points.bad_amount"),
        ("sec", "加分 @r2 零", "g1", "points.zero_amount"),
        ("sec", "加分 @r2 -七", "g1", "points.below_zero"),
        ("sec", "加分 @r2 0", "g1", "points.zero_amount"),
        ("sec", "加分 @r2 1.5", "g1", "points.whole_points"),
        ("sec", "加分 @r2 99999", "g1", "points.over_cap"),
        ("sec", "加分 @r2 -6", "g1", "points.below_zero"),
        ("sec", "加分 班次 42 5", "g1", "points.no_such_shift"),
        ("r2", "积分 @r3", None, "points.not_yours"),
        ("r4", "回收 @r2 电池", "g1", "points.bin_duty_only"),
        ("r3", "回收 @r2 金子", "g1", "points.recycle_usage"),
        ("r2", "积分规则 电池 9", "g1", "points.admins_only"),
        ("sec", "积分规则 电池 很多", "g1", "points.rule_usage"),
    ]
    for user, text, chat, template in cases:
        before = driver.snapshot()
        driver.say(user, text, chat)
        assert driver.templates() == [template], text
        assert driver.snapshot() == before, text
    before = driver.snapshot()
    driver.say("sec", "加分 @stranger 5", "g1", mentions=("stranger",))
    assert [a.reply.template for a in driver.answers] == ["points.outside_community"]


def test_points_are_answered_privately_and_secretaries_see_a_members(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 7 巡逻", "g1")
    in_group = driver.say("r2", "积分", "g1")
    assert [(s.chat, s.private) for s in in_group] == [("r2", True), ("g1", False)]
    assert "7 分" in in_group[0].text and in_group[1].text == "r2，详情已私聊发给您。"
    assert "r2 的积分" in driver.one("sec", "积分 @r2").text
    assert "积分：居民积分 7 分" in driver.one("r2", "我的").text
    assert "+7 巡逻" in driver.one("r2", "我的数据").text


def test_a_name_typed_after_points_is_looked_up_only_for_those_who_may(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r3 7 巡逻", "g1")
    driver.say("sec", "加分 @r2 4 巡逻", "g1")
    driver.say("r2", "/help")
    refused = driver.say("r2", "积分 r3", "g1")
    assert [(s.chat, s.text) for s in refused] == [
        ("g1", "您只能查看自己的积分：发送「积分」就行。")
    ]
    driver.one("r4", "/lang zh-Hant")
    before = driver.snapshot()
    assert driver.one("r4", "積分 r3").text == "您只能檢視自己的積分：傳送「積分」就行。"
    # Found, unknown, or not a name at all: the same answer, so no name is learned.
    for typed in ("积分 r3", "积分 张三丰", "积分 查询", "积分 r3 多少", "积分 @nobody"):
        assert driver.one("r2", typed, "g1").text == "您只能查看自己的积分：发送「积分」就行。"
    assert driver.one("sec", "积分 查询", "g1").text.startswith("用法：「积分」查看自己的")
    assert "r3 的积分" in driver.one("sec", "积分 r3，", "g1").text
    mine = driver.one("r2", "积分 r2", "g1")
    assert mine.private and "居民积分：4 分" in mine.text
    assert driver.snapshot() == before
    theirs = driver.one("sec", "积分 r3", "g1")
    assert theirs.private and theirs.text.startswith("r3 的积分\n居民积分：7 分")


def test_points_of_a_member_whose_name_has_a_space_are_found(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r2", "大家好", "g1", name="Mary Lee")
    driver.say("r3", "大家好", "g1", name="Mary")
    driver.say("sec", "加分 Mary Lee 3 扫雪", "g1")
    theirs = driver.one("sec", "积分 Mary Lee", "g1")
    assert theirs.private and theirs.text.startswith("Mary Lee 的积分\n居民积分：3 分")
    mine = driver.one("r2", "积分 Mary Lee", "g1")
    assert mine.private and "居民积分：3 分" in mine.text
    refused = "您只能查看自己的积分：发送「积分」就行。"
    assert driver.one("r3", "积分 Mary Lee", "g1").text == refused


def test_someone_waiting_for_their_household_is_told_so_by_points_and_hours(app: App) -> None:
    driver = build(app)
    # Request 1 is r1b's, answered when the community was built.
    driver.say("nr1", "登记 3-2-302 同意", "g1", name="nr1")
    driver.one("nr2", "/lang zh-Hant")
    driver.say("nr2", "登記 3-2-303 同意", "g1", name="nr2")
    driver.one("nr3", "/lang en")
    driver.say("nr3", "/join 3-2-304 agree", "g1", name="nr3")
    # Without points rules nothing earns points by itself, so nothing is promised.
    assert driver.one("nr1", "积分", "g1").text == (
        "我的积分\n还没有积分。您的登记还在等家里人确认（申请号 2）。"
    )
    set_rules(driver)
    assert driver.one("nr1", "积分", "g1").text == (
        "我的积分\n还没有积分。您的登记还在等家里人确认（申请号 2），"
        "确认后参加值班、分类回收都能得积分。"
    )
    assert driver.one("nr1", "时长", "g1").text == (
        "您还没有志愿服务时长。您的登记还在等家里人确认（申请号 2），确认后就能报名值班。"
    )
    assert driver.one("nr2", "積分", "g1").text == (
        "我的積分\n還沒有積分。您的登記還在等家裡人確認（申請號 3），"
        "確認後參加值班、分類回收都能得積分。"
    )
    assert driver.one("nr2", "時長", "g1").text == (
        "您還沒有志願服務時長。您的登記還在等家裡人確認（申請號 3），確認後就能報名值班。"
    )
    assert driver.one("nr3", "/points", "g1").text == (
        "My points\nNo points yet. Your registration is waiting for your household to confirm "
        "it (request 4); then duty shifts and recycling earn points."
    )
    assert driver.one("nr3", "/hours", "g1").text == (
        "You have no volunteer hours yet. Your registration is waiting for your household to "
        "confirm it (request 4); then you can sign up for duty."
    )


def test_someone_unregistered_is_told_to_register_not_to_earn_points(app: App) -> None:
    driver = build(app)
    driver.one("nr1", "/lang zh-Hans")
    driver.one("nr2", "/lang zh-Hant")
    driver.one("nr3", "/lang en")
    assert driver.one("r3", "积分", "g1").text == "我的积分\n还没有积分。积分由社区发放。"
    driver.say("sec", "积分规则 值守 2/小时", "g1")
    assert driver.one("r3", "积分", "g1").text == "我的积分\n还没有积分。参加值班能得积分。"
    driver.say("sec", "积分规则 电池 2", "g1")
    assert driver.one("r3", "积分", "g1").text == (
        "我的积分\n还没有积分。参加值班、分类回收都能得积分。"
    )
    assert driver.one("nr1", "积分", "g1").text == (
        "我的积分\n还没有积分。请先登记您家：在小区群里或私聊我发送「登记 楼号-单元-房号」。"
    )
    assert driver.one("nr2", "積分", "g1").text == (
        "我的積分\n還沒有積分。請先登記您家：在小區群裡或私聊我傳送「登記 樓號-單元-房號」。"
    )
    assert driver.one("nr3", "/points", "g1").text == (
        "My points\nNo points yet. Please register your household first: "
        'send "/join building-unit-room" in your estate\'s group or to me here.'
    )


def test_forgetting_a_member_keeps_every_balance_and_drops_their_words(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 7 巡逻 帮王阿姨搬家", "g1")
    before = balances(app)
    driver.say("r2", "注销 确认")
    assert balances(app) == before
    with session_of(app) as session:
        account = session.scalars(select(PointsAccount)).one()
        entry = session.scalars(select(PointsEntry)).one()
    assert account.resident_id is None and entry.reason == "" and entry.amount == 7


def test_forgetting_a_member_drops_the_household_from_their_recycling(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("r3", "回收 @r2 电池", "g1")
    driver.say("r3", "回收 @r1 电池", "g1")
    driver.say("r2", "注销 确认")
    with session_of(app) as session:
        records = session.scalars(select(RecyclingRecord).order_by(RecyclingRecord.id)).all()
        kept = [(r.resident_id is None, r.household_id is None, r.kind) for r in records]
    assert kept == [(True, True, "电池"), (False, False, "电池")]


def test_an_account_opened_with_nothing_on_it_reads_as_no_points_yet(app: App) -> None:
    driver = build(app)
    (number,) = create(app, "门岗值守 | 明天 08:00-10:00 | 2人")
    join(app, "r2", number)
    advance(app, hours=23)
    # Without points rules, confirmed hours open an account and earn nothing.
    driver.say("owner", f"确认出勤 {number}", "g1")
    with session_of(app) as session:
        assert session.scalars(select(PointsAccount)).all() != []
    assert driver.one("r2", "积分", "g1").text == "我的积分\n还没有积分。积分由社区发放。"
    assert "积分" not in driver.one("r2", "我的", "g1").text


def test_a_name_typed_in_a_reply_is_the_one_awarded_not_the_person_replied_to(app: App) -> None:
    driver = build(app)
    replied = Incoming(
        ChatRef(PLATFORM, "g1", ChatKind.GROUP, "1号院邻里圈"),
        UserRef(PLATFORM, "sec", "王书记"),
        text="加分 @r2 5 扫雪",
        reply_to=UserRef(PLATFORM, "r4", "r4"),
    )
    awarded = driver.received(driver.app.dispatcher.handle(replied))
    assert "已给 r2 加 5 分" in awarded[0].text
    assert "居民积分：5 分" in driver.one("r2", "积分", "g1").text
    assert "还没有积分" in driver.one("r4", "积分", "g1").text
    # With no name typed, the reply names whom it answers.
    alone = replace(replied, text="加分 3 扫雪")
    assert "已给 r4 加 3 分" in driver.received(driver.app.dispatcher.handle(alone))[0].text


def test_an_address_names_whom_points_are_awarded_to_or_shown_for(app: App) -> None:
    """3-2-302 is r2's household: 加分 and 积分 read it as r2, told privately, as the group
    is not to learn who lives there; a household of two is asked which."""
    driver = build(app)
    set_rules(driver)
    awarded = driver.say("sec", "加分 3-2-302 5 巡逻", "g1")
    assert [s.text for s in awarded if not s.private] == ["王书记，已记下，详情已私聊发给您。"]
    private = {s.chat: s.text for s in awarded if s.private}
    assert "r2 加 5 分（巡逻）" in private["sec"] and "得到 5 分" in private["r2"]
    assert balances(app) == [(5, 5)]
    assert driver.one("sec", "积分 3-2-302").text == driver.one("sec", "积分 @r2").text
    assert driver.one("r3", "积分 3-2-302").text == driver.one("r3", "积分 @r2").text
    before = driver.snapshot()
    # How many live at an address, or that nobody does, is said privately only.
    answers = driver.say("sec", "加分 3-2-301 5 巡逻", "g1")
    asked = "「3-2-301」登记了 2 位，请用 @ 点名是哪一位。"
    assert [s.text for s in answers if s.private and s.chat == "sec"] == [asked]
    assert all("3-2-301" not in s.text for s in answers if not s.private), answers
    nobody = driver.say("sec", "加分 3-2-305 5 巡逻", "g1")
    assert all("3-2-305" not in s.text for s in nobody if not s.private), nobody
    assert driver.one("sec", "积分 3-2-301").text == asked
    assert driver.one("sec", "扣分 3-2-305 5").text == "本社区没有登记过「3-2-305」这一户。"
    assert driver.snapshot() == before
    consistent(app)
