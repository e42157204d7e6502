"""Community commands: binding groups, registering households, roles, privacy; and chat events."""

from __future__ import annotations

from bot.dispatcher import EventHandler
from bot.messages import EventKind
from bot.routing import Command
from handlers import visibility
from handlers.community import circles, households, privacy

COMMANDS: list[Command] = [
    Command(
        "bind", ("绑定", "綁定"), circles.bind, visibility.bind_visible, "bind", visibility.GROUP
    ),
    Command(
        "bindings",
        ("绑定申请", "綁定申請"),
        circles.bind_requests,
        visibility.binder,
        "bindings",
        visibility.PRIVATE,
    ),
    Command("approvebind", ("批准绑定", "批准綁定"), circles.approve_bind),
    Command("rejectbind", ("拒绝绑定", "拒絕綁定"), circles.reject_bind),
    Command("join", ("登记", "登記"), circles.join, visibility.in_circle, "join", visibility.GROUP),
    Command("move", ("搬迁", "搬遷", "搬家"), circles.move),
    Command("me", ("我的", "我的"), circles.me, help_key="me", menus=visibility.BOTH),
    Command(
        "confirmjoin", ("确认入户", "確認入戶", "同意入户", "同意入戶"), households.confirm_join
    ),
    Command(
        "refusejoin", ("拒绝入户", "拒絕入戶", "不同意入户", "不同意入戶"), households.refuse_join
    ),
    Command("verify", ("核验", "核驗"), households.verify),
    Command("verifyrule", ("户核验", "戶核驗"), households.verify_rule),
    Command(
        "members",
        ("成员", "成員"),
        circles.members,
        visibility.admin_here,
        "members",
        visibility.GROUP,
    ),
    Command(
        "role",
        ("设角色", "設角色"),
        circles.role,
        visibility.role_visible,
        "role",
        visibility.GROUP,
    ),
    Command(
        "mydata",
        ("我的数据", "我的數據", "我的资料", "我的資料"),
        privacy.mydata,
        help_key="mydata",
        menus=visibility.PRIVATE,
    ),
    Command(
        "forget",
        ("注销", "註銷", "注銷"),
        privacy.forget_me,
        help_key="forget",
        menus=visibility.PRIVATE,
    ),
]

EVENTS: dict[EventKind, EventHandler] = {
    EventKind.JOINED: circles.on_joined,
    EventKind.LEFT: circles.on_left,
    EventKind.BOT_ADDED: circles.on_bot_added,
    EventKind.BOT_REMOVED: circles.on_bot_removed,
    EventKind.MIGRATED: circles.on_migrated,
}
SEEN = circles.seen
