"""Who sees a command in /help and the menus, and in which chats it is offered."""

from __future__ import annotations

from bot.context import Context
from bot.services.community import roles
from models import Role

PRIVATE = ("private",)
GROUP = ("group",)
BOTH = ("private", "group")


def hidden_unless_private(ctx: Context) -> bool:
    """Visible in private chats only."""
    return not ctx.is_group


def in_circle(ctx: Context) -> bool:
    """Visible in a bound circle's chat."""
    return ctx.circle is not None


def admin_here(ctx: Context) -> bool:
    """True for admins of this chat's circle."""
    circle = ctx.circle
    return circle is not None and roles.is_circle_admin(
        ctx.session, ctx.resident.id, circle, ctx.platform_admin
    )


def secretary_here(ctx: Context) -> bool:
    """True for a secretary of this circle's community."""
    circle = ctx.circle
    return circle is not None and roles.is_secretary_for(ctx.session, ctx.resident.id, circle.place)


def binder(ctx: Context) -> bool:
    """Secretaries and grid workers, who bind groups and decide binding requests."""
    grants = roles.active_grants(ctx.session, ctx.resident.id)
    return any(g.role in (Role.SECRETARY, Role.GRID_WORKER) for g in grants)


def bind_visible(ctx: Context) -> bool:
    """In a group: its platform admins (who may ask) and binders."""
    return ctx.is_group and (ctx.incoming.is_platform_admin or binder(ctx))


def role_visible(ctx: Context) -> bool:
    """In a circle: its admins and binders."""
    return ctx.circle is not None and (admin_here(ctx) or bind_visible(ctx))
