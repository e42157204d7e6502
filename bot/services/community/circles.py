"""Circles: binding chats to places, registering households, members."""

from __future__ import annotations

import enum
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import LABEL_STYLE_TABLENAME_PLUS_COL, Select, bindparam, select
from sqlalchemy.orm import Session

from bot.db import inserted, loaded, loaded_together, loaded_with, rows, updated
from bot.errors import DomainError
from bot.messages import UserRef
from bot.queries import Query
from bot.services.common import access, audit
from bot.services.common.names import clean_name
from bot.services.community import households, roles
from bot.services.community.grid import (
    address_of,
    address_within,
    ancestor_of_kind,
    ensure_household,
    estate_written,
    full_name,
    locate_household,
    place_first,
)
from bot.services.community.people import Member, made_member, made_now, mentioned
from models import (
    Circle,
    CircleChat,
    CircleKind,
    Identity,
    JoinRequest,
    JoinStatus,
    Membership,
    Place,
    PlaceKind,
    Resident,
    Role,
)

CIRCLE_KINDS: dict[str, CircleKind] = {
    "邻里圈": CircleKind.NEIGHBOUR,
    "鄰里圈": CircleKind.NEIGHBOUR,
    "邻里": CircleKind.NEIGHBOUR,
    "党员圈": CircleKind.PARTY,
    "黨員圈": CircleKind.PARTY,
    "党员": CircleKind.PARTY,
    "社团圈": CircleKind.ASSOCIATION,
    "社團圈": CircleKind.ASSOCIATION,
    "社团": CircleKind.ASSOCIATION,
    "服务圈": CircleKind.SERVICE,
    "服務圈": CircleKind.SERVICE,
    "服务": CircleKind.SERVICE,
    **{kind.value: kind for kind in CircleKind},
}
MAX_CIRCLE_NAME = 64
# The words of 绑定: the four levels of a place below the street typed apart, a kind and a name.
BIND_WORDS = 6
MAX_CHAT_TITLE = 128
# Last-seen times are kept to the quarter hour, so ordinary chat does not write on every message.
SEEN_GRANULARITY = timedelta(minutes=15)


# The circle and its place come with the binding: nearly every group command reads them.
BOUND_ROW = (
    select(*CircleChat.__table__.c, *Circle.__table__.c, *Place.__table__.c)
    .join(Circle, Circle.id == CircleChat.circle_id)
    .join(Place, Place.id == Circle.place_id)
    .where(
        CircleChat.platform == bindparam("platform"),
        CircleChat.chat_id == bindparam("chat_id"),
        CircleChat.active,
    )
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)
_BOUND = Query(BOUND_ROW)


def bound_chat(session: Session, platform: str, chat_id: str) -> CircleChat | None:
    """The active binding of a chat, if any."""
    found = rows(session, _BOUND, {"platform": platform, "chat_id": chat_id})
    return binding_of(session, found[0]) if found else None


def binding_of(session: Session, row: Sequence[Any]) -> CircleChat | None:
    """The binding, circle and place read as `BOUND_ROW`'s columns, or None for a row of NULLs."""
    if row[0] is None:
        return None
    chat: CircleChat
    chat, circle, place = loaded_together(session, row, CircleChat, Circle, Place)
    loaded_with(chat, "circle", circle)
    loaded_with(circle, "place", place)
    return chat


def parse_bind_args(session: Session, args: list[str]) -> tuple[str, CircleKind, str]:
    """`<place> [kind] [name]`: the place query (its names may be typed apart: 1号院 3号楼),
    the circle kind and an optional name."""
    if not args:
        raise DomainError("circles.bind_usage")
    place, rest = place_first(session, args)
    kind = CircleKind.NEIGHBOUR
    if rest and rest[0].lower() in CIRCLE_KINDS:
        kind = CIRCLE_KINDS[rest[0].lower()]
        rest = rest[1:]
    elif rest and kind == CircleKind.NEIGHBOUR and len(rest) == 1 and rest[0].endswith("圈"):
        raise DomainError("circles.unknown_kind", text=rest[0][:20])
    name = " ".join(rest)
    if len(name) > MAX_CIRCLE_NAME:
        raise DomainError("circles.name_too_long", limit=MAX_CIRCLE_NAME)
    return place, kind, name


@dataclass(frozen=True)
class ChatSpec:
    """A group chat to bind: its platform, id and title."""

    platform: str
    chat_id: str
    title: str


def clean_title(title: str) -> str:
    """A chat's title as stored: cleaned like a display name, at most 128 long."""
    return clean_name(title, MAX_CHAT_TITLE)


def attach_chat(
    session: Session,
    now: datetime,
    chat: ChatSpec,
    place: Place,
    kind: CircleKind,
    name: str,
    *,
    actor_id: int | None,
    admin: Resident | None,
) -> Circle:
    """Bind a chat to the circle of a kind at a place, creating the circle if needed.

    Permission is the caller's business (a secretary, an approval, the operator).
    `admin` becomes circle admin only of a circle created for this chat.
    """
    circle = _circle_at(session, now, place, kind, name)
    binding = _bind(session, now, circle, chat)
    audit.record(
        session,
        now,
        "circle.bind",
        actor_id=actor_id,
        place_id=place.id,
        circle_id=circle.id,
        platform=chat.platform,
        chat_id=chat.chat_id,
        kind=kind.value,
    )
    if (
        admin is not None
        and binding.founder
        and not access.is_circle_admin(session, admin.id, circle)
    ):
        roles.grant(
            session, now, admin, Role.CIRCLE_ADMIN, roles.Scope(circle=circle), roles.OPERATOR
        )
    return circle


def _circle_at(
    session: Session, now: datetime, place: Place, kind: CircleKind, name: str
) -> Circle:
    """The circle of a kind and name at a place, created if there is none."""
    circle = session.scalar(
        select(Circle).where(Circle.place_id == place.id, Circle.kind == kind, Circle.name == name)
    )
    if circle is None:
        circle = Circle(place=place, kind=kind, name=name, created_at=now)
        session.add(circle)
        session.flush()
    return circle


def _bind(session: Session, now: datetime, circle: Circle, chat: ChatSpec) -> CircleChat:
    """Point the chat's binding (new or old) at the circle; founder when no other chat has it."""
    others = select(CircleChat.id).where(
        CircleChat.circle_id == circle.id,
        (CircleChat.platform != chat.platform) | (CircleChat.chat_id != chat.chat_id),
    )
    founder = session.scalar(others.limit(1)) is None
    binding = session.scalar(
        select(CircleChat).where(
            CircleChat.platform == chat.platform, CircleChat.chat_id == chat.chat_id
        )
    )
    if binding is None:
        binding = CircleChat(
            platform=chat.platform, chat_id=chat.chat_id, circle=circle, bound_at=now
        )
        session.add(binding)
    binding.founder = founder
    binding.circle = circle
    binding.title = clean_title(chat.title)
    binding.active = True
    binding.bound_at = now
    session.flush()
    return binding


def unbind_chat(session: Session, now: datetime, platform: str, chat_id: str) -> None:
    """Mark a chat's binding inactive (the bot was removed or blocked)."""
    binding = bound_chat(session, platform, chat_id)
    if binding is not None:
        binding.active = False
        audit.record(
            session,
            now,
            "circle.unbind",
            actor_id=None,
            circle_id=binding.circle_id,
            platform=platform,
            chat_id=chat_id,
        )


def move_chat(session: Session, now: datetime, platform: str, old_id: str, new_id: str) -> None:
    """A chat got a new id (a Telegram group upgraded to a supergroup): its binding follows."""
    binding = session.scalar(
        select(CircleChat).where(CircleChat.platform == platform, CircleChat.chat_id == old_id)
    )
    taken = session.scalar(
        select(CircleChat).where(CircleChat.platform == platform, CircleChat.chat_id == new_id)
    )
    if binding is None or taken is not None or not new_id:
        return
    binding.chat_id = new_id
    audit.record(
        session,
        now,
        "circle.chat_moved",
        actor_id=None,
        circle_id=binding.circle_id,
        platform=platform,
        old=old_id,
        new=new_id,
    )


_MEMBERSHIP = select(Membership).where(
    Membership.circle_id == bindparam("circle"), Membership.resident_id == bindparam("resident")
)
# The memberships an event touched or read with its sender (see `member_read`): a second
# touch in one event (a registration after the message that asked for it was seen) reads
# nothing, nor does the first of one read already.
_TOUCHED = "memberships touched"


def member_read(session: Session, row: Sequence[Any]) -> None:
    """Hold a membership read as its table's columns (none if they are NULLs), for
    `touch_member` in this event to find without reading it again."""
    if row[0] is None:
        return
    membership = loaded(session, Membership, row)
    key = (membership.circle_id, membership.resident_id)
    session.info.setdefault(_TOUCHED, {})[key] = membership


def touch_member(session: Session, now: datetime, circle: Circle, resident: Resident) -> None:
    """Note that a resident was seen in a circle's chat."""
    touched: dict[tuple[int, int], Membership] = session.info.setdefault(_TOUCHED, {})
    membership = touched.get((circle.id, resident.id))
    if membership is not None and membership not in session:
        membership = None
    if membership is None and made_now(session, resident):
        membership = made_member(session, resident, circle.id)
    elif membership is None:
        membership = session.scalar(_MEMBERSHIP, {"circle": circle.id, "resident": resident.id})
    if membership is None:
        values = {"first_seen_at": now, "last_seen_at": now}
        membership = inserted(
            session, Membership, {"circle_id": circle.id, "resident_id": resident.id, **values}
        )
    elif membership.left_at is not None or now - membership.last_seen_at > SEEN_GRANULARITY:
        membership.last_seen_at = now
        membership.left_at = None
    touched[circle.id, resident.id] = membership


@dataclass(frozen=True)
class Welcome:
    """Whom a group welcomes, in which circle, and whether they are registered already."""

    name: str
    circle: str
    registered: bool


def newcomer(session: Session, now: datetime, circle: Circle, user: UserRef) -> Welcome:
    """Someone joined a circle's chat: they are a member from now on."""
    resident = mentioned(session, now, user)
    touch_member(session, now, circle, resident)
    title = roles.circle_title(session, circle)
    return Welcome(resident.display_name, title, resident.household_id is not None)


def member_left(session: Session, now: datetime, circle: Circle, user: UserRef) -> None:
    """Note that someone left a circle's chat."""
    resident = mentioned(session, now, user)
    membership = session.scalar(
        select(Membership).where(
            Membership.circle_id == circle.id, Membership.resident_id == resident.id
        )
    )
    if membership is not None:
        membership.left_at = now


class JoinOutcome(enum.StrEnum):
    """What /join did."""

    NEEDS_CONSENT = "needs_consent"
    REGISTERED = "registered"
    ALREADY = "already"
    NEEDS_MOVE = "needs_move"
    NEEDS_CONFIRMATION = "needs_confirmation"


# A consent written onto the address (3-2-301同意, 3-2-301，我同意。): said, not a mistake.
_CONSENT_AT_END = re.compile(
    r"^(.*?)[\s,，.。!！、]*(?:我)?(?:同意|确认|確認|agree|yes)(?:登记|登記)?[\s,，.。!！]*$",
    re.IGNORECASE | re.DOTALL,
)


def consent_in(text: str) -> tuple[str, bool]:
    """The address typed to /join, and whether consent was written with it."""
    found = _CONSENT_AT_END.match(text.strip())
    if found is None or not found.group(1).strip():
        return text.strip(), False
    return found.group(1).strip(), True


@dataclass(frozen=True)
class JoinResult:
    """The outcome of /join or /move, with the address in its canonical form.

    `request` is the join request waiting for the household's consent, and `ask` the
    household's members to ask for it; `reached` says one of them can be written to
    privately now, else they see it when they write, and `checkers` are the accounts of
    those who check the household that can be asked in their stead; `again` says it was
    asked before, so nobody is asked and the group is not told again; `unverified`
    says a new household awaits verification before it votes per household; `current` is
    the household of someone who must confirm a move; `stranded` are the requests waiting
    for the household a move left empty.
    """

    outcome: JoinOutcome
    name: str
    address: str
    household: str
    request: JoinRequest | None = None
    ask: tuple[Resident, ...] = ()
    reached: bool = False
    checkers: tuple[Identity, ...] = ()
    again: bool = False
    unverified: bool = False
    current: str = ""
    stranded: tuple[households.Stranded, ...] = ()


@dataclass(frozen=True)
class JoinPlace:
    """The circle a /join sent privately registers through, and the estate's name to write
    before the address when the sender's circles lie in several estates (else empty)."""

    circle: Circle
    estate: str


def circle_to_join(session: Session, resident: Resident, typed: str) -> JoinPlace:
    """The circle a /join sent privately registers through: that of the sender's one estate,
    or of the estate whose name they wrote before the address."""
    estates: dict[str, list[Circle]] = {}
    for circle in access.registers_through(session, resident):
        home = ancestor_of_kind(session, circle.place, PlaceKind.ESTATE)
        if home is not None:
            estates.setdefault(home.name, []).append(circle)
    if not estates:
        raise DomainError("circles.join_in_group")
    estate = estate_written(typed, list(estates), "circles.join_which_estate")
    # The estate's own circle takes every address in it; a building's, only its own.
    widest = min(estates[estate], key=lambda circle: circle.place.kind.depth)
    return JoinPlace(widest, estate if len(estates) > 1 else "")


@dataclass(frozen=True)
class Greeting:
    """What /start and private help tell someone: where they are registered, else the
    household address and number of their request to join it while it waits (`emptied`:
    for those who check households, nobody being left there), else whether they may
    register in the private chat itself (through their estate's group)."""

    address: str
    waiting: tuple[str, int] | None
    registers_here: bool
    emptied: bool


def greeting(session: Session, resident: Resident) -> Greeting:
    """Where the resident is registered, or where they stand before registering."""
    if resident.household_id is not None:
        address = address_of(session, resident.household_id, PlaceKind.STREET)
        return Greeting(address, None, False, False)
    stands = access.standing(session, resident)
    asked = stands.waiting
    waiting = (address_of(session, asked[0], PlaceKind.STREET), asked[1]) if asked else None
    return Greeting("", waiting, stands.registers_here, stands.emptied)


def register(
    session: Session,
    now: datetime,
    resident: Resident,
    circle: Circle,
    address_text: str,
    *,
    consent: bool,
    move: bool = False,
    always_open: Collection[str] = (),
) -> JoinResult:
    """Register a resident's household inside the circle's estate.

    Registration needs the resident's consent once; moving to another household
    must be confirmed (`move=True`), never done by a second /join. Joining a household
    that already has registered members waits for one of them to agree; `always_open`
    are the platforms where the bot writes to anyone privately, to tell whether they hear.
    """
    address = address_within(session, circle.place, address_text)
    # Reading places needs nothing of this event's pending rows: they go in the next flush.
    with session.no_autoflush:
        spot = locate_household(session, circle.place, address)
        shown = "/".join([full_name(session, spot.holder, below=PlaceKind.COMMUNITY), spot.room])
    said = JoinResult(JoinOutcome.ALREADY, resident.display_name, str(address), shown)
    if spot.household is not None and resident.household_id == spot.household.id:
        return said
    if resident.consent_at is None and not consent:
        if move:
            raise DomainError("circles.move_needs_join", address=str(address))
        return replace(said, outcome=JoinOutcome.NEEDS_CONSENT)
    if resident.household is not None and not move:
        current = full_name(session, resident.household, PlaceKind.COMMUNITY)
        return replace(said, outcome=JoinOutcome.NEEDS_MOVE, current=current)
    ask = households.occupants(session, spot.household, besides=resident) if spot.household else []
    if spot.household is not None and ask:
        if resident.consent_at is None:
            resident.consent_at = now
        request, new = _ask_to_join(session, now, resident, spot.household, circle)
        # The household was asked once: asking again (a second press) must not nag them.
        asked = tuple(ask) if new else ()
        reached = households.reached_privately(session, spot.household.id, always_open)
        # A request nobody in the household can hear of goes to those who check it, once.
        checkers = (
            households.checkers_reached(session, spot.household, always_open, besides=resident)
            if new and not reached
            else []
        )
        return replace(
            said,
            outcome=JoinOutcome.NEEDS_CONFIRMATION,
            request=request,
            ask=asked,
            reached=reached,
            checkers=tuple(checkers),
            again=not new,
        )
    unverified = spot.verifying and (spot.household is None or not spot.household.verified)
    household = ensure_household(session, spot)
    left = settle(session, now, resident, household, circle)
    stranded = tuple(households.stranded(session, left, always_open))
    return replace(said, outcome=JoinOutcome.REGISTERED, unverified=unverified, stranded=stranded)


def settle(
    session: Session, now: datetime, resident: Resident, household: Place, circle: Circle | None
) -> Place | None:
    """Register a resident in a household (a first registration or a move); registering
    is consenting, if they had not yet. Returns the household they moved out of."""
    # Registered now, they no longer wait for another household: its answer must not move them.
    # Asking to join one records consent first, so someone without consent never asked.
    if resident.consent_at is not None:
        for older in session.scalars(_pending_of(resident)):
            session.delete(older)
    previous = resident.household
    changes = {"household_id": household.id, "household": household, "registered_at": now}
    updated(session, resident, changes | {"consent_at": resident.consent_at or now})
    if circle is not None:
        touch_member(session, now, circle, resident)
    audit.record(
        session,
        now,
        "resident.move" if previous is not None else "resident.register",
        actor_id=resident.id,
        target_id=resident.id,
        place_id=household.id,
        circle_id=circle.id if circle else None,
    )
    return previous


def _pending_of(resident: Resident) -> Select[JoinRequest]:
    """The resident's requests to join a household that still wait for an answer."""
    return select(JoinRequest).where(
        JoinRequest.resident_id == resident.id, JoinRequest.status == JoinStatus.PENDING
    )


def _ask_to_join(
    session: Session, now: datetime, resident: Resident, household: Place, circle: Circle
) -> tuple[JoinRequest, bool]:
    """The resident's request to join the household, and whether it is new."""
    pending = session.scalars(_pending_of(resident)).all()
    for older in pending:
        if older.household_id == household.id:
            return older, False
        # Asking for another household withdraws the earlier request.
        session.delete(older)
    request = JoinRequest(resident=resident, household=household, circle=circle, asked_at=now)
    request.status = JoinStatus.PENDING
    session.add(request)
    session.flush()
    audit.record(session, now, "household.join_asked", actor_id=resident.id, place_id=household.id)
    return request, True


@dataclass(frozen=True)
class JoinDecision:
    """A decided join request: who asked to join, the household named below the community,
    and the requests waiting for the household the asker's move left empty."""

    resident: Resident
    name: str
    household: str
    stranded: tuple[households.Stranded, ...] = ()


def decide_join(
    session: Session,
    now: datetime,
    actor: Resident,
    number: int,
    agree: bool,
    always_open: Collection[str] = (),
) -> JoinDecision:
    """A member of the household, or someone who checks households there, decides a request;
    `always_open` are the platforms where the bot writes to anyone privately."""
    request = session.get(JoinRequest, number)
    if request is None or request.status != JoinStatus.PENDING:
        raise DomainError("households.no_such_request", number=number)
    household = request.household
    member = actor.household_id == household.id
    if not member and not access.checks_household(session, actor, household):
        raise DomainError("households.not_allowed", number=number)
    request.status = JoinStatus.APPROVED if agree else JoinStatus.REFUSED
    request.decided_at = now
    request.decided_by_id = actor.id
    left = settle(session, now, request.resident, household, request.circle) if agree else None
    audit.record(
        session,
        now,
        "household.join_agreed" if agree else "household.join_refused",
        actor_id=actor.id,
        target_id=request.resident_id,
        place_id=household.id,
    )
    shown = full_name(session, household, PlaceKind.COMMUNITY)
    stranded = tuple(households.stranded(session, left, always_open))
    return JoinDecision(request.resident, request.resident.display_name, shown, stranded)


@dataclass(frozen=True)
class MemberRow:
    """One line of /members; `household` is the household's id for counting."""

    name: str
    address: str
    household: int | None = None


@dataclass(frozen=True)
class Roster:
    """A circle's members: registered, and in the chat without registering; `unclaimed`
    counts the households of its place where nobody is registered."""

    circle: str
    registered: list[MemberRow]
    unregistered: list[MemberRow]
    unclaimed: int


def members(session: Session, actor: Resident, circle: Circle, platform_admin: bool) -> Roster:
    """Registered members of the circle, and those in its chat without registering."""
    if not access.is_circle_admin(session, actor.id, circle, platform_admin):
        raise DomainError("circles.admins_only")
    return _roster(session, circle)


@dataclass(frozen=True)
class PrivateRoster:
    """What /members answers privately: a circle's roster, or the titles and kinds of the
    sender's circles to pick one from."""

    roster: Roster | None
    circles: list[tuple[str, str]]


def members_privately(session: Session, actor: Resident, number: int | None) -> PrivateRoster:
    """The roster of the one circle the sender admins, or of the `number`th of theirs; their
    titles and kinds when they admin several and name none."""
    mine = access.administered_circles(session, actor.id)
    if not mine:
        raise DomainError("circles.rosters_admins_only")
    if number is None and len(mine) > 1:
        return PrivateRoster(None, [(roles.circle_title(session, c), c.kind.value) for c in mine])
    picked = number or 1
    if not 1 <= picked <= len(mine):
        raise DomainError("core.no_such_choice", number=picked, count=len(mine))
    return PrivateRoster(_roster(session, mine[picked - 1]), [])


def _roster(session: Session, circle: Circle) -> Roster:
    rows = session.execute(
        select(Resident)
        .join(Membership, Membership.resident_id == Resident.id)
        .where(Membership.circle_id == circle.id, Membership.left_at.is_(None))
        .order_by(Resident.display_name, Resident.id)
    ).scalars()
    registered: list[MemberRow] = []
    unregistered: list[MemberRow] = []
    for resident in rows:
        home = resident.household
        if home is not None and circle.place.contains(home):
            address = full_name(session, home, below=PlaceKind.ESTATE)
            registered.append(MemberRow(resident.display_name, address, home.id))
        else:
            unregistered.append(MemberRow(resident.display_name, ""))
    unclaimed = households.unclaimed(session, circle.place)
    return Roster(roles.circle_title(session, circle), registered, unregistered, unclaimed)


@dataclass(frozen=True)
class Profile:
    """What /me shows: name, address, roles and circles (title, kind); `waiting` is the
    address and number of a request to join a household that waits for its answer, or
    (`emptied`) for those who check households, nobody being left there."""

    name: str
    address: str
    roles: list[tuple[str, str]]
    circles: list[tuple[str, str]]
    waiting: tuple[str, int] | None
    # Whether someone not registered, nor waiting to be, may register in the private chat.
    registers_here: bool
    emptied: bool


def profile(session: Session, member: Member) -> Profile:
    """A resident's address, roles and circles, read as rows."""
    household = member.household_id
    stands = access.standing(session, member)
    asked = stands.waiting
    return Profile(
        name=member.display_name,
        address=address_of(session, household, PlaceKind.STREET) if household else "",
        roles=roles.describe(session, member.id),
        circles=[(title, kind.value) for title, kind in titles_of(session, member.id)],
        waiting=(address_of(session, asked[0], PlaceKind.STREET), asked[1]) if asked else None,
        registers_here=stands.registers_here,
        emptied=stands.emptied,
    )


def set_language(session: Session, actor: access.Actor, language: str) -> None:
    """An admin of the circle the actor speaks in sets the circle's language."""
    if actor.circle is None:
        raise DomainError("circles.not_bound")
    if not access.admin_here(session, actor):
        raise DomainError("core.lang_admins_only")
    actor.circle.language = language


def community_of(session: Session, circle: Circle) -> str:
    """The name of the community a circle lies in."""
    community = ancestor_of_kind(session, circle.place, PlaceKind.COMMUNITY)
    return community.name if community else ""


_CIRCLES_OF = Query(
    select(Place.name.label("place"), Circle.name, Circle.kind)
    .select_from(Membership)
    .join(Circle, Circle.id == Membership.circle_id)
    .join(Place, Place.id == Circle.place_id)
    .where(Membership.resident_id == bindparam("resident"), Membership.left_at.is_(None))
    .order_by(Circle.id)
)


def titles_of(session: Session, resident_id: int) -> list[tuple[str, CircleKind]]:
    """The titles and kinds of the circles a resident belongs to, read as rows."""
    return [
        (roles.titled(row.place, row.name), row.kind)
        for row in rows(session, _CIRCLES_OF, {"resident": resident_id})
    ]
