"""Notices commands: compose, confirm, cancel, 收到, receipts and the list."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services import notices
from bot.services.common import access
from bot.services.common.arguments import as_number, bounded
from bot.services.common.keywords import NUMERALS, THANKS, courtesy, folded, normalise
from bot.services.common.when import moment_data
from bot.services.notices.spec import NOW_WORDS
from handlers.access import community_here, holds_here

MAX_ARGUMENT = 1200


def _number(args: str, usage: str) -> int | None:
    """The notice number typed, or None when none was; a clear error for anything else."""
    word = args.strip()
    if not word:
        return None
    number = as_number(word)
    if number is None:
        raise DomainError(usage)
    return number


# 发送 said alone: privately it confirms the sender's one draft (see confirm); in a group,
# where a bare word may be chat and a notice reaches many, it only says how to confirm.
SEND_WORDS = ("发送", "發送", "傳送", "发", "發", "send")


def sender(ctx: Context) -> bool:
    """Whether the person sends notices here: secretaries and building heads of the
    community."""
    return holds_here(ctx, access.sends_notices)


def follower(ctx: Context) -> bool:
    """Whether the person sees notices' receipts here: those who send notices, and building
    heads, unit heads and grid workers for the places they follow up on."""
    return holds_here(ctx, access.lists_notices)


def send_in_group(ctx: Context) -> Reply | None:
    """`发送` alone in a group: how to confirm the sender's one draft (or that none or several
    wait); None from anyone else, for whom it is the group's chat."""
    if not sender(ctx):
        return None
    number = notices.draft_waiting(ctx.session, ctx.now, community_here(ctx), ctx.resident)
    return Reply("notices.confirm_by_number", {"number": number})


def compose(ctx: Context, args: str) -> Reply:
    """`通知 1号院 | 明天停水 | 回执 截止 明天18:00 | 定时 明天 8:00`: a preview to confirm."""
    spec = notices.parse_notice(bounded(args, MAX_ARGUMENT))
    return post(ctx, replace(spec, media=ctx.incoming.media))


def post(ctx: Context, spec: notices.NoticeSpec) -> Reply:
    """Keep the notice as a draft and answer with its preview and the confirm buttons."""
    preview = notices.compose(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        spec,
        ctx.incoming.chat.platform,
        ctx.circle,
    )
    return preview_reply(preview)


def preview_reply(preview: notices.Preview) -> Reply:
    """A draft's preview with the confirm and cancel buttons, for the sender only: typed in a
    group, it goes privately, so residents see a notice once, when it is sent."""
    number = preview.number
    return Reply(
        "notices.preview",
        {
            "number": number,
            "text": preview.text,
            "circles": preview.circles,
            "chats": preview.chats,
            "seconds": preview.seconds,
            "send_at": preview.send_at,
            "receipts": preview.receipts,
            "deadline": preview.deadline,
            "repeat": preview.repeat,
            "deadline_minutes": preview.deadline_minutes,
            "attachment": preview.attachment,
            "photo": preview.photo,
            "held": preview.held,
            "day_words": list(preview.day_words),
        },
        [
            [
                Choice("notices.confirm_button", f"/sendnotice {number}", True, True),
                Choice("notices.cancel_button", f"/cancelnotice {number}", True, True),
            ]
        ],
        audience=Audience.PRIVATE,
    )


def confirm(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`确认发送 3`: the draft goes out now, or is scheduled; `确认发送 3 现在` (or `3现在`)
    sends it now, in the night too, or one already waiting. Without a number (`确认发送`,
    `确认发送 现在`) it is the sender's one draft."""
    typed, _, word = folded(args).partition(" ")
    if not word:
        typed, word = _now_split(typed)
    if not word and typed in NOW_WORDS:
        typed, word = "", typed
    at_once = word in NOW_WORDS
    number = _number(typed, "notices.confirm_usage")
    if word and not at_once:
        raise DomainError("notices.confirm_usage")
    done = notices.confirm(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        number,
        ctx.default_language,
        at_once,
    )
    data = {
        "number": done.number,
        "chats": done.chats,
        "send_at": done.send_at,
        "repeat": done.repeat,
        "held": done.held,
        "day_words": list(done.day_words),
    }
    return [Reply("notices.confirmed", data), *done.envelopes]


def _now_split(typed: str) -> tuple[str, str]:
    """`3现在` as the number and the word for now; anything else as it was typed."""
    for word in sorted(NOW_WORDS, key=len, reverse=True):
        if typed.endswith(word) and typed != word:
            return typed.removesuffix(word), word
    return typed, ""


def cancel(ctx: Context, args: str) -> Reply:
    """`取消通知 3` / `停止通知 3`: a notice not sent, a recurring one stopped, or what a
    running one has not sent yet withdrawn."""
    number = _number(args, "notices.cancel_usage")
    if number is None:
        raise DomainError("notices.cancel_usage")
    done = notices.cancel(ctx.session, ctx.now, ctx.resident, community_here(ctx), number)
    data = {
        "number": done.number,
        "stopped": done.stopped,
        "delivered": done.delivered,
        "withdrawn": done.withdrawn,
    }
    return Reply("notices.cancelled", data)


# The words of a 收到: 收到了 and 已阅 too, with a stray space inside (收 到), as elderly
# typists and some input methods leave one.
_ACK = re.compile(r"(?:收\s*到|已\s*[阅閱])(?:了|啦)?")
# 收到 3 in other words (收到啦 3, 已阅 3, 已读 3) or with that stray space (收 到 3): the
# number is the notice's, as in 收到 3. Alone, 已读 stays chat; 已阅 is a 收到 (acknowledging).
ACK_SAID = re.compile(
    rf"(?:收\s*到(?:了|啦)?|已\s*收\s*到|已\s*[阅閱读讀])[\s:,]*(#?第?[\d{NUMERALS}]+(?:号|號|个|個)?)"
)


def _asks(rest: str) -> bool:
    """Whether what is said besides a 收到 or a yes holds a question mark, full- or
    half-width: 收到了？ and 好的？ ask whether it is so, they do not tell."""
    return "?" in normalise(rest)


def acknowledging(text: str) -> bool:
    """Plain text that is a 收到 in other words (收到！, 收到收到, 已阅, 收到👌, 收到了，谢谢！):
    besides the 收到, courtesy, punctuation, emoji and spaces only (收到了？ asks, not tells)."""
    rest = _ACK.sub("", text)
    if rest == text or _asks(rest):
        return False
    return courtesy(rest) != "" or not any(ch.isalnum() for ch in rest)


# A bare yes as people answer a notice (好的, 好, 知道了, 嗯嗯, 明白, 已读, 👌): a 收到 only
# where it plainly answers the notice (see assent), for in a busy group it is chat.
_ASSENT = re.compile(
    r"好的|好滴|好嘞|好|知道了|知道啦|知道|晓得了|曉得了|明白了|明白|了解|嗯+|已[读讀]"
    r"|okay|ok|got it|noted|👌|👍"
)
_GRATITUDE = re.compile(THANKS)


def assenting(text: str) -> bool:
    """A bare yes (好的, 知道了，谢谢！, 嗯嗯, 👌): besides it, thanks, punctuation, emoji and
    spaces only (好的？ asks, not tells)."""
    said = _GRATITUDE.sub("", normalise(text).lower())
    rest = _ASSENT.sub("", said)
    return rest != said and not _asks(rest) and not any(ch.isalnum() for ch in rest)


def assent(ctx: Context) -> list[Reply] | None:
    """A bare yes as a 收到, where it plainly answers a notice: as a reply to (a quote of) the
    notice's message, anywhere, or privately within hours of a notice reaching the sender's
    home; None elsewhere, for then it is chat or answers something else."""
    number = notices.replied_notice(ctx.session, ctx.incoming)
    if number is None and not ctx.is_group:
        number = notices.fresh_notice(ctx.session, ctx.now, ctx.resident)
    return None if number is None else ack(ctx, str(number))


def ack(ctx: Context, args: str) -> list[Reply]:
    """`收到`: a receipt for the newest open notice here not yet acknowledged (`收到 3` for
    notice 3, as does a 收到 replying to notice 3's message); chat where none is open. Words
    after it are the resident's own (收到，我明天不去了), not a mistake. Typed in a group, the
    answer goes to the person alone: a busy group's thirty 收到 would otherwise each get a
    public reply. Where it cannot reach them yet, the short answer beats a longer pointer in
    the group; nor does the group get a note that it went privately (a toast typed goes
    privately, unnoted)."""
    number = as_number(args.strip())
    if number is None:
        number = notices.replied_notice(ctx.session, ctx.incoming)
    quiet = Audience.TOAST if ctx.reaches_privately else Audience.HERE
    try:
        done = notices.acknowledge(ctx.session, ctx.now, ctx.resident, ctx.circle, number)
    except DomainError as refusal:
        if ctx.pressed:
            raise
        return [Reply(refusal.key, refusal.data, audience=quiet)]
    if done is None:
        # 收到 in a group with no notice open is chat; /ack asked the bot, so it is answered.
        return [Reply("notices.nothing_to_ack", audience=quiet)] if ctx.slashed else []
    audience = Audience.TOAST if ctx.pressed else quiet
    data = {"number": done.number, "name": done.name, "waiting": done.waiting}
    return [Reply("notices.acked", data | {"counted": done.counted}, audience=audience)]


def receipts(ctx: Context, args: str) -> list[Reply]:
    """`回执 [3]`: figures per circle here, and privately the households not yet answered."""
    number = _number(args, "notices.receipts_usage")
    view = notices.receipts(ctx.session, ctx.now, ctx.resident, community_here(ctx), number)
    deadline = moment_data(view.deadline, ctx.zone, ctx.now) if view.deadline else None
    figures = [
        {"title": c.title, "acked": c.acked, "households": c.households} for c in view.circles
    ]
    summary = Reply(
        "notices.receipts",
        {"number": view.number, "text": view.text, "circles": figures, "deadline": deadline},
    )
    if not view.silent.count:
        return [summary]
    if view.silent.names:
        silent = Reply(
            "notices.silent",
            {"number": view.number, "households": view.silent.names},
            audience=Audience.PRIVATE,
        )
    else:
        counts = {
            "number": view.number,
            "count": view.silent.count,
            "buildings": view.silent.buildings,
            "rest": view.silent.rest,
        }
        silent = Reply("notices.silent_buildings", counts, audience=Audience.PRIVATE)
    return [summary, silent]


def listing(ctx: Context, args: str) -> Reply:
    """`通知列表`: for a sender, recent and scheduled notices with their figures; for anyone
    else, the latest that reached their home and their own receipts. Always privately."""
    try:
        listed = notices.listing(ctx.session, ctx.now, ctx.resident, community_here(ctx))
    except DomainError as refusal:
        # Someone not registered hears how to register: privately too.
        return Reply(refusal.key, refusal.data, audience=Audience.PRIVATE)
    if not isinstance(listed, notices.NoticeList):
        return _reached(ctx, listed)
    return Reply(
        "notices.listing",
        {
            "notices": [
                {
                    "number": n.number,
                    "status": n.status,
                    "text": n.text,
                    "at": moment_data(n.at, ctx.zone, ctx.now) if n.at else None,
                    "chats": n.chats,
                    "failed": n.failed,
                    "pending": n.pending,
                    "receipts": n.receipts,
                    "acked": n.acked,
                    "households": n.households,
                    "repeat": n.repeat,
                    "sender": n.sender,
                }
                for n in listed.lines
            ],
            "community": listed.community,
            "sends": listed.sends,
        },
        audience=Audience.PRIVATE,
    )


def _reached(ctx: Context, reached: list[notices.ReachedLine]) -> Reply:
    """The notices that reached the resident's home, with whether they acknowledged each."""
    lines = [_reached_data(ctx, n) for n in reached]
    return Reply("notices.reached", {"notices": lines}, audience=Audience.PRIVATE)


def shown(ctx: Context, number: int) -> Reply:
    """`通知 3`: notice 3 whole, privately, with whether the reader acknowledged it."""
    notice = notices.shown(ctx.session, ctx.now, ctx.resident, community_here(ctx), number)
    return Reply("notices.shown", {"notice": _reached_data(ctx, notice)}, audience=Audience.PRIVATE)


def _reached_data(ctx: Context, notice: notices.ReachedLine) -> dict[str, Any]:
    """A notice as a resident reads it, for the templates."""
    return {
        "number": notice.number,
        "text": notice.text,
        "at": moment_data(notice.at, ctx.zone, ctx.now) if notice.at else None,
        "receipts": notice.receipts,
        "acked": notice.acked,
        "open": notice.open,
        "deadline": moment_data(notice.deadline, ctx.zone, ctx.now) if notice.deadline else None,
    }
