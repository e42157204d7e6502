"""Community commands: binding groups, registering households, roles, privacy; and chat events."""

from __future__ import annotations

from bot.dispatcher import EventHandler
from bot.messages import EventKind
from bot.routing import Command
from handlers import access
from handlers.community import circles, households, privacy

COMMANDS: list[Command] = [
    Command(
        "bind",
        ("绑定", "綁定"),
        circles.bind,
        access.bind_visible,
        "circles",
        access.GROUP,
        anywhere=True,
    ),
    Command(
        "bindings",
        ("绑定申请", "綁定申請", "待审批", "待審批"),
        circles.bind_requests,
        access.binder,
        "circles",
        access.PRIVATE,
        reads=True,
    ),
    Command("approvebind", ("批准绑定", "批准綁定"), circles.approve_bind),
    Command("rejectbind", ("拒绝绑定", "拒絕綁定"), circles.reject_bind),
    Command(
        "join",
        ("登记", "登記"),
        circles.join,
        access.shows_join,
        "circles",
        access.GROUP,
        anywhere=True,
        asking=circles.JOINED_SAID,
        synonyms=("register",),
        unseen_help=circles.registering,
    ),
    Command(
        "move",
        ("搬迁", "搬遷", "搬家"),
        circles.move,
        anywhere=True,
        asking=circles.MOVED_SAID,
        unseen_help=circles.registering,
    ),
    Command(
        "me",
        ("我的", "我的", "我的信息", "我的資訊"),
        circles.me,
        phrases=(
            "我住哪",
            "我住哪",
            "我住哪里",
            "我住哪裡",
            "我住哪儿",
            "我住哪兒",
            "我的住址",
            "我的住址",
            "我的地址",
            "我的地址",
            "我家地址",
            "我家地址",
            "我的房号",
            "我的房號",
            "我登记的地址",
            "我登記的地址",
            "我的圈",
            "我在哪些圈",
            "我在哪个圈",
            "我在哪個圈",
            "my circles",
            "my address",
            "where do i live",
            "my details",
        ),
        listed_in="circles",
        menus=access.BOTH,
        reads=True,
        by_row=True,
        anywhere=True,
    ),
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
        access.sees_rosters,
        "circles",
        access.GROUP,
        reads=True,
    ),
    Command(
        "role",
        ("设角色", "設角色"),
        circles.role,
        access.admin_here,
        "circles",
        access.GROUP,
    ),
    Command(
        "mydata",
        ("我的数据", "我的資料", "我的數據", "我的资料"),
        privacy.mydata,
        listed_in="privacy",
        menus=access.PRIVATE,
        anywhere=True,
    ),
    Command(
        "forget",
        ("注销", "註銷", "注銷"),
        privacy.forget_me,
        phrases=(
            "删除我的信息",
            "刪除我的資訊",
            "删除我的数据",
            "刪除我的資料",
            "delete my data",
            "erase my data",
            "delete my account",
        ),
        listed_in="privacy",
        menus=access.PRIVATE,
        anywhere=True,
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
