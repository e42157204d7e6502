"""The points shop: the catalogue, redemptions, and their handover or rejection."""

from __future__ import annotations

from dataclasses import asdict

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Envelope, Reply
from bot.services.common.arguments import bounded, number_and_rest, words_in
from bot.services.common.outreach import to_person
from bot.services.common.when import moment_data
from bot.services.points import shop
from handlers.access import community_here
from handlers.offers import Item, Offer, offered

MAX_ARGUMENT = 200
# What 取消兑换 and 发放 alone offer: the member's own redemptions waiting, and all waiting.
_CANCEL = Offer(
    "points.cancel_this",
    "points.cancel_yes",
    "points.cancel_which",
    "points.none_to_cancel",
    "/cancelredeem",
)
_HANDOVER = Offer(
    "points.handover_this",
    "points.handover_yes",
    "points.handover_which",
    "points.none_to_handover",
    "/handover",
)


def item_data(item: shop.ItemLine) -> dict[str, object]:
    return {
        "number": item.number,
        "name": item.name,
        "cost": item.cost,
        "left": item.left,
        "code": item.code,
        "title": item.title,
    }


def redemption_data(ctx: Context, row: shop.RedemptionLine) -> dict[str, object]:
    local = row.at.astimezone(ctx.zone)
    return {
        "number": row.number,
        "item": row.item,
        "cost": row.cost,
        "name": row.name,
        "status": row.status,
        "date": [local.month, local.day],
        "when": moment_data(row.at, ctx.zone, ctx.now),
        "limited": row.limited,
        "reason": row.reason,
    }


def rewards(ctx: Context, args: str) -> Reply:
    """What points buy here (兑换目录)."""
    words_in(args, 0, MAX_ARGUMENT)
    items = shop.catalogue(ctx.session, ctx.now, community_here(ctx))
    return Reply("points.catalogue", {"items": [item_data(i) for i in items]})


def stock(ctx: Context, args: str) -> Reply:
    """`上架 大米 100分 10件` adds an item; `上架 1 120分 20件` changes item 1."""
    text = bounded(args, MAX_ARGUMENT)
    if not text:
        raise DomainError("points.item_usage")
    item, added = shop.stock_item(ctx.session, ctx.now, ctx.resident, community_here(ctx), text)
    return Reply("points.item_stocked", {"item": item_data(item), "added": added})


def unstock(ctx: Context, args: str) -> Reply:
    """`下架 1` takes item 1 off the catalogue."""
    number, rest = number_and_rest(bounded(args, MAX_ARGUMENT), "points.unstock_usage")
    if rest:
        raise DomainError("points.unstock_usage")
    item = shop.remove_item(ctx.session, ctx.now, ctx.resident, community_here(ctx), number)
    return Reply("points.item_removed", {"item": item_data(item)})


def redeem(ctx: Context, args: str) -> Reply:
    """`兑换 1` or `兑换 大米` (`一袋大米` too): ask for one of item 1; its points are held until a
    points admin hands it over. `兑换` alone shows what there is to ask for."""
    if not args.strip():
        return rewards(ctx, args)
    text = bounded(args, MAX_ARGUMENT)
    community = community_here(ctx)
    wanted: int | str
    try:
        wanted, rest = number_and_rest(text, "points.redeem_usage")
    except DomainError:
        wanted, rest = text, ""
    count = shop.quantity(rest) if rest else 1
    if count is None:
        raise DomainError("points.redeem_usage")
    row = shop.redeem(ctx.session, ctx.now, ctx.resident, community, wanted, count)
    if isinstance(row, shop.Shortfall):
        # A member's balance is private, as `积分` is: the shortfall is told to them alone.
        return Reply("points.too_few_points", asdict(row), audience=Audience.PRIVATE)
    if isinstance(row, shop.AlreadyAsked):
        data = {"redemption": redemption_data(ctx, row.redemption)}
        return Reply("points.already_asked", data, audience=Audience.PRIVATE)
    return Reply(
        "points.redeemed", {"redemption": redemption_data(ctx, row)}, audience=Audience.PRIVATE
    )


def cancel(ctx: Context, args: str) -> Reply:
    """`取消兑换 4`: the member takes back their redemption 4 still waiting; its points are free.
    `取消兑换` alone offers their redemptions still waiting."""
    if not args.strip():
        waiting = shop.to_cancel(ctx.session, ctx.resident, community_here(ctx))
        return _offered(ctx, waiting, _CANCEL)
    number, rest = number_and_rest(bounded(args, MAX_ARGUMENT), "points.cancel_usage")
    if rest:
        raise DomainError("points.cancel_usage")
    cancelled = shop.cancel(ctx.session, ctx.now, ctx.resident, community_here(ctx), number)
    data = {"redemption": redemption_data(ctx, cancelled.redemption), "balance": cancelled.balance}
    return Reply("points.cancelled", data, audience=Audience.PRIVATE)


def redemptions(ctx: Context, args: str) -> Reply:
    """兑换单: pending redemptions for a points admin; anyone else's own, as `我的兑换`."""
    words_in(args, 0, MAX_ARGUMENT)
    return _listed(ctx, shop.listed(ctx.session, ctx.resident, community_here(ctx)))


def mine(ctx: Context, args: str) -> Reply:
    """My own redemptions and whether they were handed over, newest first, privately."""
    words_in(args, 0, MAX_ARGUMENT)
    return _listed(ctx, shop.own(ctx.session, ctx.resident))


def _listed(ctx: Context, listed: shop.Listed) -> Reply:
    shown = [redemption_data(ctx, r) for r in listed.lines]
    if listed.own:
        data: dict[str, object] = {"redemptions": shown, "more": listed.more}
        return Reply("points.my_redemptions", data, audience=Audience.PRIVATE)
    return Reply("points.redemptions", {"redemptions": shown}, audience=Audience.PRIVATE)


def _offered(
    ctx: Context, waiting: list[shop.RedemptionLine], offer: Offer, whose: bool = False
) -> Reply:
    """The one redemption waiting asked about, several to pick, or none, privately; `whose`
    names the member on each choice."""
    items = [
        Item(
            row.number,
            f"#{row.number} {row.name} {row.item}" if whose else f"#{row.number} {row.item}",
            {"redemption": redemption_data(ctx, row)},
        )
        for row in waiting
    ]
    return offered(offer, items, Audience.PRIVATE)


def _told(ctx: Context, decided: shop.Decided, answer: str, notice: str) -> list[Reply | Envelope]:
    """The admin's confirmation (privately) and the member's private notice."""
    data = {
        "redemption": redemption_data(ctx, decided.redemption),
        "balance": decided.balance,
        "reason": decided.reason,
    }
    told: list[Reply | Envelope] = [Reply(answer, data, audience=Audience.PRIVATE)]
    if decided.member is not None:
        told += to_person(decided.member, Reply(notice, data), ctx.default_language)
    return told


def handover(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`发放 4`: redemption 4 was handed over; points and stock go down together. `发放`
    alone offers the redemptions waiting."""
    if not args.strip():
        waiting = shop.to_hand_over(ctx.session, ctx.resident, community_here(ctx))
        return [_offered(ctx, waiting, _HANDOVER, whose=True)]
    number, rest = number_and_rest(bounded(args, MAX_ARGUMENT), "points.decide_usage")
    if rest:
        raise DomainError("points.decide_usage")
    decided = shop.hand_over(ctx.session, ctx.now, ctx.resident, community_here(ctx), number)
    return _told(ctx, decided, "points.handed_over", "points.told_handed_over")


def reject(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`拒绝兑换 4 理由`: redemption 4 is turned down; its points are free again."""
    number, why = number_and_rest(bounded(args, MAX_ARGUMENT), "points.decide_usage")
    decided = shop.reject(ctx.session, ctx.now, ctx.resident, community_here(ctx), number, why)
    return _told(ctx, decided, "points.rejected", "points.told_rejected")
