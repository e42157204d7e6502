"""Reading deliberation commands' arguments: numbers, people, places, times."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from bot.context import Context
from bot.errors import DomainError
from bot.services.common import arguments
from bot.services.common.arguments import numbers_in
from bot.services.common.when import local_text
from bot.services.deliberation import topics
from handlers.access import community_here
from models import Topic

MAX_ARGUMENT = 1000

bounded = partial(arguments.bounded, limit=MAX_ARGUMENT)


def one_number(args: str, usage: str) -> int:
    """Exactly one item number."""
    numbers = numbers_in(bounded(args), usage)
    if len(numbers) != 1:
        raise DomainError(usage)
    return numbers[0]


def topic_numbered(ctx: Context, number: int) -> Topic:
    """The community's topic with this number."""
    return topics.find(ctx.session, community_here(ctx), number)


def when_text(ctx: Context, moment: datetime | None) -> str:
    """A moment as the community reads it, or an empty string."""
    return local_text(moment, ctx.zone) if moment else ""
