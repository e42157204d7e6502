"""The guided /notice: scope, text, receipts, when; then the same preview as the one-line form.

Each step checks its answer at once; buttons answer through `/noticestep <answer>`, and
the same answers may be typed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, replace

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Media, MediaKind, Reply
from bot.routing import Route
from bot.services import notices
from bot.services.common import dialogs
from bot.services.common.arguments import as_number, bounded
from bot.services.common.keywords import folded, without_ending
from bot.services.common.when import parse_duration, parse_when
from bot.services.notices.guided import KIND
from bot.services.notices.spec import (
    AT_WORDS,
    DEADLINE_WORDS,
    NOW_WORDS,
    RECEIPT_WORDS,
    leading_word,
    notice_text,
    scope_words,
)
from handlers.access import community_here
from handlers.dialogs import claimed
from handlers.notices import commands
from models import Dialog

CANCEL = frozenset({"取消", "退出", "cancel"})
_SAID_YES = {"要", "是", "需要", "要的", "好", "好的", "回执", "回執", "yes", "ok"}
YES = frozenset(_SAID_YES | {"要回执", "要回執", "需要回执", "需要回執", "ask for receipts"})
_SAID_NO = {"不要", "不", "否", "不用", "不用了", "不需要", "不要了", "no"}
NO = frozenset(_SAID_NO | {"不要回执", "不要回執", "不需要回执", "不需要回執", "no receipts"})
# A yes run into a deadline (要，明天18:00前; yes, tomorrow 18:00).
_YES_THEN = re.compile(
    "(?:{})[\\s,，、:：;；]+(.+)".format("|".join(sorted(YES, key=len, reverse=True))), re.DOTALL
)


def notice(ctx: Context, args: str) -> Reply | list[Reply | Envelope]:
    """`通知 scope | text …` composes at once; `通知` alone starts the guided dialog (while
    it asks for its text, `通知：明天停水` is that text: see own_text); `通知 3` shows notice 3."""
    number = as_number(args.strip())
    if number is not None:
        return commands.shown(ctx, number)
    if args.strip():
        return commands.compose(ctx, args)
    begun = notices.begin(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), ctx.incoming, ctx.circle
    )
    buttons = [("notices.here_button", "本群")] if ctx.is_group else []
    if begun.building:
        buttons.append(("notices.building_button", "本楼"))
    if begun.everyone:
        buttons.append(("notices.all_button", "全部"))
    data = {"in_group": ctx.is_group, "in_building": begun.building, "everyone": begun.everyone}
    return [_ask(begun.dialog, ctx, "notices.ask_scope", buttons, **data)]


def receipts(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`回执 [3]`; while the guided notice asks about receipts, `回执 截止 明天18:00` answers it."""
    answered = _claimed(ctx, "receipts", f"{RECEIPT_WORDS[0]} {args}")
    return answered if answered is not None else [*commands.receipts(ctx, args)]


def own_text(ctx: Context, route: Route) -> list[Reply | Envelope] | None:
    """The sender's words, whatever `route` their keyword makes, as the text their guided
    notice asks for (`通知：明天停水`, `报名：周六上午打扫楼道`), whole; else None."""
    return _claimed(ctx, "text", ctx.incoming.text)


def _claimed(ctx: Context, step: str, text: str) -> list[Reply | Envelope] | None:
    """`text` as the answer of the sender's guided notice waiting at `step`, if it is."""
    return claimed(ctx, KIND, step, lambda dialog: _answered(ctx, dialog, text))


def step(ctx: Context, args: str) -> list[Reply | Envelope]:
    """A button of the guided notice: its answer, as if typed."""
    answered = answer(ctx, args)
    if answered is None:
        raise DomainError("notices.dialog_over")
    return answered


def answer(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """Take the sender's plain text as the next answer of their guided notice, if any."""
    dialog = dialogs.active(ctx.session, ctx.now, ctx.incoming)
    if dialog is None or dialog.kind != KIND:
        if ctx.is_group and folded(without_ending(text)) in commands.SEND_WORDS:
            sent = commands.send_in_group(ctx)
            if sent is not None:
                return [sent]
        # In a group bound to no circle a 收到 in other words is its chat, as 收到 is there.
        if commands.acknowledging(text) and not ctx.unbound_group:
            return [*commands.ack(ctx, "")]
        # A bare 好的 answers another feature's open dialog, not a notice.
        if dialog is None and commands.assenting(text) and not ctx.unbound_group:
            acked = commands.assent(ctx)
            if acked is not None:
                return [*acked]
        return _attached(ctx, text)
    return _answered(ctx, dialog, text)


def _answered(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    """`text` as the answer to the guided notice's step; a cancelling word ends it."""
    typed = bounded(text, commands.MAX_ARGUMENT)
    # A full stop after a word (现在。, 本楼。) is no part of it; the notice's text keeps its own.
    plain = without_ending(typed.strip())
    if folded(plain) in CANCEL:
        dialogs.end(ctx.session, dialog)
        return [Reply("notices.dialog_cancelled")]
    offered: list[str] = dialog.data.get("offered", [])
    number = as_number(plain) if offered else None
    if number is not None:
        # A bare number picks what the question offered, as where there are no buttons.
        if not 1 <= number <= len(offered):
            raise DomainError("core.no_such_choice", number=number, count=len(offered))
        typed = plain = offered[number - 1]
    step_of = {"scope": _scope, "text": _text, "receipts": _receipts, "when": _when}
    return step_of[dialog.step](ctx, dialog, typed if dialog.step == "text" else plain)


def _attached(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """A picture or file sent privately with no words just after a draft (as on WeChat,
    where pictures have no caption): the draft's preview again, now with it; else None."""
    media = ctx.incoming.media
    # Pictures in a group are the group's own; a draft takes only one sent to the bot.
    if media is None or text.strip() or ctx.is_group:
        return None
    preview = notices.attach_later(ctx.session, ctx.now, ctx.settings, ctx.resident, media)
    return [commands.preview_reply(preview)] if preview is not None else None


def _ask(
    dialog: Dialog, ctx: Context, template: str, buttons: list[tuple[str, str]], **data: object
) -> Reply:
    """The next question, offering `buttons`, whose answers a bare number also picks."""
    dialogs.advance(dialog, ctx.now, dialog.step, offered=[word for _, word in buttons])
    choices = [Choice(label, f"/noticestep {word}", True, True) for label, word in buttons]
    return Reply(template, dict(data), [choices] if choices else [])


def _scope(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    words = scope_words(text)
    circles = notices.check_scope(ctx.session, ctx.resident, community_here(ctx), words, ctx.circle)
    dialogs.advance(dialog, ctx.now, "text", scope=list(words))
    return [_ask(dialog, ctx, "notices.ask_text", [], scope=" ".join(words), circles=circles)]


def _text(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    """The notice's words; a picture or file sent with them (as its caption) goes along."""
    media = ctx.incoming.media
    kept = asdict(media) if media else None
    dialogs.advance(dialog, ctx.now, "receipts", text=notice_text(text), media=kept)
    buttons = [("notices.yes_receipts_button", "要"), ("notices.no_receipts_button", "不要")]
    return [_ask(dialog, ctx, "notices.ask_receipts", buttons)]


def _receipts(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    word = folded(text)
    deadline: str | None = None
    if word not in YES | NO:
        said = _YES_THEN.fullmatch(word)
        text = said.group(1) if said else text
        _, rest = leading_word(text, RECEIPT_WORDS)
        _, deadline = leading_word(rest, DEADLINE_WORDS)
        if parse_duration(deadline) is None and parse_when(deadline, ctx.now, ctx.zone) <= ctx.now:
            raise DomainError("notices.in_past", when=deadline[:30])
    dialogs.advance(dialog, ctx.now, "when", receipts=word not in NO, deadline=deadline)
    return [_ask(dialog, ctx, "notices.ask_when", [("notices.now_button", "现在")])]


def _when(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    data = dialog.data
    kept = data.get("media")
    spec = notices.NoticeSpec(
        tuple(data["scope"]),
        data["text"],
        data["receipts"],
        data["deadline"],
        media=Media(**kept | {"kind": MediaKind(kept["kind"])}) if kept else None,
    )
    if folded(text) not in NOW_WORDS:
        repeat = notices.parse_repeat(text)
        _, send_at = leading_word(text, AT_WORDS)
        spec = replace(spec, send_at=None if repeat else send_at, repeat=repeat)
    dialogs.end(ctx.session, dialog)
    return [commands.post(ctx, spec)]
