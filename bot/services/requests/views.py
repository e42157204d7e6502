"""What people see of requests (诉求): mine, my layer's, overdue; /mydata; erasing a reporter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.db import rows
from bot.messages import Envelope
from bot.queries import Query
from bot.services.common import access
from bot.services.common.when import moment_data
from bot.services.community.grid import ancestor_of_kind
from bot.services.requests.reporter import close_withdrawn
from models import (
    ChainNode,
    Place,
    PlaceKind,
    Request,
    RequestStatus,
    RequestStep,
    Resident,
    StepKind,
)

SHOWN = 20
ACTIVE = (RequestStatus.OPEN, RequestStatus.TAKEN, RequestStatus.RESOLVED)


@dataclass(frozen=True)
class Line:
    """One request in a list: no reporter, only what it is and where it stands."""

    number: int
    category: str
    text: str
    status: str
    layer: str
    owner: str
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class Listing:
    """My requests, those I handle, those at the layers under me, the overdue among them, and
    those I passed up that are still unfinished."""

    mine: list[Line]
    handling: list[Line]
    below: list[Line]
    overdue: list[Line]
    passed: list[Line]


_LINE = select(
    Request.number,
    Request.category,
    Request.text,
    Request.status,
    Request.layer,
    Resident.display_name,
    Request.due_at,
    Request.overdue,
).outerjoin(Resident, Resident.id == Request.owner_id)


def lines(session: Session, *where: ColumnElement[bool]) -> list[Line]:
    """The newest requests matching `where`, at most SHOWN, with their owners' names, as rows."""
    # Ordered by an expression, not the bare number: else SQLite (without statistics) walks
    # the community's whole numbering backwards to skip sorting the few rows it wants.
    newest = (Request.number + 0).desc()
    found = rows(session, _LINE.where(*where).order_by(newest).limit(SHOWN))
    return [
        Line(
            r.number,
            r.category.value,
            r.text,
            r.status.value,
            r.layer.value,
            r.display_name or "",
            r.due_at,
            r.overdue,
        )
        for r in found
    ]


def line_data(line: Line, zone: ZoneInfo, now: datetime) -> dict[str, object]:
    """A line as the templates take it, its deadline in local time: `overdue` once its
    deadline has passed, `came_late` while one that missed the layer below's has a fresh one."""
    late = line.overdue and (line.due_at is None or line.due_at <= now)
    return {
        "number": line.number,
        "category": line.category,
        "text": line.text,
        "status": line.status,
        "layer": line.layer,
        "owner": line.owner,
        "due": moment_data(line.due_at, zone, now) if line.due_at else None,
        "overdue": late,
        "came_late": line.overdue and not late,
    }


def listing(session: Session, viewer: Resident, community: Place) -> Listing:
    """`诉求`: what the viewer reported, owns, may see below them in the chain, and passed up."""
    here = Request.community_id == community.id
    active = Request.status.in_(ACTIVE)
    mine = lines(session, here, Request.reporter_id == viewer.id)
    handling = lines(session, here, active, Request.owner_id == viewer.id)
    if access.is_secretary_for(session, viewer.id, community):
        below = lines(session, here, active, Request.owner_id.is_distinct_from(viewer.id))
    else:
        nodes = _nodes_below(session, viewer, community)
        below = lines(session, here, active, Request.node_id.in_(nodes)) if nodes else []
    below = [line for line in below if line not in handling]
    overdue = [line for line in handling + below if line.overdue]
    escalated = select(RequestStep.request_id).where(
        RequestStep.kind == StepKind.ESCALATED, RequestStep.actor_id == viewer.id
    )
    shown = mine + handling + below
    passed = [
        line
        for line in lines(session, here, active, Request.id.in_(escalated))
        if line not in shown
    ]
    return Listing(mine, handling, below, overdue, passed)


_MINE = select(ChainNode.id).where(
    ChainNode.community_id == bindparam("community"), ChainNode.resident_id == bindparam("viewer")
)
_UNDER = (
    select(ChainNode.id)
    .where(ChainNode.community_id == bindparam("community"), ChainNode.parent_id.in_(_MINE))
    .cte("under", recursive=True)
)
# UNION, not UNION ALL: a chain that loops back on itself ends when no new node turns up.
_UNDER = _UNDER.union(
    select(ChainNode.id)
    .join(_UNDER, ChainNode.parent_id == _UNDER.c.id)
    .where(ChainNode.community_id == bindparam("community"))
)
_BELOW = Query(select(_UNDER.c.id).where(_UNDER.c.id.not_in(_MINE)))


def _nodes_below(session: Session, viewer: Resident, community: Place) -> list[int]:
    """The chain nodes under the viewer's own (their members, central households ...), found
    by walking down from the viewer's nodes only."""
    found = rows(session, _BELOW, {"community": community.id, "viewer": viewer.id})
    return [row.id for row in found]


def reported_by(session: Session, resident: Resident) -> list[tuple[int, str, str, bool]]:
    """A resident's requests for /mydata: number, text, status and whether a photo or file
    is kept with it."""
    rows = session.execute(
        select(Request.number, Request.text, Request.status, Request.image, Request.document)
        .where(Request.reporter_id == resident.id)
        .order_by(Request.id)
    )
    return [
        (number, text, status.value, image is not None or document is not None)
        for number, text, status, image, document in rows
    ]


def forget_reporter(
    session: Session, now: datetime, resident: Resident, language: str
) -> list[Envelope]:
    """Before a resident is erased: their requests lose their words, and the words written
    on them (replies, reasons, how it was solved), and their household (the building stays,
    for the figures); the unfinished ones are withdrawn, their handlers told as by 撤回 but
    by number only. Their words on others' go too."""
    theirs: list[int] = []
    envelopes: list[Envelope] = []
    for request in session.scalars(select(Request).where(Request.reporter_id == resident.id)):
        place = request.place
        if place is not None and place.kind == PlaceKind.HOUSEHOLD:
            building = ancestor_of_kind(session, place, PlaceKind.BUILDING)
            request.place_id = building.id if building else None
        request.text, request.resolution, request.reporter_id = "", "", None
        request.image = request.document = None
        if request.status in ACTIVE:
            envelopes += close_withdrawn(session, now, request, resident, "", language)
        theirs.append(request.id)
    session.execute(
        update(RequestStep)
        .where(or_(RequestStep.actor_id == resident.id, RequestStep.request_id.in_(theirs)))
        .values(text="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(RequestStep)
        .where(RequestStep.actor_id == resident.id)
        .values(actor_id=None)
        .execution_options(synchronize_session=False)
    )
    return envelopes
