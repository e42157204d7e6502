"""Seeing and changing the chain: `联系列表` shows it as a tree, `取消联系` removes a link.

Removing a link never leaves a request ownerless: what the person was handling goes one
layer up (or to the secretary), and the new owner and the reporter are told. A central
household or a branch with people under it is not removed: the keeper moves them first.
Someone erasing themselves leaves no request ownerless either, and those under them move
up to whoever was over them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Envelope
from bot.services.common import audit
from bot.services.common.outreach import secretaries
from bot.services.community.grid import full_name
from bot.services.community.people import Named, people_named
from bot.services.requests import chain
from bot.services.requests.desk import (
    assign,
    hand_to,
    owner_name,
    step,
    to_owner,
    to_reporter,
)
from bot.services.requests.handling import escalated_notice
from bot.services.requests.mediation import in_progress, moved_notice
from models import (
    ChainCover,
    ChainNode,
    Circle,
    Layer,
    Place,
    PlaceKind,
    Request,
    RequestStatus,
    Resident,
    StepKind,
)

# The longest tree one message shows; the rest is counted.
MAX_ROWS = 60
# Highest layer first: where a tree starts when nobody is over it.
ROOTS = (Layer.BRANCH, Layer.CENTRAL, Layer.MEMBER)
# Requests someone is still expected to act on.
ACTIVE = (RequestStatus.OPEN, RequestStatus.TAKEN)
# Why the new owner got a request whose link was removed (see requests.assigned).
RELINKED = "relinked"


@dataclass(frozen=True)
class ChainRow:
    """One person at one layer, `depth` steps below the top, and the places they cover."""

    depth: int
    layer: str
    name: str
    covered: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChainView:
    """A community's chain: its secretary, the tree's rows, and how many rows did not fit."""

    community: str
    secretary: str
    rows: tuple[ChainRow, ...]
    more: int


@dataclass(frozen=True)
class Moved:
    """A request handed on when its owner's link went: its number and new owner."""

    number: int
    owner: str
    layer: str


@dataclass(frozen=True)
class Unlinked:
    """A link removed: whose, which places (none: the whole person), the requests handed on
    and the private messages that tell their new owners and reporters."""

    name: str
    places: tuple[str, ...]
    moved: tuple[Moved, ...]
    envelopes: list[Envelope] = field(default_factory=list)


def chain_view(session: Session, actor: Resident, community: Place) -> ChainView:
    """`联系列表`: the community's chain, branches over central households over members."""
    chain.keeper(session, actor, community)
    nodes = session.scalars(
        select(ChainNode).where(ChainNode.community_id == community.id).order_by(ChainNode.id)
    ).all()
    covered: dict[int, list[str]] = defaultdict(list)
    for cover in session.scalars(
        select(ChainCover).where(ChainCover.node_id.in_([n.id for n in nodes]))
    ):
        covered[cover.node_id].append(full_name(session, cover.place, below=PlaceKind.COMMUNITY))
    under: dict[int | None, list[ChainNode]] = defaultdict(list)
    for node in nodes:
        under[node.parent_id].append(node)
    rows: list[ChainRow] = []
    seen: set[int] = set()
    ahead = [(0, n) for layer in ROOTS for n in under[None] if n.layer == layer]
    ahead.reverse()
    while ahead:
        depth, node = ahead.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        name = node.resident.display_name
        rows.append(ChainRow(depth, node.layer.value, name, tuple(covered[node.id])))
        ahead.extend((depth + 1, child) for child in reversed(under[node.id]))
    secretary = chain.top(session, community).resident
    name = secretary.display_name if secretary is not None else ""
    return ChainView(community.name, name, tuple(rows[:MAX_ROWS]), max(0, len(rows) - MAX_ROWS))


def unlink(
    session: Session,
    now: datetime,
    settings: Settings,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    named: Named,
    language: str,
) -> Unlinked:
    """`取消联系 @李党员 3号楼` (that place) or `取消联系 @李党员` (every link of theirs)."""
    chain.keeper(session, actor, community)
    if named.count != 1:
        raise DomainError("requests.unlink_usage")
    person = people_named(session, now, community, circle, named)[0]
    nodes = list(
        session.scalars(
            select(ChainNode)
            .where(ChainNode.community_id == community.id, ChainNode.resident_id == person.id)
            .order_by(ChainNode.id)
        )
    )
    if not nodes:
        raise DomainError("requests.not_linked", name=person.display_name)
    if not named.rest:
        _refuse_if_over_others(session, person, nodes)
        mine = _active(session, nodes, person)
        moved, envelopes = _move(session, now, settings, actor, person, mine, language)
        _remove(session, nodes)
        audit.record(session, now, "request.unlink", actor_id=actor.id, target_id=person.id)
        return Unlinked(person.display_name, (), moved, envelopes)
    member = next((n for n in nodes if n.layer == Layer.MEMBER), None)
    return _unlink_place(
        session, now, settings, actor, community, circle, person, member, named, language
    )


def _unlink_place(
    session: Session,
    now: datetime,
    settings: Settings,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    person: Resident,
    member: ChainNode | None,
    named: Named,
    language: str,
) -> Unlinked:
    """One place a party member covers stops being theirs; their last place takes them off."""
    text = " ".join(named.rest)
    within = circle.place if circle is not None else community
    place = chain.find_place(session, community, within, text, create=False)
    covers = [] if member is None else _covers(session, member)
    gone = next((c for c in covers if c.place_id == place.id), None)
    if member is None or gone is None:
        raise DomainError("requests.not_linked_there", name=person.display_name, place=text[:40])
    kept = [c.place for c in covers if c is not gone]
    if not kept:
        _refuse_if_over_others(session, person, [member])
    mine = [
        r
        for r in _active(session, [member], person)
        if r.place is not None
        and place.contains(r.place)
        and not any(k.contains(r.place) for k in kept)
    ]
    moved, envelopes = _move(session, now, settings, actor, person, mine, language)
    session.delete(gone)
    if not kept:
        _remove(session, [member])
    audit.record(
        session, now, "request.unlink", actor_id=actor.id, target_id=person.id, place_id=place.id
    )
    name = full_name(session, place, below=PlaceKind.COMMUNITY)
    return Unlinked(person.display_name, (name,), moved, envelopes)


def _covers(session: Session, node: ChainNode) -> list[ChainCover]:
    return list(
        session.scalars(
            select(ChainCover).where(ChainCover.node_id == node.id).order_by(ChainCover.id)
        )
    )


def _refuse_if_over_others(session: Session, person: Resident, nodes: list[ChainNode]) -> None:
    """A central household or branch with people under it stays until they are moved."""
    below = session.scalars(
        select(ChainNode)
        .where(ChainNode.parent_id.in_([n.id for n in nodes]))
        .order_by(ChainNode.id)
    ).all()
    if below:
        names = "、".join(dict.fromkeys(n.resident.display_name for n in below))
        raise DomainError(
            "requests.still_over", name=person.display_name, under=names, level=below[0].layer.value
        )


def _active(session: Session, nodes: list[ChainNode], person: Resident) -> list[Request]:
    """The requests the person still handles at these nodes."""
    return list(
        session.scalars(
            select(Request)
            .where(
                Request.node_id.in_([n.id for n in nodes]),
                Request.owner_id == person.id,
                Request.status.in_(ACTIVE),
            )
            .order_by(Request.number)
        )
    )


def _move(
    session: Session,
    now: datetime,
    settings: Settings,
    actor: Resident | None,
    person: Resident,
    requests: list[Request],
    language: str,
) -> tuple[tuple[Moved, ...], list[Envelope]]:
    """Each of `person`'s requests one layer up past them (or to the secretary), to be taken
    again; both told."""
    moved: list[Moved] = []
    envelopes: list[Envelope] = []
    for request in requests:
        higher = _higher(session, request, person)
        mediation = in_progress(session, request)
        if mediation is None:
            assign(session, now, settings, request, higher)
            envelopes += to_owner(session, now, request, settings, language, RELINKED)
        else:
            # Mid-mediation the clock stays stopped; ended without agreement, the request
            # comes back to this new owner to be taken.
            hand_to(request, higher)
            session.flush()
            envelopes += moved_notice(mediation, language)
        step(session, now, request, StepKind.ROUTED, actor)
        name, layer = owner_name(request), request.layer.value
        moved.append(Moved(request.number, name, layer))
        notice = escalated_notice(request.number, layer, name, False)
        envelopes += to_reporter(request, notice, language)
    return tuple(moved), envelopes


def _higher(session: Session, request: Request, person: Resident) -> chain.Owner:
    """Who takes over a request from `person`: the next layer up held by someone else, else
    another secretary of the community."""
    community = request.community
    owner = chain.Owner(request.layer, request.node, person)
    higher = chain.above_others(session, community, owner, person)
    if higher is not None:
        return higher
    others = [s for s in secretaries(session, community) if s.id != person.id]
    return chain.Owner(Layer.COMMUNITY, None, others[0] if others else None)


def forget_handler(
    session: Session, now: datetime, settings: Settings, person: Resident, language: str
) -> list[Envelope]:
    """Before someone is erased: the requests they handle go up as when their link is
    removed, and whoever was under them in the chain moves up to whoever was over them."""
    mine = list(
        session.scalars(
            select(Request)
            .where(Request.owner_id == person.id, Request.status.in_(ACTIVE))
            .order_by(Request.id)
        )
    )
    _, envelopes = _move(session, now, settings, None, person, mine, language)
    nodes = list(session.scalars(select(ChainNode).where(ChainNode.resident_id == person.id)))
    for node in nodes:
        for under in session.scalars(select(ChainNode).where(ChainNode.parent_id == node.id)):
            under.parent_id = node.parent_id
    _remove(session, nodes)
    return envelopes


def _remove(session: Session, nodes: list[ChainNode]) -> None:
    """Take nodes out of the chain; requests first routed to one stay seen from above it."""
    for node in nodes:
        session.execute(
            update(Request)
            .where(Request.first_node_id == node.id)
            .values(first_node_id=node.parent_id)
        )
    ids = [n.id for n in nodes]
    session.execute(update(Request).where(Request.node_id.in_(ids)).values(node_id=None))
    session.execute(delete(ChainCover).where(ChainCover.node_id.in_(ids)))
    for node in nodes:
        session.delete(node)
    session.flush()
