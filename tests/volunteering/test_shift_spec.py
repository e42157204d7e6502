"""Reading /shift: days, time windows cut into slots, and the items around them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import LANGUAGES
from bot.errors import DomainError
from bot.rendering import Renderer, to_plain
from bot.routing import Router
from bot.services.volunteering.shift_spec import (
    MAX_SLOTS,
    Cutoff,
    parse_day,
    parse_items,
    parse_shift,
    parse_times,
    spaced_changes,
)
from handlers.registry import COMMANDS
from models import Role

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


def _slots(text: str) -> list[str]:
    spec = parse_times(text, NOW, SHANGHAI)
    assert spec is not None, text
    return [
        f"{start.astimezone(SHANGHAI):%m-%d %H:%M}–{end.astimezone(SHANGHAI):%m-%d %H:%M}"
        for start, end in spec.slots(SHANGHAI)
    ]


def _refused(key: str) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(DomainError, match=f"^{re.escape(key)}$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24 08:00-10:00", ["11-24 08:00–11-24 10:00"]),
        ("２０２６－１１－２４　０８：００－１０：００", ["11-24 08:00–11-24 10:00"]),
        ("2026年11月24日 8:00~10:00", ["11-24 08:00–11-24 10:00"]),
        ("11月24日 8点-10点半", ["11-24 08:00–11-24 10:30"]),
        ("11/24 8:00-10:00", ["11-24 08:00–11-24 10:00"]),
        ("明天 8点-10点", ["11-24 08:00–11-24 10:00"]),
        ("tomorrow 8:00 to 10:00", ["11-24 08:00–11-24 10:00"]),
        ("11月24日 下午2点-4点", ["11-24 14:00–11-24 16:00"]),
        ("周六 8:00-9:00", ["11-28 08:00–11-28 09:00"]),
        ("下周一 8:00-9:00", ["11-30 08:00–11-30 09:00"]),
        ("2026-11-24 20:00-次日08:00", ["11-24 20:00–11-25 08:00"]),
        ("2026-11-24 20:00-24:00", ["11-24 20:00–11-25 00:00"]),
        ("2026-11-24 晚上8点-次日6点", ["11-24 20:00–11-25 06:00"]),
        ("2026-11-24 20:00-next day 06:00", ["11-24 20:00–11-25 06:00"]),
        ("saturday 9am-11am", ["11-28 09:00–11-28 11:00"]),
        ("Sat 9 am - 11 am", ["11-28 09:00–11-28 11:00"]),
        ("saturday at 9am-11am", ["11-28 09:00–11-28 11:00"]),
        ("next Monday 8:00-9:00", ["11-30 08:00–11-30 09:00"]),
        ("Dec 12 09:00-11:00", ["12-12 09:00–12-12 11:00"]),
        ("12 December 2pm-4pm", ["12-12 14:00–12-12 16:00"]),
        ("tomorrow 9am-11am", ["11-24 09:00–11-24 11:00"]),
        ("tomorrow 8pm-next day 6am", ["11-24 20:00–11-25 06:00"]),
        ("saturday 9-11am", ["11-28 09:00–11-28 11:00"]),
        ("saturday 2-4 pm", ["11-28 14:00–11-28 16:00"]),
        ("saturday 9:30-11:30am", ["11-28 09:30–11-28 11:30"]),
        ("saturday 12-2pm", ["11-28 12:00–11-28 14:00"]),
        ("saturday 11-1pm", ["11-28 11:00–11-28 13:00"]),
    ],
)
def test_a_single_shift_is_read_in_the_community_time_zone(text: str, expected: list[str]) -> None:
    assert _slots(text) == expected


@pytest.mark.parametrize(
    ("text", "day"),
    [("周一 8:00-9:00", "11-30"), ("monday 9am-11am", "11-30"), ("周一 18:00-19:00", "11-23")],
)
def test_todays_weekday_at_an_hour_gone_by_means_next_week(text: str, day: str) -> None:
    assert _slots(text)[0].startswith(f"{day} ")


def test_a_rota_makes_one_shift_per_slot_per_day() -> None:
    slots = _slots("2026-11-24 至 2026-12-07 08:00-20:00 每2小时")
    assert len(slots) == 14 * 6
    assert slots[:2] == ["11-24 08:00–11-24 10:00", "11-24 10:00–11-24 12:00"]
    assert slots[-1] == "12-07 18:00–12-07 20:00"


def test_a_rota_end_date_without_a_year_follows_its_start() -> None:
    assert len(_slots("12月30日至1月2日 08:00-10:00")) == 4


def test_a_window_that_does_not_divide_evenly_ends_with_a_shorter_slot() -> None:
    assert _slots("2026-11-24 08:00-20:00 每5小时") == [
        "11-24 08:00–11-24 13:00",
        "11-24 13:00–11-24 18:00",
        "11-24 18:00–11-24 20:00",
    ]


def test_half_hour_slots_are_allowed() -> None:
    assert len(_slots("2026-11-24 08:00-10:00 每半小时")) == 4


@pytest.mark.parametrize(
    ("text", "first", "count"),
    [
        ("每周六 08:00-12:00 共4周", "11-28", 4),
        ("2026-11-28 至 2026-12-26 每周六 08:00-12:00", "11-28", 5),
        ("每周六日 08:00-12:00", "11-28", 8),
        ("每周一三五 08:00-09:00 共2周", "11-23", 6),
        ("每周一至周五 18:00-20:00 共1周", "11-23", 5),
        ("每周一、三、五 十八点-二十点 共2周", "11-23", 6),
        ("周末 9:00-11:00 共2周", "11-28", 4),
        ("工作日 9:00-11:00 共1周", "11-23", 5),
        ("every sat 08:00-12:00", "11-28", 4),
        ("every mon-fri 08:00-09:00 for 1 weeks", "11-23", 5),
    ],
)
def test_weekly_patterns_pick_their_weekdays(text: str, first: str, count: int) -> None:
    slots = _slots(text)
    assert slots[0].startswith(first) and len(slots) == count


@pytest.mark.parametrize("text", ["每周一到五 8:00-9:00", "每星期一至五 8:00-9:00"])
def test_weekdays_said_with_dao_are_days_not_hours(text: str) -> None:
    assert _slots(text)[:2] == ["11-23 08:00–11-23 09:00", "11-24 08:00–11-24 09:00"]
    assert len(_slots(text)) == 20


def test_a_time_without_a_date_is_read_but_marked_undated() -> None:
    spec = parse_times("09:00-11:00", NOW, SHANGHAI)
    assert spec is not None and not spec.dated


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明晚7点-9点", ["11-24 19:00–11-24 21:00"]),
        ("明天下午3点到5点", ["11-24 15:00–11-24 17:00"]),
        ("今晚8点-10点半", ["11-23 20:00–11-23 22:30"]),
        ("周五晚7点-9点", ["11-27 19:00–11-27 21:00"]),
        ("明早7点-9点", ["11-24 07:00–11-24 09:00"]),
        ("明天中午11点-1点", ["11-24 11:00–11-24 13:00"]),
        ("明晚20:00-22:00", ["11-24 20:00–11-24 22:00"]),
        ("tonight 8pm-10pm", ["11-23 20:00–11-23 22:00"]),
        ("tomorrow evening 7-9pm", ["11-24 19:00–11-24 21:00"]),
        ("明晚七点-九点", ["11-24 19:00–11-24 21:00"]),
        ("明天下午三点到五点", ["11-24 15:00–11-24 17:00"]),
        ("明天十点-十二点", ["11-24 10:00–11-24 12:00"]),
        ("明天八点二十-九点半", ["11-24 08:20–11-24 09:30"]),
        ("明天 8点-9点30", ["11-24 08:00–11-24 09:30"]),
        ("明天 8点-9点 30分", ["11-24 08:00–11-24 09:30"]),
        ("明天 8点 15分-9点", ["11-24 08:15–11-24 09:00"]),
    ],
)
def test_a_window_said_with_a_part_of_the_day_reads_as_the_time_reader_does(
    text: str, expected: list[str]
) -> None:
    assert _slots(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7到9点", ["11-23 07:00–11-23 09:00"]),
        ("明天7到9点", ["11-24 07:00–11-24 09:00"]),
        ("晚上7到9点", ["11-23 19:00–11-23 21:00"]),
        ("明晚7到9点", ["11-24 19:00–11-24 21:00"]),
        ("明天晚上7-9点半", ["11-24 19:00–11-24 21:30"]),
        ("下午3到5点", ["11-23 15:00–11-23 17:00"]),
        ("明天下午3至5点", ["11-24 15:00–11-24 17:00"]),
        ("明晚七到九点", ["11-24 19:00–11-24 21:00"]),
    ],
)
def test_a_start_without_its_own_hour_word_takes_the_ends_and_the_part_of_the_day(
    text: str, expected: list[str]
) -> None:
    assert _slots(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7到晚上9点", ["11-23 19:00–11-23 21:00"]),
        ("明天7点到晚上9点", ["11-24 19:00–11-24 21:00"]),
        ("明天2点-下午4点", ["11-24 14:00–11-24 16:00"]),
        ("明天七到晚上九点", ["11-24 19:00–11-24 21:00"]),
        ("明天早上7到晚上9点", ["11-24 07:00–11-24 21:00"]),
        ("明天10点到下午2点", ["11-24 10:00–11-24 14:00"]),
        ("明天11点到中午12点", ["11-24 11:00–11-24 12:00"]),
    ],
)
def test_a_part_of_the_day_before_the_end_is_the_ends_and_the_starts_when_it_keeps_it_first(
    text: str, expected: list[str]
) -> None:
    assert _slots(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "明晚11点-1点",
        "今晚3点-5点",
        "明天晚上8点-12点",
        "明天下午13点-15点",
        "明晚一点-三点",
        "明天下午十二点-两点",
    ],
)
def test_a_window_whose_part_of_the_day_leaves_an_hour_unclear_is_refused(text: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_times(text, NOW, SHANGHAI)
    assert refused.value.key == "volunteering.window_unreadable"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_windows_an_unreadable_window_suggests_read_as_dated_windows(language: str) -> None:
    markup = Renderer(Router(COMMANDS)).markup(
        "volunteering.window_unreadable", {"text": "x"}, language
    )
    examples = re.findall(r"「([^」]+)」|\"([^\"]+)\"", to_plain(markup))[1:]
    assert len(examples) == 2, examples
    for example in ("".join(groups) for groups in examples):
        spec = parse_times(example, NOW, SHANGHAI)
        assert spec is not None and spec.dated and spec.count() == 1, example


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天7到9", ["11-24 07:00–11-24 09:00"]),
        ("明天 7 至 9", ["11-24 07:00–11-24 09:00"]),
        ("今晚7到9", ["11-23 19:00–11-23 21:00"]),
        ("下午3到5", ["11-23 15:00–11-23 17:00"]),
        ("明天7到9半", ["11-24 07:00–11-24 09:30"]),
        ("明天七到九", ["11-24 07:00–11-24 09:00"]),
        ("明晚七至九", ["11-24 19:00–11-24 21:00"]),
        ("明天十到十二", ["11-24 10:00–11-24 12:00"]),
    ],
)
def test_a_window_of_bare_hours_said_with_dao_reads_as_with_dian(
    text: str, expected: list[str]
) -> None:
    assert _slots(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天7-9", ["11-24 07:00–11-24 09:00"]),
        ("明天 7-9", ["11-24 07:00–11-24 09:00"]),
        ("明天 7 - 9", ["11-24 07:00–11-24 09:00"]),
        ("明天 19-21", ["11-24 19:00–11-24 21:00"]),
        ("明天 7-9点", ["11-24 07:00–11-24 09:00"]),
        ("今晚7-9", ["11-23 19:00–11-23 21:00"]),
        ("明天晚上7-9", ["11-24 19:00–11-24 21:00"]),
        ("明天 晚上 7-9点", ["11-24 19:00–11-24 21:00"]),
        ("周六 7-9", ["11-28 07:00–11-28 09:00"]),
        ("2026-11-24 8-10", ["11-24 08:00–11-24 10:00"]),
        ("11月24日 7~9", ["11-24 07:00–11-24 09:00"]),
        ("tomorrow 7-9", ["11-24 07:00–11-24 09:00"]),
        ("tomorrow evening 7-9", ["11-24 19:00–11-24 21:00"]),
        ("tomorrow 7-9pm", ["11-24 19:00–11-24 21:00"]),
    ],
)
def test_a_window_of_bare_hours_joined_by_a_dash_after_a_day_or_part_of_the_day_reads_as_with_dian(
    text: str, expected: list[str]
) -> None:
    assert _slots(text) == expected


def test_a_rota_of_bare_hours_joined_by_a_dash_reads_its_window_each_week() -> None:
    assert _slots("每周六 7-9 共2周") == [
        "11-28 07:00–11-28 09:00",
        "12-05 07:00–12-05 09:00",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "2号门",
        "2026-11-24",
        "活动室 3",
        "1/2号门",
        "3到5号楼",
        "3到5 号楼",
        "1到3单元",
        "7-9",
        "3-2",
        "3-2-201",
        "11-24",
        "明天 3-2-201",
        "东门 3-2",
    ],
)
def test_text_that_holds_no_time_window_is_not_a_time(text: str) -> None:
    assert parse_times(text, NOW, SHANGHAI) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("2026-11-24 10:00-08:00", "volunteering.ends_before_start"),
        ("2026-11-24 08:00-08:00", "volunteering.ends_before_start"),
        ("2026-01-01 至 2026-12-31 00:00-24:00 每1小时", "volunteering.too_many_slots"),
        ("2026-11-24 08:00-10:00 每10分钟", "volunteering.bad_step"),
        ("2026-11-24 08:00-10:00 每3小时", "volunteering.bad_step"),
        ("2026-02-30 08:00-10:00", "volunteering.bad_date"),
        ("2026-11-24 25:00-26:00", "volunteering.bad_clock"),
        ("2026-12-07 至 2026-11-24 08:00-10:00", "volunteering.range_backwards"),
        ("2026-11-24 至 2028-11-24 08:00-10:00", "volunteering.range_too_long"),
        ("每周八 08:00-10:00", "volunteering.bad_weekdays"),
        ("每周六 08:00-10:00 共99周", "volunteering.bad_weeks"),
        ("2026-11-24 2026-11-25 08:00-10:00", "volunteering.bad_date_range"),
        ("明天 9-7", "volunteering.ends_before_start"),
        ("明天 25-26", "volunteering.bad_clock"),
        ("明天 20-25", "volunteering.bad_clock"),
        ("2026-11-24 08:00-10:00 09:00-11:00", "volunteering.two_times"),
    ],
)
def test_impossible_times_are_refused_with_a_reason(text: str, key: str) -> None:
    with _refused(key):
        parse_times(text, NOW, SHANGHAI)


def test_a_rota_of_ten_thousand_slots_is_refused_before_it_is_made() -> None:
    with pytest.raises(DomainError) as refused:
        parse_times("2026-11-24 至 2027-11-23 00:00-24:00 每1小时", NOW, SHANGHAI)
    assert refused.value.data == {"count": 365 * 24, "limit": MAX_SLOTS}


def test_a_shift_command_names_title_time_capacity_and_place_in_any_order() -> None:
    found = parse_shift("门岗值守 | 2号门 | 2人 | 2026-11-24 08:00-10:00", NOW, SHANGHAI)
    assert (found.title, found.capacity, found.place) == ("门岗值守", 2, "2号门")
    assert found.times is not None and found.times.count() == 1
    assert found.role is None and found.cutoff is None and not found.waitlist_given


def test_full_width_bars_separate_items_and_options_are_recognised() -> None:
    found = parse_shift(
        "门岗值守｜2026-11-24 至 2026-12-07 08:00-20:00 每2小时｜2人｜2号门"
        "｜仅党员｜截止 2小时｜候补 3",
        NOW,
        SHANGHAI,
    )
    assert found.role == Role.PARTY_MEMBER and found.role_given
    assert found.cutoff == Cutoff(before=timedelta(hours=2))
    assert (found.waitlist, found.waitlist_given) == (3, True)
    assert found.times is not None and found.times.count() == 84


def test_chinese_commas_separate_items_when_there_is_no_bar() -> None:
    found = parse_shift("巡逻，明天19:00-21:00，2人，小区大门", NOW, SHANGHAI)
    assert (found.title, found.capacity, found.place) == ("巡逻", 2, "小区大门")
    assert found.times is not None and found.times.count() == 1


def test_with_bars_a_comma_stays_within_its_item() -> None:
    found = parse_shift("巡逻，夜间 | 明天19:00-21:00 | 2人 | 大门，东侧", NOW, SHANGHAI)
    assert (found.title, found.place) == ("巡逻，夜间", "大门，东侧")


@pytest.mark.parametrize(
    ("text", "title", "place"),
    [
        ("打扫楼道 明天下午3点到5点 3人 3号楼", "打扫楼道", "3号楼"),
        ("巡逻 明天 19:00-21:00 2人 小区大门", "巡逻", "小区大门"),
        ("夜间 巡逻 明天 19:00 - 21:00 小区 大门 两人", "夜间 巡逻", "小区 大门"),
        ("巡逻 明晚七点-九点 2人", "巡逻", None),
        ("巡逻 明晚7到9点 2人 东门", "巡逻", "东门"),
        ("打扫楼道 明天下午3到5点 3人 3号楼", "打扫楼道", "3号楼"),
        ("巡逻 明天7到9 2人 东门", "巡逻", "东门"),
        ("巡逻 明天七到九 2人 东门", "巡逻", "东门"),
        ("巡逻 明天 7-9 2人", "巡逻", None),
        ("巡逻 明天 19-21 2人 3-2-201", "巡逻", "3-2-201"),
        ("巡逻 明天晚上7-9点 2人 东门", "巡逻", "东门"),
        ("Patrol tomorrow 7-9 2 people", "Patrol", None),
        ("Patrol tomorrow 7-9pm 2 people Main gate", "Patrol", "Main gate"),
        ("Patrol tomorrow at 7pm-9pm 2 people Main gate", "Patrol", "Main gate"),
        ("Patrol at East gate tomorrow 7pm-9pm 2 people", "Patrol", "East gate"),
        (
            "Night patrol AT the east gate tomorrow at 7pm-9pm 2 people",
            "Night patrol",
            "the east gate",
        ),
    ],
)
def test_items_parted_by_spaces_are_told_apart_by_their_shape(
    text: str, title: str, place: str | None
) -> None:
    found = parse_shift(text, NOW, SHANGHAI)
    assert (found.title, found.place) == (title, place)
    assert found.times is not None and found.times.count() == 1 and found.capacity in (2, 3)


@pytest.mark.parametrize("hours", ["7到9", "七到九", "7-9", " 7-9", "7-9点", " 7 - 9"])
def test_a_shift_of_bare_hours_parted_by_spaces_reads_its_window(hours: str) -> None:
    found = parse_shift(f"巡逻 明天{hours} 2人 东门", NOW, SHANGHAI)
    assert (found.title, found.capacity, found.place) == ("巡逻", 2, "东门")
    assert found.times is not None
    assert [f"{s:%H:%M}" for s in (found.times.start, found.times.end)] == ["07:00", "09:00"]


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("巡逻 明天7到9东门 2人", ["07:00", "09:00"]),
        ("巡逻 明天7到9点东门 2人", ["07:00", "09:00"]),
        ("巡逻 明天七到九东门 2人", ["07:00", "09:00"]),
        ("巡逻 明天19:00-21:00东门 2人", ["19:00", "21:00"]),
        # The place may come first too.
        ("巡逻 东门明天7到9 2人", ["07:00", "09:00"]),
        ("巡逻 东门明天七到九点 2人", ["07:00", "09:00"]),
        ("巡逻 东门明天19:00-21:00 2人", ["19:00", "21:00"]),
        ("巡逻 东门明晚7到9点 2人", ["19:00", "21:00"]),
    ],
)
def test_a_window_run_into_its_place_is_read_apart_from_it(text: str, window: list[str]) -> None:
    found = parse_shift(text, NOW, SHANGHAI)
    assert (found.title, found.capacity, found.place) == ("巡逻", 2, "东门")
    assert found.times is not None
    assert [f"{s:%H:%M}" for s in (found.times.start, found.times.end)] == window


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("巡逻 | 明天 7-9 | 2人 | 3-2", "3-2"),
        ("巡逻 | 明天 7-9 | 2人 | 3-2-201", "3-2-201"),
        ("巡逻，3-2-201，明天 7-9，2人", "3-2-201"),
        ("巡逻 明天 7-9 2人 3-2", "3-2"),
        ("Patrol tomorrow 7-9 2 people Team 3-2", "Team 3-2"),
    ],
)
def test_an_address_joined_by_dashes_beside_a_dash_window_stays_the_place(
    text: str, place: str
) -> None:
    found = parse_shift(text, NOW, SHANGHAI)
    assert found.place == place and found.capacity == 2
    assert found.times is not None
    assert [f"{s:%H:%M}" for s in (found.times.start, found.times.end)] == ["07:00", "09:00"]


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("巡逻 明天 7-9 2", ["07:00", "09:00"]),
        ("巡逻 明天7到9 2", ["07:00", "09:00"]),
        ("巡逻 明天 7-9点 2", ["07:00", "09:00"]),
        ("巡逻 明天 19:00-21:00 两", ["19:00", "21:00"]),
        ("Patrol tomorrow 7-9 2", ["07:00", "09:00"]),
        ("Patrol tomorrow 7-9pm 2", ["19:00", "21:00"]),
    ],
)
def test_a_bare_number_ending_a_shift_right_after_its_time_is_the_count(
    text: str, window: list[str]
) -> None:
    found = parse_shift(text, NOW, SHANGHAI)
    assert (found.capacity, found.place) == (2, None)
    assert found.times is not None
    assert [f"{s:%H:%M}" for s in (found.times.start, found.times.end)] == window


@pytest.mark.parametrize(
    "text",
    ["巡逻 明天 7-9 东门 2", "巡逻 明天 7-9 2 东门", "巡逻 | 明天 7-9 | 2"],
)
def test_a_bare_number_elsewhere_is_no_count(text: str) -> None:
    with _refused("volunteering.shift_needs_capacity"):
        parse_shift(text, NOW, SHANGHAI)


def test_a_bare_number_after_the_time_of_an_edit_is_the_count() -> None:
    assert spaced_changes("明天 7-9 3", NOW, SHANGHAI) == ["明天 7-9", "3人"]


def test_an_edit_reads_a_window_run_into_its_place_apart_from_it() -> None:
    assert spaced_changes("明天7到9东门", NOW, SHANGHAI) == ["明天7到9", "东门"]
    assert spaced_changes("3到5号楼", NOW, SHANGHAI) == ["3到5号楼"]
    assert spaced_changes("东门明天7到9", NOW, SHANGHAI) == ["明天7到9", "东门"]
    assert spaced_changes("下周六7到9", NOW, SHANGHAI) == ["下周六7到9"]
    assert spaced_changes("每周六7到9", NOW, SHANGHAI) == ["每周六7到9"]


@pytest.mark.parametrize("text", ["东门明天7到9 2人", "巡逻 东门明天7到9西门 2人"])
def test_a_place_run_into_a_window_without_a_title_before_it_asks_for_separators(
    text: str,
) -> None:
    with _refused("volunteering.shift_items_apart"):
        parse_shift(text, NOW, SHANGHAI)


@pytest.mark.parametrize("item", ["明天7到9东门", "明天7到9点东门"])
def test_a_window_run_into_a_place_between_separators_is_never_taken_for_the_place(
    item: str,
) -> None:
    with _refused("volunteering.shift_items_apart"):
        parse_items([item], NOW, SHANGHAI)


def test_options_and_a_rota_may_be_parted_by_spaces_too() -> None:
    found = parse_shift(
        "门岗 2026-11-24 至 2026-12-07 08:00-20:00 每2小时 2 人 2号门 仅党员 截止 2小时 候补 3",
        NOW,
        SHANGHAI,
    )
    assert (found.title, found.capacity, found.place) == ("门岗", 2, "2号门")
    assert found.times is not None and found.times.count() == 84
    assert found.role == Role.PARTY_MEMBER and found.cutoff == Cutoff(before=timedelta(hours=2))
    assert found.waitlist == 3


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("巡逻 明天 19:00-21:00 0人 大门", "volunteering.bad_capacity"),
        ("巡逻 明天 25:00-26:00 2人 大门", "volunteering.bad_clock"),
        ("巡逻 明晚一点-三点 2人", "volunteering.window_unreadable"),
        ("巡逻 明天 19:00-21:00 大门", "volunteering.shift_needs_capacity"),
    ],
)
def test_a_fault_in_items_parted_by_spaces_gets_its_own_reason(text: str, key: str) -> None:
    with _refused(key):
        parse_shift(text, NOW, SHANGHAI)


@pytest.mark.parametrize(
    "text",
    [
        "巡逻 明天 19:00-21:00 小区 2人 大门",
        "巡逻 明天 19:00-21:00 " + "小区大门" * 15 + " 2人 东门",
        "巡逻 2人 明天 19:00-21:00 小区大门",
        "明天 19:00-21:00 巡逻 2人",
        "巡逻 明天 8:00-9:00 2人 后天 8:00-9:00",
        "巡逻，2人，明天19:00-21:00 小区大门",
    ],
)
def test_a_time_run_into_items_that_cannot_be_told_apart_asks_for_separators(text: str) -> None:
    with _refused("volunteering.shift_items_apart"):
        parse_shift(text, NOW, SHANGHAI)


@pytest.mark.parametrize(
    ("item", "field", "value"),
    [
        ("不候补", "waitlist", 0),
        ("no waitlist", "waitlist", 0),
        ("候补", "waitlist", None),
        ("候补2人", "waitlist", 2),
        ("候补 ３ 人", "waitlist", 3),
        ("候补两个", "waitlist", 2),
        ("名额 5", "capacity", 5),
        ("5 people", "capacity", 5),
        ("party members only", "role", Role.PARTY_MEMBER),
        ("僅黨員", "role", Role.PARTY_MEMBER),
        ("仅志愿者", "role", Role.VOLUNTEER),
        ("不限身份", "role", None),
    ],
)
def test_each_option_is_read_in_chinese_and_english(item: str, field: str, value: object) -> None:
    assert getattr(parse_items([item], NOW, SHANGHAI), field) == value


@pytest.mark.parametrize(
    "place",
    ["明天", "9点", "今晚", "明天 晚上"],
)
def test_time_like_text_is_never_taken_for_the_place(place: str) -> None:
    with _refused("volunteering.window_unreadable"):
        parse_items([place], NOW, SHANGHAI)
    with _refused("volunteering.window_unreadable"):
        parse_shift(f"巡逻，{place}，2人", NOW, SHANGHAI)


@pytest.mark.parametrize(
    "place",
    [
        "3到5号楼",
        "三到五号楼",
        "一到三单元",
        "活动室 3",
        "1/2号门",
        "3-2-201",
        "3-2",
        "Night market",
    ],
)
def test_a_place_with_numbers_or_time_words_in_it_is_still_a_place(place: str) -> None:
    assert parse_items([place], NOW, SHANGHAI).place == place


def test_a_cutoff_is_a_span_before_each_start_or_one_moment() -> None:
    start = datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)
    before = parse_items(["截止 开始前1天"], NOW, SHANGHAI).cutoff
    moment = parse_items(["截止 明天 18:00"], NOW, SHANGHAI).cutoff
    assert before is not None and before.for_start(start) == start - timedelta(days=1)
    assert moment is not None and moment.for_start(start) == datetime(
        2026, 11, 24, 18, 0, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "volunteering.shift_usage"),
        ("标题" * 40 + " | 2026-11-24 08:00-10:00 | 2人", "volunteering.title_too_long"),
        ("门岗 | 2人 | 2号门", "volunteering.shift_needs_time"),
        ("门岗 | 08:00-10:00 | 2人", "volunteering.shift_needs_date"),
        ("门岗 | 2026-11-24 08:00-10:00 | 2号门", "volunteering.shift_needs_capacity"),
        ("门岗 | 2026-11-24 08:00-10:00 | 0人", "volunteering.bad_capacity"),
        ("门岗 | 2026-11-24 08:00-10:00 | -1人", "volunteering.bad_capacity"),
        ("门岗 | 2026-11-24 08:00-10:00 | 名额 -3", "volunteering.bad_capacity"),
        ("门岗 | 2026-11-24 08:00-10:00 | 2人 | 2号门 | 3号门", "volunteering.unknown_item"),
        ("门岗 | 2026-11-24 08:00-10:00 | 2人 | 仅火星人", "roles.unknown_role"),
    ],
)
def test_a_shift_command_missing_or_garbling_an_item_is_refused(text: str, key: str) -> None:
    with _refused(key):
        parse_shift(text, NOW, SHANGHAI)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("明天", "11-24"),
        ("周六", "11-28"),
        ("11月25日", "11-25"),
        ("2026-12-01", "12-01"),
        ("sunday", "11-29"),
        ("Sun", "11-29"),
        ("Nov 30", "11-30"),
        ("tomorrow", "11-24"),
    ],
)
def test_a_day_named_alone_is_read_for_the_list(text: str, day: str) -> None:
    found = parse_day(text, NOW, SHANGHAI)
    assert found is not None and f"{found:%m-%d}" == day


@pytest.mark.parametrize("text", ["我的", "2026-11-24 08:00-10:00", "每周六"])
def test_anything_but_one_day_is_not_a_day(text: str) -> None:
    assert parse_day(text, NOW, SHANGHAI) is None


@pytest.mark.parametrize(
    "text",
    [
        "Patrol at East gate tomorrow 7pm-9pm 2 people West gate",
        "Meet at tomorrow 7pm-9pm 2 people",
        "At East gate tomorrow 7pm-9pm 2 people",
    ],
)
def test_an_english_title_keeps_its_at_where_it_names_no_place_alone(text: str) -> None:
    """A place after the time is the place; `at` first or last in the title is the title's."""
    found = parse_shift(text, NOW, SHANGHAI)
    assert found.title == text.split(" tomorrow")[0]
