"""Reading deliberation commands' arguments, and where a command came from."""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial

from bot.context import Context
from bot.errors import DomainError
from bot.services.common import arguments
from bot.services.common.arguments import numbers_or_none, words_apart
from bot.services.common.keywords import all_digits, normalise
from bot.services.common.when import moment_data
from bot.services.deliberation.where import Where
from handlers.access import actor_of

MAX_ARGUMENT = 1000

bounded = partial(arguments.bounded, limit=MAX_ARGUMENT)


# The name of what a number numbers, typed with it as the usage reads: 议题1, 1号议题, 投票 1.
_NAMED = re.compile(
    r"^(?:议题|議題|投票|topic|poll)\s*|(?<=\S)\s*(?:议题|議題|投票)$", re.IGNORECASE
)

# A number, though maybe no item number: 1.5, 一点五, 二点, 第一点五, 12点5号.
_NUMBER_SAID = re.compile(r"#?第?\d+(?:[.点點]\d*)?(?:号|號|个|個)?")


def _numbers(args: str, usage: str) -> list[int]:
    """The item numbers typed, with or without the name of what they number."""
    found = numbers_typed(args)
    if found is None:
        raise DomainError(usage)
    return found


def numbers_typed(args: str) -> list[int] | None:
    """The item numbers typed, with or without the name of what they number; None when some
    word is no item number."""
    typed = bounded(args)
    named = _NAMED.sub("", typed)
    found = numbers_or_none(named) if named else None
    return found if found is not None else numbers_or_none(typed)


def numbers_said(args: str) -> bool:
    """Whether every word typed is a number, in digits or Chinese numerals, maybe with a
    decimal point (1.5, 一点五), though it numbers no item."""
    words = words_apart(normalise(args))
    return bool(words) and all(_NUMBER_SAID.fullmatch(all_digits(word)) for word in words)


def one_number(args: str, usage: str) -> int:
    """Exactly one item number."""
    numbers = _numbers(args, usage)
    if len(numbers) != 1:
        raise DomainError(usage)
    return numbers[0]


def at_most_one_number(args: str, usage: str) -> int | None:
    """One item number, or none."""
    numbers = _numbers(args, usage)
    if len(numbers) > 1:
        raise DomainError(usage)
    return numbers[0] if numbers else None


def where(ctx: Context) -> Where:
    """The sender, their circle, the time, and the language of messages sent elsewhere."""
    return Where(actor_of(ctx), ctx.now, ctx.zone, ctx.default_language)


def when_shown(ctx: Context, moment: datetime | None) -> list[int | str] | None:
    """A moment as templates show it in the community's zone (`when.at`), or None."""
    return moment_data(moment, ctx.zone, ctx.now) if moment else None
