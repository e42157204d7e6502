"""Household consent and checks: agreeing to a join, verifying households, the community rule."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Envelope, Reply
from bot.services.common.arguments import as_number, bounded
from bot.services.common.outreach import to_person
from bot.services.community import circles, households
from handlers.community.circles import (
    MAX_ARGUMENT,
    address_typed,
    split_words,
    stranded_pushes,
)
from handlers.offers import Item, Offer, offered

# What 确认入户 alone offers where not exactly one request waits for the sender's answer.
_CONFIRM = Offer(
    "households.join_request",
    "households.join_yes",
    "households.confirm_which",
    "households.none_to_confirm",
    "/confirmjoin",
)
# What 拒绝入户 alone offers: a refusal cannot be undone, so even the one waiting is asked about.
_REFUSE = Offer(
    "households.refuse_this",
    "households.join_no",
    "households.refuse_which",
    "households.none_to_confirm",
    "/refusejoin",
)
ON_WORDS = frozenset({"开", "開", "开启", "開啟", "on"})
OFF_WORDS = frozenset({"关", "關", "关闭", "關閉", "off"})


def confirm_join(ctx: Context, args: str) -> list[Reply | Envelope]:
    """A household member agrees that someone joins it: `确认入户 5`. Privately `确认入户`
    alone agrees to the one request waiting for the sender's answer, or asks which of several."""
    if not ctx.is_group and not args.strip():
        waiting = _waiting(ctx)
        if len(waiting) != 1:
            return [offered(_CONFIRM, waiting, Audience.PRIVATE)]
        return _decide(ctx, waiting[0].number, agree=True)
    return _decide(ctx, _number(args), agree=True)


def refuse_join(ctx: Context, args: str) -> list[Reply | Envelope]:
    """A household member refuses a join request: `拒绝入户 5`. Privately `拒绝入户` alone
    asks whether to refuse the one request waiting for the sender's answer, or which of several."""
    if not ctx.is_group and not args.strip():
        return [offered(_REFUSE, _waiting(ctx), Audience.PRIVATE)]
    return _decide(ctx, _number(args), agree=False)


def _waiting(ctx: Context) -> list[Item]:
    """The join requests waiting for the sender's answer, as a command typed alone offers them."""
    return [
        Item(
            a.number,
            f"#{a.number} {a.name}",
            {"name": a.name, "household": a.household, "number": a.number},
        )
        for a in households.waiting_for(ctx.session, ctx.resident, ctx.always_open)
    ]


def _number(args: str) -> int:
    """The join request's number typed after the command."""
    words = split_words(args, 1)
    number = as_number(words[0]) if words else None
    if number is None:
        raise DomainError("households.confirm_usage")
    return number


def _decide(ctx: Context, number: int, *, agree: bool) -> list[Reply | Envelope]:
    decided = circles.decide_join(
        ctx.session, ctx.now, ctx.resident, number, agree, ctx.always_open
    )
    data = {"name": decided.name, "household": decided.household}
    # Typed in a group, the answer names a person and a home: it goes to the one who decided.
    answer = "households.join_agreed" if agree else "households.join_refused"
    told = Reply(answer, data, audience=Audience.PRIVATE)
    notice = Reply("households.agreed_notice" if agree else "households.refused_notice", data)
    return [
        told,
        *to_person(decided.resident, notice, ctx.default_language),
        *stranded_pushes(decided.stranded, ctx.default_language),
    ]


def verify(ctx: Context, args: str) -> Reply:
    """A building head, unit head or grid worker verifies a household: `核验 3-2-301`; in
    private, `核验 1号院 3-2-301` where they check households in several estates."""
    if not ctx.is_group:
        typed = bounded(args, MAX_ARGUMENT).strip()
        if not typed:
            raise DomainError("households.verify_usage")
        household = households.verify_privately(ctx.session, ctx.now, ctx.resident, typed)
        return Reply("households.verified", {"household": household})
    circle = ctx.require_circle()
    address = address_typed(args, "households.verify_usage")
    household = households.verify(ctx.session, ctx.now, ctx.resident, circle, address)
    return Reply("households.verified", {"household": household})


def verify_rule(ctx: Context, args: str) -> Reply:
    """A secretary switches household verification: `户核验 开` / `户核验 关`."""
    circle = ctx.require_circle()
    words = [w.lower() for w in split_words(args, 1)]
    if words and words[0] not in ON_WORDS | OFF_WORDS:
        raise DomainError("households.rule_usage")
    on = words[0] in ON_WORDS if words else None
    rule = households.verify_rule(ctx.session, ctx.now, ctx.resident, circle, on)
    return Reply(
        "households.rule",
        {
            "community": rule.community,
            "on": rule.on,
            "waiting": rule.waiting,
            "changed": rule.changed,
        },
    )
