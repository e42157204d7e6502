"""Volunteer duty commands (shifts and rotas, 接龙 sign-up, attendance, hours) and their work.

Shifts are numbered within their community, and /shifts shows those numbers: `报名 12`
signs up for shift #12 from any chat of the community (in a private chat, of the
sender's community). In admin commands a person on a shift is named by their number
on its 接龙 list (`缺勤 12 2`), by @name, or by a mention.
"""

from __future__ import annotations

from bot.config import Settings
from bot.platforms import PLATFORMS
from bot.routing import Command
from bot.scheduler import DueWork, WorkFactory
from bot.services.volunteering.schedule import DutyReminders, RosterReposts
from handlers import visibility
from handlers.volunteering import shifts, signups

COMMANDS: list[Command] = [
    Command("shift", ("排班",), shifts.shift, visibility.admin_here, "shift", visibility.GROUP),
    Command("rota", ("新建班次",), shifts.shift),
    Command(
        "shifts",
        ("值班表", "值班表", "接龙", "接龍", "班次"),
        signups.list_shifts,
        help_key="shifts",
        menus=visibility.BOTH,
    ),
    Command("roster", ("值班", "值班"), signups.list_shifts),
    Command("signup", ("报名", "報名"), signups.signup, help_key="signup", menus=visibility.BOTH),
    Command(
        "cancel",
        ("取消报名", "取消報名"),
        signups.cancel,
        help_key="cancel",
        menus=visibility.BOTH,
    ),
    Command("withdraw", ("退出报名", "退出報名"), signups.cancel),
    Command(
        "checkin", ("签到", "簽到"), signups.checkin, help_key="checkin", menus=visibility.BOTH
    ),
    Command(
        "checkout", ("签退", "簽退"), signups.checkout, help_key="checkout", menus=visibility.BOTH
    ),
    Command(
        "hours",
        ("时长", "時長", "志愿时长", "志願時長"),
        signups.hours,
        help_key="hours",
        menus=visibility.BOTH,
    ),
    Command(
        "editshift",
        ("修改班次", "修改班次", "改班"),
        shifts.edit_shift,
        visibility.admin_here,
        "editshift",
        visibility.GROUP,
    ),
    Command(
        "cancelshift",
        ("取消班次", "取消班次", "撤班"),
        shifts.cancel_shift,
        visibility.admin_here,
        "cancelshift",
        visibility.GROUP,
    ),
    Command(
        "attend",
        ("确认出勤", "確認出勤"),
        shifts.attend,
        visibility.admin_here,
        "attend",
        visibility.GROUP,
    ),
    Command(
        "noshow", ("缺勤", "缺勤"), shifts.noshow, visibility.admin_here, "noshow", visibility.GROUP
    ),
    Command(
        "approve",
        ("批准报名", "批准報名", "批准"),
        shifts.approve,
        visibility.admin_here,
        "approve",
        visibility.GROUP,
    ),
    Command(
        "decline",
        ("不批准", "不批准"),
        shifts.decline,
        visibility.admin_here,
        "decline",
        visibility.GROUP,
    ),
    Command(
        "dutyrules",
        ("值班设置", "值班設置"),
        shifts.dutyrules,
        visibility.secretary_here,
        "dutyrules",
        visibility.GROUP,
    ),
]


def _roster_reposts(settings: Settings, language: str) -> DueWork:
    return RosterReposts(settings, language, PLATFORMS)


SCHEDULED: list[WorkFactory] = [DutyReminders, _roster_reposts]
