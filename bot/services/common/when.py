"""Reading times as people type them: 3天, 三天, 明天 18:00, 明晚8点, 周五 18:00, 12月1日, 3d."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.services.common.keywords import NUMERALS, folded, numeral_value, with_digits

DayPart = Literal["start", "end"]
# Deadlines and spans reach at most a year ahead (a leap year's worth).
MAX_AHEAD = timedelta(days=366)
# A longer amount is over a year in any unit (a year is 527,040 minutes).
_MAX_DIGITS = 6

_UNITS: dict[str, timedelta] = {
    **dict.fromkeys(
        ("周", "週", "星期", "个星期", "個星期", "w", "week", "weeks"), timedelta(weeks=1)
    ),
    **dict.fromkeys(("天", "d", "day", "days"), timedelta(days=1)),
    **dict.fromkeys(
        ("小时", "小時", "个小时", "個小時", "钟头", "鐘頭", "h", "hr", "hrs", "hour", "hours"),
        timedelta(hours=1),
    ),
    **dict.fromkeys(
        ("分钟", "分鐘", "分", "m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)
    ),
}
_UNIT_PATTERN = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_DURATION_PART = re.compile(rf"(\d+)\s*({_UNIT_PATTERN})")
_DURATION = re.compile(rf"^(?:(?:\d+)\s*(?:{_UNIT_PATTERN})\s*)+$")
_DAY_WORDS: dict[str, int] = {
    # A day past is read too, so that the caller can say it has passed.
    "前天": -2,
    "昨天": -1,
    "昨日": -1,
    "yesterday": -1,
    "今天": 0,
    "今日": 0,
    "today": 0,
    "明天": 1,
    "明日": 1,
    "tomorrow": 1,
    "后天": 2,
    "後天": 2,
    "大后天": 3,
    "大後天": 3,
}
_DAY_WORD = re.compile(
    "^(" + "|".join(sorted(_DAY_WORDS, key=len, reverse=True)) + r")(?:\s*(.*))?$"
)
# 周五 is the next Friday (today, if the time named is still to come); 下周五 the Friday of
# next week, Monday to Sunday; 这周五 or 本周五 the Friday of this week, even if it is past.
_WEEKDAY = re.compile(
    r"^(下|这|這|本)?\s*(?:周|週|星期|礼拜|禮拜)\s*([一二三四五六日天1-7])(?:\s*(.*))?$"
)
_WEEKDAY_NUMBERS = {day: n for n, day in enumerate("一二三四五六")} | {"日": 6, "天": 6}
_WEEKDAY_NUMBERS |= {str(n + 1): n for n in range(7)}
_ENGLISH_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ENGLISH_WEEKDAY = re.compile(
    r"(?<![a-z])(?:(next|this)\s+)?"
    r"(mon|tue|wed|thu|fri|sat|sun)(?:day|sday|nesday|rsday|urday|s|rs)?(?![a-z])"
)
_ENGLISH_MONTHS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
_MONTH_NAME = (
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"(?:uary|ruary|ch|il|e|y|ust|t|tember|ober|ember)?\.?"
)
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_ENGLISH_DATE = re.compile(
    rf"(?<![a-z\d]){_MONTH_NAME}\s*{_ORDINAL}(?![a-z\d])"
    rf"|(?<![a-z\d]){_ORDINAL}\s*(?:of\s+)?{_MONTH_NAME}(?![a-z\d])"
)
_FULL_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?(.*)$")
_MONTH_DAY = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號](.*)$|^(\d{1,2})[-/](\d{1,2})(.*)$")
# The parts of the day an hour may be said in (下午3点, 3pm, 明晚8点 is 明天晚上8点).
_MORNING = ("凌晨", "早上", "早晨", "上午", "早", "am", "morning")
_NOON = ("中午", "noon")
_AFTERNOON = ("下午", "傍晚", "pm", "afternoon")
_EVENING = ("晚上", "夜里", "夜裡", "晚", "evening", "night")
LATER_PERIODS = frozenset(_NOON + _AFTERNOON + _EVENING)
PERIOD = "|".join(sorted(_MORNING + _NOON + _AFTERNOON + _EVENING, key=len, reverse=True))
_CLOCK = re.compile(
    rf"^(?:({PERIOD})\s*)?(\d{{1,2}})(?:\s*[:：]\s*(\d{{2}})|\s*[点點时時]\s*(?:(半)|(\d{{1,2}})\s*分?)?)"
    rf"?\s*({PERIOD})?$"
)
# A day and its part said as one word: 今晚, 明早, 明晨, 昨晚上, tonight.
_DAY_PART = re.compile(r"([今明昨])(晚|早|晨)上?|(?<![a-z])(tonight)(?![a-z])")
_DAY_PART_WORDS = {"晚": "晚上", "早": "早上", "晨": "早晨"}
# The hour and minutes of a clock said in Chinese numerals: 七点, 十二点, 八点二十, 九时十五分,
# and a window's start that takes its end's 点: 七到九点, 七到晚上九点.
_CLOCK_NUMERAL = re.compile(
    rf"[{NUMERALS}]+(?=[点點时時]|\s*[-–—~～至到]\s*(?:(?:{PERIOD})\s*)?[{NUMERALS}]+[点點时時])"
    rf"|(?<=[点點时時])[{NUMERALS}]+"
)
# "at" before a clock says nothing more: tomorrow at 6pm, closes at noon.
_AT = re.compile(r"(?<![a-z])at\s+(?=\d|noon)")
_TRAILING = ("之前", "以前", "前", "为止", "為止", "截止")
# A span from now as said: "in 3 days", 3天后, 三天内.
_AHEAD = re.compile(r"^in\s+|\s*[以之]?[后後内內]$")


def parse_when(text: str, now: datetime, zone: ZoneInfo, *, date_only: DayPart = "end") -> datetime:
    """The moment `text` names, read in `zone` relative to `now`, as an aware UTC datetime.

    A date without a time means the end of that day (23:59), or its start with
    `date_only="start"`; a month and day without a year mean their next occurrence;
    a time alone means its next occurrence. A moment over a year ahead is refused.
    """
    cleaned = _clean(text)
    if not cleaned:
        raise DomainError("when.unreadable", text=text[:40])
    duration = parse_duration(_AHEAD.sub("", cleaned))
    if duration is not None:
        return now.astimezone(UTC) + duration
    local_now = now.astimezone(zone)
    found = _absolute(cleaned, local_now, zone, date_only)
    if found is None:
        raise DomainError("when.unreadable", text=text[:40])
    if found - local_now > MAX_AHEAD:
        raise DomainError("when.too_far")
    try:
        return found.astimezone(UTC)
    except OverflowError:
        # The year 1 east of Greenwich falls before the first moment Python knows.
        raise DomainError("when.too_far") from None


def parse_duration(text: str) -> timedelta | None:
    """A span such as 3天, 2小时30分钟, 1d12h or 30 minutes; None if `text` is not one.

    A span over a year is refused.
    """
    cleaned = _clean(text)
    if not _DURATION.match(cleaned):
        return None
    parts = _DURATION_PART.findall(cleaned)
    if any(len(amount.lstrip("0")) > _MAX_DIGITS for amount, _ in parts):
        raise DomainError("when.too_far")
    total = sum((int(amount) * _UNITS[unit] for amount, unit in parts), timedelta())
    if total > MAX_AHEAD:
        raise DomainError("when.too_far")
    return total if total > timedelta() else None


def parse_clock(text: str) -> time | None:
    """A time of day as typed (8:00, 早上8点, 下午3点半); None if `text` is not one."""
    cleaned = _clean(text)
    return _clock(cleaned) if cleaned else None


def moment_data(moment: datetime, zone: ZoneInfo, now: datetime) -> list[int | str]:
    """A moment as templates show it (`when.at`): its day in `zone` as [year, month, day,
    weekday], its time, and whether to say the year (it is not the year of `now`)."""
    local = moment.astimezone(zone)
    said = local.year != now.astimezone(zone).year
    return [local.year, local.month, local.day, local.weekday(), f"{local:%H:%M}", said]


def english_dates(text: str) -> str:
    """Folded `text` with English weekdays and dates in the Chinese forms read here:
    "next Friday" as 下周五, "Dec 12" and "12 December" as 12月12日."""

    def weekday(match: re.Match[str]) -> str:
        which = {"next": "下", "this": "本"}.get(match.group(1) or "", "")
        return f"{which}周{'一二三四五六日'[_ENGLISH_WEEKDAYS.index(match.group(2))]}"

    def month_day(match: re.Match[str]) -> str:
        month, day = match.group(1, 2) if match.group(1) else match.group(4, 3)
        return f"{_ENGLISH_MONTHS.index(month) + 1}月{day}日"

    return _ENGLISH_DATE.sub(month_day, _ENGLISH_WEEKDAY.sub(weekday, text))


def time_words(text: str) -> str:
    """Folded `text` with English dates as Chinese ones (see `english_dates`) and no "at"
    before a clock, the hour and minutes of a clock in digits (七点 as 7点, 八点二十 as 8点20,
    七到九点 as 7到9点, 七到晚上九点 as 7到晚上9点) and a day and its part said as one word
    spelled out: 明晚 as 明天晚上, 今早 as 今天早上, tonight as 今天晚上."""

    def digits(match: re.Match[str]) -> str:
        value = numeral_value(match.group(0))
        return match.group(0) if value is None else str(value)

    def spelled(match: re.Match[str]) -> str:
        if match.group(3):
            return "今天晚上"
        return f"{match.group(1)}天{_DAY_PART_WORDS[match.group(2)]}"

    return _DAY_PART.sub(spelled, _CLOCK_NUMERAL.sub(digits, english_dates(_AT.sub("", text))))


def hour_of_day(hour: int, periods: tuple[str | None, ...]) -> int | None:
    """The hour of the day `hour` names in the parts of the day said with it (下午3点 and 3pm
    are 15), `hour` itself when none is; None when they leave it unclear or disagree."""
    said = {_in_period(hour, period) for period in periods if period}
    if not said:
        return hour
    return said.pop() if len(said) == 1 else None


def _in_period(hour: int, period: str) -> int | None:
    if period in _MORNING:
        # 12am and 凌晨12点 are midnight; 上午12点 is noon.
        if hour < 12:
            return hour
        if hour == 12 and period in ("am", "凌晨"):
            return 0
        # 早上12点 is no morning hour.
        return 12 if hour == 12 and period == "上午" else None
    if period in _NOON:
        # 中午 is from 11 to 2 in the afternoon: 中午11点, 中午12点, 中午1点.
        return hour if hour in (11, 12) else hour + 12 if hour in (1, 2) else None
    if period in _AFTERNOON:
        # 12pm is noon, but 下午12点 may be noon or midnight, and 下午13点 mixes two clocks.
        if period == "pm" and hour == 12:
            return 12
        return hour + 12 if 1 <= hour <= 11 else None
    # 晚上 from 1 to 4 may be after midnight and 晚上12点 either midnight, so an evening
    # hour is also read as written in 24 hours (今晚23点).
    if 5 <= hour <= 11:
        return hour + 12
    return hour if 18 <= hour <= 23 else None


def _clean(text: str) -> str:
    cleaned = time_words(with_digits(folded(text)))
    for word in _TRAILING:
        cleaned = cleaned.removesuffix(word).strip()
    return cleaned


def _absolute(text: str, now: datetime, zone: ZoneInfo, date_only: DayPart) -> datetime | None:
    day_word = _DAY_WORD.match(text)
    if day_word:
        day = now.date() + timedelta(days=_DAY_WORDS[day_word.group(1)])
        return _on(day, day_word.group(2) or "", zone, date_only)
    weekday = _WEEKDAY.match(text)
    if weekday:
        return _on_weekday(weekday, now, zone, date_only)
    full = _FULL_DATE.match(text)
    if full:
        year, month, day_number, rest = full.groups()
        found = _date(int(year), int(month), int(day_number))
        return _on(found, rest, zone, date_only) if found else None
    month_day = _MONTH_DAY.match(text)
    if month_day:
        groups = month_day.groups()
        month, day_number, rest = groups[:3] if groups[0] else groups[3:]
        for year in (now.year, now.year + 1):
            found = _date(year, int(month), int(day_number))
            moment = _on(found, rest, zone, date_only) if found else None
            if moment is not None and moment > now:
                return moment
        return None
    clock = _clock(text)
    if clock is None:
        return None
    today = datetime.combine(now.date(), clock, zone)
    return today if today > now else datetime.combine(now.date() + timedelta(days=1), clock, zone)


def _on_weekday(
    match: re.Match[str], now: datetime, zone: ZoneInfo, date_only: DayPart
) -> datetime | None:
    which, day_text, rest = match.groups()
    day = _weekday(which, day_text, now.date())
    moment = _on(day, rest or "", zone, date_only)
    if not which and moment is not None and moment <= now:
        moment = _on(day + timedelta(weeks=1), rest or "", zone, date_only)
    return moment


def weekday_date(word: str, today: date) -> date | None:
    """The day a weekday's name (周五, 下周五, 星期五, next Friday) names, read on `today`;
    None for any other word."""
    match = _WEEKDAY.match(english_dates(folded(word)))
    return _weekday(match.group(1), match.group(2), today) if match else None


def _weekday(which: str | None, day_text: str, today: date) -> date:
    """The day of 周<day_text> after `which` (下, 这, 本 or nothing: the next, today's too)."""
    monday = today - timedelta(days=today.weekday())
    day = monday + timedelta(days=_WEEKDAY_NUMBERS[day_text])
    if which == "下":
        return day + timedelta(weeks=1)
    return day if which or day >= today else day + timedelta(weeks=1)


def _on(day: date, rest: str, zone: ZoneInfo, date_only: DayPart) -> datetime | None:
    rest = rest.strip().removeprefix("t").strip()
    if not rest:
        moment = time(23, 59) if date_only == "end" else time(0, 0)
        return datetime.combine(day, moment, zone)
    clock = _clock(rest)
    return datetime.combine(day, clock, zone) if clock is not None else None


def _clock(text: str) -> time | None:
    text = text.strip()
    if text in _NOON:
        return time(12, 0)
    match = _CLOCK.match(text)
    if match is None:
        return None
    before, hour_text, colon_minutes, half, word_minutes, after = match.groups()
    bare = colon_minutes is None and half is None and word_minutes is None
    if bare and not (before or after) and not re.search(r"[点點时時]", text):
        # A bare number is not a time: "18" could be anything.
        return None
    hour = hour_of_day(int(hour_text), (before, after))
    minute = int(colon_minutes or word_minutes or (30 if half else 0))
    if hour is None or hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
