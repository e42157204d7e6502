"""The guided /poll: question, options, deadline and settings, one message at a time.

Each step checks its answer at once; the last opens the poll through the same spec
and service as the one-line `/poll question | A | B | settings…`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import DeliberationSettings
from bot.errors import DomainError
from bot.messages import Incoming
from bot.services.common import dialogs
from bot.services.common.arguments import bounded, split_items
from bot.services.common.keywords import folded, without_ending
from bot.services.common.quiet import QuietHours
from bot.services.common.when import moment_data, parse_when
from bot.services.deliberation import polls
from bot.services.deliberation.poll_spec import (
    FLAGS,
    PollSettings,
    PollSpec,
    read_setting,
    topic_alone,
    whole_poll,
)
from bot.services.deliberation.where import Where
from models import Dialog, PollKind, Topic

KIND = "poll"
CANCEL = frozenset({"取消", "退出", "cancel"})
# 完成 as people also say it; none of these is taken as an option.
DONE = frozenset(
    {
        *("完成", "完成了", "好了", "就这些", "就這些", "就这些了", "就這些了", "没有了", "沒有了"),
        *("没了", "沒了", "完毕", "完畢", "发布", "發布", "發佈"),
        *("done", "finished", "that's all", "that's it"),
    }
)
# Asked for more settings, a plain no (没有, 不用) opens the poll as 完成 does.
NO_MORE = DONE | {"没有", "沒有", "不用", "不用了", "不需要", "不要了", "no", "none"}
SKIP = frozenset({"跳过", "跳過", "skip"})
MAX_ANSWER = 1000
_SETTING_SEPARATORS = ("，", ",", "、", ";", "；")
# Options typed without `|` as people write lists: one a line, or between commas, 、 or ;
# after a label such as 选项： or 投票选项：.
_OPTION_SEPARATORS = "\n,，、;；"
_OPTIONS_LABEL = re.compile(r"^(?:(?:投票)?(?:选项|選項)|options?)\s*[:：]", re.IGNORECASE)


@dataclass(frozen=True)
class Answered:
    """What one answer did: the next question's template and data, or the poll it opened."""

    key: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    posted: polls.Posted | None = None


@dataclass(frozen=True)
class _Step:
    """One answer in its dialog: when, and who (None for a sender no longer known)."""

    session: Session
    now: datetime
    zone: ZoneInfo
    where: Where | None
    dialog: Dialog
    rules: DeliberationSettings
    quiet: QuietHours


def answer(
    session: Session,
    now: datetime,
    zone: ZoneInfo,
    incoming: Incoming,
    text: str,
    where: Where | None,
    rules: DeliberationSettings,
    quiet: QuietHours,
) -> Answered | None:
    """Take the sender's plain text as the next answer of their open guided poll, if any;
    `where` (the sender, None when unknown) opens the poll at the last step."""
    dialog = dialogs.active(session, now, incoming)
    if dialog is None or dialog.kind != KIND:
        return None
    typed = text.strip()
    # A full stop after an answer (完成。, 3天。) is no part of it; the question keeps its ？.
    plain = without_ending(typed)
    if folded(plain) in CANCEL:
        dialogs.end(session, dialog)
        return Answered("dialogs.cancelled")
    bounded(typed, MAX_ANSWER)
    step = {
        "question": _question,
        "options": _options,
        "deadline": _deadline,
        "settings": _settings,
    }[dialog.step]
    answered = typed if dialog.step == "question" else plain
    return step(_Step(session, now, zone, where, dialog, rules, quiet), answered)


def start_on_topic(
    session: Session, where: Where, incoming: Incoming, number: int, typed: str
) -> Answered:
    """Start the guided poll on topic `number`, its setting `typed` (`发起投票 议题 3`): the
    topic is checked as among the settings, its title is the question, the options asked."""
    topic = _topic_to_decide(session, where, number)
    dialog = polls.start_guided(session, where, incoming, KIND)
    return _on_topic(dialog, where.now, topic, typed)


def _on_topic(dialog: Dialog, now: datetime, topic: Topic, typed: str) -> Answered:
    """The dialog on a topic checked already: its title is the question, the options asked."""
    chosen = [typed]
    dialogs.advance(dialog, now, "options", question=topic.title, options=[], settings=chosen)
    return Answered("dialogs.ask_options", {"question": topic.title, "settings": chosen})


def _question(step: _Step, text: str) -> Answered:
    question = " ".join(text.split())
    if not question:
        raise DomainError("dialogs.ask_question")
    on_topic = topic_alone(text, step.now, step.zone)
    if on_topic is not None and step.where is not None:
        number, typed = on_topic
        topic = _topic_to_decide(step.session, step.where, number)
        return _on_topic(step.dialog, step.now, topic, typed)
    spec = whole_poll(text, step.now, step.zone)
    if len(question if spec is None else spec.question) > polls.MAX_QUESTION:
        raise DomainError("deliberation.question_too_long", limit=polls.MAX_QUESTION)
    if spec is not None:
        return _whole(step, spec)
    dialogs.advance(step.dialog, step.now, "options", question=question, options=[], settings=[])
    return Answered("dialogs.ask_options", {"question": question})


def _options(step: _Step, text: str) -> Answered:
    options: list[str] = step.dialog.data["options"]
    word = folded(text)
    if word in DONE:
        if len(options) < polls.MIN_OPTIONS:
            raise DomainError("dialogs.too_few_options", count=len(options))
        return _ask_deadline(step, "")
    flag = FLAGS.get(word)
    if not options and flag is not None and flag[1] in (PollKind.RATING, PollKind.YES_NO):
        return _ask_deadline(step, word)
    added = _typed_options(text)
    if any(len(label) > polls.MAX_LABEL for label in added):
        raise DomainError("deliberation.option_too_long", limit=polls.MAX_LABEL)
    everything = [*options, *added]
    if len(set(everything)) != len(everything):
        raise DomainError("deliberation.duplicate_option")
    if len(everything) > polls.MAX_OPTIONS:
        raise DomainError("dialogs.too_many_options", limit=polls.MAX_OPTIONS)
    dialogs.advance(step.dialog, step.now, "options", options=everything)
    return Answered("dialogs.options_so_far", {"options": everything})


def _whole(step: _Step, spec: PollSpec) -> Answered:
    """A whole poll sent as the question: its options and settings taken as if sent one by
    one and 完成 typed, and its deadline as the answer to that step when it has one."""
    settings = spec.settings
    polls.check_options(settings.kind or PollKind.SINGLE, spec.options, settings)
    _check_topic(step.session, step.where, settings)
    chosen = [item for name, item in settings.typed if name != "closes_at"]
    data = {"question": spec.question, "options": spec.options, "settings": chosen}
    dialogs.advance(step.dialog, step.now, "options", **data, kind="")
    closes_at = settings.closes_at
    asked = _ask_deadline(step, "") if closes_at is None else _to_settings(step, closes_at)
    return Answered("dialogs.whole_poll", {**data, **asked.data, "asked": step.dialog.step})


def _typed_options(text: str) -> list[str]:
    """The options in one message: `|`-separated, else as a list (see _OPTION_SEPARATORS)."""
    return split_items(_OPTIONS_LABEL.sub("", text), _OPTION_SEPARATORS)


def _ask_deadline(step: _Step, kind: str) -> Answered:
    dialogs.advance(step.dialog, step.now, "deadline", kind=kind)
    return Answered("dialogs.ask_deadline", {"days": step.rules.default_poll_days})


def _deadline(step: _Step, text: str) -> Answered:
    now, zone = step.now, step.zone
    closes_at: datetime | None = None
    if folded(text) not in SKIP:
        given = PollSettings()
        if not read_setting(text, now, zone, given) or given.closes_at is None:
            given.closes_at = parse_when(text, now, zone, date_only="end")
        closes_at = given.closes_at
    return _to_settings(step, closes_at)


def _to_settings(step: _Step, closes_at: datetime | None) -> Answered:
    """The deadline answered (None for the default): on to the settings."""
    now = step.now
    if closes_at is not None and closes_at <= now:
        raise DomainError("deliberation.deadline_past")
    deadline = closes_at.isoformat() if closes_at else ""
    chosen = step.dialog.data.get("settings", [])
    dialogs.advance(step.dialog, now, "settings", closes_at=deadline, settings=chosen)
    shown = moment_data(closes_at, step.zone, now) if closes_at else None
    return Answered("dialogs.ask_settings", {"deadline": shown})


def _settings(step: _Step, text: str) -> Answered:
    where = step.where
    if folded(text) in NO_MORE:
        if where is None:
            raise DomainError("core.no_sender")
        if where.circle is None:
            raise DomainError("circles.not_bound")
        spec = _spec(where, step.dialog)
        dialogs.end(step.session, step.dialog)
        return Answered(posted=polls.post(step.session, where, spec, step.rules, step.quiet))
    for separator in _SETTING_SEPARATORS:
        text = text.replace(separator, "|")
    items = split_items(text)
    for item in items:
        given = PollSettings()
        if not read_setting(item, step.now, step.zone, given):
            raise DomainError("deliberation.unknown_setting", text=item[:30])
        _check_topic(step.session, step.where, given)
    chosen = [*step.dialog.data["settings"], *items]
    dialogs.advance(step.dialog, step.now, "settings", settings=chosen)
    return Answered("dialogs.settings_so_far", {"settings": chosen})


def _check_topic(session: Session, where: Where | None, given: PollSettings) -> None:
    """A topic among the settings is checked as soon as it is given."""
    if given.topic_number is not None and where is not None:
        _topic_to_decide(session, where, given.topic_number)


def _topic_to_decide(session: Session, where: Where, number: int) -> Topic:
    community = where.community(session)
    return polls.topic_to_decide(session, where.actor, community, number, where.circle)


def _spec(where: Where, dialog: Dialog) -> PollSpec:
    data = dialog.data
    settings = PollSettings()
    kind = [data["kind"]] if data["kind"] else []
    for item in [*kind, *data["settings"]]:
        read_setting(item, where.now, where.zone, settings)
    if data["closes_at"] and "closes_at" not in settings.given:
        settings.closes_at = datetime.fromisoformat(data["closes_at"])
        settings.given.append("closes_at")
    return PollSpec(data["question"], list(data["options"]), settings)
