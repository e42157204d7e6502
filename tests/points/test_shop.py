"""The points shop: redeem → hand over or reject, every refusal, and races for the last piece."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import migrate
from bot.app import App
from bot.clock import VirtualClock
from bot.errors import DomainError
from bot.messages import EventKind
from bot.services.community.grid import resolve_place
from bot.services.points import shop
from models import (
    PointsEntry,
    PointsItem,
    PointsRedemption,
    PointsSource,
    RedemptionStatus,
    Resident,
)
from tests.support.community import build, community, resident, session_of
from tests.support.driver import Driver
from tests.support.points import consistent, held


def _shop(driver: Driver, *items: str) -> None:
    """r2 has 10 resident points and r4 has 6; the secretary stocks the items."""
    driver.say("sec", "加分 @r2 10", "g1")
    driver.say("sec", "加分 @r4 6", "g1")
    for item in items:
        assert "已上架" in driver.one("sec", f"上架 {item}", "g1").text


def test_redeem_then_handover_moves_points_and_stock_together(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 2件")
    assert "#1 大米：6 分，还有 2 件" in driver.one("r2", "兑换目录", "g1").text
    asked = driver.one("r2", "兑换 1", "g1")
    assert asked.private and "兑换单 #1" in asked.text
    assert "其中 6 分兑换中" in driver.one("r2", "积分").text
    assert held(app) == ([(10, 6), (6, 0)], [(2, 1)])
    assert "#1 11月23日 r2：大米，6 分" in driver.one("sec", "兑换单", "g1").text
    told = driver.say("sec", "发放 1", "g1")
    assert [(s.chat, s.private) for s in told] == [("sec", True), ("r2", True), ("g1", False)]
    assert "扣 6 分，现有 4 分" in told[1].text
    assert held(app) == ([(4, 0), (6, 0)], [(1, 0)])
    with session_of(app) as session:
        entry = session.scalars(select(PointsEntry).order_by(PointsEntry.id.desc())).first()
        assert entry is not None
        assert (entry.amount, entry.source, entry.reason) == (-6, PointsSource.REDEMPTION, "大米")
    consistent(app)


def test_a_rejected_redemption_changes_nothing_and_the_member_is_told(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 1件")
    before = held(app)
    driver.say("r2", "兑换 1", "g1")
    told = driver.say("sec", "拒绝兑换 1 今天没货", "g1")
    assert [(s.chat, s.private) for s in told] == [("sec", True), ("r2", True), ("g1", False)]
    assert "没有通过（今天没货）" in told[1].text and "现有 10 分" in told[1].text
    assert held(app) == before
    assert "还有 1 件" in driver.one("r4", "兑换目录", "g1").text
    consistent(app)


def test_a_member_sees_their_own_redemptions_privately_newest_first(
    app: App, clock: VirtualClock
) -> None:
    driver = build(app)
    _shop(driver, "大米 3分 5件", "油 2分 5件")
    driver.say("r2", "兑换 1", "g1")
    clock.set(clock.now() + timedelta(days=1))
    driver.say("r2", "兑换 2", "g1")
    driver.say("sec", "拒绝兑换 2 今天没货", "g1")
    clock.set(clock.now() + timedelta(days=1))
    driver.say("r2", "兑换 2", "g1")
    driver.say("r4", "兑换 1", "g1")
    driver.say("sec", "发放 1", "g1")
    driver.say("r2", "积分")  # r2's private chat is open before the snapshot.
    before = driver.snapshot()
    mine = (
        "我的兑换\n"
        "#3 11月25日 周三 油，2 分：等待发放\n"
        "#2 11月24日 周二 油，2 分：没有通过（今天没货）\n"
        "#1 11月23日 周一 大米，3 分：已发放\n"
        "等待发放的，积分先为您留着，领到东西时才扣；不想要了，发送「取消兑换 编号」。"
    )
    for text, chat in (("兑换单", "g1"), ("我的兑换", "g1"), ("/myredemptions", None)):
        shown = driver.say("r2", text, chat)
        note = [("g1", False, "r2，详情已私聊发给您。")] if chat else []
        assert [(s.chat, s.private, s.text) for s in shown] == [("r2", True, mine), *note], text
    none_yet = driver.one("r1", "兑换单", "g1")
    assert none_yet.private
    assert none_yet.text == "您还没有兑换过东西。发送「兑换目录」看看积分能换什么。"
    admin = driver.one("sec", "兑换单", "g1")
    assert admin.private and "等待发放的兑换\n#3 11月25日 r2：油，2 分" in admin.text
    assert driver.snapshot() == before


def test_bad_redemptions_get_a_clear_reply_and_change_nothing(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 1件", "油 50分 3件", "毛巾 1分 0件")
    driver.say("r2", "兑换 1", "g1")
    driver.say("sec", "发放 1", "g1")
    cases = [
        ("r4", "兑换 2", "points.too_few_points"),
        ("r4", "兑换 3", "points.out_of_stock"),
        ("r4", "兑换 1", "points.out_of_stock"),
        ("r4", "兑换 9", "points.no_such_item"),
        ("r4", "兑换 1 大米", "points.redeem_usage"),
        ("r4", "兑换 肥皂", "points.item_not_named"),
        ("sec", "发放 1", "points.already_decided"),
        ("sec", "拒绝兑换 1", "points.already_decided"),
        ("sec", "发放 7", "points.no_such_redemption"),
        ("r4", "发放 1", "points.admins_only"),
        ("r4", "上架 肥皂 1分 5件", "points.admins_only"),
        ("sec", "上架 肥皂 5件", "points.item_usage"),
        ("sec", "上架 肥皂 0分 5件", "points.item_usage"),
    ]
    for user, text, template in cases:
        before = driver.snapshot()
        driver.say(user, text, "g1")
        assert driver.templates() == [template], text
        assert driver.snapshot() == before, text


def test_an_item_named_instead_of_numbered_is_redeemed_when_only_one_fits(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 2分 5件", "小米 2分 5件", "食用油 3分 5件")
    assert "兑换单 #1" in driver.one("r2", "兑换 大米", "g1").text
    assert "兑换单 #2" in driver.one("r2", "兑换 食用", "g1").text
    assert "兑换单 #3" in driver.one("r2", "兑换小米").text
    driver.one("r4", "/lang en")
    before = driver.snapshot()
    assert driver.one("r2", "兑换 米", "g1").text == (
        "「米」对得上好几样，请按编号兑换，例如「兑换 1」：\n#1 大米\n#2 小米"
    )
    assert driver.one("r2", "兑换 肥皂", "g1").text == (
        "兑换目录里没有「肥皂」，请按编号兑换，例如「兑换 1」：\n#1 大米\n#2 小米\n#3 食用油"
    )
    assert driver.one("r4", "/redeem soap").text == (
        'The catalogue has no "soap"; redeem by number, for example "/redeem 1":\n'
        "#1 大米\n#2 小米\n#3 食用油"
    )
    assert driver.snapshot() == before


def test_an_item_whose_name_opens_with_a_numeral_is_redeemed_by_its_name(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 1分 5件", "一次性手套 1分 5件", "一号电池 1分 5件")
    assert "兑换 一次性手套（1 分），兑换单 #1" in driver.one("r2", "兑换 一次性手套", "g1").text
    assert "兑换 一号电池（1 分），兑换单 #2" in driver.one("r2", "兑换一号电池", "g1").text
    assert "兑换 一次性手套（1 分），兑换单 #3" in driver.one("r4", "兑换一次性手套").text
    assert held(app)[1] == [(5, 0), (5, 2), (5, 1)]


def test_a_count_of_one_is_read_past_and_more_are_asked_for_one_at_a_time(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 1分 5件", "一次性手套 1分 5件", "挂面 2斤 1分 5件", "食用油 1分 5件")
    gloves = driver.one("r2", "兑换 一副一次性手套", "g1").text
    assert "兑换 一次性手套（1 分），兑换单 #1" in gloves
    assert "兑换 大米（1 分），兑换单 #2" in driver.one("r2", "兑换 大米 1袋", "g1").text
    # A name that holds a count is the item's name, not a count.
    assert "兑换 挂面 2斤（1 分），兑换单 #3" in driver.one("r2", "兑换 挂面 2斤", "g1").text
    assert "兑换 食用油（1 分），兑换单 #4" in driver.one("r2", "兑换 4 1桶", "g1").text
    driver.one("r4", "/lang en")
    driver.one("r3", "/lang zh-Hant")
    before = driver.snapshot()
    assert driver.one("r4", "兑换 两副一次性手套", "g1").text == (
        "每次只能兑换一份「一次性手套」。请发送「兑换 2」先换一份，领到以后可以再换。"
    )
    assert driver.one("r4", "/redeem 大米 2袋").text == (
        'Each redemption is for one 大米. Send "/redeem 1" for one; '
        "once it is handed over, you may ask again."
    )
    assert driver.one("r3", "兌換 1 x3").text == (
        "每次只能兌換一份「大米」。請傳送「兌換 1」先換一份，領到以後可以再換。"
    )
    assert driver.say("r4", "兑换 1 两张 红色", "g1")[0].text.startswith("用法：「兑换 1」")
    assert driver.snapshot() == before
    consistent(app)


def test_numbers_with_their_counting_word_apart_redeem_and_decide(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 2分 5件")
    assert "兑换单 #1" in driver.one("r2", "兑换 1 号", "g1").text
    assert "已发放：#1" in driver.say("sec", "发放 1 号", "g1")[0].text
    assert "兑换单 #2" in driver.one("r2", "兑换 一 号", "g1").text
    told = driver.say("sec", "拒绝兑换 2 号 没货了", "g1")
    assert "没有通过（没货了）" in told[1].text
    consistent(app)


def test_asking_again_for_an_item_still_waiting_holds_nothing_more(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 2分 5件")
    assert "兑换单 #1" in driver.one("r2", "兑换 1", "g1").text
    before = driver.snapshot()
    for text in ("兑换一号，谢谢", "兑换 1，谢谢"):
        again = driver.one("r2", text, "g1")
        assert again.private and again.text == (
            "您已经申请过兑换 大米，兑换单 #1，正在等待发放，不用再申请。"
            "不想要了，发送「取消兑换 1」。"
        ), text
        assert driver.snapshot() == before, text
    assert held(app) == ([(10, 2), (6, 0)], [(5, 1)])
    driver.say("sec", "发放 1", "g1")
    assert "兑换单 #2" in driver.one("r2", "兑换 1", "g1").text
    consistent(app)


def test_the_same_ask_sent_twice_at_once_holds_once_and_is_told_it_was_asked(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = build(app)
    _shop(driver, "大米 2分 5件")
    assert "兑换单 #1" in driver.one("r2", "兑换 1", "g1").text
    before = driver.snapshot()
    looked = shop._waiting
    missed: list[bool] = []

    def twin(session: Session, member: Resident, item: PointsItem) -> PointsRedemption | None:
        # The twin looked before the first ask was stored, and found none.
        if not missed:
            missed.append(True)
            return None
        return looked(session, member, item)

    monkeypatch.setattr(shop, "_waiting", twin)
    again = driver.one("r2", "兑换 1", "g1")
    assert again.private and again.text.startswith("您已经申请过兑换 大米，兑换单 #1，")
    assert missed and driver.snapshot() == before
    assert held(app) == ([(10, 2), (6, 0)], [(5, 1)])
    consistent(app)


def test_twin_asks_stored_before_the_rule_was_kept_are_cancelled_on_upgrade(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 2分 5件")
    driver.say("r2", "兑换 1", "g1")
    migrate.downgrade(app.db.engine, "0027")
    with session_of(app) as session:
        first = session.scalars(select(PointsRedemption)).one()
        session.add(
            PointsRedemption(
                community_id=first.community_id,
                number=2,
                item_id=first.item_id,
                account_id=first.account_id,
                resident_id=first.resident_id,
                cost=first.cost,
                status=RedemptionStatus.PENDING,
                requested_at=first.requested_at,
                reason="",
            )
        )
        first.account.held += first.cost
        first.item.held += 1
    assert held(app) == ([(10, 4), (6, 0)], [(5, 2)])
    migrate.upgrade(app.db.engine)
    assert held(app) == ([(10, 2), (6, 0)], [(5, 1)])
    with session_of(app) as session:
        rows = session.scalars(select(PointsRedemption).order_by(PointsRedemption.number))
        assert [row.status for row in rows] == [
            RedemptionStatus.PENDING,
            RedemptionStatus.CANCELLED,
        ]
    assert "#2 11月23日 周一 大米，2 分：已取消" in driver.one("r2", "兑换单", "g1").text


def test_help_tells_a_member_how_to_take_back_a_redemption(app: App) -> None:
    driver = build(app)
    listed = " ".join(s.text for s in driver.say("r2", "帮助 全部"))
    assert "/cancelredeem 4（取消兑换 4）" in listed


def test_a_member_cancels_their_own_waiting_redemption_and_the_points_are_free(
    app: App,
) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 1件")
    driver.say("r2", "兑换 1", "g1")
    refusals = [
        ("r4", "取消兑换 1", "points.not_your_redemption"),
        # Someone else's number and a number nobody has are answered alike.
        ("r2", "取消兑换 7", "points.not_your_redemption"),
        ("r2", "取消兑换 大米", "points.cancel_usage"),
    ]
    for user, text, template in refusals:
        before = driver.snapshot()
        driver.say(user, text, "g1")
        assert [a.reply.template for a in driver.answers] == [template], text
        assert driver.snapshot() == before, text
    cancelled = driver.one("r2", "取消兑换 1", "g1")
    assert cancelled.private
    assert cancelled.text == "已取消兑换单 #1（大米）。积分没有扣，现有 10 分。"
    assert held(app) == ([(10, 0), (6, 0)], [(1, 0)])
    assert "#1 11月23日 周一 大米，6 分：已取消" in driver.one("r2", "我的兑换", "g1").text
    assert "没有等待发放的兑换" in driver.one("sec", "兑换单", "g1").text
    assert driver.one("r2", "取消兑换 1", "g1").text == "#1 号兑换单已经取消过了，不能再改。"
    assert "已经取消过了" in driver.one("sec", "发放 1", "g1").text
    assert "兑换单 #2" in driver.one("r2", "兑换 1", "g1").text
    consistent(app)


def test_a_newcomer_who_has_not_registered_is_asked_to_register_first(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 2分 5件")
    assert "#1 大米" in driver.one("newcomer", "兑换目录", "g1").text
    before = driver.snapshot()
    asked = driver.one("newcomer", "兑换 1", "g1")
    assert asked.text == "请先在小区群里或私聊我发送「登记 楼号-单元-房号」登记您家，再兑换。"
    assert driver.snapshot() == before


def test_redeem_alone_shows_what_points_buy_and_changes_nothing(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 2件")
    before = driver.snapshot()
    shown = driver.one("r2", "兑换", "g1")
    assert "#1 大米：6 分，还有 2 件" in shown.text and "「兑换 1」" in shown.text
    assert driver.snapshot() == before


def test_a_party_points_item_tells_a_resident_privately_it_takes_party_points(app: App) -> None:
    driver = build(app)
    _shop(driver, "油 5分 3件 党员积分")
    listed = driver.one("r2", "兑换目录", "g1").text
    assert "#1 油：5 分（党员积分），还有 3 件" in listed
    assert "标「党员积分」的只能用党员积分兑换" in listed
    before = driver.snapshot()
    refused = driver.one("r2", "兑换 1", "g1")
    assert refused.private
    assert refused.text == "这件只能用党员积分兑换，要 5 分，您没有党员积分。"
    assert driver.snapshot() == before
    assert "加 3 分" in driver.say("sec", "加分 @r4 3 党员积分", "g1")[0].text
    refused = driver.one("r4", "兑换 1", "g1")
    assert refused.private
    assert refused.text == "这件只能用党员积分兑换，要 5 分，您的党员积分现有 3 分。"
    assert held(app) == ([(10, 0), (6, 0), (3, 0)], [(3, 0)])


def test_too_few_points_are_told_privately_with_what_the_member_has(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 5件", "油 8分 5件")
    refused = driver.one("r4", "兑换 2", "g1")
    assert refused.private
    assert refused.text == "积分不够：这件要 8 分，您的居民积分现有 6 分。"
    driver.say("r2", "兑换 1", "g1")
    before = driver.snapshot()
    refused = driver.one("r2", "兑换 2", "g1")
    assert refused.private
    assert refused.text == "积分不够：这件要 8 分，您的居民积分现有 10 分，其中 6 分兑换中。"
    assert driver.snapshot() == before
    driver.say("sec", "积分规则 按户 开", "g1")
    refused = driver.one("r4", "兑换 2", "g1")
    assert refused.private and refused.text == "积分不够：这件要 8 分，您家没有居民积分。"


def test_an_item_listed_without_a_quantity_has_no_stock_limit(app: App) -> None:
    driver = build(app)
    _shop(driver)
    assert driver.one("sec", "上架 食用油 5分", "g1").text == "已上架：#1 食用油：5 分，不限量。"
    assert held(app)[1] == [(None, 0)]
    for number in (1, 2):
        assert f"兑换单 #{number}" in driver.one("r2", "兑换 1", "g1").text
        assert driver.say("sec", f"发放 {number}", "g1")[0].text.endswith("5 分。已扣积分。")
    assert held(app) == ([(0, 0), (6, 0)], [(None, 0)])
    assert "#1 食用油：5 分，不限量" in driver.one("r4", "兑换目录", "g1").text
    assert driver.one("sec", "上架 1 3件", "g1").text == "已修改：#1 食用油：5 分，还有 3 件。"
    assert driver.one("sec", "上架 1 不限量", "g1").text == "已修改：#1 食用油：5 分，不限量。"
    assert held(app)[1] == [(None, 0)]
    consistent(app)


def test_a_quantity_with_any_counting_word_is_the_stock_not_part_of_the_name(app: App) -> None:
    driver = build(app)
    for text, shown in (
        ("上架 毛巾 20分 3条", "已上架：#1 毛巾：20 分，还有 3 件。"),
        ("上架 手套 5分 10副", "已上架：#2 手套：5 分，还有 10 件。"),
        ("上架 抽纸 8分 6 包", "已上架：#3 抽纸：8 分，还有 6 件。"),
        ("上架 1 4條", "已修改：#1 毛巾：20 分，还有 4 件。"),
    ):
        assert driver.one("sec", text, "g1").text == shown, text
    # A weight is part of what the item is, not how many there are.
    assert "#4 大米 5斤：30 分，不限量" in driver.one("sec", "上架 大米 5斤 30分", "g1").text
    assert held(app)[1] == [(4, 0), (10, 0), (6, 0), (None, 0)]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("上架 花生油 一百分 十件", "已上架：#1 花生油：100 分，还有 10 件。"),
        ("上架 面条 100积分 3件", "已上架：#1 面条：100 分，还有 3 件。"),
        ("上架 面条 100 积分 两袋", "已上架：#1 面条：100 分，还有 2 件。"),
        ("上架 香皂 二十積分", "已上架：#1 香皂：20 分，不限量。"),
    ],
)
def test_a_cost_and_stock_in_chinese_numerals_or_in_jifen_are_read(
    app: App, text: str, shown: str
) -> None:
    driver = build(app)
    assert driver.one("sec", text, "g1").text == shown
    assert driver.one("sec", "上架 1 五十分 二十件", "g1").text.endswith("50 分，还有 20 件。")


def test_items_are_stocked_in_english_words(app: App) -> None:
    driver = build(app)
    driver.one("sec", "/lang en", "g1")
    stocked = driver.one("sec", "/stock rice 100 points 10 pieces", "g1").text
    assert "#1 rice" in stocked and "10" in stocked
    assert "#2 oil" in driver.one("sec", "/stock oil 50pts", "g1").text
    assert "#3 soap" in driver.one("sec", "/stock soap 5 pts 3 pcs", "g1").text
    assert "#1 rice" in driver.one("sec", "/stock 1 120 points unlimited", "g1").text
    usage = driver.one("sec", "/stock rice lots", "g1").text
    assert '"/stock rice 100pts 10 bags"' in usage and "分" not in usage
    # The usage gives the form /help shows.
    driver.one("sec", "/lang en")
    helped = driver.one("sec", "/help all", "g1").text
    assert "/stock rice 100pts 10 bags —" in helped
    with session_of(app) as session:
        items = session.scalars(select(PointsItem).order_by(PointsItem.id)).all()
        assert [(i.name, i.cost, i.stock) for i in items] == [
            ("rice", 120, None),
            ("oil", 50, None),
            ("soap", 5, 3),
        ]


def test_items_of_another_community_and_members_of_another_cannot_be_redeemed(app: App) -> None:
    build(app)
    now = app.clock.now()
    with session_of(app) as session:
        elsewhere = resolve_place(session, "幸福社区")
        item = shop.stock_item(
            session, now, resident(session, "sec"), community(session), "灯泡 1分 1件"
        )
        assert item[0].number == 1
        with pytest.raises(DomainError) as outside:
            shop.redeem(session, now, resident(session, "r2"), elsewhere, 1)
        assert outside.value.key == "points.outside_community"
        with pytest.raises(DomainError) as refused:
            shop.stock_item(session, now, resident(session, "sec"), elsewhere, "灯泡 1分 1件")
        assert refused.value.key == "points.admins_only"


def _race(app: App, users: list[str], numbers: list[int]) -> list[str]:
    """Each user redeems their item at the same moment, in their own transaction."""
    start = threading.Barrier(len(users))
    outcomes: list[str] = []

    def redeem(user: str, number: int) -> None:
        start.wait()
        try:
            with session_of(app) as session:
                member = resident(session, user)
                row = shop.redeem(session, app.clock.now(), member, community(session), number)
            outcomes.append("short" if isinstance(row, shop.Shortfall) else "asked")
        except DomainError as error:
            outcomes.append(error.key)

    threads = [
        threading.Thread(target=redeem, args=pair) for pair in zip(users, numbers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_members_racing_for_the_last_piece_one_wins_the_other_is_told(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 5分 1件")
    assert _race(app, ["r2", "r4"], [1, 1]) == ["asked", "points.out_of_stock"]
    accounts, items = held(app)
    assert items == [(1, 1)] and sorted(h for _, h in accounts) == [0, 5]
    with session_of(app) as session:
        assert session.scalars(select(PointsItem.held)).one() == 1


def test_one_members_points_cannot_be_held_twice_by_racing_redemptions(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 5件", "油 6分 5件")
    assert _race(app, ["r2", "r2"], [1, 2]) == ["asked", "short"]
    accounts, items = held(app)
    assert accounts[0] == (10, 6) and sorted(items) == [(5, 0), (5, 1)]


def test_forgetting_a_member_takes_back_their_waiting_redemptions(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 1件")
    driver.say("r2", "兑换 1", "g1")
    driver.say("r2", "注销 确认")
    assert held(app) == ([(10, 0), (6, 0)], [(1, 0)])
    assert "没有等待发放的兑换" in driver.one("sec", "兑换单", "g1").text
    assert "还有 1 件" in driver.one("r4", "兑换目录", "g1").text
    with session_of(app) as session:
        row = session.scalars(select(PointsRedemption)).one()
        assert (row.status, row.resident_id) == (RedemptionStatus.CANCELLED, None)
    consistent(app)


def test_a_bare_number_after_a_new_items_name_is_its_cost(app: App) -> None:
    driver = build(app)
    assert driver.one("sec", "上架 大米 50", "g1").text == "已上架：#1 大米：50 分，不限量。"
    stocked = driver.one("sec", "上架 食用油 30 5件", "g1").text
    assert stocked == "已上架：#2 食用油：30 分，还有 5 件。"
    # Two bare numbers could be either way round, and a changed item's number is no cost.
    for text in ("上架 面条 5 10", "上架 1 120"):
        before = driver.snapshot()
        driver.say("sec", text, "g1")
        assert driver.templates() == ["points.item_usage"], text
        assert driver.snapshot() == before, text


def test_records_and_waiting_lists_are_asked_for_in_the_words_people_use(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 2件")
    driver.say("r2", "兑换 1", "g1")
    for user, text, template in (
        ("r2", "兑换记录", "points.my_redemptions"),
        ("r2", "兌換記錄", "points.my_redemptions"),
        ("sec", "待发放", "points.redemptions"),
        ("sec", "兑换申请", "points.redemptions"),
        ("r2", "积分明细", "points.view"),
        ("r2", "积分记录", "points.view"),
    ):
        driver.say(user, text, "g1")
        assert driver.templates() == [template], text


def test_cancel_alone_offers_the_members_waiting_redemptions(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 2件", "油 1分 5件")
    none = driver.one("r2", "取消兑换", "g1")
    assert none.private and none.text == "您没有等待发放的兑换。"
    driver.say("r2", "兑换 1", "g1")
    before = driver.snapshot()
    asked = driver.one("r2", "取消兑换", "g1")
    assert asked.private and asked.text.startswith("要取消兑换单 #1（大米，6 分）吗？")
    assert driver.snapshot() == before
    assert "已取消兑换单 #1" in driver.press("r2", asked, "取消兑换").text
    driver.say("r2", "兑换 1", "g1")
    driver.say("r2", "兑换 2", "g1")
    which = driver.one("r2", "取消兑换", "g1")
    assert which.text.startswith("您要取消哪个兑换单？")
    assert [label for row in which.buttons for label, _ in row] == ["#2 大米", "#3 油"]
    assert "已取消兑换单 #3" in driver.press("r2", which, "#3 油").text


def test_handover_alone_offers_a_points_admin_the_redemptions_waiting(app: App) -> None:
    driver = build(app)
    _shop(driver, "大米 6分 2件")
    assert driver.one("sec", "发放", "g1").text == "没有等待发放的兑换。"
    driver.say("r2", "兑换 1", "g1")
    before = driver.snapshot()
    asked = driver.one("sec", "发放", "g1")
    assert asked.private and asked.text.startswith("已把兑换单 #1（r2：大米，6 分）交给本人了吗？")
    assert driver.snapshot() == before
    told = driver.say("sec", asked.tokens["已发放"], event=EventKind.PRESS)
    assert "已扣积分" in told[0].text and "已发放" in told[1].text
    driver.say("r4", "发放", "g1")
    assert driver.templates() == ["points.admins_only"]


def test_an_item_asked_for_by_number_with_nothing_on_offer_says_there_is_nothing(
    app: App,
) -> None:
    driver = build(app)
    driver.one("r2", "兑换目录")
    before = driver.snapshot()
    for text in ("兑换 1", "兑换 大米"):
        assert driver.one("r2", text).text == "目前没有可兑换的物品。", text
    assert driver.snapshot() == before
    _shop(driver, "大米 6分 1件")
    assert driver.one("r2", "兑换 9").text == "兑换目录里没有 #9。发送「兑换目录」看看有什么。"
