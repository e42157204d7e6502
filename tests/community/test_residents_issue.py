"""Residents' issue: true promises, truthful member lists, short group help, complete /mydata."""

from __future__ import annotations

from bot.app import App
from bot.messages import EventKind
from tests.support.community import build, open_poll


def test_start_and_consent_promise_only_what_the_bot_does(app: App) -> None:
    driver = build(app)
    started = driver.one("newcomer", "/start")
    consent = driver.one("newcomer", "登记 3-2-305", "g1")
    # Every use the welcome names exists: notices and reports among them now.
    assert all(use in started.text for use in ("议事投票", "志愿值班", "积分", "通知", "报修"))
    uses = ("议事投票", "志愿值班", "积分", "通知回执", "诉求办理")
    assert all(use in consent.text for use in uses), consent.text


def test_someone_who_only_joined_the_group_is_not_said_to_have_spoken(app: App) -> None:
    driver = build(app)
    driver.say("quiet", "", "g1", name="老李", event=EventKind.JOINED)
    counts, roster = driver.say("owner", "成员", "g1")
    assert "进群未登记 2 人" in counts.text and "发过言" not in counts.text
    assert roster.private and "进群未登记 2 人：" in roster.text and "老李" in roster.text
    assert "发过言" not in roster.text


def test_help_in_a_group_fits_a_phone_and_the_rest_comes_privately(app: App) -> None:
    driver = build(app)
    short = driver.one("sec", "帮助", "g1")
    assert not short.private and len(short.text.splitlines()) <= 10
    assert "帮助 全部" in short.text and "登记" in short.text and "投票" in short.text
    resident = driver.one("r2", "帮助", "g1")
    assert len(resident.text.splitlines()) <= 10 and "排班" not in resident.text
    everything = driver.one("sec", "帮助 全部", "g1")
    assert everything.private and everything.chat == "sec"
    assert len(everything.text.splitlines()) > 20 and "户核验" not in short.text
    assert "乱七八糟" in driver.one("sec", "帮助 乱七八糟", "g1").text


def test_mydata_lists_duty_hours_named_votes_and_topics_but_no_anonymous_poll(app: App) -> None:
    driver = build(app)
    driver.say("owner", "排班 门岗值守 | 明天 08:00-10:00 | 2人", "g1")
    assert "报名成功" in driver.say("r2", "报名 1", "g1")[0].text
    driver.say("r2", "提议 修路灯", "g1")
    open_poll(app, "装充电桩吗 | 同意 | 不同意")
    open_poll(app, "物业满意吗 | 满意 | 不满意 | 匿名")
    driver.say("r2", "投票 1 1", "g1")
    driver.say("r2", "投票 2 1", "g1")
    mine = driver.one("r2", "我的数据")
    assert mine.private
    assert "1 号 门岗值守 11月24日 周二 08:00（已报名）" in mine.text, mine.text
    assert "志愿服务时长：0 小时" in mine.text
    assert "装充电桩吗" in mine.text and "物业满意吗" not in mine.text
    assert "修路灯" in mine.text


def test_mydata_shows_the_household_a_waiting_join_request_asks_for(app: App) -> None:
    driver = build(app)
    driver.say("nr1", "登记 3-2-302 同意", "g1", name="nr1")
    mine = driver.one("nr1", "我的数据").text
    household = "文化路街道/红旗里社区/1号院/3号楼/2单元/302"
    assert f"住址：未登记（申请登记到 {household}，还在等家里人确认）" in mine, mine
    assert "住址：未登记\n" in driver.one("newcomer", "我的数据").text


def test_my_data_typed_in_traditional_shows_what_is_stored_as_help_says(app: App) -> None:
    driver = build(app)
    driver.one("r2", "/lang zh-Hant")
    assert "/mydata（我的資料）" in driver.one("r2", "幫助 全部").text
    mine = driver.one("r2", "我的資料")
    assert mine.private and mine.text.startswith("我們儲存的關於您的資訊"), mine.text
    assert "平臺帳號" in mine.text and driver.resident("r2").display_name in mine.text


def test_text_style_choices_are_typed_in_the_readers_words(app: App) -> None:
    driver = build(app, buttons=False)
    driver.one("owner", "/lang en", "g1")
    consent = driver.one("newcomer", "/join 3-2-305", "g1")
    assert 'reply "/join 3-2-305 agree"' in consent.text and "同意" not in consent.text
    # The answer goes to the newcomer alone, in their own language (the default).
    assert "登记好了" in driver.one("newcomer", "/join 3-2-305 agree", "g1").text
    assert driver.household_of("newcomer") == "305"
    driver.one("r2", "/lang zh-Hant")
    asked = driver.one("r2", "註銷")
    assert "回覆「註銷 確認」" in asked.text and "确认" not in asked.text, asked.text
    driver.one("r2", "註銷 確認")
    assert driver.household_of("r2") is None
