"""Deliberation through the dispatcher: commands, buttons, numbered lines, two platforms."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.adapters.console import console_platform
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import DeliberationSettings, GeneralSettings, Settings
from bot.db import Database
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, PlatformTraits, UserRef
from models import Menu, OutboxMessage, Place, PlaceKind, Topic, TopicSecond, TopicStatus
from tests.conftest import START
from tests.support.community import (
    bind_approved,
    bind_elsewhere,
    build,
    counts,
    poll_of,
    register,
    session_of,
    without_private_chats,
)
from tests.support.driver import Driver, Sent


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with households r1 (two people), r2, r3 and r4 in 1号院."""
    return build(app)


@pytest.fixture
def text_town(db: Database, clock: VirtualClock, tmp_path: Path) -> Iterator[Driver]:
    """The test community on a platform without buttons, like WeChat."""
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    application = bootstrap(settings, clock, db=db, platforms=console_platform("text"))
    yield build(application, buttons=False)
    application.close()


def _texts(answers: list[object]) -> str:
    return "\n".join(getattr(a, "text", "") for a in answers)


def test_a_topic_is_raised_seconded_by_button_and_its_admins_are_told(town: Driver) -> None:
    town.say("owner", "/start")
    raised = town.one("r1", "提议 在2号门增设充电桩", "g1")
    assert "已提出议题 #1" in raised.text and "满 5 户列入议程" in raised.text
    assert raised.buttons == [[("附议", "/second 1")]]
    for count, user in enumerate(("r2", "r3", "r4"), start=2):
        toast, edited = town.say(user, raised.tokens["附议"], "g1", event=EventKind.PRESS)
        assert toast.toast and f"目前 {count}/5 户支持" in toast.text
        assert f"目前 {count} 户支持" in edited.text and town.answers[1].edit
    refused = town.press("r1b", raised, "附议", "g1")
    assert "您家已经支持过议题 #1 了" in refused.text
    register(town, "r5", "3-1-101")
    answers = town.say("r5", "附议 1", "g1")
    assert "列入议程" in answers[0].text and answers[0].chat == "g1"
    assert town.answers[1].edit and answers[1].buttons == []
    told = sorted(a.chat for a in answers[2:])
    assert told == ["owner", "sec"] and all(a.private for a in answers[2:])
    listing = town.one("r2", "议题", "g1").text
    assert "#1 在2号门增设充电桩 —— 已列入议程" in listing


def test_second_typed_alone_offers_the_topics_the_household_may_still_second(
    text_town: Driver,
) -> None:
    town = text_town
    assert "现在没有可以附议的议题" in town.one("r2", "附议", "g1").text
    town.one("r1", "提议 在2号门增设充电桩", "g1")
    assert "现在没有可以附议的议题" in town.one("r1", "附议", "g1").text
    offered = town.one("r2", "附议", "g1")
    assert offered.text.startswith("要支持议题 #1「在2号门增设充电桩」吗？")
    assert "1. 附议 —— 回复「附议 1」" in offered.text
    assert "已附议议题 #1" in town.say("r2", "1", "g1")[0].text
    town.one("r3", "提议 修路灯", "g1")
    several = town.one("r4", "附议", "g1").text
    assert "您要支持哪个议题？" in several
    assert "1. #2 修路灯 —— 回复「附议 2」" in several and "2. #1 在2号门增设充电桩" in several
    with town.app.db.transaction() as session:
        assert len(session.scalars(select(TopicSecond)).all()) == 3


def test_words_after_topics_in_a_group_are_offered_as_a_topic_raised_only_when_pressed(
    town: Driver,
) -> None:
    offered = town.one("r1", "议题 在小区里装几个长椅", "g1")
    assert offered.text == "要把「在小区里装几个长椅」提为新议题吗？"
    with town.app.db.transaction() as session:
        assert session.scalar(select(Topic.id)) is None
    # Only the one who asked may press it.
    assert "已提出议题" not in town.press("r2", offered, "提为议题", "g1").text
    raised = town.press("r1", offered, "提为议题", "g1")
    assert "已提出议题 #1" in raised.text and "在小区里装几个长椅" in raised.text
    assert "提议 内容" in town.one("r1", "议题 在小区里装几个长椅").text
    assert "议题 #1：在小区里装几个长椅" in town.one("r1", "议题 1", "g1").text


def test_a_number_after_topics_in_a_group_is_never_offered_as_a_topic(town: Driver) -> None:
    town.one("r1", "提议 在小区里装几个长椅", "g1")
    before = town.snapshot()
    for typed in ("1.5", "1。5", "２.０"):
        answer = town.one("r1", f"议题 {typed}", "g1")
        assert answer.text.startswith("用法：") and answer.buttons == [], typed
    for typed in ("#2", "2号", "第2个"):
        answer = town.one("r1", f"议题 {typed}", "g1")
        assert answer.text == "没有议题 #2。发送「议题」查看议题列表。" and answer.buttons == []
    assert "议题 #1：在小区里装几个长椅" in town.one("r1", "议题 第1个", "g1").text
    assert town.snapshot() == before


def test_a_number_in_chinese_numerals_after_topics_is_never_offered_as_a_topic(
    town: Driver,
) -> None:
    before = town.snapshot()
    for typed in ("一点五", "二点", "第一点五", "一點五", "十二点五号"):
        answer = town.one("r1", f"议题 {typed}", "g1")
        assert answer.text.startswith("用法：") and answer.buttons == [], typed
    assert town.snapshot() == before
    for typed in ("一楼大门坏了", "二点以后别放音乐"):
        offered = town.one("r1", f"议题 {typed}", "g1")
        assert typed in offered.text and offered.buttons, typed


def test_a_poll_with_buttons_counts_presses_and_answers_with_a_toast(town: Driver) -> None:
    posted = town.one(
        "owner", "发起投票 是否同意增设充电桩？ | 同意 | 不同意 | 弃权 | 截止 3天", "g1"
    )
    assert "投票 #1" in posted.text and "截止：11月26日 周四 10:00" in posted.text
    assert posted.buttons == [
        [("同意", "/vote 1 1")],
        [("不同意", "/vote 1 2")],
        [("弃权", "/vote 1 3")],
    ]
    toast = town.press("r2", posted, "同意", "g1")
    assert toast.toast and "已投票（#1）：同意" in toast.text
    typed = town.one("r3", "投票 2", "g1")
    assert typed.private and typed.chat == "r3" and "不同意" in typed.text
    assert counts(town.app, 1) == [1, 1, 0]
    standing = town.one("r4", "结果", "g1").text
    assert "1. 同意 —— 1 票（50%）" in standing and "4 户中 2 户投票（50%）" in standing
    assert town.one("r4", "投票结果 1", "g1").text == standing
    # Privately, a bare 结果 shows the one poll its sender sees, as the group does.
    assert town.one("r4", "结果").text == standing


def test_a_bare_result_sent_privately_offers_the_polls_its_sender_sees(town: Driver) -> None:
    assert town.one("r4", "结果").text == "还没有您能看的投票。"
    town.say("owner2", "发起投票 二院的事 | 甲 | 乙", "g2")
    town.say("owner", "发起投票 修不修车棚 | 修 | 不修", "g1")
    assert "修不修车棚" in town.one("r4", "结果").text
    town.say("owner", "发起投票 装不装路灯 | 装 | 不装", "g1")
    town.buttons = False
    offered = town.one("r4", "结果").text
    assert offered.splitlines() == [
        "您能看的最近 2 个投票，选一个看结果：",
        "1. #3 装不装路灯 —— 回复「结果 3」",
        "2. #2 修不修车棚 —— 回复「结果 2」",
    ]
    assert "1. 修 —— 0 票" in town.one("r4", "结果 2").text


def test_an_anonymous_poll_shows_turnout_only_until_three_have_voted(town: Driver) -> None:
    posted = town.one("owner", "发起投票 装哪种充电桩？ | 快充 | 慢充 | 匿名", "g1").text
    assert "1. 快充\n" in posted and "满 3 户后才显示各选项票数，以免看出谁投了什么" in posted
    town.say("r2", "投票 1 1", "g1")
    town.say("r3", "投票 1 2", "g1")
    shown = town.one("r4", "结果 1", "g1").text
    # The turnout too is the last batch's, as on the poll message: none yet.
    assert "4 户中 0 户投票" in shown and "满 3 户后才显示各选项票数" in shown
    assert "——" not in shown
    town.say("r4", "投票 1 1", "g1")
    assert "4 户中 0 户投票" in town.one("r1", "结果 1", "g1").text
    (edited,) = town.received(town.app.scheduler.tick(town.app.clock.now()))
    assert "1. 快充 —— 2 票（66.7%）" in edited.text and "满 3 户" not in edited.text
    assert "已投 3 户" in edited.text
    shown = town.one("r1", "结果 1", "g1").text
    assert "2. 慢充 —— 1 票" in shown and "4 户中 3 户投票" in shown
    assert "刚投的票稍后才算进来" in shown


def test_an_anonymous_poll_closed_with_fewer_than_three_voters_publishes_no_counts(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 装哪种充电桩？ | 快充 | 慢充 | 匿名 | 法定 50% | 截止 1天", "g1")
    town.say("r2", "投票 1 1", "g1")
    town.say("r3", "投票 1 1", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(days=1))
    final, result = town.received(town.app.scheduler.tick(clock.now()))
    assert [e.reply.image for e in town.answers] == [None, None]
    for shown in (final.text, result.text, town.one("r4", "结果 1", "g1").text):
        assert "快充" in shown and "——" not in shown
    assert "已投 2 户，不足 3 户，不公布各选项票数" in final.text
    assert "4 户中 2 户投票" in result.text and "这次投票不作数" in result.text
    assert "结果有效" not in result.text
    assert not (town.app.settings.data_path / "charts").exists()


def test_an_anonymous_vote_is_never_echoed(town: Driver) -> None:
    posted = town.one("owner", "发起投票 换物业吗 | 表决 | 匿名", "g1")
    assert [label for row in posted.buttons for label, _ in row] == ["同意", "反对", "弃权"]
    assert "私聊我" in posted.text
    toast = town.press("r2", posted, "反对", "g1")
    typed = town.one("r3", "投票 1", "g1")
    in_private = town.one("r4", "投票 1 3")
    for answer in (toast, typed, in_private):
        assert "匿名投票" in answer.text
        assert not any(word in answer.text for word in ("同意", "反对", "弃权"))
    assert typed.private and in_private.private
    assert counts(town.app, 1) == [1, 1, 1]


def test_without_buttons_the_options_are_numbered_lines_to_type(app: App) -> None:
    town = build(app, buttons=False)
    posted = town.one("owner", "发起投票 哪天打扫 | 周六 | 周日 | 多选 2", "g1")
    assert posted.buttons == []
    assert "1. 周六 —— 0 票（0%）—— 回复「投票 1 1」" in posted.text
    assert "2. 周日 —— 0 票（0%）—— 回复「投票 1 2」" in posted.text
    assert "已投票（#1）：周六、周日" in town.one("r2", "投票 1 1 2", "g1").text


def test_in_private_a_polls_number_shows_its_options_and_a_bare_number_then_votes(
    text_town: Driver,
) -> None:
    town = text_town
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    menu = town.one("r2", "投票 1")
    assert menu.private and "投票 #1：装哪种充电桩" in menu.text
    assert "1. 快充" in menu.text and "2. 慢充" in menu.text and "回复「1」" in menu.text
    assert counts(town.app, 1) == [0, 0]
    assert "已投票（#1）：慢充" in town.one("r2", "2").text
    assert counts(town.app, 1) == [0, 1]
    assert "没看懂" in town.one("r2", "1").text, "the menu is used up"
    assert "已投票（#1）：快充" in town.one("r3", "投票 1", "g1").text, "in a group, an option"
    town.one("r4", "/lang en")
    english = town.one("r4", "/vote 1").text
    assert "Poll #1" in english and "1. 快充" in english
    assert counts(town.app, 1) == [1, 1]


def test_in_a_group_a_bare_vote_offers_the_open_polls_options_to_its_sender(
    text_town: Driver,
) -> None:
    town = text_town
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    offered = town.one("r2", "我要投票", "g1")
    assert not offered.private and "投票 #1：装哪种充电桩" in offered.text
    assert "1. 快充" in offered.text and "回复「1」" in offered.text
    assert town.say("r3", "2", "g1") == [], "the choice was offered to r2 alone"
    assert "已投票（#1）：慢充" in town.one("r2", "2", "g1").text
    assert counts(town.app, 1) == [0, 1]


def _offered_by_name(driver: Driver, line: str) -> None:
    driver.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    assert line in driver.one("r2", "投票", "g1").text
    private = driver.one("r2", "投票").text
    assert "r2，" not in private and line.split("，")[1] in private


def test_a_typed_ballot_offered_in_a_group_names_the_one_it_is_for(text_town: Driver) -> None:
    _offered_by_name(text_town, "r2，回复编号就投好了")


def test_a_ballot_with_buttons_offered_in_a_group_names_the_one_it_is_for(town: Driver) -> None:
    _offered_by_name(town, "r2，点下面的按钮投票")


def test_in_a_group_a_bare_vote_offers_buttons_or_says_there_is_no_open_poll(
    town: Driver,
) -> None:
    assert "没有进行中的投票" in town.one("r2", "投票", "g1").text
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    offered = town.one("r2", "投票", "g1")
    assert "已投票（#1）：快充" in town.press("r2", offered, "快充", "g1").text
    assert counts(town.app, 1) == [1, 0]


def test_with_buttons_a_typed_number_after_a_ballot_shown_privately_votes(town: Driver) -> None:
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    offered = town.one("r2", "投票")
    assert offered.private and offered.buttons
    assert "已投票（#1）：慢充" in town.one("r2", "2。").text
    assert counts(town.app, 1) == [0, 1]
    assert "没看懂" in town.one("r2", "1").text, "the ballot is used up"


def test_with_buttons_a_typed_number_after_a_ballot_offered_in_a_group_votes_for_its_sender(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    town.one("r2", "投票", "g1")
    assert town.say("r3", "2", "g1") == [], "the ballot was offered to r2 alone"
    assert "已投票（#1）：慢充" in town.one("r2", "2", "g1").text
    assert town.say("r2", "1", "g1") == [], "the ballot is used up"
    assert counts(town.app, 1) == [0, 1]


def test_with_buttons_a_number_means_the_newest_buttons_not_an_older_ballot(town: Driver) -> None:
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    town.one("r2", "投票")
    town.one("r2", "语言")
    assert "没看懂" in town.one("r2", "1").text
    assert counts(town.app, 1) == [0, 0]


def test_with_buttons_a_command_typed_after_a_ballot_forgets_it(town: Driver) -> None:
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    town.one("r2", "投票")
    assert "投票" in town.one("r2", "帮助").text
    assert "没看懂" in town.one("r2", "1").text
    assert counts(town.app, 1) == [0, 0]


def test_with_buttons_a_reading_command_answered_directly_forgets_a_ballot(town: Driver) -> None:
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    town.one("r2", "投票")
    (answer,) = town.received(town.app.dispatcher.handle(town.incoming("r2", "积分"), direct=True))
    assert "积分" in answer.text
    assert "没看懂" in town.one("r2", "1").text
    assert counts(town.app, 1) == [0, 0]


def test_with_buttons_a_number_after_a_group_poll_card_stays_chat(town: Driver) -> None:
    town.one("owner", "发起投票 装哪种充电桩 | 快充 | 慢充 | 截止 3天", "g1")
    assert town.say("r2", "1", "g1") == []
    assert "没看懂" in town.one("r2", "1").text
    assert counts(town.app, 1) == [0, 0]


def test_an_english_poll_card_starts_its_lines_with_capitals(town: Driver) -> None:
    town.one("owner", "/lang en", "g1")
    card = town.one("owner", "/poll Paint the fence? | yes | no | deadline 3d | anonymous", "g1")
    lines = card.text.splitlines()
    assert "One vote per household · anonymous" in lines
    assert "Closes Thu 26 Nov 10:00" in lines, card.text
    assert counts(town.app, 1) == [0, 0]


@pytest.mark.parametrize(
    ("language", "soon", "next_year"),
    [
        ("zh-Hans", "截止：11月26日 周四 10:00", "截止：2027年1月5日 周二 08:00"),
        ("zh-Hant", "截止：11月26日 週四 10:00", "截止：2027年1月5日 週二 08:00"),
        ("en", "Closes Thu 26 Nov 10:00", "Closes Tue 5 Jan 2027 08:00"),
    ],
)
def test_a_poll_deadline_reads_as_a_day_and_time_with_the_year_only_when_not_this_one(
    town: Driver, language: str, soon: str, next_year: str
) -> None:
    town.one("owner", f"/lang {language}", "g1")
    card = town.one("owner", "/poll 换门禁？ | 1 | 2 | 截止 3天", "g1")
    assert soon in card.text.splitlines(), card.text
    card = town.one("owner", "/poll 修车棚？ | 1 | 2 | 截止 2027-01-05 08:00", "g1")
    assert next_year in card.text.splitlines(), card.text
    with session_of(town.app) as session:
        closes = [poll_of(session, n).closes_at for n in (1, 2)]
    assert closes == [START + timedelta(days=3), START.replace(2027, 1, 5, 8)]


def test_a_poll_deadline_said_as_tomorrow_evening_closes_at_that_hour(town: Driver) -> None:
    card = town.one("owner", "发起投票 换门禁？ | 换 | 不换 | 截止 明晚8点", "g1")
    assert "截止：11月24日 周二 20:00" in card.text.splitlines(), card.text
    english = town.one("owner", "/poll Benches? | yes | no | deadline tonight 11pm", "g1")
    assert "Benches?" in english.text
    with session_of(town.app) as session:
        closes = [poll_of(session, n).closes_at for n in (1, 2)]
    assert closes == [START.replace(day=24, hour=20), START.replace(hour=23)]


@pytest.mark.parametrize(
    ("deadline", "answer"),
    [("今晚8点", "截止时间已经过去了"), ("今晚3点", "看不懂时间「今晚3点」")],
)
def test_a_deadline_tonight_already_gone_or_at_an_unclear_hour_opens_nothing(
    town: Driver, deadline: str, answer: str
) -> None:
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(START.replace(hour=21))
    before = town.snapshot()
    reply = town.one("owner", f"发起投票 换门禁？ | 换 | 不换 | 截止 {deadline}", "g1")
    assert answer in reply.text, reply.text
    assert town.snapshot() == before


def test_with_buttons_a_polls_number_in_private_offers_its_options_as_buttons(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 换物业吗 | 表决 | 截止 3天", "g1")
    menu = town.one("r2", "投票 1")
    assert menu.buttons == [[("同意", "/vote 1 1"), ("反对", "/vote 1 2"), ("弃权", "/vote 1 3")]]
    assert "已投票（#1）：反对" in town.press("r2", menu, "反对").text
    assert counts(town.app, 1) == [0, 1, 0]


def test_an_anonymous_vote_picked_from_the_private_menu_is_never_echoed(
    text_town: Driver,
) -> None:
    town = text_town
    town.one("owner", "发起投票 换物业吗 | 表决 | 匿名", "g1")
    assert "匿名" in town.one("r2", "投票 1").text
    voted = town.one("r2", "2").text
    assert "匿名投票" in voted
    assert not any(word in voted for word in ("同意", "反对", "弃权"))
    assert counts(town.app, 1) == [0, 1, 0]
    with session_of(town.app) as session:
        assert session.scalars(select(Menu)).all() == []


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("r8", "没有投票 #1。"),
        ("r1b", "您家已经在投票 #1 投过票了"),
        ("stranger", "请先登记您家"),
    ],
)
def test_a_polls_menu_is_shown_only_to_who_may_vote_in_it(
    text_town: Driver, user: str, expected: str
) -> None:
    town = text_town
    register(town, "r8", "1-1-101", chat="g2")
    town.say("stranger", "你好", "g1")
    town.one("owner", "发起投票 院里的事 | 甲 | 乙", "g1")
    town.one("r1", "投票 1 1", "g1")
    town.one(user, "帮助")
    before = town.snapshot()
    answer = town.one(user, "投票 1").text
    assert expected in answer and "院里的事" not in answer
    assert town.snapshot() == before
    with session_of(town.app) as session:
        assert session.scalars(select(Menu)).all() == []


def _r2_reminded_a_day_later(town: Driver) -> Sent:
    """A day and an hour on, the scheduler's private reminder to r2."""
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(days=1, hours=1))
    sent = town.received(town.app.scheduler.tick(clock.now()))
    return next(s for s in sent if s.chat == "r2")


def test_a_reminder_lists_the_options_and_a_bare_number_then_votes(text_town: Driver) -> None:
    town = text_town
    long = "在南门外的空地上新建一排带雨棚的电动车充电桩"
    town.one("owner", f"发起投票 装哪种充电桩 | 快充 | 慢充 | {long} | 截止 2天", "g1")
    town.one("r3", "投票 1 1", "g1")
    reminder = _r2_reminded_a_day_later(town)
    assert "提醒：投票 #1「装哪种充电桩」" in reminder.text
    assert "1. 快充 —— 回复「投票 1 1」" in reminder.text
    assert "2. 慢充 —— 回复「投票 1 2」" in reminder.text
    cut = "3. 在南门外的空地上新建一排带雨棚的电动车… —— 回复「投票 1 3」"
    assert cut in reminder.text, "long options are cut short"
    assert "在群里" not in reminder.text and len(reminder.text) < 150
    assert "已投票（#1）：慢充" in town.one("r2", "2").text
    assert counts(town.app, 1) == [1, 1, 0]


def test_with_buttons_a_reminder_carries_the_options_as_buttons(town: Driver) -> None:
    town.one("owner", "发起投票 换物业吗 | 表决 | 截止 2天", "g1")
    reminder = _r2_reminded_a_day_later(town)
    assert reminder.buttons == [
        [("同意", "/vote 1 1"), ("反对", "/vote 1 2"), ("弃权", "/vote 1 3")]
    ]
    assert "点下面的按钮" in reminder.text
    assert "已投票（#1）：弃权" in town.press("r2", reminder, "弃权").text
    assert counts(town.app, 1) == [0, 0, 1]


def test_a_scope_typed_in_traditional_characters_finds_the_stored_place(town: Driver) -> None:
    posted = town.one("owner", "发起投票 大门改造 | 南门扩建 | 东门新建 | 范围 1號院/3號樓", "g1")
    assert "投票 #1" in posted.text, posted.text
    with session_of(town.app) as session:
        scope = session.get_one(Place, poll_of(session, 1).scope_place_id)
        assert (scope.kind, scope.name) == (PlaceKind.BUILDING, "3号楼")


def test_an_option_typed_in_traditional_characters_finds_the_stored_one(town: Driver) -> None:
    town.one("owner", "发起投票 大门改造 | 南门扩建 | 东门新建", "g1")
    assert "已投票（#1）：南门扩建" in town.one("r2", "投票 南門擴建", "g1").text
    assert counts(town.app, 1) == [1, 0]


def test_one_number_votes_in_the_only_open_poll_and_several_open_polls_ask_which(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 问题一 | 甲 | 乙", "g1")
    assert "已投票（#1）：乙" in town.one("r2", "投票 2", "g1").text
    town.one("owner", "发起投票 问题二 | 甲 | 乙", "g1")
    asked = town.one("r3", "投票 1", "g1").text
    assert "本群有 2 个进行中的投票" in asked and "#2 问题二" in asked
    assert "已投票（#2）：甲" in town.one("r3", "投票 2 1", "g1").text


def test_a_poll_number_then_an_options_words_votes_as_its_number_would(town: Driver) -> None:
    town.one("owner", "发起投票 装充电桩吗 | 表决", "g1")
    town.one("owner", "发起投票 装在哪 | 东门 充电桩 | 西门充电桩 | 南门", "g1")
    town.one("owner", "发起投票 要不要 | 要 | 不要", "g1")
    assert "已投票（#1）：同意" in town.one("r2", "投票 1 同意", "g1").text
    assert "已投票（#1）：同意" in town.one("r3", "投票 1 同").text, "a prefix of one option"
    assert "已投票（#1）：反对" in town.one("r4", "投票 1 ＮＯ").text
    assert "已投票（#3）：要" in town.one("r2", "投票 3 要", "g1").text
    assert "已投票（#2）：东门 充电桩" in town.one("r3", "投票 2 东门充电桩", "g1").text
    assert (counts(town.app, 1), counts(town.app, 2), counts(town.app, 3)) == (
        [2, 1, 0],
        [1, 0, 0],
        [1, 0],
    )


def test_a_poll_number_then_words_fitting_several_options_or_none_asks_which(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 装在哪 | 东门充电桩 | 西门充电桩 | 南门", "g1")
    town.one("owner", "发起投票 要不要 | 要 | 不要", "g1")
    before = town.snapshot()
    ambiguous = town.one("r2", "投票 1 充电", "g1").text
    assert "「充电」对得上投票 #1 的好几项" in ambiguous
    assert "「投票 1 1」" in ambiguous and "「投票 1 2」" in ambiguous
    assert "「投票 1 3」" not in ambiguous
    unknown = town.one("r2", "投票 1 北门", "g1").text
    assert "投票 #1 没有「北门」这一项" in unknown and "3. 南门 —— 发送「投票 1 3」" in unknown
    assert town.snapshot() == before


def test_a_vote_said_as_people_say_it_counts(town: Driver) -> None:
    town.one("owner", "发起投票 装充电桩吗 | 表决", "g1")
    assert "已投票（#1）：同意" in town.one("r2", "我投同意", "g1").text
    assert "已投票（#1）：反对" in town.one("r3", "投反对票。", "g1").text
    assert "已投票（#1）：弃权" in town.one("r4", "我投棄權", "g1").text
    assert counts(town.app, 1) == [1, 1, 1]
    before = town.snapshot()
    assert town.say("r2", "我投资了一家店", "g1") == []
    assert town.snapshot() == before


def test_a_choice_labelled_agree_or_disagree_is_named_by_the_yes_no_words(town: Driver) -> None:
    town.one("owner", "发起投票 停车位划线 | 同意 | 不同意", "g1")
    assert "已投票（#1）：不同意" in town.one("r2", "投票 反对", "g1").text
    assert "已投票（#1）：同意" in town.one("r3", "我投赞成票", "g1").text
    assert counts(town.app, 1) == [1, 1]


def _outsider_in_g1(town: Driver) -> Sent:
    """r8 lives in 2号院 and joins 1号院's chat; g1 opens a poll; its message is returned."""
    register(town, "r8", "1-1-101", chat="g2")
    posted = town.one("owner", "发起投票 1号院停车位划线 | 同意 | 反对", "g1")
    town.say("r8", "大家好", "g1")
    return posted


def test_an_outsider_s_vote_is_refused_politely_and_not_counted(town: Driver) -> None:
    posted = _outsider_in_g1(town)
    before = town.snapshot()
    refused = "抱歉，投票 #1 只限1号院的住户参加。"
    assert town.one("r8", "投票 1 2", "g1").text == refused
    toast = town.press("r8", posted, "反对", "g1")
    assert toast.toast and toast.text == refused
    assert town.snapshot() == before and counts(town.app, 1) == [0, 0]


def test_the_electorate_is_the_households_of_the_place_and_outsiders_do_not_grow_it(
    town: Driver,
) -> None:
    _outsider_in_g1(town)
    assert "已登记 4 户" in town.say("owner", "成员", "g1")[0].text
    assert "投票率：4 户中 0 户投票" in town.one("r4", "结果 1", "g1").text
    town.say("r8", "投票 1 2", "g1")
    assert "投票率：4 户中 0 户投票" in town.one("r4", "结果 1", "g1").text


def test_an_insider_still_votes_beside_an_outsider(town: Driver) -> None:
    _outsider_in_g1(town)
    town.say("r8", "投票 1 2", "g1")
    assert "已投票（#1）：同意" in town.one("r2", "投票 1 1", "g1").text
    assert counts(town.app, 1) == [1, 0]
    assert "投票率：4 户中 1 户投票" in town.one("r4", "结果 1", "g1").text


def _party_poll(town: Driver) -> None:
    """g7 is the community's party circle, with members r2 and r8; its admin opens poll #1."""
    town.group("g7", "红旗里党员圈", admins=("owner7",))
    bind_approved(town, "owner7", "g7", "红旗里社区 党员圈")
    register(town, "r8", "1-1-101", chat="g2")
    for member in ("r2", "r8"):
        town.say(member, "到", "g7")
    town.one("owner7", "发起投票 支部活动去哪 | 公园 | 展览馆", "g7")
    for user in ("r2", "r3", "sec"):
        town.say(user, "/start")


def test_a_party_circle_s_poll_is_for_its_members_living_in_its_place(town: Driver) -> None:
    _party_poll(town)
    assert "投票率：2 户中 0 户投票" in town.one("r2", "结果 1", "g7").text
    before = town.snapshot()
    assert town.one("r3", "投票 1 1").text == "没有投票 #1。"
    assert town.snapshot() == before
    assert "已投票" in town.one("r8", "投票 1 1", "g7").text


def test_a_party_circle_s_poll_is_unknown_to_a_resident_outside_it(town: Driver) -> None:
    _party_poll(town)
    before = town.snapshot()
    for text, chat in (
        ("结果 1", None),
        ("投票 1", None),
        ("投票 1 2", None),
        ("结果 1", "g1"),
        ("投票 1 公园", "g1"),
    ):
        answers = town.say("r3", text, chat)
        assert [a.text for a in answers] == ["没有投票 #1。"], (text, chat)
    assert town.snapshot() == before and counts(town.app, 1) == [0, 0]


def test_a_party_circle_s_members_and_the_secretary_read_its_poll_s_result(
    town: Driver,
) -> None:
    _party_poll(town)
    for user in ("r2", "sec"):
        assert town.one(user, "结果 1").text.startswith("投票 #1 目前结果：支部活动去哪")
    assert town.one("r2", "投票 1").buttons == [[("公园", "/vote 1 1")], [("展览馆", "/vote 1 2")]]


def test_a_poll_asked_for_in_a_group_it_was_not_put_to_is_answered_privately(
    town: Driver,
) -> None:
    _party_poll(town)
    answers = town.say("r2", "结果 1", "g1")
    assert [(a.chat, a.private) for a in answers] == [("r2", True), ("g1", False)]
    assert answers[0].text.startswith("投票 #1 目前结果：支部活动去哪")


def test_a_party_circle_s_topic_is_unknown_to_a_resident_outside_it(town: Driver) -> None:
    _party_poll(town)
    town.one("r2", "提议 支部换届", "g7")
    before = town.snapshot()
    for user, text, chat in (
        ("r3", "议题 1", None),
        ("r3", "议题 1", "g1"),
        ("r3", "附议 1", "g1"),
        ("owner", "发起投票 换届 | 甲 | 乙 | 议题 1", "g1"),
    ):
        assert town.one(user, text, chat).text.startswith("没有议题 #1。"), (text, chat)
    assert "支部换届" not in town.one("r3", "议题").text
    assert town.snapshot() == before
    for user in ("r8", "sec"):
        assert "支部换届" in town.one(user, "议题 1").text
        assert "支部换届" in town.one(user, "议题").text
    answers = town.say("r8", "议题 1", "g2")
    assert [(a.chat, a.private) for a in answers] == [("r8", True), ("g2", False)]
    assert "支部换届" not in town.one("r8", "议题", "g2").text


def test_a_poll_may_decide_only_a_topic_shown_in_its_own_circle(town: Driver) -> None:
    _party_poll(town)
    town.one("r2", "提议 支部换届", "g7")
    before = town.snapshot()
    # The secretary sees the party circle's topic, but a poll in 1号院 would show it there.
    refused = town.one("sec", "发起投票 换届 | 甲 | 乙 | 议题 1", "g1")
    assert refused.text == "议题 #1 是别的圈的，请到那个圈的群里发起表决。", refused.text
    assert town.snapshot() == before
    posted = town.say("sec", "发起投票 换届 | 甲 | 乙 | 议题 1", "g7")
    assert any("支部换届" in a.text for a in posted if a.chat == "g7")


def test_a_vote_refused_in_a_group_the_poll_was_not_put_to_is_answered_privately(
    town: Driver,
) -> None:
    _party_poll(town)
    before = town.snapshot()
    for typed, shown in (
        ("投票 1 9", "投票 #1 没有第 9 项，选项是 1 到 2。"),
        ("投票 1 图书馆", "投票 #1 没有「图书馆」这一项。选项是：\n1. 公园"),
        ("投票 1 1 2", "投票 #1 最多选 1 项。"),
    ):
        answers = town.say("r2", typed, "g1")
        assert [(a.chat, a.private) for a in answers] == [("r2", True), ("g1", False)], typed
        assert answers[0].text.startswith(shown), typed
    assert town.snapshot() == before and counts(town.app, 1) == [0, 0]
    # In the poll's own circle the refusal is answered where it was typed.
    answers = town.say("r2", "投票 1 9", "g7")
    assert [(a.chat, a.private) for a in answers] == [("g7", False)]


def test_a_vote_refused_elsewhere_without_a_private_chat_shows_no_option_in_the_group(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    app = without_private_chats(db, clock, tmp_path)
    town = build(app)
    _party_poll(town)
    before = town.snapshot()
    answers = town.say("r8", "投票 1 图书馆", "g2")
    assert [(a.chat, a.text) for a in answers] == [
        ("g2", "r8，这条回复只发给您本人：请先私聊我，发送「开始」，再发一次命令。")
    ]
    assert town.snapshot() == before
    app.close()


def _party_topic(town: Driver) -> None:
    """The party circle g7 (see `_party_poll`) with topics #1 and #2 raised by r2."""
    _party_poll(town)
    town.one("r2", "提议 支部换届", "g7")
    town.one("r2", "提议 党员活动室", "g7")


def test_a_topic_handled_in_a_group_that_does_not_see_it_is_confirmed_privately(
    town: Driver,
) -> None:
    _party_topic(town)
    noted = "王书记，已记下，详情已私聊发给您。"
    for typed, chat, shown, told in (
        ("进展 1 下周开会商量", "g2", "已记录议题 #1「支部换届」的进展", ["sec"]),
        ("决议 1 下月选举", "g1", "议题 #1「支部换届」已形成决议：\n下月选举", ["sec"]),
        ("办结 1", "g2", "议题 #1「支部换届」已办结", ["sec", "r2"]),
        ("驳回 2 暂无场地", "g1", "议题 #2「党员活动室」未采纳。理由：暂无场地", ["sec", "r2"]),
    ):
        answers = town.say("sec", typed, chat)
        assert [a.text for a in answers if not a.private] == [noted], typed
        # The proposer is still told, privately, when the topic is solved or rejected.
        assert [a.chat for a in answers if a.private] == told, typed
        assert answers[1].text.startswith(shown), typed
    with session_of(town.app) as session:
        statuses = session.scalars(select(Topic.status).order_by(Topic.number)).all()
    assert statuses == [TopicStatus.SOLVED, TopicStatus.REJECTED]
    # In the topic's own circle the confirmation stays in the group.
    town.one("r2", "提议 党员学习", "g7")
    answers = town.say("sec", "进展 3 周五学习", "g7")
    assert [(a.chat, a.private) for a in answers] == [("g7", False)]
    assert "已记录议题 #3「党员学习」的进展" in answers[0].text


def test_a_poll_s_settings_changed_in_a_group_it_was_not_put_to_are_told_privately(
    town: Driver,
) -> None:
    _party_poll(town)
    answers = town.say("sec", "投票设置 1 截止 5天", "g1")
    assert [(a.chat, a.private) for a in answers] == [("g1", False), ("sec", True)]
    assert answers[0].text == "王书记，已记下，详情已私聊发给您。"
    assert answers[1].text.startswith("已修改投票 #1：截止")
    with session_of(town.app) as session:
        assert poll_of(session, 1).closes_at == town.app.clock.now() + timedelta(days=5)
    answers = town.say("sec", "投票设置 1 截止 6天", "g7")
    assert [(a.chat, a.private) for a in answers] == [("g7", False)]


def test_poll_settings_written_with_chinese_commas_read_as_with_bars(town: Driver) -> None:
    town.one("owner", "发起投票 周末去哪 | 公园 | 展览馆", "g1")
    changed = town.one("owner", "投票设置 1，截止 5天，可改票", "g1").text
    assert changed.startswith("已修改投票 #1：截止") and "可改票" in changed
    with session_of(town.app) as session:
        assert poll_of(session, 1).closes_at == town.app.clock.now() + timedelta(days=5)
    # With bars a comma stays within its item, as before.
    barred = town.one("owner", "投票设置 1 截止 6天，匿名 | 可改票", "g1").text
    assert barred.startswith("看不懂时间「6天,匿名」")
    with session_of(town.app) as session:
        assert poll_of(session, 1).closes_at == town.app.clock.now() + timedelta(days=5)


def test_a_topic_decided_elsewhere_without_a_private_chat_says_it_is_done(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    app = without_private_chats(db, clock, tmp_path)
    town = build(app)
    _party_topic(town)
    town.grant("sec2", "书记", "红旗里社区")
    answers = town.say("sec2", "决议 1 下月选举", "g1")
    assert [(a.chat, a.text) for a in answers] == [
        ("g1", "sec2，已记下。"),
        (
            "g1",
            "sec2，这条回复只发给您本人：请先私聊我，发送「开始」，以后就能收到。"
            "刚才的事已办好，不用再发。",
        ),
    ]
    with session_of(app) as session:
        assert session.scalar(select(Topic.status).where(Topic.number == 1)) == TopicStatus.DECIDED
    app.close()


def test_the_same_poll_in_two_circles_on_two_platforms_has_one_tally(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path)))
    editing = {"telegram": PlatformTraits(durable=True, edits=True)}
    app = bootstrap(settings, clock, db=db, platforms=editing)
    town = build(app)
    bind_elsewhere(app, "telegram", "-100200", "2号院", "tg-admin")
    register(town, "r8", "1-1-101", chat="g2")
    answers = town.say("sec", "发起投票 社区议事厅 | 赞成 | 反对 | 范围 红旗里社区", "g1")
    assert sorted(a.chat for a in answers if a.text.startswith("投票 #1：")) == [
        "-100200",
        "g1",
        "g2",
    ]
    assert "已发布到 3 个群" in answers[-1].text
    with session_of(app) as session:
        staged = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.platform == "telegram", OutboxMessage.key.is_not(None)
            )
        ).one()
        assert (staged.chat_id, staged.key, staged.template) == (
            "-100200",
            "poll:1",
            "deliberation.poll",
        )
        button = staged.choices[0][0]
    tg_user = UserRef("telegram", "555", "电报居民")
    chat = ChatRef("telegram", "-100200", ChatKind.GROUP, "2号院")
    join = Incoming(chat, tg_user, EventKind.MESSAGE, "/join 1-1-102 同意")
    # Registered; its answer is for them alone, and they have no private chat yet.
    assert app.dispatcher.handle(join)[0].reply.template == "core.open_private"
    press = Incoming(chat, tg_user, EventKind.PRESS, button["token"])
    toast = app.dispatcher.handle(press)[0]
    assert toast.toast and toast.reply.template == "deliberation.voted"
    town.one("r2", "投票 1 2", "g1")
    town.one("r8", "投票 1 1", "g2")
    assert counts(app, 1) == [2, 1]
    edits = app.scheduler.tick(app.clock.now())
    assert sorted((e.target.platform, e.target.chat_id) for e in edits) == [
        ("console", "g1"),
        ("console", "g2"),
        ("telegram", "-100200"),
    ]
    with session_of(app) as session:
        edit = session.scalars(select(OutboxMessage).where(OutboxMessage.edit)).one()
        assert edit.key == "poll:1" and edit.data["ballots"] == 3
    app.close()


def test_closing_early_posts_the_result_with_a_chart_where_the_poll_was_posted(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 问题 | 甲 | 乙", "g1")
    town.one("r2", "投票 1 1", "g1")
    refused = town.one("r2", "结束投票 1", "g1")
    assert "只有发起人或管理员" in refused.text
    closed = town.say("owner", "结束投票", "g1")
    result = next(a for a in closed if "最终结果" in a.text)
    assert result.chat == "g1" and "1. 甲 —— 1 票（100%）" in result.text
    image = town.app.settings.data_path / "charts"
    assert [p.name for p in image.iterdir()] == ["poll-1.png"]
    assert "已经截止" in town.one("r3", "投票 1 1", "g1").text


def test_a_closed_polls_result_comes_with_its_chart(town: Driver) -> None:
    town.one("owner", "发起投票 问题 | 甲 | 乙 | 截止 1天", "g1")
    town.one("r2", "投票 1 1", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(days=1))
    town.app.scheduler.tick(clock.now())
    envelopes = town.app.dispatcher.handle(
        Incoming(
            ChatRef("console", "g1", ChatKind.GROUP),
            UserRef("console", "r3", "r3"),
            text="结果 1",
        )
    )
    assert [e.reply.template for e in envelopes] == ["deliberation.result"]
    image = envelopes[0].reply.image
    assert image is not None and image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_decisions_follow_up_and_solving_tell_the_right_people(town: Driver) -> None:
    for user in ("r1", "r2", "r4"):
        town.say(user, "/start")
    town.one("r1", "提议 路灯坏了", "g1")
    town.say("r2", "附议 1", "g1")
    decided = town.say(
        "owner", "决议 1 更换路灯 | 负责 @r4 | 期限 12月31日", "g1", mentions=("r4",)
    )
    assert "负责：r4" in decided[0].text and "期限：12月31日 周四 23:59" in decided[0].text
    assert decided[1].private and decided[1].chat == "r4" and "您被指定负责" in decided[1].text
    assert "落实中" in town.one("r4", "进展 1 灯已买好", "g1").text
    detail = town.one("r3", "议题 1", "g1").text
    assert "决议：更换路灯" in detail and "灯已买好" in detail
    solved = town.say("owner", "办结 1", "g1")
    # Two people in all: the proposer r1 and r2 who seconded.
    assert solved[0].text.endswith("已办结，已告知提议人和附议的居民，共 2 人。")
    assert sorted(a.chat for a in solved[1:]) == ["r1", "r2"]
    figures = town.one("r3", "议事统计", "g1").text
    assert "提出议题：1 个" in figures and "已经办结：1 个" in figures


def test_a_decision_without_bars_keeps_its_commas_and_reads_an_owner_and_deadline_after_them(
    town: Driver,
) -> None:
    for title in ("加装电梯", "修路灯", "换门禁"):
        town.one("r1", f"提议 {title}", "g1")
    kept = town.one("owner", "决议 1 同意加装电梯，下月开工", "g1").text
    assert "已形成决议：\n同意加装电梯，下月开工\n" in kept and "负责" not in kept, kept
    read = town.one("owner", "决议 2 同意修，下月开工，负责 物业，期限：12月31日", "g1").text
    assert "已形成决议：\n同意修，下月开工\n" in read, read
    assert "负责：物业" in read and "期限：12月31日 周四 23:59" in read, read
    said = town.one("owner", "决议 3 同意，负责人由业委会确定", "g1").text
    assert "已形成决议：\n同意，负责人由业委会确定\n" in said and "负责：" not in said, said


def test_a_rejected_topic_tells_its_proposer_why(town: Driver) -> None:
    town.say("r1", "/start")
    town.one("r1", "提议 拆掉凉亭", "g1")
    answers = town.say("owner", "驳回 1 凉亭是文物", "g1")
    assert "未采纳。理由：凉亭是文物" in answers[0].text
    assert answers[1].chat == "r1" and "凉亭是文物" in answers[1].text


def test_a_secretary_pushes_a_hot_topic_to_every_circle_and_sets_the_threshold(
    town: Driver,
) -> None:
    town.one("r1", "提议 垃圾房选址", "g1")
    assert "只有社区书记" in town.one("owner", "热点议题 1", "g1").text
    pushed = town.say("sec", "热点议题 1", "g1")
    assert "推送到 2 个群" in pushed[0].text
    assert sorted(a.chat for a in pushed[1:]) == ["g1", "g2"]
    assert "热点" in town.one("r8", "议题", "g2").text
    assert "满 2 户附议" in town.one("sec", "附议门槛 2", "g1").text
    assert "满 2 户列入议程" in town.one("r2", "提议 增设座椅", "g1").text


def test_the_settings_set_the_threshold_and_the_reminder_lead(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    settings = Settings(
        general=GeneralSettings(data_dir=str(tmp_path)),
        deliberation=DeliberationSettings(seconds_needed=2, reminder_hours=6),
    )
    app = bootstrap(settings, clock, db=db)
    town = build(app)
    assert "满 2 户列入议程" in town.one("r1", "提议 增设座椅", "g1").text
    town.one("owner", "发起投票 问题 | 甲 | 乙 | 截止 明天 18:00", "g1")
    with session_of(app) as session:
        poll = poll_of(session, 1)
        assert poll.remind_at == poll.closes_at - timedelta(hours=6)
    app.close()


def test_help_lists_deliberation_commands_by_role(town: Driver) -> None:
    resident = town.one("r2", "帮助 全部", "g1").text
    admin = town.one("owner", "帮助 全部", "g1").text
    secretary = town.one("sec", "帮助 全部", "g1").text
    assert "/propose" in resident and "/vote" in resident and "/poll" not in resident
    assert "/poll" in admin and "/decide" in admin and "/hot" not in admin
    assert "/hot" in secretary and "/threshold" in secretary


def test_a_bare_vote_in_private_offers_the_one_poll_its_sender_may_vote_in(
    text_town: Driver,
) -> None:
    town = text_town
    assert "现在没有您可以投的投票" in town.one("r2", "我要投票").text
    town.one("owner", "发起投票 充电桩 | 同意 | 不同意", "g1")
    offered = town.one("r2", "我要投票")
    assert offered.private and "投票 #1：充电桩" in offered.text and "回复「1」" in offered.text
    assert "已投票（#1）：不同意" in town.one("r2", "2").text
    assert counts(town.app, 1) == [0, 1]
    assert "现在没有您可以投的投票" in town.one("r2", "投票").text, "cast for good"
    assert "请先登记您家" in town.one("stranger", "投票").text


def test_my_votes_typed_in_a_group_is_answered_privately(text_town: Driver) -> None:
    town = text_town
    town.one("owner", "发起投票 充电桩 | 同意 | 不同意 | 匿名", "g1")
    for typed in ("我的投票", "我的投票？"):
        offered, note = town.say("r2", typed, "g1")
        assert offered.private and "投票 #1：充电桩" in offered.text
        assert not note.private and note.text == "r2，详情已私聊发给您。"
    town.one("r2", "投票 1 2", "g1")
    told, note = town.say("r2", "我的投票", "g1")
    assert told.private and "现在没有您可以投的投票" in told.text
    assert not note.private and note.text == "r2，详情已私聊发给您。"
    assert "投票 #1：充电桩" in town.one("r3", "我的投票").text


def test_a_bare_vote_in_private_lists_several_polls_and_a_number_picks_one(
    text_town: Driver,
) -> None:
    town = text_town
    town.one("owner", "发起投票 充电桩 | 同意 | 不同意", "g1")
    town.one("owner", "发起投票 哪天打扫 | 周六 | 周日", "g1")
    town.one("owner", "发起投票 以后 | 甲 | 乙 | 开始 明天 | 截止 3天", "g1")
    listed = town.one("r2", "投票")
    assert "您现在可以投 2 个投票" in listed.text
    assert "#1 充电桩" in listed.text and "#2 哪天打扫" in listed.text
    assert "以后" not in listed.text, "not open yet"
    assert "投票 #2：哪天打扫" in town.one("r2", "2").text
    assert "已投票（#2）：周日" in town.one("r2", "2").text
    assert counts(town.app, 2) == [0, 1]


# Bad input: a clear reply, and nothing changes.
BAD_INPUT = [
    ("r2", "投票 4 1", "g1", "投票 #4 已经截止了"),
    ("r2", "投票 2 1", "g1", "投票 #2 还没开始"),
    ("r1", "投票 1 2", "g1", "您家已经在投票 #1 投过票了"),
    ("r1b", "投票 1 2", "g1", "您家已经在投票 #1 投过票了"),
    ("r8", "投票 9", "g2", "投票 #6 没有第 9 项"),
    ("r9", "投票 3 1", "g1", "抱歉，投票 #3 只限1号院/3号楼的住户参加。"),
    ("r2", "投票 1", "g1", "请说明投哪一个"),
    ("r2", "投票", "g1", "本群有 5 个进行中的投票，请说明投哪一个"),
    ("r8", "投票 不存在的项", "g2", "投票 #6 没有「不存在的项」这一项"),
    ("r2", "投票 1 丁", "g1", "投票 #1 没有「丁」这一项"),
    ("owner", "发起投票 问题 | 甲 | 乙 | 截止 2020-01-01 10:00", "g1", "截止时间已经过去了"),
    ("owner", "发起投票 问题 | 甲 | 乙 | 截止 下辈子", "g1", "看不懂时间「下辈子」"),
    ("owner", "发起投票 问题 | 只有一个", "g1", "您写了 1 个"),
    ("owner", "发起投票 问题 | " + " | ".join("ABCDEFGHIJK"), "g1", "您写了 11 个"),
    ("owner", "发起投票 |", "g1", "用法：「发起投票 问题"),
    ("r2", "发起投票 问题 | 甲 | 乙", "g1", "只有本圈管理员或社区书记可以发起投票"),
    ("r2", "结束投票 1", "g1", "投票 #1 只有发起人或管理员可以结束或修改"),
    ("r2", "投票设置 1 截止 5天", "g1", "投票 #1 只有发起人或管理员可以结束或修改"),
    ("owner", "决议 1 同意", "g1", "议题 #1 还在投票表决中"),
    ("r2", "结果 5", "g1", "结果截止后才公布"),
    ("owner", "投票设置 1 实名", "g1", "匿名的承诺不能取消"),
    ("r2", "附议 99", "g1", "没有议题 #99"),
    ("r2", "提议", "g1", "用法：「提议 议题内容」"),
    ("r2", "办结 1", "g1", "只有本圈管理员或社区书记可以处理议题 #1"),
    ("owner", "办结 1", "g1", "还没有决议"),
    ("stranger", "投票 1 1", "g1", "请先登记您家"),
    ("owner", "发起投票 问题 | 甲 | 乙 | 多选 5", "g1", "只有 2 个选项，「多选」最多写 2"),
    ("owner", "发起投票 问题 | 甲 | 乙 | 多选 1", "g1", "「多选」至少写 2"),
]


@pytest.mark.parametrize(("user", "text", "where", "expected"), BAD_INPUT)
def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    town: Driver, clock: VirtualClock, user: str, text: str, where: str, expected: str
) -> None:
    register(town, "r9", "4-101")
    register(town, "r8", "1-1-101", chat="g2")
    town.say("stranger", "你好", "g1")
    town.one("r1", "提议 充电桩", "g1")
    for poll in (
        "问题一 | 甲 | 乙 | 丙 | 匿名",
        "问题二 | 甲 | 乙 | 开始 明天 8:00",
        "三号楼 | 甲 | 乙 | 范围 1号院/3号楼",
        "快截止 | 甲 | 乙 | 截止 1小时",
        "隐藏 | 甲 | 乙 | 结束后公布 | 议题 1",
    ):
        town.one("owner", f"发起投票 {poll}", "g1")
    town.one("owner2", "发起投票 二院 | 甲 | 乙", "g2")
    town.one("r1", "投票 1 1", "g1")
    clock.set(clock.now() + timedelta(hours=2))
    before = town.snapshot()
    answer = town.one(user, text, where)
    assert expected in answer.text, answer.text
    assert town.snapshot() == before


@pytest.mark.parametrize(
    ("second", "result"),
    [
        ("附议 议题1", "结果 投票1"),
        ("附议 1号议题", "结果 1号投票"),
        ("附议第一个议题", "结果 投票 1"),
    ],
)
def test_a_number_may_carry_the_name_of_what_it_numbers(
    town: Driver, second: str, result: str
) -> None:
    town.one("r1", "提议 路灯坏了", "g1")
    town.one("owner", "发起投票 要不要换路灯？换，不换", "g1")
    # The usage says 「附议 议题编号」: typed as it reads, it seconds the topic.
    assert "已附议议题 #1「路灯坏了」" in town.say("r2", second, "g1")[0].text
    assert town.one("r2", result, "g1").text.startswith("投票 #1 目前结果：要不要换路灯？")
