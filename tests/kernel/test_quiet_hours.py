"""Quiet hours: private pushes wait for the morning, replies to the person who wrote do not."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import ConfigError, load_settings
from bot.errors import DomainError
from bot.messages import ChatKind, Envelope, EventKind, Reply, Target
from bot.services.common import access
from bot.services.common.quiet import (
    QuietHours,
    default_quiet,
    parse_span,
    quiet_hours,
    recipients_quiet,
)
from bot.services.community.grid import resolve_place
from bot.services.community.people import ensure_identity
from models import ChainNode, DeliveryRules, Layer, OutboxMessage, OutboxState
from tests.support.community import COMMUNITY, build, resident, session_of
from tests.support.driver import Driver, Sent

ZONE = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(ZONE, (time(21, 30), time(7, 30)))


def local(text: str) -> datetime:
    """A Beijing time written 2026-11-23 23:00."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def _at(app: App, text: str) -> None:
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(local(text))


def _morning(app: App, until: str) -> list[tuple[str, Envelope]]:
    """Run the scheduler up to `until`; each envelope with the local time it went out."""
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    batches = app.scheduler.run_until(clock.now(), local(until), clock.set)
    return [(f"{at.astimezone(ZONE):%m-%d %H:%M}", e) for at, sent in batches for e in sent]


@pytest.fixture
def town(app: App) -> Driver:
    """The test community: g1 with households r1..r4 and secretary `sec`."""
    return build(app)


@pytest.mark.parametrize(
    ("moment", "quiet", "over"),
    [
        ("2026-11-23 21:29", False, "2026-11-23 21:29"),
        ("2026-11-23 21:30", True, "2026-11-24 07:30"),
        ("2026-11-23 23:59", True, "2026-11-24 07:30"),
        ("2026-11-24 03:00", True, "2026-11-24 07:30"),
        ("2026-11-24 07:30", False, "2026-11-24 07:30"),
    ],
)
def test_the_night_runs_from_its_start_to_the_next_morning(
    moment: str, quiet: bool, over: str
) -> None:
    assert NIGHT.holds(local(moment)) is quiet
    assert NIGHT.over(local(moment)) == local(over)


def test_a_span_within_one_day_and_no_span_at_all() -> None:
    noon = QuietHours(ZONE, (time(12, 0), time(14, 0)))
    assert noon.holds(local("2026-11-23 13:00")) and not noon.holds(local("2026-11-23 23:00"))
    assert noon.over(local("2026-11-23 13:00")) == local("2026-11-23 14:00")
    never = QuietHours(ZONE, None)
    assert not never.holds(local("2026-11-23 23:00")) and never.text == ""


def test_a_reminder_in_the_night_goes_in_the_morning_or_before_the_night_began() -> None:
    deadline = local("2026-11-25 23:59")
    assert NIGHT.daytime_before(local("2026-11-24 23:59"), deadline) == local("2026-11-25 07:30")
    assert NIGHT.daytime_before(local("2026-11-25 21:59"), deadline) == local("2026-11-25 21:29")
    assert NIGHT.daytime_before(local("2026-11-25 15:00"), deadline) == local("2026-11-25 15:00")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("21:30-07:30", "21:30-07:30"),
        ("22:00到7:00", "22:00-07:00"),
        ("２２：００－０６：３０", "22:00-06:30"),
        ("关", ""),
        ("OFF", ""),
    ],
)
def test_quiet_hours_are_read_as_people_type_them(typed: str, stored: str) -> None:
    assert parse_span(typed) == stored


@pytest.mark.parametrize(
    ("typed", "key"),
    [("半夜", "quiet.usage"), ("25:00-07:00", "quiet.bad_span"), ("07:00-07:00", "quiet.bad_span")],
)
def test_a_span_that_is_no_span_is_refused(typed: str, key: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_span(typed)
    assert refused.value.key == key


@pytest.mark.parametrize("value", ["25:00-07:00", "21:30", "7:30-21:30", "08:00-08:00"])
def test_the_default_quiet_hours_must_be_a_span(value: str) -> None:
    with pytest.raises(ConfigError, match=r"\[delivery\] quiet_hours"):
        load_settings(environ={}, overrides={("delivery", "quiet_hours"): value})
    assert load_settings(environ={}).delivery.quiet_hours == "21:30-07:30"
    assert load_settings(environ={}, overrides={("delivery", "quiet_hours"): ""})


def _join_request(sent: list[Sent], user: str = "r2") -> list[Sent]:
    return [s for s in sent if s.private and s.chat == user and "想登记到您家" in s.text]


def test_a_push_at_night_waits_for_the_morning_but_the_answer_to_the_writer_does_not(
    town: Driver,
) -> None:
    _at(town.app, "2026-11-23 23:00")
    answered = town.say("n1", "登记 3-2-302 同意", "g1", name="新邻居")
    assert [s.chat for s in answered] == ["n1", "g1"] and "要等他们确认" in answered[0].text
    assert _join_request(answered) == []
    assert town.one("n1", "我的").private
    morning = _morning(town.app, "2026-11-24 09:00")
    assert [(at, e.target.chat_id, e.reply.template) for at, e in morning] == [
        ("11-24 07:30", "r2", "households.join_request")
    ]
    # The buttons of a held message still work in the morning.
    token = morning[0][1].reply.choices[0][0].token
    agreed = town.say("r2", token, event=EventKind.PRESS)
    assert [s.chat for s in agreed] == ["r2", "n1"] and "已登记" in agreed[0].text


def test_held_messages_go_once_even_across_a_restart(town: Driver) -> None:
    _at(town.app, "2026-11-23 23:00")
    town.say("n1", "登记 3-2-302 同意", "g1", name="新邻居")
    again = bootstrap(town.app.settings, town.app.clock, db=town.app.db)
    assert len(_morning(again, "2026-11-24 08:00")) == 1
    assert _morning(again, "2026-11-24 20:00") == []
    with session_of(again) as session:
        rows = session.scalars(select(OutboxMessage)).all()
        assert [row.state for row in rows] == [OutboxState.SENT]


def test_a_secretary_sets_the_quiet_hours_of_their_community(town: Driver) -> None:
    assert "21:30-07:30" in town.one("r1", "免打扰", "g1").text
    assert "只有社区书记" in town.one("r1", "免打扰 关", "g1").text
    assert "改为 23:30-06:00" in town.one("sec", "免打扰 23:30-06:00", "g1").text
    _at(town.app, "2026-11-23 23:00")
    assert len(_join_request(town.say("n1", "登记 3-2-302 同意", "g1", name="甲"))) == 1
    _at(town.app, "2026-11-23 23:45")
    assert _join_request(town.say("n2", "登记 3-2-303 同意", "g1", name="乙"), "r3") == []
    assert [at for at, _ in _morning(town.app, "2026-11-24 09:00")] == ["11-24 06:00"]
    assert "已关闭" in town.one("sec", "免打扰 关", None).text
    _at(town.app, "2026-11-25 03:00")
    assert len(_join_request(town.say("n3", "登记 3-2-304 同意", "g1", name="丙"), "r4")) == 1


def test_a_push_to_a_durable_platform_is_staged_for_the_morning(app: App, town: Driver) -> None:
    now = local("2026-11-23 23:00").astimezone(UTC)
    with session_of(app) as session:
        resident(session, "r1").identities[0].platform = "telegram"
    push = Envelope(Target("telegram", "r1", ChatKind.PRIVATE), Reply("core.start_group"), "en")
    urgent = Envelope(
        Target("telegram", "r1", ChatKind.PRIVATE), Reply("core.start_group"), "en", urgent=True
    )
    with session_of(app) as session:
        assert app.post_office.prepare(session, [push, urgent], now, None) == [urgent]
    with session_of(app) as session:
        times = [row.not_before for row in session.scalars(select(OutboxMessage))]
        assert times == [local("2026-11-24 07:30"), now]
    # The platform's worker sends it; the scheduler leaves it alone.
    _morning(app, "2026-11-24 09:00")
    with session_of(app) as session:
        assert session.scalars(select(OutboxMessage.state)).all() == [OutboxState.PENDING] * 2


def test_each_recipient_gets_the_quiet_hours_of_the_community_they_are_found_in(
    app: App, town: Driver
) -> None:
    """A home's community, else a role's, else the request chain's; else the default."""
    now = local("2026-11-23 23:00").astimezone(UTC)
    town.grant("far", "书记", "幸福社区")
    default = default_quiet(app.settings)
    with session_of(app) as session:
        here, there = resolve_place(session, COMMUNITY), resolve_place(session, "幸福社区")
        session.add_all(
            [
                DeliveryRules(community_id=here.id, quiet_hours="23:30-06:00", updated_at=now),
                DeliveryRules(community_id=there.id, quiet_hours="", updated_at=now),
            ]
        )
        linked = ensure_identity(session, "console", "linked", "党员", now).resident
        ensure_identity(session, "console", "drifter", "路人", now)
        session.add(
            ChainNode(community_id=here.id, resident=linked, layer=Layer.MEMBER, created_at=now)
        )
    people = ["r1", "r2", "sec", "far", "linked", "drifter", "nobody"]
    with session_of(app) as session:
        found = recipients_quiet(session, "console", people, default)
        spans = {account: hours.text for account, hours in found.items()}
        assert spans == {
            "r1": "23:30-06:00",
            "r2": "23:30-06:00",
            "sec": "23:30-06:00",
            "far": "",
            "linked": "23:30-06:00",
            "drifter": default.text,
            "nobody": default.text,
        }
        # The same as the community each is found in one at a time.
        for account in people[:5]:
            community = access.community_for(session, resident(session, account), None)
            assert found[account] == quiet_hours(session, community.id, default)


def test_pushes_to_many_people_cost_the_lookups_of_pushes_to_two(app: App) -> None:
    """Whether each chat is open and each person's quiet hours are read for all at once."""
    now = local("2026-11-23 23:00").astimezone(UTC)
    people = [f"tg{n}" for n in range(12)]
    with session_of(app) as session:
        for account in people:
            ensure_identity(session, "telegram", account, account, now).private_chat_open = True

    def statements(accounts: list[str]) -> int:
        pushes = [
            Envelope(Target("telegram", a, ChatKind.PRIVATE), Reply("core.start_group"), "en")
            for a in accounts
        ]
        ran: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
            if statement.startswith("SELECT"):
                ran.append(statement)

        with session_of(app) as session:
            event.listen(app.db.engine, "before_cursor_execute", count)
            try:
                staged = app.post_office.prepare(session, pushes, now, None)
            finally:
                event.remove(app.db.engine, "before_cursor_execute", count)
        assert staged == [] and len(ran) > 0
        return len(ran)

    assert statements(people) == statements(people[:2])
    with session_of(app) as session:
        held = session.scalars(select(OutboxMessage.not_before)).all()
        assert held == [local("2026-11-24 07:30")] * 14
