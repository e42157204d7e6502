"""The guided /poll: question, options, deadline and settings, one message at a time.

Each step checks its answer at once; the last opens the poll through the same spec
and service as the one-line `/poll question | A | B | settings…`.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Envelope, Reply
from bot.services.common import dialogs
from bot.services.common.arguments import split_items
from bot.services.common.keywords import folded
from bot.services.common.when import local_text, parse_when
from bot.services.deliberation import polls
from bot.services.deliberation.poll_spec import (
    FLAGS,
    PollSettings,
    PollSpec,
    read_setting,
)
from handlers.deliberation import parsing
from handlers.deliberation import polls as poll_commands
from handlers.deliberation.parsing import where
from models import Dialog, PollKind

KIND = "poll"
CANCEL = frozenset({"取消", "cancel"})
DONE = frozenset({"完成", "done"})
SKIP = frozenset({"跳过", "跳過", "skip"})
_SETTING_SEPARATORS = ("，", ",", "、", ";", "；")


def poll(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`/poll question | A | B | settings…` opens a poll; `/poll` alone starts the guided dialog."""
    if args.strip():
        return poll_commands.poll(ctx, args)
    ctx.require_circle()
    polls.start_guided(ctx.session, where(ctx), ctx.incoming, KIND)
    return [Reply("dialogs.ask_question")]


def answer(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """Take the sender's plain text as the next answer of their open dialog, if any."""
    dialog = dialogs.active(ctx.session, ctx.now, ctx.incoming)
    if dialog is None or dialog.kind != KIND:
        return None
    typed = text.strip()
    if folded(typed) in CANCEL:
        dialogs.end(ctx.session, dialog)
        return [Reply("dialogs.cancelled")]
    parsing.bounded(typed)
    step = {
        "question": _question,
        "options": _options,
        "deadline": _deadline,
        "settings": _settings,
    }[dialog.step]
    return step(ctx, dialog, typed)


def _question(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    question = " ".join(text.split())
    if not question:
        raise DomainError("dialogs.ask_question")
    if len(question) > polls.MAX_QUESTION:
        raise DomainError("deliberation.question_too_long", limit=polls.MAX_QUESTION)
    dialogs.advance(dialog, ctx.now, "options", question=question, options=[])
    return [Reply("dialogs.ask_options", {"question": question})]


def _options(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    options: list[str] = dialog.data["options"]
    word = folded(text)
    if word in DONE:
        if len(options) < polls.MIN_OPTIONS:
            raise DomainError("dialogs.too_few_options", count=len(options))
        return _ask_deadline(ctx, dialog, "")
    flag = FLAGS.get(word)
    if not options and flag is not None and flag[1] in (PollKind.RATING, PollKind.YES_NO):
        return _ask_deadline(ctx, dialog, word)
    added = split_items(text)
    if any(len(label) > polls.MAX_LABEL for label in added):
        raise DomainError("deliberation.option_too_long", limit=polls.MAX_LABEL)
    everything = [*options, *added]
    if len(set(everything)) != len(everything):
        raise DomainError("deliberation.duplicate_option")
    if len(everything) > polls.MAX_OPTIONS:
        raise DomainError("dialogs.too_many_options", limit=polls.MAX_OPTIONS)
    dialogs.advance(dialog, ctx.now, "options", options=everything)
    return [Reply("dialogs.options_so_far", {"options": everything})]


def _ask_deadline(ctx: Context, dialog: Dialog, kind: str) -> list[Reply | Envelope]:
    dialogs.advance(dialog, ctx.now, "deadline", kind=kind)
    days = ctx.settings.deliberation.default_poll_days
    return [Reply("dialogs.ask_deadline", {"days": days})]


def _deadline(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    closes_at: datetime | None = None
    if folded(text) not in SKIP:
        given = PollSettings()
        if not read_setting(text, ctx.now, ctx.zone, given) or given.closes_at is None:
            given.closes_at = parse_when(text, ctx.now, ctx.zone, date_only="end")
        closes_at = given.closes_at
        if closes_at <= ctx.now:
            raise DomainError("deliberation.deadline_past")
    deadline = closes_at.isoformat() if closes_at else ""
    dialogs.advance(dialog, ctx.now, "settings", closes_at=deadline, settings=[])
    shown = local_text(closes_at, ctx.zone) if closes_at else ""
    return [Reply("dialogs.ask_settings", {"deadline": shown})]


def _settings(ctx: Context, dialog: Dialog, text: str) -> list[Reply | Envelope]:
    if folded(text) in DONE:
        ctx.require_circle()
        spec = _spec(ctx, dialog)
        dialogs.end(ctx.session, dialog)
        return poll_commands.post_poll(ctx, spec)
    for separator in _SETTING_SEPARATORS:
        text = text.replace(separator, "|")
    items = split_items(text)
    for item in items:
        if not read_setting(item, ctx.now, ctx.zone, PollSettings()):
            raise DomainError("deliberation.unknown_setting", text=item[:30])
    chosen = [*dialog.data["settings"], *items]
    dialogs.advance(dialog, ctx.now, "settings", settings=chosen)
    return [Reply("dialogs.settings_so_far", {"settings": chosen})]


def _spec(ctx: Context, dialog: Dialog) -> PollSpec:
    data = dialog.data
    settings = PollSettings()
    kind = [data["kind"]] if data["kind"] else []
    for item in [*kind, *data["settings"]]:
        read_setting(item, ctx.now, ctx.zone, settings)
    if data["closes_at"] and "closes_at" not in settings.given:
        settings.closes_at = datetime.fromisoformat(data["closes_at"])
        settings.given.append("closes_at")
    return PollSpec(data["question"], list(data["options"]), settings)
