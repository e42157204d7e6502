"""The chain (联系, 中心户, 支部): who covers which place, who is over whom, and routing.

A party member covers buildings, units or households; a central household (中心户) is over
members; a branch (支部) over central households; the community's secretary over all. A
request goes to the member covering the reporter's place (or the grid worker, where the
community routes its category so), then one layer up at a time, and at the top to the
secretary: never nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.outreach import holders_at, secretaries
from bot.services.community.grid import (
    ancestor_of_kind,
    ancestors,
    children,
    ensure_household,
    find_places,
    full_name,
    locate_household,
    parse_address,
)
from bot.services.community.people import Named, people_named
from models import (
    ChainCover,
    ChainNode,
    Circle,
    Layer,
    Place,
    PlaceKind,
    RequestCategory,
    Resident,
    Role,
)

# Who is over each layer when the chain links them.
OVER = {Layer.MEMBER: Layer.CENTRAL, Layer.CENTRAL: Layer.BRANCH}
# The refusal when someone named is not yet linked at the layer below.
GAPS = {Layer.MEMBER: "requests.gap_member", Layer.CENTRAL: "requests.gap_central"}
USAGES = {Layer.CENTRAL: "requests.central_usage", Layer.BRANCH: "requests.branch_usage"}


@dataclass(frozen=True)
class Owner:
    """Who owns a request at a layer: a chain node's person, a grid worker or a secretary
    (None only where the community has no secretary yet)."""

    layer: Layer
    node: ChainNode | None
    resident: Resident | None


@dataclass(frozen=True)
class Linked:
    """A link made: the person over, and the people or the place they now cover."""

    name: str
    covered: list[str]


def keeper(session: Session, actor: Resident, community: Place) -> None:
    """Only the community's secretaries and grid workers keep its chain."""
    if not access.keeps_chain(session, actor.id, community):
        raise DomainError("requests.keepers_only")


def _node(
    session: Session, now: datetime, community: Place, who: Resident, layer: Layer
) -> ChainNode:
    node = session.scalar(
        select(ChainNode).where(
            ChainNode.community_id == community.id,
            ChainNode.resident_id == who.id,
            ChainNode.layer == layer,
        )
    )
    if node is None:
        node = ChainNode(community_id=community.id, resident=who, layer=layer, created_at=now)
        session.add(node)
        session.flush()
    return node


def link_place(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    named: Named,
) -> Linked:
    """`联系 @李党员 3号楼`: the party member covers a building, unit or household."""
    keeper(session, actor, community)
    if named.count != 1 or not named.rest:
        raise DomainError("requests.link_usage")
    member = people_named(session, now, community, circle, named)[0]
    within = circle.place if circle is not None else community
    place = find_place(session, community, within, " ".join(named.rest), create=True)
    node = _node(session, now, community, member, Layer.MEMBER)
    known = session.scalar(
        select(ChainCover.id).where(ChainCover.node_id == node.id, ChainCover.place_id == place.id)
    )
    if known is None:
        session.add(ChainCover(node_id=node.id, place_id=place.id))
    audit.record(
        session, now, "request.link", actor_id=actor.id, target_id=member.id, place_id=place.id
    )
    return Linked(member.display_name, [full_name(session, place, below=PlaceKind.COMMUNITY)])


def link_over(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    layer: Layer,
    named: Named,
) -> Linked:
    """`中心户 @王 @李党员` or `支部 @张书记 @王`: the first named at `layer` over the others,
    each already linked one layer below; a loop or a gap is refused."""
    keeper(session, actor, community)
    if named.count < 2 or named.rest:
        raise DomainError(USAGES[layer])
    head, *under = people_named(session, now, community, circle, named)
    below = next(low for low, high in OVER.items() if high == layer)
    top = _node(session, now, community, head, layer)
    heads = session.scalars(
        select(ChainNode).where(
            ChainNode.community_id == community.id, ChainNode.resident_id == head.id
        )
    )
    # The head and everyone over them anywhere in the chain: none of them may go under.
    higher = {n.resident_id for node in heads for n in access.chain_up(node)}
    for person in under:
        child = session.scalar(
            select(ChainNode).where(
                ChainNode.community_id == community.id,
                ChainNode.resident_id == person.id,
                ChainNode.layer == below,
            )
        )
        if child is None:
            raise DomainError(GAPS[below], name=person.display_name)
        if person.id in higher:
            raise DomainError("requests.chain_loop", name=person.display_name)
        child.parent = top
    audit.record(session, now, f"request.{layer.value}", actor_id=actor.id, target_id=head.id)
    return Linked(head.display_name, [p.display_name for p in under])


def find_place(
    session: Session, community: Place, within: Place, where: str, create: bool
) -> Place:
    """A building, unit or household of the community, by path (3号楼) or address (3-2-301);
    a household not yet in the grid is made only when `create`."""
    try:
        address = parse_address(where)
    except DomainError:
        address = None
    if address is not None:
        estates = (
            [within]
            if ancestor_of_kind(session, within, PlaceKind.ESTATE)
            else [p for p in children(session, community) if p.kind == PlaceKind.ESTATE]
        )
        for estate in estates:
            try:
                spot = locate_household(session, estate, address)
            except DomainError:
                continue
            if create or spot.household is not None:
                return ensure_household(session, spot)
    found = [
        p
        for p in find_places(session, where)
        if community.contains(p) and p.kind.depth > PlaceKind.ESTATE.depth
    ]
    inside = [p for p in found if within.contains(p)]
    found = inside or found
    if len(found) != 1:
        raise DomainError("requests.which_place", place=where[:40], found=len(found))
    return found[0]


def route(
    session: Session, community: Place, place: Place, category: RequestCategory, grid: bool
) -> Owner:
    """The first owner: the grid worker where `grid` routes the category so, else the member
    covering the place most closely, else the grid worker, else the secretary."""
    if grid and (worker := grid_worker(session, place)) is not None:
        return Owner(Layer.GRID, None, worker)
    around = [p.id for p in ancestors(session, place)]
    covers = session.execute(
        select(ChainCover.place_id, ChainNode)
        .join(ChainNode, ChainNode.id == ChainCover.node_id)
        .where(
            ChainNode.community_id == community.id,
            ChainNode.layer == Layer.MEMBER,
            ChainCover.place_id.in_(around),
        )
        .order_by(ChainNode.id)
    ).all()
    if covers:
        node = max(covers, key=lambda row: around.index(row[0]))[1]
        return Owner(Layer.MEMBER, node, node.resident)
    worker = grid_worker(session, place)
    return Owner(Layer.GRID, None, worker) if worker else top(session, community)


def above(session: Session, community: Place, owner: Owner) -> Owner | None:
    """One layer up: the node over this one, else the community; None at the community."""
    if owner.layer == Layer.COMMUNITY:
        return None
    parent = owner.node.parent if owner.node is not None else None
    if parent is not None:
        return Owner(parent.layer, parent, parent.resident)
    return top(session, community)


def above_others(
    session: Session, community: Place, owner: Owner, person: Resident | None
) -> Owner | None:
    """One layer up, past the layers `person` holds; None when nobody else is above them."""
    higher = above(session, community, owner)
    while (
        higher is not None
        and person is not None
        and higher.resident is not None
        and higher.resident.id == person.id
    ):
        higher = above(session, community, higher)
    return higher


def top(session: Session, community: Place) -> Owner:
    """The community layer: its first secretary."""
    found = secretaries(session, community)
    return Owner(Layer.COMMUNITY, None, found[0] if found else None)


def grid_worker(session: Session, place: Place) -> Resident | None:
    """The grid worker whose area holds `place` most closely."""
    for around in reversed(ancestors(session, place)):
        if around.kind.depth < PlaceKind.COMMUNITY.depth:
            break
        found = holders_at(session, Role.GRID_WORKER, around)
        if found:
            return found[0]
    return None
