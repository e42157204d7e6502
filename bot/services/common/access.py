"""Who may do what, where: the actor, the community they act in, and every role check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    event,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from bot.db import rows
from bot.errors import DomainError, PrivateRefusal
from bot.queries import Query
from bot.services.community.grid import ancestor_of_kind, full_name, inside, path_ids
from models import (
    ChainNode,
    Circle,
    CircleChat,
    Decision,
    GrantKind,
    JoinRequest,
    JoinStatus,
    Layer,
    Mediation,
    Membership,
    Notice,
    NoticeCircle,
    NoticeStatus,
    Place,
    PlaceKind,
    PointsGrant,
    PointsRedemption,
    Poll,
    PollPosting,
    Request,
    RequestStep,
    Resident,
    Role,
    RoleGrant,
    Shift,
    Topic,
)


class Someone(Protocol):
    """Who `standing` asks about: a Resident, or the sender read as a row."""

    @property
    def id(self) -> int:
        """The resident's id."""

    @property
    def household_id(self) -> int | None:
        """Their registered household, if any."""


# The people who know the building: they vouch for a household they do not live in, and
# follow up on the households of their area that did not answer a notice.
HOUSEHOLD_CHECKERS = (Role.BUILDING_HEAD, Role.UNIT_HEAD, Role.GRID_WORKER)
# Who binds chats to places and decides binding requests, inside their area.
BINDERS = (Role.SECRETARY, Role.GRID_WORKER)
# Who leads duty and polls in the circles of their own building or unit, besides the admins.
LEADERS = (Role.BUILDING_HEAD, Role.UNIT_HEAD)
# Who links the request chain (联系, 中心户, 支部) of their community.
CHAIN_KEEPERS = (Role.SECRETARY, Role.GRID_WORKER)
# Who sees their community's volunteer totals and top volunteers in a private chat.
HOURS_OVERSEERS = (Role.SECRETARY, Role.GRID_WORKER)


@dataclass(frozen=True)
class Actor:
    """Who acts, from which circle's chat, and whether the platform made them its admin."""

    resident: Resident
    circle: Circle | None = None
    platform_admin: bool = False


def community_of(session: Session, place: Place) -> Place:
    """The community a place lies in; a clear error above the community level."""
    community = ancestor_of_kind(session, place, PlaceKind.COMMUNITY)
    if community is None:
        raise DomainError("deliberation.no_community")
    return community


def home_community(session: Session, resident: Resident) -> Place:
    """The community of a resident's registered household."""
    if resident.household is None:
        raise unregistered(session, resident, "deliberation.register_first")
    return community_of(session, resident.household)


def unregistered(session: Session, resident: Resident, key: str) -> DomainError:
    """Why someone without a household may not act: their request to join one waits for the
    household's answer, or (`key`) they must register first, privately where they may."""
    stands = standing(session, resident)
    if stands.number is not None:
        return DomainError("households.join_pending", number=stands.number, emptied=stands.emptied)
    return DomainError(key, here=stands.registers_here)


def community_for(session: Session, resident: Resident, circle: Circle | None) -> Place:
    """The community a command acts in: the circle's, else the sender's own (see
    `own_community`), else the one community whose groups they are in."""
    if circle is not None:
        return community_of(session, circle.place)
    own = own_community(session, resident)
    if own is not None:
        return own
    # Someone not yet registered, seen in the groups of one community only, acts in it.
    seen_in = _group_communities(session, resident)
    if len(seen_in) == 1:
        return seen_in[0]
    raise DomainError("core.which_community")


def place_for(session: Session, resident: Resident, community: Place) -> Place:
    """Where in `community` someone is, told by the circles they are in there: the innermost
    where their places nest (a building and its unit), else the narrowest place holding them
    all (two buildings: their estate); the community where they are in none."""
    circles = session.scalars(_live_circles(resident.id).order_by(Circle.id))
    places = [c.place for c in circles if community.contains(c.place)]
    if not places:
        return community
    innermost = max(places, key=lambda place: len(path_ids(place.path)))
    if all(place.contains(innermost) for place in places):
        return innermost
    paths = [path_ids(place.path) for place in places]
    shared = [ids[0] for ids in zip(*paths, strict=False) if len(set(ids)) == 1]
    return session.get_one(Place, shared[-1])


def own_community(session: Session, resident: Resident) -> Place | None:
    """The community of the resident's home, else of a role, else of their place in the
    request chain; None for someone with none of these."""
    if resident.household is not None:
        return community_of(session, resident.household)
    for grant in active_grants(session, resident.id):
        where = _place_of(grant)
        community = ancestor_of_kind(session, where, PlaceKind.COMMUNITY) if where else None
        if community is not None:
            return community
    # A party member in the request chain acts in its community, registered or not.
    linked = session.scalar(
        select(ChainNode).where(ChainNode.resident_id == resident.id).order_by(ChainNode.id)
    )
    if linked is not None:
        return session.get_one(Place, linked.community_id)
    return None


def _group_communities(session: Session, resident: Resident) -> list[Place]:
    """The communities of the circles whose live chats the resident is in."""
    circles = session.scalars(_live_circles(resident.id).order_by(Circle.id))
    found: list[Place] = []
    for circle in circles:
        community = ancestor_of_kind(session, circle.place, PlaceKind.COMMUNITY)
        if community is not None and community not in found:
            found.append(community)
    return found


_GRANTS = (
    select(RoleGrant)
    .where(RoleGrant.resident_id == bindparam("resident"), RoleGrant.revoked_at.is_(None))
    .order_by(RoleGrant.id)
)


_GRANTS_READ = "grants read this event"


def active_grants(session: Session, resident_id: int) -> list[RoleGrant]:
    """A resident's grants that have not been revoked, read once an event (each command's
    checks ask again and again; `forget_grants` after a change, and a rollback, drop them)."""
    read: dict[int, list[RoleGrant]] = session.info.setdefault(_GRANTS_READ, {})
    if resident_id not in read:
        read[resident_id] = list(session.scalars(_GRANTS, {"resident": resident_id}))
    return list(read[resident_id])


def forget_grants(session: Session) -> None:
    """Grants changed: the event's next check reads them again."""
    session.info.pop(_GRANTS_READ, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_grants_rolled_back(session: Session, _previous: object) -> None:
    forget_grants(session)


def holds(session: Session, resident_id: int, role: Role, place: Place) -> bool:
    """True when the resident holds `role` at `place` or at a place containing it."""
    return any(
        g.role == role and g.place is not None and g.place.contains(place)
        for g in active_grants(session, resident_id)
    )


def holds_any_role_around(session: Session, resident_id: int, community: Place) -> bool:
    """True for holders of any role at, above or inside `community`."""
    for grant in active_grants(session, resident_id):
        where = _place_of(grant)
        if where is not None and (community.contains(where) or where.contains(community)):
            return True
    return False


def is_secretary_for(session: Session, resident_id: int, place: Place) -> bool:
    """True for a secretary of the community that `place` lies in."""
    return holds(session, resident_id, Role.SECRETARY, place)


def manages_notice(
    session: Session, resident_id: int, community: Place, sender_id: int | None
) -> bool:
    """True for a notice's sender and the secretaries of its community."""
    return resident_id == sender_id or is_secretary_for(session, resident_id, community)


def sees_notice(session: Session, resident_id: int, community: Place, notice: Notice) -> bool:
    """Who may learn that a notice is: those who manage it, and, once it is no draft, those
    who follow up on households of a place it reached (see `followed_areas`), as they see it
    in `/notices`."""
    if manages_notice(session, resident_id, community, notice.sender_id):
        return True
    # A draft is seen only by those who manage it.
    if notice.status == NoticeStatus.DRAFT:
        return False
    areas = followed_areas(session, resident_id, community)
    if not areas:
        return False
    reached = notices_reaching(areas).where(NoticeCircle.notice_id == notice.id)
    return bool(session.scalar(select(reached.exists())))


def notices_reaching(areas: list[Place]) -> Select[int]:
    """The notices that reached a place inside one of `areas` or holding it."""
    overlap = [or_(inside(a.path), Place.id.in_(path_ids(a.path))) for a in areas]
    return (
        select(NoticeCircle.notice_id)
        .join(Place, Place.id == NoticeCircle.place_id)
        .where(or_(false(), *overlap))
    )


def is_circle_admin(
    session: Session, resident_id: int, circle: Circle, platform_admin: bool = False
) -> bool:
    """Platform admins of its chats, its circle admins and its community's secretaries."""
    if platform_admin:
        return True
    for grant in active_grants(session, resident_id):
        if grant.role == Role.CIRCLE_ADMIN and grant.circle_id == circle.id:
            return True
        if grant.role == Role.SECRETARY and grant.place and grant.place.contains(circle.place):
            return True
    return False


def administered_circles(session: Session, resident_id: int) -> list[Circle]:
    """The circles with a live chat that a resident admins without being in one of their
    chats (see `is_circle_admin`): those they are circle admin of, and every circle of the
    communities they are secretary of."""
    grants = active_grants(session, resident_id)
    admin_of = [g.circle_id for g in grants if g.role == Role.CIRCLE_ADMIN and g.circle_id]
    areas = [g.place.path for g in grants if g.role == Role.SECRETARY and g.place is not None]
    if not admin_of and not areas:
        return []
    live = select(CircleChat.circle_id).where(CircleChat.active)
    query = (
        select(Circle)
        .join(Place, Place.id == Circle.place_id)
        .where(Circle.id.in_(live), or_(Circle.id.in_(admin_of), *(inside(a) for a in areas)))
    )
    return list(session.scalars(query.order_by(Circle.id)))


# Circles of an estate or of a place inside one take registrations: only there does an
# address name a household.
_REGISTERING_KINDS = [kind for kind in PlaceKind if kind.depth >= PlaceKind.ESTATE.depth]


def _live_circles(resident_id: int | BindParameter[int]) -> Select[Circle]:
    """The circles whose live chats the resident is in."""
    live = select(CircleChat.circle_id).where(CircleChat.active)
    return (
        select(Circle)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(
            Membership.resident_id == resident_id,
            Membership.left_at.is_(None),
            Circle.id.in_(live),
        )
    )


def _registering_circles(resident_id: int | BindParameter[int]) -> Select[Circle]:
    """The circles whose live chats the resident is in and that take registrations."""
    return (
        _live_circles(resident_id)
        .join(Place, Place.id == Circle.place_id)
        .where(or_(*(Place.kind == kind for kind in _REGISTERING_KINDS)))
    )


_RESIDENT = bindparam("resident", type_=Integer)
_REGISTERS_SOMEWHERE = Query(_registering_circles(_RESIDENT).with_only_columns(Circle.id).limit(1))


@dataclass(frozen=True)
class Standing:
    """Where someone without a household stands: their request to join one (the household's
    id and the request's number) while it waits for an answer, whether they may register in
    the private chat itself, and whether that household has nobody registered any more, so
    the request waits for those who check households instead."""

    waiting: tuple[int, int] | None
    registers_here: bool
    emptied: bool

    @property
    def number(self) -> int | None:
        """The number of the request that waits, if one does."""
        return self.waiting[1] if self.waiting else None


_REGISTERED = Standing(None, False, False)
# A resident's request to join a household, while it waits for an answer (one at most).
_WAITING = JoinRequest.resident_id == _RESIDENT, JoinRequest.status == JoinStatus.PENDING
_WAITED_FOR = select(JoinRequest.household_id).where(*_WAITING).scalar_subquery()
_STANDING = Query(
    select(
        _WAITED_FOR.label("household"),
        select(JoinRequest.id).where(*_WAITING).scalar_subquery().label("number"),
        _registering_circles(_RESIDENT).exists().label("registers"),
        ~select(Resident.id).where(Resident.household_id == _WAITED_FOR).exists().label("emptied"),
    )
)


def standing(session: Session, member: Someone) -> Standing:
    """Where someone stands before registering, read in one statement; a registered
    resident stands nowhere and needs none."""
    if member.household_id is not None:
        return _REGISTERED
    row = rows(session, _STANDING, {"resident": member.id})[0]
    waiting = None if row.number is None else (row.household, row.number)
    # Someone waiting for a household's answer is not told to register again.
    return Standing(
        waiting, waiting is None and bool(row.registers), bool(row.emptied) and waiting is not None
    )


def registers_through(session: Session, resident: Resident) -> list[Circle]:
    """The circles a resident may register through from a private chat."""
    return list(session.scalars(_registering_circles(resident.id).order_by(Circle.id)))


def registers_privately(session: Session, resident_id: int) -> bool:
    """Whether a private /join would find a circle to register the resident through."""
    return bool(rows(session, _REGISTERS_SOMEWHERE, {"resident": resident_id}))


def takes_registrations(circle: Circle) -> bool:
    """True for a circle of an estate or of a place inside one."""
    return circle.place.kind in _REGISTERING_KINDS


def may_bind(session: Session, resident_id: int, place: Place) -> bool:
    """Secretaries and grid workers whose area holds `place` bind chats to it directly."""
    return any(holds(session, resident_id, role, place) for role in BINDERS)


def binds_somewhere(session: Session, resident_id: int) -> bool:
    """True for secretaries and grid workers of any area."""
    return any(g.role in BINDERS for g in active_grants(session, resident_id))


def may_use_bind(session: Session, actor: Actor, group_admin: bool) -> bool:
    """In a bound chat, binders of its place (who may move it); elsewhere also group admins."""
    if actor.circle is not None:
        return may_bind(session, actor.resident.id, actor.circle.place)
    return group_admin or binds_somewhere(session, actor.resident.id)


def overseen_communities(session: Session, resident_id: int) -> list[Place]:
    """The communities whose volunteer hours a resident oversees privately: those they are
    secretary or grid worker of, or of an estate in."""
    found: list[Place] = []
    for grant in active_grants(session, resident_id):
        if grant.role not in HOURS_OVERSEERS or grant.place is None:
            continue
        community = ancestor_of_kind(session, grant.place, PlaceKind.COMMUNITY)
        if community is not None and community not in found:
            found.append(community)
    return found


def checks_household(session: Session, resident: Resident, household: Place) -> bool:
    """True for a building head, unit head or grid worker whose place holds the household."""
    return any(holds(session, resident.id, role, household) for role in HOUSEHOLD_CHECKERS)


def household_check_areas(session: Session, resident_id: int) -> list[Place]:
    """The places where a resident checks households: those of their building head, unit
    head and grid worker roles."""
    return [
        g.place
        for g in active_grants(session, resident_id)
        if g.role in HOUSEHOLD_CHECKERS and g.place is not None
    ]


def manages(session: Session, actor: Actor, circle: Circle | None, community: Place) -> bool:
    """True for the admins of `circle` and the secretaries of `community`."""
    if is_secretary_for(session, actor.resident.id, community):
        return True
    if circle is None:
        return False
    return is_circle_admin(session, actor.resident.id, circle, _platform_admin_of(actor, circle))


def leads(session: Session, resident_id: int, place: Place) -> bool:
    """True for a building head or unit head whose building or unit holds `place`."""
    return any(holds(session, resident_id, role, place) for role in LEADERS)


def organises(session: Session, actor: Actor, circle: Circle | None, community: Place) -> bool:
    """Who arranges shifts and polls in `circle`: its managers, and the heads of its building
    or unit (never of a wider place: an estate's or community's circle is the admins')."""
    if manages(session, actor, circle, community):
        return True
    return circle is not None and leads(session, actor.resident.id, circle.place)


def require_organiser(
    session: Session,
    actor: Actor,
    circle: Circle | None,
    community: Place,
    refusals: tuple[str, str],
    **data: object,
) -> None:
    """Refuse unless the actor organises `circle`: with the first key (and `data`), or, for a
    building or unit head, with the second, naming the buildings and units they lead."""
    if organises(session, actor, circle, community):
        return
    refusal, heads_refusal = refusals
    led = _led(session, actor.resident.id)
    if led:
        raise DomainError(heads_refusal, places=led, **data)
    raise DomainError(refusal, **data)


def _led(session: Session, resident_id: int) -> list[str]:
    """The names of the buildings and units a resident heads."""
    return [
        full_name(session, g.place, below=PlaceKind.COMMUNITY)
        for g in active_grants(session, resident_id)
        if g.role in LEADERS and g.place is not None
    ]


def require_shift_in_hand(
    session: Session, actor: Actor, shift: Shift | None, number: int, heads: bool = True
) -> Shift:
    """The shift numbered `number` when the actor arranges it (with `heads`, as an organiser
    of its circle; without, as its manager); anyone else hears one answer whether it exists
    or not, so a shift elsewhere cannot be told from none; a building or unit head is
    reminded of the places they lead."""
    if shift is not None:
        community = session.get_one(Place, shift.community_id)
        allowed = organises if heads else manages
        if allowed(session, actor, shift.circle, community):
            return shift
    led = _led(session, actor.resident.id) if heads else []
    raise DomainError("volunteering.not_your_shift", number=number, places=led)


def organiser_here(session: Session, actor: Actor) -> bool:
    """True for those who arrange shifts and polls in the circle the actor speaks in."""
    circle = actor.circle
    return circle is not None and (
        admin_here(session, actor) or leads(session, actor.resident.id, circle.place)
    )


def admin_here(session: Session, actor: Actor) -> bool:
    """True for admins of the circle the actor speaks in."""
    circle = actor.circle
    return circle is not None and is_circle_admin(
        session, actor.resident.id, circle, actor.platform_admin
    )


def secretary_here(session: Session, actor: Actor) -> bool:
    """True for a secretary of the community of the circle the actor speaks in."""
    circle = actor.circle
    return circle is not None and is_secretary_for(session, actor.resident.id, circle.place)


def sees_poll(session: Session, actor: Actor, poll: Poll) -> bool:
    """Those a poll is put to and those who run it: members of a circle it is posted in, the
    households inside its scope, its owner, and whoever organises its circle."""
    resident = actor.resident
    if poll.owner_id == resident.id:
        return True
    scope, household = poll.scope_place, resident.household
    if scope is not None and household is not None and scope.contains(household):
        return True
    posted = select(PollPosting.circle_id).where(PollPosting.poll_id == poll.id)
    member = select(Membership.id).where(
        Membership.resident_id == resident.id,
        Membership.left_at.is_(None),
        or_(Membership.circle_id.in_(posted), Membership.circle_id == poll.circle_id),
    )
    if session.scalar(member.limit(1)) is not None:
        return True
    community = session.get_one(Place, poll.community_id)
    return organises(session, actor, poll.circle, community)


def require_poll_seen(session: Session, actor: Actor, poll: Poll) -> None:
    """Answer anyone who may not see a poll as if it did not exist."""
    if not sees_poll(session, actor, poll):
        raise DomainError("deliberation.no_such_poll", number=poll.number)


def poll_shown_in(session: Session, poll: Poll, circle: Circle) -> bool:
    """Whether a circle's chats see a poll: it was opened or posted in that circle."""
    if poll.circle_id == circle.id:
        return True
    posted = select(PollPosting.id).where(
        PollPosting.poll_id == poll.id, PollPosting.circle_id == circle.id
    )
    return session.scalar(posted.limit(1)) is not None


def seen_topics(session: Session, actor: Actor, community: Place) -> ColumnElement[bool]:
    """Which topics of `community` someone sees: the hot ones, those of circles they are in or
    manage, those they raised or answer for; a secretary of the community sees them all."""
    resident_id = actor.resident.id
    if is_secretary_for(session, resident_id, community):
        return true()
    managed = [
        g.circle_id
        for g in active_grants(session, resident_id)
        if g.role == Role.CIRCLE_ADMIN and g.circle_id is not None
    ]
    if actor.platform_admin and actor.circle is not None:
        managed.append(actor.circle.id)
    joined = select(Membership.circle_id).where(
        Membership.resident_id == resident_id, Membership.left_at.is_(None)
    )
    owned = select(Decision.topic_id).where(Decision.owner_id == resident_id)
    return or_(
        Topic.hot,
        Topic.circle_id.is_(None),
        Topic.circle_id.in_(joined),
        Topic.circle_id.in_(managed),
        Topic.proposer_id == resident_id,
        Topic.id.in_(owned),
    )


def require_topic_seen(session: Session, actor: Actor, topic: Topic) -> None:
    """Answer anyone who may not see a topic as if it did not exist."""
    community = session.get_one(Place, topic.community_id)
    seen = select(Topic.id).where(Topic.id == topic.id, seen_topics(session, actor, community))
    if session.scalar(seen) is None:
        raise DomainError("deliberation.no_such_topic", number=topic.number)


def topics_shown_in(circle: Circle) -> ColumnElement[bool]:
    """Which topics a circle's chats see: its own, and the community's hot topics."""
    return or_(Topic.circle_id == circle.id, Topic.hot)


def topic_shown_in(topic: Topic, circle: Circle) -> bool:
    """Whether a circle's chats see a topic (see `topics_shown_in`)."""
    return topic.circle_id == circle.id or topic.hot


def require_voter(session: Session, resident: Resident, poll: Poll) -> None:
    """Refuse unless a registered resident is within a poll's reach: with a scope, living in
    it; without, a member of a circle it is posted in, living in that circle's place."""
    household = resident.household
    assert household is not None
    scope = poll.scope_place
    if scope is not None:
        if not scope.contains(household):
            raise _outside(session, poll, scope)
        return
    posted = select(PollPosting.circle_id).where(PollPosting.poll_id == poll.id)
    joined = session.scalars(
        select(Circle)
        .join(Membership, Membership.circle_id == Circle.id)
        .where(
            Membership.resident_id == resident.id,
            Membership.left_at.is_(None),
            Circle.id.in_(posted),
        )
    )
    # Joining a circle's chat from elsewhere gives no vote there: only its place's households.
    if any(circle.place.contains(household) for circle in joined):
        return
    circle = poll.circle
    if circle is None or not circle.place.contains(household):
        home = circle.place if circle is not None else session.get_one(Place, poll.community_id)
        raise _outside(session, poll, home)
    raise DomainError(
        "deliberation.circle_members_only",
        number=poll.number,
        place=circle.place.name,
        kind=circle.kind.value,
        name=circle.name,
    )


def _outside(session: Session, poll: Poll, place: Place) -> DomainError:
    named = full_name(session, place, below=PlaceKind.COMMUNITY) or place.name
    return DomainError("deliberation.not_eligible", number=poll.number, place=named)


def _points_grant(
    session: Session, resident_id: int, community: Place, kind: GrantKind, programme_id: int | None
) -> bool:
    where = [
        PointsGrant.resident_id == resident_id,
        PointsGrant.community_id == community.id,
        PointsGrant.kind == kind,
        PointsGrant.revoked_at.is_(None),
    ]
    if programme_id is not None:
        # A grant without a programme covers every programme of the community.
        where.append(
            (PointsGrant.programme_id == programme_id) | PointsGrant.programme_id.is_(None)
        )
    return session.scalar(select(PointsGrant.id).where(*where).limit(1)) is not None


def is_points_admin(
    session: Session, resident_id: int, community: Place, programme_id: int | None = None
) -> bool:
    """The community's secretaries, and those they made points admin (of the programme)."""
    return is_secretary_for(session, resident_id, community) or _points_grant(
        session, resident_id, community, GrantKind.ADMIN, programme_id
    )


def require_points_admin(
    session: Session, resident_id: int, community: Place, programme_id: int | None = None
) -> None:
    """Refuse anyone but the community's points admins (of the programme, when given)."""
    if not is_points_admin(session, resident_id, community, programme_id):
        raise DomainError("points.admins_only")


def _own(actor: Resident, resident_id: int | None, household_id: int | None) -> bool:
    """Whether points or time credited to this resident or household would be the actor's
    own: theirs, or their household's."""
    same_home = actor.household_id is not None and household_id == actor.household_id
    return resident_id == actor.id or same_home


def require_credit_to_another(actor: Resident, member: Resident) -> None:
    """Refuse points credited by hand to the admin themselves or anyone of their household:
    another points admin or the secretary must do it."""
    if _own(actor, member.id, member.household_id):
        # Privately: whom a member lives with is not the group's to learn.
        raise PrivateRefusal("points.not_to_own", name=member.display_name)


def require_hours_by_another(actor: Resident, member: Resident) -> None:
    """Refuse more duty time (it earns points) given by an admin to themselves or anyone of
    their household: another admin or the secretary must correct it."""
    if _own(actor, member.id, member.household_id):
        # Privately: whom a member lives with is not the group's to learn.
        raise PrivateRefusal("volunteering.not_own_hours", name=member.display_name)


def attends_for_another(actor: Resident, member: Resident) -> bool:
    """Whether an admin may confirm a member's attendance (it earns them hours and points):
    not the admin's own nor their household's, which another admin must confirm."""
    return not _own(actor, member.id, member.household_id)


def require_attendance_by_another(actor: Resident, member: Resident) -> None:
    """Refuse attendance confirmed by an admin for themselves or anyone of their household:
    another admin or the secretary must confirm it."""
    if not attends_for_another(actor, member):
        # Privately: whom a member lives with is not the group's to learn.
        raise PrivateRefusal("volunteering.not_own_attendance", names=[member.display_name])


def require_recycling_by_another(
    actor: Resident, member: Resident | None, household: Place | None
) -> None:
    """Refuse recycling recorded for the recorder themselves or their own household (it earns
    them points): another bin-duty volunteer or a points admin must record it."""
    member_id = member.id if member is not None else None
    if _own(actor, member_id, household.id if household is not None else None):
        name = member.display_name if member is not None else household.name if household else ""
        # Privately: whom a member lives with is not the group's to learn.
        raise PrivateRefusal("points.not_own_recycling", name=name)


def require_redemption_in_hand(
    session: Session,
    resident_id: int,
    community: Place,
    row: PointsRedemption | None,
    number: int,
    own: bool,
) -> PointsRedemption:
    """Redemption `number` when the resident may decide it: with `own`, the member who asked
    (to take it back); else a points admin of its programme. Anyone else hears one answer
    whether it exists or not, so another member's redemption cannot be told from none."""
    if row is not None:
        if own and row.resident_id == resident_id:
            return row
        if not own and is_points_admin(session, resident_id, community, row.item.programme_id):
            return row
    raise DomainError(
        "points.not_your_redemption" if own else "points.no_such_redemption", number=number
    )


def records_recycling(session: Session, resident_id: int, community: Place) -> bool:
    """Points admins, and volunteers the secretary put on bin duty (守桶)."""
    return is_points_admin(session, resident_id, community) or _points_grant(
        session, resident_id, community, GrantKind.BIN_DUTY, None
    )


def sees_points_of(
    session: Session,
    viewer_id: int,
    member_id: int,
    community: Place,
    programme_id: int | None = None,
) -> bool:
    """A member sees their own points; the community's secretaries and the programme's
    points admins (with no programme, of any) see everyone's; a branch secretary sees the
    party members under the branch."""
    return (
        viewer_id == member_id
        or is_points_admin(session, viewer_id, community, programme_id)
        or is_branch_over(session, viewer_id, member_id, community)
    )


def sees_others_points(session: Session, viewer_id: int, community: Place) -> bool:
    """Who may ask for another member's points: the community's points admins (of any
    programme), and the party branch secretaries (支部) of its request chain."""
    if is_points_admin(session, viewer_id, community):
        return True
    branch = select(ChainNode.id).where(
        ChainNode.community_id == community.id,
        ChainNode.resident_id == viewer_id,
        ChainNode.layer == Layer.BRANCH,
    )
    return session.scalar(branch.limit(1)) is not None


def sends_notices(session: Session, resident_id: int, community: Place) -> bool:
    """Secretaries of the community, and building heads of a building in it."""
    for grant in active_grants(session, resident_id):
        where = _place_of(grant)
        if where is None:
            continue
        if grant.role == Role.SECRETARY and where.contains(community):
            return True
        if grant.role == Role.BUILDING_HEAD and community.contains(where):
            return True
    return False


def lists_notices(session: Session, resident_id: int, community: Place) -> bool:
    """Who lists the notices of the places they look after, with their figures: those who
    send notices, and those who follow up on households of the community."""
    return sends_notices(session, resident_id, community) or bool(
        followed_areas(session, resident_id, community)
    )


def followers(session: Session, community: Place) -> list[Resident]:
    """Who gets households of `community` that did not answer a notice by its deadline, to
    go door to door: its building heads and unit heads, and the grid workers of a place in
    it or holding it (each for their `followed_areas`)."""
    held = Place.id == func.coalesce(RoleGrant.place_id, Circle.place_id)
    query = (
        select(Resident)
        .join(RoleGrant, RoleGrant.resident_id == Resident.id)
        .outerjoin(Circle, Circle.id == RoleGrant.circle_id)
        .join(Place, held)
        .where(
            RoleGrant.role.in_(HOUSEHOLD_CHECKERS),
            RoleGrant.revoked_at.is_(None),
            or_(inside(community.path), Place.id.in_(path_ids(community.path))),
        )
        .order_by(Resident.id)
    )
    return list(session.scalars(query).unique())


def may_notify(session: Session, resident_id: int, place: Place) -> bool:
    """A secretary anywhere in their community; a building head within their own building."""
    return holds(session, resident_id, Role.SECRETARY, place) or holds(
        session, resident_id, Role.BUILDING_HEAD, place
    )


def receipt_areas(
    session: Session, resident_id: int, community: Place, sender_id: int | None
) -> list[Place]:
    """Where a viewer sees a notice's receipts: all of it for its sender and the community's
    secretaries, the places they follow up on for the others (see `followed_areas`), nowhere
    for anyone else."""
    if manages_notice(session, resident_id, community, sender_id):
        return [community]
    return followed_areas(session, resident_id, community)


def followed_areas(session: Session, resident_id: int, community: Place) -> list[Place]:
    """The places of `community` whose households a resident follows up on after a notice:
    the buildings and units they head, and the places they are grid worker for."""
    led = [
        where
        for grant in active_grants(session, resident_id)
        if grant.role in LEADERS
        and (where := _place_of(grant)) is not None
        and community.contains(where)
    ]
    areas = led + grid_areas(session, resident_id, community)
    # A place inside another of the viewer's areas is counted with it, not again.
    unique = list({a.id: a for a in areas}.values())
    return [a for a in unique if not any(o.id != a.id and o.contains(a) for o in unique)]


def grid_areas(session: Session, resident_id: int, community: Place) -> list[Place]:
    """The places of `community` the resident is grid worker for: all of it for one granted
    the community or a place above it."""
    areas: list[Place] = []
    for grant in active_grants(session, resident_id):
        where = _place_of(grant)
        if grant.role != Role.GRID_WORKER or where is None:
            continue
        if where.contains(community):
            return [community]
        if community.contains(where):
            areas.append(where)
    return areas


def headed_buildings(session: Session, resident_id: int, community: Place) -> list[Place]:
    """The buildings of `community` the resident is building head of."""
    return [
        grant.place
        for grant in active_grants(session, resident_id)
        if grant.role == Role.BUILDING_HEAD
        and grant.place is not None
        and community.contains(grant.place)
    ]


def keeps_chain(session: Session, resident_id: int, community: Place) -> bool:
    """Secretaries of the community, and grid workers of it or of an estate in it."""
    for grant in active_grants(session, resident_id):
        where = _place_of(grant)
        if grant.role not in CHAIN_KEEPERS or where is None:
            continue
        if where.contains(community) or community.contains(where):
            return True
    return False


def handles_requests(session: Session, resident_id: int, community: Place) -> bool:
    """Those in the community's request chain, its secretaries and grid workers."""
    linked = session.scalar(
        select(ChainNode.id)
        .where(ChainNode.community_id == community.id, ChainNode.resident_id == resident_id)
        .limit(1)
    )
    return linked is not None or keeps_chain(session, resident_id, community)


def chain_up(node: ChainNode | None) -> list[ChainNode]:
    """A chain node and every node above it, lowest first."""
    found: list[ChainNode] = []
    while node is not None and node not in found:
        found.append(node)
        node = node.parent
    return found


def is_branch_over(session: Session, branch_id: int, member_id: int, community: Place) -> bool:
    """True when `branch_id` holds a party branch (支部) above `member_id` in the chain."""
    nodes = session.scalars(
        select(ChainNode).where(
            ChainNode.community_id == community.id, ChainNode.resident_id == member_id
        )
    )
    return any(
        above.layer == Layer.BRANCH and above.resident_id == branch_id
        for node in nodes
        for above in chain_up(node.parent)
    )


def sees_request(session: Session, viewer_id: int, request: Request) -> bool:
    """Its reporter, whoever owned it, the chain above where it was routed, and the
    community's secretaries: nobody else learns who reported what."""
    if viewer_id in (request.reporter_id, request.owner_id):
        return True
    if is_secretary_for(session, viewer_id, request.community):
        return True
    if any(node.resident_id == viewer_id for node in chain_up(request.first_node)):
        return True
    owned = select(RequestStep.id).where(
        RequestStep.request_id == request.id, RequestStep.owner_id == viewer_id
    )
    return session.scalar(owned.limit(1)) is not None


def acts_on_request(session: Session, actor_id: int, request: Request) -> bool:
    """Its owner, and the community's secretaries (who may step in at any layer)."""
    return actor_id == request.owner_id or is_secretary_for(session, actor_id, request.community)


def reported_request(resident_id: int, request: Request) -> bool:
    """Only its reporter answers for a request: confirms, reopens, rates, withdraws, urges."""
    return request.reporter_id is not None and request.reporter_id == resident_id


def may_mediate(session: Session, resident_id: int, community: Place) -> bool:
    """A mediator: a party member (in the community's chain or holding the role) or a
    secretary of the community."""
    in_chain = session.scalar(
        select(ChainNode.id)
        .where(ChainNode.community_id == community.id, ChainNode.resident_id == resident_id)
        .limit(1)
    )
    return (
        in_chain is not None
        or holds(session, resident_id, Role.PARTY_MEMBER, community)
        or is_secretary_for(session, resident_id, community)
    )


def mediation_role(mediation: Mediation, resident_id: int) -> str:
    """ "reporter", "other" or "mediator" for the three people of a mediation, else ""."""
    if resident_id == mediation.mediator_id:
        return "mediator"
    if resident_id == mediation.request.reporter_id:
        return "reporter"
    return "other" if resident_id == mediation.other_id else ""


def sees_mediation(session: Session, viewer_id: int, mediation: Mediation) -> bool:
    """Only its three people and the community's secretaries."""
    if mediation_role(mediation, viewer_id):
        return True
    return is_secretary_for(session, viewer_id, mediation.request.community)


def _place_of(grant: RoleGrant) -> Place | None:
    return grant.circle.place if grant.circle is not None else grant.place


def _platform_admin_of(actor: Actor, circle: Circle) -> bool:
    # The platform's admin rights count only in the circle whose chat they come from.
    return actor.platform_admin and actor.circle is not None and actor.circle.id == circle.id
