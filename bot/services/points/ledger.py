"""The ledger: programmes, accounts, append-only entries and running balances.

An account's `balance` is the sum of its entries: every entry is posted together with
one conditional UPDATE of the balance in the same transaction, so reading a balance
costs one row however long the ledger grows, and two postings cannot overspend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.errors import DomainError, PrivateRefusal
from models import (
    Expiry,
    Place,
    PointsAccount,
    PointsCategory,
    PointsEntry,
    PointsProgramme,
    PointsSource,
    Resident,
    VolunteerHours,
)

PARTY = "party"
RESIDENT = "resident"
# Every community starts with these two; a community may add its own.
DEFAULT_PROGRAMMES = ((PARTY, "党员积分"), (RESIDENT, "居民积分"))
# Points earned automatically, which the daily cap limits.
AUTOMATIC = (PointsSource.HOURS, PointsSource.RECYCLING)
CAP_WINDOW = timedelta(days=1)
# Points that lapse within this long are flagged where balances are shown.
EXPIRY_NOTICE = timedelta(days=30)


def programmes(session: Session, now: datetime, community: Place) -> list[PointsProgramme]:
    """The community's programmes, the two defaults made on first use."""
    found = list(
        session.scalars(
            select(PointsProgramme)
            .where(PointsProgramme.community_id == community.id)
            .order_by(PointsProgramme.id)
        )
    )
    if found:
        return found
    made = [
        PointsProgramme(community_id=community.id, code=code, title=title, created_at=now)
        for code, title in DEFAULT_PROGRAMMES
    ]
    session.add_all(made)
    session.flush()
    return made


def programme(session: Session, now: datetime, community: Place, code: str) -> PointsProgramme:
    """One programme of the community by its code."""
    for found in programmes(session, now, community):
        if found.code == code:
            return found
    raise DomainError("points.no_such_programme", name=code[:20])


def find_account(
    session: Session,
    programme: PointsProgramme,
    *,
    resident: Resident | None = None,
    household: Place | None = None,
) -> PointsAccount | None:
    """The account of a member (or a household) in a programme, if it was ever opened."""
    owner = (
        PointsAccount.resident_id == resident.id
        if resident is not None
        else PointsAccount.household_id == (household.id if household else None)
    )
    return session.scalar(
        select(PointsAccount).where(PointsAccount.programme_id == programme.id, owner)
    )


def account_of(
    session: Session,
    programme: PointsProgramme,
    *,
    resident: Resident | None = None,
    household: Place | None = None,
) -> PointsAccount:
    """The account of a member (or a household) in a programme, opened on first use."""
    found = find_account(session, programme, resident=resident, household=household)
    if found is not None:
        return found
    account = PointsAccount(
        programme_id=programme.id,
        community_id=programme.community_id,
        resident_id=resident.id if resident else None,
        household_id=household.id if household else None,
        balance=0,
        held=0,
    )
    session.add(account)
    session.flush()
    return account


@dataclass(frozen=True)
class Posting:
    """What one entry says: how much, for what, from which row, and why."""

    amount: int
    category: PointsCategory
    source: PointsSource
    source_id: int | None = None
    reason: str = ""


def post(
    session: Session,
    now: datetime,
    account: PointsAccount,
    posting: Posting,
    by_id: int | None,
    *,
    allow_negative: bool = False,
    release: int = 0,
) -> PointsEntry:
    """Append an entry and move the balance with it; a deduction below zero is refused
    unless allowed.

    What pending redemptions hold counts as spent, so a deduction cannot take it away, even
    where negative balances are allowed; `release` frees that much of the hold in the same
    statement (a redemption handed over).
    """
    change = update(PointsAccount).where(PointsAccount.id == account.id)
    if posting.amount < 0:
        free = PointsAccount.balance - PointsAccount.held + release
        covered = free + posting.amount >= 0
        # 允许负分 lets a balance go below zero only once no redemption holds any of it.
        nothing_held = PointsAccount.held - release <= 0
        change = change.where(or_(covered, nothing_held) if allow_negative else covered)
    moved = session.execute(
        change.values(
            balance=PointsAccount.balance + posting.amount, held=PointsAccount.held - release
        )
        .returning(PointsAccount.balance, PointsAccount.held)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if moved is None:
        left = account.balance - account.held
        raise PrivateRefusal(
            "points.below_zero", balance=left, held=account.held, negative=allow_negative
        )
    set_committed_value(account, "balance", moved.balance)
    set_committed_value(account, "held", moved.held)
    entry = PointsEntry(
        account_id=account.id,
        community_id=account.community_id,
        amount=posting.amount,
        category=posting.category,
        source=posting.source,
        source_id=posting.source_id,
        reason=posting.reason[:60],
        recorded_by_id=by_id,
        recorded_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


def room_under_cap(
    session: Session,
    now: datetime,
    account: PointsAccount,
    cap: int | None,
    besides: VolunteerHours | None = None,
) -> int | None:
    """How many automatic points the account may still earn in the day up to `now`, not
    counting what `besides` earned; None: no cap."""
    if cap is None:
        return None
    counted = [
        PointsEntry.account_id == account.id,
        PointsEntry.source.in_(AUTOMATIC),
        PointsEntry.recorded_at > now - CAP_WINDOW,
        PointsEntry.recorded_at <= now,
        PointsEntry.amount > 0,
    ]
    if besides is not None:
        counted.append(
            ~and_(PointsEntry.source == PointsSource.HOURS, PointsEntry.source_id == besides.id)
        )
    earned = session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(*counted))
    return max(cap - int(earned or 0), 0)


def entries_sum(session: Session, account_id: int) -> int:
    """The sum of an account's entries (what its running balance must equal)."""
    total = session.scalar(
        select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
            PointsEntry.account_id == account_id
        )
    )
    return int(total or 0)


def next_expiry(expiry: Expiry, expiry_day: str | None, today: date) -> date | None:
    """The next day a programme's points are cleared, after `today`; None when they never are."""
    if expiry == Expiry.YEARLY and expiry_day:
        month, day = (int(part) for part in expiry_day.split("-"))
        this_year = date(today.year, month, day)
        return this_year if this_year > today else date(today.year + 1, month, day)
    if expiry == Expiry.QUARTERLY:
        # Points roll over at each quarter's end: cleared on its last day.
        quarter_end_month = (today.month - 1) // 3 * 3 + 3
        first_after = date(today.year + quarter_end_month // 12, quarter_end_month % 12 + 1, 1)
        return first_after - timedelta(days=1)
    return None
