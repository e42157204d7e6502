"""What the duty commands share: reading numbers and people, and the duty a command acts in."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import partial

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Reply
from bot.services.common import arguments
from bot.services.common.arguments import number_and_rest, numbers_and_ranges
from bot.services.common.keywords import folded, with_digits
from bot.services.common.quiet import default_quiet
from bot.services.common.when import parse_duration
from bot.services.volunteering.notices import Duty
from bot.services.volunteering.shifts import MAX_NUMBERS, Who
from bot.services.volunteering.signups import Refused

MAX_ARGUMENT = 500
SHIFT_WORDS = frozenset({"班次", "shift"})
_HOUR = r"(?:个|個)?\s*(?:小时|小時|钟头|鐘頭|h|hr|hrs|hour|hours)"
_MINUTE = r"(?:分钟|分鐘|分|m|min|mins|minute|minutes)"
# 1.5小时, 90分钟 and 1个半小时; lengths in parts (1小时30分) are read as spans.
_ONE_UNIT = re.compile(rf"^(\d{{1,4}})(?:\.(\d{{1,3}}))?\s*(?:({_HOUR})|{_MINUTE})$")
_AND_A_HALF = re.compile(rf"^(\d{{1,3}})?\s*(?:个|個)?\s*半\s*{_HOUR}$")

bounded = partial(arguments.bounded, limit=MAX_ARGUMENT)


def shift_numbers(text: str, usage: str, limit: int = MAX_NUMBERS) -> list[int]:
    """Shift numbers and ranges (`12 13`, `12-20`), each once, at most `limit` of them."""
    return numbers_and_ranges(text, usage, limit, too_many="volunteering.too_many_numbers")


def duty(ctx: Context) -> Duty:
    """The duty a command acts in: now, the zone, the duty settings, how messages go."""
    return Duty(
        now=ctx.now,
        zone=ctx.zone,
        settings=ctx.settings.volunteering,
        language=ctx.default_language,
        repost_after=timedelta(seconds=ctx.settings.volunteering.roster_repost_seconds),
        quiet=default_quiet(ctx.settings),
    )


def shift_and_person(ctx: Context, args: str, usage: str) -> tuple[int, Who | None]:
    """A shift number and maybe someone on it: `12`, `12 2`, `12 @张三`, or a mention."""
    number, rest = number_and_rest(bounded(args), usage)
    mention = ctx.incoming.mentions[0] if ctx.incoming.mentions else None
    return number, Who(rest, mention) if rest or mention else None


def shift_and_people(ctx: Context, args: str, usage: str) -> tuple[int, list[Who]]:
    """A shift number and whoever it names on it: `12` (no one), mentions, or what was typed
    (`12 2 3`, `12 @张三 @李四`, `12 张三、李四`) for the service to part."""
    number, rest = number_and_rest(bounded(args), usage)
    if ctx.incoming.mentions:
        return number, [Who(mention=mention) for mention in ctx.incoming.mentions]
    return number, [Who(rest)] if rest.strip() else []


def shift_and_someone(ctx: Context, args: str, usage: str) -> tuple[int, Who]:
    """A shift number and someone on it, who must be named."""
    number, who = shift_and_person(ctx, args, usage)
    if who is None:
        raise DomainError(usage)
    return number, who


def length_typed(text: str) -> int | None:
    """Minutes of a length as typed (`1.5小时`, `2小时`, `90分钟`, `1小时30分`, `1.5h`,
    `一个半小时`), rounded to the minute; None if `text` is not one."""
    cleaned = with_digits(folded(text))
    half = _AND_A_HALF.match(cleaned)
    if half:
        return int(half.group(1) or 0) * 60 + 30
    one = _ONE_UNIT.match(cleaned)
    if one:
        amount = Decimal(f"{one.group(1)}.{one.group(2) or 0}")
        return round(amount * (60 if one.group(3) else 1))
    try:
        span = parse_duration(cleaned)
    except DomainError:
        return None
    return int(span.total_seconds() // 60) if span is not None else None


def refusal(outcome: Refused) -> Reply:
    """A shift of a several-shift command that could not be done, with the reason."""
    return Reply(outcome.key, outcome.data)
