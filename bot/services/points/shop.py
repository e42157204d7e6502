"""The points shop (兑换目录): items with cost and stock, redemptions held, handed over or rejected.

An item listed without a quantity (`上架 食用油 50分`) has no stock limit: its stock is NULL.

A redemption holds its points (`points_accounts.held`) and one piece of its item
(`points_items.held`) with two conditional UPDATEs, so two members can neither spend the
same points twice nor take the same last piece; a partial unique index keeps one redemption
per member and item waiting. Handing over moves points and stock in
one transaction; rejecting, or the member cancelling, only releases what was held.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.arguments import as_number
from bot.services.common.keywords import (
    NUMERALS,
    best_named,
    normalise,
    numeral_value,
    squeezed,
)
from bot.services.common.names import clean_name
from bot.services.common.numbering import next_number
from bot.services.points import ledger
from bot.services.points.awards import in_community
from bot.services.points.ledger import Posting
from bot.services.points.rules import PROGRAMME_WORDS, english_phrases, settings_of
from models import (
    Place,
    PointsAccount,
    PointsCategory,
    PointsItem,
    PointsRedemption,
    PointsSource,
    RedemptionStatus,
    Resident,
)

MAX_COST = 100_000
MAX_STOCK = 10_000
MAX_ITEM_NAME = 30
MAX_LISTED = 50
MY_LISTED = 10
_COST_UNITS = r"积分|積分|分|points?|pts?"
# Any counting word is a quantity (毛巾 3条, 手套 10副); a weight (大米 5斤) is part of the name.
_STOCK_UNITS = (
    r"件|个|個|份|袋|桶|瓶|盒|箱|张|張|本|副|双|雙|包|支|条|條|块|塊|把|套|罐|卷|只|隻|台"
    r"|pieces?|pcs|items?|bags?|bottles?|box(?:es)?"
)
# A number in digits or Chinese numerals and its unit: 100分, 一百积分, 10件, 十件.
_COST = re.compile(rf"^(\S+?)(?:{_COST_UNITS})$", re.IGNORECASE)
_STOCK = re.compile(rf"^(\S+?)(?:{_STOCK_UNITS})$", re.IGNORECASE)
# A number and its unit written apart (100 points, 10 pieces) read as one word.
_APART = re.compile(rf"(\d)\s+({_COST_UNITS}|{_STOCK_UNITS})(?!\S)", re.IGNORECASE)
_UNLIMITED = frozenset({"不限量", "不限", "unlimited"})
# How many of an item an ask names (两副手套, 大米 2袋, 大米 x2): a redemption is for one piece.
_COUNT = rf"(\d{{1,4}}|[{NUMERALS}]{{1,4}})"
_PIECE_UNITS = rf"{_STOCK_UNITS}|斤"
_COUNT_FIRST = re.compile(rf"^{_COUNT}\s*(?:{_PIECE_UNITS})\s*(?:of\s+)?(\S.*)$", re.IGNORECASE)
_TIMES = r"(?:\s+x|\s*[×*])\s*(\d{1,4})"
_COUNT_LAST = re.compile(
    rf"^(.*\S)(?:\s*(?<![\d{NUMERALS}]){_COUNT}\s*(?:{_PIECE_UNITS})|{_TIMES})$", re.IGNORECASE
)
_QUANTITY = re.compile(rf"^(?:{_COUNT}\s*(?:{_PIECE_UNITS})|[x×*]\s*(\d{{1,4}}))$", re.IGNORECASE)


@dataclass(frozen=True)
class ItemLine:
    """An item as the catalogue shows it: how many points, how many left to ask for (None: no
    limit)."""

    number: int
    name: str
    cost: int
    left: int | None
    code: str
    title: str


@dataclass(frozen=True)
class RedemptionLine:
    """A redemption as members and points admins see it; `limited` when its item has a stock,
    `reason` why it was rejected."""

    number: int
    item: str
    cost: int
    name: str
    status: str
    at: datetime
    limited: bool
    reason: str


@dataclass(frozen=True)
class Shortfall:
    """Why nothing was held: the item's cost and programme, and what the member's (or their
    household's) account in that programme has, `held` of it kept for pending redemptions."""

    cost: int
    code: str
    title: str
    balance: int
    held: int
    household: bool


@dataclass(frozen=True)
class AlreadyAsked:
    """The member's earlier redemption of the item, still waiting for its handover."""

    redemption: RedemptionLine


@dataclass(frozen=True)
class Decided:
    """A redemption handed over or rejected, and the member to tell (None once erased)."""

    redemption: RedemptionLine
    member: Resident | None
    balance: int
    reason: str


def _item_line(item: PointsItem) -> ItemLine:
    programme = item.programme
    left = None if item.stock is None else item.stock - item.held
    return ItemLine(item.number, item.name, item.cost, left, programme.code, programme.title)


def _redemption_line(row: PointsRedemption) -> RedemptionLine:
    name = row.resident.display_name if row.resident is not None else ""
    return RedemptionLine(
        row.number,
        row.item.name,
        row.cost,
        name,
        row.status.value,
        row.requested_at,
        row.item.stock is not None,
        row.reason,
    )


def catalogue(session: Session, now: datetime, community: Place) -> list[ItemLine]:
    """The community's items on offer, by number."""
    ledger.programmes(session, now, community)
    items = session.scalars(_on_offer(community).limit(MAX_LISTED))
    return [_item_line(item) for item in items]


def _on_offer(community: Place) -> Select[PointsItem]:
    """The community's items on offer, by number."""
    return (
        select(PointsItem)
        .where(PointsItem.community_id == community.id, PointsItem.removed_at.is_(None))
        .order_by(PointsItem.number)
    )


def _item(session: Session, community: Place, number: int) -> PointsItem:
    item = session.scalar(
        select(PointsItem).where(
            PointsItem.community_id == community.id,
            PointsItem.number == number,
            PointsItem.removed_at.is_(None),
        )
    )
    if item is None:
        offered = session.scalar(_on_offer(community).limit(1)) is not None
        raise DomainError("points.no_such_item", number=number, offered=offered)
    return item


def _named(items: Sequence[PointsItem], words: str) -> list[PointsItem]:
    return best_named(words, [(item, [squeezed(item.name)]) for item in items])


def _item_named(session: Session, community: Place, words: str) -> tuple[int, int]:
    """The number of the one item on offer `words` name and how many they ask for (一袋大米:
    one); else which items there are. A name that holds a count (大米 5斤) is a name."""
    items = session.scalars(_on_offer(community)).all()
    whole = _named(items, words)
    if len(whole) == 1:
        return whole[0].number, 1
    name, count = counted(words)
    found = _named(items, name)
    if len(found) == 1:
        return found[0].number, count
    shown = (found or items)[:MAX_LISTED]
    raise DomainError(
        "points.item_not_named",
        text=words[:MAX_ITEM_NAME],
        several=bool(found),
        items=[[item.number, item.name] for item in shown],
    )


@dataclass(frozen=True)
class _Typed:
    """What `上架` was given: the item (by number or name), cost, stock or `不限量`, programme."""

    number: int | None
    name: str
    cost: int | None
    stock: int | None
    unlimited: bool
    code: str | None


def _parse_item(text: str) -> _Typed:
    words = _APART.sub(r"\1\2", english_phrases(normalise(text))).split()
    number = as_number(words[0]) if words else None
    cost = stock = None
    unlimited = False
    code = None
    name: list[str] = []
    for word in words[1:] if number is not None else words:
        if (value := _counted_by(_COST, word)) is not None:
            cost = value
        elif (value := _counted_by(_STOCK, word)) is not None:
            stock = value
        elif word.lower() in _UNLIMITED:
            unlimited = True
        elif word in PROGRAMME_WORDS:
            code = PROGRAMME_WORDS[word]
        else:
            name.append(word)
    bare = [word for word in name if as_number(word) is not None]
    # A new item's one bare number after its name is what it costs (上架 大米 50).
    if number is None and cost is None and bare == name[-1:] and len(name) > 1:
        cost = as_number(name.pop())
    if (number is None) == (not name) or (cost is not None and not 1 <= cost <= MAX_COST):
        raise DomainError("points.item_usage")
    if (stock is not None and stock > MAX_STOCK) or (stock is not None and unlimited):
        raise DomainError("points.item_usage")
    return _Typed(number, clean_name(" ".join(name), MAX_ITEM_NAME), cost, stock, unlimited, code)


def _counted_by(unit: re.Pattern[str], word: str) -> int | None:
    """The number `word` gives with its unit (100分, 一百积分, 十件); None for any other word."""
    found = unit.match(word)
    return numeral_value(found.group(1)) if found else None


def stock_item(
    session: Session, now: datetime, actor: Resident, community: Place, text: str
) -> tuple[ItemLine, bool]:
    """A points admin adds an item (`大米 100分 10件`, or `油 50分` with no stock limit) or
    changes one (`1 120分 20件`, `1 不限量`)."""
    # Asked before anything is looked up, so a number tells nobody else what it names.
    access.require_points_admin(session, actor.id, community)
    typed = _parse_item(text)
    code = typed.code or ledger.RESIDENT
    if typed.number is None:
        if typed.cost is None:
            raise DomainError("points.item_usage")
        programme = ledger.programme(session, now, community, code)
        item = PointsItem(
            community_id=community.id,
            programme_id=programme.id,
            number=next_number(session, PointsItem, community),
            name=typed.name,
            cost=typed.cost,
            stock=typed.stock,
            held=0,
            created_at=now,
        )
    else:
        item = _item(session, community, typed.number)
        if typed.cost is None and typed.stock is None and not typed.unlimited:
            raise DomainError("points.item_usage")
        if typed.stock is not None and typed.stock < item.held:
            raise DomainError("points.stock_below_held", held=item.held)
        item.cost = typed.cost if typed.cost is not None else item.cost
        if typed.unlimited or typed.stock is not None:
            item.stock = typed.stock
    access.require_points_admin(session, actor.id, community, item.programme_id)
    session.add(item)
    session.flush()
    session.refresh(item, ["programme"])
    audit.record(
        session, now, "points_item", actor_id=actor.id, place_id=community.id, item=text[:60]
    )
    return _item_line(item), typed.number is None


def remove_item(
    session: Session, now: datetime, actor: Resident, community: Place, number: int
) -> ItemLine:
    """A points admin takes an item off the catalogue; pending redemptions of it still stand."""
    access.require_points_admin(session, actor.id, community)
    item = _item(session, community, number)
    access.require_points_admin(session, actor.id, community, item.programme_id)
    item.removed_at = now
    audit.record(
        session, now, "points_item_removed", actor_id=actor.id, place_id=community.id, item=number
    )
    return _item_line(item)


def _spending_account(
    session: Session, member: Resident, community: Place, item: PointsItem
) -> tuple[PointsAccount | None, bool]:
    """Where the member's points for the item are (None: never opened, nothing to spend):
    their own, or (True) their household's where the community counts recycling by household."""
    programme = item.programme
    household = member.household
    shared = settings_of(session, community).by_household and programme.code == ledger.RESIDENT
    if shared and household is not None:
        return ledger.find_account(session, programme, household=household), True
    return ledger.find_account(session, programme, resident=member), False


def _hold(session: Session, account: PointsAccount, item: PointsItem) -> bool:
    """Hold the item's points and one piece of it; False, holding nothing, when the points
    are short."""
    points = session.execute(
        update(PointsAccount)
        .where(
            PointsAccount.id == account.id,
            PointsAccount.balance - PointsAccount.held >= item.cost,
        )
        .values(held=PointsAccount.held + item.cost)
        .returning(PointsAccount.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if points is None:
        return False
    piece = session.execute(
        update(PointsItem)
        .where(
            PointsItem.id == item.id,
            PointsItem.removed_at.is_(None),
            or_(PointsItem.stock.is_(None), PointsItem.stock - PointsItem.held >= 1),
        )
        .values(held=PointsItem.held + 1)
        .returning(PointsItem.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if piece is None:
        raise DomainError("points.out_of_stock", name=item.name)
    return True


def _shortfall(
    session: Session, item: PointsItem, account: PointsAccount | None, household: bool
) -> Shortfall:
    programme = item.programme
    if account is not None:
        session.refresh(account)
    balance, held = (account.balance, account.held) if account is not None else (0, 0)
    return Shortfall(item.cost, programme.code, programme.title, balance, held, household)


def _waiting(session: Session, member: Resident, item: PointsItem) -> PointsRedemption | None:
    """The member's redemption of the item still waiting for its handover, if any."""
    return session.scalar(
        select(PointsRedemption).where(
            PointsRedemption.resident_id == member.id,
            PointsRedemption.item_id == item.id,
            PointsRedemption.status == RedemptionStatus.PENDING,
        )
    )


def quantity(text: str) -> int | None:
    """The count a quantity alone names (2袋, 两副, x2); None for anything else."""
    found = _QUANTITY.match(normalise(text))
    return numeral_value(found.group(1) or found.group(2)) if found else None


def counted(text: str) -> tuple[str, int]:
    """What an ask for an item names and how many it asks for: 两副手套 -> (手套, 2)."""
    typed = normalise(text)
    if (found := _COUNT_FIRST.match(typed)) is not None:
        count, rest = found.group(1), found.group(2)
    elif (found := _COUNT_LAST.match(typed)) is not None:
        rest, count = found.group(1), found.group(2) or found.group(3)
    else:
        return typed, 1
    value = numeral_value(count)
    return (rest.strip(), value) if value is not None else (typed, 1)


def redeem(
    session: Session,
    now: datetime,
    member: Resident,
    community: Place,
    wanted: int | str,
    count: int = 1,
) -> RedemptionLine | Shortfall | AlreadyAsked:
    """A member asks for one piece of an item, by its number or its name: its points and the
    piece are held until a points admin decides. Too few points of the item's programme hold
    nothing and say what the member has."""
    if isinstance(wanted, str):
        wanted, count = _item_named(session, community, wanted)
    if not in_community(session, member, community):
        if member.household is None:
            raise access.unregistered(session, member, "points.register_first")
        raise DomainError("points.outside_community", name=member.display_name)
    item = _item(session, community, wanted)
    if count != 1:
        raise DomainError("points.one_at_a_time", item=item.name, number=item.number)
    # Asking again for an item still waiting (a retry) holds nothing more.
    earlier = _waiting(session, member, item)
    if earlier is not None:
        return AlreadyAsked(_redemption_line(earlier))
    account, household = _spending_account(session, member, community, item)
    redemption_number = next_number(session, PointsRedemption, community)
    if account is None:
        return _shortfall(session, item, account, household)
    row = PointsRedemption(
        community_id=community.id,
        number=redemption_number,
        item_id=item.id,
        account_id=account.id,
        resident_id=member.id,
        cost=item.cost,
        status=RedemptionStatus.PENDING,
        requested_at=now,
        reason="",
    )
    try:
        with session.begin_nested():
            if not _hold(session, account, item):
                return _shortfall(session, item, account, household)
            session.add(row)
    except IntegrityError:
        # The same ask sent twice at once: the index of waiting redemptions lets one in, and
        # the other, holding nothing, is told about it.
        earlier = _waiting(session, member, item)
        if earlier is None:
            raise
        return AlreadyAsked(_redemption_line(earlier))
    session.refresh(row, ["item", "resident"])
    audit.record(
        session,
        now,
        "points_redeem",
        actor_id=member.id,
        place_id=community.id,
        redemption=row.number,
        item=item.number,
        cost=item.cost,
    )
    return _redemption_line(row)


@dataclass(frozen=True)
class Listed:
    """兑换单 as its viewer sees it: for a points admin, the community's redemptions waiting
    for a handover, oldest first; for anyone else (`own`), their own, newest first, and
    whether there are more than listed."""

    lines: list[RedemptionLine]
    own: bool
    more: bool = False


def listed(session: Session, viewer: Resident, community: Place) -> Listed:
    """The redemptions 兑换单 shows `viewer` (see Listed)."""
    if not access.is_points_admin(session, viewer.id, community):
        return own(session, viewer)
    return Listed(_pending(session, community), own=False)


def to_hand_over(session: Session, actor: Resident, community: Place) -> list[RedemptionLine]:
    """The redemptions a points admin may hand over here (`发放` alone), oldest first."""
    access.require_points_admin(session, actor.id, community)
    return _pending(session, community)


def to_cancel(session: Session, member: Resident, community: Place) -> list[RedemptionLine]:
    """The member's own redemptions here still waiting (`取消兑换` alone), oldest first."""
    return _pending(session, community, member)


def _pending(
    session: Session, community: Place, member: Resident | None = None
) -> list[RedemptionLine]:
    """The community's redemptions waiting for a handover (only `member`'s, if given)."""
    query = select(PointsRedemption).where(
        PointsRedemption.community_id == community.id,
        PointsRedemption.status == RedemptionStatus.PENDING,
    )
    if member is not None:
        query = query.where(PointsRedemption.resident_id == member.id)
    rows = session.scalars(query.order_by(PointsRedemption.number).limit(MAX_LISTED))
    return [_redemption_line(row) for row in rows]


def own(session: Session, member: Resident) -> Listed:
    """The member's own redemptions, newest first, and whether there are more than listed."""
    rows = session.scalars(
        select(PointsRedemption)
        .where(PointsRedemption.resident_id == member.id)
        .order_by(PointsRedemption.requested_at.desc(), PointsRedemption.id.desc())
        .limit(MY_LISTED + 1)
    ).all()
    return Listed([_redemption_line(row) for row in rows[:MY_LISTED]], True, len(rows) > MY_LISTED)


def _redemption(session: Session, community: Place, number: int) -> PointsRedemption | None:
    return session.scalar(
        select(PointsRedemption).where(
            PointsRedemption.community_id == community.id, PointsRedemption.number == number
        )
    )


def _decide(
    session: Session,
    now: datetime,
    actor: Resident,
    community: Place,
    number: int,
    status: RedemptionStatus,
) -> PointsRedemption:
    """Mark a pending redemption decided, once: a second decision finds it decided."""
    if status != RedemptionStatus.CANCELLED:
        access.require_points_admin(session, actor.id, community)
    found = _redemption(session, community, number)
    row = access.require_redemption_in_hand(
        session, actor.id, community, found, number, own=status == RedemptionStatus.CANCELLED
    )
    decided = session.execute(
        update(PointsRedemption)
        .where(
            PointsRedemption.id == row.id,
            PointsRedemption.status == RedemptionStatus.PENDING,
        )
        .values(status=status, decided_at=now, decided_by_id=actor.id)
        .returning(PointsRedemption.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if decided is None:
        session.refresh(row)
        raise DomainError("points.already_decided", number=number, status=row.status.value)
    session.refresh(row)
    return row


def hand_over(
    session: Session, now: datetime, actor: Resident, community: Place, number: int
) -> Decided:
    """A points admin hands the item over: points and stock go down together."""
    row = _decide(session, now, actor, community, number, RedemptionStatus.HANDED_OVER)
    session.execute(
        update(PointsItem)
        .where(PointsItem.id == row.item_id)
        .values(stock=PointsItem.stock - 1, held=PointsItem.held - 1)
        .execution_options(synchronize_session=False)
    )
    posting = Posting(
        -row.cost, PointsCategory.REDEMPTION, PointsSource.REDEMPTION, row.id, row.item.name
    )
    ledger.post(session, now, row.account, posting, actor.id, release=row.cost)
    session.refresh(row.item)
    _audit(session, now, actor, community, row)
    return Decided(_redemption_line(row), row.resident, row.account.balance, "")


def reject(
    session: Session, now: datetime, actor: Resident, community: Place, number: int, why: str
) -> Decided:
    """A points admin rejects a redemption: what it held is free again, nothing else changes."""
    row = _decide(session, now, actor, community, number, RedemptionStatus.REJECTED)
    row.reason = clean_name(why, 60)
    _release(session, row)
    _audit(session, now, actor, community, row)
    return Decided(_redemption_line(row), row.resident, row.account.balance, row.reason)


def cancel(
    session: Session, now: datetime, member: Resident, community: Place, number: int
) -> Decided:
    """A member takes back their own redemption still waiting: what it held is free again."""
    row = _decide(session, now, member, community, number, RedemptionStatus.CANCELLED)
    _release(session, row)
    _audit(session, now, member, community, row)
    return Decided(_redemption_line(row), row.resident, row.account.balance, "")


def withdraw_waiting(session: Session, now: datetime, member: Resident) -> None:
    """Before a member is erased: their redemptions still waiting are cancelled, and what they
    held is free again (nobody is left to hand the piece to)."""
    waiting = session.scalars(
        select(PointsRedemption).where(
            PointsRedemption.resident_id == member.id,
            PointsRedemption.status == RedemptionStatus.PENDING,
        )
    ).all()
    for row in waiting:
        row.status, row.decided_at = RedemptionStatus.CANCELLED, now
        _release(session, row)
    session.flush()


def _release(session: Session, row: PointsRedemption) -> None:
    """Free the points and the piece a redemption held."""
    session.execute(
        update(PointsItem)
        .where(PointsItem.id == row.item_id)
        .values(held=PointsItem.held - 1)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(PointsAccount)
        .where(PointsAccount.id == row.account_id)
        .values(held=PointsAccount.held - row.cost)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row.account)


def _audit(
    session: Session, now: datetime, actor: Resident, community: Place, row: PointsRedemption
) -> None:
    audit.record(
        session,
        now,
        "points_redemption_decided",
        actor_id=actor.id,
        target_id=row.resident_id,
        place_id=community.id,
        redemption=row.number,
        status=row.status.value,
    )
