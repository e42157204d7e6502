"""Recurring notices: 每天 8:00, 每周一 8:00, 每月1日 9:00, each occurrence a notice of its own.

A recurring notice keeps its next occurrence in `send_at`. At that time one notice is made
for the occurrence (unique per series and time) and sent, and `send_at` moves on, all in
one transaction: a restart neither loses an occurrence nor sends one twice. After the
bot was down over several occurrences, only the latest missed one goes, late.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import Envelope
from bot.services.common.keywords import folded, with_digits
from bot.services.common.numbering import next_number
from bot.services.common.when import parse_clock
from bot.services.notices.sending import broadcast
from models import Notice, NoticeCircle, NoticeStatus

DAY, WEEK, MONTH = "day", "week", "month"
_WEEKDAYS = {
    **dict.fromkeys(("一", "1", "monday", "mon"), 1),
    **dict.fromkeys(("二", "2", "tuesday", "tue"), 2),
    **dict.fromkeys(("三", "3", "wednesday", "wed"), 3),
    **dict.fromkeys(("四", "4", "thursday", "thu"), 4),
    **dict.fromkeys(("五", "5", "friday", "fri"), 5),
    **dict.fromkeys(("六", "6", "saturday", "sat"), 6),
    **dict.fromkeys(("日", "天", "7", "sunday", "sun"), 7),
}
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ENGLISH_WEEKDAY = "|".join(
    sorted((w for w in _WEEKDAYS if w.isascii() and w.isalpha()), key=len, reverse=True)
)
_REPEAT = re.compile(
    r"^(?:每\s*|every\s+)(?:(天|日|day)"
    rf"|(?:周|週|星期|礼拜|禮拜)\s*({_WEEKDAY})|({_ENGLISH_WEEKDAY})\b"
    r"|月\s*(\d{1,2})\s*[日号號]?|month\s+(\d{1,2}))\s*(?:at\s+)?(.*)$"
)
# Enough days to reach any day of the next month.
_LOOKAHEAD = 63


@dataclass(frozen=True)
class Repeat:
    """Every day, every week on `day` (Monday 1), or every month on `day`, at `at`."""

    every: str
    day: int
    at: time

    @property
    def code(self) -> str:
        """The stored form: `week 1 08:00`."""
        return f"{self.every} {self.day} {self.at:%H:%M}"

    @classmethod
    def of(cls, code: str) -> Repeat:
        """The rule a stored code names."""
        every, day, at = code.split()
        return cls(every, int(day), time.fromisoformat(at))

    @property
    def shown(self) -> dict[str, Any]:
        """The rule for the templates."""
        return {"every": self.every, "day": self.day, "at": f"{self.at:%H:%M}"}

    def after(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """The first occurrence strictly after `moment`, in UTC."""
        local = moment.astimezone(zone)
        for offset in range(_LOOKAHEAD):
            day = local.date() + timedelta(days=offset)
            at = datetime.combine(day, self.at, zone)
            if self._falls_on(day) and at > local:
                return at.astimezone(UTC)
        raise AssertionError("every rule falls within two months")

    def _falls_on(self, day: date) -> bool:
        if self.every == WEEK:
            return day.isoweekday() == self.day
        if self.every == MONTH:
            # 每月31日 falls on the last day of a shorter month.
            return day.day == min(self.day, calendar.monthrange(day.year, day.month)[1])
        return True


def parse_repeat(item: str) -> Repeat | None:
    """The rule `item` names (每周一 8:00); None when it names none; an error when it starts
    like one (每…) but cannot be read."""
    text = with_digits(folded(item)).strip()
    if not text.startswith(("每", "every ")):
        return None
    match = _REPEAT.match(text)
    if match is None:
        raise DomainError("notices.bad_repeat", item=item[:30])
    daily, weekday, bare_weekday, month_day, english_day, rest = match.groups()
    at = parse_clock(rest)
    if at is None:
        raise DomainError("notices.bad_repeat", item=item[:30])
    if daily:
        return Repeat(DAY, 0, at)
    if weekday or bare_weekday:
        return Repeat(WEEK, _WEEKDAYS[weekday or bare_weekday], at)
    day = int(month_day or english_day)
    if not 1 <= day <= 31:
        raise DomainError("notices.bad_repeat", item=item[:30])
    return Repeat(MONTH, day, at)


RECURRING = (Notice.status == NoticeStatus.RECURRING, Notice.send_at.is_not(None))


class SendRecurring:
    """Sends each recurring notice's occurrence when its time comes, as a notice of its own."""

    name = "notices-recurring"

    def __init__(self, settings: Settings, language: str) -> None:
        self.zone = settings.zone
        self.language = language

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest next occurrence of a running series."""
        return session.scalar(select(func.min(Notice.send_at)).where(*RECURRING))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Send every occurrence due now and move each series to its next one."""
        due = session.scalars(
            select(Notice)
            .where(*RECURRING, Notice.send_at <= now)
            .order_by(Notice.send_at, Notice.id)
            .with_for_update()
        ).all()
        return [e for series in due for e in self._occurrence(session, now, series)]

    def _occurrence(self, session: Session, now: datetime, series: Notice) -> list[Envelope]:
        assert series.repeat is not None and series.send_at is not None
        minutes = series.deadline_minutes
        occurrence = Notice(
            community=series.community,
            number=next_number(session, Notice, series.community),
            sender=series.sender,
            scope=series.scope,
            text=series.text,
            status=NoticeStatus.DRAFT,
            receipts=series.receipts,
            deadline_at=now + timedelta(minutes=minutes) if minutes else None,
            send_at=series.send_at,
            series_id=series.id,
            image=series.image,
            document=series.document,
            created_at=now,
            circles=[NoticeCircle(circle=c.circle, place=c.place) for c in series.circles],
        )
        session.add(occurrence)
        series.send_at = Repeat.of(series.repeat).after(max(now, series.send_at), self.zone)
        session.flush()
        return broadcast(session, now, self.zone, occurrence, self.language)
