"""Answers about a poll or topic typed in a group whose circle does not see it."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Reply


def told(ctx: Context, reply: Reply, here: bool) -> list[Reply]:
    """`reply` where it was typed if this chat sees its poll or topic; else for the sender
    alone, the group seeing only that it is recorded."""
    if here:
        return [reply]
    reply.audience = Audience.PRIVATE
    line = {"name": ctx.resident.display_name, "sent": ctx.reaches_privately}
    return [Reply("deliberation.recorded_here", line), reply]


def refused(ctx: Context, refusal: DomainError) -> Reply:
    """A refusal about a poll this chat does not see, for the sender alone."""
    # It changed nothing: once their private chat is open, they may send it again.
    ctx.reading = True
    return Reply(refusal.key, refusal.data, audience=Audience.PRIVATE)
