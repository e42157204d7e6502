"""Notices commands (通知): compose (also guided) and confirm, cancel or stop, 收到, receipts,
the list; scheduled and recurring sending; the guided notice's dialog."""

from __future__ import annotations

from bot.config import Settings
from bot.platforms import PLATFORMS
from bot.routing import Command
from bot.scheduler import DueWork, WorkFactory
from bot.services.notices import NoticeDeadlines, NoticeProgress, SendNotices, SendRecurring
from bot.services.notices.reach import NAMED_SCOPES
from handlers import access
from handlers.notices import commands, dialog

COMMANDS: list[Command] = [
    Command(
        "notice",
        ("通知", "通知", "发通知", "發通知", "发个通知", "發個通知", "发布通知", "發佈通知"),
        dialog.notice,
        commands.sender,
        "notices",
        access.BOTH,
        free_text=True,
        glued_words=NAMED_SCOPES,
        full_form=True,
        synonyms=("announce", "announcement"),
    ),
    Command(
        "noticestep",
        ("通知步骤", "通知步驟"),
        dialog.step,
        lambda ctx: False,
        free_text=True,
        answer=True,
    ),
    Command(
        "sendnotice",
        ("确认发送", "確認傳送", "確認發送"),
        commands.confirm,
        commands.sender,
        # Said alone after a preview, the sender's one draft (see commands.confirm).
        phrases=commands.SEND_WORDS,
    ),
    Command("cancelnotice", ("取消通知", "取消通知"), commands.cancel, commands.sender),
    Command(
        "stopnotice",
        ("停止通知", "停止通知"),
        commands.cancel,
        commands.sender,
        "notices",
        access.BOTH,
    ),
    Command(
        "ack",
        ("收到", "收到", "收到了", "已收到", "好的收到", "好的,收到"),
        commands.ack,
        listed_in="notices",
        menus=access.GROUP,
        sentence=commands.ACK_SAID,
        chat_words=True,
        told=("收到了", "已收到"),
    ),
    Command(
        "receipts",
        (
            "回执",
            "回執",
            "谁没回执",
            "誰沒回執",
            "谁没收到",
            "誰沒收到",
            "谁还没收到",
            "誰還沒收到",
        ),
        dialog.receipts,
        commands.follower,
        "notices",
        access.BOTH,
        reads=True,
    ),
    Command(
        "notices",
        ("通知列表", "通知列表"),
        commands.listing,
        listed_in="notices",
        menus=access.BOTH,
        reads=True,
    ),
]


def _progress(settings: Settings, language: str) -> DueWork:
    """The progress reports of running notices, on every platform."""
    return NoticeProgress(settings, language, PLATFORMS)


SCHEDULED: list[WorkFactory] = [SendNotices, SendRecurring, NoticeDeadlines, _progress]
DIALOG = dialog.answer
OWN_WORDS = dialog.own_text
