"""Attendance and hours: check-in windows, confirmed time only, no-shows, totals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import App
from bot.errors import DomainError
from bot.services.common.access import Actor
from bot.services.community.grid import resolve_place
from bot.services.community.people import forget
from bot.services.volunteering import attendance, signups
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.rules import rules_for
from models import HoursSource, SignUpStatus, VolunteerHours
from tests.support.community import bind_approved, build, circle, community, resident, session_of
from tests.support.driver import Driver
from tests.support.volunteers import advance, create, duty, join, statuses

# 2026-11-23 10:00 is now; the shift runs 11:00-13:00 today.
TODAY = "2026-11-23 11:00-13:00"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community, with r2 and r3 on shift #1 (11:00-13:00 today)."""
    driver = build(app)
    create(app, f"门岗 | {TODAY} | 3人")
    join(app, "r2", 1)
    join(app, "r3", 1)
    return driver


def _refused(key: str) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(DomainError, match=f"^{re.escape(key)}$")


def _in(app: App, user: str, number: int | None = None) -> None:
    with session_of(app) as session:
        member = resident(session, user)
        attendance.check_in(session, duty(app, session), member, community(session), number)


def _out(app: App, user: str) -> tuple[int, int]:
    """`user` checks out; the hours row's id and minutes."""
    with session_of(app) as session:
        member = resident(session, user)
        done = attendance.check_out(session, duty(app, session), member, community(session))
        served = done.served
        return served.hours.id, served.hours.minutes


def _admin(session: Session) -> Actor:
    return Actor(resident(session, "owner"), circle(session, "g1"), platform_admin=True)


def _confirm(app: App, reference: str = "") -> list[tuple[str, int]]:
    with session_of(app) as session:
        shift = volunteering.find_shift(session, community(session), 1)
        one = volunteering.person_on(session, shift, reference, None) if reference else None
        served, _ = attendance.confirm(session, app.clock.now(), _admin(session), shift, one)
        return [(s.signup.resident.display_name, s.hours.minutes) for s in served]


def _noshow(app: App, reference: str) -> None:
    with session_of(app) as session:
        shift = volunteering.find_shift(session, community(session), 1)
        one = volunteering.person_on(session, shift, reference, None)
        attendance.mark_noshow(session, app.clock.now(), _admin(session), shift, one)


def _mine(app: App, user: str) -> attendance.MyHours:
    with session_of(app) as session:
        return attendance.my_hours(
            session, app.clock.now(), app.settings.zone, resident(session, user)
        )


def test_checking_in_opens_half_an_hour_before_the_start(town: Driver) -> None:
    app = town.app
    advance(app, minutes=29)
    before = town.snapshot()
    with _refused("volunteering.checkin_outside"):
        _in(app, "r2")
    assert town.snapshot() == before
    advance(app, minutes=1)
    _in(app, "r2")
    with _refused("volunteering.already_checked_in"):
        _in(app, "r2")


def test_checking_in_after_the_shift_ended_is_refused(town: Driver) -> None:
    app = town.app
    advance(app, hours=3)
    with _refused("volunteering.checkin_outside"):
        _in(app, "r2")


def test_checking_in_with_no_shift_of_mine_is_refused_as_not_signed_up(town: Driver) -> None:
    advance(town.app, hours=1)
    before = town.snapshot()
    with _refused("volunteering.checkin_none"):
        _in(town.app, "r4")
    with _refused("volunteering.not_signed_up"):
        _in(town.app, "r4", 1)
    assert "您没有报名 #1 号班次" in town.one("r4", "签到 1", "g1").text
    assert town.snapshot() == before


def test_checking_in_from_the_waitlist_says_one_is_waiting_not_unsigned(town: Driver) -> None:
    create(town.app, "门岗 | 2026-11-23 14:00-16:00 | 1人")
    join(town.app, "r4", 2)
    join(town.app, "r1", 2)
    assert statuses(town.app, 2)["r1"] == SignUpStatus.WAITLISTED
    told = town.one("r1", "签到", "g1").text
    assert told == "您在 #2 号班次的候补名单上，补上了才需要签到；补上时会通知您。", told


def test_a_shift_number_of_another_community_checks_no_one_in_or_out(app: App) -> None:
    driver = build(app)
    driver.grant("sec2", "书记", "幸福社区")
    driver.say("sec2", "/start", name="幸福书记")
    driver.group("g3", "幸福家园邻里圈", admins=("owner3",))
    bind_approved(driver, "owner3", "g3", "幸福家园", name="三院群主", secretary="sec2")
    # r2 volunteers in 幸福社区 too, and is on its shift #1.
    driver.grant("r2", "志愿者", "幸福社区")
    assert create(app, f"门岗 | {TODAY} | 3人", user="owner3", chat="g3") == [1]
    with session_of(app) as session:
        elsewhere = resolve_place(session, "幸福社区")
        signups.sign_up(
            session,
            app.clock.now(),
            app.settings.zone,
            resident(session, "r2"),
            volunteering.find_shift(session, elsewhere, 1),
            rules_for(session, elsewhere.id, app.settings.volunteering),
        )
    advance(app, hours=1)
    before = driver.snapshot()
    assert driver.one("r2", "签到 1", "g1").text == "您没有报名 #1 号班次。"
    assert driver.one("r2", "签到", "g1").text.startswith("您还没有报名值班")
    assert driver.one("r2", "签退 1", "g1").text == "您没有报名 #1 号班次。"
    assert driver.snapshot() == before
    assert "签到" in driver.one("r2", "签到 1", "g3").text


def test_checking_out_of_a_shift_i_am_not_on_says_so(town: Driver) -> None:
    advance(town.app, hours=1)
    before = town.snapshot()
    assert town.one("r4", "签退 1", "g1").text == "您没有报名 #1 号班次。"
    assert town.one("r3", "签退 1", "g1").text == "您还没有签到，无法签退。"
    assert town.snapshot() == before


def test_checking_out_after_an_admin_confirmed_the_shift_says_it_is_confirmed(
    town: Driver,
) -> None:
    app = town.app
    advance(app, hours=1, minutes=10)
    _in(app, "r2")
    advance(app, minutes=20)
    assert _confirm(app) == [("r2", 120), ("r3", 120)]
    before = town.snapshot()
    confirmed = "您在 #1 的出勤已由管理员确认，时长已经记上。"
    for user, text in (("r2", "签退"), ("r2", "签退 1"), ("r3", "签退"), ("r3", "签到")):
        assert town.one(user, text, "g1").text == confirmed, (user, text)
    assert town.snapshot() == before


def test_checking_in_again_after_checking_out_says_so(town: Driver) -> None:
    app = town.app
    advance(app, hours=1, minutes=10)
    _in(app, "r2")
    advance(app, minutes=20)
    _out(app, "r2")
    before = town.snapshot()
    for text in ("签到", "签到 1"):
        assert "您已经签退了（#1）" in town.one("r2", text, "g1").text, text
    assert town.snapshot() == before


@pytest.mark.parametrize(
    "text", ["签到了", "已签到", "我签到了", "我已签到", "簽到了", "我到了", "我到了！"]
)
def test_saying_one_has_checked_in_or_arrived_checks_in_as_check_in_does(
    town: Driver, text: str
) -> None:
    advance(town.app, hours=1)
    told = town.say("r2", text, "g1")
    assert told[0].text.startswith(
        "r2 已签到：#1 门岗（11月23日 周一 11:00–13:00），签到时间 11:00"
    )
    assert statuses(town.app, 1)["r2"] == SignUpStatus.SIGNED_UP
    assert town.one("r2", "签到", "g1").text == "您已经签到了，结束时请发送「签退」。"


@pytest.mark.parametrize("text", ["签退了", "已签退", "我签退了", "簽退了"])
def test_saying_one_has_checked_out_checks_out_as_check_out_does(town: Driver, text: str) -> None:
    advance(town.app, hours=1)
    town.say("r2", "签到", "g1")
    advance(town.app, hours=1)
    assert "r2 已签退：#1 门岗，记志愿服务时长 1 小时。" in town.say("r2", text, "g1")[0].text
    assert statuses(town.app, 1)["r2"] == SignUpStatus.ATTENDED


@pytest.mark.parametrize(
    "text",
    ["签到了吗", "签到了？", "签到了没", "已签到?", "我到了？", "签退了？", "我到了，在门口"],
)
def test_asking_whether_one_checked_in_is_chat(town: Driver, text: str) -> None:
    advance(town.app, hours=1)
    town.say("r3", "签到", "g1")
    before = town.snapshot()
    assert town.say("r2", text, "g1") == []
    assert town.say("r3", text, "g1") == []
    assert town.snapshot() == before


def test_i_have_arrived_without_a_shift_to_check_in_to_now_is_chat_in_a_group(
    town: Driver,
) -> None:
    before = town.snapshot()
    # Before the check-in window opens, and from someone on no shift at all.
    assert town.say("r2", "我到了", "g1") == []
    assert town.say("r4", "我到了", "g1") == []
    assert town.snapshot() == before
    # 签到了 is said to the bot, and answered as 签到 is; so is 我到了 said privately.
    assert town.one("r4", "签到了", "g1").text == town.one("r4", "签到", "g1").text
    assert town.snapshot() == before
    assert town.one("r2", "我到了").text == town.one("r2", "签到").text
    assert "11月23日 周一 10:30 起可签到" in town.one("r2", "我到了").text
    assert statuses(town.app, 1)["r2"] == SignUpStatus.SIGNED_UP


def test_checking_out_records_the_time_between_within_the_shift(town: Driver) -> None:
    app = town.app
    advance(app, minutes=45)
    _in(app, "r2")
    advance(app, hours=2, minutes=30)
    hours_id, minutes = _out(app, "r2")
    assert minutes == 120
    assert statuses(app, 1)["r2"] == SignUpStatus.ATTENDED
    assert "您已经签退了（#1）" in town.one("r2", "签退", "g1").text
    assert "您还没有签到" in town.one("r3", "签退", "g1").text
    with session_of(app) as session:
        row = session.get_one(VolunteerHours, hours_id)
        assert (row.source, row.minutes, row.confirmed_by_id) == (
            HoursSource.CHECKOUT,
            120,
            resident(session, "r2").id,
        )


def test_a_late_arrival_counts_from_check_in_and_an_early_leaver_until_check_out(
    town: Driver,
) -> None:
    app = town.app
    advance(app, hours=1, minutes=20)
    _in(app, "r2")
    advance(app, minutes=70)
    assert _out(app, "r2")[1] == 70


@pytest.mark.parametrize(
    ("check_in", "wait", "key"),
    [
        (False, 90, "volunteering.not_checked_in"),
        (True, 10, "volunteering.checkout_early"),
        (True, 220, "volunteering.checkout_late"),
    ],
)
def test_checking_out_outside_the_window_is_refused_and_changes_nothing(
    town: Driver, check_in: bool, wait: int, key: str
) -> None:
    app = town.app
    advance(app, minutes=40)
    if check_in:
        _in(app, "r2")
    advance(app, minutes=wait)
    before = town.snapshot()
    with _refused(key):
        _out(app, "r2")
    assert town.snapshot() == before


def test_checking_out_right_after_checking_in_records_nothing_and_says_when(
    town: Driver,
) -> None:
    # A check-out sent by mistake at once would record no time and could not be undone.
    advance(town.app, hours=1, minutes=10)
    assert "已签到" in town.one("r2", "签到", "g1").text
    before = town.snapshot()
    assert town.one("r2", "签退", "g1").text == "您刚签到（#1）。值班结束时再发送「签退」。"
    assert town.snapshot() == before
    assert statuses(town.app, 1)["r2"] == SignUpStatus.SIGNED_UP
    advance(town.app, minutes=30)
    assert "记志愿服务时长 30 分钟" in town.one("r2", "签退", "g1").text


def test_hours_read_alike_in_a_check_out_and_an_admins_confirmation(town: Driver) -> None:
    advance(town.app, hours=1, minutes=30)
    town.say("r2", "签到", "g1")
    advance(town.app, hours=1, minutes=30)
    assert "记志愿服务时长 1 小时 30 分。" in town.say("r2", "签退", "g1")[0].text
    confirmed = town.say("owner", "确认出勤 1", "g1")[0].text
    assert "\nr3 2 小时" in confirmed, confirmed
    assert "r2 1 小时 30 分" in town.one("owner", "时长", "g1").text


def test_an_admin_confirms_the_whole_shift_for_those_not_yet_confirmed(town: Driver) -> None:
    app = town.app
    advance(app, minutes=50)
    _in(app, "r2")
    advance(app, hours=1, minutes=10)
    _out(app, "r2")
    assert _confirm(app) == [("r3", 120)]
    assert _confirm(app) == []
    assert [_mine(app, u).total for u in ("r2", "r3")] == [60, 120]


def test_an_admin_confirms_one_person_by_their_number_on_the_list(town: Driver) -> None:
    app = town.app
    advance(app, hours=3)
    assert _confirm(app, "2") == [("r3", 120)]
    with _refused("volunteering.already_confirmed"):
        _confirm(app, "2")


def test_attendance_cannot_be_confirmed_before_the_shift_starts(town: Driver) -> None:
    with _refused("volunteering.not_started"):
        _confirm(town.app)


def test_a_no_show_is_recorded_and_an_admin_may_correct_it(town: Driver) -> None:
    app = town.app
    advance(app, hours=3)
    _noshow(app, "1")
    assert statuses(app, 1)["r2"] == SignUpStatus.NO_SHOW
    assert _confirm(app) == [("r3", 120)]
    assert _confirm(app, "1") == [("r2", 120)]


def test_confirmed_time_cannot_be_marked_as_a_no_show(town: Driver) -> None:
    app = town.app
    advance(app, hours=3)
    _confirm(app)
    before = town.snapshot()
    with _refused("volunteering.already_confirmed"):
        _noshow(app, "1")
    assert town.snapshot() == before


def test_only_confirmed_time_counts_in_my_hours(town: Driver) -> None:
    app = town.app
    advance(app, minutes=40)
    _in(app, "r2")
    advance(app, hours=3)
    assert _mine(app, "r2") == attendance.MyHours(
        0, 0, 0, [], registered=True, waiting=None, here=False, emptied=False
    )


def test_my_hours_add_up_in_all_this_month_and_by_project(town: Driver) -> None:
    app = town.app
    create(app, "守桶 | 2026-11-30 至 2026-12-01 18:00-19:30 | 2人")
    join(app, "r2", 2)
    join(app, "r2", 3)
    advance(app, days=9)
    _confirm(app)
    with session_of(app) as session:
        actor = _admin(session)
        for number in (2, 3):
            shift = volunteering.find_shift(session, community(session), number)
            attendance.confirm(session, app.clock.now(), actor, shift)
    mine = _mine(app, "r2")
    assert (mine.total, mine.month, mine.shifts) == (300, 90, 3)
    assert mine.projects == [("守桶", 180), ("门岗", 120)]


def test_circle_and_community_totals_and_the_top_list(town: Driver) -> None:
    app = town.app
    create(app, "守桶 | 2026-11-23 15:00-16:00 | 2人", user="owner2", chat="g2")
    join(app, "r4", 2)
    advance(app, hours=7)
    _confirm(app)
    with session_of(app) as session:
        actor = Actor(resident(session, "owner2"), circle(session, "g2"), platform_admin=True)
        attendance.confirm(
            session, app.clock.now(), actor, volunteering.find_shift(session, community(session), 2)
        )
        found = attendance.circle_hours(session, circle(session, "g1"), community(session))
        here, whole, top = found.here, found.community.whole, found.community.top
    assert here == attendance.Totals(240, 1, 2)
    assert whole == attendance.Totals(300, 2, 3)
    assert top == [("r2", 120), ("r3", 120), ("r4", 60)]


def test_hours_stay_in_the_communitys_totals_when_a_volunteer_is_erased(town: Driver) -> None:
    app = town.app
    advance(app, hours=3)
    _confirm(app)
    with session_of(app) as session:
        ids = sorted(session.scalars(select(VolunteerHours.id)))
        forget(session, app.clock.now(), resident(session, "r2"))
    with session_of(app) as session:
        rows = session.scalars(select(VolunteerHours).order_by(VolunteerHours.id)).all()
        assert [row.id for row in rows] == ids
        assert sorted(row.resident_id is None for row in rows) == [False, True]
        found = attendance.circle_hours(session, circle(session, "g1"), community(session))
        assert found.community.whole.minutes == 240


@pytest.mark.parametrize("text", ["签到？", "签到?", "簽到？", "签到 1？"])
def test_asking_about_checking_in_says_whether_one_may_and_checks_no_one_in(
    town: Driver, text: str
) -> None:
    before = town.snapshot()
    assert "11月23日 周一 10:30 起可签到" in town.one("r2", text, "g1").text
    assert "没有报名" in town.one("r4", text, "g1").text
    advance(town.app, hours=1)
    assert town.one("r2", text, "g1").text == (
        "您现在可以签到：#1 门岗（11月23日 周一 11:00–13:00）。要签到，请发「签到」。"
    )
    assert town.snapshot() == before
    assert town.one("r2", "签到", "g1").text.startswith("r2 已签到")
    assert town.one("r2", text, "g1").text == "您已经签到了，结束时请发送「签退」。"


@pytest.mark.parametrize("text", ["签退？", "签退?", "簽退？", "签退 1？"])
def test_asking_about_checking_out_says_whether_one_may_and_checks_no_one_out(
    town: Driver, text: str
) -> None:
    advance(town.app, hours=1)
    assert town.one("r2", text, "g1").text == "您还没有签到，无法签退。"
    town.say("r2", "签到", "g1")
    advance(town.app, hours=1)
    before = town.snapshot()
    assert town.one("r2", text, "g1").text == (
        "您现在可以签退：#1 门岗（11月23日 周一 11:00–13:00）。要签退，请发「签退」。"
    )
    assert town.snapshot() == before
    assert statuses(town.app, 1)["r2"] == SignUpStatus.SIGNED_UP
    assert "r2 已签退" in town.say("r2", "签退", "g1")[0].text
