"""Points commands (积分): balances privately, awards and deductions (扣分), recycling records,
rules and duties, the shop (兑换目录, 兑换, 兑换单, 发放), boards (积分榜), exports; monthly
statements and expiry."""

from __future__ import annotations

from bot.context import Context
from bot.routing import Command
from bot.scheduler import WorkFactory
from bot.services.common.access import is_points_admin, records_recycling
from bot.services.points import ExpirePoints, MonthlyStatements
from handlers import access
from handlers.points import commands, shop


def _points_admin(ctx: Context) -> bool:
    """Visible to the secretaries and points admins of the chat's community."""
    return ctx.circle is not None and is_points_admin(
        ctx.session, ctx.resident.id, access.community_here(ctx)
    )


def hands_out(ctx: Context) -> bool:
    """Whether the sender hands out rewards: a points admin of their community here."""
    return access.holds_here(ctx, is_points_admin)


def _bin_duty(ctx: Context) -> bool:
    """Visible to those who record recycling in the chat's community."""
    return ctx.circle is not None and records_recycling(
        ctx.session, ctx.resident.id, access.community_here(ctx)
    )


COMMANDS: list[Command] = [
    Command(
        "points",
        (
            "积分",
            "積分",
            "我的积分",
            "我的積分",
            "我有多少积分",
            "我有多少積分",
            "我还有多少积分",
            "我還有多少積分",
            "我的积分有多少",
            "我的積分有多少",
            "我的积分多少",
            "我的積分多少",
            "积分明细",
            "積分明細",
            "积分记录",
            "積分記錄",
            # Points said as 分 (a keyword, so 我有多少分钟 is no points question).
            "我有多少分",
            "我还有多少分",
            "我還有多少分",
        ),
        commands.show,
        listed_in="points",
        menus=access.BOTH,
        reads=True,
        anywhere=True,
        phrases=(
            "积分多少",
            "積分多少",
            "我还有几分",
            "我還有幾分",
            "my points",
            "my balance",
            "how many points do i have",
            "how many points have i got",
        ),
    ),
    Command(
        "award",
        ("加分", "加分", "奖励", "獎勵"),
        commands.award,
        _points_admin,
        "points",
        access.GROUP,
        full_form=True,
    ),
    Command("deduct", ("扣分", "扣分"), commands.deduct, _points_admin, "points"),
    Command(
        "recycle",
        ("回收", "回收"),
        commands.recycle,
        _bin_duty,
        "points",
        access.GROUP,
        full_form=True,
    ),
    Command(
        "pointrules",
        ("积分规则", "積分規則"),
        commands.rules,
        _points_admin,
        "points",
        access.GROUP,
    ),
    Command(
        "pointduty",
        ("积分授权", "積分授權"),
        commands.duty,
        _points_admin,
        "points",
        access.GROUP,
    ),
    Command(
        "rewards",
        ("兑换目录", "兌換目錄", "积分商城", "積分商城"),
        shop.rewards,
        listed_in="points",
        menus=access.BOTH,
        reads=True,
        phrases=(
            "奖品",
            "獎品",
            "有什么奖品",
            "有什麼獎品",
            "积分能换什么",
            "積分能換什麼",
            "what can i get with my points",
        ),
    ),
    Command("stock", ("上架", "上架"), shop.stock, _points_admin, "points", access.GROUP),
    Command("unstock", ("下架", "下架"), shop.unstock),
    Command(
        "redeem", ("兑换", "兌換"), shop.redeem, listed_in="points", menus=access.BOTH, glued=True
    ),
    Command(
        "redemptions",
        ("兑换单", "兌換單", "待发放", "待發放", "兑换申请", "兌換申請"),
        shop.redemptions,
        listed_in="points",
        menus=access.BOTH,
        reads=True,
        full_form=True,
    ),
    Command(
        "myredemptions",
        ("我的兑换", "我的兌換", "我的兑换单", "我的兌換單", "兑换记录", "兌換記錄"),
        shop.mine,
        reads=True,
    ),
    Command("handover", ("发放", "發放"), shop.handover, _points_admin, "points", access.GROUP),
    Command("rejectredeem", ("拒绝兑换", "拒絕兌換"), shop.reject, free_text=True),
    Command("cancelredeem", ("取消兑换", "取消兌換"), shop.cancel, listed_in="points"),
    Command(
        "rank",
        ("积分榜", "積分榜", "排行榜", "積分排行", "积分排行", "积分排名", "積分排名"),
        commands.rank,
        listed_in="points",
        menus=access.BOTH,
        reads=True,
        phrases=("谁的积分最多", "誰的積分最多", "leaderboard", "points ranking"),
        synonyms=("leaderboard", "ranking"),
    ),
    Command(
        "pointexport",
        ("积分导出", "積分匯出", "積分導出"),
        commands.export,
        access.secretary_here,
        "points",
        access.GROUP,
    ),
]
SCHEDULED: list[WorkFactory] = [MonthlyStatements, ExpirePoints]
