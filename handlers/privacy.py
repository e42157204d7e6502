"""What is stored about me: export and erase."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Reply
from bot.services.people import forget, stored_data

CONFIRM_WORDS = frozenset({"确认", "確認", "confirm"})


def mydata(ctx: Context, args: str) -> Reply:
    """Everything stored about me, answered privately."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    data = stored_data(ctx.session, ctx.resident)
    zone = ctx.zone
    return Reply(
        "privacy.mydata",
        {
            "name": data.name,
            "accounts": data.accounts,
            "household": data.household,
            "consent": data.consent_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if data.consent_at
            else "",
            "roles": data.roles,
            "circles": data.circles,
        },
        audience=Audience.PRIVATE,
    )


def forget_me(ctx: Context, args: str) -> Reply:
    """Erase what is stored about me, after a confirmation."""
    word = args.strip().lower()
    if not word:
        return Reply(
            "privacy.confirm_forget",
            choices=[
                [Choice("privacy.forget_yes", "/forget 确认", translated=True, personal=True)]
            ],
            audience=Audience.PRIVATE,
        )
    if word not in CONFIRM_WORDS:
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    forget(ctx.session, ctx.now, ctx.resident)
    ctx.identity = None
    return Reply("privacy.forgotten", audience=Audience.PRIVATE)
