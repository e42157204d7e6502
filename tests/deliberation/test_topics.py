"""Topics at the service level: support, the agenda, decisions, follow-up and the figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.app import App
from bot.clock import VirtualClock
from bot.errors import DomainError
from bot.messages import ChatKind
from bot.services.common.access import Actor
from bot.services.deliberation import topics
from models import Topic, TopicStatus
from tests.support.community import (
    bind_approved,
    build,
    circle,
    community,
    due_besides_housekeeping,
    open_poll,
    register,
    resident,
    session_of,
)
from tests.support.driver import Driver

NEEDED = 3


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with households r1 (two people), r2, r3 and r4 in 1号院."""
    return build(app)


def _refused(key: str) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(DomainError, match=f"^{re.escape(key)}$")


def _propose(app: App, user: str, title: str = "在2号门增设充电桩") -> topics.Support:
    with session_of(app) as session:
        home = circle(session, "g1")
        return topics.propose(
            session, app.clock.now(), resident(session, user), home, title, NEEDED
        )


def _second(app: App, user: str, number: int = 1) -> topics.Support:
    with session_of(app) as session:
        topic = topics.find(session, community(session), number)
        return topics.second(session, app.clock.now(), resident(session, user), topic, NEEDED)


def _status(app: App, number: int = 1) -> TopicStatus:
    with session_of(app) as session:
        return topics.find(session, community(session), number).status


def _as(app: App, user: str, action: str, *args: object) -> object:
    with session_of(app) as session:
        topic = topics.find(session, community(session), 1)
        actor = Actor(resident(session, user), circle(session, "g1"), user == "owner")
        function = getattr(topics, action)
        return function(session, app.clock.now(), actor, topic, *args)


def test_the_proposers_household_is_the_first_supporter(town: Driver) -> None:
    support = _propose(town.app, "r1")
    assert (support.topic.number, support.count, support.needed) == (1, 1, NEEDED)
    assert support.topic.status == TopicStatus.RAISED and not support.reached


def test_support_is_one_per_household(town: Driver) -> None:
    _propose(town.app, "r2")
    _second(town.app, "r1")
    with _refused("deliberation.already_seconded"):
        _second(town.app, "r1b")
    with _refused("deliberation.already_seconded"):
        _second(town.app, "r2")


def test_reaching_the_threshold_puts_the_topic_on_the_agenda_once(town: Driver) -> None:
    _propose(town.app, "r1")
    assert not _second(town.app, "r2").reached
    reached = _second(town.app, "r3")
    assert reached.reached and reached.count == NEEDED
    assert _status(town.app) == TopicStatus.AGENDA
    assert not _second(town.app, "r4").reached


def test_unregistered_or_outside_residents_cannot_propose_or_second(town: Driver) -> None:
    town.say("stranger", "你好", "g1")
    with _refused("deliberation.register_first"):
        _propose(town.app, "stranger")
    _propose(town.app, "r1")
    with _refused("deliberation.register_first"):
        _second(town.app, "stranger")
    town.group("g3", "幸福家园", admins=("owner3",))
    town.grant("sec3", "书记", "幸福社区")
    bind_approved(town, "owner3", "g3", "幸福家园", secretary="sec3")
    register(town, "far", "1-1-101", chat="g3")
    with _refused("deliberation.outside_community"):
        _second(town.app, "far")


def test_the_threshold_is_the_communitys_own_when_a_secretary_set_one(town: Driver) -> None:
    app = town.app
    with session_of(app) as session:
        place = community(session)
        assert topics.seconds_needed(session, place, 5) == 5
        topics.set_seconds_needed(session, app.clock.now(), resident(session, "sec"), place, 2)
        assert topics.seconds_needed(session, place, 5) == 2
    with _refused("deliberation.secretary_only"), session_of(app) as session:
        topics.set_seconds_needed(
            session, app.clock.now(), resident(session, "owner"), community(session), 9
        )


def test_a_topic_goes_from_raised_to_solved(town: Driver) -> None:
    app = town.app
    _propose(app, "r1")
    _second(app, "r2")
    _second(app, "r3")
    _as(app, "owner", "add_progress", "议事会讨论了两次")
    assert _status(app) == TopicStatus.DELIBERATION
    _as(app, "owner", "decide", "增设4个充电桩")
    assert _status(app) == TopicStatus.DECIDED
    _as(app, "owner", "add_progress", "已联系供电局")
    assert _status(app) == TopicStatus.IN_PROGRESS
    told = _as(app, "owner", "solve")
    assert isinstance(told, list)
    assert sorted(r.display_name for r in told) == ["r1", "r2", "r3"]
    assert _status(app) == TopicStatus.SOLVED


def test_a_topic_being_voted_on_cannot_be_decided(town: Driver) -> None:
    _propose(town.app, "r1")
    open_poll(town.app, "充电桩 | 表决 | 议题 1")
    before = town.snapshot()
    with _refused("deliberation.still_voting"):
        _as(town.app, "owner", "decide", "增设")
    assert town.snapshot() == before


def test_only_admins_and_the_secretary_decide_and_residents_are_refused(town: Driver) -> None:
    _propose(town.app, "r1")
    before = town.snapshot()
    with _refused("deliberation.topic_admins_only"):
        _as(town.app, "r2", "decide", "我说了算")
    with _refused("deliberation.topic_admins_only"):
        _as(town.app, "r2", "solve")
    assert town.snapshot() == before
    _as(town.app, "sec", "decide", "书记决定")
    assert _status(town.app) == TopicStatus.DECIDED


def test_a_topics_details_tell_an_admin_how_to_put_it_to_a_vote(town: Driver) -> None:
    town.one("r1", "提议 在3号楼装充电桩", "g1")
    assert "发送「发起投票 议题 1」就此发起投票。" in town.one("owner", "议题 1", "g1").text
    assert "发起投票" not in town.one("r2", "议题 1", "g1").text
    # Privately no poll opens, and an open poll on the topic needs no second one.
    assert "发起投票" not in town.one("owner", "议题 1").text
    town.one("owner", "/lang en", "g1")
    assert 'Send "/poll topic 1" to put it to a vote.' in town.one("owner", "议题 1", "g1").text
    town.one("owner", "/poll 充电桩 | 表决 | 议题 1", "g1")
    assert "/poll topic" not in town.one("owner", "议题 1", "g1").text
    town.say("owner", "/close 1", "g1")
    town.one("owner", "/decide 1 装", "g1")
    assert "/poll topic" not in town.one("owner", "议题 1", "g1").text


def test_the_owner_of_a_decision_may_add_progress(town: Driver) -> None:
    app = town.app
    _propose(app, "r1")
    with session_of(app) as session:
        topic = topics.find(session, community(session), 1)
        actor = Actor(resident(session, "owner"), circle(session, "g1"), True)
        owner = resident(session, "r4")
        topics.decide(session, app.clock.now(), actor, topic, "修路灯", owner=owner)
    _as(app, "r4", "add_progress", "灯已买好")
    assert _status(app) == TopicStatus.IN_PROGRESS


def test_solving_needs_a_decision_and_a_rejection_needs_a_reason(town: Driver) -> None:
    _propose(town.app, "r1")
    before = town.snapshot()
    with _refused("deliberation.decide_first"):
        _as(town.app, "owner", "solve")
    with _refused("deliberation.reject_usage"):
        _as(town.app, "owner", "reject", "  ")
    assert town.snapshot() == before
    _as(town.app, "owner", "reject", "不在社区职责范围")
    assert _status(town.app) == TopicStatus.REJECTED
    with _refused("deliberation.support_closed"):
        _second(town.app, "r2")


def test_the_figures_count_topics_and_average_the_days_to_solve(
    town: Driver, clock: VirtualClock
) -> None:
    app = town.app
    for title in ("路灯", "充电桩", "绿化"):
        _propose(app, "r1", title)
    with session_of(app) as session:
        first = topics.find(session, community(session), 1)
        actor = Actor(resident(session, "owner"), circle(session, "g1"), True)
        topics.decide(session, app.clock.now(), actor, first, "修")
    clock.set(clock.now() + timedelta(days=4))
    _as(app, "owner", "solve")
    with session_of(app) as session:
        second = topics.find(session, community(session), 2)
        actor = Actor(resident(session, "owner"), circle(session, "g1"), True)
        topics.reject(session, app.clock.now(), actor, second, "重复")
        found = topics.figures(session, community(session))
    assert (found.raised, found.decided, found.solved, found.rejected) == (3, 1, 1, 1)
    assert found.average_days == 4.0


def test_an_overdue_follow_up_is_reminded_to_its_owner_weekly_until_solved(
    town: Driver, clock: VirtualClock
) -> None:
    app = town.app
    town.say("r4", "/start")
    _propose(app, "r1")
    due = app.clock.now() + timedelta(days=10)
    with session_of(app) as session:
        topic = topics.find(session, community(session), 1)
        actor = Actor(resident(session, "owner"), circle(session, "g1"), True)
        owner = resident(session, "r4")
        topics.decide(session, app.clock.now(), actor, topic, "修路灯", owner=owner, due_at=due)
    assert app.scheduler.tick(app.clock.now()) == []
    clock.set(due)
    sent = app.scheduler.tick(due)
    assert [(e.target.chat_id, e.target.kind, e.reply.template) for e in sent] == [
        ("r4", ChatKind.PRIVATE, "deliberation.follow_up_overdue")
    ]
    assert due_besides_housekeeping(app, due) == due + timedelta(days=7)
    _as(app, "owner", "solve")
    clock.set(due + timedelta(days=7))
    assert app.scheduler.tick(clock.now()) == []
    assert due_besides_housekeeping(app, clock.now()) is None


def test_a_hot_topic_goes_on_the_agenda_and_only_a_secretary_pushes_it(town: Driver) -> None:
    app = town.app
    _propose(app, "r1")
    with _refused("deliberation.secretary_only"), session_of(app) as session:
        topic = topics.find(session, community(session), 1)
        topics.push_hot(session, app.clock.now(), resident(session, "owner"), topic)
    with session_of(app) as session:
        topic = topics.find(session, community(session), 1)
        topics.push_hot(session, app.clock.now(), resident(session, "sec"), topic)
    with session_of(app) as session:
        pushed = session.get_one(Topic, topic.id)
        assert pushed.hot and pushed.status == TopicStatus.AGENDA


def test_a_group_without_topics_is_pointed_at_its_open_polls(town: Driver) -> None:
    empty = town.one("r2", "议题", "g1")
    assert "还没有议题" in empty.text and "投票" not in empty.text
    assert "议题 编号" not in empty.text
    open_poll(town.app, "装充电桩吗 | 同意 | 不同意")
    open_poll(town.app, "修路灯吗 | 同意 | 不同意")
    pointed = town.one("r2", "议题", "g1")
    assert "有进行中的投票，发送「投票」参加：#1 装充电桩吗；#2 修路灯吗" in pointed.text
    town.one("r2", "/lang en")
    town.one("owner", "/lang en", "g1")
    english = town.one("r2", "/topics", "g1").text
    assert 'There are open polls; send "/vote" to take part: #1 装充电桩吗; #2' in english


def test_topics_in_a_private_chat_point_at_the_polls_one_may_still_vote_in(town: Driver) -> None:
    town.one("r2", "提议 在2号门增设充电桩", "g1")
    open_poll(town.app, "装充电桩吗 | 同意 | 不同意")
    open_poll(town.app, "修路灯吗 | 同意 | 不同意")
    town.say("r2", "投票 1 1", "g1")
    pointed = town.one("r2", "议题").text
    assert "#1 在2号门增设充电桩" in pointed, pointed
    assert "有进行中的投票，发送「投票」参加：#2 修路灯吗\n" in pointed, pointed
    assert "有进行中的投票" not in town.one("stranger", "议题").text
    town.say("r2", "投票 2 1", "g1")
    assert "有进行中的投票" not in town.one("r2", "议题").text
    assert "有进行中的投票" not in town.one("r2", "议题", "g1").text


def test_topics_in_a_private_chat_name_the_open_polls_one_has_voted_in(town: Driver) -> None:
    open_poll(town.app, "装充电桩吗 | 同意 | 不同意")
    before = town.one("r2", "议题").text
    assert "还没有议题。要提出议题，请在群里发送「提议 议题内容」。" in before, before
    assert "有进行中的投票，发送「投票」参加：#1 装充电桩吗" in before
    town.say("r2", "投票 1 1")
    voted = town.one("r2", "议题").text
    assert "进行中的投票：#1 装充电桩吗\n发送「结果 1」看目前结果。" in voted, voted
    assert "目前结果" in town.one("r2", "结果 1").text
    assert "进行中的投票" not in town.one("stranger", "议题").text
    town.one("r2", "/lang en")
    english = town.one("r2", "/topics").text
    assert 'To raise one, send "/propose your topic" in the group.' in english
    assert 'Open poll: #1 装充电桩吗\nSend "/result 1" for the results so far.' in english
    town.one("r2", "/lang zh-Hant")
    assert "傳送「結果 1」看目前結果。" in town.one("r2", "議題").text
