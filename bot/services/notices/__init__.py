"""Notices (通知): compose, preview and confirm, send now, later or recurring, receipts, lists."""

from bot.services.notices.compose import (
    Cancelled,
    Confirmed,
    Preview,
    attach_later,
    cancel,
    compose,
    confirm,
    draft_waiting,
)
from bot.services.notices.delivery import NoticeProgress
from bot.services.notices.guided import Begun, begin, check_scope
from bot.services.notices.receipts import (
    Acked,
    NoticeDeadlines,
    ReceiptView,
    acknowledge,
    fresh_notice,
    receipts,
    replied_notice,
)
from bot.services.notices.recurring import Repeat, SendRecurring, parse_repeat
from bot.services.notices.sending import SendNotices
from bot.services.notices.spec import NoticeSpec, parse_notice
from bot.services.notices.views import (
    NoticeLine,
    NoticeList,
    ReachedLine,
    listing,
    shown,
)

__all__ = [
    "Acked",
    "Begun",
    "Cancelled",
    "Confirmed",
    "NoticeDeadlines",
    "NoticeLine",
    "NoticeList",
    "NoticeProgress",
    "NoticeSpec",
    "Preview",
    "ReachedLine",
    "ReceiptView",
    "Repeat",
    "SendNotices",
    "SendRecurring",
    "acknowledge",
    "attach_later",
    "begin",
    "cancel",
    "check_scope",
    "compose",
    "confirm",
    "draft_waiting",
    "fresh_notice",
    "listing",
    "parse_notice",
    "parse_repeat",
    "receipts",
    "replied_notice",
    "shown",
]
