"""Mediation (调解) of a dispute: relayed privately, agreed or ended, never in a group."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.services import requests
from bot.services.community.people import Named, find_identity
from models import Mediation, MediationStatus, Request, RequestStatus, Resident
from tests.support.community import build, session_of
from tests.support.driver import PLATFORM, Driver, Sent


@pytest.fixture
def dispute(app: App) -> Driver:
    """李党员 covers 3号楼; r1 there reports a noisy neighbour (request 1, 邻里纠纷)."""
    driver = build(app)
    driver.say("li", "/start", name="李党员")
    assert "好的" in driver.one("sec", "联系 @李党员 3号楼", mentions=("li",)).text
    answers = driver.say("r1", "反映 邻里纠纷 楼上天天半夜装修，吵得睡不着")
    assert "邻里纠纷" in _to(answers, "r1") and "李党员" in _to(answers, "r1")
    return driver


def _to(answers: list[Sent], user: str) -> str:
    return "\n".join(s.text for s in answers if s.chat == user)


def _private(answers: list[Sent]) -> bool:
    return all(not s.chat.startswith("g") for s in answers)


def _mediation(app: App) -> tuple[MediationStatus, RequestStatus, bool] | None:
    with session_of(app) as session:
        found = session.scalar(select(Mediation))
        if found is None:
            return None
        return found.status, found.request.status, found.request.due_at is not None


def _person(app: App, user: str) -> Resident:
    with session_of(app) as session:
        identity = find_identity(session, PLATFORM, user)
        assert identity is not None
        return identity.resident


def test_parties_talk_privately_and_the_agreed_outcome_resolves_it(dispute: Driver) -> None:
    opened = dispute.say("li", "调解 1 @r2", mentions=("r2",))
    assert "转为调解，调解员：李党员" in _to(opened, "li") and _private(opened)
    assert "调解员是李党员" in _to(opened, "r1")
    invited = _to(opened, "r2")
    assert "调解员李党员请您参加" in invited and "装修" not in invited and "r1" not in invited
    assert _mediation(dispute.app) == (MediationStatus.OPEN, RequestStatus.TAKEN, False)
    said = dispute.say("r1", "调解 1 说 请晚上十点以后别再装修了")
    assert "已私下转给对方和调解员" in _to(said, "r1") and _private(said)
    assert "调解 1，对方说：请晚上十点以后别再装修了" in _to(said, "r2")
    assert "反映人r1说：请晚上十点以后别再装修了" in _to(said, "li")
    answer = dispute.say("r2", "调解 1 说 好的，以后白天装")
    assert "调解 1，对方说：好的，以后白天装" in _to(answer, "r1") and "r2" not in _to(answer, "r1")
    assert "另一方r2说" in _to(answer, "li")
    mediator = dispute.say("li", "调解 1 说 那就说定了")
    assert {s.chat for s in mediator} == {"li", "r1", "r2"}
    assert "调解员说：那就说定了" in _to(mediator, "r1") and "已私下转给双方" in _to(mediator, "li")
    agreed = dispute.say("li", "调解 1 结果 双方同意晚上十点后不装修")
    assert "已记下调解 1 的结果" in _to(agreed, "li") and _private(agreed)
    assert "双方同意晚上十点后不装修" in _to(agreed, "r1") and "确认解决 1" in _to(agreed, "r1")
    assert "调解 1 达成一致：双方同意晚上十点后不装修" in _to(agreed, "r2")
    assert _mediation(dispute.app) == (MediationStatus.AGREED, RequestStatus.RESOLVED, True)
    assert "已办结" in _to(dispute.say("r1", "确认解决 1"), "r1")
    late = dispute.say("r2", "调解 1 说 还有一件事")
    assert [s.chat for s in late] == ["r2"] and "已经结束了" in late[0].text


def test_ending_without_agreement_hands_it_back_to_its_owner(dispute: Driver) -> None:
    opened = dispute.say("sec", "调解 1 @r2 @李党员", mentions=("r2", "li"))
    assert "调解员：李党员" in _to(opened, "sec")
    assert "请您调解诉求 1" in _to(opened, "li") and "楼上天天半夜装修" in _to(opened, "li")
    assert "反映人：r1；另一方：r2" in _to(opened, "li")
    assert "调解员是李党员" in _to(opened, "r1") and "调解员李党员请您" in _to(opened, "r2")
    ended = dispute.say("li", "调解 1 结束")
    assert "已结束，诉求交回处理人" in _to(ended, "li") and _private(ended)
    assert "没有谈成" in _to(ended, "r1") and "没有谈成" in _to(ended, "r2")
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.OPEN, True)
    assert "待我办理" in dispute.one("li", "诉求").text
    again = dispute.say("sec", "调解 1 @r2", mentions=("r2",))
    assert "调解员：王书记" in _to(again, "sec")
    assert _mediation(dispute.app) == (MediationStatus.OPEN, RequestStatus.TAKEN, False)
    by_sec = dispute.say("sec", "调解 1 结束")
    assert "李党员" not in by_sec[0].text and "接单 1" in _to(by_sec, "li")


@pytest.mark.parametrize(
    "typed", ["调解 1 结束。", "调解 1 结束 。", "调解 1 結束！", "调解 1 end."]
)
def test_the_end_word_may_end_a_sentence(dispute: Driver, typed: str) -> None:
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    ended = dispute.say("li", typed)
    assert "已结束，诉求交回处理人" in _to(ended, "li") and "没有谈成" in _to(ended, "r2")
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.OPEN, True)


def test_the_end_word_with_more_words_is_refused(dispute: Driver) -> None:
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    answers = dispute.say("li", "调解 1 结束。 谈不拢")
    assert [s.chat for s in answers] == ["li"] and "请这样写" in answers[0].text
    assert _mediation(dispute.app) == (MediationStatus.OPEN, RequestStatus.TAKEN, False)


def test_unlinking_the_owner_mid_mediation_keeps_the_clock_stopped(dispute: Driver) -> None:
    """The request goes up to the next owner but stays in mediation: no deadline to take it
    while the parties talk; ended without agreement, it is that new owner's to take."""
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    unlinked = dispute.say("sec", "取消联系 @李党员", mentions=("li",))
    told = _to(unlinked, "sec")
    assert "诉求 1 已转给" in told and "正在调解，调解员是李党员" in told
    assert "前回复「接单 1」" not in told
    assert _mediation(dispute.app) == (MediationStatus.OPEN, RequestStatus.TAKEN, False)
    said = dispute.say("r1", "调解 1 说 还是很吵")
    assert "对方说：还是很吵" in _to(said, "r2") and "反映人r1说：还是很吵" in _to(said, "li")
    assert "没有谈成" in _to(dispute.say("sec", "调解 1 结束"), "r1")
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.OPEN, True)
    assert "待我办理" in dispute.one("sec", "诉求").text
    assert "好的" in _to(dispute.say("sec", "接单 1"), "sec")


def test_a_dispute_reported_in_english_can_be_mediated(dispute: Driver) -> None:
    dispute.one("r1", "/lang en")
    reported = _to(dispute.say("r1", "/report neighbour dispute: the dog upstairs barks"), "r1")
    assert "number 2 (neighbour dispute)" in reported
    opened = dispute.say("li", "调解 2 @r2", mentions=("r2",))
    assert "转为调解，调解员：李党员" in _to(opened, "li")
    assert _mediation(dispute.app) == (MediationStatus.OPEN, RequestStatus.TAKEN, False)


def test_bad_mediations_get_a_clear_reply_and_change_nothing(dispute: Driver) -> None:
    dispute.say("r1", "报修 3号楼门口路灯坏了")
    bad = [
        ("li", "调解 2 @r2", ("r2",), "不是邻里纠纷"),
        ("li", "调解 1 @r1", ("r1",), "不能和自己调解"),
        ("li", "调解 1 @r2 @r2", ("r2", "r2"), "不能和自己调解"),
        ("li", "调解 1 @r2 @r3", ("r2", "r3"), "r3 不是党员或社区书记"),
        ("r3", "调解 1 @r2", ("r2",), "没有找到您能查看的诉求 1"),
        ("li", "调解 1", (), "请这样写"),
        ("li", "调解 1 说 你好", (), "没有找到您参加的调解 1"),
    ]
    for user, text, mentions, expected in bad:
        answers = dispute.say(user, text, mentions=mentions)
        assert [s.chat for s in answers] == [user] and expected in answers[0].text, text
    assert _mediation(dispute.app) is None
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    after = [
        ("r1", "调解 1 说", "请写编号和要说的话"),
        ("r1", "调解 1 说    ", "请写编号和要说的话"),
        ("r3", "调解 1 说 你们好", "没有找到您参加的调解 1"),
        ("sec", "调解 1 说 你们好", "只有双方和调解员能在调解 1 里说话"),
        ("r2", "调解 1 结果 我赢了", "只有调解员能记录"),
        ("r1", "调解 1 结束", "只有调解员能记录"),
        ("li", "调解 1 @r2", "已经在调解了"),
        ("li", "调解 1 结果", "请写编号和谈好的结果"),
    ]
    for user, text, expected in after:
        answers = dispute.say(user, text, mentions=("r2",) if "@" in text else ())
        assert [s.chat for s in answers] == [user] and expected in answers[0].text, text
    assert _mediation(dispute.app) == (MediationStatus.OPEN, RequestStatus.TAKEN, False)
    dispute.say("li", "调解 1 结束")
    closed = dispute.say("r1", "调解 1 说 再谈谈")
    assert [s.chat for s in closed] == ["r1"] and "已经结束了" in closed[0].text


def test_mydata_lists_mediations_and_forget_takes_a_party_out(dispute: Driver) -> None:
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    assert "我参加的调解：1 号（反映人，进行中）" in dispute.one("r1", "/mydata").text
    assert "我参加的调解：1 号（调解员，进行中）" in dispute.one("li", "/mydata").text
    assert "我参加的调解" not in dispute.one("r3", "/mydata").text
    dispute.say("r2", "/forget 确认")
    with session_of(dispute.app) as session:
        mediation = session.scalars(select(Mediation)).one()
        assert mediation.other_id is None and mediation.status == MediationStatus.ENDED
    assert "1 号（反映人，已结束）" in dispute.one("r1", "/mydata").text
    dispute.say("r1", "/forget 确认")
    with session_of(dispute.app) as session:
        request = session.scalars(select(Request)).one()
        assert request.reporter_id is None and request.status == RequestStatus.WITHDRAWN
    assert "1 号（调解员，已结束）" in dispute.one("li", "/mydata").text


def test_forget_drops_the_outcome_of_a_mediation_i_took_part_in(dispute: Driver) -> None:
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    dispute.say("li", "调解 1 结果 r2家晚上十点后不装修")
    dispute.say("r2", "/forget 确认")
    with session_of(dispute.app) as session:
        mediation = session.scalars(select(Mediation)).one()
        assert (mediation.other_id, mediation.outcome) == (None, "")


def test_relaying_names_parties_only_to_the_mediator(dispute: Driver) -> None:
    app = dispute.app
    now = app.clock.now()
    li, r1, r2 = (_person(app, user) for user in ("li", "r1", "r2"))
    with session_of(app) as session:
        community = session.get_one(Request, 1).community
        actor, other = session.merge(li), session.merge(r2)
        named = Named(names=(other.display_name,))
        opened = requests.open_mediation(session, now, actor, community, None, 1, named, "zh-Hans")
        assert opened.mediator == "李党员" and {e.target.chat_id for e in opened.envelopes} == {
            "r1",
            "r2",
        }
        said = requests.relay(session, session.merge(r1), community, 1, " 你好 ", "zh-Hans")
        sent = {e.target.chat_id: e.reply.data for e in said.envelopes}
        assert sent["r2"] == {"number": 1, "sender": "party", "name": "", "text": "你好"}
        assert sent["li"] == {"number": 1, "sender": "reporter", "name": "r1", "text": "你好"}
        count = session.scalar(select(func.count()).select_from(Mediation))
        assert said.role == "reporter" and count == 1


def test_erasing_the_reporter_mid_mediation_tells_the_other_side_and_the_mediator(
    dispute: Driver,
) -> None:
    dispute.say("li", "调解 1 @r2 @王书记", mentions=("r2", "sec"))
    answers = dispute.say("r1", "注销 确认")
    assert "调解 1 已结束：反映人撤回了这个诉求" in _to(answers, "r2")
    assert "调解 1 已结束：反映人撤回了这个诉求" in _to(answers, "sec")
    assert "反映人撤回了诉求 1。不用再办了" in _to(answers, "li")
    told = "\n".join(s.text for s in answers if s.chat != "r1")
    assert "装修" not in told and "r1" not in told and "301" not in told
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.WITHDRAWN, False)


def test_erasing_the_other_side_mid_mediation_hands_it_back_and_tells_the_rest(
    dispute: Driver,
) -> None:
    dispute.say("li", "调解 1 @r2 @王书记", mentions=("r2", "sec"))
    answers = dispute.say("r2", "注销 确认")
    assert "调解 1 已结束，有人退出了调解。诉求交回处理人" in _to(answers, "r1")
    assert "调解 1 已结束，有人退出了调解。诉求交回处理人" in _to(answers, "sec")
    assert "有人退出了调解，诉求 1 交回给您" in _to(answers, "li")
    assert "r2" not in "\n".join(s.text for s in answers if s.chat != "r2")
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.OPEN, True)
    assert "好的" in _to(dispute.say("li", "接单 1"), "li")


def test_erasing_the_mediator_mid_mediation_hands_it_back_and_tells_both_sides(
    dispute: Driver,
) -> None:
    dispute.say("zhao", "/start", name="赵党员")
    dispute.say("sec", "联系 @赵党员 4号楼", mentions=("zhao",))
    dispute.say("li", "调解 1 @r2 @赵党员", mentions=("r2", "zhao"))
    answers = dispute.say("zhao", "注销 确认")
    assert "有人退出了调解。诉求交回处理人" in _to(answers, "r1")
    assert "有人退出了调解。诉求交回处理人" in _to(answers, "r2")
    assert "诉求 1 交回给您。请回复「接单 1」" in _to(answers, "li")
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.OPEN, True)


def test_erasing_a_mediator_who_handles_it_hands_it_up_the_chain(dispute: Driver) -> None:
    dispute.say("li", "调解 1 @r2", mentions=("r2",))
    answers = dispute.say("li", "注销 确认")
    assert "有人退出了调解。诉求交回处理人" in _to(answers, "r1")
    assert "有人退出了调解。诉求交回处理人" in _to(answers, "r2")
    assert "接单 1" in _to(answers, "sec")
    assert _mediation(dispute.app) == (MediationStatus.ENDED, RequestStatus.OPEN, True)
    assert "好的" in _to(dispute.say("sec", "接单 1"), "sec")
