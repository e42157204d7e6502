"""Who may do what here, seen from a handler: the actor, their community, /help and the menus."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Envelope, Reply, Target
from bot.services.common import access
from bot.services.common.access import Actor
from models import Place

PRIVATE = ("private",)
GROUP = ("group",)
BOTH = ("private", "group")


def actor_of(ctx: Context) -> Actor:
    """The sender, the circle they speak in and whether the platform made them admin."""
    return Actor(ctx.resident, ctx.circle, ctx.platform_admin)


def community_here(ctx: Context) -> Place:
    """The community a command acts in."""
    return access.community_for(ctx.session, ctx.resident, ctx.circle)


def holds_here(ctx: Context, role: Callable[[Session, int, Place], bool]) -> bool:
    """Whether `role` holds for the sender in the community here; never where there is none."""
    try:
        community = community_here(ctx)
    except DomainError:
        return False
    return role(ctx.session, ctx.resident.id, community)


def hidden_unless_private(ctx: Context) -> bool:
    """Visible in private chats only."""
    return not ctx.is_group


def in_circle(ctx: Context) -> bool:
    """Visible in a bound circle's chat."""
    return ctx.circle is not None


def shows_join(ctx: Context) -> bool:
    """Visible in a group whose circle takes registrations, and privately to those not yet
    registered who may register through one."""
    if ctx.is_group:
        return ctx.circle is not None and access.takes_registrations(ctx.circle)
    resident = ctx.resident
    return resident.household_id is None and access.registers_privately(ctx.session, resident.id)


def admin_here(ctx: Context) -> bool:
    """True for admins of this chat's circle."""
    return access.admin_here(ctx.session, actor_of(ctx))


def sees_rosters(ctx: Context) -> bool:
    """In a group, admins of its circle; in private, those who admin a circle somewhere."""
    if ctx.is_group:
        return admin_here(ctx)
    return bool(access.administered_circles(ctx.session, ctx.resident.id))


def organiser_here(ctx: Context) -> bool:
    """True for those who arrange shifts and polls in this circle: its admins, and the heads
    of its building or unit."""
    return access.organiser_here(ctx.session, actor_of(ctx))


def secretary_here(ctx: Context) -> bool:
    """True for a secretary of this circle's community."""
    return access.secretary_here(ctx.session, actor_of(ctx))


def oversees_hours(ctx: Context) -> bool:
    """In a private chat, secretaries and grid workers, who see their communities' hours."""
    return not ctx.is_group and bool(access.overseen_communities(ctx.session, ctx.resident.id))


def binder(ctx: Context) -> bool:
    """Secretaries and grid workers, who bind groups and decide binding requests."""
    return access.binds_somewhere(ctx.session, ctx.resident.id)


def bind_visible(ctx: Context) -> bool:
    """In a group: those who may bind it, move it, or ask to bind it."""
    return ctx.is_group and access.may_use_bind(
        ctx.session, actor_of(ctx), ctx.incoming.is_platform_admin
    )


def to_sender(ctx: Context, question: Reply) -> Reply | Envelope:
    """A question for the sender alone, asked where they asked: in the language they chose,
    though in a group, where it must be answered; in the group's if they chose none (a
    newcomer reads the group they are in)."""
    if not ctx.is_group:
        return question
    chat = ctx.incoming.chat
    here = Target(chat.platform, chat.chat_id, chat.kind)
    return Envelope(here, question, ctx.chosen_language() or ctx.chat_language())
