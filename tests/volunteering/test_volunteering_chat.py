"""Volunteer duty through the chat: commands, replies, rosters, and every bad input."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from bot.app import App
from bot.clock import VirtualClock
from bot.messages import EventKind
from bot.services.community.circles import bound_chat
from bot.services.volunteering.rosters import roster_reply
from bot.services.volunteering.shifts import find_shift
from models import Shift, SignUp, SignUpStatus, VolunteerHours
from tests.support.community import build, community, session_of
from tests.support.driver import PLATFORM, Driver
from tests.support.scenarios import Recorder
from tests.support.volunteers import advance, statuses

# What the language test below sends, from sign-up to reminders and hours.
DUTY_MESSAGES = {
    "volunteering.signed_up",
    "volunteering.roster",
    "volunteering.promoted",
    "volunteering.withdrawn",
    "volunteering.role_required",
    "volunteering.shift_list",
    "volunteering.shift_detail",
    "volunteering.my_shifts",
    "volunteering.rota_created",
    "volunteering.rules",
    "volunteering.shifts_edited",
    "volunteering.remind_day_before",
    "volunteering.remind_hour_before",
    "volunteering.checkin_outside",
    "volunteering.circle_hours",
}
SHIFT = "排班 门岗值守 | 2026-11-24 08:00-10:00 | 2人 | 2号门"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with shift #1 tomorrow 08:00-10:00 (2 places) in g1."""
    driver = build(app)
    assert "已排班" in driver.one("owner", SHIFT, "g1").text
    return driver


def test_help_shows_duty_commands_to_everyone_and_arranging_them_to_admins(
    town: Driver,
) -> None:
    resident_help = town.one("r2", "帮助 全部", "g1").text
    admin_help = town.one("owner", "帮助 全部", "g1").text
    assert "/shifts" in resident_help and "/signup" in resident_help and "/hours" in resident_help
    assert "/shift（" not in resident_help and "/noshow" not in resident_help
    assert "/shift（" in admin_help and "/editshift" in admin_help and "/attend" in admin_help
    assert "/dutyrules" in town.one("sec", "帮助 全部", "g1").text


def test_a_rota_is_created_in_one_command_and_listed_with_places_left(town: Driver) -> None:
    made = town.one(
        "owner", "/shift 巡逻 | 2026-11-25 至 2026-11-26 18:00-22:00 每2小时 | 2人", "g1"
    )
    assert "共 4 个班次 #2–#5" in made.text and made.buttons == [[("查看值班表", "/shifts")]]
    listed = town.one("r2", "值班表", "g1").text
    assert "#1 门岗值守 · 2号门" in listed and "还缺 2 人" in listed and "#5 巡逻" in listed


def test_shifts_are_made_and_listed_with_english_days_and_times(town: Driver) -> None:
    town.one("owner", "/lang en", "g1")
    for text in (
        "/shift Patrol | Saturday 9am-11am | 3 people",
        "/shift Patrol | Dec 12 09:00-11:00 | 3 people",
        "/shift Patrol | tomorrow 9am-11am | 3 people",
        "/shift Litter pick | Saturday 9-11am | 3 people",
    ):
        assert "Shift created" in town.one("owner", text, "g1").text, text
    with session_of(town.app) as session:
        starts = [
            f"{find_shift(session, community(session), n).starts_at:%m-%d %H:%M}"
            for n in (2, 3, 4, 5)
        ]
    assert starts == ["11-28 01:00", "12-12 01:00", "11-24 01:00", "11-28 01:00"]
    listed = town.one("r2", "/shifts saturday", "g1").text
    assert "#2 Patrol" in listed and "#3" not in listed


def test_a_shift_said_as_tomorrow_evening_from_7_to_9_starts_at_19_00(town: Driver) -> None:
    made = town.one("owner", "排班 巡逻，明晚7点-9点，2人，小区大门，截止 明天中午", "g1")
    assert "已排班 #2 巡逻" in made.text, made.text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 2)
        times = f"{shift.starts_at:%m-%d %H:%M}–{shift.ends_at:%H:%M}"
        cutoff = f"{shift.signup_until:%m-%d %H:%M}"
    assert (times, cutoff) == ("11-24 11:00–13:00", "11-24 04:00")


def test_a_shift_at_an_unclear_hour_of_the_night_is_refused_and_nothing_is_made(
    town: Driver,
) -> None:
    before = town.snapshot()
    refused = town.one("owner", "排班 巡逻 | 今晚3点-5点 | 2人", "g1")
    assert refused.text.startswith("看不懂时间「今晚3点-5点」"), refused.text
    # The examples are shift windows, not deadlines (3天, 明晚8点).
    assert "「明天下午3点到5点」" in refused.text and "3天" not in refused.text
    edit = town.one("owner", "修改班次 1 | 明晚11点-1点", "g1")
    assert edit.text == refused.text.replace("今晚3点-5点", "明晚11点-1点"), edit.text
    assert town.snapshot() == before


def test_signing_up_answers_here_and_posts_then_edits_the_days_roster(town: Driver) -> None:
    first = town.say("r2", "报名 1", "g1", name="李四")
    assert "李四，您报名成功" in first[0].text and "接龙第 1 位" in first[0].text
    assert "【值班接龙】11月24日 周二" in first[1].text and "1. 李四" in first[1].text
    second = town.say("r3", "报名：１", "g1", name="王五")
    assert "2. 王五" in second[1].text and "已满" in second[1].text


def test_a_sign_up_reply_names_the_volunteer_once_and_then_says_you(town: Driver) -> None:
    shift = "#1 门岗值守 · 2号门（11月24日 周二 08:00–10:00）"
    town.say("r1", "报名 1", "g1")
    town.say("r2", "报名 1", "g1")
    waiting = town.say("r3", "报名 1", "g1", name="马文博")[0].text
    assert waiting == (
        f"马文博，{shift}已满，您排在候补第 1 位。有人取消时您会自动补上，并马上收到通知。"
    )
    town.one("owner", "/lang zh-Hant", "g1")
    waiting = town.say("r4", "報名 1", "g1")[0].text
    assert waiting.startswith("r4，#1 门岗值守") and "已滿，您排在候補第 2 位。" in waiting
    town.one("owner", "/lang en", "g1")
    town.one("r1b", "/lang en")
    waiting = town.say("r1b", "/signup 1", "g1")[0].text
    assert waiting.startswith("r1b, #1 门岗值守") and "is full; you are number 3 on" in waiting
    assert town.one("r1b", "/shifts mine", "g1").text.startswith("r1b, your shifts:\n#1 ")
    town.one("owner", "/lang en")
    mine = town.one("owner", "/shifts mine", "g1")
    assert mine.private and mine.text == (
        "群主, you have not signed up for any shift. Send /shifts to see what is open."
    )


@pytest.mark.parametrize(
    "text",
    [
        "「报名 1」",
        "“报名 1”。",
        "报名「1」",
        "报名 1 谢谢",
        "报名 1，谢谢您了！",
        "报名第1个",
        "报名 第一个",
        "报名 1 号",
    ],
)
def test_a_sign_up_typed_as_elderly_people_type_it_signs_up(town: Driver, text: str) -> None:
    answer = town.say("r2", text, "g1", name="李四")
    assert "李四，您报名成功：#1" in answer[0].text
    assert statuses(town.app, 1) == {"r2": SignUpStatus.SIGNED_UP}


def _roster_statements(app: App) -> int:
    """How many statements reading g1's roster of shift #1's day takes."""
    ran: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        ran.append(statement)

    with app.db.transaction() as session:
        binding = bound_chat(session, PLATFORM, "g1")
        assert binding is not None
        event.listen(app.db.engine, "before_cursor_execute", note)
        try:
            roster_reply(
                session, app.clock.now(), binding.circle, date(2026, 11, 24), app.settings.zone
            )
        finally:
            event.remove(app.db.engine, "before_cursor_execute", note)
    return len(ran)


def test_a_roster_takes_as_many_statements_for_four_people_as_for_one(
    town: Driver, app: App
) -> None:
    town.say("r1", "报名 1", "g1")
    one = _roster_statements(app)
    for user in ("r2", "r3", "r4"):
        town.say(user, "报名 1", "g1")
    assert _roster_statements(app) == one


def test_a_full_shift_waitlists_and_a_withdrawal_tells_the_promoted_privately(
    town: Driver,
) -> None:
    for user in ("r1", "r2", "r3"):
        town.say(user, "报名 1", "g1")
    waiting = town.say("r3", "值班表 1", "g1")[0].text
    assert "候补：r3" in waiting
    gone = town.say("r1", "取消报名 1", "g1")
    assert "已由候补的 r3 补上" in gone[0].text
    assert gone[1].private and gone[1].chat == "r3" and "从候补转为正式报名" in gone[1].text
    assert "2. r3" in gone[2].text and "候补" not in gone[2].text.split("\n")[-2]


def test_a_full_waitlist_is_named_as_such_and_changes_nothing(town: Driver) -> None:
    made = town.one("owner", "排班 讲座 | 2026-11-24 14:00-15:00 | 1人 | 候补1人", "g1")
    assert "已排班 #2 讲座" in made.text
    for user in ("r1", "r2"):
        town.say(user, "报名 2", "g1")
    before = town.snapshot()
    refused = town.one("r3", "报名 2", "g1")
    assert refused.text == "#2 号班次已经满了，候补也满了（1 人）。发送「值班表」看看别的班次。"
    assert town.snapshot() == before
    assert statuses(town.app, 2) == {"r1": SignUpStatus.SIGNED_UP, "r2": SignUpStatus.WAITLISTED}


@pytest.mark.parametrize("text", ["取消 1", "取消：1", "取消 1，谢谢", "取消 第1个"])
def test_cancel_with_a_number_withdraws_as_cancel_signup_does(town: Driver, text: str) -> None:
    for user in ("r1", "r2", "r3"):
        town.say(user, "报名 1", "g1")
    gone = town.say("r1", text, "g1")
    assert "r1 已取消报名：#1" in gone[0].text and "已由候补的 r3 补上" in gone[0].text
    assert gone[1].private and gone[1].chat == "r3"
    assert statuses(town.app, 1) == {
        "r1": SignUpStatus.CANCELLED,
        "r2": SignUpStatus.SIGNED_UP,
        "r3": SignUpStatus.SIGNED_UP,
    }


@pytest.mark.parametrize(
    "text", ["取消", "取消了", "取消 明天的活动", "取消3点的会", "取消 1 楼的"]
)
def test_cancel_without_a_number_alone_stays_chat_in_a_group(town: Driver, text: str) -> None:
    town.say("r1", "报名 1", "g1")
    before = town.snapshot()
    assert town.say("r1", text, "g1") == []
    assert town.snapshot() == before


def test_cancel_with_a_number_answers_an_open_dialog_first(town: Driver) -> None:
    town.say("owner", "报名 1", "g1")
    town.one("owner", "发起投票", "g1")
    asked = town.one("owner", "取消 1", "g1")
    assert "问题：取消 1" in asked.text, asked.text
    assert statuses(town.app, 1) == {"owner": SignUpStatus.SIGNED_UP}
    assert "已取消" in town.one("owner", "取消", "g1").text
    assert statuses(town.app, 1) == {"owner": SignUpStatus.SIGNED_UP}


@pytest.mark.parametrize(
    ("text", "chat"),
    [
        ("我不去了", "g1"),
        ("我去不了了", "g1"),
        ("不去了", "g1"),
        ("我不去了，不好意思。", "g1"),
        ("请假", "g1"),
        ("我请假", "g1"),
        ("去不了", "g1"),
        ("我要请假", None),
        ("取消报名", "g1"),
        ("取消報名", None),
        ("/cancel", "g1"),
    ],
)
def test_not_going_or_cancel_alone_withdraws_the_one_shift_signed_up_for(
    town: Driver, text: str, chat: str | None
) -> None:
    for user in ("r1", "r2", "r3"):
        town.say(user, "报名 1", "g1")
    gone = town.say("r2", text, chat)
    assert "r2 已取消报名：#1" in gone[0].text and "已由候补的 r3 补上" in gone[0].text
    assert statuses(town.app, 1) == {
        "r1": SignUpStatus.SIGNED_UP,
        "r2": SignUpStatus.CANCELLED,
        "r3": SignUpStatus.SIGNED_UP,
    }


def test_not_going_after_the_cutoff_is_refused_and_changes_nothing(town: Driver) -> None:
    town.say("r2", "报名 1", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=town.app.settings.zone))
    before = town.snapshot()
    refused = town.one("r2", "我不去了", "g1")
    assert "取消截止时间（11月24日 周二 06:00）已过" in refused.text, refused.text
    assert town.snapshot() == before


def test_not_going_with_several_shifts_here_lists_them_and_changes_nothing(
    town: Driver,
) -> None:
    town.one("owner", "排班 讲座 | 2026-11-24 14:00-15:00 | 3人", "g1")
    town.say("r2", "报名 1 2", "g1")
    before = town.snapshot()
    listed = town.one("r2", "我不去了", "g1")
    assert not listed.private
    assert "#1 门岗值守" in listed.text and "#2 讲座" in listed.text
    assert "取消报名 1" in listed.text
    assert town.snapshot() == before


def test_not_going_with_several_shifts_marks_those_past_their_cutoff_as_too_late(
    town: Driver,
) -> None:
    town.one("owner", "排班 讲座 | 2026-11-24 14:00-15:00 | 3人", "g1")
    town.say("r2", "报名 1 2", "g1")
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=town.app.settings.zone))
    before = town.snapshot()
    listed = town.one("r2", "我不去了", "g1").text
    lines = listed.splitlines()
    assert lines[1].startswith("#1 门岗值守") and lines[1].endswith("（已过取消截止时间）"), listed
    assert lines[2].startswith("#2 讲座") and "截止" not in lines[2], listed
    assert "比如「取消报名 2」" in listed and "请联系管理员" in listed, listed
    assert town.snapshot() == before


@pytest.mark.parametrize("text", ["我不去了", "我不去了，你们去吧", "不去了吗"])
def test_not_going_without_a_sign_up_here_is_chat(town: Driver, text: str) -> None:
    before = town.snapshot()
    assert town.say("r2", text, "g1") == []
    assert town.snapshot() == before


def test_not_going_with_more_words_after_it_is_chat_and_keeps_the_sign_up(
    town: Driver,
) -> None:
    town.say("r2", "报名 1", "g1")
    assert town.say("r2", "我不去了，你们去吧", "g1") == []
    assert statuses(town.app, 1) == {"r2": SignUpStatus.SIGNED_UP}


def test_not_going_in_a_private_chat_withdraws_from_my_one_shift_or_says_there_is_none(
    town: Driver,
) -> None:
    empty = town.one("r2", "我不去了")
    assert empty.private and "您还没有报名值班" in empty.text
    town.say("r2", "报名 1", "g1")
    gone = town.say("r2", "我不去了")
    assert "r2 已取消报名：#1" in gone[0].text
    assert statuses(town.app, 1) == {"r2": SignUpStatus.CANCELLED}


def test_cancel_alone_with_several_shifts_names_them_and_changes_nothing(town: Driver) -> None:
    town.one("owner", "排班 讲座 | 2026-11-24 14:00-15:00 | 3人", "g1")
    town.say("r2", "报名 1 2", "g1")
    before = town.snapshot()
    listed = town.one("r2", "取消报名", "g1")
    assert "#1 门岗值守" in listed.text and "#2 讲座" in listed.text
    assert "取消报名 1" in listed.text and "取消报名 12" not in listed.text
    assert town.snapshot() == before


@pytest.mark.parametrize(
    ("chat", "said"),
    [("g1", "您在本群没有可以取消的值班报名。"), (None, "您没有可以取消的值班报名。")],
)
def test_cancel_alone_without_a_sign_up_says_there_is_none(
    town: Driver, chat: str | None, said: str
) -> None:
    town.say("r2", "/start")
    before = town.snapshot()
    assert town.one("r2", "取消报名", chat).text == said
    assert town.snapshot() == before


def test_my_shifts_are_answered_privately(town: Driver) -> None:
    town.say("r2", "报名 1", "g1")
    mine = town.one("r2", "值班表 我的", "g1")
    assert mine.private and "#1 门岗值守" in mine.text


def test_signing_up_from_a_private_chat_uses_my_home_community(town: Driver) -> None:
    answer = town.say("r2", "/signup 1")
    assert "报名成功" in answer[0].text and answer[0].private
    assert any(s.chat == "g1" and "值班接龙" in s.text for s in answer)


def test_traditional_and_english_forms_work(town: Driver) -> None:
    town.one("r2", "/lang en")
    assert "r2, you are signed up: #1" in town.say("r2", "/signup 1")[0].text
    town.one("owner", "/lang zh-Hant", "g1")
    signed = town.say("r3", "報名 1", "g1")
    assert "r3，您報名成功" in signed[0].text and "【值班接龍】11月24日 週二" in signed[1].text
    assert "r2, your shifts" in town.one("r2", "/shifts mine").text


@pytest.mark.parametrize(
    ("language", "cutoffs", "withdraw"),
    [
        (
            "zh-Hans",
            "报名截止：11月24日 周二 08:00；取消截止：11月24日 周二 06:00",
            "在 11月24日 周二 06:00 前",
        ),
        (
            "zh-Hant",
            "報名截止：11月24日 週二 08:00；取消截止：11月24日 週二 06:00",
            "在 11月24日 週二 06:00 前",
        ),
        (
            "en",
            "Sign-up closes Tue 24 Nov 08:00; withdrawing closes Tue 24 Nov 06:00.",
            'send "/cancel 1" before Tue 24 Nov 06:00.',
        ),
    ],
)
def test_a_shifts_cutoffs_read_as_a_day_and_time_in_each_language(
    town: Driver, language: str, cutoffs: str, withdraw: str
) -> None:
    town.one("r2", f"/lang {language}")
    assert cutoffs in town.one("r2", "/shifts 1").text.splitlines()
    assert withdraw in town.say("r2", "/signup 1")[0].text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 1)
        signed = session.scalars(select(SignUp).where(SignUp.shift_id == shift.id)).all()
        assert [s.resident.display_name for s in signed] == ["r2"]


def test_the_shift_detail_offers_buttons_and_text_style_numbered_lines(app: App) -> None:
    driver = build(app, buttons=False)
    driver.one("owner", SHIFT, "g1")
    detail = driver.one("r2", "值班表 1", "g1")
    assert detail.buttons == []
    assert "1. 报名 —— 回复「报名 1」" in detail.text
    assert "2. 取消报名 —— 回复「取消报名 1」" in detail.text


def test_pressing_the_sign_up_button_signs_up(town: Driver) -> None:
    detail = town.one("r2", "值班表 1", "g1")
    pressed = town.say("r2", detail.tokens["报名"], "g1", event=EventKind.PRESS)
    assert "报名成功" in pressed[0].text


@pytest.mark.parametrize(("chat", "private"), [("g1", False), (None, True)])
def test_sign_up_alone_lists_the_shifts_to_sign_up_for(
    app: App, chat: str | None, private: bool
) -> None:
    driver = build(app)
    nothing = driver.one("r2", "报名", chat)
    assert "暂时没有可报名的值班。" in nothing.text and nothing.private == private
    driver.one("owner", SHIFT, "g1")
    listed = driver.one("r2", "报名", chat)
    assert listed.text == driver.one("r2", "值班表", chat).text
    assert "#1" in listed.text and "报名发送「报名 编号」" in listed.text
    assert "12" not in listed.text


@pytest.mark.parametrize(
    ("user", "text", "answer"),
    [
        ("r2", "报名", "报名发送「报名 编号」"),
        ("r2", "报名 abc", "用法：「报名 12」"),
        ("r2", "报名 99", "没有 #99 号班次"),
        ("r2", "报名 1-50", "一次最多 10 个班次"),
        ("r2", "取消报名 1", "您没有报名 #1 号班次"),
        ("r2", "取消报名 abc", "您报的班次编号见「值班表 我的」"),
        ("r2", "排班 门岗 | 2026-11-24 08:00-10:00 | 2人", None),
        ("owner", "排班 门岗 | 2026-11-24 至 2027-11-23 00:00-24:00 每1小时 | 2人", "最多 500 个"),
        ("owner", "排班 门岗 | 2026-11-24 10:00-08:00 | 2人", "结束时间早于开始时间"),
        ("owner", "排班 门岗 | 2026-11-24 08:00-10:00", "需要几个人"),
        ("owner", "排班 门岗 | 2026-11-24 08:00-10:00 | 好几人", "需要几个人"),
        ("owner", "排班 门岗 | 2026-11-24 08:00-10:00 | 零人 | 2号门", "人数要在 1 到 500 之间"),
        ("owner", "修改班次 1 | 0人", "人数要在 1 到 500 之间"),
        ("owner", "修改班次 1 | -1人", "人数要在 1 到 500 之间"),
        ("owner", "排班 门岗 | 2026-11-24 08:00-10:00 | -2 people", "人数要在 1 到 500 之间"),
        ("owner", "修改班次 1", "用法：「修改班次 12 | 3人」"),
        ("owner", "修改班次 1 明天9-7", "结束时间早于开始时间"),
        ("owner", "修改班次 1 | 今晚", "看不懂时间「今晚」"),
        ("owner", "排班 巡逻，明天，2人，东门", "看不懂时间「明天」"),
        ("owner", "排班 巡逻 明天 9-7 2人", "结束时间早于开始时间"),
        ("owner", "排班 巡逻 明天 25-26 2人", "没有 25:00 这个时间"),
        ("owner", "排班 巡逻 明天 7-9 2 东门", "需要几个人"),
        ("owner", "取消班次 abc", "用法：「取消班次 12」"),
        ("owner", "缺勤 1 1", "#1 的接龙名单上没有第 1 位"),
        ("owner", "确认出勤 1", "#1 号班次还没开始"),
        ("owner", "批准 1", "用法：「批准 12 @张三」"),
        ("r2", "签到", "您还没有报名值班，不用签到"),
        ("r2", "签到 1", "您没有报名 #1 号班次"),
        ("r2", "签退", "您还没有签到"),
        ("r2", "时长 很多", "用法：发送「时长」看您自己的志愿服务时长"),
        ("r2", "值班表 后年", "用法：「值班表」"),
        ("r2", "值班设置 缺勤 3次", "只有社区书记能修改值班规则"),
        ("sec", "值班设置 缺勤 很多次", "看不懂「很多」"),
    ],
)
def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    town: Driver, user: str, text: str, answer: str | None
) -> None:
    before = town.snapshot()
    replies = town.say(user, text, "g1")
    if answer is None:
        assert "只有本圈管理员和社区书记能安排值班" in replies[0].text
    else:
        assert len(replies) == 1 and answer in replies[0].text, replies
    assert town.snapshot() == before


@pytest.mark.parametrize(
    ("written", "places"),
    [("两人", 2), ("三人", 3), ("十个人", 10), ("2人", 2), ("两名", 2), ("名额 十二", 12)],
)
def test_a_capacity_in_chinese_numerals_is_read_as_the_number(
    town: Driver, written: str, places: int
) -> None:
    made = town.one("owner", f"排班 巡逻 | 2026-11-25 18:00-20:00 | {written} | 3号门", "g1")
    assert made.text.startswith("已排班 #2 巡逻 · 3号门\n") and f"，{places}人" in made.text
    with session_of(town.app) as session:
        assert find_shift(session, community(session), 2).capacity == places


def test_an_edit_reads_a_capacity_and_a_waitlist_in_chinese_numerals(town: Driver) -> None:
    edited = town.say("owner", "修改班次 1 | 三人 | 候补 两", "g1")
    assert "已修改班次 #1 的人数、候补" in edited[0].text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 1)
        assert (shift.capacity, shift.waitlist_limit) == (3, 2)


def test_an_edit_written_with_chinese_commas_reads_as_with_bars(town: Driver) -> None:
    town.one("owner", "排班 巡逻 | 2026-11-25 18:00-20:00 | 2人 | 3号门", "g1")
    edited = town.say("owner", "修改班次 1，2，三人，候补 两", "g1")
    assert "已修改班次 #1、#2 的人数、候补" in edited[0].text
    town.say("owner", "修改班次 1 | 4人 | 东门，北门", "g1")
    with session_of(town.app) as session:
        shifts = [find_shift(session, community(session), number) for number in (1, 2)]
        assert [(s.capacity, s.waitlist_limit) for s in shifts] == [(4, 2), (3, 2)]
        assert shifts[0].place == "东门，北门"


def test_an_edit_parted_by_spaces_tells_its_changes_by_their_shapes(town: Driver) -> None:
    town.one("owner", "排班 巡逻 | 2026-11-25 18:00-20:00 | 2人 | 3号门", "g1")
    edited = town.say("owner", "修改班次 1 2 3人 东门 小广场 候补 两", "g1")
    assert "已修改班次 #1、#2 的人数、地点、候补" in edited[0].text
    town.say("owner", "修改班次 1 9:00 - 11:00 四人", "g1")
    with session_of(town.app) as session:
        shifts = [find_shift(session, community(session), number) for number in (1, 2)]
        assert [(s.capacity, s.place, s.waitlist_limit) for s in shifts] == [
            (4, "东门 小广场", 2),
            (3, "东门 小广场", 2),
        ]
        assert shifts[0].starts_at.astimezone(town.app.settings.zone).hour == 9
    assert "用法：「修改班次 12 | 3人」" in town.one("owner", "修改班次 1 东门 3人 北门", "g1").text


def test_a_shift_and_an_edit_in_bare_hours_read_them_as_with_dian(town: Driver) -> None:
    made = town.one("owner", "排班 巡逻 明天7到9 2人 东门", "g1")
    assert made.text.startswith("已排班 #2 巡逻 · 东门\n") and "07:00–09:00" in made.text
    edited = town.say("owner", "修改班次 1 明天7到9", "g1")
    assert "已修改班次 #1 的时间" in edited[0].text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 1)
        assert shift.starts_at.astimezone(town.app.settings.zone).hour == 7


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("排班 巡逻 明天 7-9 2人", "07:00–09:00"),
        ("排班 巡逻 明天 7-9点 2人", "07:00–09:00"),
        ("排班 巡逻 明天 19-21 2人 3-2-201", "19:00–21:00"),
        ("排班 巡逻 明天晚上7-9点 2人", "19:00–21:00"),
        ("排班 巡逻 明天 7-9 2", "07:00–09:00"),
    ],
)
def test_a_shift_in_hours_joined_by_a_dash_reads_them_as_its_window(
    town: Driver, text: str, window: str
) -> None:
    made = town.one("owner", text, "g1")
    assert made.text.startswith("已排班 #2 巡逻") and window in made.text, made.text
    assert "，2人" in made.text


def test_an_english_shift_in_hours_joined_by_a_dash_reads_them_as_its_window(
    town: Driver,
) -> None:
    town.one("owner", "/lang en", "g1")
    made = town.one("owner", "/shift Patrol tomorrow 7-9 2 people", "g1")
    assert "Shift created" in made.text and "07:00–09:00" in made.text, made.text
    evening = town.one("owner", "/shift Patrol tomorrow 7-9pm 2", "g1")
    assert "Shift created" in evening.text and "19:00–21:00" in evening.text, evening.text


def test_an_edit_in_hours_joined_by_a_dash_reads_them_as_its_window(town: Driver) -> None:
    edited = town.say("owner", "修改班次 1 明天 19-21", "g1")
    assert "已修改班次 #1 的时间" in edited[0].text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 1)
        assert shift.starts_at.astimezone(town.app.settings.zone).hour == 19


def test_an_edit_reads_a_window_run_into_the_place_apart_from_it(town: Driver) -> None:
    edited = town.say("owner", "修改班次 1 明天7到9东门", "g1")
    assert "已修改班次 #1 的时间、地点" in edited[0].text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 1)
        assert shift.place == "东门"
        assert shift.starts_at.astimezone(town.app.settings.zone).hour == 7


def test_an_edit_reads_a_place_run_into_the_window_after_it_apart_from_it(town: Driver) -> None:
    edited = town.say("owner", "修改班次 1 东门明天7到9", "g1")
    assert "已修改班次 #1 的时间、地点" in edited[0].text
    with session_of(town.app) as session:
        shift = find_shift(session, community(session), 1)
        assert shift.place == "东门"
        assert shift.starts_at.astimezone(town.app.settings.zone).hour == 7


def test_a_days_roster_left_empty_by_a_move_says_so_and_not_that_it_is_cancelled(
    town: Driver,
) -> None:
    town.say("r2", "报名 1", "g1")
    moved = town.say("owner", "修改班次 1 | 2026-11-25 08:00-10:00", "g1")
    roster = moved[-1].text
    assert roster.startswith("【值班接龙】11月24日 周二")
    assert "已全部取消" not in roster and "改到别的日子" in roster


def test_a_change_tells_those_waiting_that_they_wait_and_where(town: Driver) -> None:
    for person in ("r1", "r2", "r3", "r4"):
        town.say(person, "报名 1", "g1")
    edited = town.say("owner", "修改班次 1 | 09:00-11:00", "g1")
    told = {m.chat: m.text for m in edited if m.private}
    assert "候补" not in told["r1"] and "候补" not in told["r2"]
    assert "您在候补第 1 位" in told["r3"] and "您在候补第 2 位" in told["r4"]


def test_one_moved_up_by_more_places_is_not_told_that_someone_withdrew(town: Driver) -> None:
    for person in ("r1", "r2", "r3"):
        town.say(person, "报名 1", "g1")
    edited = town.say("owner", "修改班次 1 3人", "g1")
    told = next(m.text for m in edited if m.chat == "r3")
    assert "您已从候补转为正式报名" in told and "有人取消" not in told


def test_admins_edit_and_cancel_shifts_and_the_volunteers_are_told(town: Driver) -> None:
    town.say("r2", "报名 1", "g1")
    edited = town.say("owner", "修改班次 1 | 09:00-11:00 | 3号门", "g1")
    assert "已修改班次 #1 的时间、地点，已通知 1 位志愿者" in edited[0].text
    assert edited[1].chat == "r2" and "09:00–11:00" in edited[1].text
    assert "#1 门岗值守 · 3号门 09:00–11:00" in edited[2].text
    cancelled = town.say("owner", "取消班次 1", "g1")
    assert "已取消班次 #1，已通知 1 位志愿者" in cancelled[0].text
    assert cancelled[1].chat == "r2" and "已取消，不用来了" in cancelled[1].text
    assert "这一天的值班已全部取消" in cancelled[2].text
    detail = town.one("r2", "值班表 1", "g1")
    assert detail.text.startswith("#1 门岗值守 · 3号门（已取消）\n") and detail.buttons == []


def test_attendance_by_check_in_and_out_then_hours_for_me_and_for_admins(town: Driver) -> None:
    town.say("r2", "报名 1", "g1")
    town.say("r3", "报名 1", "g1")
    advance(town.app, hours=21, minutes=45)
    assert "已签到" in town.say("r2", "签到", "g1")[0].text
    advance(town.app, hours=2, minutes=15)
    assert "记志愿服务时长 2 小时" in town.say("r2", "签退", "g1")[0].text
    confirmed = town.say("owner", "确认出勤 1", "g1")[0].text
    assert "r3 2 小时" in confirmed and "r2" not in confirmed
    again = town.say("owner", "确认出勤 1", "g1")[0].text
    assert "没有需要确认出勤的人" in again and "已确认" not in again
    mine = town.one("r2", "时长", "g1")
    assert mine.private and "共 2 小时" in mine.text and "门岗值守 2 小时" in mine.text
    circle = town.one("owner", "时长", "g1").text
    assert "红旗里社区：志愿服务时长 4 小时，项目 1 个，志愿者 2 人" in circle
    assert "1. r2 2 小时" in circle


def test_an_admin_leaves_their_own_and_their_households_attendance_to_another_admin(
    town: Driver,
) -> None:
    town.say("owner", "排班 门岗值守 | 2026-11-24 11:00-13:00 | 3人", "g1")
    for user in ("r1", "r1b", "r2"):
        town.say(user, "报名 2", "g1")
    town.admins["g1"].add("r1")
    advance(town.app, days=1, hours=3, minutes=30)
    before = town.snapshot()
    for name in ("r1", "r1b"):
        told = town.say("r1", f"确认出勤 2 @{name}", "g1")
        assert [(s.chat, s.text) for s in told if s.private] == [
            ("r1", f"不能给自己或家里人确认出勤（{name}）。请另一位管理员或书记来确认。")
        ]
        assert [s.text for s in told if not s.private] == ["r1，详情已私聊发给您。"]
        assert town.snapshot() == before
    told = town.say("r1", "确认出勤 2", "g1")
    group = [s.text for s in told if s.chat == "g1" and "已确认" in s.text]
    when = "#2 门岗值守（11月24日 周二 11:00–13:00）"
    assert group == [f"已确认 {when}的出勤：\nr2 2 小时\n另有 2 人请另一位管理员或书记确认。"]
    assert [(s.chat, s.text) for s in told if s.private] == [
        ("r1", "不能给自己或家里人确认 #2 的出勤（r1、r1b）。请另一位管理员或书记来确认。")
    ]
    assert _confirmed(town) == {"r2"}
    again = town.say("r1", "确认出勤 2", "g1")[0].text
    assert again == f"{when}还有 2 人的出勤请另一位管理员或书记确认。"
    assert "r1 2 小时\nr1b 2 小时" in town.say("owner", "确认出勤 2", "g1")[0].text
    assert _confirmed(town) == {"r1", "r1b", "r2"}


def _shift_two_started(town: Driver) -> None:
    """Shift #2 of four places, with r1 (an admin), r1b of their household, r2 and r3 on it."""
    town.say("owner", "排班 门岗值守 | 2026-11-24 11:00-13:00 | 4人", "g1")
    for user in ("r1", "r1b", "r2", "r3"):
        town.say(user, "报名 2", "g1")
    town.admins["g1"].add("r1")
    advance(town.app, days=1, hours=3, minutes=30)


def test_an_admin_confirms_several_named_and_hears_why_the_others_were_not(
    town: Driver,
) -> None:
    _shift_two_started(town)
    told = town.say("r1", "确认出勤 2 @r2 r3、r1b，张三 r4", "g1")
    group = [s.text for s in told if s.chat == "g1" and "出勤" in s.text]
    assert group == [
        "已确认 #2 门岗值守（11月24日 周二 11:00–13:00）的出勤：\nr2 2 小时\nr3 2 小时\n"
        "另有 1 人请另一位管理员或书记确认。\n"
        "张三 不在 #2 号班次的名单上。\nr4 不在 #2 号班次的名单上。"
    ]
    assert [(s.chat, s.text) for s in told if s.private] == [
        ("r1", "不能给自己或家里人确认 #2 的出勤（r1b）。请另一位管理员或书记来确认。")
    ]
    assert _confirmed(town) == {"r2", "r3"}
    again = town.say("r1", "确认出勤 2 1 3", "g1")[0].text
    assert again == (
        "#2 门岗值守（11月24日 周二 11:00–13:00）还有 1 人的出勤请另一位管理员或书记确认。\n"
        "r2 在 #2 的出勤已经确认过了。"
    )


def test_several_named_by_mention_or_number_are_each_confirmed(town: Driver) -> None:
    _shift_two_started(town)
    told = town.say("owner", "确认出勤 2 @r2 @r3", "g1", mentions=("r2", "r3"))
    assert "r2 2 小时\nr3 2 小时" in told[0].text
    assert _confirmed(town) == {"r2", "r3"}
    told = town.say("owner", "确认出勤 2 1，2 3", "g1")
    assert told[0].text.endswith("r1 2 小时\nr1b 2 小时\nr2 在 #2 的出勤已经确认过了。")
    assert _confirmed(town) == {"r1", "r1b", "r2", "r3"}


def test_naming_only_people_who_cannot_be_confirmed_changes_nothing(town: Driver) -> None:
    _shift_two_started(town)
    before = town.snapshot()
    told = town.say("r1", "确认出勤 2 张三 r4 张三", "g1")
    assert told[0].text == "张三 不在 #2 号班次的名单上。\nr4 不在 #2 号班次的名单上。"
    assert town.snapshot() == before


def test_a_name_of_several_words_on_the_shift_is_one_person(town: Driver) -> None:
    _shift_two_started(town)
    town.say("r2", "大家好", "g1", name="Mary Lee")
    town.say("r4", "大家好", "g1", name="Mary")
    told = town.say("owner", "确认出勤 2 Mary Lee r3", "g1")
    assert "Mary Lee 2 小时\nr3 2 小时" in told[0].text, told[0].text
    assert _confirmed(town) == {"Mary Lee", "r3"}


@pytest.mark.parametrize("names", ["r1 r1b", "r1、r1b", "r1，r1b"])
def test_words_that_are_no_name_together_are_each_a_person(town: Driver, names: str) -> None:
    _shift_two_started(town)
    town.say("owner", f"确认出勤 2 {names}", "g1")
    assert _confirmed(town) == {"r1", "r1b"}


def test_a_name_that_may_be_one_person_or_two_is_asked_about(town: Driver) -> None:
    _shift_two_started(town)
    town.say("r2", "大家好", "g1", name="Mary Lee")
    town.say("r3", "大家好", "g1", name="Mary")
    town.say("r4", "大家好", "g1", name="Lee")
    before = town.snapshot()
    told = town.say("owner", "确认出勤 2 Mary Lee", "g1")
    asked = "「Mary Lee」可能是一位，也可能是几位。请用 @ 选中每一位再发送。"
    assert [s.text for s in told] == [asked]
    assert town.snapshot() == before
    town.say("owner", "确认出勤 2 Mary、Lee", "g1")
    assert _confirmed(town) == {"Mary"}


def _confirmed(town: Driver) -> set[str]:
    with session_of(town.app) as session:
        rows = session.scalars(select(VolunteerHours)).all()
        return {hours.resident.display_name for hours in rows if hours.resident}


def test_hours_say_in_english_what_they_say_in_chinese(town: Driver) -> None:
    town.one("owner", "/lang en", "g1")
    for user in ("owner", "r2", "r4"):
        town.one(user, "/lang en")
    town.say("r2", "报名 1", "g1")
    town.say("r3", "报名 1", "g1")
    advance(town.app, hours=22, minutes=30)
    town.say("r2", "签到", "g1")
    advance(town.app, hours=1, minutes=30)
    assert "1 hour 30 minutes of volunteer time recorded" in town.say("r2", "签退", "g1")[0].text
    town.say("owner", "确认出勤 1", "g1")
    before = town.snapshot()
    mine = town.one("r2", "/hours", "g1")
    assert mine.private and mine.text == (
        "r2's volunteer service: 1 hour 30 minutes in all (1 hour 30 minutes this month),"
        " 1 shift\n· 门岗值守 1 hour 30 minutes"
    )
    assert town.one("r3", "时长", "g1").text == (
        "r3 的志愿服务时长：共 2 小时（本月 2 小时），值班 1 次\n· 门岗值守 2 小时"
    )
    assert town.one("owner", "/hours", "g1").text == (
        "1号院: 3 hours 30 minutes of volunteer service, 1 project, 2 volunteers\n"
        "红旗里社区: 3 hours 30 minutes of volunteer service, 1 project, 2 volunteers\n"
        "Ranked by hours:\n1. r3 2 hours\n2. r2 1 hour 30 minutes"
    )
    assert town.one("r4", "/hours", "g1").text == (
        "You have no volunteer hours yet. They are recorded when you check in and out of duty; "
        "send /shifts to see the shifts you can sign up for."
    )
    assert town.one("r1", "时长", "g1").text == (
        "您还没有志愿服务时长。值班签到、签退后就会记上，发送「值班表」看看可以报名的班次。"
    )
    assert town.snapshot() == before


def _two_served(town: Driver) -> None:
    """r2 served 1 hour 30 minutes and r3 2 hours on shift #1, in 1号院."""
    town.say("r2", "报名 1", "g1")
    town.say("r3", "报名 1", "g1")
    advance(town.app, hours=22, minutes=30)
    town.say("r2", "签到", "g1")
    advance(town.app, hours=1, minutes=30)
    town.say("r2", "签退", "g1")
    town.say("owner", "确认出勤 1", "g1")


def test_a_secretary_asking_privately_sees_the_communitys_hours_and_mine_her_own(
    town: Driver,
) -> None:
    _two_served(town)
    before = town.snapshot()
    told = town.one("sec", "时长")
    assert told.private and told.text == (
        "红旗里社区：志愿服务时长 3 小时 30 分，项目 1 个，志愿者 2 人\n"
        "时长排行：\n1. r3 2 小时\n2. r2 1 小时 30 分\n\n"
        "发送「时长 我的」看您自己的志愿服务时长。"
    )
    assert town.one("sec", "时长 我的").text.startswith("您还没有志愿服务时长。")
    assert town.one("sec", "我的时长").text.startswith("您还没有志愿服务时长。")
    assert town.one("sec", "my hours").text.startswith("您还没有志愿服务时长。")
    assert town.one("sec", "时长 全部").text == (
        "用法：「时长」看全社区的志愿服务时长，「时长 我的」看您自己的。"
    )
    assert town.snapshot() == before


def test_a_grid_worker_asking_privately_sees_each_community_she_serves(town: Driver) -> None:
    _two_served(town)
    town.grant("gw", "网格员", "红旗里社区/2号院")
    town.grant("gw", "书记", "幸福社区")
    town.one("gw", "/lang en")
    assert town.one("gw", "/hours").text == (
        "红旗里社区: 3 hours 30 minutes of volunteer service, 1 project, 2 volunteers\n"
        "Ranked by hours:\n1. r3 2 hours\n2. r2 1 hour 30 minutes\n\n"
        "幸福社区: 0 hours of volunteer service, 0 projects, 0 volunteers\n\n"
        'Send "/hours mine" to see your own volunteer hours.'
    )
    town.one("gw", "/lang zh-Hant")
    assert town.one("gw", "時長 全部").text == (
        "用法：「時長」看全社區的志願服務時長，「時長 我的」看您自己的。"
    )
    assert town.one("gw", "時長").text.endswith("傳送「時長 我的」看您自己的志願服務時長。")


def test_residents_and_circle_admins_asking_privately_see_their_own_hours(town: Driver) -> None:
    _two_served(town)
    assert town.one("r2", "时长").text == (
        "r2 的志愿服务时长：共 1 小时 30 分（本月 1 小时 30 分），值班 1 次\n"
        "· 门岗值守 1 小时 30 分"
    )
    assert town.one("owner", "时长").text.startswith("您还没有志愿服务时长。")
    town.grant("bh", "楼长", "1号院/3号楼")
    assert town.one("bh", "时长").text.startswith("您还没有志愿服务时长。")


def test_a_secretary_in_a_group_sees_what_its_admins_see(town: Driver) -> None:
    _two_served(town)
    circle = town.one("owner", "时长", "g1").text
    assert circle.startswith(
        "1号院：志愿服务时长 3 小时 30 分，项目 1 个，志愿者 2 人\n红旗里社区："
    )
    assert town.one("sec", "时长", "g1").text == circle
    assert town.one("sec", "时长 全部", "g1").text == (
        "用法：「时长」看本圈和全社区的志愿服务时长，「时长 我的」看您自己的。"
    )
    for words in ("时长 我的", "我的时长"):
        mine = town.one("sec", words, "g1")
        assert mine.private and mine.text.startswith("您还没有志愿服务时长。")
    assert town.one("r2", "时长", "g1").private


def test_hours_with_words_it_does_not_know_explain_the_forms_the_sender_may_use(
    town: Driver,
) -> None:
    town.one("r3", "/lang zh-Hant")
    town.one("r4", "/lang en")
    before = town.snapshot()
    assert town.one("owner", "时长 全部", "g1").text == (
        "用法：「时长」看本圈和全社区的志愿服务时长，「时长 我的」看您自己的。"
    )
    assert town.one("r2", "时长 全部", "g1").text == "用法：发送「时长」看您自己的志愿服务时长。"
    assert town.one("r3", "時長 全部").text == "用法：傳送「時長」看您自己的志願服務時長。"
    assert town.one("r4", "/hours all").text == (
        'Usage: send "/hours" to see your own volunteer hours.'
    )
    assert town.snapshot() == before
    # In a private chat an admin's 时长 is their own.
    assert town.one("owner", "时长 全部").text == "用法：发送「时长」看您自己的志愿服务时长。"
    town.one("owner", "/lang zh-Hant", "g1")
    assert town.one("owner", "時長 全部", "g1").text == (
        "用法：「時長」看本圈和全社區的志願服務時長，「時長 我的」看您自己的。"
    )
    town.one("owner", "/lang en", "g1")
    assert town.one("owner", "/hours all", "g1").text == (
        'Usage: "/hours" shows the volunteer hours of this circle and the whole community, '
        '"/hours mine" your own.'
    )


def test_an_admin_marks_a_no_show_by_the_number_on_the_list(town: Driver) -> None:
    town.say("r2", "报名 1", "g1")
    advance(town.app, hours=23)
    marked = town.say("owner", "缺勤 1 1", "g1")
    assert "已记录 r2 在 #1 门岗值守 · 2号门" in marked[0].text
    assert "1. r2（缺勤）" in marked[1].text


def test_an_admin_marks_a_no_show_by_a_name_written_in_capitals(town: Driver) -> None:
    town.say("r2", "报名 1", "g1", name="Alice")
    advance(town.app, hours=23)
    marked = town.say("owner", "缺勤 1 @Alice", "g1")
    assert "已记录 Alice 在 #1 门岗值守 · 2号门" in marked[0].text
    assert "1. Alice（缺勤）" in marked[1].text


def test_a_sign_up_after_no_shows_asks_the_admins_who_approve_with_a_button(
    town: Driver,
) -> None:
    town.one("sec", "值班设置 缺勤 1次", "g1")
    town.say("r2", "报名 1", "g1")
    advance(town.app, hours=23)
    town.say("owner", "缺勤 1 1", "g1")
    town.one("owner", "排班 门岗值守 | 2026-11-25 08:00-10:00 | 2人 | 2号门", "g1")
    asked = town.say("r2", "报名 2", "g1")
    assert "等管理员批准" in asked[0].text
    request = next(s for s in asked if s.private and s.chat == "owner")
    assert "近 30 天缺勤 1 次" in request.text
    assert request.buttons == [[("批准", "/approve 2 @r2"), ("不批准", "/decline 2 @r2")]]
    approved = town.say("owner", request.tokens["批准"], event=EventKind.PRESS)
    assert "已批准 r2 报名 #2" in approved[0].text
    assert approved[1].chat == "r2" and "管理员批准了您报名 #2" in approved[1].text


def test_a_held_sign_up_keeps_the_absences_out_of_the_group(town: Driver) -> None:
    town.one("sec", "值班设置 缺勤 1次", "g1")
    town.say("r2", "报名 1", "g1")
    advance(town.app, hours=23)
    town.say("owner", "缺勤 1 1", "g1")
    town.one("owner", "排班 门岗值守 | 2026-11-25 08:00-10:00 | 2人 | 2号门", "g1")
    town.one("owner", "排班 门岗值守 | 2026-11-26 08:00-10:00 | 2人 | 2号门", "g1")
    asked = town.say("r2", "报名 2", "g1")
    group = [s.text for s in asked if s.chat == "g1"]
    shift = "#2 门岗值守 · 2号门（11月25日 周三 08:00–10:00）"
    assert group[0] == f"r2，您报名了 {shift}，等管理员批准，批准后会通知您。"
    assert all("缺勤" not in text for text in group)
    mine = [s.text for s in asked if s.chat == "r2"]
    assert len(mine) == 1 and "因近 30 天缺勤 1 次，需要管理员批准" in mine[0]
    assert "近 30 天缺勤 1 次" in next(s.text for s in asked if s.chat == "owner")
    # Privately, the one answer gives the reason, as before.
    alone = town.say("r2", "报名 3")
    assert alone[0].chat == "r2" and "因近 30 天缺勤 1 次，需要管理员批准" in alone[0].text


def test_a_secretary_reads_and_changes_the_duty_rules(town: Driver) -> None:
    shown = town.one("r2", "值班设置", "g1").text
    assert "前一天提醒：19:00" in shown and "缺勤审批：不启用" in shown
    changed = town.one("sec", "值班设置 前一天 20:00 | 提前 30分钟 | 取消截止 3小时", "g1").text
    assert "已更新" in changed and "前一天提醒：20:00" in changed
    assert "提前 30 分钟" in changed and "开始前 180 分钟" in changed


def test_duty_rules_written_with_chinese_commas_read_as_with_bars(town: Driver) -> None:
    changed = town.one("sec", "值班设置 前一天 20:00，提前 30分钟，缺勤 3次", "g1").text
    assert "前一天提醒：20:00" in changed and "提前 30 分钟" in changed
    # With bars a comma stays within its item, as before.
    barred = town.one("sec", "值班设置 前一天 21:00，提前 1小时 | 缺勤 2次", "g1").text
    assert barred.startswith("看不懂「21:00,提前 1小时」")
    spaced = town.one("sec", "值班设置 前一天 19:30 提前 1小时 缺勤 2次", "g1").text
    assert "前一天提醒：19:30" in spaced and "提前 60 分钟" in spaced, spaced


def test_only_who_may_change_the_duty_rules_is_told_how(town: Driver) -> None:
    assert "修改" not in town.one("r2", "值班设置", "g1").text
    assert "您可以修改，例如「值班设置" in town.one("sec", "值班设置", "g1").text


@pytest.mark.parametrize("language", ["en", "zh-Hant"])
def test_every_duty_message_reads_in_each_language(town: Driver, language: str) -> None:
    town.one("owner", f"/lang {language}", "g1")
    for user in ("owner", "r1", "r2", "r3", "r4", "sec"):
        town.one(user, f"/lang {language}")
    recorder = Recorder(town.app.renderer)
    town.one("owner", "/shift 巡逻 | 2026-11-24 20:00-次日02:00 每3小时 | 1人 | 仅党员", "g1")
    town.grant("r4", "党员", "红旗里社区")
    for user, text in [
        ("r2", "/signup 1"),
        ("r3", "/signup 1"),
        ("r1", "/signup 1"),
        ("r4", "/signup 2 3"),
        ("r2", "/cancel 1"),
        ("r2", "/shifts"),
        ("r2", "/shifts 1"),
        ("r2", "/shifts mine"),
        ("r2", "/signup 2"),
        ("sec", "/dutyrules"),
        ("owner", "/editshift 1 | 3 people"),
    ]:
        assert town.say(user, text, "g1"), text
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    for _, envelopes in town.app.scheduler.run_until(
        clock.now(),
        clock.now() + timedelta(days=2),
        clock.set,
    ):
        for envelope in envelopes:
            town.app.renderer.render(
                envelope.reply, envelope.language, html_mode=True, buttons=True
            )
    town.say("r3", "/checkin", "g1")
    town.say("owner", "/hours", "g1")
    assert {used for _, _, used in recorder.seen} == {language}
    assert {key for key, _, _ in recorder.seen} >= DUTY_MESSAGES


def test_someone_unregistered_is_told_to_register_before_duty_not_to_sign_up(
    town: Driver,
) -> None:
    town.one("nr1", "/lang zh-Hans")
    town.one("nr2", "/lang zh-Hant")
    town.one("nr3", "/lang en")
    assert town.one("nr1", "时长", "g1").text == (
        "您还没有志愿服务时长。要报名值班，请先登记您家："
        "在小区群里或私聊我发送「登记 楼号-单元-房号」。"
    )
    assert town.one("nr2", "時長", "g1").text == (
        "您還沒有志願服務時長。要報名值班，請先登記您家："
        "在小區群裡或私聊我傳送「登記 樓號-單元-房號」。"
    )
    assert town.one("nr3", "/hours", "g1").text == (
        "You have no volunteer hours yet. To sign up for duty, please register your household "
        'first: send "/join building-unit-room" in your estate\'s group or to me here.'
    )


@pytest.mark.parametrize(
    ("language", "example"),
    [
        ("zh-Hans", r"「(排班 [^」]+)」"),
        ("zh-Hant", r"「(排班 [^」]+)」"),
        ("en", r'"(/shift [^"]+)"'),
    ],
)
def test_the_shift_usage_examples_can_be_copied_on_any_day(
    app: App, language: str, example: str
) -> None:
    driver = build(app)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=app.settings.zone))
    driver.one("owner", f"/lang {language}", "g1")
    usage = driver.one("owner", "/shift |", "g1").text
    examples = re.findall(example, usage)
    assert len(examples) == 2, usage
    counted = select(func.count()).select_from(Shift)
    for at, typed in enumerate(examples):
        with session_of(app) as session:
            before = session.scalars(counted).one()
        # Another title, or the rota's first shift would repeat the first example's.
        driver.one("owner", typed.replace("|", f"{at} |", 1), "g1")
        with session_of(app) as session:
            assert session.scalars(counted).one() > before, typed
