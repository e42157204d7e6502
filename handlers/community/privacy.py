"""What is stored about me: export and erase."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, ChatKind, Choice, Envelope, Reply, Target
from bot.services.common.keywords import CONFIRMING
from bot.services.common.when import moment_data
from bot.services.community import privacy
from handlers.community.circles import stranded_pushes
from handlers.points.commands import entry_data
from handlers.volunteering.common import duty


def mydata(ctx: Context, args: str) -> Reply:
    """Everything stored about me, answered privately."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    data = privacy.stored_data(ctx.session, ctx.resident)
    zone = ctx.zone
    return Reply(
        "privacy.mydata",
        {
            "name": data.name,
            "accounts": data.accounts,
            "household": data.household,
            "asked": data.asked,
            "emptied": data.emptied,
            "consent": moment_data(data.consent_at, zone, ctx.now) if data.consent_at else None,
            "roles": data.roles,
            "circles": data.circles,
            "signups": [
                (s.number, s.project, moment_data(s.starts_at, zone, ctx.now), s.status)
                for s in data.signups
            ],
            "minutes": data.minutes,
            "votes": data.votes,
            "topics": data.topics,
            "seconded": data.seconded,
            "points": [entry_data(ctx, e) for e in data.points],
            "requests": data.requests,
            "mediations": data.mediations,
        },
        audience=Audience.PRIVATE,
    )


def forget_me(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Erase what is stored about me, after a confirmation; my duty places go to the waitlists."""
    word = args.strip().lower()
    if not word:
        return [
            Reply(
                "privacy.confirm_forget",
                choices=[
                    [Choice("privacy.forget_yes", "/forget 确认", translated=True, personal=True)]
                ],
                audience=Audience.PRIVATE,
            )
        ]
    if word not in CONFIRMING:
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    answer = _goodbye(ctx)
    erased = privacy.erase(ctx.session, duty(ctx), ctx.settings, ctx.resident, ctx.always_open)
    ctx.identity = None
    return [answer, *erased.notices, *stranded_pushes(erased.stranded, ctx.default_language)]


def _goodbye(ctx: Context) -> Envelope:
    """The confirmation, addressed while the person is still known: in private, unless
    asked in a group of a platform where they never opened a private chat with the bot."""
    incoming = ctx.incoming
    here = Target(incoming.chat.platform, incoming.chat.chat_id, incoming.chat.kind)
    identity = ctx.identity
    # A platform that gives a link to open a private chat needs it opened first.
    opened = identity is not None and (identity.private_chat_open or not incoming.private_link)
    if ctx.is_group and identity is not None and opened:
        here = Target(incoming.chat.platform, identity.external_id, ChatKind.PRIVATE)
    reply = Reply("privacy.forgotten")
    return Envelope(here, reply, ctx.personal_language(), chat_open=True)
