"""Reading deliberation commands' arguments: numbers, people, places, times."""

from __future__ import annotations

import re
from datetime import datetime

from bot.context import Context
from bot.errors import DomainError
from bot.services.common.when import local_text
from bot.services.deliberation import topics
from handlers.access import community_here
from models import Topic

MAX_ARGUMENT = 1000


NUMBER = re.compile(r"#?(\d{1,6})")


LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")


def bounded(args: str) -> str:
    """The arguments, stripped; too long ones are refused."""
    if len(args) > MAX_ARGUMENT:
        raise DomainError("core.argument_too_long", limit=MAX_ARGUMENT)
    return args.strip()


def numbers_in(args: str, usage: str) -> list[int]:
    """Item numbers (`2`, `#2`, `2 3`), with the usage text when there is another word."""
    words = [w for w in LIST_SEPARATORS.split(bounded(args)) if w]
    found = []
    for word in words:
        match = NUMBER.fullmatch(word)
        if match is None:
            raise DomainError(usage)
        found.append(int(match.group(1)))
    return found


def one_number(args: str, usage: str) -> int:
    """Exactly one item number."""
    numbers = numbers_in(args, usage)
    if len(numbers) != 1:
        raise DomainError(usage)
    return numbers[0]


def number_and_text(args: str, usage: str) -> tuple[int, str]:
    """A leading item number and the text after it."""
    head, _, rest = bounded(args).partition(" ")
    match = NUMBER.fullmatch(head)
    if match is None:
        raise DomainError(usage)
    return int(match.group(1)), rest.strip()


def topic_numbered(ctx: Context, number: int) -> Topic:
    """The community's topic with this number."""
    return topics.find(ctx.session, community_here(ctx), number)


def when_text(ctx: Context, moment: datetime | None) -> str:
    """A moment as the community reads it, or an empty string."""
    return local_text(moment, ctx.zone) if moment else ""
