"""Volunteer duty at the service level: shifts and rotas, relay sign-up, waitlists, approval."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import App
from bot.errors import DomainError
from bot.services.common.access import Actor
from bot.services.community import circles
from bot.services.community.people import ensure_identity
from bot.services.volunteering import arranging, attendance, signups
from bot.services.volunteering import rules as duty_rules
from bot.services.volunteering import shifts as volunteering
from bot.services.volunteering.shift_spec import parse_items
from bot.services.volunteering.shifts import Who
from models import Shift, ShiftStatus, SignUp, SignUpStatus
from tests.support.community import build, circle, community, resident, session_of
from tests.support.driver import PLATFORM, Driver
from tests.support.volunteers import (
    advance,
    create,
    duty,
    join,
    leave,
    pending_reminders,
    statuses,
)

SIGNED = SignUpStatus.SIGNED_UP
WAITING = SignUpStatus.WAITLISTED
TOMORROW = "2026-11-24 08:00-10:00"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community: admin `owner` of g1 (1号院), secretary `sec`, residents r1..r4."""
    return build(app)


def _refused(key: str) -> pytest.RaisesExc[DomainError]:
    return pytest.raises(DomainError, match=f"^{re.escape(key)}$")


def _local(app: App, moment: datetime) -> str:
    return f"{moment.astimezone(app.settings.zone):%m-%d %H:%M}"


def _shift(app: App, number: int) -> Shift:
    with session_of(app) as session:
        return volunteering.find_shift(session, community(session), number)


def _admin(session: Session, user: str = "owner", chat: str = "g1") -> Actor:
    return Actor(resident(session, user), circle(session, chat), platform_admin=True)


# Creating shifts ---------------------------------------------------------------------------


def test_an_admin_creates_a_shift_numbered_within_the_community(town: Driver) -> None:
    app = town.app
    assert create(app, f"门岗值守 | {TOMORROW} | 2人 | 2号门") == [1]
    assert create(app, "守桶 | 2026-11-24 18:00-19:00 | 1人", user="owner2", chat="g2") == [2]
    first = _shift(app, 1)
    assert (_local(app, first.starts_at), _local(app, first.ends_at)) == (
        "11-24 08:00",
        "11-24 10:00",
    )
    assert (first.capacity, first.place, first.status) == (2, "2号门", ShiftStatus.OPEN)
    assert first.signup_until == first.starts_at
    assert first.cancel_until == first.starts_at - timedelta(hours=2)


def test_a_rota_makes_one_shift_per_slot_per_day_in_the_community_time_zone(town: Driver) -> None:
    app = town.app
    numbers = create(app, "门岗值守 | 2026-11-24 至 2026-12-07 08:00-20:00 每2小时 | 2人 | 2号门")
    assert numbers == list(range(1, 85))
    assert _local(app, _shift(app, 1).starts_at) == "11-24 08:00"
    assert _local(app, _shift(app, 6).starts_at) == "11-24 18:00"
    assert _local(app, _shift(app, 84).ends_at) == "12-07 20:00"
    with session_of(app) as session:
        projects = session.scalars(select(Shift.project_id).distinct()).all()
    assert len(projects) == 1


def test_slots_that_have_started_are_left_out_of_a_rota_made_today(town: Driver) -> None:
    app = town.app
    numbers = create(app, "门岗值守 | 2026-11-23 08:00-14:00 每2小时 | 2人")
    assert numbers == [1]
    assert _local(app, _shift(app, 1).starts_at) == "11-23 12:00"


def test_a_shift_and_its_circle_day_get_their_alert_digests_and_morning_roster(
    town: Driver,
) -> None:
    app = town.app
    create(app, "门岗值守 | 2026-11-25 08:00-10:00 | 2人")
    create(app, "门岗值守 | 2026-11-25 10:00-12:00 | 2人")
    with session_of(app) as session:
        home = circle(session, "g1").id
    # The morning of the day before lists both; the day's own lists the one starting late
    # enough; each has its alert two hours ahead, for when no digest listed it.
    assert pending_reminders(app) == [
        ("short_digest:2026-11-24", "11-24 07:30"),
        ("short_alert:shift:1", "11-25 06:00"),
        (f"morning_roster:{home}:2026-11-25", "11-25 07:30"),
        ("short_digest:2026-11-25", "11-25 07:30"),
        ("short_alert:shift:2", "11-25 08:00"),
    ]


def test_a_resident_cannot_create_shifts(town: Driver) -> None:
    app = town.app
    with session_of(app) as session:
        home = circle(session, "g1")
        outsider = Actor(resident(session, "r2"), home)
        items = parse_items([TOMORROW, "2人"], app.clock.now(), app.settings.zone)
        items.title = "门岗"
        with _refused("volunteering.admins_only"):
            arranging.create_shifts(session, duty(app, session), outsider, home, items)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("门岗 | 2026-11-22 08:00-10:00 | 2人", "volunteering.time_past"),
        ("门岗 | 2026-11-24 08:00-10:00 | 2人 | 截止 1天", "volunteering.cutoff_past"),
        ("门岗 | 2026-11-24 10:00-08:00 | 2人", "volunteering.ends_before_start"),
        (
            "门岗 | 2026-11-24 至 2027-11-23 00:00-24:00 每1小时 | 2人",
            "volunteering.too_many_slots",
        ),
    ],
)
def test_a_shift_that_breaks_a_rule_is_refused_and_nothing_is_stored(
    town: Driver, text: str, key: str
) -> None:
    before = town.snapshot()
    with _refused(key):
        create(town.app, text)
    assert town.snapshot() == before


def test_the_same_shift_is_not_created_twice(town: Driver) -> None:
    create(town.app, f"门岗 | {TOMORROW} | 2人 | 2号门")
    before = town.snapshot()
    with _refused("volunteering.duplicate_shift"):
        create(town.app, "门岗 | 2026-11-24 06:00-12:00 每2小时 | 2人 | 2号门")
    assert town.snapshot() == before


# Signing up -----------------------------------------------------------------------------


def test_signing_up_takes_a_place_and_schedules_the_private_reminders(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    joined = join(app, "r2", 1)
    assert (joined.signup.status, joined.position) == (SIGNED, 1)
    signup = joined.signup.id
    assert (f"day_before:signup:{signup}", "11-23 19:00") in pending_reminders(app)
    assert (f"hour_before:signup:{signup}", "11-24 07:00") in pending_reminders(app)


def test_a_full_shift_puts_later_volunteers_on_its_waitlist_in_order(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    assert [join(app, u, 1).position for u in ("r1", "r2", "r3", "r4")] == [1, 2, 1, 2]
    assert statuses(app, 1) == {"r1": SIGNED, "r2": SIGNED, "r3": WAITING, "r4": WAITING}
    waiting = {key for key, _ in pending_reminders(app) if "signup" in key}
    assert len(waiting) == 4


def test_a_freed_place_goes_at_once_to_the_first_on_the_waitlist(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    for user in ("r1", "r2", "r3", "r4"):
        join(app, user, 1)
    gone = leave(app, "r1", 1)
    assert gone.was == SIGNED
    assert [s.resident.display_name for s in gone.promoted] == ["r3"]
    assert statuses(app, 1) == {
        "r1": SignUpStatus.CANCELLED,
        "r2": SIGNED,
        "r3": SIGNED,
        "r4": WAITING,
    }
    keys = {key for key, _ in pending_reminders(app)}
    assert f"hour_before:signup:{gone.promoted[0].id}" in keys
    assert f"hour_before:signup:{gone.signup.id}" not in keys


def test_signing_up_again_after_withdrawing_takes_a_new_place(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r2", 1)
    leave(app, "r2", 1)
    assert join(app, "r2", 1).signup.status == SIGNED
    assert sum(1 for key, _ in pending_reminders(app) if "signup" in key) == 2


def test_leaving_the_waitlist_is_allowed_after_the_cutoff_and_frees_nothing(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 1人")
    join(app, "r1", 1)
    join(app, "r2", 1)
    advance(app, hours=21)
    gone = leave(app, "r2", 1)
    assert (gone.was, gone.promoted) == (WAITING, [])


def test_a_party_member_may_take_a_party_members_only_shift(town: Driver) -> None:
    create(town.app, f"党员值守 | {TOMORROW} | 2人 | 仅党员")
    town.grant("r3", "党员", "红旗里社区")
    assert join(town.app, "r3", 1).signup.status == SIGNED


def test_someone_holding_a_role_in_the_community_may_sign_up_unregistered(town: Driver) -> None:
    create(town.app, f"门岗 | {TOMORROW} | 2人")
    town.say("v1", "/start", name="志愿者小王")
    town.grant("v1", "志愿者", "红旗里社区")
    assert join(town.app, "v1", 1).signup.status == SIGNED


def _bad_signup_setup(town: Driver, case: str) -> tuple[str, int]:
    app = town.app
    if case == "twice":
        create(app, f"门岗 | {TOMORROW} | 2人")
        join(app, "r2", 1)
        return "r2", 1
    if case == "started":
        create(app, "门岗 | 2026-11-23 11:00-12:00 | 2人")
        advance(app, hours=1, minutes=5)
        return "r2", 1
    if case == "past":
        create(app, "门岗 | 2026-11-23 11:00-12:00 | 2人")
        advance(app, hours=3)
        return "r2", 1
    if case == "closed":
        create(app, f"门岗 | {TOMORROW} | 2人 | 截止 明天 06:00")
        advance(app, hours=20, minutes=30)
        return "r2", 1
    if case == "full":
        create(app, f"讲座 | {TOMORROW} | 1人 | 不候补")
        join(app, "r1", 1)
        return "r2", 1
    if case == "waitlist_full":
        create(app, f"讲座 | {TOMORROW} | 1人 | 候补 1")
        join(app, "r1", 1)
        join(app, "r3", 1)
        return "r2", 1
    if case == "party_only":
        create(app, f"党员值守 | {TOMORROW} | 2人 | 仅党员")
        return "r2", 1
    if case == "unregistered":
        create(app, f"门岗 | {TOMORROW} | 2人")
        town.say("stranger", "/start", name="路人")
        return "stranger", 1
    if case == "overlap":
        create(app, f"门岗 | {TOMORROW} | 2人")
        create(app, "守桶 | 2026-11-24 09:00-11:00 | 2人")
        join(app, "r2", 1)
        return "r2", 2
    create(app, f"门岗 | {TOMORROW} | 2人")
    with session_of(app) as session:
        arranging.cancel_shifts(
            session, duty(app, session), _admin(session), community(session), [1]
        )
    return "r2", 1


@pytest.mark.parametrize(
    ("case", "key"),
    [
        ("twice", "volunteering.already_signed_up"),
        ("started", "volunteering.shift_started"),
        ("past", "volunteering.shift_started"),
        ("closed", "volunteering.signup_closed"),
        ("full", "volunteering.shift_full"),
        ("waitlist_full", "volunteering.shift_full"),
        ("party_only", "volunteering.role_required"),
        ("unregistered", "volunteering.register_first"),
        ("overlap", "volunteering.overlap"),
        ("cancelled", "volunteering.shift_cancelled"),
    ],
)
def test_a_sign_up_that_breaks_a_rule_is_refused_and_changes_nothing(
    town: Driver, case: str, key: str
) -> None:
    user, number = _bad_signup_setup(town, case)
    before = town.snapshot()
    with _refused(key):
        join(town.app, user, number)
    assert town.snapshot() == before


@pytest.mark.parametrize(
    ("case", "key"),
    [("after_cutoff", "volunteering.cancel_closed"), ("never", "volunteering.not_signed_up")],
)
def test_a_withdrawal_that_breaks_a_rule_is_refused_and_changes_nothing(
    town: Driver, case: str, key: str
) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r2", 1)
    if case == "after_cutoff":
        advance(app, hours=20, minutes=1)
    user = "r2" if case == "after_cutoff" else "r3"
    before = town.snapshot()
    with _refused(key):
        leave(app, user, 1)
    assert town.snapshot() == before


# Fifty residents, one place ------------------------------------------------------------------


@pytest.mark.parametrize("waitlist", [True, False])
def test_fifty_residents_racing_for_the_last_place_fill_exactly_the_capacity(
    town: Driver, waitlist: bool
) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 3人" + ("" if waitlist else " | 不候补"))
    join(app, "r1", 1)
    join(app, "r2", 1)
    racers = [f"racer{n}" for n in range(50)]
    with session_of(app) as session:
        home = circle(session, "g1")
        for n, user in enumerate(racers):
            someone = ensure_identity(session, PLATFORM, user, user, app.clock.now()).resident
            circles.register(
                session,
                app.clock.now(),
                someone,
                home,
                f"3-1-{501 + n // 25 * 100 + n % 25}",
                consent=True,
            )
    start = threading.Barrier(len(racers))
    outcomes: list[str] = []

    def race(user: str) -> None:
        start.wait()
        try:
            outcomes.append(join(app, user, 1).signup.status.value)
        except DomainError as error:
            outcomes.append(error.key)

    threads = [threading.Thread(target=race, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("signed_up") == 1
    loser = "waitlisted" if waitlist else "volunteering.shift_full"
    assert outcomes.count(loser) == 49
    with session_of(app) as session:
        placed = session.scalar(
            select(func.count()).select_from(SignUp).where(SignUp.status == SIGNED)
        )
    assert placed == 3


# Admins edit and cancel ------------------------------------------------------------------------


def _edit(app: App, numbers: list[int], *items: str) -> tuple[list[str], list[str], list[str]]:
    """What changed, who was told, who moved up."""
    now = app.clock.now()
    with session_of(app) as session:
        edited = arranging.edit_shifts(
            session,
            duty(app, session),
            _admin(session),
            community(session),
            numbers,
            parse_items(list(items), now, app.settings.zone),
        )
        told = [s.resident.display_name for s in edited.told]
        return edited.changed, told, [s.resident.display_name for s in edited.promoted]


def test_raising_the_capacity_moves_the_waitlist_up(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 1人")
    for user in ("r1", "r2", "r3"):
        join(app, user, 1)
    assert _edit(app, [1], "3人") == (["capacity"], [], ["r2", "r3"])
    assert set(statuses(app, 1).values()) == {SIGNED}


def test_moving_a_shift_re_times_its_reminders_and_tells_its_volunteers(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人 | 截止 1小时")
    signup = join(app, "r2", 1).signup.id
    assert _edit(app, [1], "2026-11-25 14:00-16:00", "3号门") == (["time", "place"], ["r2"], [])
    moved = _shift(app, 1)
    assert _local(app, moved.signup_until) == "11-25 13:00"
    assert (f"hour_before:signup:{signup}", "11-25 13:00") in pending_reminders(app)
    assert (f"day_before:signup:{signup}", "11-24 19:00") in pending_reminders(app)
    assert ("short_alert:shift:1", "11-25 12:00") in pending_reminders(app)


def test_several_shifts_move_to_new_hours_on_their_own_days(town: Driver) -> None:
    app = town.app
    create(app, "门岗 | 2026-11-24 至 2026-11-25 08:00-10:00 | 2人")
    _edit(app, [1, 2], "09:00-11:00")
    assert [_local(app, _shift(app, n).starts_at) for n in (1, 2)] == ["11-24 09:00", "11-25 09:00"]


@pytest.mark.parametrize(
    ("items", "key"),
    [
        (["1人"], "volunteering.capacity_below_taken"),
        (["2026-11-22 08:00-10:00"], "volunteering.time_past"),
        (["2026-11-24 08:00-12:00 每2小时"], "volunteering.edit_one_time"),
        ([], "volunteering.edit_usage"),
    ],
)
def test_an_edit_that_breaks_a_rule_is_refused_and_changes_nothing(
    town: Driver, items: list[str], key: str
) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r1", 1)
    join(app, "r2", 1)
    before = town.snapshot()
    with _refused(key):
        _edit(app, [1], *items)
    assert town.snapshot() == before


def test_a_started_shift_cannot_be_edited_or_cancelled(town: Driver) -> None:
    app = town.app
    create(app, "门岗 | 2026-11-23 11:00-12:00 | 2人")
    join(app, "r1", 1)
    advance(app, hours=1, minutes=30)
    before = town.snapshot()
    with _refused("volunteering.shift_started"):
        _edit(app, [1], "3人")
    with session_of(app) as session, _refused("volunteering.shift_started"):
        arranging.cancel_shifts(
            session, duty(app, session), _admin(session), community(session), [1]
        )
    assert town.snapshot() == before
    assert statuses(app, 1) == {"r1": SignUpStatus.SIGNED_UP}


def test_cancelling_shifts_releases_and_lists_their_volunteers_and_skips_reminders(
    town: Driver,
) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 1人")
    join(app, "r1", 1)
    join(app, "r2", 1)
    with session_of(app) as session:
        cancelled = arranging.cancel_shifts(
            session, duty(app, session), _admin(session), community(session), [1]
        )
        told = [s.resident.display_name for s in cancelled.told]
    assert told == ["r1", "r2"]
    assert set(statuses(app, 1).values()) == {SignUpStatus.CANCELLED}
    assert pending_reminders(app) == [
        item for item in pending_reminders(app) if item[0].startswith("morning_roster")
    ]


def test_only_admins_of_the_shifts_circle_edit_it(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r1", 1)
    before = town.snapshot()
    with session_of(app) as session:
        other = Actor(resident(session, "owner2"), circle(session, "g2"), platform_admin=True)
        with _refused("volunteering.not_your_shift"):
            arranging.cancel_shifts(session, duty(app, session), other, community(session), [1])
    assert town.snapshot() == before
    assert _shift(app, 1).status == ShiftStatus.OPEN


# No-shows and approval ----------------------------------------------------------------------------


def _no_show(town: Driver, user: str) -> None:
    """`user` misses a shift that ran this morning at 11:00."""
    app = town.app
    number = create(app, "早班 | 2026-11-23 11:00-12:00 | 1人")[0]
    join(app, user, number)
    advance(app, hours=2)
    with session_of(app) as session:
        shift = volunteering.find_shift(session, community(session), number)
        signup = volunteering.person_on(session, shift, "1", None)
        attendance.mark_noshow(session, app.clock.now(), _admin(session), shift, signup)


def _limit(town: Driver, count: int) -> None:
    with session_of(town.app) as session:
        changes = duty_rules.parse_rules(f"缺勤 {count}次")
        duty_rules.change_rules(
            session, town.app.clock.now(), resident(session, "sec"), community(session), changes
        )


def test_after_too_many_no_shows_a_sign_up_waits_for_approval(town: Driver) -> None:
    app = town.app
    _limit(town, 1)
    _no_show(town, "r2")
    create(app, f"门岗 | {TOMORROW} | 2人")
    joined = join(app, "r2", 2)
    assert (joined.signup.status, joined.noshows) == (SignUpStatus.PENDING, 1)
    assert not any(key.endswith(f":signup:{joined.signup.id}") for key, _ in pending_reminders(app))
    with session_of(app) as session:
        decided = signups.decide(
            session, duty(app, session), _admin(session), community(session), 2, Who("@r2"), True
        )
        assert decided.signup.status == SIGNED
    assert any(key == f"hour_before:signup:{joined.signup.id}" for key, _ in pending_reminders(app))


def test_a_declined_sign_up_frees_its_place_for_the_waitlist(town: Driver) -> None:
    app = town.app
    _limit(town, 1)
    _no_show(town, "r2")
    create(app, f"门岗 | {TOMORROW} | 1人")
    join(app, "r2", 2)
    join(app, "r3", 2)
    with session_of(app) as session:
        decided = signups.decide(
            session, duty(app, session), _admin(session), community(session), 2, Who("@r2"), False
        )
        assert [s.resident.display_name for s in decided.promoted] == ["r3"]
    assert statuses(app, 2) == {"r2": SignUpStatus.CANCELLED, "r3": SIGNED}


def test_no_shows_need_no_approval_by_default_nor_once_thirty_days_old(town: Driver) -> None:
    app = town.app
    _no_show(town, "r2")
    create(app, f"门岗 | {TOMORROW} | 2人")
    assert join(app, "r2", 2).signup.status == SIGNED
    _limit(town, 1)
    advance(app, days=31)
    create(app, "门岗 | 2026-12-25 08:00-10:00 | 2人")
    assert join(app, "r2", 3).signup.status == SIGNED


def test_only_pending_sign_ups_are_approved(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 2人")
    join(app, "r2", 1)
    before = town.snapshot()
    with session_of(app) as session, _refused("volunteering.not_pending"):
        signups.decide(
            session,
            duty(app, session),
            _admin(session),
            community(session),
            1,
            Who("@r2"),
            True,
        )
    assert town.snapshot() == before
    assert statuses(app, 1) == {"r2": SignUpStatus.SIGNED_UP}


# Finding people and shifts ---------------------------------------------------------------------


def test_a_person_on_a_shift_is_found_by_list_number_or_name(town: Driver) -> None:
    app = town.app
    create(app, f"门岗 | {TOMORROW} | 3人")
    for user in ("r1", "r2", "r3"):
        join(app, user, 1)
    with session_of(app) as session:
        shift = volunteering.find_shift(session, community(session), 1)
        assert volunteering.person_on(session, shift, "2", None).resident.display_name == "r2"
        assert volunteering.person_on(session, shift, "@r3", None).resident.display_name == "r3"
        with _refused("volunteering.no_such_position"):
            volunteering.person_on(session, shift, "4", None)
        with _refused("volunteering.not_on_shift"):
            volunteering.person_on(session, shift, "@r4", None)


def test_upcoming_lists_open_shifts_soonest_first_with_places_left(town: Driver) -> None:
    app = town.app
    create(app, "门岗 | 2026-11-24 至 2026-11-30 08:00-10:00 | 2人")
    join(app, "r1", 2)
    with session_of(app) as session:
        found, total = volunteering.upcoming(session, app.clock.now(), community(session), limit=3)
    assert total == 7
    assert [(v.shift.number, v.left) for v in found] == [(1, 2), (2, 1), (3, 2)]
