"""What members see of their points: balances, recent entries, what expires soon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.orm import Session

from bot.db import rows
from bot.errors import DomainError
from bot.queries import Query
from bot.services.common import access
from bot.services.common.keywords import normalise
from bot.services.community.people import Member, Named, people_named
from bot.services.points import ledger, shop
from bot.services.points.earning import resident_at
from bot.services.points.ledger import EXPIRY_NOTICE, next_expiry
from bot.services.points.rules import earning
from models import (
    Circle,
    Place,
    PointsAccount,
    PointsEntry,
    PointsProgramme,
    RecyclingRecord,
    Resident,
)

RECENT = 10
MYDATA_LIMIT = 500


@dataclass(frozen=True)
class Balance:
    """One programme's balance, what pending redemptions hold, and when it next lapses."""

    code: str
    title: str
    balance: int
    held: int
    household: bool
    expires_on: date | None


@dataclass(frozen=True)
class EntryLine:
    """One ledger entry as its member sees it."""

    at: datetime
    amount: int
    category: str
    reason: str
    code: str
    source: str


@dataclass(frozen=True)
class PointsView:
    """A member's points: balances, the latest entries, what expires within a month, whether
    they have registered a household, the number of their request to join one, waiting (for
    those who check households if `emptied`), and what earns points in the community without
    anyone awarding them."""

    name: str
    own: bool
    balances: list[Balance]
    recent: list[EntryLine]
    registered: bool
    waiting: int | None
    # Whether they may register in the private chat itself.
    here: bool
    earns: tuple[str, ...]
    emptied: bool


_ACCOUNT_ROWS = select(
    PointsAccount.id,
    PointsAccount.community_id,
    PointsAccount.programme_id,
    PointsAccount.balance,
    PointsAccount.held,
    PointsAccount.household_id,
    PointsProgramme.code,
    PointsProgramme.title,
    PointsProgramme.expiry,
    PointsProgramme.expiry_day,
).join_from(PointsAccount, PointsProgramme, PointsProgramme.id == PointsAccount.programme_id)
# A member without a household has no household accounts: `household_id = NULL` is never true.
_ACCOUNTS = Query(
    _ACCOUNT_ROWS.where(
        or_(
            PointsAccount.resident_id == bindparam("resident"),
            PointsAccount.household_id == bindparam("household"),
        )
    ).order_by(PointsAccount.id)
)
_OWN_ACCOUNTS = Query(_ACCOUNT_ROWS.where(PointsAccount.resident_id == bindparam("resident")))


def _accounts(session: Session, member: Member) -> Sequence[Row[Any]]:
    """A member's accounts and their programmes', as rows."""
    return rows(session, _ACCOUNTS, {"resident": member.id, "household": member.household_id})


def _shown(session: Session, accounts: Sequence[Row[Any]]) -> list[Row[Any]]:
    """The accounts worth a line: an account opened by earning nothing reads as no points."""
    empty = {a.id for a in accounts if a.balance == 0 and a.held == 0}
    if not empty:
        return list(accounts)
    used = set(
        session.scalars(select(PointsEntry.account_id).where(PointsEntry.account_id.in_(empty)))
    )
    return [a for a in accounts if a.id not in empty - used]


def _balance(account: Row[Any], today: date) -> Balance:
    expires = next_expiry(account.expiry, account.expiry_day, today)
    soon = expires is not None and expires - today <= EXPIRY_NOTICE
    return Balance(
        account.code,
        account.title,
        account.balance,
        account.held,
        account.household_id is not None,
        expires if soon and account.balance > 0 else None,
    )


def _lines(session: Session, accounts: Sequence[Row[Any]], limit: int) -> list[EntryLine]:
    if not accounts:
        return []
    codes = {a.id: a.code for a in accounts}
    entries = session.scalars(
        select(PointsEntry)
        .where(PointsEntry.account_id.in_(codes))
        .order_by(PointsEntry.id.desc())
        .limit(limit)
    )
    return [
        EntryLine(
            e.recorded_at,
            e.amount,
            e.category.value,
            e.reason,
            codes[e.account_id],
            e.source.value,
        )
        for e in entries
    ]


def points_of(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    viewer: Resident,
    community: Place,
    circle: Circle | None,
    named: Named,
    address: str = "",
) -> PointsView:
    """A member's points as `viewer` may see them: their own, or for points admins anyone's
    (the one member `named`, or registered at a household `address`)."""
    if address:
        member = _member_at(session, viewer, community, address)
    else:
        member = _member_named(session, now, viewer, community, circle, named)
    ledger.programmes(session, now, community)
    accounts = [
        a
        for a in _accounts(session, member)
        if a.community_id == community.id
        and access.sees_points_of(session, viewer.id, member.id, community, a.programme_id)
    ]
    today = now.astimezone(zone).date()
    stands = access.standing(session, member)
    return PointsView(
        member.display_name,
        member.id == viewer.id,
        [_balance(a, today) for a in _shown(session, accounts)],
        _lines(session, accounts, RECENT),
        member.household_id is not None,
        stands.number,
        stands.registers_here,
        earning(session, community),
        stands.emptied,
    )


def _member_named(
    session: Session,
    now: datetime,
    viewer: Resident,
    community: Place,
    circle: Circle | None,
    named: Named,
) -> Resident:
    """The member whose points are asked for: the viewer, or the one `named`. Whoever may see
    only their own gets one answer for any other name, found or not, once or twice; a branch
    secretary one answer for a name found outside the branch or not at all."""
    if len(named.names) == 1 and named.rest:
        # 积分 asks about one person: all its words may be one name (积分 Mary Lee); where
        # they find nobody to show, they are read as before, so the answer tells nothing.
        whole = Named(names=(" ".join((named.names[0], *named.rest)),))
        try:
            return _member_named(session, now, viewer, community, circle, whole)
        except DomainError:
            pass
    if not named.count or access.is_points_admin(session, viewer.id, community):
        people = people_named(session, now, community, circle, named)
        if named.rest or len(people) > 1:
            raise DomainError("points.show_usage")
        return people[0] if people else viewer
    try:
        people = people_named(session, now, community, circle, named)
    except DomainError:
        people = []
    if not access.sees_others_points(session, viewer.id, community):
        if named.rest or [person.id for person in people] != [viewer.id]:
            raise DomainError("points.not_yours")
        return viewer
    if named.rest or named.count > 1:
        raise DomainError("points.show_usage")
    member = people[0] if people else None
    if member is None or not access.sees_points_of(session, viewer.id, member.id, community):
        # The name as typed, never as found: a spelling found would tell it was.
        typed = normalise(named.names[0]).lstrip("@") if named.names else ""
        shown = typed or (member.display_name if member else "")
        raise DomainError("points.not_in_branch", name=shown[:30])
    return member


def _member_at(session: Session, viewer: Resident, community: Place, address: str) -> Resident:
    """The one member registered at `address`, for those who may see others' points; a branch
    secretary gets one answer for an address outside the branch, found or not."""
    if not access.sees_others_points(session, viewer.id, community):
        raise DomainError("points.not_yours")
    admin = access.is_points_admin(session, viewer.id, community)
    try:
        member: Resident | None = resident_at(session, community, address)
    except DomainError:
        if admin:
            raise
        member = None
    if member is None or not access.sees_points_of(session, viewer.id, member.id, community):
        raise DomainError("points.not_in_branch", name=address[:30])
    return member


def summary(session: Session, now: datetime, zone: ZoneInfo, member: Member) -> list[Balance]:
    """A member's balances in every programme, for /me."""
    today = now.astimezone(zone).date()
    return [_balance(a, today) for a in _shown(session, _accounts(session, member))]


def my_entries(session: Session, member: Resident) -> list[EntryLine]:
    """A member's own ledger entries, newest first, for /mydata."""
    owned = rows(session, _OWN_ACCOUNTS, {"resident": member.id})
    return _lines(session, owned, MYDATA_LIMIT)


def forget_member(session: Session, now: datetime, member: Resident) -> None:
    """Before a member is erased: their waiting redemptions are cancelled, and their entries
    keep their amounts (every balance stays) but lose the words that could name them; the
    account itself loses its owner with the row, their recycling its household (as ballots
    do: a home of one would name them still)."""
    shop.withdraw_waiting(session, now, member)
    session.execute(
        update(RecyclingRecord)
        .where(RecyclingRecord.resident_id == member.id)
        .values(household_id=None)
        .execution_options(synchronize_session=False)
    )
    owned = select(PointsAccount.id).where(PointsAccount.resident_id == member.id)
    session.execute(
        update(PointsEntry)
        .where(PointsEntry.account_id.in_(owned))
        .values(reason="")
        .execution_options(synchronize_session=False)
    )
