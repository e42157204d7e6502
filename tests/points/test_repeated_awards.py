"""Points: the same award typed twice within minutes is asked about, not recorded twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.messages import EventKind
from models import PointsEntry
from tests.support.community import build, session_of
from tests.support.points import consistent, set_rules
from tests.support.volunteers import advance

PRESS = EventKind.PRESS


def _amounts(app: App) -> list[int]:
    """The amounts of every ledger entry, in order."""
    with session_of(app) as session:
        return list(session.scalars(select(PointsEntry.amount).order_by(PointsEntry.id)))


def test_the_same_award_sent_twice_asks_and_records_it_only_on_confirmation(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    before = driver.snapshot()
    (asked,) = driver.say("sec", "加分 @r2 5 巡逻", "g1")
    assert (asked.chat, asked.private) == ("g1", False)
    assert asked.text == "刚才已给 r2 加过 5 分（巡逻）。真要再加一次，请点「确认」。"
    assert [label for row in asked.buttons for label, _ in row] == ["确认"]
    assert driver.snapshot() == before
    # Only the admin who asked may confirm.
    driver.say("owner", asked.tokens["确认"], "g1", event=PRESS)
    assert driver.snapshot() == before
    told = driver.say("sec", asked.tokens["确认"], "g1", event=PRESS)
    assert [(s.chat, s.private) for s in told] == [("g1", False), ("r2", True)]
    assert "r2 加 5 分（巡逻）" in told[0].text
    assert _amounts(app) == [5, 5]
    # Pressed again, the confirmation records nothing more.
    again = driver.one("sec", asked.tokens["确认"], "g1", event=PRESS)
    assert again.text == "这一次已经再加过了，没有重复记。"
    assert _amounts(app) == [5, 5]
    consistent(app)


def test_without_buttons_a_bare_confirm_from_the_admin_records_the_repeat(text_app: App) -> None:
    app = text_app
    driver = build(app, buttons=False)
    set_rules(driver)
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    (asked,) = driver.say("sec", "加分 @r2 5 巡逻", "g1")
    assert asked.text == "刚才已给 r2 加过 5 分（巡逻）。真要再加一次，请回复「确认」。"
    assert driver.say("owner", "确认", "g1") == []
    assert _amounts(app) == [5]
    driver.say("sec", "确认", "g1")
    assert _amounts(app) == [5, 5]
    consistent(app)


def test_a_repeated_deduction_is_asked_about_privately(text_app: App) -> None:
    app = text_app
    driver = build(app, buttons=False)
    set_rules(driver)
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    driver.say("sec", "扣分 @r2 2 迟到", "g1")
    asked, note = driver.say("sec", "扣分 @r2 2 迟到", "g1")
    assert (asked.chat, asked.private) == ("sec", True) and note.chat == "g1"
    assert asked.text == "刚才已给 r2 扣过 2 分（调整：迟到）。真要再扣一次，请回复「确认」。"
    assert "r2" not in note.text
    assert _amounts(app) == [5, -2]
    driver.say("sec", "确认")
    assert _amounts(app) == [5, -2, -2]
    consistent(app)


def test_in_english_the_question_is_english(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "/lang en")
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    (asked,) = driver.say("sec", "加分 @r2 5 巡逻", "g1")
    assert asked.text == 'You just gave r2 5 points (patrol). To give them again, press "Confirm".'


@pytest.mark.parametrize(
    ("second", "user", "minutes"),
    [
        ("加分 @r2 5 巡逻", "sec", 11),
        ("加分 @r2 6 巡逻", "sec", 1),
        ("加分 @r2 5 值守", "sec", 1),
        ("加分 @r3 5 巡逻", "sec", 1),
        ("加分 @r2 5 巡逻", "r1", 1),
    ],
)
def test_a_different_award_or_one_later_is_recorded_at_once(
    app: App, second: str, user: str, minutes: int
) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "积分授权 @r1 管理员", "g1")
    driver.say("sec", "加分 @r2 5 巡逻", "g1")
    advance(app, minutes=minutes)
    told = driver.say(user, second, "g1")
    assert "加 " in told[0].text and "刚才" not in told[0].text, told
    assert len(_amounts(app)) == 2


def test_of_several_named_only_those_just_given_the_same_are_asked_about(app: App) -> None:
    driver = build(app)
    set_rules(driver)
    driver.say("sec", "加分 @r2 3 扫雪", "g1")
    told = driver.say("sec", "加分 @r2 @r3 3 扫雪", "g1")
    assert "已给 r3 加 3 分（服务：扫雪）" in told[0].text
    assert any(
        s.text == "刚才已给 r2 加过 3 分（服务：扫雪）。真要再加一次，请点「确认」。" for s in told
    )
    assert _amounts(app) == [3, 3]
