"""Notices (通知): compose with a preview, confirm, send now or at a time, receipts, lists."""

from bot.services.notices.compose import Confirmed, Preview, cancel, compose, confirm
from bot.services.notices.delivery import NoticeProgress
from bot.services.notices.receipts import Acked, NoticeDeadlines, ReceiptView, acknowledge, receipts
from bot.services.notices.sending import SendNotices
from bot.services.notices.spec import NoticeSpec, parse_notice
from bot.services.notices.views import NoticeLine, notices_of

__all__ = [
    "Acked",
    "Confirmed",
    "NoticeDeadlines",
    "NoticeLine",
    "NoticeProgress",
    "NoticeSpec",
    "Preview",
    "ReceiptView",
    "SendNotices",
    "acknowledge",
    "cancel",
    "compose",
    "confirm",
    "notices_of",
    "parse_notice",
    "receipts",
]
