"""The guided /poll: started by `/poll` alone, then fed each plain message of the sender."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Envelope, Reply
from bot.services.common.quiet import default_quiet
from bot.services.deliberation import guided, polls
from handlers.deliberation import polls as poll_commands
from handlers.deliberation.parsing import where


def poll(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`/poll question | A | B | settings…` opens a poll; `/poll` alone starts the guided dialog."""
    if args.strip():
        return poll_commands.poll(ctx, args)
    ctx.require_circle()
    polls.start_guided(ctx.session, where(ctx), ctx.incoming, guided.KIND)
    return [Reply("dialogs.ask_question")]


def answer(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """Take the sender's plain text as the next answer of their open dialog, if any."""
    done = guided.answer(
        ctx.session,
        ctx.now,
        ctx.zone,
        ctx.incoming,
        text,
        where(ctx) if ctx.identity is not None else None,
        ctx.settings.deliberation,
        default_quiet(ctx.settings),
    )
    if done is None:
        return None
    if done.posted is not None:
        return poll_commands.posted_replies(done.posted)
    return [Reply(done.key, done.data)]
