"""A community's request rules (诉求规则): hours to accept, days to solve, grid routing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.keywords import folded, with_digits
from bot.services.requests.categories import named_category
from models import Layer, Place, RequestCategory, RequestRules, Resident

DEFAULT_ACCEPT_HOURS = 4
DEFAULT_SOLVE_DAYS = {
    RequestCategory.FACILITIES: 3,
    RequestCategory.SANITATION: 2,
    RequestCategory.SECURITY: 1,
    RequestCategory.DISPUTE: 7,
    RequestCategory.PROPERTY: 3,
    RequestCategory.OTHER: 3,
}
# The reporter confirms or reopens a solved request within this time; then it closes.
CONFIRM_WITHIN = timedelta(days=3)
MAX_HOURS = 72
MAX_DAYS = 60
ACCEPT_WORDS = frozenset({"接单", "接單", "accept", "take"})
GRID_WORDS = frozenset({"网格员", "網格員", "grid"})
CHAIN_WORDS = frozenset({"逐级", "逐級", "chain"})
_AMOUNT = re.compile(r"^(\d{1,3})\s*(小时|小時|hours?|hrs?|h|天|days?|d)?$")
HOUR_UNITS = frozenset({None, "小时", "小時", "h", "hr", "hrs", "hour", "hours"})
DAY_UNITS = frozenset({None, "天", "d", "day", "days"})
# The rule's name, then its value: an amount with its unit, or a route.
_RULE = re.compile(r"^(.+?)\s+(\d+\s*[^\d\s]*|\S+)$")


@dataclass(frozen=True)
class Rules:
    """Hours of daytime to accept, days to solve per category, categories sent to the grid."""

    accept_hours: int
    solve_days: dict[RequestCategory, int]
    grid: frozenset[RequestCategory]


def rules_of(session: Session, community: Place) -> Rules:
    """The community's rules: its own where its secretary set them, else the defaults."""
    own = session.get(RequestRules, community.id)
    if own is None:
        return Rules(DEFAULT_ACCEPT_HOURS, dict(DEFAULT_SOLVE_DAYS), frozenset())
    days = dict(DEFAULT_SOLVE_DAYS) | {
        RequestCategory(k): int(v) for k, v in own.solve_days.items()
    }
    grid = frozenset(RequestCategory(k) for k, v in own.routes.items() if v == Layer.GRID.value)
    return Rules(own.accept_hours or DEFAULT_ACCEPT_HOURS, days, grid)


def request_rules(
    session: Session, now: datetime, actor: Resident, community: Place, text: str
) -> Rules:
    """The community's rules; with `text`, its secretary first sets one: `接单 4小时`,
    `治安 1天`, `治安 网格员` (straight to the grid worker) or `治安 逐级` (up the chain)."""
    if text:
        _change(session, now, actor, community, text)
    return rules_of(session, community)


def _change(session: Session, now: datetime, actor: Resident, community: Place, text: str) -> None:
    if not access.is_secretary_for(session, actor.id, community):
        raise DomainError("requests.secretary_only")
    rule = _RULE.match(folded(text))
    if rule is None:
        raise DomainError("requests.rules_usage")
    what, value = rule.groups()
    own = session.get(RequestRules, community.id)
    if own is None:
        own = RequestRules(community_id=community.id, solve_days={}, routes={}, updated_at=now)
        session.add(own)
    if what in ACCEPT_WORDS:
        own.accept_hours = _amount(value, MAX_HOURS, HOUR_UNITS)
    else:
        category = named_category(what)
        if category is None:
            raise DomainError("requests.rules_usage")
        if value in GRID_WORDS | CHAIN_WORDS:
            route = Layer.GRID.value if value in GRID_WORDS else None
            own.routes = {k: v for k, v in own.routes.items() if k != category.value} | (
                {category.value: route} if route else {}
            )
        else:
            own.solve_days = dict(own.solve_days) | {
                category.value: _amount(value, MAX_DAYS, DAY_UNITS)
            }
    own.updated_at, own.updated_by_id = now, actor.id
    session.flush()
    audit.record(session, now, "request.rules", actor_id=actor.id, place_id=community.id)


def _amount(word: str, most: int, units: frozenset[str | None]) -> int:
    match = _AMOUNT.match(with_digits(word))
    if match is None or match.group(2) not in units or not 1 <= int(match.group(1)) <= most:
        raise DomainError("requests.rules_usage")
    return int(match.group(1))
