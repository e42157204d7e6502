"""Reading arguments: words, item numbers and ranges, `|` items, keyword folding."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.errors import DomainError
from bot.services.common.arguments import (
    after_mentions,
    as_number,
    bounded,
    number_and_rest,
    numbers_and_ranges,
    numbers_in,
    split_items,
    words_in,
)
from bot.services.common.keywords import folded, normalise, simplified, spellings, with_digits

USAGE = "test.usage"
TOO_MANY = "test.too_many"


def _key(call: Callable[[], object]) -> str:
    """The template key of the refusal a call raises."""
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.key


@pytest.mark.parametrize(
    ("text", "folded_text", "normalised"),
    [
        ("  登记：３－２－３０１ ", "登记:3-2-301", "登记:3-2-301"),
        ("Vote  1\u3000 2", "vote 1 2", "Vote  1  2"),
        ("｜", "|", "|"),
    ],
)
def test_keywords_fold(text: str, folded_text: str, normalised: str) -> None:
    assert normalise(text) == normalised and folded(text) == folded_text


def test_names_compare_in_simplified_characters_and_are_looked_up_in_each_script() -> None:
    assert simplified(" １號院/3號樓 ") == "1号院/3号楼" and simplified("马文博") == "马文博"
    assert spellings("馬文博") == spellings("马文博") == ["馬文博", "马文博"]
    assert "臺灣路" in spellings("台湾路") and "台灣路" in spellings("台湾路")


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("甲 | 乙｜丙 ||", ["甲", "乙", "丙"]),
        ("  装充电桩吗？ | 同意  以后 | 不同意 ", ["装充电桩吗？", "同意 以后", "不同意"]),
        ("３号楼，门口 ｜ ＡＢ", ["３号楼，门口", "ＡＢ"]),
        ("| |", []),
        ("", []),
        ("3 修好了 | | 负责 物业", ["3 修好了", "负责 物业"]),
    ],
)
def test_items_split_on_bars_and_drop_empty_ones(text: str, items: list[str]) -> None:
    assert split_items(text) == items


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("", []),
        ("2", [2]),
        ("#2", [2]),
        ("2 1 3", [2, 1, 3]),
        ("1，1、#3;4", [1, 1, 3, 4]),
        ("１２", [12]),
        ("二", [2]),
        ("#三 十二", [3, 12]),
        ("1号 2号班 三号", [1, 2, 3]),
        ("两", [2]),
    ],
)
def test_numbers_in_the_order_typed(text: str, numbers: list[int]) -> None:
    assert numbers_in(text, USAGE) == numbers


@pytest.mark.parametrize(
    "text", ["a", "2 b", "1-3", "1234567", "#", "一起", "一下", "万一", "单一", "1号楼"]
)
def test_numbers_with_another_word_get_the_usage(text: str) -> None:
    assert _key(lambda: numbers_in(text, USAGE)) == USAGE


@pytest.mark.parametrize(
    ("text", "limit", "numbers"),
    [
        ("12", 5, [12]),
        ("12-14", 5, [12, 13, 14]),
        ("#12~#13 12", 5, [12, 13]),
        ("12至13，15到16", 5, [12, 13, 15, 16]),
        ("１２－１４", 3, [12, 13, 14]),
        ("三至五", 5, [3, 4, 5]),
        ("1-3号", 5, [1, 2, 3]),
        ("十二号班", 5, [12]),
    ],
)
def test_numbers_and_ranges(text: str, limit: int, numbers: list[int]) -> None:
    assert numbers_and_ranges(text, USAGE, limit, too_many=TOO_MANY) == numbers


@pytest.mark.parametrize(
    ("text", "limit", "key"),
    [
        ("", 5, USAGE),
        ("12 x", 5, USAGE),
        ("12-", 5, USAGE),
        ("14-12", 5, TOO_MANY),
        ("1-6", 5, TOO_MANY),
        ("1-3 5-7", 5, TOO_MANY),
    ],
)
def test_numbers_and_ranges_refused(text: str, limit: int, key: str) -> None:
    assert _key(lambda: numbers_and_ranges(text, USAGE, limit, too_many=TOO_MANY)) == key


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("3", (3, "")),
        ("#3 修好了  路灯", (3, "修好了  路灯")),
        ("12 @Alice", (12, "@Alice")),
        ("12\n2", (12, "2")),
        ("三 预算不够，下次吧！", (3, "预算不够，下次吧！")),
        ("２ ＡＢ", (2, "ＡＢ")),
        ("3。", (3, "")),
        ("#3！！", (3, "")),
        ("3 修好了。", (3, "修好了。")),
        ("1：明天安排电工", (1, "明天安排电工")),
        ("１，明天安排电工", (1, "明天安排电工")),
        ("#2号, 换了灯泡", (2, "换了灯泡")),
        ("3 、已转物业", (3, "已转物业")),
        ("3 3:30 到", (3, "3:30 到")),
    ],
)
def test_number_and_rest_keeps_the_rest_as_typed(text: str, result: tuple[int, str]) -> None:
    assert number_and_rest(text, USAGE) == result


@pytest.mark.parametrize("text", ["", "x 3", "12-13 a", "3:30 到", "3楼，灯坏了"])
def test_number_and_rest_needs_a_leading_number(text: str) -> None:
    assert _key(lambda: number_and_rest(text, USAGE)) == USAGE


@pytest.mark.parametrize(
    ("word", "number"), [("7", 7), ("#7", 7), ("7-8", None), ("七", 7), ("7号", 7), ("一起", None)]
)
def test_as_number(word: str, number: int | None) -> None:
    assert as_number(word) == number


def test_bounded_arguments_and_words() -> None:
    assert bounded(" 3-2-301 ", 9) == "3-2-301"
    assert _key(lambda: bounded("x" * 10, 9)) == "core.argument_too_long"
    assert words_in(" 红旗里 estate  1号院 ", 3, 200) == ["红旗里", "estate", "1号院"]
    assert _key(lambda: words_in("a b c", 2, 200)) == "core.extra_arguments"
    assert _key(lambda: words_in("a" * 201, 2, 200)) == "core.argument_too_long"


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("三号楼二单元301", "3号楼2单元301"),
        ("三-二-三零一", "3-2-301"),
        ("截止 三天", "截止 3天"),
        ("十二月一日 下午三点半", "12月1日 下午3点半"),
        ("一起 一下 万一 单一 第一 星期一", "一起 一下 万一 单一 第一 星期一"),
    ],
)
def test_chinese_numerals_become_digits_only_where_numbers_are(text: str, digits: str) -> None:
    assert with_digits(text) == digits


@pytest.mark.parametrize(
    ("text", "written", "rest"),
    [
        ("@Mary Lee\u20053 扫雪", ("@Mary Lee",), "3 扫雪"),
        ("Mary Lee 3", ("Mary Lee",), "3"),
        ("@张三 5", ("张三",), "5"),
        ("张三，5", ("张三",), "5"),
        ("@张三\u2005@Mary Lee\u20052", ("@Mary Lee", "@张三"), "2"),
        ("楼长 @张三", ("@张三",), "楼长 @张三"),
        ("@李四 5", ("@张三",), "@李四 5"),
        ("@张三 5", (), "@张三 5"),
    ],
)
def test_the_mentions_a_text_opens_with_are_taken_off_as_written(
    text: str, written: tuple[str, ...], rest: str
) -> None:
    assert after_mentions(text, written) == rest
