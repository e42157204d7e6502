"""Role grants: allowed and refused for every role pair in docs/commands.md's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.app import App
from bot.errors import DomainError
from bot.services.common import access
from bot.services.community import circles, roles
from bot.services.community.grid import resolve_place
from bot.services.community.people import ensure_identity
from models import AuditEntry, Circle, CircleKind, Resident, Role, RoleGrant
from tests.support.driver import Driver

ALL_ROLES = list(Role)
CIRCLE_ADMIN_MAY = {Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.VOLUNTEER}
# Grantor -> the roles they may grant inside the circle of 1号院 (docs/commands.md).
EXPECTED: dict[str, set[Role]] = {
    "secretary": set(ALL_ROLES),
    "circle-admin": CIRCLE_ADMIN_MAY,
    "platform-admin": CIRCLE_ADMIN_MAY,
    "grid-worker": set(),
    "building-head": set(),
    "unit-head": set(),
    "party-member": set(),
    "volunteer": set(),
    "resident": set(),
    "other-secretary": set(),
}


def _setup(app: App) -> tuple[Circle, Resident, Resident]:
    """A circle on 1号院, a grantor and a registered target at 3-2-301."""
    driver = Driver(app)
    driver.seed_grid()
    now = app.clock.now()
    with app.db.transaction() as session:
        grantor = ensure_identity(session, "console", "g", "授权人", now).resident
        target = ensure_identity(session, "console", "t", "对象", now).resident
        bound = circles.attach_chat(
            session,
            now,
            circles.ChatSpec("console", "g1", "1号院邻里圈"),
            resolve_place(session, "1号院"),
            CircleKind.NEIGHBOUR,
            "",
            actor_id=None,
            admin=grantor,
        )
        # The binding made the grantor a circle admin; tests grant what they need.
        for held in access.active_grants(session, grantor.id):
            held.revoked_at = now
        circles.register(session, now, target, bound, "3-2-301", consent=True)
        return bound, grantor, target


def _give(app: App, grantor: Resident, circle: Circle, kind: str) -> None:
    place_for = {
        "secretary": "红旗里社区",
        "grid-worker": "红旗里社区",
        "party-member": "红旗里社区",
        "volunteer": "红旗里社区",
        "building-head": "1号院/3号楼",
        "unit-head": "1号院/3号楼/2单元",
        "other-secretary": "幸福社区",
    }
    with app.db.transaction() as session:
        if kind == "circle-admin":
            scope = roles.Scope(circle=session.get(Circle, circle.id))
            roles.grant(
                session,
                app.clock.now(),
                session.get_one(Resident, grantor.id),
                Role.CIRCLE_ADMIN,
                scope,
                roles.OPERATOR,
            )
        elif kind in place_for:
            role = Role.SECRETARY if kind == "other-secretary" else Role(kind)
            scope = roles.Scope(place=resolve_place(session, place_for[kind]))
            roles.grant(
                session,
                app.clock.now(),
                session.get_one(Resident, grantor.id),
                role,
                scope,
                roles.OPERATOR,
            )


@pytest.mark.parametrize("grantor_kind", list(EXPECTED))
def test_who_may_grant_which_role(app: App, grantor_kind: str) -> None:
    circle, grantor, target = _setup(app)
    _give(app, grantor, circle, grantor_kind)
    for role in ALL_ROLES:
        with app.db.transaction() as session:
            here = session.get(Circle, circle.id)
            assert here is not None
            who = session.get(Resident, target.id)
            assert who is not None
            scope = roles.scope_for(session, role, here, who)
            by = roles.Grantor(grantor.id, here, grantor_kind == "platform-admin")
            if role in EXPECTED[grantor_kind]:
                roles.grant(session, app.clock.now(), who, role, scope, by)
                roles.revoke(session, app.clock.now(), who, role, scope, by)
            else:
                with pytest.raises(DomainError) as refused:
                    roles.grant(session, app.clock.now(), who, role, scope, by)
                assert refused.value.key == "roles.not_allowed"
    with app.db.transaction() as session:
        held = session.scalars(select(RoleGrant).where(RoleGrant.resident_id == target.id)).all()
        assert {g.role for g in held} == EXPECTED[grantor_kind]
        assert all(g.revoked_at is not None for g in held)


def test_every_grant_and_revoke_is_audited(app: App) -> None:
    circle, grantor, target = _setup(app)
    _give(app, grantor, circle, "secretary")
    with app.db.transaction() as session:
        here = session.get(Circle, circle.id)
        who = session.get(Resident, target.id)
        assert here is not None and who is not None
        scope = roles.scope_for(session, Role.BUILDING_HEAD, here, who)
        by = roles.Grantor(grantor.id, here)
        roles.grant(session, app.clock.now(), who, Role.BUILDING_HEAD, scope, by)
        roles.revoke(session, app.clock.now(), who, Role.BUILDING_HEAD, scope, by)
    with app.db.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.target_id == target.id).order_by(AuditEntry.id)
        ).all()
        trail = [(e.action, e.actor_id, e.details.get("role")) for e in entries]
    assert ("role.grant", grantor.id, "building-head") in trail
    assert ("role.revoke", grantor.id, "building-head") in trail


def test_a_circle_admin_cannot_reach_beyond_the_circles_place(app: App) -> None:
    driver = Driver(app)
    driver.seed_grid()
    now = app.clock.now()
    with app.db.transaction() as session:
        admin = ensure_identity(session, "console", "a", "楼群管理员", now).resident
        target = ensure_identity(session, "console", "t", "四号楼住户", now).resident
        estate = circles.attach_chat(
            session,
            now,
            circles.ChatSpec("console", "e", ""),
            resolve_place(session, "1号院"),
            CircleKind.NEIGHBOUR,
            "",
            actor_id=None,
            admin=admin,
        )
        circles.register(session, now, target, estate, "4-101", consent=True)
        building = circles.attach_chat(
            session,
            now,
            circles.ChatSpec("console", "b", ""),
            resolve_place(session, "1号院/3号楼"),
            CircleKind.NEIGHBOUR,
            "",
            actor_id=None,
            admin=admin,
        )
        scope = roles.Scope(place=resolve_place(session, "1号院/4号楼"))
        assert not roles.can_grant(session, admin.id, Role.BUILDING_HEAD, scope, building)
        assert roles.can_grant(session, admin.id, Role.BUILDING_HEAD, scope, estate)


def test_granting_twice_and_revoking_what_is_not_held_are_refused(app: App) -> None:
    circle, _grantor, target = _setup(app)
    with app.db.transaction() as session:
        who = session.get(Resident, target.id)
        here = session.get(Circle, circle.id)
        assert who is not None and here is not None
        scope = roles.scope_for(session, Role.VOLUNTEER, here, who)
        with pytest.raises(DomainError, match=r"roles\.not_held"):
            roles.revoke(session, app.clock.now(), who, Role.VOLUNTEER, scope, roles.OPERATOR)
        roles.grant(session, app.clock.now(), who, Role.VOLUNTEER, scope, roles.OPERATOR)
        with pytest.raises(DomainError, match=r"roles\.already"):
            roles.grant(session, app.clock.now(), who, Role.VOLUNTEER, scope, roles.OPERATOR)


def test_scopes_follow_the_role_level(app: App) -> None:
    circle, _grantor, target = _setup(app)
    with app.db.transaction() as session:
        here = session.get(Circle, circle.id)
        who = session.get(Resident, target.id)
        assert here is not None and who is not None
        names = {
            role: roles.describe_scope(session, roles.scope_for(session, role, here, who))
            for role in ALL_ROLES
        }
    assert names[Role.SECRETARY] == "红旗里社区"
    assert names[Role.GRID_WORKER] == "红旗里社区/1号院"
    assert names[Role.CIRCLE_ADMIN] == "1号院"
    assert names[Role.BUILDING_HEAD] == "红旗里社区/1号院/3号楼"
    assert names[Role.UNIT_HEAD] == "红旗里社区/1号院/3号楼/2单元"
    assert names[Role.PARTY_MEMBER] == "红旗里社区"


def _head_of_building(app: App, session: Session) -> tuple[Resident, roles.Scope]:
    """A resident, and 1号院/3号楼 as a scope to grant them a role at."""
    head = ensure_identity(session, "console", "h", "楼长", app.clock.now()).resident
    return head, roles.Scope(place=resolve_place(session, "1号院/3号楼"))


def test_an_events_checks_read_the_grants_once_and_see_its_own_changes(app: App) -> None:
    Driver(app).seed_grid()
    now = app.clock.now()
    reads: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        reads.append(statement)

    with app.db.transaction() as session:
        head, building = _head_of_building(app, session)
        event.listen(app.db.engine, "before_cursor_execute", note)
        try:
            assert access.active_grants(session, head.id) == []
            assert access.active_grants(session, head.id) == []
        finally:
            event.remove(app.db.engine, "before_cursor_execute", note)
        assert len([s for s in reads if "FROM role_grants" in s]) == 1
        roles.grant(session, now, head, Role.BUILDING_HEAD, building, roles.OPERATOR)
        assert [g.role for g in access.active_grants(session, head.id)] == [Role.BUILDING_HEAD]
        roles.revoke(session, now, head, Role.BUILDING_HEAD, building, roles.OPERATOR)
        assert access.active_grants(session, head.id) == []


def test_a_grant_rolled_back_with_the_command_is_not_seen_afterwards(app: App) -> None:
    Driver(app).seed_grid()
    with app.db.transaction() as session:
        head, building = _head_of_building(app, session)
        with pytest.raises(DomainError), session.begin_nested():
            roles.grant(
                session, app.clock.now(), head, Role.BUILDING_HEAD, building, roles.OPERATOR
            )
            assert len(access.active_grants(session, head.id)) == 1
            raise DomainError("core.no_sender")
        assert access.active_grants(session, head.id) == []


@pytest.mark.parametrize("grantor_kind", list(EXPECTED))
def test_the_roles_offered_are_those_one_may_grant(app: App, grantor_kind: str) -> None:
    """`设角色 @name` alone lists what the sender may give; someone who may give none is
    refused as a non-admin, not offered roles they would be refused."""
    circle, grantor, _ = _setup(app)
    _give(app, grantor, circle, grantor_kind)
    with app.db.transaction() as session:
        here = session.get_one(Circle, circle.id)
        by = roles.Grantor(grantor.id, here, grantor_kind == "platform-admin")
        if EXPECTED[grantor_kind]:
            assert set(roles.grantable_in(session, by, here)) == EXPECTED[grantor_kind]
        else:
            with pytest.raises(DomainError) as refused:
                roles.grantable_in(session, by, here)
            assert refused.value.key == "circles.admins_only"
