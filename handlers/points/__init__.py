"""Points commands (积分): balances privately, awards, recycling records, rules and duties."""

from __future__ import annotations

from bot.context import Context
from bot.routing import Command
from bot.services.common.access import is_points_admin, records_recycling
from handlers import access
from handlers.points import commands


def _points_admin(ctx: Context) -> bool:
    """Visible to the secretaries and points admins of the chat's community."""
    return ctx.circle is not None and is_points_admin(
        ctx.session, ctx.resident.id, access.community_here(ctx)
    )


def _bin_duty(ctx: Context) -> bool:
    """Visible to those who record recycling in the chat's community."""
    return ctx.circle is not None and records_recycling(
        ctx.session, ctx.resident.id, access.community_here(ctx)
    )


COMMANDS: list[Command] = [
    Command(
        "points",
        ("积分", "積分", "我的积分", "我的積分"),
        commands.show,
        help_key="points",
        menus=access.BOTH,
    ),
    Command("award", ("加分", "加分"), commands.award, _points_admin, "award", access.GROUP),
    Command("recycle", ("回收", "回收"), commands.recycle, _bin_duty, "recycle", access.GROUP),
    Command(
        "pointrules",
        ("积分规则", "積分規則"),
        commands.rules,
        _points_admin,
        "pointrules",
        access.GROUP,
    ),
    Command(
        "pointduty",
        ("积分授权", "積分授權"),
        commands.duty,
        _points_admin,
        "pointduty",
        access.GROUP,
    ),
]
