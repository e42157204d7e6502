"""Notices: compose with a preview, confirm, schedule, receipts, deadline lists and refusals."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.app import App
from bot.clock import VirtualClock
from bot.db import Database
from bot.errors import DomainError
from bot.messages import EventKind, Reply
from bot.services.community.grid import add_path
from bot.services.notices import parse_notice
from bot.services.notices.receipts import household_figures
from models import Notice, NoticeChat, NoticeReceipt, NoticeStatus, Place, PlaceKind
from tests.support.community import (
    build,
    building_circles,
    register,
    session_of,
    without_private_chats,
)
from tests.support.driver import Driver, Sent


def _tick(app: App, **delta: float) -> list[tuple[str, str]]:
    """Move the virtual clock, run what falls due, and return (chat, text) of what went out."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + timedelta(**delta)
    sent = [e for _, batch in app.scheduler.run_until(clock.now(), end, clock.set) for e in batch]
    return [
        (
            e.target.chat_id,
            app.renderer.render(e.reply, e.language, html_mode=False, buttons=False).text,
        )
        for e in sent
    ]


def _confirm(driver: Driver, user: str, preview: Sent) -> list[Sent]:
    """The sender presses 确认发送 on a preview; the confirmation comes first."""
    return driver.say(user, preview.tokens["确认发送"], event=EventKind.PRESS)


def _send(driver: Driver, text: str, user: str = "sec") -> None:
    preview = driver.one(user, text)
    assert "还没发送" in preview.text, preview.text
    _confirm(driver, user, preview)


def _chats(app: App) -> int:
    with session_of(app) as session:
        return session.scalar(select(func.count()).select_from(NoticeChat)) or 0


def test_parse_reads_scope_text_and_settings() -> None:
    spec = parse_notice("1号院 3号楼 | 明天停水 | 回执 截止 明天18:00 | 定时 明天 8:00")
    assert spec.scope == ("1号院", "3号楼")
    assert spec.text == "明天停水"
    assert (spec.receipts, spec.deadline, spec.send_at) == (True, "明天18:00", "明天 8:00")
    assert parse_notice("全部 今晚开会").text == "今晚开会"
    # The scope and the text before the first bar, settings after it, as people type it.
    glued = parse_notice("本楼 明天上午停水 | 回执 截止 明天18:00 | 定时 明天 8:00")
    assert (glued.scope, glued.text) == (("本楼",), "明天上午停水")
    assert (glued.deadline, glued.send_at) == ("明天18:00", "明天 8:00")
    assert parse_notice("1号院 3号楼 | 明天停水").scope == ("1号院", "3号楼")
    by_friday = ("全部 | 停水 | 回执 截至 周五18:00", "all | No water | receipts by Friday 18:00")
    for typed in by_friday:
        assert parse_notice(typed).deadline in ("周五18:00", "friday 18:00"), typed
    # The time after 回执 is its deadline without 截止 too.
    plain = parse_notice("全部 | 停水 | 回执 明天18:00")
    assert (plain.receipts, plain.deadline) == (True, "明天18:00")
    assert (
        parse_notice("全部 | 停水 | 回执").deadline,
        parse_notice("全部 | 停水 | 回执").receipts,
    ) == (None, True)
    # Without a bar, the scope is the first word, or the two of this building, then a space
    # or a colon.
    for typed in ("全部：明天停水", "全部: 明天停水", "全部 明天停水", "全部，明天停水"):
        assert (parse_notice(typed).scope, parse_notice(typed).text) == (("全部",), "明天停水")
    colon = parse_notice("1号院、2号院：明天停水 | 回执")
    assert (colon.scope, colon.text, colon.receipts) == (("1号院", "2号院"), "明天停水", True)
    english = parse_notice("This  Building water off tomorrow | receipts")
    assert (english.scope, english.text, english.receipts) == (
        ("This Building",),
        "water off tomorrow",
        True,
    )
    assert parse_notice("this buildings closed").scope == ("this",)
    bad_ones = (("全部 |", "notices.empty"), ("全部 | x | 乱写", "notices.bad_setting"))
    for bad, key in (*bad_ones, ("|", "notices.usage"), (" ｜ ", "notices.usage")):
        with pytest.raises(DomainError) as refused:
            parse_notice(bad)
        assert refused.value.key == key


def test_preview_names_circles_and_chats_and_nothing_goes_before_confirmation(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 全部 | 明天上午停水")
    assert "2 个圈" in preview.text and "控制台 2 个群" in preview.text
    assert _chats(app) == 0
    sent = _confirm(driver, "sec", preview)
    assert "2 个群" in sent[0].text and len(sent) == 3
    chats = [s.chat for s in driver.say("sec", "确认发送 1")]
    assert chats == ["sec"] and "通知 1 已经在 11月23日 周一 10:00 发出了" in driver.sent[-1].text
    assert _chats(app) == 2


def test_a_comma_after_the_scope_parts_it_from_a_text_sent_whole(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 1号院、2号院，明天上午停水，请大家提前储水")
    assert "2 个圈" in preview.text, preview.text
    sent = _confirm(driver, "sec", preview)
    posted = {s.chat: s.text for s in sent if not s.private}
    assert set(posted) == {"g1", "g2"}
    assert all("明天上午停水，请大家提前储水" in text for text in posted.values()), posted
    # With bars a comma stays within the text, as before.
    barred = parse_notice("1号院、2号院 | 明天停水，请储水 | 回执")
    assert (barred.scope, barred.text, barred.receipts) == (
        ("1号院", "2号院"),
        "明天停水，请储水",
        True,
    )
    english = parse_notice("this building, water off tomorrow, sorry")
    assert (english.scope, english.text) == (("this building",), "water off tomorrow, sorry")


def test_a_list_of_scope_words_ends_at_the_first_word_that_names_no_place(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 全部、明天停水，请储水")
    assert "明天停水，请储水" in preview.text and "2 个圈" in preview.text, preview.text
    read = {
        "全部、明天停水，请储水": (("全部",), "明天停水，请储水"),
        "全部，明天停水": (("全部",), "明天停水"),
        "1号院、2号院，明天停水": (("1号院", "2号院"), "明天停水"),
        "1号院、幸福家园、明天停水，请储水": (("1号院", "幸福家园"), "明天停水，请储水"),
        "1号院、2号院 明天停水": (("1号院", "2号院"), "明天停水"),
        "党员圈、明天开会、请准时": (("党员圈",), "明天开会、请准时"),
        "本楼、明天3号楼停水：请储水": (("本楼",), "明天3号楼停水：请储水"),
    }
    for typed, (scope, text) in read.items():
        spec = parse_notice(typed)
        assert (spec.scope, spec.text) == (scope, text), typed
    # Places alone are a scope without a text, not 2号院 sent to 1号院.
    with pytest.raises(DomainError) as refused:
        parse_notice("1号院、2号院")
    assert refused.value.key == "notices.usage"


def test_receipts_alone_after_the_texts_last_comma_asks_for_them(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 全部 明天停水，回执").text
    assert "明天停水\n" in preview and "要求回执" in preview, preview
    read = {
        "全部，明天停水，请储水，回执": ("明天停水，请储水", True),
        "全部 明天停水, 回執": ("明天停水", True),
        # A word around it, bars, or English (a list may end with receipts): all text.
        "全部 明天停水，请回执": ("明天停水，请回执", False),
        "全部 | 明天停水，回执": ("明天停水，回执", False),
        "all water off, bring ID, receipts": ("water off, bring ID, receipts", False),
        "全部，回执": ("回执", False),
    }
    for typed, (text, receipts) in read.items():
        spec = parse_notice(typed)
        assert (spec.text, spec.receipts) == (text, receipts), typed


def test_receipts_with_a_deadline_after_the_texts_last_comma_ask_for_them(app: App) -> None:
    """Residents were shown 回执 截止 明天18:00 as words of the notice, and their 收到 was
    refused, for the notice asked for no receipts."""
    read = {
        "全部 明天停水，回执 截止 明天18:00": ("明天停水", "明天18:00"),
        "1号院，明天停水，请储水，回执截至周五18:00": ("明天停水，请储水", "周五18:00"),
        "全部 明天停水，回执 明天18:00": ("明天停水", "明天18:00"),
    }
    for typed, (text, deadline) in read.items():
        spec = parse_notice(typed)
        assert (spec.text, spec.receipts, spec.deadline) == (text, True, deadline), typed
    # Words that are no time stay the notice's own.
    assert parse_notice("全部 明天停水，回执一下就好").receipts is False
    driver = build(app)
    preview = driver.one("sec", "通知 全部 明天停水，回执 截止 明天18:00").text
    assert "明天停水\n" in preview and "要求回执" in preview and "18:00" in preview, preview


def test_a_scope_typed_in_traditional_characters_reaches_the_stored_place(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 1號院 | 週六停水")
    assert "还没发送" in preview.text and "1 个圈" in preview.text, preview.text
    sent = _confirm(driver, "sec", preview)
    assert [s.chat for s in sent if not s.private] == ["g1"] and _chats(app) == 1


def test_a_scope_naming_a_building_by_another_word_reaches_it(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    preview = driver.one("sec", "通知 1号院3栋 | 周六停水")
    assert "还没发送" in preview.text and "2 个圈" in preview.text, preview.text
    sent = _confirm(driver, "sec", preview)
    assert sorted(s.chat for s in sent if not s.private) == ["g4", "g6"]


def test_a_scope_fitting_several_places_is_asked_about_and_nothing_is_kept(app: App) -> None:
    driver = build(app)
    with session_of(app) as session:
        add_path(session, "文化路街道/红旗里社区/1号院/1号楼")
    driver.say("sec", "帮助")
    before = driver.snapshot()
    for chat in ("g1", None):
        asked = driver.one("sec", "通知 1号楼 明天停水", chat).text
        assert "「1号楼」有好几处：" in asked and "请写全一点" in asked, asked
        assert "1号院/1号楼" in asked and "2号院/1号楼" in asked, asked
    assert driver.snapshot() == before


@pytest.mark.parametrize(
    ("typed", "scope", "text"),
    [
        ("Building 3 Water off tomorrow", ("Building 3",), "Water off tomorrow"),
        ("Building 3 | Water off", ("Building 3",), "Water off"),
        ("bldg. no. 3 unit 2: Water off", ("bldg. no. 3 unit 2",), "Water off"),
        ("1号院/Block  3, Water off", ("1号院/Block 3",), "Water off"),
        ("1号院 Blk 3 | Water off", ("1号院", "Blk 3"), "Water off"),
        ("Block A Water off", ("Block",), "A Water off"),
        ("3rd building Water off tomorrow", ("3rd building",), "Water off tomorrow"),
        ("1st Bldg. 2nd unit: Water off", ("1st Bldg. 2nd unit",), "Water off"),
        ("Building 3、Building 4 Water off", ("Building 3", "Building 4"), "Water off"),
        ("Building 3, Building 4 Water off", ("Building 3", "Building 4"), "Water off"),
        ("Building 3 and 3rd block: Water off", ("Building 3", "3rd block"), "Water off"),
        ("Building 3 | and the lift, Water off", ("Building 3",), "and the lift, Water off"),
        ("Building 3, and 4 Water off", ("Building 3",), "and 4 Water off"),
        ("Building 3, 4th floor: Water off", ("Building 3",), "4th floor: Water off"),
        ("3号楼、Building 4 明天停水", ("3号楼", "Building 4"), "明天停水"),
        ("Building 3、4号楼 明天停水", ("Building 3", "4号楼"), "明天停水"),
        ("3号楼、Building 4、明天停水", ("3号楼", "Building 4"), "明天停水"),
    ],
)
def test_a_building_named_in_english_is_one_scope_word(
    typed: str, scope: tuple[str, ...], text: str
) -> None:
    spec = parse_notice(typed)
    assert (spec.scope, spec.text) == (scope, text)


def test_a_scope_naming_a_building_in_english_reaches_its_circles(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    for typed in ("/notice Building 3 Water off tomorrow", "/notice Bldg 3 | Water off"):
        preview = driver.one("sec", typed)
        assert "还没发送" in preview.text and "2 个圈" in preview.text, preview.text
    sent = _confirm(driver, "sec", preview)
    assert sorted(s.chat for s in sent if not s.private) == ["g4", "g6"]
    preview = driver.one("sec", "/notice 3rd building Water off tomorrow")
    assert "还没发送" in preview.text and "2 个圈" in preview.text, preview.text
    for typed in ("/notice Building 3、Building 4 Water off", "/notice Bldg 3, Bldg 4 Water off"):
        preview = driver.one("sec", typed)
        assert "还没发送" in preview.text and "3 个圈" in preview.text, preview.text
        assert "\nWater off\n" in preview.text, preview.text
    preview = driver.one("sec", "/notice Building 3 Unit 2 Water off", "g1")
    assert preview.private and "1 个圈" in preview.text, preview.text
    with session_of(app) as session:
        add_path(session, "文化路街道/红旗里社区/1号院/1号楼")
    asked = driver.one("sec", "/notice Building 1 Water off").text
    assert "「Building 1」有好几处：" in asked and "2号院/1号楼" in asked, asked


def test_a_notice_typed_in_a_group_is_previewed_privately(app: App) -> None:
    driver = build(app)
    answers = driver.say("sec", "通知 全部 | 明天上午停水", "g1")
    assert [s.chat for s in answers] == ["sec", "g1"] and "还没发送" in answers[0].text
    assert answers[1].text == "王书记，详情已私聊发给您。"
    sent = _confirm(driver, "sec", answers[0])
    assert {s.chat for s in sent} == {"sec", "g1", "g2"} and _chats(app) == 2


def test_confirmation_sends_one_message_to_each_chat_with_a_receipt_button(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    answers = driver.say("sec", "确认发送 1")
    posted = {s.chat: s for s in answers if not s.private}
    assert set(posted) == {"g1", "g2"}
    assert posted["g1"].buttons == [[("收到", "/ack 1")]]
    assert "明天上午停水" in posted["g1"].text


def test_receipts_are_one_per_person_counted_per_household(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    posted = next(s for s in driver.sent if s.chat == "g1" and s.buttons)
    assert "已收到您的回执" in driver.press("r1", posted, "收到", "g1").text
    assert "已收到您的回执" in driver.one("r1b", "收到了", "g1").text
    assert "已经回执过" in driver.one("r1", "收到", "g1").text
    assert "已收到您的回执" in driver.one("r2", "已收到").text
    figures, silent = driver.say("sec", "回执")
    assert "1号院：2/4 户已回执" in figures.text
    assert silent.private and silent.chat == "sec"
    assert "303" in silent.text and "304" in silent.text and "301" not in silent.text
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 3


def test_a_receipt_from_someone_not_registered_says_it_counts_for_no_household(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    driver.say("n1", "大家好", "g1", name="老李")
    answer = driver.one("n1", "收到", "g1", name="老李")
    assert answer.private and "已收到您的回执" in answer.text
    assert "还没登记" in answer.text and "「登记 楼号-单元-房号」" in answer.text, answer.text
    assert "还没登记" not in driver.one("r2", "收到", "g1").text
    assert "1号院：1/4 户已回执" in driver.say("sec", "回执")[0].text
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 2


def test_receipts_of_a_notice_not_yet_sent_say_so_rather_than_list_every_household(
    app: App,
) -> None:
    driver = build(app)
    driver.one("sec", "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    before = driver.snapshot()
    assert driver.one("sec", "回执 1").text == "通知 1 还没有发出，发出后才有回执。"
    assert driver.snapshot() == before


def test_someone_who_may_not_manage_a_notice_learns_nothing_of_it(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 1号院 | 明天停水")
    _send(driver, "通知 全部 | 周六打扫楼道 | 定时 1天")
    _send(driver, "通知 全部 | 今晚开会")
    driver.one("sec", "取消通知 2")
    before = driver.snapshot()
    # A draft, a cancelled notice and a sent one answer as a number no notice has.
    for command in ("取消通知", "停止通知", "确认发送"):
        answers = {driver.one("r1", f"{command} {n}").text for n in (1, 2, 3, 9)}
        assert answers == {f"没有编号 {n} 的通知。" for n in (1, 2, 3, 9)}, answers
    assert driver.snapshot() == before


def test_someone_who_may_not_see_receipts_learns_nothing_of_a_notice(app: App) -> None:
    driver = build(app)
    refused = "只有发通知的人、社区书记、网格员、楼长和单元长能看回执。"
    # Whether the community has a notice asking for receipts is not told either.
    assert driver.one("r1", "回执").text == refused
    driver.one("sec", "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    _send(driver, "通知 全部 | 周六打扫楼道")
    missing = driver.one("r1", "回执 9").text
    assert missing == "没有编号 9 的通知。"
    # Notice 1 is a draft, notice 2 asked for no receipts: neither is told to r1.
    assert driver.one("r1", "回执 1").text == "没有编号 1 的通知。"
    assert driver.one("r1", "回执 2").text == "没有编号 2 的通知。"
    assert driver.one("sec", "回执 2").text == "通知 2 没有要求回执。"


def test_an_english_notice_asks_for_a_receipt_english_readers_can_type(app: App) -> None:
    driver = build(app)
    driver.one("owner", "/lang en", "g1")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天 18:00")
    posted = next(s for s in driver.sent if s.chat == "g1" and s.buttons)
    assert 'Please reply "/ack" when you have read it, by Tue 24 Nov 18:00.' in posted.text
    assert "收到" not in posted.text
    # The receipt is confirmed privately, in r2's own language.
    assert "已收到您的回执" in driver.one("r2", "/ack", "g1").text
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 1


def test_notice_usage_in_english_shows_the_english_forms(app: App) -> None:
    driver = build(app)
    driver.one("sec", "/lang en")
    before = driver.snapshot()
    replies = {
        typed: driver.one("sec", typed).text
        for typed in (
            "/notice all | No water | later",
            "/notice all | No water | receipts later",
            "/notice all",
            "/notice nowhere | No water",
            "/notice all | No water | every week 8:00",
        )
    }
    driver.say("sec", "/notice party | No water")
    assert [a.reply.template for a in driver.answers] == ["notices.no_circles"]
    assert 'Reply "all" (everyone)' in driver.one("sec", "/notice").text
    driver.one("sec", "all")
    driver.one("sec", "No water tomorrow")
    replies["when"] = driver.one("sec", "no").text
    driver.one("sec", "cancel")
    assert driver.snapshot() == before
    setting = replies["/notice all | No water | later"]
    assert '"receipts deadline tomorrow 18:00"' in setting and '"every Monday 8:00"' in setting
    # What follows "receipts" is its deadline: a word that is no time is asked again.
    assert "Friday 18:00" in replies["/notice all | No water | receipts later"]
    assert '"/notice all | No water tomorrow morning"' in replies["/notice all"]
    assert 'Write "all"' in replies["/notice nowhere | No water"]
    assert '"every month 1 9:00"' in replies["/notice all | No water | every week 8:00"]
    assert '"tomorrow 8:00"' in replies["when"]
    for text in replies.values():
        for word in ("回执", "截止", "明天", "定时", "每周", "每天", "每月", "全部", "党员圈"):
            assert word not in text, (word, text)


def test_an_english_reader_with_notices_still_waiting_is_told_to_send_ack(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    _send(driver, "通知 全部 | 周六打扫楼道 | 回执")
    driver.one("r2", "/lang en")
    acked = driver.one("r2", "/ack", "g1").text
    assert 'Notice 1 still waits for your receipt: send "/ack" again.' in acked
    assert "收到" not in acked
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 1


def test_silent_households_are_named_with_their_estate(app: App) -> None:
    driver = build(app)
    with app.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/2号院/3号楼/2单元")
    register(driver, "r9", "3-2-303", chat="g2")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    _, silent = driver.say("sec", "回执")
    assert "1号院/3号楼/2单元/303" in silent.text and "2号院/3号楼/2单元/303" in silent.text


def test_a_building_or_units_circle_in_the_receipts_names_its_estate(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    figures = driver.say("sec", "回执")[0].text.splitlines()
    assert figures[2:] == [
        "1号院：0/4 户已回执",
        "2号院：0/0 户已回执",
        "1号院/3号楼：0/4 户已回执",
        "1号院/4号楼：0/0 户已回执",
        "1号院/3号楼/2单元：0/4 户已回执",
    ], figures


def _crowd(driver: Driver, building: int, rooms: range) -> None:
    """Register one resident at each room of `building`'s unit 1 in 1号院, through g1."""
    for room in rooms:
        register(driver, f"h{building}_{room}", f"{building}-1-{room}")


def test_many_silent_households_are_counted_per_building_not_listed(app: App) -> None:
    driver = build(app)
    with app.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/5号楼/1单元")
    _crowd(driver, 3, range(101, 121))
    _crowd(driver, 5, range(101, 116))
    driver.grant("bh", "楼长", "红旗里社区/1号院/5号楼")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    figures, silent = driver.say("sec", "回执")
    assert "1号院：0/39 户已回执" in figures.text, figures.text
    assert silent.private and "还没回执的有 39 户" in silent.text, silent.text
    lines = silent.text.splitlines()
    # The buildings with most silent households first; no household is named.
    assert lines[1:3] == ["1号院/3号楼：24 户", "1号院/5号楼：15 户"], lines
    assert "101" not in silent.text
    assert lines[-1] == "楼长、单元长和网格员发送「回执 1」，可以看自己负责的地方还没回执的住户。"
    # A building head still gets his own building's households one by one.
    _, own = driver.say("bh", "回执 1")
    assert "还没回执的 15 户" in own.text and "5号楼/1单元/115" in own.text, own.text


@pytest.mark.parametrize(
    "typed",
    [
        "收到！",
        "收到。",
        "收到收到",
        "收到👌",
        "已阅",
        "收到了，谢谢",
        "收到 谢谢",
        "好的收到!",
        "已收到。",
        "已收到！！",
    ],
)
def test_shou_dao_with_thanks_punctuation_or_emoji_is_a_receipt(app: App, typed: str) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    assert "已收到您的回执" in driver.one("r2", typed, "g1").text
    assert "1号院：1/4 户已回执" in driver.say("sec", "回执")[0].text


@pytest.mark.parametrize(
    ("user", "typed", "chat"),
    [
        ("r2", "收 到", "g1"),
        ("r3", "收\u3000到！", "g1"),
        ("r4", "收 到", None),
        ("r2", "已 阅", "g1"),
    ],
)
def test_shou_dao_with_a_stray_space_inside_is_a_receipt(
    app: App, user: str, typed: str, chat: str | None
) -> None:
    """Elderly typists, and some input methods, leave a space inside the word."""
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    assert "已收到您的回执" in driver.one(user, typed, chat).text
    assert "1号院：1/4 户已回执" in driver.say("sec", "回执")[0].text


def test_words_around_a_spaced_shou_dao_keep_it_chat(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    before = driver.snapshot()
    for said in (
        "收到了吗 谢谢",
        "收 到了吗",
        "我 收 到 了",
        "收 到通知没有",
        "收 到了吗 3楼",
        "收到了？",
    ):
        assert driver.say("r2", said, "g1") == [], said
    assert driver.say("r2", "已收到?", "g1") == []
    assert driver.snapshot() == before


@pytest.mark.parametrize(
    ("user", "typed", "chat"),
    [
        ("r2", "收 到 1", "g1"),
        ("r3", "收\u3000到 1！", "g1"),
        ("r4", "收 到 1", None),
        ("r2", "收 到了 #1", "g1"),
    ],
)
def test_a_spaced_shou_dao_with_a_number_acknowledges_that_notice(
    app: App, user: str, typed: str, chat: str | None
) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    _send(driver, "通知 全部 | 周日停电 | 回执")
    answers = driver.say(user, typed, chat)
    assert [(s.chat, s.private) for s in answers] == [(user, True)], typed
    assert "已收到您的回执（通知 1）" in answers[0].text
    assert "还有通知 2 等您回执" in answers[0].text


@pytest.mark.parametrize(
    "said", ["已阅 1", "已读 1", "收到啦 1", "收到了 1", "已收到 1", "已閱 1", "已讀 1", "已读1"]
)
@pytest.mark.parametrize("chat", ["g1", None])
def test_other_words_for_shou_dao_with_a_number_acknowledge_that_notice(
    app: App, said: str, chat: str | None
) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    _send(driver, "通知 全部 | 周日停电 | 回执")
    answers = driver.say("r2", said, chat)
    assert [(s.chat, s.private) for s in answers] == [("r2", True)], said
    assert answers[0].text == (
        "r2，已收到您的回执（通知 1）。谢谢！还有通知 2 等您回执，再回复「收到」就好。"
    )
    assert [a.reply.template for a in driver.answers] == ["notices.acked"]


def test_other_words_for_shou_dao_without_a_number_stay_as_they_were(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    before = driver.snapshot()
    for said in ("已读", "已讀", "收到了吗 3楼", "已读了吗 1", "已读 3楼", "收到啦吗 1"):
        assert driver.say("r2", said, "g1") == [], said
    assert driver.snapshot() == before
    # As 收到 alone, 已阅 and 收到啦 alone answer the newest notice.
    assert "已收到您的回执（通知 1）" in driver.one("r2", "收到啦", "g1").text
    assert "已经回执过通知 1" in driver.one("r2", "已阅", "g1").text


def test_a_second_shou_dao_ending_in_punctuation_is_told_it_was_counted(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    assert "已收到您的回执" in driver.one("r2", "已收到", "g1").text
    assert "已经回执过" in driver.one("r2", "已收到。", "g1").text
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 1


def test_a_notice_dialog_cancelled_says_no_notice_was_sent(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    assert driver.one("sec", "取消").text == "已取消，通知没有发送。"


def test_without_an_open_notice_shou_dao_is_chat_in_a_group_and_a_hint_privately(app: App) -> None:
    driver = build(app)
    assert driver.say("r1", "收到", "g1") == [] and driver.say("r1", "收到！谢谢", "g1") == []
    assert (
        driver.say("r1", "收到，我明天不去了", "g1") == [] and driver.say("r1", "收 到", "g1") == []
    )
    assert "没有需要回执" in driver.one("r1", "收到").text
    # /ack asks the bot, not the neighbours: it is answered, to the sender alone.
    answers = driver.say("r1", "/ack", "g1")
    assert [(a.chat, a.text) for a in answers] == [("r1", "现在没有需要回执的通知。")]
    _send(driver, "通知 全部 | 今晚开会")
    assert driver.say("r1", "好的收到", "g1") == []
    _send(driver, "通知 全部 | 周六大扫除 | 回执 截止 明天18:00")
    assert "已收到您的回执" in driver.one("r2", "收到，我明天不去了", "g1").text


def test_a_scheduled_notice_goes_once_at_its_time_and_can_be_cancelled(app: App) -> None:
    driver = build(app)
    preview = driver.one("sec", "通知 1号院 | 明早停电 | 定时 2小时")
    assert "定时" in preview.text
    assert "将在 11月23日 周一 12:00 发送" in _confirm(driver, "sec", preview)[0].text
    assert _tick(app, hours=1) == []
    went = _tick(app, hours=2)
    assert [chat for chat, _ in went] == ["g1", "sec"] and "明早停电" in went[0][1]
    assert went[1][1] == "通知 1：已送达 1/1 个群。"
    assert _tick(app, hours=5) == []
    _send(driver, "通知 全部 | 周末义诊 | 定时 1天")
    assert "已取消" in driver.one("sec", "取消通知 2").text
    assert _tick(app, days=2) == []
    assert "已经发出" in driver.one("sec", "取消通知 1").text
    listing = driver.one("sec", "通知列表").text
    assert "[已取消" in listing and "送达 1/1 个群" in listing
    _send(driver, "通知 全部 | 今晚停水")
    lines = driver.one("sec", "通知列表").text.splitlines()
    assert sorted(line[:2] for line in lines if line[:1].isdigit()) == ["1.", "2.", "3."]


def test_a_long_notice_is_cut_the_same_way_with_an_ellipsis_in_receipts_and_the_list(
    app: App,
) -> None:
    driver = build(app)
    text = "明天上午九点到十二点三号楼和四号楼停水，请大家提前储水，给您添麻烦了，谢谢配合"
    _send(driver, f"通知 全部 | {text} | 回执")
    cut = text[:29] + "…"
    figures = driver.say("sec", "回执 1")[0].text
    listing = driver.one("sec", "通知列表").text
    assert cut in figures.splitlines(), figures
    assert listing.splitlines()[1].endswith("] " + cut), listing
    with session_of(app) as session:
        assert session.scalar(select(Notice.text)) == text


def test_at_the_deadline_building_heads_get_their_silent_households_privately(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    driver.say("r1", "收到", "g1")
    driver.say("r3", "收到", "g1")
    went = _tick(app, hours=4)
    by_chat = dict(went)
    assert set(by_chat) == {"bh", "sec"}
    assert "2单元/302" in by_chat["bh"] and "2单元/304" in by_chat["bh"]
    assert "301" not in by_chat["bh"]
    assert "2/4 户已回执" in by_chat["sec"]
    assert _tick(app, hours=4) == []


def test_a_building_heads_list_at_the_deadline_goes_door_by_door(app: App) -> None:
    """The silent households come in the order of their addresses, as in `回执`, not in the
    order they registered: the building head walks the list floor by floor."""
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    register(driver, "r5", "3-1-201")
    register(driver, "r6", "3-2-101")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    lines = dict(_tick(app, hours=4))["bh"].splitlines()[1:]
    assert lines == sorted(lines) and lines[:2] == ["1单元/201", "2单元/101"], lines


def test_a_receipt_after_the_deadline_is_answered_privately_and_not_recorded(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    driver.say("r1", "收到", "g1")
    _tick(app, hours=4)
    late = "通知 1 的回执已经截止了，这次没有记上。谢谢您！"
    for user, typed, chat in [("r2", "收到", "g1"), ("r3", "收到 1", "g1"), ("r4", "收到", None)]:
        answers = driver.say(user, typed, chat)
        assert [(s.chat, s.private, s.text) for s in answers] == [(user, True, late)], typed
    assert "已经回执过通知 1" in driver.one("r1", "收到 1", "g1").text
    assert driver.say("r1", "收到", "g1") == []
    # Days later a 收到 in the group is someone's chat.
    _tick(app, days=3)
    assert driver.say("r2", "收到", "g1") == []
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 1


def test_at_the_deadline_the_lists_are_made_without_loading_a_household(app: App) -> None:
    """A community's notice reaches thousands of households: the building heads' lists read
    them as rows, as `回执` does, not one object (and one walk up the grid) each."""
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    driver.say("r1", "收到", "g1")
    loaded: list[Any] = []

    def note(_session: Session, instance: Any) -> None:
        loaded.append(instance)

    event.listen(Session, "loaded_as_persistent", note)
    try:
        went = dict(_tick(app, hours=4))
    finally:
        event.remove(Session, "loaded_as_persistent", note)
    assert "2单元/302" in went["bh"] and "1/4 户已回执" in went["sec"]
    homes = [i for i in loaded if isinstance(i, Place) and i.kind == PlaceKind.HOUSEHOLD]
    assert homes == []


def test_a_notices_household_figures_are_counted_without_loading_a_household(app: App) -> None:
    """The list of notices gives each one's figures: a community's notice reaches thousands
    of households, which were loaded as objects to be counted."""
    driver = build(app)
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    driver.say("r1", "收到", "g1")
    loaded: list[str] = []

    def note(_session: Session, instance: Any) -> None:
        loaded.append(type(instance).__name__)

    with session_of(app) as session:
        notice = session.scalars(select(Notice)).one()
        event.listen(session, "loaded_as_persistent", note)
        assert household_figures(session, notice) == (1, 4)
    assert "Place" not in loaded


def test_the_notices_list_reads_as_many_statements_for_three_notices_as_for_one(
    app: App,
) -> None:
    driver = build(app)
    statements: list[str] = []
    counts = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    for text in ("停水", "停电", "义诊"):
        _send(driver, f"通知 全部 | 明天{text}")
        statements.clear()
        event.listen(app.db.engine, "before_cursor_execute", note)
        try:
            assert f"明天{text}" in driver.one("sec", "通知列表").text
        finally:
            event.remove(app.db.engine, "before_cursor_execute", note)
        counts.append(len(statements))
    assert counts[0] == counts[2]


def test_text_style_offers_the_typed_forms(app: App) -> None:
    driver = build(app, buttons=False)
    preview = driver.one("sec", "通知 全部 | 明天上午停水 | 回执")
    assert "确认发送 1" in preview.text
    posted = {s.chat: s.text for s in driver.say("sec", "确认发送 1")}
    assert "收到" in posted["g1"]
    assert "已收到您的回执" in driver.one("r2", "收到", "g1").text


def test_a_building_head_notifies_their_building_only(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    preview = driver.one("bh", "通知 1号院/3号楼 | 楼道清理 | 回执")
    assert "1 个圈" in preview.text
    _confirm(driver, "bh", preview)
    assert "不能给「2号院」发通知" in driver.one("bh", "通知 2号院 | 楼道清理").text
    assert "不能给「全部」" in driver.one("bh", "通知 全部 | 楼道清理").text
    driver.say("r1", "收到", "g1")
    figures, _ = driver.say("bh", "回执")
    assert "1/4 户" in figures.text


def test_a_building_heads_notice_is_headed_by_their_building_a_secretarys_by_the_community(
    app: App,
) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    heads = []
    for user in ("bh", "sec"):
        posted = _confirm(driver, user, driver.one(user, "通知 1号院/3号楼 | 楼道清理"))
        heads += [s.text.splitlines()[0] for s in posted if s.chat == "g1"]
    assert heads == ["【3号楼楼长通知】", "【红旗里社区通知】"]


@pytest.mark.parametrize(
    ("language", "head"),
    [("zh-Hant", "【3号楼樓長通知】"), ("en", "Notice from the head of 3号楼")],
)
def test_a_building_heads_notice_names_the_building_in_each_language(
    app: App, language: str, head: str
) -> None:
    data = {"number": 1, "community": "红旗里社区", "building": "3号楼", "text": "楼道清理"}
    notice = Reply("notices.notice", data | {"receipts": False, "deadline": None})
    shown = app.renderer.render(notice, language, html_mode=False, buttons=False)
    assert shown.text.splitlines()[0] == head


def test_a_building_head_notifies_their_buildings_group_as_this_group(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    preview = driver.one("bh", "通知 本群 | 明天上午停水", "g4")
    assert preview.private and "将发到 1 个圈" in preview.text
    posted = _confirm(driver, "bh", preview)
    assert [s.chat for s in posted if not s.private] == ["g4"]
    before = driver.snapshot()
    refused = driver.one("bh", "通知 本群 | 明天上午停水", "g1")
    assert "不能给「本群」发通知" in refused.text
    in_private = driver.one("bh", "通知 本群 | 明天上午停水")
    assert "「本群」要在群里用" in in_private.text
    unknown = driver.one("bh", "通知 本院 | 明天上午停水", "g4").text
    assert "找不到「本院」" in unknown and "「本群」" in unknown
    assert "「本群」" not in driver.one("bh", "通知 本院 | 明天上午停水").text
    assert driver.snapshot() == before


def test_this_building_in_a_building_or_units_group_is_the_whole_building(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    for word, chat in (("本楼", "g4"), ("this  Building", "g4"), ("本棟", "g6")):
        preview = driver.one("bh", f"通知 {word} | 明天上午停水", chat)
        assert preview.private and "将发到 2 个圈" in preview.text, preview.text
    posted = _confirm(driver, "bh", preview)
    assert sorted(s.chat for s in posted if not s.private) == ["g4", "g6"]
    before = driver.snapshot()
    estate = driver.one("sec", "通知 本楼 | 明天上午停水", "g1")
    assert "「本楼」要在楼栋的群里用。这里请写「本群」或楼栋名" in estate.text, estate.text
    assert "「本楼」要在群里用" in driver.one("sec", "通知 本楼 | 明天上午停水").text
    assert driver.snapshot() == before
    # Privately, and in a group above buildings, 本楼 is the one building its head leads.
    for where in (None, "g1"):
        preview = driver.one("bh", "通知 本楼 明天上午停水", where)
        assert preview.private and "将发到 2 个圈" in preview.text, preview.text


def test_a_scope_word_run_into_tongzhi_is_a_notice_from_senders_and_chat_from_others(
    app: App,
) -> None:
    driver = build(app)
    building_circles(driver)
    glued = ("通知本楼 明天上午停水", "通知本樓 明天上午停水", "通知this building 明天上午停水")
    for typed in glued:
        preview = driver.one("bh", typed, "g4")
        assert preview.private and "将发到 2 个圈" in preview.text, (typed, preview.text)
    preview = driver.one("sec", "通知全部：明天停水", "g1")
    assert preview.private and "明天停水" in preview.text and "还没发送" in preview.text
    assert "还没发送" in driver.one("sec", "通知全部 明天停水").text
    assert "还没发送" in driver.one("sec", "通知3号楼 明天停水", "g1").text
    before = driver.snapshot()
    for typed in (
        "通知全部 明天停水",
        "通知本楼 明天上午停水",
        "通知大家明天开会",
        "通知3号楼的人明天停水",
    ):
        assert driver.say("r1", typed, "g1") == [], typed
    assert driver.say("sec", "通知大家明天开会", "g1") == []
    assert driver.snapshot() == before
    # Typed apart, it is the command for everyone: a resident is told who may send notices.
    assert "只有社区书记和楼长" in driver.one("r1", "通知 全部 明天停水", "g1").text


def test_the_guided_notice_offers_this_group_in_a_group_only(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    asked = driver.one("sec", "通知", "g1")
    assert "「全部」、「本群」，" in asked.text and [
        label for row in asked.buttons for label, _ in row
    ] == ["本群", "全部"]
    told = driver.press("sec", asked, "本群", "g1")
    assert "发给：本群（1 个圈）" in told.text
    assert "本群" not in driver.one("bh", "通知").text


def test_the_guided_notice_offers_this_building_in_a_buildings_group(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    asked = driver.one("bh", "通知", "g6")
    # 全部 is offered only to those who may notify the whole community.
    assert "请回复「本群」、「本楼」，或" in asked.text, asked.text
    labels = [label for row in asked.buttons for label, _ in row]
    assert labels == ["本群", "本楼"], labels
    everyone = driver.one("sec", "通知", "g6")
    assert "「全部」、「本群」、「本楼」" in everyone.text, everyone.text
    assert [label for row in everyone.buttons for label, _ in row] == ["本群", "本楼", "全部"]
    driver.one("sec", "取消", "g6")
    told = driver.press("bh", asked, "本楼", "g6")
    assert "发给：本楼（2 个圈）" in told.text, told.text


@pytest.mark.parametrize(
    ("user", "text", "answer"),
    [
        ("r3", "通知 全部 | 停水", "只有社区书记和楼长"),
        ("sec", "通知 全部 |", "通知内容是空的"),
        # One run of words with no bar is no empty notice: its scope may be what is missing.
        ("sec", "通知 明天上午停水", "用法：「通知 范围 | 内容」"),
        ("sec", "通知3号楼的人明天停水", "用法：「通知 范围 | 内容」"),
        ("sec", "通知 ｜明天停水", "用法：「通知 范围 | 内容」"),
        ("sec", "通知 火星 | 停水", "找不到「火星」"),
        ("sec", "通知 幸福家园 | 停水", "找不到「幸福家园」"),
        ("sec", "通知 全部 | 停水 | 定时 2026-11-22 08:00", "已经过去"),
        ("sec", "通知 全部 | 停水 | 回执 截止 昨天", "已经过去"),
        ("sec", "通知 全部 | 停水 | 定时 乱七八糟", "乱七八糟"),
        ("sec", "通知 全部 | 停水 | 回执 截止 1小时 | 定时 2小时", "截止时间要在发送之后"),
    ],
)
def test_bad_input_gets_a_clear_reply_and_nothing_is_kept(
    app: App, user: str, text: str, answer: str
) -> None:
    driver = build(app)
    driver.say(user, "帮助")
    before = driver.snapshot()
    reply = driver.one(user, text)
    assert answer in reply.text, reply.text
    assert driver.snapshot() == before


def test_drafts_left_unconfirmed_never_go_out(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 全部 | 停水 | 定时 1小时")
    assert _tick(app, hours=3) == []
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeChat)) == 0
    assert NoticeStatus.DRAFT.value == "draft"


def test_a_building_heads_receipts_are_labelled_with_their_building_and_true(app: App) -> None:
    """A building head sees only their building's households: each figure is named after the
    place it covers, with no rows for circles outside it."""
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    with app.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/4号楼/1单元")
    register(driver, "r8", "4-1-101")
    register(driver, "r9", "1-1-101", chat="g2")
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    driver.say("r8", "收到", "g1")
    figures, silent = driver.say("bh", "回执", "g1")
    assert figures.chat == "g1"
    assert figures.text.splitlines()[2:] == ["1号院/3号楼：1/4 户已回执"]
    assert silent.private and "4号楼" not in silent.text and "302" in silent.text
    whole = driver.say("sec", "回执")[0].text.splitlines()[2:]
    assert whole == ["1号院：2/5 户已回执", "2号院：0/1 户已回执"]
    _send(driver, "通知 2号院 | 2号院停电 | 回执")
    assert "通知 1 的回执" in driver.say("bh", "回执")[0].text
    before = driver.snapshot()
    assert driver.one("bh", "回执 2").text == "通知 2 没有发到您负责的地方，您看不到它的回执。"
    assert driver.snapshot() == before


def test_a_building_reached_through_two_circles_is_counted_once(app: App) -> None:
    """A notice to the estate's circle and the building's own circle reaches the building's
    households once: its building head sees one line for them, not one per circle."""
    driver = build(app)
    building_circles(driver)
    _send(driver, "通知 1号院 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    lines = driver.say("bh", "回执")[0].text.splitlines()[2:]
    assert lines == ["1号院/3号楼：1/4 户已回执", "1号院/3号楼/2单元：1/4 户已回执"], lines


def test_a_building_heads_own_notice_is_counted_under_their_building(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    _send(driver, "通知 1号院/3号楼 | 楼道清理 | 回执", user="bh")
    driver.say("r1", "收到", "g1")
    assert driver.say("bh", "回执")[0].text.splitlines()[2:] == ["1号院/3号楼：1/4 户已回执"]


def test_a_building_heads_list_holds_the_notices_that_reached_their_building(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    register(driver, "r9", "1-1-101", chat="g2")
    empty = driver.one("bh", "通知列表").text
    assert empty.splitlines()[1:] == ["您还没有发过通知，也还没有发到您楼里的通知。"]
    _send(driver, "通知 2号院 | 二院停电")
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    listing = driver.one("bh", "通知列表")
    assert listing.private and "二院停电" not in listing.text
    assert "2. [已发" in listing.text and "明天上午停水（王书记发的）" in listing.text
    assert "回执 1/4 户" in listing.text
    assert "回执 1/5 户" in driver.one("sec", "通知列表").text
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(Notice)) == 2


def test_a_bare_shou_dao_answers_the_newest_notice_not_yet_acknowledged(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    _send(driver, "通知 全部 | 周日停电 | 回执")
    first = driver.one("r2", "收到", "g1").text
    assert first == "r2，已收到您的回执（通知 2）。谢谢！还有通知 1 等您回执，再回复「收到」就好。"
    assert driver.one("r2", "收到", "g1").text == "r2，已收到您的回执（通知 1）。谢谢！"
    assert "已经回执过通知 2" in driver.one("r2", "收到", "g1").text
    assert "已经回执过通知 1" in driver.one("r2", "收到 1", "g1").text
    assert "（通知 1）" in driver.one("r3", "收到 1", "g1").text
    assert "（通知 2）" in driver.one("r3", "收到", "g1").text
    assert "（通知 2）" in driver.one("r4", "收到").text
    assert "（通知 1）" in driver.one("r4", "收到").text
    with session_of(app) as session:
        numbers = session.execute(
            select(Notice.number, func.count())
            .join(NoticeReceipt, NoticeReceipt.notice_id == Notice.id)
            .group_by(Notice.number)
            .order_by(Notice.number)
        ).all()
    assert [tuple(row) for row in numbers] == [(1, 3), (2, 3)]


def test_a_shou_dao_typed_in_a_group_is_answered_privately_and_the_group_stays_quiet(
    app: App,
) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    _send(driver, "通知 全部 | 周日停电 | 回执")
    for user, typed, expected in [
        (
            "r2",
            "收到",
            "r2，已收到您的回执（通知 2）。谢谢！还有通知 1 等您回执，再回复「收到」就好。",
        ),
        (
            "r3",
            "收到！",
            "r3，已收到您的回执（通知 2）。谢谢！还有通知 1 等您回执，再回复「收到」就好。",
        ),
        ("r2", "收到 2", "您已经回执过通知 2 了，不用再发。"),
        ("r2", "收到 9", "没有要您回执的通知 9。还有通知 1 等您回执，回复「收到」就好。"),
    ]:
        answers = driver.say(user, typed, "g1")
        assert [(s.chat, s.private, s.text) for s in answers] == [(user, True, expected)]
    # The follow-up line holds privately too: 收到 there answers notice 1.
    assert driver.one("r2", "收到").text == "r2，已收到您的回执（通知 1）。谢谢！"
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(NoticeReceipt)) == 3


def test_a_shou_dao_from_someone_without_a_private_chat_is_answered_in_the_group(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    app = without_private_chats(db, clock, tmp_path)
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    answers = driver.say("r2", "收到", "g1")
    assert [(s.chat, s.text) for s in answers] == [("g1", "r2，已收到您的回执（通知 1）。谢谢！")]
    app.close()


def test_a_notice_confirmed_in_the_night_waits_for_the_morning_unless_sent_at_once(
    app: App,
) -> None:
    driver = build(app)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=13))  # 23:00, in the default 21:30-07:30
    # An urgent one goes at once on the word; one whose receipts close in the night must.
    driver.one("sec", "通知 1号院 | 今晚停气 | 回执 截止 1小时")
    assert "明早发出前就截止" in driver.one("sec", "确认发送 1").text
    assert "请写上通知编号" in driver.one("sec", "确认发送 1 马上马上").text
    sent = driver.say("sec", "确认发送 1 现在")
    assert [s.chat for s in sent] == ["sec", "g1"] and "已开始发送" in sent[0].text
    preview = driver.one("sec", "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    assert "现在是夜间，确认后 07:30 发出" in preview.text, preview.text
    assert "确认发送 2 现在" in preview.text
    answers = _confirm(driver, "sec", preview)
    assert [s.chat for s in answers] == ["sec"] and "现在是夜间" in answers[0].text
    assert "已收到您的回执" not in driver.one("r1", "收到 2", "g1").text
    assert [chat for chat, _ in _tick(app, hours=8) if chat.startswith("g")] == []
    went = _tick(app, hours=1)
    assert [chat for chat, _ in went if chat.startswith("g")] == ["g1", "g2"], went


def test_a_notice_held_for_the_morning_can_still_be_sent_now(app: App) -> None:
    driver = build(app)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=11))  # 21:00, before the default 21:30-07:30
    preview = driver.one("sec", "通知 1号院 | 今晚停气 | 回执")
    assert "夜间" not in preview.text
    clock.set(clock.now() + timedelta(minutes=45))
    held = _confirm(driver, "sec", preview)
    assert [s.chat for s in held] == ["sec"]
    assert "通知 1 等到 11月24日 周二 07:30 再发出" in held[0].text
    assert "急事要马上发，请回复「确认发送 1 现在」" in held[0].text
    again = driver.one("sec", "确认发送 1").text
    assert "已经确认过了" in again and "确认发送 1 现在" in again
    sent = driver.say("sec", "确认发送 1 现在")
    assert [s.chat for s in sent] == ["sec", "g1"] and "已开始发送" in sent[0].text
    told = driver.one("sec", "确认发送 1 现在").text
    assert "通知 1 已经在 11月23日 周一 21:45 发出了，不用再发" in told, told
    assert [chat for chat, _ in _tick(app, hours=11) if chat.startswith("g")] == []


def test_a_notice_held_overnight_warns_its_sender_of_words_read_on_the_day_it_goes(
    app: App,
) -> None:
    driver = build(app)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    driver.one("sec", "通知 1号院 | 今晚停电，请提前准备")
    driver.one("sec", "通知 1号院 | 周六大扫除")
    clock.set(clock.now() + timedelta(hours=12, minutes=30))  # 22:30, in the quiet hours
    held = driver.say("sec", "确认发送 1")
    assert [s.chat for s in held] == ["sec"]
    assert held[0].text.splitlines() == [
        "现在是夜间，通知 1 等到 11月24日 周二 07:30 再发出。"
        "急事要马上发，请回复「确认发送 1 现在」；发送「取消通知 1」可以取消。",
        "注意：通知里的「今晚」，大家会按收到的那天（11月24日 周二）来理解。"
        "要改写，请先取消，再重新写一条。",
    ]
    assert held[0].text.count("取消通知 1") == 1
    # Held too, but nothing in it turns with the day.
    assert "注意" not in driver.one("sec", "确认发送 2").text
    # The notice goes as written.
    went = _tick(app, hours=9)
    assert ("g1", "【红旗里社区通知】\n今晚停电，请提前准备") in went, went


def test_a_notice_sent_at_once_with_day_words_has_no_warning(app: App) -> None:
    driver = build(app)
    sent = _confirm(driver, "sec", driver.one("sec", "通知 1号院 | 今晚停电"))
    assert [s.chat for s in sent] == ["sec", "g1"]
    assert sent[0].text == "通知 1 已开始发送到 1 个群。发送「通知列表」查看送达情况。"


def test_a_notice_scheduled_for_a_later_day_warns_of_its_day_words_in_each_language(
    app: App,
) -> None:
    driver = build(app)
    driver.one("sec", "通知 1号院 | 明天停水 | 定时 明天 8:00")
    warned = driver.one("sec", "确认发送 1").text
    assert "注意：通知里的「明天」，大家会按收到的那天（11月24日 周二）来理解" in warned, warned
    assert warned.count("取消通知 1") == 1, warned
    # Later the same day, 今天 is still today; a recurring notice's words are for each day.
    driver.one("sec", "通知 1号院 | 今天下午停水 | 定时 14:00")
    driver.one("sec", "通知 1号院 | 今天收垃圾 | 每天 8:00")
    for number in (2, 3):
        assert "注意" not in driver.one("sec", f"确认发送 {number}").text
    driver.one("sec", "/lang en")
    driver.one("sec", "/notice 1号院 | No water tomorrow or Tomorrow night | at tomorrow 8:00")
    english = driver.one("sec", "/sendnotice 4").text
    assert english.splitlines()[1] == (
        'Note: residents will read "tomorrow" as of the day they get it (Tue 24 Nov). '
        "To change it, cancel it and write it again."
    ), english
    assert english.count("/cancelnotice 4") == 1, english
    driver.one("sec", "/lang zh-Hant")
    driver.one("sec", "通知 1號院 | 後天停電 | 定時 明天 8:00")
    hant = driver.one("sec", "確認傳送 5").text
    assert "注意：通知裡的「後天」，大家會按收到的那天（11月24日 週二）來理解" in hant, hant
    assert "要改寫，請先取消，再重新寫一條" in hant and hant.count("取消通知 5") == 1, hant


def test_the_preview_warns_of_day_words_as_the_confirmation_does(app: App) -> None:
    driver = build(app)
    note = "注意：通知里的「明天」，大家会按收到的那天（11月24日 周二）来理解。"
    timed = driver.one("sec", "通知 1号院 | 明天停水 | 定时 明天 8:00").text
    assert f"定时：11月24日 周二 08:00 发送。\n{note}要改写，请先取消，再重新写一条。" in timed
    # Sent at once, later the same day or recurring: nothing turns with the day.
    for typed in ("明天停水", "今天下午停水 | 定时 14:00", "今天收垃圾 | 每天 8:00"):
        assert "注意" not in driver.one("sec", f"通知 1号院 | {typed}").text, typed
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=12, minutes=30))  # 22:30, in the quiet hours
    held = driver.one("sec", "通知 1号院 | 明天停水").text
    assert "现在是夜间，确认后 07:30 发出" in held and note in held, held
    driver.one("sec", "/lang en")
    english = driver.one("sec", "/notice 1号院 | No water tomorrow").text
    assert 'Note: residents will read "tomorrow" as of the day they get it (Tue 24 Nov).' in english


def test_confirming_a_cancelled_notice_says_it_was_cancelled(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 1号院 | 明天停水")
    driver.one("sec", "取消通知 1")
    assert "通知 1 已经取消或停止了" in driver.one("sec", "确认发送 1 现在").text


def test_the_word_for_now_may_follow_the_number_without_a_space(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 1号院 | 明天停水 | 定时 明天 8:00")
    sent = driver.say("sec", "确认发送 1现在")
    assert [s.chat for s in sent] == ["sec", "g1"] and "已开始发送" in sent[0].text
    driver.one("sec", "通知 1号院 | 后天停电")
    assert "请写上通知编号" in driver.one("sec", "确认发送 2马上马上").text


def test_a_shou_dao_to_a_notice_not_waiting_for_it_privately_names_those_that_are(
    app: App,
) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周六停水 | 回执")
    _send(driver, "通知 全部 | 周日停电 | 回执")
    driver.one("r2", "收到")
    answer = driver.one("r2", "收到 9").text
    assert answer == "没有要您回执的通知 9。还有通知 1 等您回执，回复「收到」就好。"
    driver.one("r2", "收到")
    assert driver.one("r2", "收到 9").text == "没有要您回执的通知 9。"


def test_a_building_head_told_who_may_stop_a_notice_he_sees_and_nothing_of_others(
    app: App,
) -> None:
    driver = build(app)
    building_circles(driver)
    _send(driver, "通知 全部 | 周六打扫楼道 | 定时 1天")
    _send(driver, "通知 2号院 | 二院停电 | 定时 1天")
    driver.one("sec", "通知 全部 | 明天停水")
    listed = driver.one("bh", "通知列表").text
    assert "周六打扫楼道" in listed and "二院停电" not in listed, listed
    before = driver.snapshot()
    refused = "只有发通知的人或社区书记能取消或停止通知 1。"
    assert driver.one("bh", "停止通知 1").text == refused
    assert driver.one("bh", "确认发送 1").text == "通知 1 不是您发的。"
    # Notice 2 never reached his building, and notice 3 is the secretary's draft.
    for number in (2, 3):
        assert driver.one("bh", f"停止通知 {number}").text == f"没有编号 {number} 的通知。"
    assert driver.snapshot() == before


def test_a_resident_lists_privately_the_latest_notices_that_reached_their_home(app: App) -> None:
    driver = build(app)
    assert driver.one("r1", "通知列表").text == "最近没有发到您家的通知。"
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 明天18:00")
    _send(driver, "通知 2号院 | 二院停电")
    long = "周六上午社区义诊，请带好医保卡和身份证，到一楼活动室排队，听从工作人员安排"
    _send(driver, f"通知 1号院 | {long} | 回执")
    answered = driver.say("r1", "通知列表", "g1")
    # In the group only the note that it went privately: nothing of the list is said there.
    assert [(s.chat, s.private) for s in answered] == [("r1", True), ("g1", False)]
    assert answered[1].text == "r1，详情已私聊发给您。"
    assert answered[0].text.splitlines() == [
        "最近发到您家的通知",
        "3. [11月23日 周一] 周六上午社区义诊，请带好医保卡和身份证，到一楼活动室排队，…",
        "   还没回执：看到请回复「收到 3」",
        "1. [11月23日 周一] 明天上午停水",
        "   还没回执：看到请回复「收到 1」，11月24日 周二 18:00 前",
        "看全文请发送「通知 编号」。",
    ]
    driver.say("r1", "收到 1")
    _tick(app, days=2)
    lines = driver.one("r1", "/notices").text.splitlines()
    assert lines[2:-1] == ["   还没回执：看到请回复「收到 3」", lines[3], "   您已回执"]
    assert driver.one("r2", "通知列表").text.splitlines()[-2] == "   回执已截止"
    for day in range(5):
        _send(driver, f"通知 全部 | 第{day}次通知")
    newest = driver.one("r1", "通知列表").text.splitlines()[1:]
    assert [line[:2] for line in newest[:-1]] == ["8.", "7.", "6.", "5.", "4."]
    # Those who send notices keep their own list.
    assert "送达 2/2 个群" in driver.one("sec", "通知列表").text


def test_someone_not_registered_is_told_privately_to_register_to_list_notices(app: App) -> None:
    driver = build(app)
    driver.say("n1", "大家好", "g1", name="新邻居")
    answered = driver.say("n1", "通知列表", "g1")
    assert [(s.chat, s.private) for s in answered] == [("n1", True), ("g1", False)]
    assert answered[0].text.startswith("通知按住址发到各家。请先登记您家")
    # 通知 alone from a resident points to the list.
    pointer = "只有社区书记和楼长能发通知。要看发到您家的通知，请发送「通知列表」。"
    assert driver.one("r1", "通知").text == pointer


def test_confirm_alone_sends_the_senders_one_draft_or_asks_which(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    assert driver.one("sec", "确认发送").text == "您没有等着确认发送的通知。"
    driver.one("sec", "通知 全部 | 明天上午停水")
    sent = driver.say("sec", "确认发送")
    assert [s.chat for s in sent] == ["sec", "g1", "g2"]
    assert sent[0].text.startswith("通知 1 已开始发送到 2 个群")
    # A building head's draft is theirs alone to confirm.
    driver.one("bh", "通知 本楼 | 楼道清理")
    driver.one("sec", "通知 全部 | 周六停电")
    driver.one("sec", "通知 1号院 | 周日停气")
    which = "您有 2 个通知等着确认发送：3、4。请写编号，例如「确认发送 3」。"
    for typed in ("确认发送", "確認發送", "/sendnotice"):
        assert driver.one("sec", typed).text == which, typed
    driver.say("sec", "取消通知 3")
    assert driver.say("sec", "確認傳送")[0].text.startswith("通知 4 已开始发送到 1 个群")
    assert driver.say("bh", "确认发送")[0].text.startswith("通知 2 已开始发送到 1 个群")
    # In the night the one draft waits for the morning, unless it is sent now.
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=13))  # 23:00, in the default 21:30-07:30
    driver.one("sec", "通知 全部 | 明早停水")
    held = driver.say("sec", "确认发送")
    assert [s.chat for s in held] == ["sec"] and "通知 5 等到" in held[0].text
    driver.one("sec", "通知 全部 | 今晚停气")
    sent = driver.say("sec", "确认发送 现在")
    assert [s.chat for s in sent] == ["sec", "g1", "g2"] and "通知 6 已开始" in sent[0].text


def _later(app: App, **delta: float) -> None:
    """Move the virtual clock without running what falls due."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(**delta))


def test_a_draft_a_day_old_is_not_sent_and_the_sender_writes_it_again(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 全部 | 明天停水")
    _later(app, days=1)
    before = driver.snapshot()
    expired = "通知 1 写好已超过一天，不能再发送了。请重新写一遍通知。"
    for typed in ("确认发送 1", "确认发送 1 现在"):
        assert driver.one("sec", typed).text == expired, typed
    assert driver.snapshot() == before and _chats(app) == 0
    # It may still be cancelled.
    assert driver.one("sec", "取消通知 1").text == "通知 1 已取消，不会发送。"


def test_a_draft_confirmed_a_minute_before_the_day_is_out_is_sent(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 全部 | 明天停水")
    _later(app, hours=23, minutes=59)
    assert driver.say("sec", "确认发送 1")[0].text.startswith("通知 1 已开始发送到 2 个群")
    assert _chats(app) == 2


def test_confirm_alone_passes_over_drafts_a_day_old(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 全部 | 明天停水")
    _later(app, days=1)
    assert driver.one("sec", "确认发送").text == "您没有等着确认发送的通知。"
    driver.one("sec", "通知 全部 | 后天停电")
    sent = driver.say("sec", "确认发送")
    assert [s.chat for s in sent] == ["sec", "g1", "g2"]
    assert sent[0].text.startswith("通知 2 已开始发送到 2 个群")
    driver.one("sec", "通知 1号院 | 周六义诊")
    driver.one("sec", "通知 2号院 | 周日义诊")
    which = "您有 2 个通知等着确认发送：3、4。请写编号，例如「确认发送 3」。"
    assert driver.one("sec", "确认发送").text == which


def test_the_senders_list_does_not_show_a_draft_a_day_old_as_waiting(app: App) -> None:
    driver = build(app)
    _send(driver, "通知 全部 | 周一停电")
    driver.one("sec", "通知 全部 | 明天停水")
    _later(app, days=1)
    listing = driver.one("sec", "通知列表").text
    assert "周一停电" in listing and "明天停水" not in listing and "草稿" not in listing


def test_a_draft_is_seen_by_those_who_manage_it_and_by_no_other_building_head(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    # Notice 1 is the secretary's draft to everyone, notice 2 the building head's own.
    assert "还没发送" in driver.one("sec", "通知 全部 | 明天停水").text
    assert "还没发送" in driver.one("bh", "通知 1号院/3号楼 | 楼道清理").text
    before = driver.snapshot()
    assert driver.one("bh", "确认发送 1").text == "没有编号 1 的通知。"
    assert driver.one("bh", "停止通知 1").text == "没有编号 1 的通知。"
    assert driver.one("sec", "确认发送 2").text == "通知 2 不是您发的。"
    assert driver.snapshot() == before
    assert driver.one("bh", "停止通知 2").text == "通知 2 已取消，不会发送。"
    driver.say("sec", "确认发送 1")
    refused = "只有发通知的人或社区书记能取消或停止通知 1。"
    assert driver.one("bh", "停止通知 1").text == refused


def test_a_private_ack_finds_the_notice_to_home_behind_newer_ones_to_elsewhere(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A street's other estates send notices too: they must not hide the one to this home.
    monkeypatch.setattr(sys.modules[household_figures.__module__], "LATEST", 2)
    driver = build(app)
    _send(driver, "通知 1号院 | 明天上午停水 | 回执")
    for n in range(3):
        _send(driver, f"通知 2号院 | 二院第{n}次通知 | 回执")
    assert "已收到您的回执" in driver.one("r1", "收到").text
    assert "已经回执过通知 1" in driver.one("r1", "收到 1").text


def test_a_bare_send_confirms_the_senders_one_draft(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知 1号院 | 明天停水")
    sent = driver.say("sec", "发送")
    assert [s.chat for s in sent] == ["sec", "g1"] and "已开始发送" in sent[0].text
    # None waits, or several do: how to confirm is told, and nothing is sent.
    assert driver.one("sec", "发送").text == "您没有等着确认发送的通知。"
    driver.one("sec", "通知 1号院 | 后天停电")
    driver.one("sec", "通知 2号院 | 后天停电")
    before = driver.snapshot()
    several = driver.one("sec", "发").text
    assert "您有 2 个通知等着确认发送：2、3。请写编号，例如「确认发送 2」" in several, several
    assert driver.snapshot() == before
    # To a resident a bare 发送 is no command.
    assert driver.one("r1", "发送").text == driver.one("r1", "随便说说").text
    driver.one("sec", "取消通知 3")
    driver.one("sec", "/lang en")
    assert "Notice 2 is being sent" in driver.say("sec", "Send")[0].text
    for typed, number in (("發送", 4), ("傳送", 5)):
        driver.one("sec", "/lang zh-Hant")
        driver.one("sec", f"通知 1號院 | 停水 {number}")
        assert "已開始傳送" in driver.say("sec", typed)[0].text, typed


def test_weekday_names_warn_where_the_day_read_names_another_day(app: App) -> None:
    driver = build(app)
    # Written on Monday 23 Nov, read on Saturday 28: 周五 is then the next Friday.
    for word in ("周五", "星期五", "礼拜五"):
        timed = driver.one("sec", f"通知 1号院 | {word}停水 | 定时 周六 8:00").text
        assert f"注意：通知里的「{word}」，大家会按收到的那天（11月28日 周六）" in timed, timed
    later = driver.one("sec", "通知 1号院 | 下周五停水 | 定时 下周一 8:00").text
    assert "注意：通知里的「下周五」，大家会按收到的那天（11月30日 周一）" in later, later
    # Read on Tuesday, 周五 is the same Friday, and 下周五 on Saturday; 每周五 is every Friday.
    for typed in (
        "周五停水 | 定时 明天 8:00",
        "下周五停水 | 定时 周六 8:00",
        "每周五收垃圾 | 定时 周六 8:00",
    ):
        assert "注意" not in driver.one("sec", f"通知 1号院 | {typed}").text, typed
    driver.one("sec", "/lang en")
    english = driver.one("sec", "/notice 1号院 | No water on Friday | at Saturday 8:00").text
    assert 'Note: residents will read "Friday" as of the day they get it' in english, english


def test_a_grid_worker_sees_the_receipts_of_their_area_and_no_other(app: App) -> None:
    driver = build(app)
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    driver.grant("gw2", "网格员", "红旗里社区/2号院")
    register(driver, "r9", "1-1-101", chat="g2")
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    figures, silent = driver.say("gw", "回执")
    assert figures.text.splitlines()[2:] == ["1号院：1/4 户已回执"], figures.text
    assert silent.private and "302" in silent.text and "2号院" not in silent.text
    _send(driver, "通知 1号院 | 1号院停电 | 回执")
    assert "1号院" not in driver.say("gw2", "回执 1")[0].text
    before = driver.snapshot()
    assert driver.one("gw2", "回执 2").text == "通知 2 没有发到您负责的地方，您看不到它的回执。"
    assert driver.snapshot() == before


def test_at_the_deadline_a_grid_worker_gets_the_silent_households_of_their_area(
    app: App,
) -> None:
    """A grid worker follows up on the households of their area that did not answer, as a
    building head does on those of their building: the same list, privately."""
    driver = build(app)
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    driver.grant("gw2", "网格员", "红旗里社区/2号院")
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    driver.say("r1", "收到", "g1")
    by_chat = dict(_tick(app, hours=4))
    assert set(by_chat) == {"gw", "bh", "sec"}, by_chat
    assert by_chat["gw"] == by_chat["bh"] and "2单元/302" in by_chat["gw"]


def test_a_grid_workers_list_holds_the_notices_that_reached_their_area(app: App) -> None:
    driver = build(app)
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    empty = driver.one("gw", "通知列表").text
    assert empty.splitlines()[1:] == ["还没有发到您负责的地方的通知。"], empty
    _send(driver, "通知 2号院 | 二院停电")
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    listing = driver.one("gw", "通知列表")
    assert listing.private and "二院停电" not in listing.text, listing.text
    assert "2. [已发" in listing.text and "明天上午停水（王书记发的）" in listing.text
    assert "回执 1/4 户" in listing.text


def test_an_empty_list_says_in_short_words_whose_notices_there_are_none(app: App) -> None:
    driver = build(app)
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    expected = {
        "zh-Hant": (
            "您還沒有發過通知，也還沒有發到您樓裡的通知。",
            "還沒有發到您負責的地方的通知。",
        ),
        "en": ("No notices from you or to your building yet.", "No notices to your area yet."),
    }
    for language, (head, worker) in expected.items():
        driver.one("bh", f"/lang {language}")
        driver.one("gw", f"/lang {language}")
        assert driver.one("bh", "/notices").text.splitlines()[1:] == [head], language
        assert driver.one("gw", "/notices").text.splitlines()[1:] == [worker], language


def test_a_bare_send_in_a_group_is_answered_and_sends_nothing(app: App) -> None:
    """After a private preview, 发送 typed in the group by mistake gets a short pointer to
    the confirmation, not silence; from a resident it stays the group's chat."""
    driver = build(app)
    assert driver.one("sec", "发送", "g1").text == "您没有等着确认发送的通知。"
    driver.one("sec", "通知 1号院 | 明天停水")
    pointer = "要发出通知 1，请回复「确认发送 1」。"
    assert driver.one("sec", "发送", "g1").text == pointer
    before = driver.snapshot()
    assert driver.one("sec", "发送", "g1").text == pointer
    assert driver.snapshot() == before
    assert driver.say("r1", "发送", "g1") == []
    driver.one("sec", "通知 2号院 | 后天停电")
    several = driver.one("sec", "发", "g1").text
    assert "您有 2 个通知等着确认发送：1、2。" in several, several
    driver.one("sec", "取消通知 2")
    # The group's language answers, as to anything said there.
    assert driver.one("sec", "Send", "g1").text == pointer


def test_a_grid_worker_gets_one_list_for_all_the_buildings_of_their_area(app: App) -> None:
    """Several buildings' silent households reach a grid worker as one message, not one
    message a building."""
    driver = build(app)
    assert "登记好了" in driver.one("n4", "登记 4-101 同意", "g1", name="n4").text
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    driver.say("r1", "收到", "g1")
    sent = _tick(app, hours=4)
    to_worker = [text for chat, text in sent if chat == "gw"]
    assert len(to_worker) == 1, to_worker
    assert "3号楼" in to_worker[0] and "4号楼" in to_worker[0] and "101" in to_worker[0]
    to_head = [text for chat, text in sent if chat == "bh"]
    assert len(to_head) == 1 and "4号楼" not in to_head[0], to_head


def test_a_unit_head_sees_the_receipts_of_their_unit_and_no_other(app: App) -> None:
    """A unit head follows up on their unit as a building head does on their building: the
    figures of the unit in the group, its silent households privately, nothing beyond it."""
    driver = build(app)
    driver.grant("uh", "单元长", "红旗里社区/1号院/3号楼/2单元")
    register(driver, "r5", "3-1-201")
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    figures, silent = driver.say("uh", "回执", "g1")
    assert figures.chat == "g1"
    assert figures.text.splitlines()[2:] == ["1号院/3号楼/2单元：1/4 户已回执"], figures.text
    assert silent.private and "302" in silent.text and "1单元" not in silent.text
    _send(driver, "通知 2号院 | 二院停电 | 回执")
    assert "通知 1 的回执" in driver.say("uh", "回执")[0].text
    before = driver.snapshot()
    assert driver.one("uh", "回执 2").text == "通知 2 没有发到您负责的地方，您看不到它的回执。"
    assert driver.snapshot() == before


def test_a_unit_heads_list_holds_the_notices_that_reached_their_unit(app: App) -> None:
    driver = build(app)
    driver.grant("uh", "单元长", "红旗里社区/1号院/3号楼/2单元")
    register(driver, "r5", "3-1-201")
    empty = driver.one("uh", "通知列表").text
    assert empty.splitlines()[1:] == ["还没有发到您负责的地方的通知。"], empty
    _send(driver, "通知 2号院 | 二院停电")
    _send(driver, "通知 全部 | 明天上午停水 | 回执")
    driver.say("r1", "收到", "g1")
    listing = driver.one("uh", "通知列表")
    assert listing.private and "二院停电" not in listing.text, listing.text
    assert "明天上午停水（王书记发的）" in listing.text and "回执 1/4 户" in listing.text


def test_at_the_deadline_unit_scoped_roles_get_the_silent_households_of_their_unit(
    app: App,
) -> None:
    """A unit head, and a grid worker granted a unit only, get privately the silent
    households of that unit, one message each; the building head those of the building."""
    driver = build(app)
    driver.grant("uh", "单元长", "红旗里社区/1号院/3号楼/2单元")
    driver.grant("gwu", "网格员", "红旗里社区/1号院/3号楼/1单元")
    driver.grant("bh", "楼长", "红旗里社区/1号院/3号楼")
    register(driver, "r5", "3-1-201")
    _send(driver, "通知 全部 | 明天上午停水 | 回执 截止 3小时")
    driver.say("r1", "收到", "g1")
    sent = [(chat, text) for chat, text in _tick(app, hours=4) if "回执已截止" in text]
    assert sorted(chat for chat, _ in sent) == ["bh", "gwu", "sec", "uh"], sent
    by_chat = dict(sent)
    unit = by_chat["uh"].splitlines()
    assert unit[0].endswith("1号院/3号楼/2单元 还有 3 户没有回执，请上门告知："), unit
    assert unit[1:] == ["302", "303", "304"], unit
    other = by_chat["gwu"].splitlines()
    assert other[0].endswith("1号院/3号楼/1单元 还有 1 户没有回执，请上门告知："), other
    assert other[1:] == ["201"], other
    assert "1单元/201" in by_chat["bh"] and "2单元/302" in by_chat["bh"]


def test_those_who_see_a_notice_in_their_list_are_told_only_its_sender_may_act_on_it(
    app: App,
) -> None:
    """A unit head and a grid worker see in `通知列表` the notices that reached their area:
    asked to confirm or stop one, they hear it is not theirs, as a building head does; of a
    notice elsewhere, nothing."""
    driver = build(app)
    driver.grant("uh", "单元长", "红旗里社区/1号院/3号楼/2单元")
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    _send(driver, "通知 全部 | 周六打扫楼道 | 定时 1天")
    _send(driver, "通知 2号院 | 二院停电 | 定时 1天")
    for user in ("uh", "gw"):
        assert "周六打扫楼道" in driver.one(user, "通知列表").text, user
    before = driver.snapshot()
    for user in ("uh", "gw"):
        refused = "只有发通知的人或社区书记能取消或停止通知 1。"
        assert driver.one(user, "停止通知 1").text == refused, user
        assert driver.one(user, "确认发送 1").text == "通知 1 不是您发的。", user
        assert driver.one(user, "停止通知 2").text == "没有编号 2 的通知。", user
    assert driver.snapshot() == before


def test_a_resident_reads_the_whole_of_a_notice_that_reached_their_home_privately(
    app: App,
) -> None:
    """`通知 N` shows the notice whole, where the list cuts it short; to whom it did not
    reach it answers as a number no notice has."""
    driver = build(app)
    long = "周六上午社区义诊，请带好医保卡和身份证，到一楼活动室排队，听从工作人员安排"
    _send(driver, f"通知 1号院 | {long} | 回执")
    _send(driver, "通知 2号院 | 二院停电")
    whole = driver.one("r1", "通知 1")
    assert whole.private
    assert whole.text.splitlines() == ["通知 1（11月23日 周一）", long, "看到请回复「收到 1」。"]
    assert "看全文请发送「通知 编号」" in driver.one("r1", "通知列表").text
    driver.say("r1", "收到 1")
    assert driver.one("r1", "通知 一").text.splitlines()[-1] == "您已回执。"
    in_group = driver.say("r1", "通知 1", "g1")
    assert [(s.chat, s.private) for s in in_group] == [("r1", True), ("g1", False)]
    assert in_group[0].text.splitlines()[1] == long
    assert driver.one("r1", "通知 2").text == "没有编号 2 的通知。"
    assert driver.one("r1", "通知 9").text == "没有编号 9 的通知。"
    # Its sender reads any of theirs; a draft is not sent yet, and nobody else learns of it.
    assert driver.one("sec", "通知 2").text.splitlines()[1] == "二院停电"
    driver.one("sec", "通知 全部 | 明天停电")
    assert driver.one("sec", "通知 3").text == "通知 3 还没有发出。"
    assert driver.one("r1", "通知 3").text == "没有编号 3 的通知。"


def test_help_shows_receipts_to_grid_workers_and_not_to_residents(app: App) -> None:
    """Those who may see receipts are shown 回执 in help: a grid worker too, not a resident."""
    driver = build(app)
    driver.grant("gw", "网格员", "红旗里社区/1号院")
    driver.say("gw", "大家好", "g1", name="网格员小赵")
    assert "/receipts" in driver.one("gw", "帮助 全部").text
    assert "/receipts" in driver.one("gw", "帮助 回执").text
    assert "/receipts" not in driver.one("r1", "帮助 全部").text
