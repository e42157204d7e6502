"""Reporting (反映, 报修, 求助): a numbered request, routed to its first owner at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Envelope, Media, MediaKind
from bot.services.common import access
from bot.services.common.arguments import only_numbers
from bot.services.common.keywords import normalise
from bot.services.common.numbering import next_number
from bot.services.community.grid import ENGLISH_ADDRESS_WORDS, full_name
from bot.services.requests import chain
from bot.services.requests.categories import category_and_text, emergency
from bot.services.requests.desk import Acted, assign, owner_name, step, to_owner
from bot.services.requests.digest import keep_digest
from bot.services.requests.rules import rules_of
from bot.services.requests.views import ACTIVE
from models import Circle, Layer, Place, PlaceKind, Request, RequestStatus, Resident, StepKind

MAX_TEXT = 500
# WeChat carries no caption: a picture sent this soon after a report goes with it.
ATTACH_WINDOW = timedelta(minutes=5)
# The same words again from the same reporter within a day, while the first is still being
# handled, are a resend (the elderly send again when unsure it went), not a new problem.
REPEAT_WINDOW = timedelta(days=1)
_HANDLING = (RequestStatus.OPEN, RequestStatus.TAKEN)
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s.,!?;:~…。，、！？；：～·]+$")
# Words that say there is a problem but not which: 我要反映问题, 报修 一个问题; or a bare
# number, as if choosing from a list: 报修 1 (and as numbers are written: 第1个, #1, 1 号).
_VAGUE = re.compile(
    r"(?:一|1)?(?:个|個|些|点|點)?(?:问题|問題|情况|情況|事情|事)|[\d一二三四五六七八九十两兩零〇]+"
)

# The English words of addresses, and of places no address names: 3rd floor, the stairway.
_PLACE_WORDS = (
    *ENGLISH_ADDRESS_WORDS,
    "floor",
    "stairway",
    "stairwell",
    "corridor",
    "entrance",
    "gate",
)
# Words that only say where, not what is wrong: 3号楼, 3号楼2单元301, 3-2-301, 楼道; in
# English the place word mostly comes first: building 3, bldg 3 room 301, the 3rd floor stairway.
_PLACE_ONLY = re.compile(
    r"(?:(?:(?:the\s+)?第?[\d一二三四五六七八九十两兩零〇]++(?:st|nd|rd|th|[A-Za-z])?\s*+"
    r"(?:号楼|號樓|号院|號院|单元|單元|栋|棟|幢|座|号|號|楼|樓|层|層|室|户|戶|院)?"
    rf"|(?:the\s+)?(?:{'|'.join(_PLACE_WORDS)})(?![A-Za-z])\.?"
    r"|[-—/#,，]|楼道|樓道|门口|門口)\s*)+",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Attached:
    """A picture or file added to request `number`, and its owner's message with it."""

    number: int
    envelopes: list[Envelope]


def report(
    session: Session,
    now: datetime,
    settings: Settings,
    reporter: Resident,
    circle: Circle | None,
    typed: str,
    language: str,
    media: Media | None = None,
) -> Acted | Attached:
    """Keep the request (with the picture or file sent along, for its owners only), route it
    by the reporter's place and its category, tell its owner. The same report sent again is
    not filed twice: its picture, if the first had none, goes with the first (Attached)."""
    category, text = category_and_text(typed)
    gist = _TRAILING.sub("", normalise(text))
    if not text or _VAGUE.fullmatch(gist) or only_numbers(gist):
        raise DomainError("requests.photo_needs_words" if media else "requests.empty")
    if _PLACE_ONLY.fullmatch(gist):
        if media:
            raise DomainError("requests.photo_needs_words")
        raise DomainError("requests.only_place", place=gist)
    if len(text) > MAX_TEXT:
        raise DomainError("core.argument_too_long", limit=MAX_TEXT)
    community = access.community_for(session, reporter, circle)
    earlier = _same_report(session, now, reporter, community, text)
    if earlier is not None:
        if media is None or earlier.image is not None or earlier.document is not None:
            raise DomainError("requests.already_reported", number=earlier.number)
        _keep(earlier, media)
        return Attached(earlier.number, to_owner(session, now, earlier, settings, language))
    place = _where(session, reporter, circle, community)
    request = Request(
        community_id=community.id,
        number=next_number(session, Request, community),
        reporter_id=reporter.id,
        place_id=place.id,
        category=category,
        text=text,
        status=RequestStatus.OPEN,
        layer=Layer.COMMUNITY,
        created_at=now,
    )
    if media is not None:
        _keep(request, media)
    session.add(request)
    session.flush()
    grid = category in rules_of(session, community).grid
    assign(session, now, settings, request, chain.route(session, community, place, category, grid))
    step(session, now, request, StepKind.ROUTED, reporter)
    keep_digest(session, now, settings.zone, community)
    return Acted(
        request.number,
        owner_name(request),
        request.layer.value,
        request.due_at,
        to_owner(session, now, request, settings, language),
        category.value,
        emergency(text),
        "" if place is reporter.household else _named(session, place),
    )


def attach_later(
    session: Session,
    now: datetime,
    settings: Settings,
    reporter: Resident,
    media: Media,
    language: str,
) -> Attached | None:
    """Add a picture or file sent just after a report (as on WeChat, where pictures have no
    caption) to it, and send it to the owner; None when the reporter has no fresh report
    still without one."""
    request = session.scalar(
        select(Request)
        .where(
            Request.reporter_id == reporter.id,
            Request.created_at >= now - ATTACH_WINDOW,
            Request.status.in_(ACTIVE),
            Request.image.is_(None),
            Request.document.is_(None),
        )
        .order_by(Request.id.desc())
        .limit(1)
    )
    if request is None:
        return None
    _keep(request, media)
    return Attached(request.number, to_owner(session, now, request, settings, language))


def _same_report(
    session: Session, now: datetime, reporter: Resident, community: Place, text: str
) -> Request | None:
    """The reporter's request of the last day, still being handled, in the same words."""
    recent = session.scalars(
        select(Request).where(
            Request.community_id == community.id,
            Request.reporter_id == reporter.id,
            Request.created_at >= now - REPEAT_WINDOW,
            Request.status.in_(_HANDLING),
        )
    )
    wanted = _plain(text)
    return next((request for request in recent if _plain(request.text) == wanted), None)


def _plain(text: str) -> str:
    """The words alone: full-width folded, no spaces, no punctuation at the end."""
    return _TRAILING.sub("", _SPACES.sub("", normalise(text).lower()))


def _keep(request: Request, media: Media) -> None:
    """Keep the picture or file with the request, for its owners only."""
    stored = str(media.as_path())
    request.image, request.document = (
        (stored, None) if media.kind == MediaKind.PHOTO else (None, stored)
    )


def _where(session: Session, reporter: Resident, circle: Circle | None, community: Place) -> Place:
    """The reporter's household where it lies in the community, else the circle's place, else
    where the circles they are in put them (a newcomer's building: its chain comes first)."""
    home = reporter.household
    if home is not None and community.contains(home):
        return home
    return circle.place if circle is not None else access.place_for(session, reporter, community)


def _named(session: Session, place: Place) -> str:
    """A place as the reporter is told it: 1号院/3号楼, or the community's own name."""
    return full_name(session, place, below=PlaceKind.COMMUNITY) or place.name
