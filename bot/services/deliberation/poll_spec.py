"""Reading /poll: the question, its options, and the settings that trail them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.errors import DomainError
from bot.services.common.arguments import barred, split_items
from bot.services.common.keywords import normalise, with_digits
from bot.services.common.when import parse_when
from models import PollKind

_VALUE_SEPARATOR = re.compile(r"^[\s:：]+")
_QUESTION_MARK = re.compile(r"[？?]")
# After a question mark an English comma parts items too, but not one within a number (10,000).
_ENGLISH_COMMA = re.compile(r",(?!\d)|(?<!\d),")
# Settings that stand alone, and the (field, value) each sets.
FLAGS: dict[str, tuple[str, object]] = {
    **dict.fromkeys(("匿名", "anonymous"), ("anonymous", True)),
    **dict.fromkeys(("实名", "實名", "记名", "記名", "named"), ("anonymous", False)),
    **dict.fromkeys(("每户一票", "每戶一票", "per household"), ("per_household", True)),
    **dict.fromkeys(("每人一票", "per person", "per resident"), ("per_household", False)),
    **dict.fromkeys(("结束后公布", "結束後公布", "hidden"), ("hidden", True)),
    **dict.fromkeys(("即时公布", "即時公布", "公开结果", "公開結果", "visible"), ("hidden", False)),
    **dict.fromkeys(("夜间也公布", "夜間也公布", "results at night"), ("night_results", True)),
    **dict.fromkeys(("可改票", "changeable"), ("changeable", True)),
    **dict.fromkeys(("不可改票", "final"), ("changeable", False)),
    **dict.fromkeys(("评分", "評分", "满意度", "滿意度", "rating"), ("kind", PollKind.RATING)),
    **dict.fromkeys(
        ("表决", "表決", "赞成反对", "贊成反對", "yes/no", "yes-no", "yesno"),
        ("kind", PollKind.YES_NO),
    ),
    **dict.fromkeys(("单选", "單選", "single"), ("kind", PollKind.SINGLE)),
}
# Settings followed by a value.
VALUED: dict[str, str] = {
    **dict.fromkeys(
        ("截止时间", "截止時間", "截止日期", "截止", "截至", "deadline", "until"), "closes_at"
    ),
    **dict.fromkeys(("closes", "closing", "ends", "by"), "closes_at"),
    **dict.fromkeys(("开始时间", "開始時間", "开始", "開始", "opens", "start"), "opens_at"),
    **dict.fromkeys(("多选", "多選", "choose"), "max_choices"),
    **dict.fromkeys(("法定", "quorum"), "quorum_percent"),
    **dict.fromkeys(("范围", "範圍", "scope"), "scope"),
    **dict.fromkeys(("议题", "議題", "topic"), "topic_number"),
}
_VALUED_WORDS = sorted(VALUED, key=len, reverse=True)
# Everyday English words for a deadline: a setting only when a time follows, else an option
# ("by bus").
_LOOSE = frozenset(("closes", "closing", "ends", "by"))


@dataclass
class PollSettings:
    """Settings given with /poll or /pollset; None means not given; `typed`, each as read
    with the field it sets."""

    closes_at: datetime | None = None
    opens_at: datetime | None = None
    anonymous: bool | None = None
    hidden: bool | None = None
    per_household: bool | None = None
    changeable: bool | None = None
    night_results: bool | None = None
    kind: PollKind | None = None
    max_choices: int | None = None
    quorum_percent: int | None = None
    scope: str | None = None
    topic_number: int | None = None
    given: list[str] = field(default_factory=list)
    typed: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class PollSpec:
    """A poll as typed: its question, options and settings."""

    question: str
    options: list[str]
    settings: PollSettings


def parse_poll(text: str, now: datetime, zone: ZoneInfo) -> PollSpec:
    """`question | option | option | setting …`: trailing items that are settings are settings.

    Without any bar, the question ends at its first question mark when words follow it
    (`要不要装？同意，不同意`), else at the first `，`; then `，` parts the items, and `、`
    the options too (`周末活动，打扫、聚餐`).
    """
    unbarred = not barred(text)
    question, items = _unbarred(text) if unbarred else _barred(text)
    if not question:
        raise DomainError("deliberation.poll_usage")
    settings = PollSettings()
    if unbarred and len(items) == 1 and question[-1] in "？?":
        items, settings = _spaced(items[0], now, zone)
    read = len(settings.typed)
    while items and (
        _settings_only(items[-1], now, zone, settings)
        or read_setting(items[-1], now, zone, settings, earlier=True)
    ):
        items.pop()
    if unbarred and items:
        items[-1] = _without_flags(items[-1], now, zone, settings)
    settings.typed[read:] = reversed(settings.typed[read:])
    options = items
    if unbarred:
        options = [option for item in items for option in split_items(item, "、")]
    if read_setting(question, now, zone, PollSettings()):
        raise DomainError("deliberation.poll_usage")
    return PollSpec(question, options, settings)


def whole_poll(text: str, now: datetime, zone: ZoneInfo) -> PollSpec | None:
    """`text` read as /poll when it writes out a whole poll: bars, or words after the
    question mark, and at least two options; else None (a question alone)."""
    mark = _QUESTION_MARK.search(text)
    if not barred(text) and (mark is None or not text[mark.end() :].strip()):
        return None
    try:
        spec = parse_poll(text, now, zone)
    except DomainError as error:
        if error.key == "deliberation.poll_usage":
            return None
        raise
    return spec if len(spec.options) >= 2 else None


def topic_alone(text: str, now: datetime, zone: ZoneInfo) -> tuple[int, str] | None:
    """`text` read as a topic setting alone (`议题 3`, `topic 3`): its number and the setting
    as typed; else None."""
    settings = PollSettings()
    try:
        read = read_setting(text, now, zone, settings)
    except DomainError:
        return None
    if not read or settings.topic_number is None or settings.given != ["topic_number"]:
        return None
    return settings.topic_number, settings.typed[0][1]


def _barred(text: str) -> tuple[str, list[str]]:
    return _question_first(split_items(text))


def _unbarred(text: str) -> tuple[str, list[str]]:
    mark = _QUESTION_MARK.search(text)
    if mark is not None:
        rest = split_items(_ENGLISH_COMMA.sub("，", text[mark.end() :]), "，")
        if rest:
            return " ".join(text[: mark.end()].split()), rest
    return _question_first(split_items(text, "，"))


def _spaced(text: str, now: datetime, zone: ZoneInfo) -> tuple[list[str], PollSettings]:
    """After a question mark and without `，`: options parted by spaces, `/` or `、`, then
    the settings from the first word that begins a run of them reading to the end (a valued
    setting takes the words up to the next setting's: `截止 周五 晚上8点`)."""
    words = text.split()
    for start in range(len(words)):
        settings = PollSettings()
        if _settings_from(words[start:], now, zone, settings):
            return split_items(" ".join(words[:start]), " /、"), settings
    return split_items(text, " /、"), PollSettings()


def _without_flags(option: str, now: datetime, zone: ZoneInfo, settings: PollSettings) -> str:
    """The last option without the settings that stand alone after it with no comma (`no
    匿名`), read into `settings` from the last, as long as some of its words stay."""
    words = option.split()
    end = len(words)
    while size := next((n for n in (3, 2, 1) if n < end and _flag(words[end - n : end])), 0):
        read_setting(" ".join(words[end - size : end]), now, zone, settings, earlier=True)
        end -= size
    return " ".join(words[:end]) if end < len(words) else option


def _flag(words: list[str]) -> bool:
    """Whether `words` are a setting that stands alone (匿名, per household)."""
    return normalise(" ".join(words)).lower() in FLAGS


def _settings_from(words: list[str], now: datetime, zone: ZoneInfo, settings: PollSettings) -> bool:
    """Whether `words` are settings only, each read into `settings`."""
    runs = _runs(words)
    return runs is not None and all(read_setting(run, now, zone, settings) for run in runs)


def _settings_only(item: str, now: datetime, zone: ZoneInfo, settings: PollSettings) -> bool:
    """Whether `item` is settings only, parted by spaces (`截止3天 匿名`), then read into
    `settings` as typed before those read already."""
    runs = _runs(item.split())
    try:
        if runs is None or not _settings_from(item.split(), now, zone, PollSettings()):
            return False
    except DomainError:
        return False
    for run in reversed(runs):
        read_setting(run, now, zone, settings, earlier=True)
    return True


def _runs(words: list[str]) -> list[str] | None:
    """`words` parted where each setting begins, or None when they do not begin with one."""
    starts = [at for at in range(len(words)) if _begins_setting(words, at)]
    if not starts or starts[0] != 0:
        return None
    ends = [*starts[1:], len(words)]
    return [" ".join(words[at:end]) for at, end in zip(starts, ends, strict=True)]


def _begins_setting(words: list[str], at: int) -> bool:
    lowered = normalise(words[at]).lower()
    if any(_flag(words[at : at + size]) for size in (1, 2, 3)):
        return True
    return any(lowered.startswith(word) for word in _VALUED_WORDS)


def _question_first(items: list[str]) -> tuple[str, list[str]]:
    return (items[0], items[1:]) if items else ("", [])


def parse_settings(items: list[str], now: datetime, zone: ZoneInfo) -> PollSettings:
    """Every item must be a setting (for /pollset)."""
    settings = PollSettings()
    for item in items:
        if not read_setting(item, now, zone, settings):
            raise DomainError("deliberation.unknown_setting", text=item[:30])
    return settings


def read_setting(
    item: str, now: datetime, zone: ZoneInfo, settings: PollSettings, earlier: bool = False
) -> bool:
    """Apply `item` to `settings` if it is a setting; a setting with a bad value is an error.

    A valued setting written without a space (开始施工) counts only if its value reads,
    so options that merely begin with a setting's word stay options. An `earlier` item, one
    typed before those already read, leaves alone what they set.
    """
    item = normalise(item)
    lowered = item.lower()
    flag = FLAGS.get(lowered)
    if flag is not None:
        name, value = flag
        _set(settings, name, value, earlier)
        settings.typed.append((name, item))
        return True
    word = next((w for w in _VALUED_WORDS if lowered.startswith(w)), None)
    if word is None:
        return False
    rest = item[len(word) :]
    spaced = not rest or bool(_VALUE_SEPARATOR.match(rest))
    value = _VALUE_SEPARATOR.sub("", rest)
    name = VALUED[word]
    try:
        parsed = _value(name, value, now, zone)
    except DomainError as error:
        # A time read but too far off is a deadline all the same, not an option.
        if (spaced and word not in _LOOSE) or error.key == "when.too_far":
            raise
        return False
    _set(settings, name, parsed, earlier)
    settings.typed.append((name, item))
    return True


def _set(settings: PollSettings, name: str, value: object, earlier: bool) -> None:
    """Set a field as given, unless an item typed later set it already."""
    # People correct themselves: of two settings that contradict, the last typed counts.
    if earlier and name in settings.given:
        return
    setattr(settings, name, value)
    if name == "max_choices" and not (earlier and "kind" in settings.given):
        settings.kind = PollKind.MULTIPLE
    settings.given.append(name)


def _value(name: str, value: str, now: datetime, zone: ZoneInfo) -> object:
    if not value:
        raise DomainError("deliberation.setting_needs_value", setting=name)
    if name == "closes_at":
        return parse_when(value, now, zone, date_only="end")
    if name == "opens_at":
        return parse_when(value, now, zone, date_only="start")
    if name == "scope":
        return value
    number = re.fullmatch(r"#?(\d{1,4})\s*%?", with_digits(value))
    if number is None:
        raise DomainError("deliberation.setting_needs_number", setting=name, text=value[:20])
    return int(number.group(1))
