"""Awards and deductions (加分) by points admins: to members, or to everyone on a shift."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.keywords import normalise, numeral_value
from bot.services.community.people import Named, names_leading, people_named
from bot.services.points import ledger
from bot.services.points.earning import programme_for, resident_at
from bot.services.points.ledger import Posting
from bot.services.points.rules import CATEGORY_WORDS, PROGRAMME_WORDS, settings_of
from models import (
    Circle,
    Place,
    PointsAccount,
    PointsCategory,
    PointsEntry,
    PointsProgramme,
    PointsSource,
    RankOptOut,
    Resident,
    Shift,
    VolunteerHours,
)

_FRACTION = re.compile(r"^[+-]?\d*[.．]\d+$")
MAX_SHIFT_AWARD = 200
# The same award by the same admin this soon again (a double send, a resend) is asked about
# before it is recorded.
REPEAT_WINDOW = timedelta(minutes=10)


def _amount_word(text: str) -> str:
    """An amount as typed, without its 分 and with its sign as a plain + or -."""
    return normalise(text).removesuffix("分").replace("＋", "+").replace("－", "-")


def reads_as_amount(text: str) -> bool:
    """Whether a word is written as an amount of points (5, 五分, -3, 1.5), right or not."""
    word = _amount_word(text)
    return bool(_FRACTION.match(word)) or numeral_value(word.lstrip("+-")) is not None


def parse_amount(text: str, cap: int) -> int:
    """A whole, non-zero number of points (5, 五, -5), at most the community's cap per award."""
    word = _amount_word(text)
    if _FRACTION.match(word):
        raise DomainError("points.whole_points", text=word[:12])
    signed = word[:1] in ("+", "-")
    value = numeral_value(word[1:] if signed else word)
    if value is None:
        raise DomainError("points.bad_amount", text=word[:12])
    amount = -value if word.startswith("-") else value
    if amount == 0:
        raise DomainError("points.zero_amount")
    if abs(amount) > cap:
        raise DomainError("points.over_cap", cap=cap)
    return amount


@dataclass(frozen=True)
class Award:
    """What a points admin typed: how much, the reason (its first word may be a category), and
    to whom: the members named, the one registered at a household `address`, or everyone on
    shift number `shift`; `deduct` (扣分) takes the amount off."""

    amount_text: str
    reason: str
    named: Named = field(default_factory=Named)
    shift: int | None = None
    deduct: bool = False
    address: str = ""


@dataclass(frozen=True)
class Awarded:
    """The entries an award made: to whom, how much, in which category, and their balances."""

    names: list[str]
    amount: int
    category: PointsCategory
    reason: str
    balances: list[int]
    members: list[Resident]
    # Whether the group may hear it: an award (a deduction is private) to nobody who asked
    # to be left off the boards.
    praised: bool
    # Those just given the same by the same admin, not given it again: their names and the
    # earlier entries, which `award_again` repeats once confirmed.
    repeated: list[str] = field(default_factory=list)
    earlier: list[int] = field(default_factory=list)


def _category(reason: str, amount: int) -> tuple[PointsCategory, str]:
    head, _, rest = reason.partition(" ")
    if head in CATEGORY_WORDS:
        return CATEGORY_WORDS[head], rest
    return (PointsCategory.SERVICE if amount > 0 else PointsCategory.ADJUSTMENT), reason


def in_community(session: Session, member: Resident, community: Place) -> bool:
    """The member lives in the community (or, without a home, holds a role there); being
    only in its groups is not enough."""
    own = access.own_community(session, member)
    return own is not None and own.id == community.id


def award(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    members: list[Resident],
    typed: Award,
) -> Awarded:
    """Award (or, negative, deduct) points to members of the community, each audited."""
    rules = settings_of(session, community)
    access.require_points_admin(session, actor.id, community)
    amount = parse_amount(typed.amount_text, rules.award_cap)
    if typed.deduct:
        # 扣分 says how much to take off; a negative one would be an award in disguise.
        if amount < 0:
            raise DomainError("points.deduct_negative")
        amount = -amount
    reason = normalise(typed.reason)[:60]
    wanted = PROGRAMME_WORDS.get(reason.partition(" ")[0])
    if wanted is not None:
        reason = reason.partition(" ")[2]
    category, reason = _category(reason, amount)
    balances: list[int] = []
    given: list[Resident] = []
    repeated: list[str] = []
    earlier: list[int] = []
    for member in members:
        code = wanted or programme_for(session, member, community)
        programme = ledger.programme(session, now, community, code)
        _may_give(session, actor, community, member, programme, amount)
        if not in_community(session, member, community):
            raise DomainError("points.outside_community", name=member.display_name)
        account = ledger.account_of(session, programme, resident=member)
        posting = Posting(amount, category, PointsSource.AWARD, reason=reason)
        last = _last_same(session, actor, account, posting)
        if last is not None and last.recorded_at > now - REPEAT_WINDOW:
            repeated.append(member.display_name)
            earlier.append(last.id)
            continue
        balances.append(_give(session, now, actor, account, posting, rules.allow_negative))
        given.append(member)
    praised = _praised(session, amount, members)
    done = _awarded(session, given, amount, category, reason, balances, praised)
    return replace(done, repeated=repeated, earlier=earlier)


def award_again(
    session: Session, now: datetime, actor: Resident, community: Place, earlier: Sequence[int]
) -> Awarded:
    """Give again what the actor's awards `earlier` gave, as confirmed after they were asked
    whether they meant to; an award repeated since is not repeated twice."""
    rules = settings_of(session, community)
    access.require_points_admin(session, actor.id, community)
    entries = list(
        session.scalars(
            select(PointsEntry)
            .where(
                PointsEntry.id.in_(earlier),
                PointsEntry.community_id == community.id,
                PointsEntry.recorded_by_id == actor.id,
                PointsEntry.source == PointsSource.AWARD,
            )
            .order_by(PointsEntry.id)
        )
    )
    said = {(e.amount, e.category, e.reason) for e in entries}
    if not entries or len(entries) != len(set(earlier)) or len(said) != 1:
        raise DomainError("points.award_usage")
    first = entries[0]
    members: list[Resident] = []
    balances: list[int] = []
    for entry in entries:
        account = session.get_one(PointsAccount, entry.account_id)
        member = account.resident
        if member is None:
            raise DomainError("points.award_usage")
        if not in_community(session, member, community):
            raise DomainError("points.outside_community", name=member.display_name)
        posting = Posting(entry.amount, entry.category, PointsSource.AWARD, reason=entry.reason)
        _may_give(session, actor, community, member, account.programme, entry.amount)
        last = _last_same(session, actor, account, posting)
        if last is not None and last.id != entry.id:
            raise DomainError("points.repeated_already", amount=entry.amount)
        balances.append(_give(session, now, actor, account, posting, rules.allow_negative))
        members.append(member)
    praised = _praised(session, first.amount, members)
    return _awarded(session, members, first.amount, first.category, first.reason, balances, praised)


def _may_give(
    session: Session,
    actor: Resident,
    community: Place,
    member: Resident,
    programme: PointsProgramme,
    amount: int,
) -> None:
    """Refuse an award the actor may not give the member in that programme."""
    access.require_points_admin(session, actor.id, community, programme.id)
    # Nobody grants themselves points; taking points off oneself grants nothing.
    if amount > 0:
        access.require_credit_to_another(actor, member)


def _last_same(
    session: Session, actor: Resident, account: PointsAccount, posting: Posting
) -> PointsEntry | None:
    """The actor's latest award to the account of the same amount, category and reason."""
    return session.scalar(
        select(PointsEntry)
        .where(
            PointsEntry.account_id == account.id,
            PointsEntry.source == PointsSource.AWARD,
            PointsEntry.recorded_by_id == actor.id,
            PointsEntry.amount == posting.amount,
            PointsEntry.category == posting.category,
            PointsEntry.reason == posting.reason,
        )
        .order_by(PointsEntry.id.desc())
        .limit(1)
    )


def _give(
    session: Session,
    now: datetime,
    actor: Resident,
    account: PointsAccount,
    posting: Posting,
    allow_negative: bool,
) -> int:
    """Post an award to the account, audited; the account's balance after it."""
    ledger.post(session, now, account, posting, actor.id, allow_negative=allow_negative)
    audit.record(
        session,
        now,
        "points_award",
        actor_id=actor.id,
        target_id=account.resident_id,
        place_id=account.community_id,
        amount=posting.amount,
        programme=account.programme.code,
        category=posting.category.value,
    )
    return account.balance


def _praised(session: Session, amount: int, members: list[Resident]) -> bool:
    """Whether the group may hear of an award: points given, to nobody off the boards."""
    ids = [m.id for m in members]
    unnamed = session.scalar(select(RankOptOut.resident_id).where(RankOptOut.resident_id.in_(ids)))
    return amount > 0 and unnamed is None


def _awarded(
    session: Session,
    members: list[Resident],
    amount: int,
    category: PointsCategory,
    reason: str,
    balances: list[int],
    praised: bool,
) -> Awarded:
    """What an award made, for the members given it."""
    names = [m.display_name for m in members]
    return Awarded(names, amount, category, reason, balances, members, praised)


def award_named(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    circle: Circle | None,
    typed: Award,
) -> Awarded:
    """加分: award to the members named, or to everyone whose time on a shift was confirmed."""
    # Only points admins learn whom a name or a shift's number finds.
    access.require_points_admin(session, actor.id, community)
    if typed.shift is not None:
        members = shift_attendees(session, community, typed.shift)
    elif typed.address:
        members = [resident_at(session, community, typed.address)]
    else:
        members = people_named(session, now, community, circle, typed.named)
    if not members or not typed.amount_text:
        raise DomainError(award_usage(typed.deduct))
    done = award(session, now, actor, community, members, typed)
    # Who lives at an address typed in a group is not the group's to learn.
    return replace(done, praised=False) if typed.address else done


def names_awarded(
    session: Session, actor: Resident, community: Place, circle: Circle | None, words: Sequence[str]
) -> tuple[list[str], int]:
    """The names typed at the start of 加分's words, up to the amount (`Mary Lee 3`,
    `张三 李四 5`), and how many words they take."""
    # Only points admins learn whom a name finds.
    access.require_points_admin(session, actor.id, community)
    return names_leading(session, community, circle, words, reads_as_amount)


def award_usage(deduct: bool) -> str:
    """The key of the usage reply of 加分, or of 扣分."""
    return "points.deduct_usage" if deduct else "points.award_usage"


def shift_attendees(session: Session, community: Place, number: int) -> list[Resident]:
    """Everyone whose time on shift `number` of the community was confirmed."""
    shift = session.scalar(
        select(Shift).where(Shift.community_id == community.id, Shift.number == number)
    )
    if shift is None:
        raise DomainError("points.no_such_shift", number=number)
    people = list(
        session.scalars(
            select(Resident)
            .join(VolunteerHours, VolunteerHours.resident_id == Resident.id)
            .where(VolunteerHours.shift_id == shift.id)
            .order_by(VolunteerHours.id)
            .limit(MAX_SHIFT_AWARD)
        )
    )
    if not people:
        raise DomainError("points.nobody_attended", number=number)
    return people
