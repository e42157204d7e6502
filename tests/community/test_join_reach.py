"""A request to join a household reaches it, or the asker is told honestly that it could not:
the household sees it when they next write to the bot privately."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.clock import VirtualClock
from bot.db import Database
from bot.messages import EventKind
from bot.services.community import circles, households
from bot.services.community.circles import JoinResult
from tests.support.community import (
    COMMUNITY,
    build,
    building_circles,
    circle,
    resident,
    session_of,
    without_private_chats,
)
from tests.support.driver import Driver, Sent
from tests.support.queries import captured

NOBODY_REACHED = "他们还没有私聊过我，等他们私聊我时会看到；您也可以当面告诉他们。"
CHECKERS_ASKED = "已私聊请楼长、单元长或网格员核实。"
QUESTION = "r5 想登记到您家 1号院/3号楼/2单元/302。是您家里人吗？"
UNHEARD = "r5 想登记到 1号院/3号楼/2单元/302（申请号 {}），这户的家人还没私聊过我，看不到这个申请。"


@pytest.fixture
def closed(db: Database, clock: VirtualClock, tmp_path: Path) -> Iterator[Driver]:
    """The test community where, as on Telegram, the bot writes only to people who opened a
    private chat with it; r2 (302) and r3 (303) never did, r1 (301) did."""
    town = build(without_private_chats(db, clock, tmp_path))
    yield town
    town.app.close()


def _asks(town: Driver, user: str, typed: str = "登记 3-2-302 同意") -> tuple[Sent, list[Sent]]:
    """`user` opens a private chat, then asks in g1 to join a household: their own private
    answer, and what anybody else was sent privately."""
    town.say(user, "/start", name=user)
    answers = town.say(user, typed, "g1")
    mine = [a for a in answers if a.chat == user]
    assert len(mine) == 1, answers
    return mine[0], [a for a in answers if a.private and a.chat != user]


def test_an_asker_whose_household_cannot_be_written_to_is_told_so(closed: Driver) -> None:
    waiting, asked = _asks(closed, "r5")
    assert asked == []
    assert NOBODY_REACHED in waiting.text and "已私聊告诉他们" not in waiting.text
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    assert f"「确认入户 {number}」" in waiting.text
    # Asked again, the request still waits where nobody has seen it.
    again = closed.say("r5", "登记 3-2-302 同意", "g1")
    assert [(a.chat, a.private) for a in again] == [("r5", True), ("g1", False)]
    assert NOBODY_REACHED in again[0].text and "已经私聊问过" not in again[0].text


def test_an_asker_whose_household_can_be_written_to_hears_it_was_asked(closed: Driver) -> None:
    closed.say("r2", "/start")
    waiting, asked = _asks(closed, "r5")
    assert [a.chat for a in asked] == ["r2"]
    assert "已私聊告诉他们" in waiting.text and NOBODY_REACHED not in waiting.text


def test_one_member_who_can_be_written_to_is_enough(closed: Driver) -> None:
    # r1 opened a private chat when agreeing that r1b lives with them; r1b never did.
    waiting, asked = _asks(closed, "r5", "登记 3-2-301 同意")
    assert [a.chat for a in asked] == ["r1"]
    assert "已私聊告诉他们" in waiting.text


@pytest.mark.parametrize(
    ("language", "typed", "told"),
    [
        (
            "zh-Hant",
            "登記 3-2-302 同意",
            "他們還沒有私聊過我，等他們私聊我時會看到；您也可以當面告訴他們。",
        ),
        (
            "en",
            "/join 3-2-302 agree",
            "They have not written to me privately yet: they will see it when they do. "
            "You may also tell them in person.",
        ),
    ],
)
def test_the_asker_is_told_in_their_language(
    closed: Driver, language: str, typed: str, told: str
) -> None:
    closed.say("r5", f"/lang {language}", name="r5")
    waiting, _ = _asks(closed, "r5", typed)
    assert told in waiting.text, waiting.text


def test_a_household_member_writing_privately_is_asked_and_can_answer(closed: Driver) -> None:
    waiting, _ = _asks(closed, "r5")
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    started = closed.say("r2", "/start")
    assert [a.chat for a in started] == ["r2", "r2"]
    question, welcome = started
    assert question.text.startswith(QUESTION) and welcome.text.startswith("您好")
    assert question.buttons == [
        [("同意", f"/confirmjoin {number}"), ("不同意", f"/refusejoin {number}")]
    ]
    agreed = closed.say("r2", question.tokens["同意"], None, event=EventKind.PRESS)
    assert closed.household_of("r5") == "302"
    assert any(a.chat == "r5" and "登记好了" in a.text for a in agreed)
    # Answered, it is asked no more.
    assert [a.text for a in closed.say("r2", "/start")] == [welcome.text]


def test_private_help_asks_too_and_a_group_hears_nothing_of_it(closed: Driver) -> None:
    _asks(closed, "r5")
    for typed in ("帮助", "帮助 全部"):
        answers = closed.say("r2", typed)
        assert answers[0].text.startswith(QUESTION), (typed, answers)
        assert len(answers) == 2 and QUESTION not in answers[1].text
    # 我的 is answered from its one reading statement: /start and 帮助 ask.
    assert [QUESTION in a.text for a in closed.say("r2", "我的")] == [False]
    # Who asks to join a household is never said in a group, nor sent privately from one.
    for typed in ("帮助", "我的", "/start"):
        for answer in closed.say("r2", typed, "g1"):
            assert "r5" not in answer.text, (typed, answer)
    # A member of another household is not asked.
    assert all("r5" not in a.text for a in closed.say("r3", "/start"))


def test_the_household_is_asked_in_its_language_with_what_to_type(closed: Driver) -> None:
    _asks(closed, "r5")
    closed.say("r2", "/lang en")
    question = closed.say("r2", "/help")[0]
    assert question.text.startswith(
        "r5 asks to register in your household 1号院/3号楼/2单元/302. Do they live with you?"
    )


def test_someone_with_no_household_is_asked_nothing(closed: Driver) -> None:
    _asks(closed, "r5")
    assert len(closed.say("r5", "/start")) == 1
    assert len(closed.say("r6", "/start", name="r6")) == 1


def _reached(app: App, user: str, always_open: frozenset[str]) -> tuple[bool, int]:
    """Whether the household of `user` can be written to privately, and the statements read."""
    with session_of(app) as session:
        home = resident(session, user).household_id
        assert home is not None
        with captured(app.db.engine) as statements:
            reached = households.reached_privately(session, home, always_open)
    return reached, len(statements)


def test_whether_a_household_can_be_written_to_is_read_in_one_statement(app: App) -> None:
    town = build(app)
    # r2 never wrote privately: only a platform where the bot writes first reaches them.
    assert _reached(app, "r2", frozenset()) == (False, 1)
    assert _reached(app, "r2", frozenset({"console"})) == (True, 1)
    assert _reached(app, "r2", frozenset({"wechat"})) == (False, 1)
    town.say("r2", "/start")
    assert _reached(app, "r2", frozenset()) == (True, 1)


def _register(
    app: App, user: str, room: str, always_open: frozenset[str]
) -> tuple[JoinResult, list[str]]:
    """`user` registers at 3-2-`room` through g1's circle, by the service itself: its result
    and the statements it ran."""
    with session_of(app) as session:
        who = resident(session, user)
        here = circle(session, "g1")
        with captured(app.db.engine) as statements:
            done = circles.register(
                session,
                app.clock.now(),
                who,
                here,
                f"3-2-{room}",
                consent=True,
                always_open=always_open,
            )
    return done, list(statements)


def test_a_request_to_join_says_whether_the_household_can_be_written_to(app: App) -> None:
    """The service tells the handler whether the household hears of the request: the handler
    only replies."""
    town = build(app)
    town.say("r5", "/start", name="r5")
    town.say("r6", "/start", name="r6")
    asked, _ = _register(app, "r5", "302", frozenset())
    assert asked.request is not None and not asked.reached
    assert _register(app, "r5", "302", frozenset())[0].again
    town.say("r2", "/start")
    assert _register(app, "r5", "302", frozenset())[0].reached
    assert _register(app, "r6", "303", frozenset({"console"}))[0].reached
    # Registering in a household nobody lives in asks nobody, and reads no account for it.
    registered, statements = _register(app, "r6", "305", frozenset({"console"}))
    assert registered.request is None and not registered.reached
    assert not [s for s in statements if "identities" in s]


def _checkers(town: Driver) -> None:
    """`bh` heads 3号楼, `uh` its unit 2, `gw` is the community's grid worker and `bh4`
    heads 4号楼; each has opened a private chat."""
    building_circles(town)
    town.grant("gw", "网格员", COMMUNITY)
    town.grant("bh4", "楼长", "1号院/4号楼")
    for user in ("bh", "uh", "gw", "bh4"):
        town.say(user, "/start", name=user)


def test_those_who_check_the_household_see_a_request_its_members_cannot(closed: Driver) -> None:
    _checkers(closed)
    waiting, _ = _asks(closed, "r5")
    number = re.findall(r"申请号 (\d+)", waiting.text)[0]
    for checker in ("bh", "uh", "gw"):
        answers = closed.say(checker, "帮助")
        assert len(answers) == 2 and answers[0].text.startswith(UNHEARD.format(number)), answers
        assert answers[0].buttons == [
            [("同意", f"/confirmjoin {number}"), ("不同意", f"/refusejoin {number}")]
        ]
    # Nobody else is told: not the head of another building, not a neighbour, not a group.
    assert len(closed.say("bh4", "帮助")) == 1
    assert all("r5" not in a.text for a in closed.say("r3", "帮助"))
    assert all("r5" not in a.text for a in closed.say("bh", "帮助", "g1"))
    question = closed.say("bh", "帮助")[0]
    agreed = closed.say("bh", question.tokens["同意"], None, event=EventKind.PRESS)
    assert closed.household_of("r5") == "302"
    assert any(a.chat == "r5" and "登记好了" in a.text for a in agreed)
    assert len(closed.say("bh", "帮助")) == 1


def test_a_request_the_household_can_hear_of_is_left_to_it(closed: Driver) -> None:
    _checkers(closed)
    closed.say("r2", "/start")
    _asks(closed, "r5")
    assert len(closed.say("bh", "帮助")) == 1
    # A household whose one member can be written to hears of it (r1 did, r1b did not).
    _asks(closed, "r6", "登记 3-2-301 同意")
    assert len(closed.say("gw", "帮助")) == 1


def test_the_checker_reads_it_in_their_language(closed: Driver) -> None:
    _checkers(closed)
    _asks(closed, "r5")
    closed.say("bh", "/lang en")
    assert closed.say("bh", "/help")[0].text.startswith(
        "r5 asks to register in the household 1号院/3号楼/2单元/302"
    )


def test_help_of_someone_who_checks_no_household_reads_no_request(closed: Driver) -> None:
    """Private help already reads the sender's roles: one who checks no household costs it
    nothing more."""
    _asks(closed, "r5")
    with captured(closed.app.db.engine) as statements:
        closed.say("r3", "帮助")
    # Only the question to r3's own household reads requests; none reads whom they reach.
    assert not [s for s in statements if "join_requests" in s and "identities" in s]


def test_a_checkers_read_takes_only_the_requests_it_shows(closed: Driver) -> None:
    """However many requests wait in a grid worker's area, the database leaves out those a
    household can hear of and gives at most the three shown: the read does not grow with it."""
    _checkers(closed)
    _asks(closed, "r5")
    with captured(closed.app.db.engine) as statements:
        assert closed.say("gw", "帮助")[0].text.startswith("r5 想登记到")
    read = [s for s in statements if "join_requests" in s and "identities" in s]
    assert len(read) == 1 and "EXISTS" in read[0] and "LIMIT" in read[0]


def _pushed(town: Driver, user: str, typed: str = "登记 3-2-302 同意") -> tuple[str, list[Sent]]:
    """`user` opens a private chat and asks in g1 to join a household: the request's number,
    and what the bot sent anybody but them; the group hears only that it went privately."""
    town.say(user, "/start", name=user)
    answers = town.say(user, typed, "g1")
    group = [a.text for a in answers if not a.private]
    assert group == [f"{user}，详情已私聊发给您。"], answers
    number = re.findall(r"申请号 (\d+)", next(a.text for a in answers if a.chat == user))[0]
    return number, [a for a in answers if a.private and a.chat != user]


def test_those_who_check_a_household_nobody_hears_in_are_asked_once(closed: Driver) -> None:
    _checkers(closed)
    # `bh3` heads 3号楼 too but never opened a private chat: the bot may not write to them.
    closed.grant("bh3", "楼长", "1号院/3号楼")
    number, pushed = _pushed(closed, "r5")
    assert [p.chat for p in pushed] == ["bh", "uh", "gw"]
    for push in pushed:
        assert push.text.startswith(UNHEARD.format(number)), push
        assert push.buttons == [
            [("同意", f"/confirmjoin {number}"), ("不同意", f"/refusejoin {number}")]
        ]
    # Asking again nags nobody.
    again = closed.say("r5", "登记 3-2-302 同意", "g1")
    assert [(a.chat, a.private) for a in again] == [("r5", True), ("g1", False)]


def test_the_asker_hears_that_a_checker_was_asked(closed: Driver) -> None:
    _checkers(closed)
    waiting, _ = _asks(closed, "r5")
    assert waiting.text.endswith(NOBODY_REACHED + CHECKERS_ASKED), waiting.text
    closed.say("r6", "/lang en", name="r6")
    told, _ = _asks(closed, "r6", "/join 3-2-303 agree")
    assert told.text.endswith(
        "Your building head, unit head or grid worker has been asked privately to check."
    ), told.text


def test_a_household_that_hears_of_it_is_asked_and_no_checker(closed: Driver) -> None:
    _checkers(closed)
    closed.say("r2", "/start")
    _, pushed = _pushed(closed, "r5")
    assert [p.chat for p in pushed] == ["r2"]


def test_only_those_who_check_that_household_are_asked(closed: Driver) -> None:
    _checkers(closed)
    # bh4 heads 4号楼; a checker asking to join is not asked about their own request.
    _, pushed = _pushed(closed, "bh", "登记 3-2-302 同意")
    assert [p.chat for p in pushed] == ["uh", "gw"]


def test_a_checker_answers_the_question_pushed_to_them(closed: Driver) -> None:
    _checkers(closed)
    _, pushed = _pushed(closed, "r5")
    agreed = closed.say("uh", pushed[1].tokens["同意"], None, event=EventKind.PRESS)
    assert closed.household_of("r5") == "302"
    assert any(a.chat == "r5" and "登记好了" in a.text for a in agreed)
    assert len(closed.say("bh", "帮助")) == 1


def test_a_checker_is_asked_in_the_morning_of_a_request_made_at_night(closed: Driver) -> None:
    _checkers(closed)
    zone = ZoneInfo("Asia/Shanghai")
    clock = closed.app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=zone))
    waiting, pushed = _asks(closed, "r5")
    assert pushed == [] and CHECKERS_ASKED in waiting.text
    morning = closed.app.scheduler.run_until(
        clock.now(), datetime(2026, 11, 24, 9, 0, tzinfo=zone), clock.set
    )
    sent = [(at.astimezone(zone).strftime("%H:%M"), e) for at, batch in morning for e in batch]
    assert [(at, e.target.chat_id, e.reply.template) for at, e in sent] == [
        ("07:30", checker, "households.unheard_request") for checker in ("bh", "uh", "gw")
    ]


def test_who_checks_a_household_and_hears_is_read_in_one_statement(app: App) -> None:
    town = build(app)
    _checkers(town)
    town.say("r5", "/start", name="r5")
    asked, statements = _register(app, "r5", "302", frozenset())
    assert [a.external_id for a in asked.checkers] == ["bh", "uh", "gw"]
    read = [s for s in statements if "role_grants" in s and "identities" in s]
    assert len(read) == 1, read
    again, statements_again = _register(app, "r5", "302", frozenset())
    assert again.checkers == () and not [s for s in statements_again if "role_grants" in s]
