"""Reading /poll: question, options and trailing settings, in Chinese and English."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import DomainError
from bot.services.deliberation.poll_spec import parse_poll, parse_settings
from models import PollKind

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)


def test_the_documented_example_reads_question_options_and_settings() -> None:
    spec = parse_poll(
        "是否同意在2号门增设充电桩？ | 同意 | 不同意 | 弃权 | 截止 3天 | 匿名 | 每户一票", NOW, ZONE
    )
    assert spec.question == "是否同意在2号门增设充电桩？"
    assert spec.options == ["同意", "不同意", "弃权"]
    assert spec.settings.closes_at == NOW + timedelta(days=3)
    assert spec.settings.anonymous is True and spec.settings.per_household is True


def test_full_width_bars_and_english_settings_work() -> None:
    spec = parse_poll(
        "Gate hours｜6am｜7am｜8am｜choose 2｜hidden｜quorum 40%｜scope 1号院｜deadline 2d",
        NOW,
        ZONE,
    )
    settings = spec.settings
    assert spec.options == ["6am", "7am", "8am"]
    assert settings.kind == PollKind.MULTIPLE and settings.max_choices == 2
    assert settings.hidden and settings.quorum_percent == 40 and settings.scope == "1号院"
    assert settings.closes_at == NOW + timedelta(days=2)


@pytest.mark.parametrize(
    "text", ["周末活动，打扫，聚餐，截止：明天18:00", "周末活动，打扫、聚餐，截止：明天18:00"]
)
def test_without_bars_chinese_commas_part_the_items_and_enumeration_commas_the_options(
    text: str,
) -> None:
    spec = parse_poll(text, NOW, ZONE)
    assert (spec.question, spec.options) == ("周末活动", ["打扫", "聚餐"])
    assert spec.settings.closes_at == datetime(2026, 11, 24, 18, 0, tzinfo=ZONE)


def test_with_bars_commas_stay_within_the_question_and_options() -> None:
    spec = parse_poll("周末活动，选哪个？ | 打扫、整理 | 聚餐，包饺子", NOW, ZONE)
    assert spec.question == "周末活动，选哪个？"
    assert spec.options == ["打扫、整理", "聚餐，包饺子"]


def test_a_rating_needs_no_options_and_a_yes_no_vote_neither() -> None:
    assert parse_poll("满意度测评 | 评分", NOW, ZONE).settings.kind == PollKind.RATING
    assert parse_poll("加装电梯 | 表决 | 议题 3", NOW, ZONE).settings.topic_number == 3


def test_only_trailing_items_are_settings() -> None:
    spec = parse_poll("选哪天 | 匿名 | 周六 | 截止 3天", NOW, ZONE)
    assert spec.options == ["匿名", "周六"] and spec.settings.anonymous is None


def test_an_option_that_only_begins_with_a_settings_word_stays_an_option() -> None:
    assert parse_poll("何时动工 | 暂缓 | 开始施工", NOW, ZONE).options == ["暂缓", "开始施工"]


def test_a_setting_without_a_space_counts_when_its_value_reads() -> None:
    spec = parse_poll("问题 | 甲 | 乙 | 截止3天", NOW, ZONE)
    assert spec.options == ["甲", "乙"] and spec.settings.closes_at == NOW + timedelta(days=3)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("问题 | 甲 | 乙 | 截止 明年", "when.unreadable"),
        ("问题 | 甲 | 乙 | 多选 两个", "deliberation.setting_needs_number"),
        ("问题 | 甲 | 乙 | 法定", "deliberation.setting_needs_value"),
        ("匿名", "deliberation.poll_usage"),
    ],
)
def test_a_recognised_setting_with_a_bad_value_is_refused(text: str, key: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_poll(text, NOW, ZONE)
    assert raised.value.key == key


def test_pollset_accepts_only_settings() -> None:
    settings = parse_settings(["截止 5天", "结束后公布"], NOW, ZONE)
    assert settings.closes_at == NOW + timedelta(days=5) and settings.hidden is True
    with pytest.raises(DomainError) as raised:
        parse_settings(["改个名字"], NOW, ZONE)
    assert raised.value.key == "deliberation.unknown_setting"


@pytest.mark.parametrize(
    "deadline",
    [
        "截至 3天",
        "截止日期 3天",
        "截止 3天后",
        "截止 三天内",
        "closes in 3 days",
        "ends 3d",
        "by 3 days",
    ],
)
def test_a_deadline_in_everyday_words_is_a_deadline_not_an_option(deadline: str) -> None:
    spec = parse_poll(f"装充电桩吗 | 同意 | 反对 | {deadline}", NOW, ZONE)
    assert spec.options == ["同意", "反对"]
    assert spec.settings.closes_at == NOW + timedelta(days=3)


@pytest.mark.parametrize(
    ("deadline", "closes"),
    [
        ("deadline tomorrow at 6pm", datetime(2026, 11, 24, 18, 0, tzinfo=ZONE)),
        ("by friday at 7pm", datetime(2026, 11, 27, 19, 0, tzinfo=ZONE)),
        ("closes at 6pm", datetime(2026, 11, 23, 18, 0, tzinfo=ZONE)),
    ],
)
def test_an_english_deadline_may_say_at_before_its_time(deadline: str, closes: datetime) -> None:
    spec = parse_poll(f"Charging point? | yes | no | {deadline}", NOW, ZONE)
    assert spec.options == ["yes", "no"] and spec.settings.closes_at == closes


def test_an_option_beginning_with_an_english_deadline_word_stays_an_option() -> None:
    assert parse_poll("How to go | by bus | by car", NOW, ZONE).options == ["by bus", "by car"]


@pytest.mark.parametrize(
    "text",
    [
        "要不要在院里装健身器材？同意，不同意，截止 周五晚上8点",
        "要不要在院里装健身器材? 同意，不同意，截止 周五晚上8点",
        "要不要在院里装健身器材？，同意、不同意，截止 周五晚上8点",
    ],
)
def test_without_bars_the_question_ends_at_its_first_question_mark(text: str) -> None:
    spec = parse_poll(text, NOW, ZONE)
    assert spec.question.startswith("要不要在院里装健身器材")
    assert spec.question[-1] in "？?"
    assert spec.options == ["同意", "不同意"]
    assert spec.settings.closes_at == datetime(2026, 11, 27, 20, 0, tzinfo=ZONE)


def test_without_bars_a_question_with_commas_before_its_mark_keeps_them() -> None:
    spec = parse_poll("周末活动，选哪个？打扫，聚餐", NOW, ZONE)
    assert (spec.question, spec.options) == ("周末活动，选哪个？", ["打扫", "聚餐"])


def test_without_bars_a_question_mark_ending_the_text_parts_nothing() -> None:
    spec = parse_poll("周末活动，打扫、聚餐，还是别的？", NOW, ZONE)
    assert (spec.question, spec.options) == ("周末活动", ["打扫", "聚餐", "还是别的？"])


@pytest.mark.parametrize(
    ("text", "closes"),
    [
        (
            "要不要装健身器材？ 同意/不同意 截止 周五晚上8点",
            datetime(2026, 11, 27, 20, 0, tzinfo=ZONE),
        ),
        ("要不要装健身器材？同意 不同意 截止 3天 匿名", NOW + timedelta(days=3)),
        ("要不要装健身器材？同意、不同意", None),
    ],
)
def test_after_a_question_mark_without_commas_spaces_and_slashes_part_the_options(
    text: str, closes: datetime | None
) -> None:
    spec = parse_poll(text, NOW, ZONE)
    assert (spec.question, spec.options) == ("要不要装健身器材？", ["同意", "不同意"])
    assert spec.settings.closes_at == closes


def test_after_a_question_mark_an_option_beginning_with_a_settings_word_stays_one() -> None:
    spec = parse_poll("何时动工？暂缓 开始施工 多选 2", NOW, ZONE)
    assert spec.options == ["暂缓", "开始施工"] and spec.settings.max_choices == 2


def test_after_a_question_mark_a_bad_setting_is_refused() -> None:
    with pytest.raises(DomainError) as raised:
        parse_poll("要不要装？同意 不同意 截止 明年", NOW, ZONE)
    assert raised.value.key == "when.unreadable"


def test_with_bars_a_slash_stays_inside_an_option() -> None:
    assert parse_poll("要不要装？ | 同意/不同意 | 弃权", NOW, ZONE).options == [
        "同意/不同意",
        "弃权",
    ]


def test_after_a_question_mark_english_commas_part_the_items_but_not_a_number() -> None:
    spec = parse_poll("Paint the gate? yes, no, closes friday 7pm", NOW, ZONE)
    assert (spec.question, spec.options) == ("Paint the gate?", ["yes", "no"])
    assert spec.settings.closes_at == datetime(2026, 11, 27, 19, 0, tzinfo=ZONE)
    assert parse_poll("预算多少？1,000元，2,000元", NOW, ZONE).options == ["1,000元", "2,000元"]


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("Paint the gate? yes, no 匿名", ["yes", "no"]),
        ("要不要装？同意，不同意 匿名", ["同意", "不同意"]),
        ("要不要装？同意，不同意 匿名，每户一票", ["同意", "不同意"]),
        ("周末活动，打扫、聚餐 anonymous", ["打扫", "聚餐"]),
    ],
)
def test_a_setting_after_the_last_option_without_a_comma_is_a_setting(
    text: str, options: list[str]
) -> None:
    spec = parse_poll(text, NOW, ZONE)
    assert spec.options == options and spec.settings.anonymous is True


@pytest.mark.parametrize(
    "text",
    [
        "要不要修花坛？同意，不同意，截止3天 匿名",
        "要不要修花坛？同意，不同意，截止３天 匿名",
        "要不要修花坛？同意，不同意，匿名 截止 3天",
        "要不要修花坛？同意，不同意，截止 3天 匿名",
        "要不要修花坛？同意，不同意，匿名 每人一票 截止3天",
        "修花坛，同意，不同意，截止3天 匿名",
        "要不要修花坛？ | 同意 | 不同意 | 截止3天 匿名",
    ],
)
def test_a_last_item_of_settings_parted_by_spaces_is_no_option(text: str) -> None:
    spec = parse_poll(text, NOW, ZONE)
    assert spec.options == ["同意", "不同意"]
    assert spec.settings.anonymous is True and spec.settings.closes_at == NOW + timedelta(days=3)


@pytest.mark.parametrize(
    "text",
    [
        "要不要装？ | 同意 | 不同意 | 匿名 | 截止 明天 | 实名 | 截止 3天",
        "要不要装？同意，不同意，匿名，截止 明天，实名，截止 3天",
        "要不要装？同意，不同意 匿名 实名，截止 明天，截止 3天",
        "要不要装？ 同意 不同意 匿名 截止 明天 实名 截止 3天",
    ],
)
def test_of_two_settings_that_contradict_the_last_typed_counts(text: str) -> None:
    settings = parse_poll(text, NOW, ZONE).settings
    assert settings.anonymous is False and settings.closes_at == NOW + timedelta(days=3)
