"""The one explicit list of commands and event handlers."""

from __future__ import annotations

from bot.context import Context
from bot.dispatcher import EventHandler
from bot.messages import EventKind
from bot.routing import Command
from bot.services.community import roles
from handlers import circles, core, deliberation, households, poll_dialog, privacy, volunteering
from models import Role


def _binder(ctx: Context) -> bool:
    grants = roles.active_grants(ctx.session, ctx.resident.id)
    return any(g.role in (Role.SECRETARY, Role.GRID_WORKER) for g in grants)


def _bind_visible(ctx: Context) -> bool:
    return ctx.is_group and (ctx.incoming.is_platform_admin or _binder(ctx))


def _in_circle(ctx: Context) -> bool:
    return ctx.circle is not None


def _role_visible(ctx: Context) -> bool:
    return ctx.circle is not None and (core.admin_here(ctx) or _bind_visible(ctx))


PRIVATE = ("private",)
GROUP = ("group",)
BOTH = ("private", "group")

COMMANDS: list[Command] = [
    Command("start", ("开始", "開始"), core.start, core.hidden_unless_private, "start", PRIVATE),
    Command("help", ("帮助", "幫助"), core.help_, help_key="help", menus=BOTH),
    Command("lang", ("语言", "語言"), core.lang, help_key="lang", menus=BOTH),
    Command("bind", ("绑定", "綁定"), circles.bind, _bind_visible, "bind", GROUP),
    Command(
        "bindings",
        ("绑定申请", "綁定申請"),
        circles.bind_requests,
        _binder,
        "bindings",
        PRIVATE,
    ),
    Command("approvebind", ("批准绑定", "批准綁定"), circles.approve_bind),
    Command("rejectbind", ("拒绝绑定", "拒絕綁定"), circles.reject_bind),
    Command("join", ("登记", "登記"), circles.join, _in_circle, "join", GROUP),
    Command("move", ("搬迁", "搬遷", "搬家"), circles.move),
    Command("me", ("我的", "我的"), circles.me, help_key="me", menus=BOTH),
    Command(
        "confirmjoin", ("确认入户", "確認入戶", "同意入户", "同意入戶"), households.confirm_join
    ),
    Command(
        "refusejoin", ("拒绝入户", "拒絕入戶", "不同意入户", "不同意入戶"), households.refuse_join
    ),
    Command("verify", ("核验", "核驗"), households.verify),
    Command("verifyrule", ("户核验", "戶核驗"), households.verify_rule),
    Command("members", ("成员", "成員"), circles.members, core.admin_here, "members", GROUP),
    Command("role", ("设角色", "設角色"), circles.role, _role_visible, "role", GROUP),
    Command(
        "mydata",
        ("我的数据", "我的數據", "我的资料", "我的資料"),
        privacy.mydata,
        help_key="mydata",
        menus=PRIVATE,
    ),
    Command(
        "forget", ("注销", "註銷", "注銷"), privacy.forget_me, help_key="forget", menus=PRIVATE
    ),
    Command("propose", ("提议", "提議"), deliberation.propose, _in_circle, "propose", GROUP),
    Command("second", ("附议", "附議"), deliberation.second, _in_circle, "second", GROUP),
    Command("topics", ("议题", "議題"), deliberation.list_topics, help_key="topics", menus=BOTH),
    Command("poll", ("发起投票", "發起投票"), poll_dialog.poll, core.admin_here, "poll", GROUP),
    Command("vote", ("投票", "投票"), deliberation.vote, help_key="vote", menus=BOTH),
    Command("result", ("结果", "結果"), deliberation.result, help_key="result", menus=BOTH),
    Command("close", ("结束投票", "結束投票"), deliberation.close, core.admin_here, "close", GROUP),
    Command(
        "pollset",
        ("投票设置", "投票設置", "修改投票"),
        deliberation.pollset,
        core.admin_here,
        "pollset",
        GROUP,
    ),
    Command("decide", ("决议", "決議"), deliberation.decide, core.admin_here, "decide", GROUP),
    Command(
        "progress", ("进展", "進展"), deliberation.progress, core.admin_here, "progress", GROUP
    ),
    Command("done", ("办结", "辦結"), deliberation.done, core.admin_here, "done", GROUP),
    Command("reject", ("驳回", "駁回"), deliberation.reject, core.admin_here, "reject", GROUP),
    Command(
        "hot",
        ("热点议题", "熱點議題"),
        deliberation.hot,
        deliberation.secretary_here,
        "hot",
        GROUP,
    ),
    Command(
        "threshold",
        ("附议门槛", "附議門檻"),
        deliberation.threshold,
        deliberation.secretary_here,
        "threshold",
        GROUP,
    ),
    Command("stats", ("议事统计", "議事統計"), deliberation.figures, help_key="stats", menus=BOTH),
    Command("shift", ("排班",), volunteering.shift, core.admin_here, "shift", GROUP),
    Command("rota", ("新建班次",), volunteering.shift),
    Command(
        "shifts",
        ("值班表", "值班表", "接龙", "接龍", "班次"),
        volunteering.list_shifts,
        help_key="shifts",
        menus=BOTH,
    ),
    Command("roster", ("值班", "值班"), volunteering.list_shifts),
    Command("signup", ("报名", "報名"), volunteering.signup, help_key="signup", menus=BOTH),
    Command(
        "cancel",
        ("取消报名", "取消報名"),
        volunteering.cancel,
        help_key="cancel",
        menus=BOTH,
    ),
    Command("withdraw", ("退出报名", "退出報名"), volunteering.cancel),
    Command("checkin", ("签到", "簽到"), volunteering.checkin, help_key="checkin", menus=BOTH),
    Command("checkout", ("签退", "簽退"), volunteering.checkout, help_key="checkout", menus=BOTH),
    Command(
        "hours",
        ("时长", "時長", "志愿时长", "志願時長"),
        volunteering.hours,
        help_key="hours",
        menus=BOTH,
    ),
    Command(
        "editshift",
        ("修改班次", "修改班次", "改班"),
        volunteering.edit_shift,
        core.admin_here,
        "editshift",
        GROUP,
    ),
    Command(
        "cancelshift",
        ("取消班次", "取消班次", "撤班"),
        volunteering.cancel_shift,
        core.admin_here,
        "cancelshift",
        GROUP,
    ),
    Command(
        "attend",
        ("确认出勤", "確認出勤"),
        volunteering.attend,
        core.admin_here,
        "attend",
        GROUP,
    ),
    Command("noshow", ("缺勤", "缺勤"), volunteering.noshow, core.admin_here, "noshow", GROUP),
    Command(
        "approve",
        ("批准报名", "批准報名", "批准"),
        volunteering.approve,
        core.admin_here,
        "approve",
        GROUP,
    ),
    Command(
        "decline",
        ("不批准", "不批准"),
        volunteering.decline,
        core.admin_here,
        "decline",
        GROUP,
    ),
    Command(
        "dutyrules",
        ("值班设置", "值班設置"),
        volunteering.dutyrules,
        deliberation.secretary_here,
        "dutyrules",
        GROUP,
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
DIALOG = poll_dialog.answer
