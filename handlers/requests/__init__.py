"""Requests commands (接诉即办): report, the lists, owners' and reporters' verbs, the chain;
deadlines that move requests up the chain."""

from __future__ import annotations

from bot.context import Context
from bot.routing import Command
from bot.scheduler import WorkFactory
from bot.services.common.access import handles_requests, keeps_chain
from bot.services.requests import OverdueDigest, RequestDeadlines
from handlers import access
from handlers.requests import commands


def _handler(ctx: Context) -> bool:
    """Visible to the chain, the secretaries and the grid workers of the community."""
    return access.holds_here(ctx, handles_requests)


def _keeper(ctx: Context) -> bool:
    """Visible to the secretaries and grid workers of the community."""
    return access.holds_here(ctx, keeps_chain)


COMMANDS: list[Command] = [
    Command(
        "report",
        ("反映", "反映", "报修", "報修", "求助", "投诉", "投訴", "举报", "舉報"),
        commands.report,
        listed_in="requests",
        menus=access.BOTH,
        free_text=True,
        record=True,
        glued=True,
    ),
    Command(
        "requests",
        (
            "诉求",
            "訴求",
            "我的诉求",
            "我的訴求",
            "接诉即办",
            "接訴即辦",
            "诉求列表",
            "訴求列表",
            "反映列表",
            "反映列表",
            "报修列表",
            "報修列表",
            "我的反映",
            "我的反映",
            "我的报修",
            "我的報修",
            "待办",
            "待辦",
            "我的待办",
            "我的待辦",
        ),
        commands.listing,
        listed_in="requests",
        menus=access.BOTH,
        reads=True,
        phrases=("my requests", "my reports"),
        full_form=True,
    ),
    Command("take", ("接单", "接單"), commands.take, _handler, "requests"),
    Command("reply", ("回复", "回覆"), commands.reply, _handler, "requests", free_text=True),
    Command(
        "escalate",
        ("上报", "上報", "转交", "轉交"),
        commands.escalate,
        _handler,
        "requests",
        free_text=True,
    ),
    Command(
        "resolve",
        ("办结诉求", "辦結訴求"),
        commands.resolve,
        _handler,
        "requests",
        free_text=True,
    ),
    Command("sendback", ("退回", "退回"), commands.send_back, _handler, "requests", free_text=True),
    Command("solved", ("确认解决", "確認解決"), commands.solved, listed_in="requests"),
    Command(
        "reopen", ("重新办理", "重新辦理"), commands.reopen, listed_in="requests", free_text=True
    ),
    # The bot's own words to the reporter (解决了请回复…；没解决…), and the reporter's own for
    # them (修好了, 还没修好): with the request number as a word of its own only (没解决 3), for
    # run into other words (没解决，3天了) they are everyday chat, as they are with one in a
    # group bound to no circle; alone they confirm or reopen privately the one request
    # waiting for it, and are chat in a group.
    Command(
        "solvedsaid",
        (
            "解决了",
            "解決了",
            "已经解决了",
            "已經解決了",
            "已解决",
            "已解決",
            "修好了",
            "已经修好了",
            "已經修好了",
        ),
        commands.solved_said,
        lambda ctx: False,
        everyday=commands.said_alone_or_numbered,
        chat_words=True,
    ),
    Command(
        "reopensaid",
        (
            "没解决",
            "沒解決",
            "没有解决",
            "沒有解決",
            "还没解决",
            "還沒解決",
            "没修好",
            "沒修好",
            "没有修好",
            "沒有修好",
            "还没修好",
            "還沒修好",
            "还是没修好",
            "還是沒修好",
        ),
        commands.reopen_said,
        lambda ctx: False,
        free_text=True,
        everyday=commands.said_alone_or_numbered,
        chat_words=True,
    ),
    Command("rate", ("评价", "評價", "打分"), commands.rate, listed_in="requests"),
    # Everyday words too (撤回, 催一下): a command with a number after them only; alone they
    # are chat in a group, and privately show how to write them. /withdraw is 退出报名's.
    Command(
        "cancelrequest",
        ("撤回", "撤回", "撤回诉求", "撤回訴求", "撤销", "撤銷", "撤销诉求", "撤銷訴求"),
        commands.withdraw_said,
        listed_in="requests",
        free_text=True,
        everyday=commands.said_alone_or_numbered,
    ),
    Command(
        "remind",
        ("催办", "催辦", "催一下", "催一下", "催办诉求", "催辦訴求"),
        commands.urge_said,
        listed_in="requests",
        everyday=commands.said_alone_or_numbered,
    ),
    Command(
        "mediate",
        ("调解", "調解"),
        commands.mediate,
        listed_in="requests",
        free_text=True,
        full_form=True,
    ),
    Command("link", ("联系", "聯絡", "聯繫"), commands.link, _keeper, "requests"),
    Command("chain", ("联系列表", "聯絡列表"), commands.chain, _keeper, "requests", reads=True),
    Command("unlink", ("取消联系", "取消聯絡", "取消聯繫"), commands.unlink, _keeper, "requests"),
    Command("central", ("中心户", "中心戶"), commands.central, _keeper, "requests"),
    Command("branch", ("支部", "支部"), commands.branch, _keeper, "requests"),
    Command("requestrules", ("诉求规则", "訴求規則"), commands.rules, _keeper, "requests"),
    Command("requeststats", ("诉求统计", "訴求統計"), commands.stats, listed_in="requests"),
]
# The deadlines first, so a morning's overdue list holds what fell overdue that tick.
SCHEDULED: list[WorkFactory] = [RequestDeadlines, OverdueDigest]
# A picture sent privately with no words is answered (after any open dialog had its say).
DIALOG = commands.photo_only
