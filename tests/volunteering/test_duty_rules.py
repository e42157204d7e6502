"""Reading /dutyrules: which rules it changes, parted by bars, commas or spaces."""

from __future__ import annotations

import pytest

from bot.errors import DomainError
from bot.services.volunteering.rules import RuleChanges, parse_rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("前一天 20:00 | 提前 30分钟 | 缺勤 3次", RuleChanges("20:00", 30, None, 3)),
        ("前一天 20:00，提前 30分钟，缺勤 3次", RuleChanges("20:00", 30, None, 3)),
        ("前一天 20:00 提前 30分钟 缺勤 3次", RuleChanges("20:00", 30, None, 3)),
        ("前一天20:00 提前30分钟 取消截止 3小时", RuleChanges("20:00", 30, 180, None)),
        ("提前 1小时 30分钟 缺勤 关", RuleChanges(None, 90, None, 0)),
        ("前一天 关 提前 关", RuleChanges("", 0, None, None)),
        ("Day before 20:00 before 1h cancel 2h no-shows 3", RuleChanges("20:00", 60, 120, 3)),
        ("取消 截止 2小时", RuleChanges(None, None, 120, None)),
        ("前一天 20:00 取消 截止 3小时 缺勤 2次", RuleChanges("20:00", None, 180, 2)),
        ("前一天 20:00 | 取消 截止 1小时", RuleChanges("20:00", None, 60, None)),
    ],
)
def test_rules_are_read_parted_by_bars_commas_or_spaces(text: str, expected: RuleChanges) -> None:
    assert parse_rules(text) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("20:00 提前 30分钟", "volunteering.rules_usage"),
        ("晚上 前一天 20:00", "volunteering.rules_usage"),
        ("前一天 20:00 30分钟", "volunteering.rules_bad_value"),
        ("前一天 21:00，提前 1小时 | 缺勤 2次", "volunteering.rules_bad_value"),
    ],
)
def test_rules_that_cannot_be_told_apart_keep_their_refusal(text: str, key: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_rules(text)
    assert refused.value.key == key
