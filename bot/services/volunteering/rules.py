"""Each community's duty rules: the settings' defaults, and what its secretary changed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access
from bot.services.common.arguments import split_items
from bot.services.common.keywords import folded
from bot.services.common.rules import set_community_rules
from bot.services.common.when import parse_duration
from bot.services.volunteering.settings import VolunteeringSettings
from models import Place, Resident, VolunteerRules

MAX_NOSHOW_LIMIT = 100
MAX_BEFORE = timedelta(days=14)
_OFF = frozenset({"关", "關", "关闭", "關閉", "不提醒", "off", "none", "0"})
_DAY_BEFORE_WORDS = "前一天|前一日|day before"
_HOUR_BEFORE_WORDS = "提前|开始前|開始前|before"
_CANCEL_WORDS = r"取消\s*截止|取消|cancel"
_NOSHOW_WORDS = "缺勤|no-?shows?"
_DAY_BEFORE = re.compile(rf"^(?:{_DAY_BEFORE_WORDS})\s*[:：]?\s*(.+)$")
_HOUR_BEFORE = re.compile(rf"^(?:{_HOUR_BEFORE_WORDS})\s*[:：]?\s*(.+)$")
_CANCEL = re.compile(rf"^(?:{_CANCEL_WORDS})\s*[:：]?\s*(.+)$")
_NOSHOW = re.compile(rf"^(?:{_NOSHOW_WORDS})\s*[:：]?\s*(.+?)\s*(?:次|times)?$")
# A rule's word opening a word of its own: in `day before 20:00 before 1h` the second before.
_RULE_WORD = re.compile(
    rf"(?:^|(?<=\s))(?:{_DAY_BEFORE_WORDS}|{_HOUR_BEFORE_WORDS}|{_CANCEL_WORDS}|{_NOSHOW_WORDS})"
)
_CLOCK = re.compile(r"^(\d{1,2})\s*[:：]\s*(\d{2})$")


@dataclass(frozen=True)
class DutyRules:
    """When reminders go, when withdrawing closes, check-in tolerance and the no-show rule.

    A rule that is None is off: no such reminder, or no approval after no-shows.
    """

    day_before_at: time | None
    hour_before: timedelta | None
    morning_roster_at: time | None
    short_digest_at: time | None
    short_alert: timedelta | None
    cancel_before: timedelta
    checkin_tolerance: timedelta
    noshow_limit: int | None
    noshow_window: timedelta


def _clock(text: str) -> time | None:
    if not text:
        return None
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def defaults(settings: VolunteeringSettings) -> DutyRules:
    """The rules of a community whose secretary changed nothing."""
    return DutyRules(
        day_before_at=_clock(settings.day_before_at),
        hour_before=timedelta(minutes=settings.hour_before_minutes) or None,
        morning_roster_at=_clock(settings.morning_roster_at),
        short_digest_at=_clock(settings.short_digest_at),
        short_alert=timedelta(hours=settings.short_alert_hours) or None,
        cancel_before=timedelta(hours=settings.cancel_hours),
        checkin_tolerance=timedelta(minutes=settings.checkin_minutes),
        noshow_limit=settings.noshow_limit or None,
        noshow_window=timedelta(days=settings.noshow_days),
    )


def rules_for(session: Session, community_id: int, settings: VolunteeringSettings) -> DutyRules:
    """A community's rules: its own where its secretary set them, else the defaults."""
    base = defaults(settings)
    own = session.get(VolunteerRules, community_id)
    if own is None:
        return base
    return DutyRules(
        day_before_at=(
            _clock(own.day_before_at) if own.day_before_at is not None else base.day_before_at
        ),
        hour_before=(
            timedelta(minutes=own.hour_before_minutes) or None
            if own.hour_before_minutes is not None
            else base.hour_before
        ),
        morning_roster_at=base.morning_roster_at,
        short_digest_at=base.short_digest_at,
        short_alert=base.short_alert,
        cancel_before=(
            timedelta(minutes=own.cancel_minutes)
            if own.cancel_minutes is not None
            else base.cancel_before
        ),
        checkin_tolerance=base.checkin_tolerance,
        noshow_limit=(
            own.noshow_limit or None if own.noshow_limit is not None else base.noshow_limit
        ),
        noshow_window=base.noshow_window,
    )


@dataclass
class RuleChanges:
    """What /dutyrules changes; None means unchanged, "" or 0 means off."""

    day_before_at: str | None = None
    hour_before_minutes: int | None = None
    cancel_minutes: int | None = None
    noshow_limit: int | None = None

    @property
    def reminders(self) -> bool:
        """True when a private reminder's time changes."""
        return self.day_before_at is not None or self.hour_before_minutes is not None


def parse_rules(text: str) -> RuleChanges:
    """`前一天 19:00 | 提前 1小时 | 取消截止 2小时 | 缺勤 3次` (any of them; 关 turns one off),
    or `，` between them when there is no bar, or spaces when there is neither."""
    changes = RuleChanges()
    items = split_items(text, "，")
    if len(items) == 1:
        items = _spaced_items(folded(items[0]))
    for item in items:
        word = folded(item)
        if match := _DAY_BEFORE.match(word):
            changes.day_before_at = _day_before(match.group(1))
        elif match := _HOUR_BEFORE.match(word):
            changes.hour_before_minutes = _minutes(match.group(1), allow_off=True)
        elif match := _CANCEL.match(word):
            changes.cancel_minutes = _minutes(match.group(1), allow_off=False)
        elif match := _NOSHOW.match(word):
            changes.noshow_limit = _count(match.group(1))
        else:
            raise DomainError("volunteering.rules_usage")
    return changes


def _spaced_items(text: str) -> list[str]:
    """`前一天 20:00 提前 30分钟` as its items, each opening with a rule's word; the text
    whole when it does not open with one."""
    starts = [match.start() for match in _RULE_WORD.finditer(text)]
    if not starts or starts[0] != 0:
        return [text]
    return [text[start:end].strip() for start, end in pairwise([*starts, len(text)])]


def _day_before(text: str) -> str:
    if text in _OFF:
        return ""
    clock = _CLOCK.match(text)
    if clock is None or int(clock.group(1)) > 23 or int(clock.group(2)) > 59:
        raise DomainError("volunteering.rules_bad_value", text=text[:20])
    return f"{int(clock.group(1)):02d}:{clock.group(2)}"


def _minutes(text: str, allow_off: bool) -> int:
    if allow_off and text in _OFF:
        return 0
    span = parse_duration(text)
    if span is None or span > MAX_BEFORE:
        raise DomainError("volunteering.rules_bad_value", text=text[:20])
    return int(span.total_seconds() // 60)


def _count(text: str) -> int:
    if text in _OFF:
        return 0
    if not text.isdigit() or not 1 <= int(text) <= MAX_NOSHOW_LIMIT:
        raise DomainError("volunteering.rules_bad_value", text=text[:20])
    return int(text)


def change_rules(
    session: Session, now: datetime, actor: Resident, community: Place, changes: RuleChanges
) -> None:
    """A community's secretary changes its duty rules."""
    if not access.is_secretary_for(session, actor.id, community):
        raise DomainError("volunteering.secretary_only")
    changed = {k: v for k, v in vars(changes).items() if v is not None}
    set_community_rules(
        session,
        now,
        VolunteerRules,
        community,
        "duty.rules",
        actor_id=actor.id,
        values=changed | {"updated_by_id": actor.id},
        **changed,
    )
