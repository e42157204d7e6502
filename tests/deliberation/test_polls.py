"""Polls at the service level: opening, voting, anonymity, closing, reminders, live counts."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bot import migrate
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.errors import DomainError
from bot.messages import ChatKind
from bot.services.common.access import Actor
from bot.services.common.quiet import default_quiet
from bot.services.community import circles
from bot.services.community.people import ensure_identity
from bot.services.deliberation import ballots, charts, poll_views, polls, standings
from bot.services.deliberation.poll_spec import parse_settings
from models import (
    AuditEntry,
    Ballot,
    BallotMark,
    Base,
    Poll,
    PollPosting,
    PollStatus,
    TopicStatus,
)
from tests.conftest import START
from tests.support.community import (
    bind_elsewhere,
    build,
    cast,
    circle,
    counts,
    open_poll,
    poll_of,
    register,
    resident,
    session_of,
)
from tests.support.driver import Driver


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with households r1 (two people), r2, r3 and r4 in 1号院."""
    return build(app)


def _refused(key: str) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(DomainError, match=f"^{re.escape(key)}$")


def _advance(app: App, **delta: float) -> None:
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(**delta))


# Opening ----------------------------------------------------------------------------


def test_an_admin_opens_a_poll_numbered_within_the_community(town: Driver) -> None:
    app = town.app
    assert open_poll(app, "问题一 | 甲 | 乙") == 1
    assert open_poll(app, "问题二 | 甲 | 乙", user="owner2", chat="g2") == 2
    with session_of(app) as session:
        first = poll_of(session, 1)
        assert [o.label for o in first.options] == ["甲", "乙"]
        assert first.per_household and not first.anonymous and not first.hidden
        assert first.closes_at == app.clock.now() + timedelta(days=7)
        assert first.remind_at == first.closes_at - timedelta(hours=24)


def test_a_poll_is_posted_in_every_chat_of_its_circle_on_every_platform(town: Driver) -> None:
    app = town.app
    bind_elsewhere(app, "telegram", "-100777", "1号院", "tg-owner")
    open_poll(app, "问题 | 甲 | 乙")
    with session_of(app) as session:
        posted = session.scalars(select(PollPosting).order_by(PollPosting.id)).all()
        assert [(p.platform, p.chat_id) for p in posted] == [
            ("console", "g1"),
            ("telegram", "-100777"),
        ]


def test_a_secretary_polls_a_whole_community_in_all_its_circles(town: Driver) -> None:
    app = town.app
    open_poll(app, "社区问题 | 甲 | 乙 | 范围 红旗里社区", user="sec", platform_admin=False)
    with session_of(app) as session:
        chats = session.scalars(select(PollPosting.chat_id).order_by(PollPosting.id)).all()
        assert chats == ["g1", "g2"]


def test_a_circle_admin_cannot_poll_beyond_their_circle(town: Driver) -> None:
    with _refused("deliberation.scope_too_wide"):
        open_poll(town.app, "问题 | 甲 | 乙 | 范围 红旗里社区")


def test_a_resident_cannot_open_a_poll(town: Driver) -> None:
    with _refused("deliberation.poll_admins_only"):
        open_poll(town.app, "问题 | 甲 | 乙", user="r2", platform_admin=False)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("问题 | 只有一个", "deliberation.option_count"),
        ("问题 | " + " | ".join(f"选项{n}" for n in range(11)), "deliberation.option_count"),
        ("问题 | 甲 | 甲", "deliberation.duplicate_option"),
        ("问题 | 甲 | 乙 | 截止 2020-01-01 10:00", "deliberation.deadline_past"),
        ("问题 | 甲 | 乙 | 法定 120%", "deliberation.bad_quorum"),
        ("问题 | 甲 | 乙 | 多选 3", "deliberation.bad_choose"),
        ("问题 | 甲 | 乙 | 评分", "deliberation.no_options_needed"),
        ("问题 | 甲 | 乙 | 开始 3天 | 截止 2天", "deliberation.opens_after_deadline"),
        ("问题 | 甲 | 乙 | 议题 9", "deliberation.no_such_topic"),
    ],
)
def test_a_poll_that_breaks_a_rule_is_refused_and_nothing_is_stored(
    town: Driver, text: str, key: str
) -> None:
    before = town.snapshot()
    with _refused(key):
        open_poll(town.app, text)
    assert town.snapshot() == before


def _two_households_of_three_in_2号院(town: Driver) -> None:
    """a1 and a2 share 2号院's 1-1-101, b lives at 1-1-102: the only residents there."""
    register(town, "a1", "1-1-101", chat="g2")
    town.say("a2", "登记 1-1-101 同意", "g2", name="a2")
    assert "已登记" in town.say("a1", "确认入户")[0].text
    register(town, "b", "1-1-102", chat="g2")


def test_an_anonymous_poll_fewer_than_three_may_vote_in_is_refused_and_nothing_is_stored(
    town: Driver,
) -> None:
    _two_households_of_three_in_2号院(town)
    before = town.snapshot()
    with _refused("deliberation.anonymous_too_few") as refused:
        open_poll(town.app, "问题 | 甲 | 乙 | 匿名", user="owner2", chat="g2")
    assert refused.value.data == {"voters": 2, "fewest": 3, "per_household": True}
    assert town.snapshot() == before
    # One vote per person counts residents, and three may vote; a named poll may always open.
    assert open_poll(town.app, "问题 | 甲 | 乙 | 匿名 | 每人一票", user="owner2", chat="g2") == 1
    assert open_poll(town.app, "问题 | 甲 | 乙", user="owner2", chat="g2") == 2


def test_an_anonymous_poll_in_a_scope_with_too_few_households_is_refused(town: Driver) -> None:
    with _refused("deliberation.anonymous_too_few") as refused:
        open_poll(town.app, "问题 | 甲 | 乙 | 匿名 | 范围 1号院/4号楼")
    assert refused.value.data["voters"] == 0


def test_the_opener_is_told_why_and_offered_a_named_vote(town: Driver) -> None:
    _two_households_of_three_in_2号院(town)
    answer = town.one("owner2", "发起投票 装哪种灯 | 甲 | 乙 | 匿名", "g2")
    assert "匿名投票至少要 3 户能投票" in answer.text
    assert "只有 2 户" in answer.text and "记名投票" in answer.text
    with session_of(town.app) as session:
        assert session.scalar(select(func.count()).select_from(PollPosting)) == 0


def test_ten_options_are_the_most_and_two_the_least(town: Driver) -> None:
    assert open_poll(town.app, "问题 | " + " | ".join(f"选项{n}" for n in range(10))) == 1
    assert open_poll(town.app, "问题 | 甲 | 乙") == 2


# Voting -----------------------------------------------------------------------------


def test_one_vote_per_household_refuses_a_second_member(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙")
    assert [o.position for o in cast(app, "r1", 1, 1).chosen] == [1]
    with _refused("deliberation.household_voted"):
        cast(app, "r1b", 1, 2)
    with _refused("deliberation.household_voted"):
        cast(app, "r1", 1, 1)
    assert counts(app, 1) == [1, 0]


def test_one_vote_per_resident_lets_each_member_of_a_household_vote(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 每人一票")
    cast(app, "r1", 1, 1)
    cast(app, "r1b", 1, 2)
    with _refused("deliberation.already_voted"):
        cast(app, "r1b", 1, 1)
    assert counts(app, 1) == [1, 1]


def test_voting_outside_the_polls_time_or_on_a_missing_option_is_refused(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 开始 明天 8:00 | 截止 3天")
    with _refused("deliberation.poll_not_open"):
        cast(app, "r2", 1, 1)
    _advance(app, days=1)
    with _refused("deliberation.no_such_option"):
        cast(app, "r2", 1, 9)
    with _refused("deliberation.too_many_choices"):
        cast(app, "r2", 1, 1, 2)
    cast(app, "r2", 1, 2)
    _advance(app, days=3)
    with _refused("deliberation.poll_closed"):
        cast(app, "r3", 1, 1)
    assert counts(app, 1) == [0, 1]


def test_only_residents_inside_the_scope_may_vote(town: Driver) -> None:
    app = town.app
    register(town, "r9", "4-101")
    open_poll(app, "三号楼的事 | 甲 | 乙 | 范围 1号院/3号楼")
    with _refused("deliberation.not_eligible"):
        cast(app, "r9", 1, 1)
    cast(app, "r2", 1, 1)


def test_without_a_scope_the_posting_circles_members_living_in_its_place_vote(town: Driver) -> None:
    app = town.app
    register(town, "r8", "1-1-101", chat="g2")
    open_poll(app, "一号院的事 | 甲 | 乙")
    with _refused("deliberation.not_eligible"):
        cast(app, "r8", 1, 1)
    town.say("r8", "你好", "g1")
    with _refused("deliberation.not_eligible"):
        cast(app, "r8", 1, 1)
    town.say("stranger", "你好", "g1")
    with _refused("deliberation.register_first"):
        cast(app, "stranger", 1, 1)


def test_a_changeable_vote_moves_its_count(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 可改票")
    cast(app, "r2", 1, 1)
    changed = cast(app, "r2", 1, 2)
    assert changed.changed and counts(app, 1) == [0, 1]


def test_a_vote_that_may_not_change_stays(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙")
    cast(app, "r2", 1, 1)
    with _refused("deliberation.household_voted"):
        cast(app, "r2", 1, 2)
    assert counts(app, 1) == [1, 0]


def test_multiple_choice_adds_options_one_at_a_time_up_to_k(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 丙 | 多选 2")
    cast(app, "r2", 1, 1)
    assert [o.position for o in cast(app, "r2", 1, 3).chosen] == [1, 3]
    with _refused("deliberation.ballot_full"):
        cast(app, "r2", 1, 2)
    with _refused("deliberation.household_voted"):
        cast(app, "r2", 1, 1, 2)
    cast(app, "r3", 1, 2, 3)
    assert counts(app, 1) == [1, 1, 2]


def test_a_chosen_option_pressed_again_comes_off_where_votes_may_change(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 丙 | 多选 2 | 可改票")
    cast(app, "r2", 1, 1)
    cast(app, "r2", 1, 2)
    with _refused("deliberation.ballot_full"):
        cast(app, "r2", 1, 3)
    cast(app, "r2", 1, 1)
    assert counts(app, 1) == [0, 1, 0]
    assert cast(app, "r2", 1, 2).chosen == []
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_two_hundred_voters_of_one_household_voting_at_once_record_one_vote(
    town: Driver,
) -> None:
    app = town.app
    users = [f"kin{n}" for n in range(200)]
    with session_of(app) as session:
        home = circle(session, "g1")
        now = app.clock.now()
        first = ensure_identity(session, "console", users[0], users[0], now).resident
        circles.register(session, now, first, home, "3-1-101", consent=True)
        for user in users[1:]:
            person = ensure_identity(session, "console", user, user, now).resident
            asked = circles.register(session, now, person, home, "3-1-101", consent=True)
            assert asked.request is not None
            circles.decide_join(session, now, first, asked.request.id, agree=True)
    open_poll(app, "问题 | 甲 | 乙")
    start = threading.Barrier(len(users))
    outcomes: list[str] = []

    def vote(user: str) -> None:
        start.wait()
        try:
            cast(app, user, 1, 1)
            outcomes.append("voted")
        except DomainError as error:
            outcomes.append(error.key)

    threads = [threading.Thread(target=vote, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("voted") == 1
    assert outcomes.count("deliberation.household_voted") == len(users) - 1
    assert counts(app, 1) == [1, 0]
    with session_of(app) as session:
        assert session.scalar(select(func.count()).select_from(Ballot)) == 1


# Anonymity --------------------------------------------------------------------------


def _fresh(db: Database, name: str) -> Database:
    if db.engine.dialect.name == "sqlite":
        database = Database(db.url.replace("linli.db", f"{name}.db"))
        migrate.upgrade(database.engine)
        return database
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return db


def _after_votes(db: Database, first: int, second: int) -> dict[str, list[tuple[object, ...]]]:
    app = bootstrap(Settings(), VirtualClock(START), db=_fresh(db, f"run{first}"))
    town = build(app)
    open_poll(app, "匿名问题 | 甲 | 乙 | 匿名")
    cast(app, "r2", 1, first)
    cast(app, "r3", 1, second)
    return town.snapshot()


def test_an_anonymous_polls_stored_rows_do_not_reveal_who_chose_what(db: Database) -> None:
    one_way = _after_votes(db, 1, 2)
    other_way = _after_votes(db, 2, 1)
    # What is stored after "r2 chose 甲, r3 chose 乙" equals what is stored after
    # "r2 chose 乙, r3 chose 甲": nothing in the database tells the two apart.
    assert one_way == other_way
    ballots = one_way["ballots"]
    assert len(ballots) == 2 and all(row[3:] == (None, None, None) for row in ballots)
    assert [row[-1] for row in one_way["poll_options"]] == [1, 1]


def test_anonymous_choices_that_may_change_are_kept_only_as_marks_needing_the_secret(
    town: Driver,
) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 匿名 | 可改票")
    cast(app, "r2", 1, 1)
    cast(app, "r2", 1, 2)
    assert counts(app, 1) == [0, 1]
    with session_of(app) as session:
        poll = poll_of(session, 1)
        marks = set(session.scalars(select(BallotMark.mark)))
        voter = resident(session, "r2")
        key = ballots.voter_key(app.settings.secret, poll, voter)
        assert marks == {ballots._mark(app.settings.secret, poll.id, key, 2)}
        other_key = ballots.voter_key(b"another secret", poll, voter)
        guesses = {ballots._mark(b"another secret", poll.id, other_key, n) for n in (1, 2)}
        assert not marks & guesses
        ballot = session.scalars(select(Ballot)).one()
        assert ballot.voter_key == key and ballot.resident_id is None
        details = [e.details for e in session.scalars(select(AuditEntry))]
        assert not any("甲" in str(d) or "乙" in str(d) for d in details)


def test_turning_a_poll_anonymous_erases_who_voted(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙")
    cast(app, "r2", 1, 1)
    _change(app, "匿名")
    with session_of(app) as session:
        ballot = session.scalars(select(Ballot)).one()
        assert (ballot.resident_id, ballot.household_id, ballot.cast_at) == (None, None, None)


def _change(app: App, *items: str, user: str = "owner") -> None:
    with session_of(app) as session:
        settings = parse_settings(list(items), app.clock.now(), app.dispatcher.zone)
        actor = Actor(resident(session, user), circle(session, "g1"), True)
        polls.change_settings(
            session,
            app.clock.now(),
            actor,
            poll_of(session, 1),
            settings,
            reminder_hours=24,
            quiet=default_quiet(app.settings),
        )


@pytest.mark.parametrize(
    ("opened", "change", "key"),
    [
        ("匿名", "实名", "deliberation.promise_kept"),
        ("结束后公布", "即时公布", "deliberation.promise_kept"),
        ("截止 3天", "每人一票", "deliberation.votes_exist"),
        ("截止 3天", "多选 2", "deliberation.set_at_opening"),
    ],
)
def test_settings_that_weaken_a_promise_cannot_be_switched_off_once_votes_exist(
    town: Driver, opened: str, change: str, key: str
) -> None:
    app = town.app
    open_poll(app, f"问题 | 甲 | 乙 | {opened}")
    cast(app, "r2", 1, 1)
    before = town.snapshot()
    with _refused(key):
        _change(app, change)
    assert town.snapshot() == before


def test_before_any_vote_every_setting_may_change_and_the_deadline_always(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 匿名 | 结束后公布")
    _change(app, "实名", "即时公布", "每人一票")
    cast(app, "r2", 1, 1)
    _change(app, "截止 10天")
    with session_of(app) as session:
        poll = poll_of(session, 1)
        assert not poll.anonymous and not poll.hidden and not poll.per_household
        assert poll.closes_at == app.clock.now() + timedelta(days=10)


# Results and closing ----------------------------------------------------------------


def test_hidden_results_stay_hidden_from_everyone_the_owner_included(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 结束后公布")
    cast(app, "r2", 1, 1)
    assert "结果截止后才公布" in town.one("owner", "结果 1", "g1").text
    assert "结果截止后才公布" in town.one("sec", "结果 1", "g1").text
    _advance(app, days=8)
    app.scheduler.tick(app.clock.now())
    assert "1. 甲 —— 1 票（100%）" in town.one("owner", "结果 1", "g1").text


def test_closing_keeps_turnout_and_judges_the_quorum(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 法定 50% | 截止 1天")
    open_poll(app, "问题 | 甲 | 乙 | 法定 75% | 截止 1天")
    for number in (1, 2):
        cast(app, "r1", number, 1)
        cast(app, "r2", number, 2)
    _advance(app, days=1)
    app.scheduler.tick(app.clock.now())
    with session_of(app) as session:
        valid, invalid = poll_of(session, 1), poll_of(session, 2)
        assert (valid.eligible_households, valid.voted_households) == (4, 2)
        assert standings.quorum_met(valid) is True and standings.quorum_met(invalid) is False


def test_closing_works_out_the_final_standing_once_for_the_message_chart_and_result(
    town: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 截止 1天")
    cast(app, "r1", 1, 1)
    app.scheduler.tick(app.clock.now())
    worked_out: list[int] = []
    real = standings.standing

    def counting(session: Session, poll: Poll) -> standings.Standing:
        worked_out.append(poll.number)
        return real(session, poll)

    monkeypatch.setattr(standings, "standing", counting)
    monkeypatch.setattr(poll_views, "standing", counting)
    _advance(app, days=1)
    closed = app.scheduler.tick(app.clock.now())
    assert worked_out == [1]
    assert [e.reply.template for e in closed] == ["deliberation.poll", "deliberation.result"]
    assert closed[1].reply.image is not None


def test_the_scheduler_closes_a_poll_exactly_once_also_after_a_restart(town: Driver) -> None:
    app = town.app
    bind_elsewhere(app, "telegram", "-100777", "1号院", "tg-owner")
    open_poll(app, "问题 | 甲 | 乙 | 截止 2天")
    cast(app, "r2", 1, 2)
    _advance(app, days=5)
    restarted = bootstrap(app.settings, app.clock, db=Database(app.db.url))
    sent = restarted.scheduler.tick(app.clock.now())
    results = [e for e in sent if e.reply.template == "deliberation.result"]
    assert [(e.target.platform, e.target.chat_id) for e in results] == [
        ("console", "g1"),
        ("telegram", "-100777"),
    ]
    assert all(e.reply.image is not None and e.reply.image.exists() for e in results)
    edits = [e for e in sent if e.edit]
    assert {e.key for e in edits} == {"poll:1"} and all(not e.reply.choices for e in edits)
    assert restarted.scheduler.tick(app.clock.now()) == []
    assert app.scheduler.tick(app.clock.now()) == []
    restarted.close()
    with session_of(app) as session:
        closing = session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.close"))
        assert len(closing.all()) == 1
        assert poll_of(session, 1).status == PollStatus.CLOSED


def _close(app: App, user: str, platform_admin: bool) -> None:
    with session_of(app) as session:
        actor = Actor(resident(session, user), circle(session, "g1"), platform_admin)
        poll = poll_of(session, 1)
        polls.close_early(session, app.clock.now(), actor, poll, app.settings.secret)


def test_only_the_owner_or_an_admin_closes_a_poll_early(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙")
    before = town.snapshot()
    with _refused("deliberation.close_not_allowed"):
        _close(app, "r2", False)
    assert town.snapshot() == before
    _close(app, "sec", False)
    closed = town.snapshot()
    with _refused("deliberation.poll_closed"):
        _close(app, "owner", True)
    assert town.snapshot() == closed
    with session_of(app) as session:
        assert poll_of(session, 1).status == PollStatus.CLOSED


def test_a_topic_is_voting_while_its_poll_is_open_then_awaits_its_decision(town: Driver) -> None:
    app = town.app
    town.one("r1", "提议 加装电梯", "g1")
    open_poll(app, "加装电梯 | 表决 | 议题 1 | 截止 1天")
    with session_of(app) as session:
        assert poll_of(session, 1).topic is not None
        assert poll_of(session, 1).topic.status == TopicStatus.VOTING  # type: ignore[union-attr]
    _advance(app, days=1)
    app.scheduler.tick(app.clock.now())
    with session_of(app) as session:
        assert poll_of(session, 1).topic.status == TopicStatus.DELIBERATION  # type: ignore[union-attr]


def test_a_rating_poll_reports_its_average(town: Driver) -> None:
    app = town.app
    open_poll(app, "改造满意度 | 评分")
    cast(app, "r1", 1, 5)
    cast(app, "r2", 1, 4)
    cast(app, "r3", 1, 3)
    with session_of(app) as session:
        standing = standings.standing(session, poll_of(session, 1))
        assert standing.average == 4.0 and [o.votes for o in standing.options] == [0, 0, 1, 1, 1]


# Reminders and live counts ------------------------------------------------------------


def test_voters_who_have_not_voted_are_reminded_privately_and_the_circle_gets_a_count(
    town: Driver,
) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 截止 3天 | 匿名")
    cast(app, "r1", 1, 1)
    _advance(app, days=2)
    sent = app.scheduler.tick(app.clock.now())
    private = sorted(e.target.chat_id for e in sent if e.target.kind == ChatKind.PRIVATE)
    assert private == ["r2", "r3", "r4"]
    circle_notes = [e for e in sent if e.reply.template == "deliberation.remind_circle"]
    assert [(e.target.chat_id, e.reply.data["waiting"]) for e in circle_notes] == [("g1", 3)]
    assert app.scheduler.tick(app.clock.now()) == []


def test_the_reminder_lead_time_is_a_setting_and_zero_means_none(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙 | 截止 2天", reminder_hours=2)
    open_poll(app, "问题 | 甲 | 乙 | 截止 2天", reminder_hours=0)
    open_poll(app, "问题 | 甲 | 乙 | 截止 1小时", reminder_hours=2)
    with session_of(app) as session:
        timed, silent, short = (poll_of(session, n) for n in (1, 2, 3))
        assert timed.remind_at == timed.closes_at - timedelta(hours=2)
        assert silent.remind_at is None and short.remind_at is None


def test_the_poll_message_the_result_and_the_chart_show_the_same_percentages(
    town: Driver, tmp_path: Path
) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙")
    for user, option in (("r1", 1), ("r2", 2), ("r3", 2)):
        cast(app, user, 1, option)
    [edit] = app.scheduler.tick(app.clock.now())
    card = app.renderer.markup(edit.reply.template, edit.reply.data, "zh-Hans")
    result = town.one("r4", "结果 1", "g1").text
    for line in ("1. 甲 —— 1 票（33.3%）", "2. 乙 —— 2 票（66.7%）"):
        assert line in card and line in result
    assert "4 户中 3 户投票（75%）" in result
    with session_of(app) as session:
        counted = standings.standing(session, poll_of(session, 1))
    chart = charts.draw(counted, "#1", tmp_path / "chart.png", rating=False, named=False)
    assert chart.values == ["1 (33.3%)", "2 (66.7%)"]


def test_a_share_is_shown_to_one_decimal_rounded_half_up_without_a_trailing_zero() -> None:
    shown = standings.shown_percent
    assert [shown(1, whole) for whole in (700, 2000, 2001)] == ["0.1", "0.1", "0"]
    assert [shown(part, 8) for part in (0, 1, 4, 8)] == ["0", "12.5", "50", "100"]
    assert shown(0, 0) == "0"


def test_votes_are_merged_into_one_edit_per_interval(town: Driver) -> None:
    app = town.app
    open_poll(app, "问题 | 甲 | 乙")
    for user in ("r1", "r2", "r3"):
        cast(app, user, 1, 1)
    edits = app.scheduler.tick(app.clock.now())
    assert [(e.key, e.edit, e.target.chat_id) for e in edits] == [("poll:1", True, "g1")]
    assert "1. 甲 —— 3 票（100%）" in app.renderer.markup(
        edits[0].reply.template, edits[0].reply.data, "zh-Hans"
    )
    cast(app, "r4", 1, 2)
    assert app.scheduler.tick(app.clock.now()) == []
    with session_of(app) as session:
        assert poll_of(session, 1).refresh_at == app.clock.now() + timedelta(seconds=10)
    _advance(app, seconds=10)
    assert len(app.scheduler.tick(app.clock.now())) == 1
