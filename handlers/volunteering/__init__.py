"""Volunteer duty commands (shifts and rotas, 接龙 sign-up, attendance, hours) and their work.

Shifts are numbered within their community, and /shifts shows those numbers: `报名 12`
signs up for shift #12 from any chat of the community (in a private chat, of the
sender's community). In admin commands a person on a shift is named by their number
on its 接龙 list (`缺勤 12 2`), by @name, or by a mention.
"""

from __future__ import annotations

import re

from bot.config import Settings
from bot.platforms import PLATFORMS
from bot.routing import Command
from bot.scheduler import DueWork, WorkFactory
from bot.services.volunteering.schedule import DutyReminders, RosterReposts
from handlers import access
from handlers.volunteering import shifts, signups

# Signing up for a day's duty, said in words (我想报名明天的值班): that day's shifts to pick from.
SIGNING_UP_FOR_A_DAY = re.compile(r"(?:报名|報名)\s*(.{1,10}?)\s*的?(?:值班|班)")

# Asking after one's own duty (我明天值班吗, 我什么时候值班): the shifts one signed up for.
ASKING_MY_DUTY = re.compile(
    r"我(?:(?:今天|明天|后天|後天|这周|這週|本周|本週|哪天|哪一天|什么时候|什麼時候|几号|幾號)"
    r"(?:有|要|该|該)?(?:值班|的班|班)(?:吗|嗎|呢|没有|沒有)?"
    r"|(?:有|要)?(?:值班|班)(?:吗|嗎|呢))()"
)

# Saying one has checked in or out (签到了, 已签到) does it, as volunteers believe it does.
CHECKED_IN = ("签到了", "簽到了", "已签到", "已簽到")
CHECKED_OUT = ("签退了", "簽退了", "已签退", "已簽退")

COMMANDS: list[Command] = [
    Command(
        "shift",
        ("排班",),
        shifts.shift,
        access.organiser_here,
        "volunteering",
        access.GROUP,
        full_form=True,
    ),
    Command("rota", ("新建班次",), shifts.shift),
    Command(
        "shifts",
        ("值班表", "值班表", "接龙", "接龍", "班次", "值班安排", "排班表", "值班列表"),
        signups.list_shifts,
        listed_in="volunteering",
        menus=access.BOTH,
        reads=True,
    ),
    Command(
        "roster",
        ("值班", "值班"),
        signups.list_shifts,
        reads=True,
        phrases=("报名值班", "報名值班", "值班报名", "值班報名"),
        asking=SIGNING_UP_FOR_A_DAY,
    ),
    Command(
        "myshifts",
        ("我的报名", "我的報名", "我的值班"),
        signups.mine,
        reads=True,
        phrases=("my shifts", "my signups", "when is my shift", "when are my shifts"),
        asking=ASKING_MY_DUTY,
    ),
    Command(
        "signup", ("报名", "報名"), signups.signup, listed_in="volunteering", menus=access.BOTH
    ),
    Command(
        "cancel",
        ("取消报名", "取消報名"),
        signups.cancel,
        listed_in="volunteering",
        menus=access.BOTH,
    ),
    Command("withdraw", ("退出报名", "退出報名"), signups.cancel),
    Command("drop", ("取消",), signups.cancel, everyday=signups.numbers_alone),
    Command(
        "notgoing",
        (
            "我不去了",
            "我不去了",
            "我去不了了",
            "不去了",
            "去不了",
            "我去不了",
            "请假",
            "請假",
            "我请假",
            "我請假",
            "我要请假",
            "我要請假",
        ),
        signups.not_going,
        everyday=signups.alone,
        chat_words=True,
    ),
    Command(
        "checkin",
        ("签到", "簽到", *CHECKED_IN),
        signups.checkin,
        listed_in="volunteering",
        menus=access.BOTH,
        told=CHECKED_IN,
    ),
    Command(
        "arrived",
        ("我到了",),
        signups.arrived,
        everyday=signups.alone,
        chat_words=True,
        told=("我到了",),
    ),
    Command(
        "checkout",
        ("签退", "簽退", *CHECKED_OUT),
        signups.checkout,
        listed_in="volunteering",
        menus=access.BOTH,
        told=CHECKED_OUT,
    ),
    Command(
        "hours",
        (
            "时长",
            "時長",
            "志愿时长",
            "志願時長",
            "值班时长",
            "值班時長",
            "服务时长",
            "服務時長",
            "时长统计",
            "時長統計",
            "值班统计",
            "值班統計",
        ),
        signups.hours,
        listed_in="volunteering",
        menus=access.BOTH,
        reads=True,
    ),
    Command(
        "myhours",
        (
            "我的时长",
            "我的時長",
            "我的志愿时长",
            "我的志願時長",
            "我的值班时长",
            "我的值班時長",
            "我的服务时长",
            "我的服務時長",
        ),
        signups.my_hours,
        reads=True,
        phrases=("my hours",),
    ),
    Command(
        "editshift",
        ("修改班次", "修改班次", "改班"),
        shifts.edit_shift,
        access.organiser_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "cancelshift",
        ("取消班次", "取消班次", "撤班"),
        shifts.cancel_shift,
        access.organiser_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "attend",
        ("确认出勤", "確認出勤"),
        shifts.attend,
        access.admin_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "noshow", ("缺勤", "缺勤"), shifts.noshow, access.admin_here, "volunteering", access.GROUP
    ),
    Command(
        "undocheckin",
        ("撤销签到", "撤銷簽到"),
        shifts.undo_checkin,
        access.admin_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "fixhours",
        ("更正时长", "更正時長"),
        shifts.fix_hours,
        access.admin_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "approve",
        ("批准报名", "批准報名", "批准"),
        shifts.approve,
        access.organiser_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "decline",
        ("不批准", "不批准"),
        shifts.decline,
        access.organiser_here,
        "volunteering",
        access.GROUP,
    ),
    Command(
        "dutyrules",
        ("值班设置", "值班設定", "值班設置", "值班提醒"),
        shifts.dutyrules,
        access.secretary_here,
        "volunteering",
        access.GROUP,
    ),
]


def _roster_reposts(settings: Settings, language: str) -> DueWork:
    return RosterReposts(settings, language, PLATFORMS)


SCHEDULED: list[WorkFactory] = [DutyReminders, _roster_reposts]
