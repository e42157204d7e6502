"""One person, one ballot; one household, one ballot: moves, joins and household checks."""

from __future__ import annotations

import contextlib
import random
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.clock import VirtualClock
from bot.db import Database
from bot.errors import DomainError
from bot.messages import EventKind
from bot.services.community.grid import add_path
from bot.services.deliberation import standings
from models import Ballot, TopicSecond
from tests.support.community import (
    build,
    cast,
    open_poll,
    poll_of,
    resident,
    session_of,
    without_private_chats,
)
from tests.support.driver import Driver, Sent


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with households r1 (two people), r2, r3 and r4 in 1号院."""
    return build(app)


def _text(answers: list[Sent]) -> str:
    return "\n".join(a.text for a in answers)


def _turnout(text: str) -> tuple[int, int]:
    found = re.search(r"投票率：(\d+) 户中 (\d+) 户投票", text)
    assert found is not None, text
    return int(found.group(1)), int(found.group(2))


def _ballots(app: App, number: int) -> int:
    with session_of(app) as session:
        poll = poll_of(session, number)
        return session.scalar(select(func.count()).where(Ballot.poll_id == poll.id)) or 0


# The attack of issue #9 -------------------------------------------------------------


def test_moving_after_voting_never_frees_a_second_ballot(town: Driver) -> None:
    town.one("owner", "发起投票 装不装电梯 | 装 | 不装", "g1")
    assert "已投票" in _text(town.say("r2", "投票 1", "g1"))
    assert "已改为" in _text(town.say("r2", "搬迁 3-2-9001", "g1"))
    again = _text(town.say("r2", "投票 1", "g1"))
    assert "投过票" in again and "已投票" not in again
    # Moving into a neighbour's registered household waits for the neighbour.
    waiting = _text(town.say("r2", "搬迁 3-2-303", "g1"))
    assert "确认" in waiting and town.household_of("r2") == "9001"
    assert "投过票" in _text(town.say("r2", "投票 1", "g1"))
    # The neighbour was not pre-empted: their household still has its ballot.
    assert "已投票" in _text(town.say("r3", "投票 2", "g1"))
    result = town.one("r4", "结果 1", "g1").text
    assert "1. 装 —— 1 票" in result and "2. 不装 —— 1 票" in result
    assert _turnout(result)[1] == 2 == _ballots(town.app, 1)


def test_a_changeable_vote_follows_its_voter_and_not_their_new_household(town: Driver) -> None:
    town.one("owner", "发起投票 哪天 | 周六 | 周日 | 可改票", "g1")
    town.say("r2", "投票 1", "g1")
    town.say("r2", "搬迁 3-2-9001", "g1")
    assert "投过票" in _text(town.say("r2", "投票 2", "g1"))
    assert [o for o in re.findall(r"—— (\d+) 票", town.one("r4", "结果 1", "g1").text)] == [
        "1",
        "0",
    ]


def test_someone_who_changed_the_household_ballot_cannot_cast_another_after_moving(
    town: Driver,
) -> None:
    town.one("owner", "发起投票 哪天 | 周六 | 周日 | 可改票", "g1")
    town.say("r1", "投票 1", "g1")
    assert "已改为" in _text(town.say("r1b", "投票 2", "g1"))
    town.say("r1b", "搬迁 3-2-9002", "g1")
    assert "投过票" in _text(town.say("r1b", "投票 1", "g1"))
    assert _ballots(town.app, 1) == 1


def test_one_vote_per_person_still_lets_each_member_vote_once(town: Driver) -> None:
    town.one("owner", "发起投票 问题 | 甲 | 乙 | 每人一票", "g1")
    town.say("r1", "投票 1", "g1")
    town.say("r1b", "投票 2", "g1")
    town.say("r1b", "搬迁 3-2-9003", "g1")
    assert "投过票" in _text(town.say("r1b", "投票 1", "g1"))
    result = town.one("r4", "结果 1", "g1").text
    assert re.search(r"投票率：\d+ 人中 2 人投票", result), result


def test_seconding_is_once_per_person_however_often_they_move(town: Driver) -> None:
    town.one("r1", "提议 在2号门增设充电桩", "g1")
    assert "已附议" in _text(town.say("r2", "附议 1", "g1"))
    town.say("r2", "搬迁 3-2-9004", "g1")
    assert "附议过" in _text(town.say("r2", "附议 1", "g1"))
    with session_of(town.app) as session:
        assert session.scalar(select(func.count()).select_from(TopicSecond)) == 2


# Joining an occupied household ------------------------------------------------------


def _ask_to_join(town: Driver, user: str, address: str) -> tuple[Sent, list[Sent]]:
    """The asker's private answer (the request's number), and the household asked."""
    answers = town.say(user, f"登记 {address} 同意", "g1", name=user)
    assert [a.text for a in answers if a.chat == "g1"] == [f"{user}，详情已私聊发给您。"]
    mine = [a for a in answers if a.chat == user]
    assert len(mine) == 1 and "确认" in mine[0].text, answers
    return mine[0], [a for a in answers if a.private and a.chat != user]


def test_the_group_never_learns_that_a_household_has_registered_members(town: Driver) -> None:
    answers = town.say("r5", "登记 3-2-302 同意", "g1", name="r5")
    assert [(a.chat, a.text) for a in answers if not a.private] == [
        ("g1", "r5，详情已私聊发给您。")
    ]
    told = [a.text for a in answers if a.chat == "r5"]
    assert len(told) == 1 and "已经有登记的住户" in told[0]
    # Typed again in the group, the request's state is still said to the asker alone, with
    # the same note as an empty flat's registration typed again.
    again = town.say("r5", "登记 3-2-302 同意", "g1")
    assert [(a.chat, a.private) for a in again] == [("r5", True), ("g1", False)]
    assert again[1].text == "r5，详情已私聊发给您。"
    # Nor that the asker lives where they typed.
    already = town.say("r2", "登记 3-2-302", "g1")
    assert [(a.chat, a.text) for a in already if not a.private] == [
        ("g1", "r2，详情已私聊发给您。")
    ]
    assert [a.chat for a in already if a.private] == ["r2"]
    assert "已经登记在 1号院/3号楼/2单元/302" in already[0].text


def test_where_the_asker_cannot_be_written_to_the_group_gets_only_the_pointer(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    town = build(without_private_chats(db, clock, tmp_path))
    try:
        answers = town.say("r5", "登记 3-2-302 同意", "g1", name="r5")
        public = [a.text for a in answers if not a.private]
        assert len(public) == 1 and "请先私聊我" in public[0] and "r2" not in public[0]
        assert "登记的住户" not in public[0] and "302" not in public[0]
        assert town.say("r5", "/start")[0].text.count("还在等家里人确认") == 1
    finally:
        town.app.close()


def test_joining_an_occupied_household_waits_for_a_member_to_agree(town: Driver) -> None:
    _, asked = _ask_to_join(town, "r5", "3-2-302")
    assert [a.chat for a in asked] == ["r2"] and "r5" in asked[0].text
    assert town.household_of("r5") is None
    town.one("owner", "发起投票 问题 | 甲 | 乙 | 每人一票", "g1")
    assert "还在等家里人确认（申请号" in _text(town.say("r5", "投票 1", "g1"))
    agreed = town.say("r2", asked[0].tokens["同意"], None, event=EventKind.PRESS)
    assert town.household_of("r5") == "302"
    assert any(a.chat == "r5" and "登记好了" in a.text for a in agreed)
    assert "已投票" in _text(town.say("r5", "投票 1", "g1"))


def test_asking_again_tells_the_household_once_and_the_group_only_the_note(
    town: Driver,
) -> None:
    question = town.one("r5", "登记 3-2-302", "g1", name="r5")
    agree = question.buttons[0][0][0]
    first = town.say("r5", question.tokens[agree], "g1", event=EventKind.PRESS)
    assert [(a.chat, a.toast) for a in first] == [("r5", False), ("r2", False), ("g1", True)]
    assert "已私聊告诉他们" in first[0].text and first[2].text == "r5，详情已私聊发给您。"
    number = re.findall(r"申请号 (\d+)", first[0].text)[0]
    town.say("r5", "/start")
    before = town.snapshot()
    pressed = town.say("r5", question.tokens[agree], "g1", event=EventKind.PRESS)
    assert [(a.chat, a.toast) for a in pressed] == [("g1", True)]
    assert pressed[0].text == (
        f"您的登记还在等家里人确认（申请号 {number}），已经私聊问过他们了，请耐心等待。"
    )
    typed = town.say("r5", "登记 3-2-302 同意", "g1")
    assert [(a.chat, a.private) for a in typed] == [("r5", True), ("g1", False)]
    assert typed[0].text == pressed[0].text and typed[1].text == "r5，详情已私聊发给您。"
    assert town.snapshot() == before


def test_a_refused_join_registers_nobody_and_tells_the_asker(town: Driver) -> None:
    _, asked = _ask_to_join(town, "r5", "3-2-302")
    refused = town.say("r2", asked[0].tokens["不同意"], None, event=EventKind.PRESS)
    assert town.household_of("r5") is None
    assert any(a.chat == "r5" and "没有通过" in a.text for a in refused)


def test_only_members_or_building_people_confirm_a_join(town: Driver) -> None:
    waiting, _ = _ask_to_join(town, "r5", "3-2-302")
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    town.say("r3", "/start")
    before = town.snapshot()
    assert "只有" in town.one("r3", f"确认入户 {number}").text
    assert "没有" in town.one("r3", "确认入户 99").text
    assert town.snapshot() == before
    town.grant("head", "楼长", "1号院/3号楼")
    town.say("head", "/start", name="楼长老李")
    town.say("head", f"确认入户 {number}")
    assert town.household_of("r5") == "302"


def test_confirm_join_alone_privately_agrees_to_the_one_waiting_or_asks_which(
    town: Driver,
) -> None:
    assert "没有等您确认的入户申请" in town.one("r2", "确认入户").text
    _ask_to_join(town, "r5", "3-2-302")
    agreed = town.say("r2", "确认入户")
    assert "r5 已登记到 1号院/3号楼/2单元/302" in agreed[0].text
    assert town.household_of("r5") == "302"
    _ask_to_join(town, "r6", "3-2-302")
    _ask_to_join(town, "r7", "3-2-302")
    before = town.snapshot()
    asked = town.say("r2", "确认入户")[0]
    assert "您要确认哪一个" in asked.text
    assert [label for row in asked.buttons for label, _ in row] == ["#3 r6", "#4 r7"]
    assert town.snapshot() == before
    assert "用法" in town.one("r2", "确认入户", "g1").text
    assert town.household_of("r6") is None and town.household_of("r7") is None


def test_refuse_join_alone_privately_asks_before_refusing_the_one_waiting_or_asks_which(
    town: Driver,
) -> None:
    assert "没有等您确认的入户申请" in town.one("r2", "拒绝入户").text
    _ask_to_join(town, "r5", "3-2-302")
    before = town.snapshot()
    asked = town.one("r2", "拒绝入户")
    assert "r5" in asked.text and "1号院/3号楼/2单元/302" in asked.text
    assert [label for row in asked.buttons for label, _ in row] == ["不同意"]
    assert town.snapshot() == before
    refused = town.say("r2", asked.tokens["不同意"], None, event=EventKind.PRESS)
    assert "r5 没有登记到 1号院/3号楼/2单元/302" in refused[0].text
    assert any(a.chat == "r5" and "没有通过" in a.text for a in refused)
    _ask_to_join(town, "r6", "3-2-302")
    _ask_to_join(town, "r7", "3-2-302")
    before = town.snapshot()
    several = town.one("r2", "拒绝入户")
    assert "您要拒绝哪一个" in several.text
    assert [label for row in several.buttons for label, _ in row] == ["#3 r6", "#4 r7"]
    assert "用法" in town.one("r2", "拒绝入户", "g1").text
    assert town.snapshot() == before
    assert town.household_of("r5") is None


def test_registering_elsewhere_withdraws_the_waiting_request(town: Driver) -> None:
    waiting, _ = _ask_to_join(town, "r5", "3-2-302")
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    assert "登记好了" in _text(town.say("r5", "登记 3-2-305", "g1"))
    # The household's old question no longer moves r5 without asking them.
    assert "没有" in town.one("r2", f"确认入户 {number}").text
    assert town.household_of("r5") == "305"


def test_a_join_decided_in_a_group_is_told_only_privately(town: Driver) -> None:
    waiting, _ = _ask_to_join(town, "r5", "3-2-302")
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    town.grant("head", "楼长", "1号院/3号楼")
    refused = town.say("head", f"拒绝入户 {number}", "g2", name="楼长老李")
    # The group hears only that the answer went privately.
    assert [(a.chat, a.text) for a in refused] == [
        ("head", "好的，r5 没有登记到 1号院/3号楼/2单元/302。"),
        ("r5", "r5，您登记到 1号院/3号楼/2单元/302 的申请没有通过。如有疑问，请找楼长或网格员。"),
        ("g2", "楼长老李，详情已私聊发给您。"),
    ]
    assert town.household_of("r5") is None
    waiting, _ = _ask_to_join(town, "r6", "3-2-302")
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    agreed = town.say("r2", f"确认入户 {number}", "g1")
    assert [(a.chat, a.private) for a in agreed] == [("r2", True), ("r6", True), ("g1", False)]
    assert "r6 已登记到 1号院/3号楼/2单元/302" in agreed[0].text
    assert town.household_of("r6") == "302"


@pytest.mark.parametrize(
    "typed",
    ["登记 3-2-305，同意", "登记3-2-305同意", "登记 3-2-305 我同意。", "登记 3-2-305 同意登记"],
)
def test_consent_written_onto_the_address_registers(town: Driver, typed: str) -> None:
    assert "登记好了" in _text(town.say("r5", typed, "g1", name="r5"))
    assert town.household_of("r5") == "305"


def test_other_words_after_the_address_are_refused_and_change_nothing(town: Driver) -> None:
    town.say("r5", "你好", "g1", name="r5")
    before = town.snapshot()
    assert "多了「乱写」" in _text(town.say("r5", "登记 3-2-305 乱写", "g1", name="r5"))
    assert town.snapshot() == before


def test_an_empty_room_is_registered_at_once(town: Driver) -> None:
    answers = town.say("r5", "登记 3-2-305 同意", "g1", name="r5")
    assert "登记好了" in _text(answers) and town.household_of("r5") == "305"


# Household verification -------------------------------------------------------------


def test_with_verification_on_only_verified_households_vote_and_are_counted(town: Driver) -> None:
    with session_of(town.app) as session:
        add_path(session, "文化路街道/红旗里社区/1号院/3号楼/1单元/101")
    town.say("r6", "登记 3-1-101 同意", "g1", name="r6")
    assert "只有" in town.one("r2", "户核验 开", "g1").text
    switched = town.one("sec", "户核验 开", "g1").text
    assert "已开启" in switched and "4 户待核验" in switched
    town.one("owner", "发起投票 装不装电梯 | 装 | 不装", "g1")
    poll_text = town.sent[-1].text
    assert "仅计已核验住户" in poll_text
    assert "核验" in _text(town.say("r2", "投票 1", "g1"))
    assert "只有" in town.one("r2", "核验 3-2-302", "g1").text
    town.grant("head", "楼长", "1号院/3号楼")
    assert "已核验" in town.one("head", "核验 3-2-302", "g1", name="楼长老李").text
    assert "已投票" in _text(town.say("r2", "投票 1", "g1"))
    assert "已投票" in _text(town.say("r6", "投票 2", "g1"))
    result = town.one("r4", "结果 1", "g1").text
    assert _turnout(result) == (2, 2) and "仅计已核验住户" in result


def test_a_new_household_hears_it_awaits_verification_only_where_the_rule_is_on(
    town: Driver,
) -> None:
    assert "只计已核验住户" not in _text(town.say("r6", "登记 3-2-306 同意", "g1", name="r6"))
    town.one("sec", "户核验 开", "g1")
    answers = _text(town.say("r7", "登记 3-2-307 同意", "g1", name="r7"))
    assert "登记好了" in answers and "核验 3-2-307" in answers


def test_a_poll_opened_with_verification_off_counts_every_household(town: Driver) -> None:
    town.one("owner", "发起投票 问题 | 甲 | 乙", "g1")
    town.one("sec", "户核验 开", "g1")
    assert "已投票" in _text(town.say("r2", "投票 1", "g1"))
    assert _turnout(town.one("r4", "结果 1", "g1").text) == (4, 1)
    assert "已关闭" in town.one("sec", "户核验 关", "g1").text


# Tally and turnout ------------------------------------------------------------------


def test_multiple_choice_results_show_ballots_and_choices_apart(town: Driver) -> None:
    town.one("owner", "发起投票 哪天 | 周六 | 周日 | 周一 | 多选 2", "g1")
    town.say("r2", "投票 1 1 2", "g1")
    town.say("r3", "投票 1 2 3", "g1")
    result = town.one("r4", "结果 1", "g1").text
    assert _turnout(result) == (4, 2) and "4 个选择" in result


@pytest.mark.parametrize("setting", ["", " | 每人一票", " | 多选 2 | 可改票", " | 可改票 | 匿名"])
def test_tally_and_turnout_agree_after_any_votes_and_moves(town: Driver, setting: str) -> None:
    app = town.app
    number = open_poll(app, "问题 | 甲 | 乙 | 丙" + setting)
    rng = random.Random(setting)
    users = ["r1", "r1b", "r2", "r3", "r4"]
    for step in range(40):
        user = rng.choice(users)
        if rng.random() < 0.3:
            town.say(user, f"搬迁 3-2-{rng.choice(['301', '9010', '9011', '9012'])}", "g1")
            continue
        with contextlib.suppress(DomainError):
            cast(app, user, number, *rng.sample([1, 2, 3], rng.choice([1, 1, 2])))
        with session_of(app) as session:
            poll = poll_of(session, number)
            counted = standings.standing(session, poll)
            live = standings.turnout(session, app.settings.secret, poll)
            assert live.voted_households == counted.ballots <= live.eligible_households, step
            total = sum(o.votes for o in counted.options)
            assert counted.ballots <= total <= counted.ballots * poll.max_choices, step
            if poll.max_choices == 1:
                assert total == counted.ballots, step
            voters = {resident(session, u).id for u in users}
            assert counted.ballots <= len(voters)
