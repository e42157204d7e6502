"""Reading times as people type them, always in the community's time zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import LANGUAGES
from bot.errors import DomainError
from bot.rendering import Renderer, to_plain
from bot.routing import Router
from bot.services.common.when import moment_data, parse_duration, parse_when
from handlers.registry import COMMANDS

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def _local(text: str, **kw: object) -> str:
    found = parse_when(text, NOW, SHANGHAI, **kw)  # type: ignore[arg-type]
    assert found.utcoffset() == timedelta(0)
    return found.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3天", "2026-11-26 10:00"),
        ("2小时", "2026-11-23 12:00"),
        ("2小時", "2026-11-23 12:00"),
        ("30分钟", "2026-11-23 10:30"),
        ("30分鐘", "2026-11-23 10:30"),
        ("3d", "2026-11-26 10:00"),
        ("2h", "2026-11-23 12:00"),
        ("30m", "2026-11-23 10:30"),
        ("1天2小时", "2026-11-24 12:00"),
        ("2h30m", "2026-11-23 12:30"),
        ("3 days", "2026-11-26 10:00"),
        ("1周", "2026-11-30 10:00"),
        ("２天", "2026-11-25 10:00"),
        ("明天 18:00", "2026-11-24 18:00"),
        ("明天18:00", "2026-11-24 18:00"),
        ("明天下午6点", "2026-11-24 18:00"),
        ("后天 9点半", "2026-11-25 09:30"),
        ("今天 晚上8点30分", "2026-11-23 20:30"),
        ("tomorrow 6pm", "2026-11-24 18:00"),
        ("2026-12-01 18:00", "2026-12-01 18:00"),
        ("2026-12-01T18:00", "2026-12-01 18:00"),
        ("2026/12/01 18:00", "2026-12-01 18:00"),
        ("2026年12月1日18点", "2026-12-01 18:00"),
        ("12月1日 18:00", "2026-12-01 18:00"),
        ("12月1号 18:00", "2026-12-01 18:00"),
        ("12-01 18:00", "2026-12-01 18:00"),
        ("１２月１日　１８：００", "2026-12-01 18:00"),
        ("18:00", "2026-11-23 18:00"),
        ("中午12点", "2026-11-23 12:00"),
        ("12月1日18:00前", "2026-12-01 18:00"),
        ("三天", "2026-11-26 10:00"),
        ("两小时三十分钟", "2026-11-23 12:30"),
        ("一个星期", "2026-11-30 10:00"),
        ("明天下午六点", "2026-11-24 18:00"),
        ("后天 九点半", "2026-11-25 09:30"),
        ("十二月一日 十八点", "2026-12-01 18:00"),
        ("十二月一号", "2026-12-01 23:59"),
        ("明晚七点", "2026-11-24 19:00"),
        ("今晚八点半", "2026-11-23 20:30"),
        ("明早七点", "2026-11-24 07:00"),
        ("下午三点", "2026-11-23 15:00"),
        ("周五晚上七点", "2026-11-27 19:00"),
        ("十点", "2026-11-24 10:00"),
        ("十一点", "2026-11-23 11:00"),
        ("十二点", "2026-11-23 12:00"),
        ("下午两点", "2026-11-23 14:00"),
        ("明天八点二十", "2026-11-24 08:20"),
        ("明天八点零五", "2026-11-24 08:05"),
        ("明天九时十五分", "2026-11-24 09:15"),
        ("周五", "2026-11-27 23:59"),
        ("周五18:00", "2026-11-27 18:00"),
        ("星期五 下午6点", "2026-11-27 18:00"),
        ("礼拜天", "2026-11-29 23:59"),
        ("週六 9點", "2026-11-28 09:00"),
        ("周一 18:00", "2026-11-23 18:00"),
        ("周一 9:00", "2026-11-30 09:00"),
        ("下周一 18:00", "2026-11-30 18:00"),
        ("下星期三", "2026-12-02 23:59"),
        ("这周日", "2026-11-29 23:59"),
        ("本周一 8:00", "2026-11-23 08:00"),
        ("昨天 18:00", "2026-11-22 18:00"),
        ("前天", "2026-11-21 23:59"),
    ],
)
def test_every_documented_form_reads_in_the_communitys_time_zone(text: str, expected: str) -> None:
    assert _local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Friday 18:00", "2026-11-27 18:00"),
        ("fri 6pm", "2026-11-27 18:00"),
        ("Sunday", "2026-11-29 23:59"),
        ("monday 9am", "2026-11-30 09:00"),
        ("Monday 6 pm", "2026-11-23 18:00"),
        ("next Monday 18:00", "2026-11-30 18:00"),
        ("this Sunday", "2026-11-29 23:59"),
        ("Wed", "2026-11-25 23:59"),
        ("today 8pm", "2026-11-23 20:00"),
        ("Tomorrow 9:30am", "2026-11-24 09:30"),
        ("Dec 12 09:00", "2026-12-12 09:00"),
        ("12 Dec 9am", "2026-12-12 09:00"),
        ("December 1st", "2026-12-01 23:59"),
        ("Jan 5 9:00", "2027-01-05 09:00"),
        ("12pm", "2026-11-23 12:00"),
        ("tomorrow at 6pm", "2026-11-24 18:00"),
        ("friday at 7pm", "2026-11-27 19:00"),
        ("today at 3:30pm", "2026-11-23 15:30"),
        ("tomorrow at noon", "2026-11-24 12:00"),
        ("at 6pm", "2026-11-23 18:00"),
    ],
)
def test_english_weekdays_months_and_am_pm_are_read(text: str, expected: str) -> None:
    assert _local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今晚23点", "2026-11-23 23:00"),
        ("今晚8点", "2026-11-23 20:00"),
        ("今晚8点半", "2026-11-23 20:30"),
        ("今晚十一点", "2026-11-23 23:00"),
        ("明晚8点", "2026-11-24 20:00"),
        ("明晚八点半", "2026-11-24 20:30"),
        ("明晚上8点", "2026-11-24 20:00"),
        ("明天晚8点", "2026-11-24 20:00"),
        ("后天中午", "2026-11-25 12:00"),
        ("明天中午12点", "2026-11-24 12:00"),
        ("明天中午1点", "2026-11-24 13:00"),
        ("明天中午11点半", "2026-11-24 11:30"),
        ("明早7点", "2026-11-24 07:00"),
        ("明晨6点半", "2026-11-24 06:30"),
        ("明天上午9点", "2026-11-24 09:00"),
        ("明天凌晨12点", "2026-11-24 00:00"),
        ("今天下午3点", "2026-11-23 15:00"),
        ("周五晚上7点", "2026-11-27 19:00"),
        ("周五晚7点", "2026-11-27 19:00"),
        ("明天傍晚6点", "2026-11-24 18:00"),
        ("明天晚上20:00", "2026-11-24 20:00"),
        ("中午", "2026-11-23 12:00"),
        ("tonight 11pm", "2026-11-23 23:00"),
        ("Tonight 8:30 pm", "2026-11-23 20:30"),
        ("tomorrow noon", "2026-11-24 12:00"),
        ("tomorrow 8pm", "2026-11-24 20:00"),
        ("friday 7pm", "2026-11-27 19:00"),
        ("tomorrow 7:30am", "2026-11-24 07:30"),
        ("tomorrow evening 7pm", "2026-11-24 19:00"),
    ],
)
def test_a_part_of_the_day_reads_the_hour_in_it(text: str, expected: str) -> None:
    assert _local(text) == expected


def test_a_part_of_the_day_already_gone_is_returned_for_the_caller_to_refuse() -> None:
    assert _local("今早8点") == "2026-11-23 08:00"
    assert parse_when("今晚8点", NOW.replace(hour=21), SHANGHAI) < NOW.replace(hour=21)


@pytest.mark.parametrize(
    "text",
    [
        "晚上12点",
        "今晚12点",
        "今晚3点",
        "明晚1点",
        "夜里2点",
        "晚上15点",
        "晚上一点",
        "今晚十二点",
        "下午十二点",
        "明晚",
        "下午12点",
        "下午0点",
        "傍晚13点",
        "中午5点",
        "早上12点",
        "上午13点",
        "今晚",
        "明天下午",
        "tonight",
        "tonight 3am",
        "tomorrow midnight",
    ],
)
def test_an_hour_the_part_of_the_day_leaves_unclear_is_not_read(text: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_when(text, NOW, SHANGHAI)
    assert raised.value.key == "when.unreadable"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_times_an_unreadable_time_suggests_read_as_times_to_come_in_any_year(
    language: str,
) -> None:
    text = to_plain(Renderer(Router(COMMANDS)).markup("when.unreadable", {"text": "x"}, language))
    said = re.split(r"[：:]\s*", text, maxsplit=1)[1].rstrip("。.")
    examples = re.split(r"、|, | or ", said)
    assert 3 <= len(examples) <= 4, examples
    for now in (NOW, NOW.replace(year=NOW.year + 1)):
        assert all(parse_when(example, now, SHANGHAI) > now for example in examples), examples


def test_a_time_that_has_passed_today_means_tomorrow() -> None:
    assert _local("8:00") == "2026-11-24 08:00"


def test_a_month_and_day_that_have_passed_mean_next_year() -> None:
    assert _local("1月5日 9:00") == "2027-01-05 09:00"
    assert _local("11月1日") == "2027-11-01 23:59"


def test_a_date_alone_is_the_end_of_that_day_or_its_start_when_asked() -> None:
    assert _local("2026-12-01") == "2026-12-01 23:59"
    assert _local("明天") == "2026-11-24 23:59"
    assert _local("12月1日", date_only="start") == "2026-12-01 00:00"


def test_the_result_is_utc_and_follows_the_given_zone() -> None:
    london = ZoneInfo("Europe/London")
    found = parse_when("2026-12-01 18:00", NOW, london)
    assert found == datetime(2026, 12, 1, 18, 0, tzinfo=london)
    assert found.tzinfo is not None and found.utcoffset() == timedelta(0)


def test_a_past_absolute_time_is_returned_for_the_caller_to_refuse() -> None:
    assert parse_when("2020-01-01 10:00", NOW, SHANGHAI) < NOW


@pytest.mark.parametrize(
    "text",
    [
        "",
        "明年",
        "25:00",
        "13月1日",
        "2026-02-30 10:00",
        "18",
        "abc",
        "0天",
        "下午13点",
        "3日",
        "十八",
        "一下",
        "Fridays",
        "Dec 32",
        "may",
    ],
)
def test_unreadable_times_are_a_domain_error_naming_the_text(text: str) -> None:
    with pytest.raises(DomainError) as raised:
        parse_when(text, NOW, SHANGHAI)
    assert raised.value.key == "when.unreadable"
    assert raised.value.data == {"text": text}


def test_durations_are_recognised_alone() -> None:
    assert parse_duration("1d12h") == timedelta(days=1, hours=12)
    assert parse_duration("明天") is None
    assert parse_duration("0m") is None


def test_a_moment_is_shown_in_the_zone_with_the_year_only_outside_the_year_of_now() -> None:
    utc = ZoneInfo("UTC")
    assert moment_data(NOW.astimezone(utc), SHANGHAI, NOW) == [2026, 11, 23, 0, "10:00", False]
    # 20:00 UTC on New Year's Eve is already New Year's Day in Shanghai.
    eve = datetime(2026, 12, 31, 20, 0, tzinfo=utc)
    assert moment_data(eve, SHANGHAI, NOW) == [2027, 1, 1, 4, "04:00", True]
    later = datetime(2027, 1, 2, 9, 0, tzinfo=SHANGHAI)
    assert moment_data(NOW, SHANGHAI, later) == [2026, 11, 23, 0, "10:00", True]


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("100000000000000000000天", SHANGHAI),
        ("9999-12-31 23:59", ZoneInfo("America/New_York")),
        ("400天", SHANGHAI),
        ("2027-11-25", SHANGHAI),
        ("0001-01-01 00:00", SHANGHAI),
    ],
)
def test_a_time_beyond_a_year_or_out_of_range_is_refused(text: str, zone: ZoneInfo) -> None:
    with pytest.raises(DomainError) as raised:
        parse_when(text, NOW, zone)
    assert raised.value.key == "when.too_far"


def test_a_span_beyond_a_year_is_refused() -> None:
    for text in ("100000000000000000000天", "367天", "53周", "9999999999m"):
        with pytest.raises(DomainError) as raised:
            parse_duration(text)
        assert raised.value.key == "when.too_far"
    assert parse_duration("366天") == timedelta(days=366)
    assert parse_when("2027-11-23 10:00", NOW, SHANGHAI) == NOW + timedelta(days=365)
