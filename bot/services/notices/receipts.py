"""Receipts (回执): residents' 收到, the figures per circle, and the lists at the deadline."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, distinct, func, or_, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.db import rows
from bot.delivery import key_of_sent
from bot.errors import DomainError
from bot.messages import Envelope, Incoming, Reply
from bot.queries import Query
from bot.services.common import access
from bot.services.common.outreach import to_person
from bot.services.community.grid import (
    enclosing_ids,
    enclosing_names,
    full_name,
    full_names,
    path_ids,
)
from bot.services.notices.compose import find_notice
from bot.services.notices.reach import circle_title, registered_under
from bot.services.notices.sending import NOTICE_KEY
from models import (
    Circle,
    Notice,
    NoticeCircle,
    NoticeReceipt,
    NoticeStatus,
    Place,
    PlaceKind,
    Resident,
)

# How many of the newest notices a 收到 or a bare 回执 looks through.
LATEST = 50
# A bare 收到 this soon after a notice's deadline is a late receipt, answered as such; later
# on, in a group, it is chat about something else.
LATE_ANSWERED = timedelta(days=3)
# A bare 好的 said privately this soon after a notice reached the resident's home answers it;
# later it answers whatever the bot said last.
ASSENT_SOON = timedelta(hours=2)
# Up to this many silent households are named one by one; more are counted per building,
# for a list of thousands helps nobody, and building heads see their own buildings' lists.
NAMED = 30
# How many buildings a count per building names, those with the most silent households first.
BUILDINGS_SHOWN = 20


@dataclass(frozen=True)
class Acked:
    """A receipt recorded: the notice's number, who acknowledged it, the numbers of the
    other open notices still waiting for their receipt, and whether it counts for a household
    (not for someone not yet registered)."""

    number: int
    name: str
    waiting: list[int]
    counted: bool = True


@dataclass(frozen=True)
class CircleFigures:
    """Households that acknowledged, of those registered, in one circle."""

    title: str
    acked: int
    households: int


@dataclass(frozen=True)
class Silent:
    """The households that have not acknowledged: named where few, else counted per building
    (the buildings with most first; `rest` the households in buildings not shown)."""

    count: int
    names: list[str]
    buildings: list[tuple[str, int]]
    rest: int


@dataclass(frozen=True)
class ReceiptView:
    """A notice's receipts as one viewer may see them, and the households still silent."""

    number: int
    text: str
    circles: list[CircleFigures]
    silent: Silent
    deadline: datetime | None


def _open(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Notice.status == NoticeStatus.SENT,
        Notice.receipts.is_(True),
        or_(Notice.deadline_at.is_(None), Notice.deadline_at > now),
    )


def acknowledge(
    session: Session, now: datetime, resident: Resident, circle: Circle | None, number: int | None
) -> Acked | None:
    """Record a 收到 to notice `number`, or else to the newest open notice here this resident
    has not acknowledged; None where a group has no open notice, for then 收到 is only chat.
    A number no open notice here of theirs has is refused with those still waiting."""
    here = _open_here(session, now, resident, circle)
    done = _acked_by(session, resident, here)
    waiting = [n for n in here if n.id not in done]
    if number is not None:
        here = [n for n in here if n.number == number]
    elif waiting:
        # One 收到 is one notice read: the newest, as a notice long open may not have been seen.
        here = waiting[:1]
    if not here:
        late = _closed_here(session, now, resident, circle, number)
        if late is not None and late.id not in _acked_by(session, resident, [late]):
            raise DomainError("notices.ack_too_late", number=late.number)
        if late is not None and number is not None:
            raise DomainError("notices.already_acked", number=number)
        if circle is not None and number is None:
            return None
        if number is not None:
            waited = [n.number for n in waiting]
            raise DomainError("notices.no_notice_to_ack", number=number, waiting=sorted(waited))
        raise DomainError("notices.nothing_to_ack")
    notice = here[0]
    if notice.id in done:
        raise DomainError("notices.already_acked", number=notice.number)
    session.add(
        NoticeReceipt(
            notice_id=notice.id, resident_id=resident.id, household_id=resident.household_id, at=now
        )
    )
    others = [n.number for n in waiting if n is not notice]
    return Acked(
        notice.number, resident.display_name, sorted(others), resident.household_id is not None
    )


def replied_notice(session: Session, incoming: Incoming) -> int | None:
    """The number of the notice whose message `incoming` replies to; None where it replies
    to none (or the platform does not tell)."""
    replied = incoming.replied
    if replied is None:
        return None
    key = replied.key
    if not key and replied.message_id:
        chat = incoming.chat
        key = key_of_sent(session, chat.platform, chat.chat_id, replied.message_id)
    number = key.removeprefix(NOTICE_KEY)
    if number == key or not number.isdigit():
        return None
    notice = session.get(Notice, int(number))
    return notice.number if notice is not None else None


def fresh_notice(session: Session, now: datetime, resident: Resident) -> int | None:
    """The number of the newest open notice that reached the resident's home within
    `ASSENT_SOON` and that they have not acknowledged; None where there is none."""
    here = _open_here(session, now, resident, None)
    fresh = [n for n in here if n.sent_at is not None and n.sent_at >= now - ASSENT_SOON]
    done = _acked_by(session, resident, fresh)
    return next((n.number for n in fresh if n.id not in done), None)


def _closed_here(
    session: Session, now: datetime, resident: Resident, circle: Circle | None, number: int | None
) -> Notice | None:
    """The notice a 收到 answers after its deadline: the one numbered, else the newest here
    closed lately; None where there is none."""
    closed = (
        Notice.status == NoticeStatus.SENT,
        Notice.receipts.is_(True),
        Notice.deadline_at <= now,
        Notice.number == number if number is not None else Notice.deadline_at > now - LATE_ANSWERED,
    )
    found = _reached_here(session, resident, circle, closed)
    return found[0] if found else None


def _acked_by(session: Session, resident: Resident, notices: Sequence[Notice]) -> set[int]:
    """The ids of those of `notices` the resident acknowledged."""
    query = select(NoticeReceipt.notice_id).where(
        NoticeReceipt.resident_id == resident.id,
        NoticeReceipt.notice_id.in_([n.id for n in notices]),
    )
    return set(session.scalars(query))


def _open_here(
    session: Session, now: datetime, resident: Resident, circle: Circle | None
) -> list[Notice]:
    """The open notices a 收到 may answer, newest first."""
    return _reached_here(session, resident, circle, _open(now))


def _reached_here(
    session: Session,
    resident: Resident,
    circle: Circle | None,
    conditions: Sequence[ColumnElement[bool]],
) -> list[Notice]:
    """Notices meeting `conditions`, newest first: in a group, those that reached the group's
    circle; privately, those that reached a place holding the resident's household."""
    query = (
        select(Notice)
        .join(NoticeCircle, NoticeCircle.notice_id == Notice.id)
        .where(*conditions)
        .order_by(Notice.sent_at.desc(), Notice.id.desc())
    )
    if circle is not None:
        return list(session.scalars(query.where(NoticeCircle.circle_id == circle.id).limit(LATEST)))
    home = resident.household
    if home is None:
        return []
    reaching = Notice.id.in_(access.notices_reaching([home]))
    return list(session.scalars(query.where(reaching).limit(LATEST)).unique())


def receipts(
    session: Session, now: datetime, resident: Resident, community: Place, number: int | None
) -> ReceiptView:
    """Per place it reached, how many registered households acknowledged, and which have not,
    within what the viewer may see (their own buildings for a building head); without a
    number, the latest notice with receipts the viewer may see."""
    notices = [find_notice(session, community, number)] if number else _latest(session, community)
    if not notices and not access.receipt_areas(session, resident.id, community, None):
        raise DomainError("notices.receipts_not_yours")
    refusal = DomainError("notices.none_with_receipts")
    for notice in notices:
        areas = access.receipt_areas(session, resident.id, community, notice.sender_id)
        # Whoever may not see a notice's receipts learns nothing of it, not even that it is.
        if not areas and number:
            raise DomainError("notices.not_found", number=number)
        if not areas:
            raise DomainError("notices.receipts_not_yours")
        if not notice.receipts:
            raise DomainError("notices.no_receipts_asked", number=notice.number)
        if notice.status in (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED):
            raise DomainError("notices.receipts_not_sent", number=notice.number)
        view = _view(session, notice, areas)
        if view is not None:
            return view
        refusal = DomainError("notices.receipts_elsewhere", number=number)
    raise refusal


def _view(session: Session, notice: Notice, areas: list[Place]) -> ReceiptView | None:
    """The notice's figures within `areas`, one per place it covers, named after it: a
    circle's own place by the circle's title, a part of it (a building of an estate), or a
    place several circles reached, by its own name; None where the notice reached none of
    `areas`."""
    covered: dict[int, tuple[str, Place]] = {}
    for reached in notice.circles:
        for place in _overlaps(reached.place, areas):
            own = place.id == reached.circle.place_id and place.id not in covered
            # An unnamed building's or unit's circle is named with its estate (1号院/3号楼):
            # beside an estate's circle, 3号楼 alone reads as another estate.
            titled = own and (reached.circle.name or place.kind.depth <= PlaceKind.ESTATE.depth)
            title = (
                circle_title(reached.circle)
                if titled
                else full_name(session, place, PlaceKind.COMMUNITY)
            )
            covered[place.id] = (title, place)
    if not covered:
        return None
    acked = _acked_households(session, notice)
    homes = _registered_homes(session, [place.path for _, place in covered.values()])
    figures: list[CircleFigures] = []
    for title, place in covered.values():
        inside = {i for i, path in homes.items() if path.startswith(place.path)}
        figures.append(CircleFigures(title, len(acked & inside), len(inside)))
    silent = [path for i, path in homes.items() if i not in acked]
    return ReceiptView(
        notice.number,
        notice.text,
        figures,
        _silent(session, silent),
        notice.deadline_at,
    )


def _registered_homes(session: Session, paths: list[str]) -> dict[int, str]:
    """The path of each household under `paths` where someone is registered, by id, in the
    order of their paths: read as rows, for a notice reaches thousands."""
    if not paths:
        return {}
    query = registered_under(select(Place.id, Place.path), paths).order_by(Place.path)
    return {row.id: row.path for row in session.execute(query.distinct())}


def _silent(session: Session, paths: list[str]) -> Silent:
    """The silent households at `paths`, named or counted per building."""
    if len(paths) <= NAMED:
        return Silent(len(paths), sorted(full_names(session, paths, PlaceKind.COMMUNITY)), [], 0)
    per_building = Counter(enclosing_names(session, paths, PlaceKind.BUILDING, PlaceKind.COMMUNITY))
    ranked = sorted(per_building.items(), key=lambda item: (-item[1], item[0]))
    shown = ranked[:BUILDINGS_SHOWN]
    return Silent(len(paths), [], shown, len(paths) - sum(count for _, count in shown))


def _overlaps(place: Place, areas: Sequence[Place]) -> list[Place]:
    """Where `place` and each of `areas` overlap: the narrower of the two, once each."""
    by_path = {p.path: p for p in (place, *areas)}
    narrowed = _narrowed([place.path], [a.path for a in areas])
    return [by_path[path] for path in dict.fromkeys(narrowed)]


def _latest(session: Session, community: Place) -> list[Notice]:
    """The community's latest sent notices that ask for receipts, newest first."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.community_id == community.id, Notice.receipts)
            .where(Notice.status == NoticeStatus.SENT)
            .order_by(Notice.sent_at.desc(), Notice.id.desc())
            .limit(LATEST)
        )
    )


def _acked(notice: Notice) -> Select[int | None]:
    """The households that acknowledged `notice` (none for a receipt of no household)."""
    return select(NoticeReceipt.household_id).where(NoticeReceipt.notice_id == notice.id)


def _acked_households(session: Session, notice: Notice) -> set[int]:
    return {h for h in session.scalars(_acked(notice)) if h is not None}


_REACHED_PLACES = Query(
    select(Place.path)
    .join(NoticeCircle, NoticeCircle.place_id == Place.id)
    .where(NoticeCircle.notice_id == bindparam("notice"))
)


def household_figures(
    session: Session,
    notice: Notice,
    areas: Sequence[Place] | None = None,
    counted: dict[tuple[str, ...], int] | None = None,
) -> tuple[int, int]:
    """Households that acknowledged, and registered households the notice reached (within
    `areas`, where given), counted by the database (a community's notice reaches thousands);
    `counted` keeps the latter per set of places, for a list of notices reaching the same."""
    reached = [row.path for row in rows(session, _REACHED_PLACES, {"notice": notice.id})]
    paths = reached if areas is None else _narrowed(reached, [a.path for a in areas])
    if not paths:
        return 0, 0
    # Counted from the notice's receipts, as a notice has far fewer than the place has homes.
    answered = select(func.count(distinct(NoticeReceipt.household_id))).join(
        Place, Place.id == NoticeReceipt.household_id
    )
    acked = registered_under(answered, paths).where(NoticeReceipt.notice_id == notice.id)
    key = tuple(sorted(set(paths)))
    counted = {} if counted is None else counted
    if key not in counted:
        homes = registered_under(select(func.count(distinct(Place.id))), paths)
        counted[key] = session.scalar(homes) or 0
    return session.scalar(acked) or 0, counted[key]


def _narrowed(paths: list[str], areas: list[str]) -> list[str]:
    """Where each of `paths` overlaps each of `areas`, as the narrower path."""
    return [max(p, a, key=len) for p in paths for a in areas if p.startswith(a) or a.startswith(p)]


class NoticeDeadlines:
    """At a notice's receipt deadline, whoever follows up on households it reached (building
    heads, unit heads, grid workers) privately gets those of their area that have not
    acknowledged, and the sender gets the figures."""

    name = "notices-deadlines"

    def __init__(self, settings: Settings, language: str) -> None:
        self.language = language

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest deadline not yet passed on."""
        return session.scalar(select(func.min(Notice.deadline_at)).where(*_due_clause()))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Send the lists of every deadline come, once."""
        due = session.scalars(
            select(Notice)
            .where(*_due_clause(), Notice.deadline_at <= now)
            .order_by(Notice.deadline_at, Notice.id)
            .with_for_update()
        ).all()
        envelopes: list[Envelope] = []
        for notice in due:
            notice.deadline_done_at = now
            envelopes += self._lists(session, notice)
        return envelopes

    def _lists(self, session: Session, notice: Notice) -> list[Envelope]:
        acked = _acked_households(session, notice)
        reached = [row.path for row in rows(session, _REACHED_PLACES, {"notice": notice.id})]
        homes = _registered_homes(session, reached)
        silent = [path for i, path in homes.items() if i not in acked]
        by_building: dict[int, list[str]] = defaultdict(list)
        enclosing = enclosing_ids(session, silent, PlaceKind.BUILDING)
        for path, building_id in zip(silent, enclosing, strict=True):
            if building_id is not None:
                by_building[building_id].append(path)
        buildings = session.scalars(select(Place).where(Place.id.in_(by_building))).all()
        listed: dict[int, list[Any]] = {}

        def listing(place: Place, paths: list[str]) -> list[Any]:
            """A place's silent households, named below it, once for everyone given it."""
            if place.id not in listed:
                names = sorted(full_names(session, paths, place.kind))
                listed[place.id] = [full_name(session, place, below=PlaceKind.COMMUNITY), names]
            return listed[place.id]

        envelopes: list[Envelope] = []
        # One list a person, of all the places they follow up on (a grid worker's several).
        for person in access.followers(session, notice.community):
            lists: list[tuple[str, list[Any]]] = []
            for area in access.followed_areas(session, person.id, notice.community):
                if area.kind.depth > PlaceKind.BUILDING.depth:
                    # A unit's people go to its doors only, named below the unit.
                    held = (by_building.get(i, []) for i in path_ids(area.path))
                    inside = [
                        path for paths in held for path in paths if path.startswith(area.path)
                    ]
                    if inside:
                        lists.append((area.path, listing(area, inside)))
                    continue
                lists += [
                    (b.path, listing(b, by_building[b.id])) for b in buildings if area.contains(b)
                ]
            if lists:
                data = {"number": notice.number, "buildings": [x for _, x in sorted(lists)]}
                envelopes += to_person(person, Reply("notices.deadline_list", data), self.language)
        if notice.sender is not None:
            figures = {
                "number": notice.number,
                "acked": len(acked & homes.keys()),
                "households": len(homes),
            }
            envelopes += to_person(
                notice.sender, Reply("notices.deadline_report", figures), self.language
            )
        return envelopes


def _due_clause() -> tuple[ColumnElement[bool], ...]:
    return (
        Notice.status == NoticeStatus.SENT,
        Notice.receipts.is_(True),
        Notice.deadline_at.is_not(None),
        Notice.deadline_done_at.is_(None),
    )
