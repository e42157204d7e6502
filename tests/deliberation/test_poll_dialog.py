"""The guided /poll: step by step to the same poll as the one-line command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from models import Dialog, Poll, PollOption
from tests.deliberation.test_deliberation_console import SETUP, seed
from tests.support.community import build, register, session_of
from tests.support.console import run_console
from tests.support.driver import Driver


@pytest.fixture
def town(app: App) -> Driver:
    """The test community: g1 with admin `owner`, households r1..r4."""
    return build(app)


def _poll(app: App, number: int) -> tuple[Any, ...]:
    with session_of(app) as session:
        found = session.scalars(select(Poll).where(Poll.number == number)).one()
        labels = session.scalars(
            select(PollOption.label)
            .where(PollOption.poll_id == found.id)
            .order_by(PollOption.position)
        ).all()
        return (
            found.question,
            found.kind,
            tuple(labels),
            found.closes_at,
            found.anonymous,
            found.hidden,
            found.per_household,
        )


def _dialogs(app: App) -> int:
    with session_of(app) as session:
        return len(session.scalars(select(Dialog)).all())


def test_a_full_dialog_opens_the_same_poll_as_the_one_line_command(town: Driver) -> None:
    assert "请发送投票的问题" in town.one("owner", "/poll", "g1").text
    assert "请发送选项" in town.one("owner", "是否同意增设充电桩？", "g1").text
    assert "1. 同意" in town.one("owner", "同意", "g1").text
    listed = town.one("owner", "不同意 | 弃权", "g1").text
    assert "2. 不同意" in listed and "3. 弃权" in listed
    assert "什么时候截止" in town.one("owner", "完成", "g1").text
    assert "截止：11月24日 周二 18:00" in town.one("owner", "明天 18:00", "g1").text
    assert "匿名" in town.one("owner", "匿名，每人一票", "g1").text
    posted = town.one("owner", "完成", "g1")
    assert "投票 #1" in posted.text and "截止：11月24日 周二 18:00" in posted.text
    assert _dialogs(town.app) == 0
    town.one(
        "owner",
        "发起投票 是否同意增设充电桩？ | 同意 | 不同意 | 弃权 | 截止 明天 18:00 | 匿名 | 每人一票",
        "g1",
    )
    assert _poll(town.app, 1) == _poll(town.app, 2)


@pytest.mark.parametrize(("word", "labels"), [("评分", 5), ("表决", 3)])
def test_rating_and_yes_no_polls_need_no_options(town: Driver, word: str, labels: int) -> None:
    for text in ("发起投票", "物业服务怎么样？", word):
        town.one("owner", text, "g1")
    assert "还要什么设置" in town.one("owner", "跳过", "g1").text
    town.one("owner", "完成", "g1")
    question, kind, options, closes_at, *_ = _poll(town.app, 1)
    assert question == "物业服务怎么样？" and len(options) == labels
    assert kind == ("rating" if word == "评分" else "yes_no")
    assert closes_at == town.app.clock.now() + timedelta(days=7)


def test_cancel_changes_nothing(town: Driver) -> None:
    town.say("owner", "大家好", "g1")
    before = town.snapshot()
    for text in ("/poll", "问题", "甲", "乙", "完成"):
        town.one("owner", text, "g1")
    assert "已取消" in town.one("owner", "取消", "g1").text
    assert town.snapshot() == before
    assert town.say("owner", "完成", "g1") == []


def test_bad_answers_keep_the_step_and_change_nothing(town: Driver) -> None:
    for text in ("/poll", "问题"):
        town.one("owner", text, "g1")
    assert "至少需要 2 个选项" in town.one("owner", "完成", "g1").text
    town.one("owner", "甲 | 乙 | 丙 | 丁 | 戊 | 己 | 庚 | 辛 | 壬 | 癸", "g1")
    assert "最多 10 个选项" in town.one("owner", "子", "g1").text
    assert "什么时候截止" in town.one("owner", "完成", "g1").text
    before = town.snapshot()
    assert "看不懂时间「下辈子」" in town.one("owner", "下辈子", "g1").text
    assert "已经过去了" in town.one("owner", "2020-01-01", "g1").text
    assert town.snapshot() == before
    assert "截止：11月26日 周四 10:00" in town.one("owner", "3天", "g1").text
    assert "随便" in town.one("owner", "随便", "g1").text
    assert "投票 #1" in town.one("owner", "完成", "g1").text


@pytest.mark.parametrize(
    ("ended", "none"),
    [("好了", "没有了"), ("完成了", "不用了"), ("就这些", "好了"), ("完毕。", "发布")],
)
def test_done_said_in_other_words_ends_the_options_and_the_settings(
    town: Driver, ended: str, none: str
) -> None:
    for text in ("发起投票", "要不要装长椅？"):
        town.one("owner", text, "g1")
    assert "至少需要 2 个选项" in town.one("owner", ended, "g1").text
    town.one("owner", "要", "g1")
    town.one("owner", "不要", "g1")
    assert "什么时候截止" in town.one("owner", ended, "g1").text
    town.one("owner", "3天", "g1")
    assert "投票 #1" in town.one("owner", none, "g1").text
    assert _poll(town.app, 1)[2] == ("要", "不要")
    assert _dialogs(town.app) == 0


def test_a_dialog_expires_after_30_minutes_of_silence(town: Driver) -> None:
    town.one("owner", "/poll", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(minutes=29))
    town.one("owner", "问题", "g1")
    clock.set(clock.now() + timedelta(minutes=31))
    assert town.say("owner", "甲", "g1") == []
    assert _dialogs(town.app) == 0
    town.one("owner", "/poll", "g1")
    clock.set(clock.now() + timedelta(minutes=30))
    town.one("owner2", "/poll", "g2")
    assert _dialogs(town.app) == 1


def test_only_those_who_may_open_a_poll_can_start_one(town: Driver) -> None:
    refused = town.one("r2", "/poll", "g1").text
    assert "管理员" in refused
    assert _dialogs(town.app) == 0
    assert town.say("r2", "问题", "g1") == []


def test_other_peoples_chat_and_commands_are_not_captured(town: Driver) -> None:
    town.one("owner", "/poll", "g1")
    assert town.say("r2", "大家好", "g1") == []
    assert "议题" in town.one("owner", "议题", "g1").text
    assert "请发送选项" in town.one("owner", "问题", "g1").text


def test_a_dialog_survives_a_restart(town: Driver) -> None:
    for text in ("/poll", "问题", "甲", "乙"):
        town.one("owner", text, "g1")
    app = town.app
    app.close()
    restarted = Driver(bootstrap(app.settings, app.clock, db=app.db))
    restarted.admins, restarted.titles = town.admins, town.titles
    assert "丙" in restarted.one("owner", "丙", "g1").text
    for text in ("完成", "跳过"):
        restarted.one("owner", text, "g1")
    assert "投票 #1" in restarted.one("owner", "完成", "g1").text
    restarted.app.close()


def test_the_console_in_text_style_walks_through_the_dialog(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'console.db'}"
    seed(db_url)
    steps = ["发起投票", "晚上几点锁门？", "22:00", "23:00", "完成", "3天", "完成"]
    out = run_console(
        db_url,
        [*SETUP[:-1], *({"chat": "g1", "from": "u1", "text": text} for text in steps)],
        "--style",
        "text",
    )
    posted = out[-1]
    assert "投票 #1" in posted["text"] and "22:00" in posted["text"]
    assert "buttons" not in posted


def test_english_words_work_too(town: Driver) -> None:
    for text in ("/poll", "How is the cleaning?", "rating", "skip"):
        town.one("owner", text, "g1")
    assert "投票 #1" in town.one("owner", "done", "g1").text
    for text in ("/poll", "Paint the gate?", "yes"):
        town.one("owner", text, "g1")
    assert "已取消" in town.one("owner", "cancel", "g1").text
    assert _poll(town.app, 1)[1] == "rating"


def test_forgetting_a_resident_erases_their_unfinished_dialog(town: Driver) -> None:
    town.one("owner", "发起投票", "g1")
    town.one("owner", "私密的问题？", "g1")
    assert _dialogs(town.app) == 1
    town.one("owner", "/forget 确认")
    assert _dialogs(town.app) == 0


def test_answers_beginning_with_a_command_word_answer_the_step_they_were_asked(
    town: Driver,
) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", "投票：要不要在3号楼装充电桩", "g1").text
    assert "问题：要不要在3号楼装充电桩" in asked
    for text in ("装 | 不装", "完成", "3天"):
        town.one("owner", text, "g1")
    # 议题 only reads, so it is answered without a write first; an answer is stored, so it is
    # handled the durable way.
    typed = town.incoming("owner", "议题 1，匿名", "g1")
    assert town.app.dispatcher.answer(typed) is None
    assert "已记下：议题 1、匿名" in town.one("owner", "议题 1，匿名", "g1").text
    assert "开始 明天 8:00" in town.one("owner", "开始 明天 8:00", "g1").text
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    with session_of(town.app) as session:
        poll = session.scalars(select(Poll)).one()
        assert poll.question == "要不要在3号楼装充电桩" and poll.anonymous
        assert poll.topic is not None and poll.topic.number == 1
        assert poll.opens_at == datetime(2026, 11, 24, 8, tzinfo=UTC) - timedelta(hours=8)
    town.one("owner", "发起投票", "g1")
    assert "问题：晚上几点锁门" in town.one("owner", "发起投票：晚上几点锁门", "g1").text
    # Slash commands, votes by number, a one-line poll and the same words at other steps or
    # with no dialog open stay commands; 取消 still cancels.
    assert "没有「要不要」这一项" in town.one("owner", "/vote 要不要", "g1").text
    assert "还没开始" in town.one("owner", "投票 1 1", "g1").text
    assert "在3号楼装充电桩" in town.one("owner", "议题 1", "g1").text
    assert "已取消" in town.one("owner", "取消", "g1").text
    assert "投票 #2" in town.one("owner", "发起投票 几点锁门 | 22:00 | 23:00", "g1").text
    assert "请说明投哪一个" in town.one("owner", "投票 几点锁门", "g1").text
    assert _dialogs(town.app) == 0


def test_a_topic_among_the_settings_is_checked_at_that_step(town: Driver) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    register(town, "r9", "1-1-101", "g2")
    town.one("r9", "提议 2号院换路灯", "g2")
    for text in ("发起投票", "要不要装充电桩", "装 | 不装", "完成", "3天"):
        town.one("owner", text, "g1")
    before = town.snapshot()
    # A topic that does not exist, or one of a circle the sender does not see, is refused at
    # once and the dialog stays at its settings.
    for typed, number in (("议题 99", 99), ("匿名，议题 2", 2)):
        assert town.one("owner", typed, "g1").text.startswith(f"没有议题 #{number}。"), typed
    assert town.snapshot() == before
    assert "已记下：议题 1" in town.one("owner", "议题 1", "g1").text
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    with session_of(town.app) as session:
        poll = session.scalars(select(Poll)).one()
        assert poll.topic is not None and poll.topic.number == 1


@pytest.mark.parametrize(
    "typed", ["发起投票 议题 1", "发起投票 议题1", "/poll 议题 1", "/poll topic 1"]
)
def test_a_poll_on_a_topic_starts_the_guided_poll_at_its_options(town: Driver, typed: str) -> None:
    town.one("r1", "提议 在3号楼门口装个长椅", "g1")
    asked = town.one("owner", typed, "g1").text
    assert "问题：在3号楼门口装个长椅\n" in asked and "请发送选项" in asked
    assert f"已记下：{typed.split(maxsplit=1)[1]}" in asked
    assert "同意/反对/弃权的表决请发送「表决」" in asked
    assert "什么时候截止" in town.one("owner", "表决", "g1").text
    assert "还要什么设置" in town.one("owner", "跳过", "g1").text
    posted = town.one("owner", "完成", "g1").text
    # The topic's title is the question: it is not said twice.
    assert posted.startswith("投票 #1：在3号楼门口装个长椅\n议题 #1\n")
    with session_of(town.app) as session:
        poll = session.scalars(select(Poll)).one()
        assert poll.question == "在3号楼门口装个长椅" and poll.kind == "yes_no"
        assert poll.topic is not None and poll.topic.number == 1
    assert _dialogs(town.app) == 0


def test_a_poll_on_a_topic_is_asked_in_the_senders_language(town: Driver) -> None:
    town.one("r1", "提议 在3号楼门口装个长椅", "g1")
    town.one("owner", "/lang en", "g1")
    asked = town.one("owner", "/poll topic 1", "g1").text
    assert "Question: 在3号楼门口装个长椅\n" in asked and "Noted: topic 1" in asked
    assert 'for yes / no / abstain send "yes-no"' in asked


def test_a_poll_on_a_topic_refuses_as_the_settings_step_does(town: Driver) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    town.one("r1", "提议 楼道装灯", "g1")
    town.one("owner", "决议 2 装", "g1")
    register(town, "r9", "1-1-101", "g2")
    town.one("r9", "提议 2号院换路灯", "g2")
    before = town.snapshot()
    for number in (99, 3):
        refused = town.one("owner", f"发起投票 议题 {number}", "g1").text
        assert refused.startswith(f"没有议题 #{number}。"), number
    assert "不能发起表决" in town.one("owner", "发起投票 议题 2", "g1").text
    assert "只有本圈管理员" in town.one("r2", "发起投票 议题 1", "g1").text
    assert town.snapshot() == before and _dialogs(town.app) == 0


def test_a_poll_on_a_topic_typed_to_the_question_step_starts_on_the_topic(town: Driver) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", "发起投票 议题 1", "g1").text
    assert "问题：在3号楼装充电桩\n" in asked and "已记下：议题 1" in asked
    assert _dialogs(town.app) == 1


@pytest.mark.parametrize("typed", ["议题 1", "议题1", "議題 1", "议题 １", "topic 1"])
def test_a_bare_topic_typed_to_the_question_step_starts_on_the_topic(
    town: Driver, typed: str
) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", typed, "g1").text
    # Full-width digits are noted as digits.
    assert "问题：在3号楼装充电桩\n" in asked and f"已记下：{typed.replace('１', '1')}" in asked
    assert "请发送选项" in asked
    town.one("owner", "表决", "g1")
    town.one("owner", "跳过", "g1")
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    with session_of(town.app) as session:
        poll = session.scalars(select(Poll)).one()
        assert poll.topic is not None and poll.topic.number == 1


def test_a_refused_bare_topic_at_the_question_step_changes_nothing(town: Driver) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    town.one("r1", "提议 楼道装灯", "g1")
    town.one("owner", "决议 2 装", "g1")
    town.one("owner", "发起投票", "g1")
    before = town.snapshot()
    assert town.one("owner", "议题 99", "g1").text.startswith("没有议题 #99。")
    assert "不能发起表决" in town.one("owner", "议题 2", "g1").text
    assert town.snapshot() == before
    # The question is still asked: the next words are the question.
    assert "问题：要不要装长椅？" in town.one("owner", "要不要装长椅？", "g1").text
    # Someone with no dialog open still just reads the topic.
    assert "议题 #1：在3号楼装充电桩" in town.one("r2", "议题 1", "g1").text


def test_options_may_come_in_one_message_as_people_write_lists(town: Driver) -> None:
    for text in ("发起投票", "要不要装充电桩"):
        town.one("owner", text, "g1")
    listed = town.one("owner", "投票选项：装，不装", "g1").text
    assert "1. 装\n2. 不装\n" in listed and "投票选项" not in listed
    town.one("owner", "选项: 南门、北门；东门", "g1")
    town.one("owner", "地下车库,楼下;\n小区外", "g1")
    # With bars, as with the one-line poll, only they separate options.
    town.one("owner", "晚上 8 点以后，周末也行 | 白天", "g1")
    for text in ("完成", "3天", "完成"):
        town.one("owner", text, "g1")
    labels = ("装", "不装", "南门", "北门", "东门", "地下车库", "楼下", "小区外")
    assert _poll(town.app, 1)[2] == (*labels, "晚上 8 点以后，周末也行", "白天")


def test_a_question_beginning_with_any_command_word_is_the_question(town: Driver) -> None:
    town.one("owner", "发起投票", "g1")
    # A keyword alone or with numbers stays its command, and the question is still asked.
    assert "问题" not in town.one("owner", "积分", "g1").text
    assert "问题" not in town.one("owner", "报名 2", "g1").text
    asked = town.one("owner", "报名：周六上午打扫楼道，大家来吗？", "g1").text
    assert "问题：报名：周六上午打扫楼道，大家来吗？" in asked
    for text in ("来 | 不来", "完成", "跳过"):
        town.one("owner", text, "g1")
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    assert _poll(town.app, 1)[0] == "报名：周六上午打扫楼道，大家来吗？"
    town.one("owner", "发起投票", "g1")
    # 积分 only reads: the answer is stored, so it is handled the durable way.
    question = "积分：这个月谁加分最多？"
    assert town.app.dispatcher.answer(town.incoming("owner", question, "g1")) is None
    assert f"问题：{question}" in town.one("owner", question, "g1").text
    assert "已取消" in town.one("owner", "退出", "g1").text
    assert _dialogs(town.app) == 0


def test_a_whole_poll_sent_as_the_question_gives_its_options_and_asks_the_deadline(
    town: Driver,
) -> None:
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", "要不要装健身器材？同意，不同意", "g1").text
    assert "问题：要不要装健身器材？\n" in asked and "1. 同意\n2. 不同意\n" in asked
    assert "什么时候截止" in asked and "请发送选项" not in asked
    assert "还要什么设置" in town.one("owner", "3天", "g1").text
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    assert _poll(town.app, 1)[:3] == ("要不要装健身器材？", "single", ("同意", "不同意"))


def test_a_deadline_in_the_whole_poll_answers_the_deadline_step_too(town: Driver) -> None:
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", "要不要装健身器材？ 同意/不同意 截止 周五晚上8点", "g1").text
    assert "1. 同意\n2. 不同意\n" in asked and "截止：11月27日 周五 20:00" in asked
    assert "还要什么设置" in asked and "什么时候截止" not in asked
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    question, _, options, closes_at, *_ = _poll(town.app, 1)
    assert (question, options) == ("要不要装健身器材？", ("同意", "不同意"))
    assert closes_at == datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_bars_and_settings_in_the_whole_poll_are_read_as_the_one_line_command_reads_them(
    town: Driver,
) -> None:
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", "几点锁门 | 22:00 | 23:00 | 匿名 | 每人一票", "g1").text
    assert "问题：几点锁门\n" in asked and "1. 22:00\n2. 23:00\n" in asked
    assert "已记下：匿名、每人一票" in asked and "什么时候截止" in asked
    assert "还要什么设置" in town.one("owner", "跳过", "g1").text
    assert "已记下：匿名、每人一票、可改票" in town.one("owner", "可改票", "g1").text
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    question, _, options, _, anonymous, _, per_household = _poll(town.app, 1)
    assert (question, options, anonymous, per_household) == (
        "几点锁门",
        ("22:00", "23:00"),
        True,
        False,
    )


def test_a_whole_poll_in_english_is_read_as_the_one_line_command_reads_it(town: Driver) -> None:
    town.one("owner", "/lang en", "g1")
    town.one("owner", "/poll", "g1")
    asked = town.one("owner", "Paint the gate? yes, no", "g1").text
    assert "Question: Paint the gate?\n" in asked and "1. yes\n2. no\n" in asked
    assert "When should the poll close?" in asked
    assert "Any settings?" in town.one("owner", "skip", "g1").text
    assert "Poll #1" in town.one("owner", "done", "g1").text
    assert _poll(town.app, 1)[:3] == ("Paint the gate?", "single", ("yes", "no"))


@pytest.mark.parametrize(
    ("language", "typed", "options", "noted"),
    [
        ("zh-Hans", "要不要装？同意，不同意 匿名", "1. 同意\n2. 不同意\n", "已记下：匿名"),
        ("en", "Paint the gate? yes, no anonymous", "1. yes\n2. no\n", "anonymous"),
        (
            "zh-Hans",
            "要不要装？同意，不同意 匿名 每户一票",
            "2. 不同意\n",
            "已记下：匿名、每户一票",
        ),
    ],
)
def test_a_setting_after_the_whole_polls_last_option_without_a_comma_is_a_setting(
    town: Driver, language: str, typed: str, options: str, noted: str
) -> None:
    town.one("owner", f"/lang {language}", "g1")
    town.one("owner", "/poll", "g1")
    asked = town.one("owner", typed, "g1").text
    assert options in asked and noted in asked and "3. " not in asked
    town.one("owner", "skip" if language == "en" else "跳过", "g1")
    town.one("owner", "done" if language == "en" else "完成", "g1")
    poll = _poll(town.app, 1)
    assert len(poll[2]) == 2 and poll[4] is True


def test_a_whole_poll_correcting_its_settings_keeps_the_last_as_the_command_does(
    town: Driver,
) -> None:
    typed = "要不要装？ | 同意 | 不同意 | 匿名 | 截止 明天 | 实名 | 截止 3天"
    town.one("owner", "发起投票", "g1")
    town.one("owner", typed, "g1")
    assert "投票 #1" in town.one("owner", "完成", "g1").text
    assert "投票 #2" in town.one("owner", f"发起投票 {typed}", "g1").text
    assert _poll(town.app, 1) == _poll(town.app, 2)
    assert _poll(town.app, 1)[3:5] == (datetime(2026, 11, 26, 2, tzinfo=UTC), False)


@pytest.mark.parametrize(
    "question", ["要不要装健身器材？同意", "Paint the gate? yes", "周末活动，打扫，聚餐"]
)
def test_a_question_with_one_word_or_no_mark_stays_the_question(
    town: Driver, question: str
) -> None:
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", question, "g1").text
    assert f"问题：{question}\n" in asked and "请发送选项" in asked


def test_a_bad_whole_poll_is_explained_and_the_question_asked_again(town: Driver) -> None:
    town.one("owner", "发起投票", "g1")
    before = town.snapshot()
    assert "选项一样" in town.one("owner", "要不要装？同意，同意", "g1").text
    assert "看不懂时间" in town.one("owner", "要不要装？同意 不同意 截止 下辈子", "g1").text
    assert "已经过去了" in town.one("owner", "要不要装？同意 不同意 截止 2020-01-01", "g1").text
    assert "没有议题 #9" in town.one("owner", "要不要装？ | 同意 | 不同意 | 议题 9", "g1").text
    assert "太长" in town.one("owner", "长" * 301 + "？同意，不同意", "g1").text
    assert town.snapshot() == before
    assert "请发送选项" in town.one("owner", "要不要装？", "g1").text
