"""Each community's points rules: points per hour and per recycling record, caps, switches."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.common.keywords import folded
from bot.services.points import ledger
from bot.services.points.schedule import schedule_expiry
from models import Expiry, Place, PointsCategory, PointsRules, Resident

# Without a cap of its own, a single award or deduction beyond this is a typing slip.
DEFAULT_AWARD_CAP = 1000
MAX_RULE_POINTS = 10000
CATEGORY_WORDS = {
    "值守": PointsCategory.DUTY,
    "巡逻": PointsCategory.PATROL,
    "巡邏": PointsCategory.PATROL,
    "捐款": PointsCategory.DONATION,
    "服务": PointsCategory.SERVICE,
    "服務": PointsCategory.SERVICE,
    "分类回收": PointsCategory.RECYCLING,
    "分類回收": PointsCategory.RECYCLING,
    "兑换": PointsCategory.REDEMPTION,
    "兌換": PointsCategory.REDEMPTION,
    "调整": PointsCategory.ADJUSTMENT,
    "調整": PointsCategory.ADJUSTMENT,
    "duty": PointsCategory.DUTY,
    "patrol": PointsCategory.PATROL,
    "donation": PointsCategory.DONATION,
    "service": PointsCategory.SERVICE,
    "recycling": PointsCategory.RECYCLING,
    "redemption": PointsCategory.REDEMPTION,
    "adjustment": PointsCategory.ADJUSTMENT,
}
DUTY_CATEGORIES = (PointsCategory.DUTY, PointsCategory.PATROL, PointsCategory.SERVICE)
HAZARDOUS, BULKY, RECYCLABLE, KITCHEN = "hazardous", "bulky", "recyclable", "kitchen"
RECYCLING_KINDS = (HAZARDOUS, BULKY, RECYCLABLE, KITCHEN)
# What residents hand in, by the words they use, and the kind of waste it is.
RECYCLING_WORDS = {
    "有害": HAZARDOUS,
    "有害垃圾": HAZARDOUS,
    "电池": HAZARDOUS,
    "電池": HAZARDOUS,
    "过期药": HAZARDOUS,
    "過期藥": HAZARDOUS,
    "药品": HAZARDOUS,
    "藥品": HAZARDOUS,
    "油漆": HAZARDOUS,
    "灯管": HAZARDOUS,
    "燈管": HAZARDOUS,
    "大件": BULKY,
    "大件垃圾": BULKY,
    "沙发": BULKY,
    "沙發": BULKY,
    "桌子": BULKY,
    "家具": BULKY,
    "旧家具": BULKY,
    "舊家具": BULKY,
    "可回收": RECYCLABLE,
    "可回收物": RECYCLABLE,
    "纸板": RECYCLABLE,
    "紙板": RECYCLABLE,
    "厨余": KITCHEN,
    "廚餘": KITCHEN,
    "hazardous": HAZARDOUS,
    "battery": HAZARDOUS,
    "batteries": HAZARDOUS,
    "medicine": HAZARDOUS,
    "paint": HAZARDOUS,
    "bulky": BULKY,
    "sofa": BULKY,
    "furniture": BULKY,
    "recyclable": RECYCLABLE,
    "recyclables": RECYCLABLE,
    "cardboard": RECYCLABLE,
    "kitchen": KITCHEN,
}
PROGRAMME_WORDS = {
    "党员积分": ledger.PARTY,
    "黨員積分": ledger.PARTY,
    "党员": ledger.PARTY,
    "黨員": ledger.PARTY,
    "居民积分": ledger.RESIDENT,
    "居民積分": ledger.RESIDENT,
    "居民": ledger.RESIDENT,
}
# English names of more than one word, read as the word they stand for.
ENGLISH_PHRASES = {
    "party points": "党员积分",
    "resident points": "居民积分",
    "daily cap": "每日上限",
    "award cap": "单次上限",
    "allow negative": "允许负分",
    "by household": "按户",
    "bin duty": "守桶",
    "points admin": "管理员",
}
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ON = frozenset({"开", "開", "是", "允许", "允許", "on", "yes"})
_OFF = frozenset({"关", "關", "否", "不允许", "不允許", "off", "no", "无", "無", "none"})
_NUMBER = re.compile(
    r"^(\d{1,5})\s*(?:分|points?|pts?)?\s*(?:(?:/|per)\s*(?:小时|小時|h|hr|hour))?$"
)
_DAY = re.compile(r"^(\d{1,2})[-/月](\d{1,2})日?$")


@dataclass(frozen=True)
class PointsSettings:
    """A community's rules; an empty cap is no cap."""

    per_hour: dict[str, int] = field(default_factory=dict)
    per_recycling: dict[str, int] = field(default_factory=dict)
    daily_cap: int | None = None
    award_cap: int = DEFAULT_AWARD_CAP
    allow_negative: bool = False
    by_household: bool = False

    def hourly(self, category: PointsCategory) -> int:
        """Points per confirmed hour of a duty category."""
        return self.per_hour.get(category.value, 0)

    def for_recycling(self, kind: str) -> int:
        """Points per recycling record of a kind; `*` is every kind without its own."""
        return self.per_recycling.get(kind, self.per_recycling.get("*", 0))


def settings_of(session: Session, community: Place) -> PointsSettings:
    """The community's rules, or the empty ones (no points until the secretary sets them)."""
    row = session.get(PointsRules, community.id)
    if row is None:
        return PointsSettings()
    return PointsSettings(
        per_hour={k: int(v) for k, v in row.per_hour.items()},
        per_recycling={k: int(v) for k, v in row.per_recycling.items()},
        daily_cap=row.daily_cap,
        award_cap=row.award_cap or DEFAULT_AWARD_CAP,
        allow_negative=row.allow_negative,
        by_household=row.by_household,
    )


@dataclass(frozen=True)
class ProgrammeLine:
    """One programme as the rules show it: its expiry, and whether it has a public board."""

    code: str
    title: str
    expiry: str
    day: str | None
    ranked: bool


@dataclass(frozen=True)
class RulesView:
    """积分规则: the community's rules and programmes, whether a rule was just changed, and
    whether the viewer may change them."""

    community: str
    settings: PointsSettings
    programmes: list[ProgrammeLine]
    changed: bool
    may_change: bool


def earning(session: Session, community: Place) -> tuple[str, ...]:
    """What earns points in the community without anyone awarding them: duty, recycling."""
    settings = settings_of(session, community)
    kinds = {"duty": settings.per_hour, "recycling": settings.per_recycling}
    return tuple(kind for kind, rates in kinds.items() if any(rates.values()))


def rules_of(
    session: Session, now: datetime, zone: ZoneInfo, actor: Resident, community: Place, text: str
) -> RulesView:
    """The community's points rules, after a points admin changes the one `text` names."""
    if text:
        change_rule(session, now, zone, actor, community, text)
    programmes = [
        ProgrammeLine(p.code, p.title, p.expiry.value, p.expiry_day, p.ranked)
        for p in ledger.programmes(session, now, community)
    ]
    may_change = access.is_points_admin(session, actor.id, community)
    return RulesView(
        community.name, settings_of(session, community), programmes, bool(text), may_change
    )


def _number(text: str) -> int | None:
    if folded(text) in _OFF:
        return None
    match = _NUMBER.match(folded(text))
    if match is None or int(match.group(1)) > MAX_RULE_POINTS:
        raise DomainError("points.rule_usage")
    return int(match.group(1))


def _switch(text: str) -> bool:
    word = folded(text)
    if word in _ON or word in _OFF:
        return word in _ON
    raise DomainError("points.rule_usage")


def english_phrases(text: str) -> str:
    """`text` with each English name of several words as its one word (`-bin duty` too)."""
    for phrase, word in ENGLISH_PHRASES.items():
        text = re.sub(rf"(?<![^\s-]){phrase}(?!\S)", word, text, flags=re.IGNORECASE)
    return text


def programme_code(word: str) -> str:
    """The programme a word names (`党员积分`, `居民`); a clear error for any other word."""
    code = PROGRAMME_WORDS.get(folded(word))
    if code is None:
        raise DomainError("points.no_such_programme", name=word[:20])
    return code


def change_rule(
    session: Session, now: datetime, zone: ZoneInfo, actor: Resident, community: Place, text: str
) -> None:
    """A points admin changes one rule: `值守 2/小时`, `电池 2`, `每日上限 10`, `允许负分 开`,
    `居民积分 积分榜 开` ..."""
    access.require_points_admin(session, actor.id, community)
    head, _, rest = english_phrases(folded(text)).partition(" ")
    row = session.get(PointsRules, community.id) or PointsRules(
        community_id=community.id, per_hour={}, per_recycling={}
    )
    if head in PROGRAMME_WORDS:
        _change_programme(session, now, zone, community, PROGRAMME_WORDS[head], rest)
    elif CATEGORY_WORDS.get(head) in DUTY_CATEGORIES:
        row.per_hour = row.per_hour | {CATEGORY_WORDS[head].value: _number(rest) or 0}
    elif head in ("分类回收", "分類回收", "回收", "recycling"):
        row.per_recycling = row.per_recycling | {"*": _number(rest) or 0}
    elif head in RECYCLING_WORDS:
        row.per_recycling = row.per_recycling | {RECYCLING_WORDS[head]: _number(rest) or 0}
    elif head in ("每日上限", "每天上限"):
        row.daily_cap = _number(rest)
    elif head in ("单次上限", "單次上限", "每次上限"):
        row.award_cap = _number(rest)
    elif head in ("允许负分", "允許負分", "负分", "負分"):
        row.allow_negative = _switch(rest)
    elif head in ("按户", "按戶", "记到户", "記到戶"):
        row.by_household = _switch(rest)
    else:
        raise DomainError("points.rule_usage")
    row.updated_at = now
    row.updated_by_id = actor.id
    session.add(row)
    audit.record(session, now, "points_rules", actor_id=actor.id, place_id=community.id, rule=text)


def _change_programme(
    session: Session, now: datetime, zone: ZoneInfo, community: Place, code: str, text: str
) -> None:
    programme = ledger.programme(session, now, community, code)
    words = text.split()
    if words[:1] in (["积分榜"], ["積分榜"], ["公示"], ["board"]) and len(words) == 2:
        programme.ranked = _switch(words[1])
        return
    if words[:1] in (["永不过期"], ["永不過期"], ["不过期"], ["不過期"], ["never"]):
        programme.expiry, programme.expiry_day = Expiry.NEVER, None
    elif words[:1] in (["每季清零"], ["每季"], ["quarterly"]):
        programme.expiry, programme.expiry_day = Expiry.QUARTERLY, None
    elif words[:1] in (["每年清零"], ["每年"], ["yearly"]) and len(words) == 2:
        programme.expiry, programme.expiry_day = Expiry.YEARLY, _month_day(words[1])
    else:
        raise DomainError("points.rule_usage")
    schedule_expiry(session, now, zone, programme)


def _month_day(text: str) -> str:
    match = _DAY.match(text)
    month, day = (int(part) for part in match.groups()) if match else (0, 0)
    # 29 February is refused, so the date comes every year.
    if not (1 <= month <= 12 and 1 <= day <= MONTH_DAYS[month - 1]):
        raise DomainError("points.rule_usage")
    return f"{month:02d}-{day:02d}"
