"""The reporter withdraws a request (撤回) or urges its handler (催办), once a day."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.messages import EventKind
from bot.services.community.grid import resolve_place
from models import (
    DeliveryRules,
    Mediation,
    MediationStatus,
    OutboxMessage,
    Request,
    RequestStatus,
    RequestStep,
    StepKind,
)
from tests.support.chain import chain_town, to
from tests.support.community import session_of
from tests.support.driver import Driver


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with its request chain (see tests/support/chain.py)."""
    return chain_town(app)


def _tick(app: App, **delta: float) -> list[tuple[str, str]]:
    """Move the virtual clock, run what falls due, and return (chat, text) of what went out."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + timedelta(**delta)
    sent = [e for _, batch in app.scheduler.run_until(clock.now(), end, clock.set) for e in batch]
    return [
        (
            e.target.chat_id,
            app.renderer.render(e.reply, e.language, html_mode=False, buttons=False).text,
        )
        for e in sent
    ]


def _request(app: App) -> Request:
    with session_of(app) as session:
        found = session.scalars(select(Request)).one()
        session.expunge(found)
        return found


def _steps(app: App, kind: StepKind) -> int:
    with session_of(app) as session:
        query = select(func.count()).select_from(RequestStep).where(RequestStep.kind == kind)
        return session.scalar(query) or 0


def _status(app: App, number: int) -> RequestStatus:
    with session_of(app) as session:
        return session.scalars(select(Request.status).where(Request.number == number)).one()


def _a_day_old(app: App) -> None:
    """The requests reported a day earlier than they were, so that they may be urged."""
    with session_of(app) as session:
        for request in session.scalars(select(Request)):
            request.created_at -= timedelta(days=1)


def _night(app: App) -> None:
    """23:00 the same day, in the default quiet hours (21:30-07:30)."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=13))


def test_the_reporter_withdraws_and_the_handler_is_told_privately(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    answers = town.say("r1", "撤回 1 我自己修好了")
    assert "诉求 1 已撤回" in to(answers, "r1")
    assert "反映人撤回了诉求 1（3号楼门口路灯坏了）：我自己修好了" in to(answers, "li")
    assert {s.chat for s in answers} == {"r1", "li"}
    request = _request(town.app)
    assert request.status == RequestStatus.WITHDRAWN and request.due_at is None
    assert request.closed_at is not None and _steps(town.app, StepKind.WITHDRAWN) == 1
    assert "（已撤回）" in town.one("r1", "诉求").text
    assert "已撤回，不用再办了" in town.one("li", "办结诉求 1 修好了").text


def test_a_withdrawn_request_never_climbs_the_chain_nor_counts_as_solved_or_overdue(
    town: Driver,
) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    # Not taken in time: it went up to the central household, flagged late.
    assert "王中心户" in dict(_tick(app, hours=4, minutes=1))["r1"]
    town.say("r1", "撤销 1")
    assert _tick(app, days=7) == []
    assert _steps(app, StepKind.ESCALATED) == 1 and _steps(app, StepKind.OVERDUE) == 0
    assert "超时" not in town.one("r1", "诉求").text
    counts = town.one("r1", "诉求统计").text
    assert "受理 1 件，已办结 0 件，反映人撤回 1 件" in counts
    figures = town.one("sec", "诉求统计").text
    assert "现在超时未办：0 件" in figures and "反映人撤回：1 件" in figures
    assert "办结 0 件" in figures


def test_only_the_reporter_withdraws_an_unfinished_request(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    assert "只有反映人能" in town.one("li", "撤回 1").text
    assert "没有找到您能查看的诉求 1" in town.one("r2", "撤回 1").text
    assert "没有找到您能查看的诉求 7" in town.one("r1", "撤回 7").text
    assert "要撤回诉求 1" in town.one("r1", "撤回").text
    assert town.say("r1", "撤回", "g1") == []
    assert _request(town.app).status == RequestStatus.TAKEN
    town.say("li", "办结诉求 1 换了灯泡")
    assert "确认解决 1" in town.one("r1", "撤回 1").text
    assert _request(town.app).status == RequestStatus.RESOLVED
    town.say("r1", "确认解决 1")
    assert "不能撤回了" in town.one("r1", "撤回 1").text
    request = _request(town.app)
    assert request.status == RequestStatus.CLOSED and request.resolved_at is not None
    assert _steps(town.app, StepKind.WITHDRAWN) == 0


def test_a_request_withdrawn_before_its_handler_heard_of_it_is_never_sent(town: Driver) -> None:
    _night(town.app)
    assert to(town.say("r1", "报修 3号楼门口路灯坏了", "g1"), "li") == ""
    assert to(town.say("r1", "撤回 1"), "li") == ""
    assert [chat for chat, _ in _tick(town.app, hours=9)] == []


def test_withdrawing_a_dispute_in_mediation_ends_it_and_tells_the_other_two(
    town: Driver,
) -> None:
    town.say("r1", "报修 邻里纠纷 楼上太吵", "g1")
    town.say("r2", "/start")
    town.say("li", "调解 1 @r2 @王中心户", mentions=("r2", "wang"))
    answers = town.say("r1", "撤回 1 谈好了")
    assert "反映人撤回了这个诉求" in to(answers, "r2")
    assert "反映人撤回了这个诉求" in to(answers, "wang")
    assert "反映人撤回了诉求 1" in to(answers, "li")
    with session_of(town.app) as session:
        assert session.scalars(select(Mediation)).one().status == MediationStatus.ENDED
    assert "已经结束了" in town.one("r2", "调解 1 说 好的").text


def test_erasing_the_reporter_withdraws_and_tells_the_handler_nothing_of_theirs(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    answers = town.say("r1", "注销 确认")
    told = to(answers, "li")
    assert "反映人撤回了诉求 1。不用再办了" in told
    assert "路灯" not in told and "r1" not in told and "301" not in told
    assert _request(town.app).status == RequestStatus.WITHDRAWN
    assert _steps(town.app, StepKind.WITHDRAWN) == 1
    with session_of(town.app) as session:
        notices = select(OutboxMessage.data).where(
            OutboxMessage.template == "requests.withdrawn_notice"
        )
        assert all("路灯" not in str(data) for data in session.scalars(notices))


def test_erasing_a_reporter_whose_handler_never_heard_of_it_sends_them_nothing(
    town: Driver,
) -> None:
    _night(town.app)
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert to(town.say("r1", "注销 确认"), "li") == ""
    assert [chat for chat, _ in _tick(town.app, hours=9)] == []


def test_english_withdraw_and_remind_commands(town: Driver) -> None:
    town.one("r1", "/lang en")
    town.say("r1", "/report the lift is broken in 3号楼", "g1")
    _a_day_old(town.app)
    reminded = town.say("r1", "/remind 1")
    assert "reminded of request 1" in to(reminded, "r1") and "催办诉求 1" in to(reminded, "li")
    withdrawn = town.say("r1", "/cancelrequest 1")
    assert "request 1 is withdrawn" in to(withdrawn, "r1")
    assert "反映人撤回了诉求 1" in to(withdrawn, "li")


def test_the_slash_forms_alone_in_a_group_are_shown_how_to_write_them(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert town.say("r1", "催办", "g1") == []
    withdraw = town.say("r1", "/cancelrequest", "g1")
    assert [(s.chat, s.text) for s in withdraw] == [
        ("g1", "请写编号，例如「撤回 3」，也可以写原因：「撤回 3 已经自己修好了」。")
    ]
    remind = town.say("r1", "/remind", "g1")
    assert [(s.chat, s.text) for s in remind] == [("g1", "请写编号，例如「催办 3」。")]
    assert _request(town.app).status == RequestStatus.OPEN


def test_the_handler_is_urged_once_a_day_across_a_restart(town: Driver) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    _a_day_old(town.app)
    urged = town.say("r1", "催办 1")
    assert "已提醒联系党员李党员办理诉求 1" in to(urged, "r1")
    notice = to(urged, "li")
    assert "反映人催办诉求 1（公共设施）" in notice and "3号楼门口路灯坏了" in notice
    assert "14:00 前回复「接单 1」" in notice
    assert _request(app).urged_at is not None
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=1))
    town.say("li", "接单 1")
    again = town.say("r1", "催一下 1")
    assert [s.chat for s in again] == ["r1"]
    assert "10:00 已经催办过了" in again[0].text
    assert "办理期限是 11月26日 周四 11:00" in again[0].text
    app.close()
    restarted = bootstrap(app.settings, clock, db=app.db)
    driver = Driver(restarted)
    clock.set(clock.now() + timedelta(hours=22, minutes=59))
    assert "已经催办过了" in driver.one("r1", "催办 1").text
    clock.set(clock.now() + timedelta(minutes=1))
    later = driver.say("r1", "催办 1")
    assert "请在 11月26日 周四 11:00 前办好" in to(later, "li")
    assert _steps(restarted, StepKind.URGED) == 2
    restarted.close()


def test_a_request_is_urged_first_a_day_after_it_was_reported(town: Driver) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    soon = town.say("r1", "催办 1")
    assert [s.chat for s in soon] == ["r1"]
    assert "诉求 1 反映还不到一天，请在 11月24日 周二 10:00 以后再催办" in soon[0].text
    assert "办理期限是 11月26日 周四 10:00" in soon[0].text
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=23, minutes=59))
    assert "还不到一天" in town.one("r1", "催办 1").text
    assert _steps(app, StepKind.URGED) == 0 and _request(app).urged_at is None
    clock.set(clock.now() + timedelta(minutes=1))
    assert "反映人催办诉求 1" in to(town.say("r1", "催办 1"), "li")
    assert _steps(app, StepKind.URGED) == 1


def test_only_the_reporter_urges_a_request_still_being_handled(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert "只有反映人能" in town.one("li", "催办 1").text
    assert "没有找到您能查看的诉求 1" in town.one("r2", "催办 1").text
    assert "没有找到您能查看的诉求 5" in town.one("r1", "催办 5").text
    town.say("li", "接单 1")
    town.say("li", "办结诉求 1 换了灯泡")
    assert "在等您确认" in town.one("r1", "催办 1").text
    town.say("r1", "确认解决 1")
    assert "不能催办了" in town.one("r1", "催办 1").text
    town.say("r1", "报修 3号楼楼道堆满了杂物", "g1")
    town.say("r1", "撤回 2")
    assert "不能催办了" in town.one("r1", "催办 2").text
    assert _steps(town.app, StepKind.URGED) == 0
    assert _request_urged(town.app) == [None, None]


def test_a_request_with_nobody_handling_it_cannot_be_urged(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    with session_of(town.app) as session:
        session.scalars(select(Request)).one().owner_id = None
    assert "现在没有处理人，没法催办" in town.one("r1", "催办 1").text
    assert _request(town.app).urged_at is None


def _request_urged(app: App) -> list[object]:
    with session_of(app) as session:
        return list(session.scalars(select(Request.urged_at).order_by(Request.number)))


def test_an_urge_at_night_reaches_the_handler_once_in_the_morning(town: Driver) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    _night(app)
    _a_day_old(town.app)
    urged = town.say("r1", "催办 1")
    assert to(urged, "li") == "" and "现在是夜间，提醒 11月24日 周二 07:30 发出" in to(urged, "r1")
    assert _tick(app, hours=8) == []
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    app.close()
    restarted = bootstrap(app.settings, clock, db=app.db)
    morning = _tick(restarted, hours=1)
    assert [chat for chat, text in morning if "反映人催办诉求 1" in text] == ["li"]
    assert _tick(restarted, hours=2) == []
    restarted.close()


def test_an_urge_at_night_waits_for_the_end_of_the_handlers_own_quiet_hours(
    town: Driver,
) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    # The handler is found in another community, whose nights end at 06:00.
    town.grant("li", "网格员", "幸福社区")
    with session_of(app) as session:
        there = resolve_place(session, "幸福社区")
        session.add(
            DeliveryRules(
                community_id=there.id, quiet_hours="22:00-06:00", updated_at=app.clock.now()
            )
        )
    _night(app)
    _a_day_old(town.app)
    urged = town.say("r1", "催办 1")
    assert to(urged, "li") == "" and "提醒 11月24日 周二 06:00 发出" in to(urged, "r1")
    assert [chat for chat, text in _tick(app, hours=7, minutes=1) if "反映人催办" in text] == ["li"]


def test_an_urge_has_a_key_of_its_own_and_a_held_one_does_not_hide_the_handler(
    town: Driver,
) -> None:
    """The handler heard of the request by day: withdrawn at night, with an urge still
    waiting for the morning, they are told in the morning and the urge goes no more."""
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    _night(app)
    _a_day_old(town.app)
    town.say("r1", "催办 1")
    with session_of(app) as session:
        assert session.scalars(select(OutboxMessage.key)).all() == ["request:1:urge:1"]
    town.say("r1", "撤回 1 修好了")
    morning = [text for chat, text in _tick(app, hours=9) if chat == "li"]
    assert len(morning) == 1 and "反映人撤回了诉求 1（3号楼门口路灯坏了）" in morning[0]


def test_an_urge_held_for_the_morning_goes_no_more_once_the_request_is_solved(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    _night(town.app)
    _a_day_old(town.app)
    town.say("r1", "催办 1")
    town.say("li", "办结诉求 1 换了灯泡")
    assert not [text for _, text in _tick(town.app, hours=9) if "催办" in text]


def test_a_second_urge_held_for_the_morning_goes_no_more_once_the_request_is_solved(
    town: Driver,
) -> None:
    """Each urge has a key of its own: the clean-up finds a later one too."""
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    _a_day_old(town.app)
    assert "反映人催办诉求 1" in to(town.say("r1", "催办 1"), "li")
    _night(town.app)
    clock = town.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=24))
    assert to(town.say("r1", "催办 1"), "li") == ""
    town.say("li", "办结诉求 1 换了灯泡")
    assert not [text for _, text in _tick(town.app, hours=9) if "催办" in text]


def test_urging_a_request_not_taken_names_when_it_is_to_be_taken_and_urged_again(
    town: Driver,
) -> None:
    app = town.app
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    soon = town.one("r1", "催办 1").text
    assert soon == (
        "诉求 1 反映还不到一天，请在 11月24日 周二 10:00 以后再催办。"
        "处理人要在 11月23日 周一 14:00 前接单。"
    ), soon
    _a_day_old(app)
    urged = to(town.say("r1", "催办 1"), "r1")
    assert "办理期限" not in urged and "处理人要在 11月23日 周一 14:00 前接单" in urged, urged
    again = town.one("r1", "催办 1").text
    assert again.startswith(
        "诉求 1 在 11月23日 周一 10:00 已经催办过了。"
        "一天只能催一次，请在 11月24日 周二 10:00 以后再催办。"
    ), again


def test_withdraw_alone_privately_asks_which_and_changes_nothing_until_chosen(
    town: Driver,
) -> None:
    assert town.one("r1", "撤回").text == "现在没有您可以撤回的诉求。"
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "接单 1")
    before = town.snapshot()
    asked = town.one("r1", "撤回")
    assert asked.text.startswith("要撤回诉求 1「3号楼门口路灯坏了」吗？撤回后就不再办理了。")
    assert town.snapshot() == before
    assert town.say("r1", "撤回", "g1") == []
    town.say("r1", "报修 2号楼楼道灯不亮", "g1")
    before = town.snapshot()
    which = town.one("r1", "撤销")
    assert which.text.startswith("您要撤回哪个诉求？")
    assert [label for row in which.buttons for label, _ in row] == [
        "#1 3号楼门口路灯坏了",
        "#2 2号楼楼道灯不亮",
    ]
    assert town.snapshot() == before
    answers = town.say("r1", which.tokens["#1 3号楼门口路灯坏了"], event=EventKind.PRESS)
    assert "诉求 1 已撤回" in to(answers, "r1") and "反映人撤回了诉求 1" in to(answers, "li")
    assert _status(town.app, 1) == RequestStatus.WITHDRAWN
    assert _status(town.app, 2) == RequestStatus.OPEN


def test_urge_alone_privately_urges_the_reporters_one_request_in_hand(town: Driver) -> None:
    assert town.one("r1", "催办").text == "现在没有您可以催办的诉求。"
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    _a_day_old(town.app)
    urged = town.say("r1", "催办")
    assert "催办诉求 1" in to(urged, "li")
    town.say("r1", "报修 2号楼楼道灯不亮", "g1")
    before = town.snapshot()
    which = town.one("r1", "催一下")
    assert which.text == "您有 2 个诉求正在办：1、2。请写编号，例如「催办 1」。"
    assert town.snapshot() == before


def test_resolve_with_words_alone_solves_the_handlers_one_request_taken(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    assert town.one("li", "办结诉求 换了灯泡").text == "现在没有您在办的诉求。"
    town.say("li", "接单 1")
    answers = town.say("li", "办结诉求 换了灯泡")
    assert "诉求 1" in to(answers, "li") and "换了灯泡" in to(answers, "r1")
    assert _status(town.app, 1) == RequestStatus.RESOLVED
    # The reporter's words alone reopen their one request waiting for their word.
    reopened = town.say("r1", "重新办理 灯还是不亮")
    assert "灯还是不亮" in to(reopened, "li")
    assert _status(town.app, 1) == RequestStatus.OPEN
