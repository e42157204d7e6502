"""The one explicit list of commands and event handlers."""

from __future__ import annotations

from bot.context import Context
from bot.dispatcher import EventHandler
from bot.messages import EventKind
from bot.routing import Command
from bot.services import roles
from handlers import circles, core, privacy
from models import Role


def _bind_visible(ctx: Context) -> bool:
    if not ctx.is_group:
        return False
    if ctx.incoming.is_platform_admin:
        return True
    grants = roles.active_grants(ctx.session, ctx.resident.id)
    return any(g.role == Role.SECRETARY for g in grants)


def _in_circle(ctx: Context) -> bool:
    return ctx.circle is not None


def _role_visible(ctx: Context) -> bool:
    return ctx.circle is not None and (core.admin_here(ctx) or _bind_visible(ctx))


COMMANDS: list[Command] = [
    Command("start", ("开始", "開始"), core.start, core.hidden_unless_private, "start"),
    Command("help", ("帮助", "幫助"), core.help_, help_key="help"),
    Command("lang", ("语言", "語言"), core.lang, help_key="lang"),
    Command("bind", ("绑定", "綁定"), circles.bind, _bind_visible, "bind"),
    Command("join", ("登记", "登記"), circles.join, _in_circle, "join"),
    Command("move", ("搬迁", "搬遷", "搬家"), circles.move),
    Command("me", ("我的", "我的"), circles.me, help_key="me"),
    Command("members", ("成员", "成員"), circles.members, core.admin_here, "members"),
    Command("role", ("设角色", "設角色"), circles.role, _role_visible, "role"),
    Command(
        "mydata",
        ("我的数据", "我的數據", "我的资料", "我的資料"),
        privacy.mydata,
        help_key="mydata",
    ),
    Command("forget", ("注销", "註銷", "注銷"), privacy.forget_me, help_key="forget"),
]

EVENTS: dict[EventKind, EventHandler] = {
    EventKind.JOINED: circles.on_joined,
    EventKind.LEFT: circles.on_left,
    EventKind.BOT_ADDED: circles.on_bot_added,
    EventKind.BOT_REMOVED: circles.on_bot_removed,
    EventKind.MIGRATED: circles.on_migrated,
}

SEEN = circles.seen
