"""The guided /poll: started by `/poll` alone, then fed each plain message of the sender."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Envelope, Reply
from bot.routing import Route
from bot.services.common.arguments import split_items
from bot.services.common.quiet import default_quiet
from bot.services.deliberation import guided, polls
from bot.services.deliberation.poll_spec import topic_alone
from handlers.deliberation import polls as poll_commands
from handlers.deliberation import topics as topic_commands
from handlers.deliberation.parsing import where
from handlers.dialogs import claimed


def poll(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`/poll question | A | B | settings…` opens a poll; `/poll` alone starts the guided dialog
    (while it asks for its question, `发起投票：要不要装充电桩` is that question: see question),
    and `/poll 议题 3` starts it on topic 3, asking for the options."""
    topic = topic_alone(args, ctx.now, ctx.zone)
    if args.strip() and topic is None:
        return poll_commands.poll(ctx, args)
    ctx.require_circle()
    if topic is not None:
        started = guided.start_on_topic(ctx.session, where(ctx), ctx.incoming, *topic)
        return [Reply(started.key, started.data)]
    polls.start_guided(ctx.session, where(ctx), ctx.incoming, guided.KIND)
    return [Reply("dialogs.ask_question")]


def topics(ctx: Context, args: str) -> Reply | list[Reply | Envelope]:
    """`议题 [3]`; while the guided poll asks for its question, `议题 3` starts it on topic 3
    as `发起投票 议题 3` does, and while it asks for its settings, is one of them."""
    answered = setting(ctx, args)
    if answered is None and topic_alone(ctx.incoming.text, ctx.now, ctx.zone):
        answered = _claimed(ctx, "question", ctx.incoming.text)
    return answered if answered is not None else topic_commands.list_topics(ctx, args)


def setting(ctx: Context, args: str) -> list[Reply | Envelope] | None:
    """A setting that begins with a command's keyword (`议题 3`, `开始 明天`) typed to the
    sender's guided poll asking for its settings, answered; else None."""
    return _claimed(ctx, "settings", ctx.incoming.text) if args.strip() else None


def question(ctx: Context, route: Route) -> list[Reply | Envelope] | None:
    """The sender's words as the question their guided poll asks for, though a command's
    keyword begins them (`报名：周六打扫楼道，大家来吗？`); after 投票 or 发起投票 only what
    follows (`投票：要不要装充电桩`); else None."""
    name = route.command.name
    # A question alone is no one-line poll: that needs options; a topic alone starts afresh.
    if name == "poll" and (
        len(split_items(route.args)) > 1 or topic_alone(route.args, ctx.now, ctx.zone)
    ):
        return None
    return _claimed(ctx, "question", route.args if name in ("poll", "vote") else ctx.incoming.text)


def _claimed(ctx: Context, step: str, text: str) -> list[Reply | Envelope] | None:
    return claimed(ctx, guided.KIND, step, lambda _: answer(ctx, text))


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
