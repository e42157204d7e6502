"""Reading /shift and /editshift: dates, daily time windows cut into slots, and shift items.

A time item names one or more days and a time window on each: `2026-11-24 08:00-10:00`,
`明天 8点-10点`, `2026-11-24 至 2026-12-07 08:00-20:00 每2小时` (one shift per slot per
day), `每周六 08:00-12:00 共4周`, `20:00-次日08:00` (overnight). Every other item is
recognised by its shape: `2人` (capacity), `仅党员` (a required role), `截止 2小时` (sign-up
cutoff before each start, or a moment), `候补 3` / `不候补` (waitlist), and one free text,
the place. Without bars or commas the items may be parted by spaces when each can be told by
its shape: the title before the time, the options and the place after it (a place may be run
into the time before or after it: `明天7到9东门`, `东门明天7到9`). Counts and hours
may be written in Chinese numerals: `两人`, `十个人`, `候补 三`, `明晚七点-九点`; a start
without 点 takes the end's: `明晚7到9点`, and without a part of the day the end's when that
keeps it first: `7到晚上9点` is 19:00-21:00. Bare hours said with 到 or 至 are read as with 点:
`明天7到9` and `明天七到九` are `明天7到9点`; so are bare hours joined by a dash right after a
day or a part of the day (`明天 7-9`, `晚上7-9`, `tomorrow 19-21`), while 3-2 alone is an address.
A bare number alone after the time is the count: `巡逻 明天 7-9 2`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.services.common.arguments import split_items
from bot.services.common.keywords import COUNTED, NUMERALS, folded, numeral_value, with_digits
from bot.services.common.when import (
    LATER_PERIODS,
    PERIOD,
    hour_of_day,
    parse_duration,
    parse_when,
    time_words,
)
from bot.services.community import roles
from models import Role

MAX_SLOTS = 500
MAX_DAYS = 366
MAX_TITLE = 60
MAX_PLACE = 60
MAX_CAPACITY = 500
MIN_STEP = timedelta(minutes=15)
DEFAULT_WEEKS = 4
MAX_WEEKS = 52
# The most words a time typed among other items with spaces may take (Sat 9 am - 11 am 每2小时).
MAX_TIME_WORDS = 12

_WEEKDAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
# Days named by a word, as days from today; past ones are read so that they can be refused.
_DAY_WORDS = {"今天": 0, "今日": 0, "today": 0, "明天": 1, "明日": 1, "tomorrow": 1}
_DAY_WORDS |= {"后天": 2, "後天": 2, "昨天": -1, "昨日": -1, "yesterday": -1, "前天": -2}
_WEEK = r"(?:周|週|星期|礼拜|禮拜)"
_RANGE = r"\s*(?:-|–|—|~|～|至|到|to)\s*"
# A bare hour is a time before am/pm (9am), or before a window's end that has one (9-11am,
# 7到9点 and 7到晚上9点: the start takes the end's 点).
_BARE_HOUR = (
    rf"(?=\s*[ap]m|{_RANGE}\d{{1,2}}(?:\s*[:：]\s*\d{{2}})?\s*[ap]m"
    rf"|{_RANGE}(?:(?:{PERIOD})\s*)?\d{{1,2}}\s*[点點时時])"
)
# Minutes after 点 are written right after it (9点30) or with 分 (9点 30分): a number a space
# after 9点 is something else (tomorrow 7-9 2 people, a count).
_CLOCK = (
    rf"(?:({PERIOD})\s*)?(\d{{1,2}})"
    rf"(?:\s*[:：]\s*(\d{{2}})|\s*[点點时時]\s*(?:(半)|(\d{{1,2}})"
    rf"(?:\s*分|(?<=[点點时時]\d)|(?<=[点點时時]\d\d)))?|{_BARE_HOUR})"
    rf"(?:\s*({PERIOD}))?"
)
# Bare hours said with 到 or 至 (明天7到9, 七到九) are a window as with 点 (明天7到9点). Not so
# numbers joined by dashes alone (3-2, a building and unit), a number that counts something
# (3到5号楼), one run into other numbers, or weekdays (每周一到五).
_HOUR = rf"\d{{1,2}}|[{NUMERALS}]+"
_BARE_WINDOW = re.compile(
    rf"(?<![\d{NUMERALS}:：周週期拜第])({_HOUR})(\s*[到至]\s*(?:(?:{PERIOD})\s*)?)({_HOUR})"
    rf"(?![\d{NUMERALS}:：]|\s*(?:{COUNTED}|[ap]m))"
)
# Bare hours joined by a dash (明天 7-9, 晚上7-9, tomorrow 19-21) are a window too, but only
# right after a day or a part of the day: alone, 3-2 and 3-2-201 are addresses.
_DASHED = r"\-–—~～"
_DASH_WINDOW = re.compile(
    rf"(?<![\d{NUMERALS}:：/.{_DASHED}周週期拜第])({_HOUR})(\s*[{_DASHED}]\s*)({_HOUR})"
    rf"(?![\d{NUMERALS}:：/.{_DASHED}]|\s*(?:{COUNTED}|[ap]m))"
)
_NEXT_DAY = r"(?:次日|翌日|第二天|next day\s*)"
_WINDOW = re.compile(rf"{_CLOCK}{_RANGE}({_NEXT_DAY})?\s*{_CLOCK}")
# Each token of a time item, tried in this order at the current position.
_TOKENS: list[tuple[str, re.Pattern[str]]] = [
    ("window", _WINDOW),
    ("full_date", re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?")),
    ("month_day", re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号號]?|(\d{1,2})/(\d{1,2})")),
    (
        "day_word",
        re.compile(r"(今天|今日|明天|明日|后天|後天|昨天|昨日|前天|today|tomorrow|yesterday)"),
    ),
    ("daily", re.compile(r"(每天|每日|daily|every day)")),
    ("weekly", re.compile(rf"(?:每\s*{_WEEK}|every\s+)([^\s\d]+)")),
    ("weekend", re.compile(r"(周末|週末|weekends?|工作日|weekdays?)")),
    ("step", re.compile(r"(?:每|every)\s*(半\s*(?:小时|小時)|\d+\s*[^\s\d]+)")),
    ("weeks", re.compile(rf"(?:共|for)?\s*(\d+)\s*(?:{_WEEK}|weeks?)")),
    ("one_weekday", re.compile(rf"(?:(下|本|这|這)\s*(?:个|個)?)?{_WEEK}([一二三四五六日天])")),
    ("range", re.compile(r"-|–|—|~|～|至|到|to")),
]
# What a window of bare hours joined by a dash must follow: a day, or a part of the day.
_DAY_NAMES = ("full_date", "month_day", "day_word", "daily", "weekly", "weekend", "one_weekday")
_DAY_BEFORE = re.compile(
    "(?<![a-z])(?:"
    + "|".join(p.pattern for name, p in _TOKENS if name in _DAY_NAMES)
    + rf"|{PERIOD})\s*$"
)
# A sign is read so that a negative count is refused as a count, not taken for a date range.
_CAPACITY = re.compile(
    r"^(?:(-?\d+)\s*(?:人|名|位|个人|個人|people|persons?)"
    r"|(?:名额|名額|人数|人數|capacity|people)\s*(-?\d+))$"
)
_ROLE = re.compile(r"^(?:仅|僅|只限|only)\s*(.+?)$|^(.+?)\s+only$")
_OPEN_TO_ALL = frozenset({"不限", "不限身份", "所有人", "anyone", "everyone"})
_CUTOFF = re.compile(r"^(?:报名截止|報名截止|截止|deadline|cutoff)\s*[:：]?\s*(.+)$")
_NO_WAITLIST = frozenset({"不候补", "不候補", "无候补", "無候補", "no waitlist"})
_WAITLIST = re.compile(
    r"^(?:候补|候補|waitlist)\s*[:：]?\s*(\d+|不限|unlimited)?\s*(?:人|名|位|个|個|people)?$"
)
_PARTY_ONLY = frozenset({"party members", "party member", "party"})
# Beside a time item's tokens, the words a time is said in: a part of the day, one clock, a
# bare hour (明天7到9, 今晚, 9点); a place is never made of these alone.
_TIME_WORD = re.compile(
    rf"{PERIOD}|\d{{1,2}}(?!\d)(?:\s*[点點时時:：]\s*(?:半|\d{{1,2}}\s*分?)?)?|[{NUMERALS}]+"
)
# A place run into a time starts with a letter that does not go on with a number or a clock.
_PLACE_START = re.compile(rf"(?![{NUMERALS}半]|{COUNTED}|{PERIOD}|次日|翌日)[^\W\d_]")
_BARE_NUMBER = re.compile(rf"\d+|[{NUMERALS}]+")
# Numbers joined by dashes alone (3-2) are a building and unit as often as hours.
_DASHES = ("-", "–", "—", "~", "～")


@dataclass(frozen=True)
class TimeSpec:
    """Days, and a time window on each, cut into slots of `step` (one slot when None)."""

    days: tuple[date, ...]
    start: time
    end: time
    overnight: bool
    step: timedelta | None
    dated: bool

    def window(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The window on `day`, as aware UTC datetimes."""
        begins = datetime.combine(day, self.start, zone)
        ends = datetime.combine(day + timedelta(days=1 if self.overnight else 0), self.end, zone)
        return begins.astimezone(UTC), ends.astimezone(UTC)

    def per_day(self) -> int:
        """How many slots each day's window holds (a short last slot counts)."""
        length = _minutes(self.end) - _minutes(self.start) + (24 * 60 if self.overnight else 0)
        if self.step is None:
            return 1
        step = int(self.step.total_seconds() // 60)
        return -(-length // step)

    def count(self) -> int:
        """How many slots in all."""
        return len(self.days) * self.per_day()

    def slots(self, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        """Every slot as (start, end), aware UTC, in time order."""
        found = []
        for day in self.days:
            begins, ends = self.window(day, zone)
            if self.step is None:
                found.append((begins, ends))
                continue
            cursor = begins
            while cursor < ends:
                found.append((cursor, min(cursor + self.step, ends)))
                cursor += self.step
        return found


@dataclass(frozen=True)
class Cutoff:
    """When sign-ups close: a span before each shift's start, or one moment for all."""

    before: timedelta | None = None
    at: datetime | None = None

    def for_start(self, starts_at: datetime) -> datetime:
        """The sign-up cutoff of a shift starting at `starts_at` (never after its start)."""
        if self.before is not None:
            return starts_at - self.before
        assert self.at is not None
        return min(self.at, starts_at)


@dataclass
class ShiftItems:
    """What /shift or /editshift gave; None means not given.

    `role_given` and `waitlist_given` tell "not given" from "none": `不限身份` clears a
    required role, and an unlimited waitlist has no limit.
    """

    title: str = ""
    times: TimeSpec | None = None
    capacity: int | None = None
    place: str | None = None
    role: Role | None = None
    role_given: bool = False
    cutoff: Cutoff | None = None
    waitlist: int | None = None
    waitlist_given: bool = False
    unknown: list[str] = field(default_factory=list)


def parse_shift(text: str, now: datetime, zone: ZoneInfo) -> ShiftItems:
    """`/shift <title> | <when> | <n>人 | <place> | options` (or `，` between them when there is
    no bar, or spaces when each item can be told by its shape): a shift or a rota to create."""
    items = split_items(text, "，")
    if not items:
        raise DomainError("volunteering.shift_usage")
    if len(items) == 1:
        items = _spaced_items(items[0], now, zone) or items
    title = " ".join(items[0].split())
    if len(title) > MAX_TITLE:
        _refuse_run_together([title])
        raise DomainError("volunteering.title_too_long", limit=MAX_TITLE)
    found = parse_items(items[1:], now, zone)
    found.title = title
    if found.times is None:
        _refuse_run_together(items)
        raise DomainError("volunteering.shift_needs_time")
    if not found.times.dated:
        raise DomainError("volunteering.shift_needs_date")
    if all(start <= now for start, _ in found.times.slots(zone)):
        raise DomainError("volunteering.time_past")
    if found.capacity is None:
        raise DomainError("volunteering.shift_needs_capacity")
    return found


def _refuse_run_together(items: list[str]) -> None:
    """A time run into other words (`巡逻 明天 19:00-21:00 2人`) was given, only not apart."""
    if any(_WINDOW.search(_said_times(item)) for item in items):
        raise DomainError("volunteering.shift_items_apart")


def _spaced_items(text: str, now: datetime, zone: ZoneInfo) -> list[str] | None:
    """`巡逻 明天 19:00-21:00 2人 小区大门` as its items: the title before the one run of words
    that is a time, and after it options and the place; None when they cannot be told apart."""
    words = _words(text, now, zone)
    runs = _time_runs(words, now, zone)
    if len(runs) != 1 or runs[0][0] == 0:
        return None
    first, last = runs[0]
    title = words[:first]
    if any(_as_option(" ".join(title[n:m]), now, zone) is not False for n, m in _spans(title)):
        return None
    options, place = _after_time(words[last:], now, zone)
    if len(place) > 1:
        return None
    title, place = _place_in_title(title, place)
    return [" ".join(title), " ".join(words[first:last]), *options, *place]


def _place_in_title(title: list[str], place: list[str]) -> tuple[list[str], list[str]]:
    """An English title names the place after `at` (`Patrol at East gate tomorrow 7pm-9pm`),
    where no place follows the time and words stand on both sides of it."""
    at = next((n for n, word in enumerate(title) if word.casefold() == "at"), None)
    if place or at is None or at == 0 or at == len(title) - 1:
        return title, place
    return title[:at], [" ".join(title[at + 1 :])]


def spaced_changes(text: str, now: datetime, zone: ZoneInfo) -> list[str] | None:
    """`明天 19:00-21:00 3人 东门` (what /editshift changes) as its items, told apart by their
    shapes: at most one time, options, and one place; None when they cannot be told apart."""
    words = _words(text, now, zone)
    runs = _time_runs(words, now, zone)
    if len(runs) > 1:
        return None
    first, last = runs[0] if runs else (len(words), len(words))
    before, place_before = _options_and_place(words[:first], now, zone)
    after, place_after = _after_time(words[last:], now, zone)
    if len(place_before + place_after) > 1:
        return None
    timed = [" ".join(words[first:last])] if runs else []
    return [*timed, *before, *after, *place_before, *place_after]


def _words(text: str, now: datetime, zone: ZoneInfo) -> list[str]:
    """The words of `text`, a time run into the place after it (明天7到9东门) parted from it."""
    return [part for word in text.split() for part in _time_and_place(word, now, zone)]


def _time_and_place(word: str, now: datetime, zone: ZoneInfo) -> list[str]:
    """`明天7到9东门` and `东门明天7到9` as their time and their place, in that order; `word`
    alone when it is not one run into the other (3到5号楼 counts floors, 东门 is no time, and
    每周六7到9 is all time)."""
    if _time_like(word):
        return [word]
    # The longest time first: a place after it, then a place before it.
    cuts = [(word[:cut], word[cut:]) for cut in range(len(word) - 1, 0, -1)]
    for said, place in [*cuts, *((said, place) for place, said in reversed(cuts))]:
        if _PLACE_START.match(place) and _is_time(said, now, zone) and not _time_like(place):
            return [said, place]
    return [word]


def _time_runs(words: list[str], now: datetime, zone: ZoneInfo) -> list[tuple[int, int]]:
    """The widest runs of `words` that are each all one time item."""
    runs = [
        (first, last)
        for first in range(len(words))
        for last in range(first + 1, min(first + MAX_TIME_WORDS, len(words)) + 1)
        if _is_time(" ".join(words[first:last]), now, zone)
    ]
    return [
        run
        for run in runs
        if not any(other != run and other[0] <= run[0] and run[1] <= other[1] for other in runs)
    ]


def _spans(words: list[str]) -> list[tuple[int, int]]:
    return [(n, m) for n in range(len(words)) for m in range(n + 1, len(words) + 1)]


def _is_time(text: str, now: datetime, zone: ZoneInfo) -> bool:
    """Whether `text` is all one time item holding a window (an impossible one included)."""
    try:
        tokens = _tokenise(_said_times(text), now.astimezone(zone).date())
    except DomainError:
        return False
    return tokens is not None and tokens.window is not None


def _as_option(text: str, now: datetime, zone: ZoneInfo) -> bool | None:
    """True when `text` reads as an option (a count, role, cutoff or waitlist), None when it
    is one with a fault (`0人`), False when it is none."""
    try:
        return _read_option(ShiftItems(), text, now, zone)
    except DomainError:
        return None


def _after_time(words: list[str], now: datetime, zone: ZoneInfo) -> tuple[list[str], list[str]]:
    """The options and place after the time; a bare number alone after it is the count
    (巡逻 明天 7-9 2), while one with other words may be the place's (2 东门)."""
    if len(words) == 1 and _BARE_NUMBER.fullmatch(folded(words[0])):
        return [f"{words[0]}人"], []
    return _options_and_place(words, now, zone)


def _options_and_place(
    words: list[str], now: datetime, zone: ZoneInfo
) -> tuple[list[str], list[str]]:
    """The options among `words`, each its longest run that reads as one, and the runs of
    other words between them (one of them is the place)."""
    options: list[str] = []
    place: list[str] = []
    loose: list[str] = []
    position = 0
    while position < len(words):
        ends = range(len(words), position, -1)
        end = next((e for e in ends if _as_option(" ".join(words[position:e]), now, zone)), None)
        if end is None and _as_option(words[position], now, zone) is None:
            end = position + 1
        if end is None:
            loose.append(words[position])
            position += 1
            continue
        if loose:
            place.append(" ".join(loose))
            loose = []
        options.append(" ".join(words[position:end]))
        position = end
    if loose:
        place.append(" ".join(loose))
    return options, place


def parse_items(items: list[str], now: datetime, zone: ZoneInfo) -> ShiftItems:
    """Recognise each item by its shape; one free text is the place."""
    found = ShiftItems()
    for item in items:
        _read_item(found, item, now, zone)
    if found.unknown:
        raise DomainError("volunteering.unknown_item", text=found.unknown[0][:40])
    return found


def _read_item(found: ShiftItems, item: str, now: datetime, zone: ZoneInfo) -> None:
    if _read_option(found, item, now, zone):
        return
    text = folded(item)
    times = parse_times(text, now, zone)
    if times is not None:
        if found.times is not None:
            raise DomainError("volunteering.two_times")
        found.times = times
        return
    place = " ".join(item.split())
    _refuse_run_together([place])
    if _time_like(place):
        raise DomainError("volunteering.window_unreadable", text=place[:40])
    if found.place is not None:
        found.unknown.append(place)
        return
    if len(place) > MAX_PLACE:
        raise DomainError("volunteering.place_too_long", limit=MAX_PLACE)
    found.place = place


def _time_like(text: str) -> bool:
    """Whether `text`, or one of its words, is made of time words alone and more than bare
    numbers (明天7到9, 东门 今晚): a time that cannot be read, not a place. An English word
    alone (Night market) is a place's."""
    words = [word for word in text.split() if not (word.isascii() and word.isalpha())]
    return any(_time_words_alone(part) for part in [text, *words])


def _time_words_alone(text: str) -> bool:
    words = _said_times(text)
    patterns = [*(pattern for _, pattern in _TOKENS), _TIME_WORD]
    position, timed = 0, False
    while position < len(words):
        if words[position] in " ,，、":
            position += 1
            continue
        match = next(
            (m for p in patterns if (m := p.match(words, position)) and m.end() > position), None
        )
        if match is None:
            return False
        said = match.group(0)
        timed = timed or not (_BARE_NUMBER.fullmatch(said) or said in _DASHES)
        position = match.end()
    return timed


def _read_option(found: ShiftItems, item: str, now: datetime, zone: ZoneInfo) -> bool:
    """Read `item` into `found` when it is a count, role, cutoff or waitlist; False if not."""
    text = folded(item)
    counted = with_digits(text)
    capacity = _CAPACITY.match(counted)
    if capacity:
        number = int(capacity.group(1) or capacity.group(2))
        if not 1 <= number <= MAX_CAPACITY:
            raise DomainError("volunteering.bad_capacity", limit=MAX_CAPACITY)
        found.capacity = number
    elif text in _OPEN_TO_ALL:
        found.role, found.role_given = None, True
    elif role := _ROLE.match(text):
        found.role, found.role_given = _role(role.group(1) or role.group(2)), True
    elif cutoff := _CUTOFF.match(text):
        found.cutoff = _cutoff(cutoff.group(1), now, zone)
    elif text in _NO_WAITLIST:
        found.waitlist, found.waitlist_given = 0, True
    elif waitlist := _WAITLIST.match(counted):
        limit = waitlist.group(1)
        found.waitlist = int(limit) if limit and limit.isdigit() else None
        found.waitlist_given = True
    else:
        return False
    return True


def _role(text: str) -> Role:
    if text.strip() in _PARTY_ONLY:
        return Role.PARTY_MEMBER
    return roles.parse_role(text.removesuffix("s").replace(" ", "-"))


def _cutoff(text: str, now: datetime, zone: ZoneInfo) -> Cutoff:
    span = re.sub(r"^(?:开始前|開始前|before start)\s*", "", text).removesuffix("前").strip()
    before = parse_duration(span)
    if before is not None:
        return Cutoff(before=before)
    return Cutoff(at=parse_when(text, now, zone))


@dataclass
class _Tokens:
    dates: list[date] = field(default_factory=list)
    ranged: bool = False
    weekdays: set[int] | None = None
    window: re.Match[str] | None = None
    step: timedelta | None = None
    weeks: int | None = None
    weekday_today: bool = False


def parse_times(text: str, now: datetime, zone: ZoneInfo) -> TimeSpec | None:
    """The days and time window a time item names; None when the item is not a time."""
    tokens = _tokenise(_said_times(text), now.astimezone(zone).date())
    if tokens is None or tokens.window is None:
        return None
    window = _window(tokens.window)
    if window is None:
        raise DomainError("volunteering.window_unreadable", text=text[:40])
    start, end, overnight = window
    today = now.astimezone(zone).date()
    days = _days(tokens, today)
    # 周六 named on a Saturday whose hour has gone by is next Saturday, as in when.py.
    if tokens.weekday_today and days == [today] and datetime.combine(today, start, zone) <= now:
        days = [today + timedelta(weeks=1)]
    spec = TimeSpec(
        days=tuple(days),
        start=start,
        end=end,
        overnight=overnight,
        step=tokens.step,
        dated=bool(tokens.dates) or tokens.weekdays is not None or tokens.weeks is not None,
    )
    length = timedelta(minutes=_minutes(end) - _minutes(start) + (24 * 60 if overnight else 0))
    if length <= timedelta():
        raise DomainError("volunteering.ends_before_start")
    if spec.step is not None and not MIN_STEP <= spec.step <= length:
        raise DomainError("volunteering.bad_step", minimum=int(MIN_STEP.total_seconds() // 60))
    if spec.count() > MAX_SLOTS:
        raise DomainError("volunteering.too_many_slots", count=spec.count(), limit=MAX_SLOTS)
    if not days:
        raise DomainError("volunteering.no_days")
    return spec


def _said_times(text: str) -> str:
    """`text` in the form its times are read in: folded, in time words (see `time_words`),
    and bare hours said with 到 or 至, or with a dash after a day or a part of the day, given
    the end's 点 (明天7到9 and 明天 7-9 as 明天7到9点 and 明天 7-9点)."""

    def with_dian(match: re.Match[str]) -> str:
        start, said, end = match.groups()
        hours = numeral_value(start), numeral_value(end)
        if None in hours:
            return match.group(0)
        return f"{hours[0]}{said}{hours[1]}点"

    def after_a_day(match: re.Match[str]) -> str:
        if _DAY_BEFORE.search(match.string, 0, match.start()):
            return with_dian(match)
        return match.group(0)

    return _DASH_WINDOW.sub(after_a_day, _BARE_WINDOW.sub(with_dian, time_words(folded(text))))


def _tokenise(text: str, today: date) -> _Tokens | None:
    tokens = _Tokens()
    position = 0
    while position < len(text):
        if text[position] in " ,，、":
            position += 1
            continue
        for name, pattern in _TOKENS:
            match = pattern.match(text, position)
            if match and match.end() > position:
                _take(tokens, name, match, today)
                position = match.end()
                break
        else:
            return None
    return tokens


def _take(tokens: _Tokens, name: str, match: re.Match[str], today: date) -> None:
    if name == "window":
        if tokens.window is not None:
            raise DomainError("volunteering.two_times")
        tokens.window = match
    elif name == "full_date":
        year, month, day = (int(g) for g in match.groups())
        tokens.dates.append(_date(year, month, day))
    elif name == "month_day":
        groups = match.groups()
        month, day = (int(g) for g in (groups[:2] if groups[0] else groups[2:]))
        tokens.dates.append(
            _month_day(month, day, today, tokens.dates[-1] if tokens.dates else None)
        )
    elif name == "day_word":
        tokens.dates.append(today + timedelta(days=_DAY_WORDS[match.group(1)]))
    elif name in ("weekly", "weekend"):
        tokens.weekdays = _weekdays(match.group(1))
    elif name == "step":
        step = parse_duration(
            match.group(1).replace("半小时", "30分钟").replace("半小時", "30分钟")
        )
        if step is None:
            raise DomainError("volunteering.bad_step", minimum=int(MIN_STEP.total_seconds() // 60))
        tokens.step = step
    elif name == "weeks":
        tokens.weeks = int(match.group(1))
        if not 1 <= tokens.weeks <= MAX_WEEKS:
            raise DomainError("volunteering.bad_weeks", limit=MAX_WEEKS)
    elif name == "one_weekday":
        weekday = _WEEKDAY_CHARS[match.group(2)]
        if match.group(1) == "下":
            tokens.dates.append(today + timedelta(days=7 - today.weekday() + weekday))
        else:
            tokens.dates.append(today + timedelta(days=(weekday - today.weekday()) % 7))
            tokens.weekday_today = match.group(1) is None and weekday == today.weekday()
    elif name == "range":
        if len(tokens.dates) != 1 or tokens.ranged:
            raise DomainError("volunteering.bad_date_range")
        tokens.ranged = True


def _weekdays(text: str) -> set[int]:
    if text in ("周末", "週末", "weekend", "weekends"):
        return {5, 6}
    if text in ("工作日", "weekday", "weekdays"):
        return {0, 1, 2, 3, 4}
    chars = re.sub(rf"{_WEEK}|[、,，和及]", "", text)
    span = re.fullmatch(r"([一二三四五六日天])[至到~-]([一二三四五六日天])", chars)
    if span:
        first, last = _WEEKDAY_CHARS[span.group(1)], _WEEKDAY_CHARS[span.group(2)]
        return {day % 7 for day in range(first, last + (7 if last < first else 0) + 1)}
    if not chars or any(ch not in _WEEKDAY_CHARS for ch in chars):
        raise DomainError("volunteering.bad_weekdays", text=text[:20])
    return {_WEEKDAY_CHARS[ch] for ch in chars}


def _days(tokens: _Tokens, today: date) -> list[date]:
    if len(tokens.dates) > 2 or (len(tokens.dates) == 2 and not tokens.ranged):
        raise DomainError("volunteering.bad_date_range")
    if tokens.ranged and len(tokens.dates) != 2:
        raise DomainError("volunteering.bad_date_range")
    if len(tokens.dates) == 2:
        first, last = tokens.dates
        if tokens.weeks is not None:
            raise DomainError("volunteering.bad_date_range")
    else:
        first = tokens.dates[0] if tokens.dates else today
        if tokens.weekdays is None and tokens.weeks is None:
            return [first]
        last = first + timedelta(weeks=tokens.weeks or DEFAULT_WEEKS, days=-1)
    if last < first:
        raise DomainError("volunteering.range_backwards")
    if (last - first).days >= MAX_DAYS:
        raise DomainError("volunteering.range_too_long", limit=MAX_DAYS)
    every = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if tokens.weekdays is None:
        return every
    return [day for day in every if day.weekday() in tokens.weekdays]


def _window(match: re.Match[str]) -> tuple[time, time, bool] | None:
    groups = match.groups()
    first, next_day, second = groups[:6], groups[6], groups[7:]
    overnight = next_day is not None
    start_period, end_period = first[0] or first[5], second[0] or second[5]
    # 下午2点-4点: an afternoon or evening start carries over to an end without its own.
    carried = start_period if start_period in LATER_PERIODS else None
    start = _clock(first, None)
    end = _clock(second, None if overnight else carried)
    if start is None or end is None:
        return None
    # 9-11am, 7到晚上9点: a part of the day said before the end is the end's; a start without
    # its own takes it too when that puts it first (7到晚上9点 is 19:00-21:00, 10点到下午2点
    # 10:00-14:00).
    if start_period is None and end_period is not None and not overnight:
        taken = _clock(first, end_period)
        if taken is not None and taken < end:
            start = taken
    # An end at midnight (24:00 or 00:00) is the end of the day.
    if end == time(0) and not overnight:
        overnight = True
    return start, end, overnight


def _clock(groups: tuple[str | None, ...], carried: str | None) -> time | None:
    """The time one end of a window says; None when its part of the day leaves the hour unclear."""
    before, hour_text, colon, half, word_minutes, after = groups
    assert hour_text is not None
    hour = hour_of_day(int(hour_text), (before, after) if before or after else (carried,))
    if hour is None:
        return None
    minute = int(colon or word_minutes or (30 if half else 0))
    if hour == 24 and minute == 0:
        return time(0)
    if hour > 23 or minute > 59:
        raise DomainError("volunteering.bad_clock", hour=hour, minute=minute)
    return time(hour, minute)


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("volunteering.bad_date", text=f"{year}-{month}-{day}") from None


def _month_day(month: int, day: int, today: date, start: date | None) -> date:
    """A month and day without a year: the first on or after a rota's start, else this year's."""
    # A single date more than half a year back means next year's (12月 typing 1月5日).
    after = start or today - timedelta(days=183)
    for year in (after.year, after.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= after:
            return found
    raise DomainError("volunteering.bad_date", text=f"{month}-{day}")


def parse_day(text: str, now: datetime, zone: ZoneInfo) -> date | None:
    """One day named alone (明天, 周六, 11月25日, 2026-11-25); None when `text` is not one."""
    today = now.astimezone(zone).date()
    tokens = _tokenise(_said_times(text), today)
    if tokens is None or tokens.window or tokens.weekdays or tokens.step or tokens.ranged:
        return None
    return tokens.dates[0] if len(tokens.dates) == 1 else None
