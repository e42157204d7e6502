"""Residents' words as they type them: Chinese numerals, glued numbers, text kept as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from models import Ballot, Poll, PollOption, Request, SignUpStatus, Topic
from tests.support.community import build, session_of
from tests.support.driver import Driver
from tests.support.volunteers import statuses

TOPIC = "3号楼门口路灯坏了，晚上看不见？"
SHIFT = "排班 门岗值守 | 明天 08:00-10:00 | 2人 | 2号门"


@pytest.fixture
def driver(app: App) -> Driver:
    """The test community, with buttons."""
    return build(app)


def _topics(driver: Driver) -> list[str]:
    with session_of(driver.app) as session:
        return list(session.scalars(select(Topic.title).order_by(Topic.id)))


def test_chinese_numerals_register_an_address(driver: Driver) -> None:
    answer = driver.one("n1", "登记 三号楼二单元305 同意", "g1", name="n1")
    assert "登记好了" in answer.text
    assert driver.household_of("n1") == "305"


def test_chinese_numerals_glued_to_the_keyword_register_too(driver: Driver) -> None:
    driver.one("n1", "登记三-二-三零五 同意", "g1", name="n1")
    assert driver.household_of("n1") == "305"


@pytest.mark.parametrize("typed", ["报名 二", "报名二", "报名2号", "报名 2号班", "报名 #二"])
def test_a_shift_number_as_people_type_it(driver: Driver, typed: str) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("owner", SHIFT.replace("门岗值守", "巡逻"), "g1")
    answer = driver.say("r2", typed, "g1")[0]
    assert "报名成功" in answer.text and "#2" in answer.text
    assert statuses(driver.app, 2) == {"r2": SignUpStatus.SIGNED_UP}


@pytest.mark.parametrize("typed", ["报名 一起", "报名一下", "报名 万一"])
def test_words_with_numeral_characters_are_not_numbers(driver: Driver, typed: str) -> None:
    driver.say("owner", SHIFT, "g1")
    before = driver.snapshot()
    answers = driver.say("r2", typed, "g1")
    assert all("报名成功" not in a.text for a in answers)
    assert driver.snapshot() == before


def test_a_deadline_in_chinese_numerals(driver: Driver) -> None:
    answer = driver.one("owner", "发起投票 修灯吗 | 修 | 不修 | 截止 三天", "g1")
    assert "截止：11月26日 周四 10:00" in answer.text


def test_a_vote_and_a_topic_number_in_chinese_numerals(driver: Driver) -> None:
    driver.say("r1", "提议 修灯", "g1")
    seconded, proposal = driver.say("r2", "附议 一", "g1")
    assert "目前 2/5 户支持" in seconded.text and "目前 2 户支持" in proposal.text
    driver.say("owner", "发起投票 修灯吗 | 修 | 不修", "g1")
    assert "不修" in driver.one("r3", "投票 一 二", "g1").text


def test_a_topic_is_kept_and_shown_as_typed(driver: Driver) -> None:
    answer = driver.say("r1", f"提议 {TOPIC}", "g1")[0]
    assert f"已提出议题 #1：{TOPIC}" in answer.text
    assert _topics(driver) == [TOPIC]
    assert TOPIC in driver.one("r1", "议题 1", "g1").text


def test_a_topic_glued_to_its_keyword_keeps_its_leading_number(driver: Driver) -> None:
    driver.say("r1", f"提议{TOPIC}", "g1")
    driver.say("r1", f"提议：{TOPIC}", "g1")
    assert _topics(driver) == [TOPIC, TOPIC]


def test_poll_questions_options_and_reasons_are_kept_as_typed(driver: Driver) -> None:
    driver.say("owner", "发起投票 ３号楼装灯吗？ | 装，要亮！ | 不装（太贵） | 截止 ３天", "g1")
    driver.say("r1", "提议 修灯", "g1")
    rejected = driver.say("owner", "驳回 １ 预算不够，下次吧！", "g1")[0]
    assert "理由：预算不够，下次吧！" in rejected.text
    with session_of(driver.app) as session:
        poll = session.scalars(select(Poll)).one()
        labels = session.scalars(select(PollOption.label).order_by(PollOption.position))
        assert (poll.question, list(labels)) == ("３号楼装灯吗？", ["装，要亮！", "不装（太贵）"])
        assert session.scalars(select(Topic.reason)).one() == "预算不够，下次吧！"


def test_the_guided_poll_keeps_the_question_as_typed(driver: Driver) -> None:
    driver.say("owner", "发起投票", "g1")
    assert "问题：３号楼装灯吗？" in driver.one("owner", "３号楼装灯吗？", "g1").text
    assert "装，要亮！" in driver.one("owner", "装，要亮！｜不装", "g1").text
    assert "截止" in driver.one("owner", "完成", "g1").text


def test_i_want_before_a_keyword_does_what_the_keyword_does(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("owner", SHIFT.replace("门岗值守", "巡逻"), "g1")
    answer = driver.say("r2", "我要报名2号班", "g1")[0]
    assert "报名成功" in answer.text and "#2" in answer.text and answer.chat == "g1"
    assert statuses(driver.app, 2) == {"r2": SignUpStatus.SIGNED_UP}
    assert "登记好了" in driver.one("n1", "我想登记 3-2-305 同意", "g1", name="n1").text
    assert driver.household_of("n1") == "305"
    assert "报名成功" in driver.say("r3", "帮我报名 2")[0].text
    assert statuses(driver.app, 2)["r3"] == SignUpStatus.SIGNED_UP


def test_a_private_answer_to_please_look_up_stays_private(driver: Driver) -> None:
    bare = driver.one("r2", "积分", "g1")
    asked = driver.one("r2", "请帮我查积分", "g1")
    assert asked.private and asked.chat == "r2" and asked.text == bare.text


def test_points_asked_as_a_sentence_are_shown_as_points_is(driver: Driver) -> None:
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    shown = driver.one("r2", "积分").text
    assert "5" in shown
    before = driver.snapshot()
    for typed in (
        "我有多少积分",
        "积分多少",
        "我的积分有多少",
        "我有多少積分？",
        "請問我有多少積分",
        "我还有几分",
        "请问一下积分",
        "請問一下積分",
    ):
        assert driver.one("r2", typed).text == shown, typed
    pointer = driver.one("r2", "积分", "g1")
    for typed in ("我有多少积分", "我的积分有多少？", "請問我有多少積分"):
        asked = driver.one("r2", typed, "g1")
        assert asked.private and asked.chat == "r2" and asked.text == pointer.text, typed
    for typed in ("积分多少", "我还有几分", "今天积分活动真热闹", "我有多少积分的事明天再说"):
        assert driver.say("r2", typed, "g1") == [], typed
    assert driver.snapshot() == before


def test_points_asked_in_other_words_are_shown_as_points_is(driver: Driver) -> None:
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    shown = driver.one("r2", "积分").text
    pointer = driver.one("r2", "积分", "g1")
    before = driver.snapshot()
    for typed in ("我有多少分", "我还有多少分？", "我的积分多少", "我的積分多少"):
        assert driver.one("r2", typed).text == shown, typed
    for typed in ("我的积分多少", "我有多少分？", "我還有多少分"):
        asked = driver.one("r2", typed, "g1")
        assert asked.private and asked.chat == "r2" and asked.text == pointer.text, typed
    for typed in ("我有多少分钟", "我有多少分钟到楼下"):
        assert driver.say("r2", typed, "g1") == [], typed
        assert "没看懂" in driver.one("r2", typed).text, typed
    assert driver.snapshot() == before
    driver.one("r2", "/lang en")
    english = driver.one("r2", "/points").text
    assert "5" in english
    for typed in ("how many points do I have?", "How many points have I got"):
        assert driver.one("r2", typed).text == english, typed


def test_i_want_to_sign_up_for_duty_shows_the_shifts_open(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    listed = driver.one("r2", "值班").text
    assert "#1" in listed and "报名" in listed
    before = driver.snapshot()
    for typed in ("我要报名值班", "我想报名值班。", "我想報名值班", "值班报名"):
        assert driver.one("r2", typed).text == listed, typed
    assert driver.say("r2", "我要报名值班", "g1") == []
    assert driver.snapshot() == before


def test_i_want_to_sign_up_for_a_days_duty_shows_that_days_shifts(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    tomorrow = driver.one("r2", "值班表 明天").text
    assert "#1" in tomorrow and "报名" in tomorrow
    before = driver.snapshot()
    for typed in ("我想报名明天的值班", "报名明天的班。", "我要報名明天的值班"):
        assert driver.one("r2", typed).text == tomorrow, typed
    assert "暂时没有可报名的值班" in driver.one("r2", "我想报名后天的值班").text
    assert driver.say("r2", "我想报名明天的值班", "g1") == []
    assert driver.snapshot() == before


def test_asking_after_my_own_duty_shows_my_shifts(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("r2", "报名 1", "g1")
    mine = driver.one("r2", "我的值班").text
    assert "#1" in mine
    before = driver.snapshot()
    for typed in (
        "我明天值班吗",
        "我明天有班吗？",
        "我什么时候值班",
        "我哪天值班？",
        "我有班吗",
        "我今天值班嗎",
    ):
        assert driver.one("r2", typed).text == mine, typed
    assert driver.say("r2", "我明天值班吗", "g1") == []
    assert "没看懂" in driver.one("r2", "我值班").text
    assert driver.snapshot() == before
    driver.one("r2", "/lang en")
    english = driver.one("r2", "/myshifts").text
    assert driver.one("r2", "When is my shift?").text == english


@pytest.mark.parametrize("typed", ["我想说两句", "我要去买菜", "请帮我一下", "我要登记一下"])
def test_i_want_before_plain_words_stays_chat(driver: Driver, typed: str) -> None:
    driver.say("r2", "/start")
    before = driver.snapshot()
    assert driver.say("r2", typed, "g1") == []
    assert "没看懂您的意思" in driver.one("r2", typed).text
    assert driver.snapshot() == before


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("谢谢", ["不客气！"]),
        ("谢谢！", ["不客气！"]),
        ("好的，谢谢", ["不客气！"]),
        ("辛苦了", ["不客气！"]),
        ("謝謝您", ["不客气！"]),
        ("谢谢了！", ["不客气！"]),
        ("好的，多谢啦", ["不客气！"]),
        ("好的👍", []),
        ("嗯嗯，知道了", []),
    ],
)
def test_thanks_in_a_private_chat_is_answered_kindly_not_as_misunderstood(
    driver: Driver, typed: str, answer: list[str]
) -> None:
    driver.say("r2", "/start")
    before = driver.snapshot()
    assert [sent.text for sent in driver.say("r2", typed)] == answer
    assert driver.say("r2", typed, "g1") == []
    assert driver.snapshot() == before


def test_an_english_command_word_works_without_its_slash_in_a_private_chat(
    driver: Driver,
) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("r2", "/lang en")
    helped = driver.one("r2", "/help").text
    assert "/shifts" in helped
    assert driver.one("r2", "help").text == helped
    assert driver.one("r2", "Help!").text == helped
    assert driver.one("r2", "ＭＥ").text == driver.one("r2", "/me").text
    assert "r2, you are signed up: #1" in driver.say("r2", "signup 1")[0].text
    assert statuses(driver.app, 1) == {"r2": SignUpStatus.SIGNED_UP}
    assert driver.one("r3", "help").text == driver.one("r3", "/help").text
    assert "/help" in driver.one("r2", "hello").text


def test_help_with_polite_words_after_it_shows_the_help(driver: Driver) -> None:
    driver.say("r2", "/lang en")
    driver.say("r3", "/start")
    before = driver.snapshot()
    helped = driver.one("r2", "/help").text
    for typed in ("help me", "help please", "/help please", "Help me, please!", "help pls"):
        assert driver.one("r2", typed).text == helped, typed
    assert driver.one("r2", "/help me", "g1").text == driver.one("r2", "/help", "g1").text
    voting = driver.one("r2", "help voting").text
    assert voting.startswith('Commands about "voting":') and "/vote" in voting
    assert 'No command is about "weather"' in driver.one("r2", "help weather").text
    chinese = driver.one("r3", "帮助").text
    for typed in ("帮助一下", "帮助 一下", "帮帮我", "幫幫我。", "请帮帮我"):
        assert driver.one("r3", typed).text == chinese, typed
    assert driver.say("r3", "帮帮我", "g1") == []
    assert driver.snapshot() == before


def test_a_greeting_in_private_is_welcomed_and_in_a_group_stays_chat(driver: Driver) -> None:
    welcome = driver.one("r3", "/start").text
    assert driver.one("r3", "你好").text == welcome == driver.one("r3", "您好！").text
    assert driver.say("r3", "你好", "g1") == []
    assert "没看懂" in driver.one("r3", "你好，今天天气不错").text


def test_an_english_command_word_in_a_group_stays_chat(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("r2", "/lang en")
    before = driver.snapshot()
    for typed in ("help", "me", "signup 1", "Start."):
        assert driver.say("r2", typed, "g1") == []
    assert driver.snapshot() == before


def test_an_open_dialogs_own_words_come_before_english_command_words(driver: Driver) -> None:
    assert "发给谁" in driver.one("sec", "通知").text
    assert "已取消" in driver.one("sec", "cancel").text


def test_an_open_dialog_takes_its_answer_though_a_keyword_follows_please(
    driver: Driver,
) -> None:
    driver.one("sec", "通知")
    driver.one("sec", "全部")
    typed = driver.incoming("sec", "请帮我查积分")
    answers = driver.received(driver.app.dispatcher.handle(typed, direct=True))
    assert len(answers) == 1 and "回复「收到」" in answers[0].text
    driver.one("sec", "不要")
    preview = driver.one("sec", "现在").text
    assert "还没发送" in preview and "请帮我查积分" in preview
    driver.say("owner", "发起投票", "g1")
    question = "请报名 2号班的志愿者明早七点到"
    assert f"问题：{question}" in driver.one("owner", question, "g1").text


def _requests(driver: Driver) -> list[str]:
    with session_of(driver.app) as session:
        return list(session.scalars(select(Request.text).order_by(Request.id)))


def test_sentence_punctuation_ending_a_command_is_no_part_of_it(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("owner", SHIFT.replace("门岗值守", "巡逻"), "g1")
    signed = driver.say("r2", "報名 2。", "g1")[0]
    assert "报名成功" in signed.text and "#2" in signed.text
    assert statuses(driver.app, 2) == {"r2": SignUpStatus.SIGNED_UP}
    assert "报名成功" in driver.say("r3", "/signup 2.", "g1")[0].text
    assert statuses(driver.app, 2)["r3"] == SignUpStatus.SIGNED_UP
    driver.say("owner", "发起投票 修灯吗 | 修 | 不修", "g1")
    assert "修" in driver.one("r1", "投票 1 1。", "g1").text
    with session_of(driver.app) as session:
        assert len(session.scalars(select(Ballot)).all()) == 1
    assert "登记好了" in driver.one("n1", "登記 3-2-305 同意。", "g1", name="n1").text
    assert driver.household_of("n1") == "305"
    helped = driver.one("r2", "帮助", "g1").text
    for typed in ("幫助。", "/help!", "帮助！！"):
        assert driver.one("r2", typed, "g1").text == helped
    assert driver.one("r2", "積分。", "g1").text == driver.one("r2", "积分", "g1").text
    assert driver.one("r2", "帮助！").text == driver.one("r2", "帮助").text


def test_free_text_keeps_the_punctuation_that_ends_it(driver: Driver) -> None:
    driver.say("r1", "提议 周末打扫卫生吧！", "g1")
    assert _topics(driver) == ["周末打扫卫生吧！"]
    driver.say("r1", "反映 楼道灯坏了。", "g1")
    assert _requests(driver) == ["楼道灯坏了。"]
    before = driver.snapshot()
    assert "写上哪里" in driver.one("r1", "反映。").text
    assert driver.snapshot() == before


def test_thanks_ending_a_report_or_topic_are_not_stored_with_it(driver: Driver) -> None:
    driver.say("r1", "您好，報修 樓道燈壞了，謝謝", "g1")
    driver.say("r1", "反映 电梯又坏了！麻烦了", "g1")
    driver.say("r1", "提议 周末打扫卫生吧，辛苦了", "g1")
    assert _requests(driver) == ["樓道燈壞了", "电梯又坏了"]
    assert _topics(driver) == ["周末打扫卫生吧"]
    mine = driver.one("r1", "诉求").text
    assert "樓道燈壞了（" in mine and "謝謝" not in mine, mine


def test_common_words_reach_their_commands(driver: Driver) -> None:
    driver.say("owner", SHIFT, "g1")
    driver.say("r2", "报名 1", "g1")
    driver.say("r1", "投诉 楼下每天半夜噪音", "g1")
    driver.say("r1", "舉報：有人亂丟垃圾", "g1")
    assert _requests(driver) == ["楼下每天半夜噪音", "有人亂丟垃圾"]
    assert driver.one("r2", "使用说明").text == driver.one("r2", "帮助").text
    mine = driver.one("r2", "我的报名", "g1")
    assert mine.private and mine.text == driver.one("r2", "值班表 我的").text
    assert driver.one("r1", "我的訴求").text == driver.one("r1", "诉求").text
    assert driver.one("r1", "排行榜").text == driver.one("r1", "积分榜").text
    assert driver.one("r1", "查积分").text == driver.one("r1", "积分").text


def test_a_free_text_keyword_glued_to_its_words_works_in_a_private_chat(driver: Driver) -> None:
    driver.say("r1", "報修樓道燈壞了", "g1")
    driver.say("r1", "投诉楼下每天半夜噪音", "g1")
    assert _requests(driver) == []
    reported = driver.say("r1", "報修樓道燈壞了")
    assert "已收到您反映的问题，编号 1" in reported[0].text
    driver.say("r1", "投诉楼下每天半夜噪音！")
    assert _requests(driver) == ["樓道燈壞了", "楼下每天半夜噪音！"]
    assert "群里" in driver.one("r1", "提议周末打扫卫生").text
    assert "没看懂您的意思" in driver.one("r1", "报修一下").text
    assert _requests(driver) == ["樓道燈壞了", "楼下每天半夜噪音！"]
