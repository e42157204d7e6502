"""What every request verb shares: finding a request one may see, owners, steps and notes."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.delivery import envelope_of
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Reply, carried
from bot.services.common import access
from bot.services.common.numbering import the_one
from bot.services.common.outreach import to_person
from bot.services.common.quiet import default_quiet, quiet_hours
from bot.services.common.when import moment_data
from bot.services.community.grid import full_name
from bot.services.requests.chain import Owner
from bot.services.requests.rules import rules_of
from models import (
    OutboxMessage,
    OutboxState,
    Place,
    PlaceKind,
    Request,
    RequestStatus,
    RequestStep,
    Resident,
    StepKind,
)

# A request in one of these is finished: nobody acts on it any more.
FINISHED = (RequestStatus.CLOSED, RequestStatus.SENT_BACK, RequestStatus.WITHDRAWN)
# Steps after which a message asking the owner to handle it, held for the morning, still
# stands: a word to the reporter, a rating, the overdue flag, the reporter urging.
KEEPS_HELD = frozenset({StepKind.REPLIED, StepKind.RATED, StepKind.OVERDUE, StepKind.URGED})


@dataclass(frozen=True)
class Acted:
    """A verb done on request `number`: who owns it now, at which layer, its next deadline,
    the private messages it sends, its category, whether it tells of danger to life or health,
    and where a new report was filed when not at the reporter's home."""

    number: int
    owner: str = ""
    layer: str = ""
    due_at: datetime | None = None
    envelopes: list[Envelope] = field(default_factory=list)
    category: str = ""
    emergency: bool = False
    place: str = ""


def waiting_one(
    session: Session, community: Place, waits: ColumnElement[bool], none: str, which: str
) -> int:
    """The number of the community's one request that `waits` for someone's word; the
    refusal `none` where none does, `which`, naming them, where several do."""
    numbers = session.scalars(
        select(Request.number)
        .where(Request.community_id == community.id, waits)
        .order_by(Request.number)
    ).all()
    return the_one(numbers, none, which)


def find_request(session: Session, community: Place, number: int, viewer: Resident) -> Request:
    """Request `number` of the community, if the viewer may see it; else as if there were none."""
    request = session.scalar(
        select(Request).where(Request.community_id == community.id, Request.number == number)
    )
    if request is None or not access.sees_request(session, viewer.id, request):
        raise DomainError("requests.not_found", number=number)
    return request


def owned(session: Session, community: Place, number: int, actor: Resident) -> Request:
    """Request `number`, for its owner (or a secretary) to act on while it is not finished."""
    request = find_request(session, community, number, actor)
    if not access.acts_on_request(session, actor.id, request):
        raise DomainError("requests.not_yours", number=number)
    if request.status in FINISHED:
        raise DomainError("requests.finished", number=number, state=request.status.value)
    return request


def step(
    session: Session,
    now: datetime,
    request: Request,
    kind: StepKind,
    actor: Resident | None,
    text: str = "",
) -> None:
    """Record what happened, with the layer and owner after it; a message asking an owner
    to handle it, or urging them, that waits for the morning goes no more once it moved on
    (taken, passed on or solved in the night, it would ask to take it again)."""
    session.add(
        RequestStep(
            request_id=request.id,
            at=now,
            kind=kind,
            actor_id=actor.id if actor else None,
            layer=request.layer,
            owner_id=request.owner_id,
            text=text[:500],
        )
    )
    if kind not in KEEPS_HELD:
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.key.in_(asking_keys(session, request)),
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.not_before > now,
            )
        )


def owner_key(request: Request) -> str:
    """The key of the first message asking a request's owner to handle it (its outbox row)."""
    return f"request:{request.id}"


def asked_keys(session: Session, request: Request) -> list[str]:
    """The keys of the messages stored that asked the request's owner to handle it."""
    first = owner_key(request)
    stored = select(OutboxMessage.key).distinct()
    mine = OutboxMessage.key == first, OutboxMessage.key.like(f"{first}:ask:%")
    return [key for key in session.scalars(stored.where(or_(*mine))).all() if key]


def ask_key(session: Session, request: Request) -> str:
    """The key of a new message asking the request's owner to handle it: each has its own,
    as an edit finds only the newest message with its key, and taking the request edits
    every one of them (one owner may be asked twice: a photo added, the chain climbed)."""
    first = owner_key(request)
    keys = asked_keys(session, request)
    numbers = [int(key.rsplit(":", 1)[1]) for key in keys if key != first]
    return f"{first}:ask:{max(numbers, default=1) + 1}" if keys else first


def take_buttons_gone(
    session: Session, now: datetime, request: Request, settings: Settings, taker: Resident
) -> list[Envelope]:
    """The messages asking to take the request, edited to say who took it."""
    shown = details(session, now, request, settings)
    data = {k: shown[k] for k in ("number", "category", "text", "reporter", "address")}
    return asking_edited(
        session, request, Reply("requests.assigned_taken", data | {"name": taker.display_name})
    )


def asking_edited(session: Session, request: Request, reply: Reply) -> list[Envelope]:
    """The messages that asked to take the request (sent, or on their way), and the urges
    to take it, each edited to say `reply`, without its 接单 button, unless an earlier take
    or withdrawal edited it so. Only the outbox keeps such messages (Telegram, WeChat), and
    the post office drops edits where the platform cannot make them (WeChat)."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.key.in_(asking_keys(session, request)),
            OutboxMessage.state != OutboxState.FAILED,
        )
        .order_by(OutboxMessage.id)
    ).all()
    # The newest of each chat and key is the one an edit there edits, none where an edit
    # followed it; a sent one has forgotten its words, so the edit says them afresh.
    newest = {(row.platform, row.chat_id, row.key): None if row.edit else row for row in rows}
    envelopes = []
    for row in filter(None, newest.values()):
        envelope = envelope_of(row)
        envelope.reply = replace(
            reply, image=envelope.reply.image, document=envelope.reply.document
        )
        envelope.outbox_id, envelope.edit = None, True
        envelopes.append(envelope)
    return envelopes


def urge_key(request: Request, urge: int) -> str:
    """The key of the reporter's `urge`th urge to a request's owner, apart from every other."""
    return f"{_urges_key(request)}:{urge}"


def _urges_key(request: Request) -> str:
    """The key every urge of a request once shared (rows stored then still carry it)."""
    return f"request:{request.id}:urge"


def urges(session: Session, request: Request) -> int:
    """How many times the reporter urged the request's owner (催办)."""
    count = select(func.count()).where(
        RequestStep.request_id == request.id, RequestStep.kind == StepKind.URGED
    )
    return session.scalar(count) or 0


def asking_keys(session: Session, request: Request) -> list[str]:
    """The keys of the messages that asked the request's owner to handle it, and of each urge."""
    # Each urge has a key of its own, so that an edit finds it (an edit finds the newest
    # message with its key); those stored before that share one.
    shared = _urges_key(request)
    numbered = [urge_key(request, urge) for urge in range(1, urges(session, request) + 1)]
    return [*asked_keys(session, request), shared, *numbered]


def assign(
    session: Session, now: datetime, settings: Settings, request: Request, owner: Owner
) -> None:
    """Hand the request to `owner`, open, to be taken within the community's daytime hours:
    a fresh deadline, not yet missed."""
    hand_to(request, owner)
    request.status, request.overdue = RequestStatus.OPEN, False
    hours = rules_of(session, request.community).accept_hours
    quiet = quiet_hours(session, request.community_id, default_quiet(settings))
    request.due_at = quiet.daytime_after(now, timedelta(hours=hours))
    session.flush()


def hand_to(request: Request, owner: Owner) -> None:
    """Make `owner` the request's owner, its status and deadline as they are."""
    request.layer, request.node, request.owner = owner.layer, owner.node, owner.resident
    if owner.node is not None and request.first_node_id is None:
        request.first_node = owner.node


def owner_name(request: Request) -> str:
    """The owner's name, or "" where the community has nobody at that layer."""
    return request.owner.display_name if request.owner is not None else ""


def details(
    session: Session, now: datetime, request: Request, settings: Settings
) -> dict[str, object]:
    """What the owners up the chain see of a request, the reporter's name and address too."""
    place = request.place
    return {
        "number": request.number,
        "category": request.category.value,
        "text": request.text,
        "reporter": request.reporter.display_name if request.reporter else "",
        "address": full_name(session, place, below=PlaceKind.COMMUNITY) if place else "",
        "layer": request.layer.value,
        "due": moment_data(request.due_at, settings.zone, now) if request.due_at else None,
    }


def to_owner(
    session: Session,
    now: datetime,
    request: Request,
    settings: Settings,
    language: str,
    cause: str = StepKind.ROUTED,
    why: str = "",
    by: str = "",
) -> list[Envelope]:
    """The request's details, privately to its (new) owner, with a 接单 button; `cause` says
    why it came (reported, escalated, overdue below, reopened, its link removed), `why` in
    whose words, and `by` who passed it up."""
    if request.owner is None:
        return []
    data = details(session, now, request, settings) | {"cause": str(cause), "why": why, "by": by}
    choices = [[Choice("requests.take_button", f"/take {request.number}", True, True)]]
    envelopes = to_person(request.owner, Reply("requests.assigned", data, choices), language)
    key = ask_key(session, request)
    for envelope in envelopes:
        platform = envelope.target.platform
        image, document = carried(request.image, platform), carried(request.document, platform)
        envelope.reply = replace(envelope.reply, image=image, document=document)
        envelope.key = key
    return envelopes


def shown(
    session: Session,
    now: datetime,
    settings: Settings,
    viewer: Resident,
    community: Place,
    number: int,
) -> tuple[dict[str, object], str | None, str | None]:
    """`诉求 3`: one request's details, status and owner, how it was solved or why it was sent
    back, with the picture or file kept with it (image, document), for those who may see it;
    its reporter, while the solution waits for them, is shown how to answer."""
    request = find_request(session, community, number, viewer)
    solved = request.status in (RequestStatus.RESOLVED, RequestStatus.CLOSED)
    data = details(session, now, request, settings) | {
        "state": request.status.value,
        "owner": owner_name(request),
        "how": request.resolution if solved else "",
        "back": sent_back_why(session, request),
        "confirm": request.status == RequestStatus.RESOLVED and request.reporter_id == viewer.id,
    }
    return data, request.image, request.document


def sent_back_why(session: Session, request: Request) -> str:
    """Why the owner sent the request back, in their words; "" when it was not."""
    if request.status != RequestStatus.SENT_BACK:
        return ""
    query = (
        select(RequestStep.text)
        .where(RequestStep.request_id == request.id, RequestStep.kind == StepKind.SENT_BACK)
        .order_by(RequestStep.id.desc())
        .limit(1)
    )
    return session.scalar(query) or ""


def to_reporter(request: Request, reply: Reply, language: str) -> list[Envelope]:
    """A private message to the reporter, where they are still known."""
    return to_person(request.reporter, reply, language) if request.reporter else []
