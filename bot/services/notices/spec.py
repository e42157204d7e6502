"""Reading a notice as typed: `<scope> | <text> [| 回执 截止 <when>] [| 定时 <when>]
[| 每周一 8:00] [| 附件 <file>]`."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from bot.errors import DomainError
from bot.messages import Media
from bot.services.common.arguments import split_items
from bot.services.common.keywords import folded
from bot.services.common.when import weekday_date
from bot.services.community.grid import ENGLISH_BUILDING
from bot.services.notices.reach import NAMED_SCOPES
from bot.services.notices.recurring import Repeat, parse_repeat

MAX_TEXT = 1000
MAX_SCOPE_WORDS = 10
# A building named in English, maybe on its estate's path (Building 3 Unit 2, 1号院/Bldg 3).
_ENGLISH_PLACE = rf"(?:[^\s:：,，、;；]*/\s*)?{ENGLISH_BUILDING}"
# What parts buildings named in English in a list: 、, a comma, & or "and" (Building 3,
# Building 4; Building 3 and 3rd block). Each is named whole, so "Building 3, and 4" is not one.
_ENGLISH_AND = r"\s*(?:[,，、&]|\band\b)\s*"
_IS_ENGLISH_PLACE = re.compile(_ENGLISH_PLACE, re.IGNORECASE)
# A scope word, or an English one of several (this building, this group, Building 3 Unit 2,
# 1号院/Bldg 3).
_SCOPE_WORD = re.compile(
    rf"this\s+(?:building|group)|{_ENGLISH_PLACE}|[^\s,，、;；]+", re.IGNORECASE
)
# The words between scope words that name nothing (Building 3 and Building 4).
_AND_WORDS = frozenset({"and", "&"})
# One word of a list with 、, a building named in English among them (3号楼、Building 4).
_LISTED = rf"(?:{_ENGLISH_PLACE}|[^\s:：,，、]+)"
# The scope before the text where no bar parts them: its first word, or this building, this
# group or buildings named in English, then a space, a colon or a comma (全部：明天停水,
# 1号院、2号院，明天停水, Building 3, Building 4 Water off); the text after it is kept whole,
# commas and all.
_LEADING_SCOPE = re.compile(
    rf"((?:this\s+(?:building|group)|{_ENGLISH_PLACE}(?:{_ENGLISH_AND}{_ENGLISH_PLACE})*)"
    rf"(?=[\s:：,，]|$)|{_LISTED}(?:、{_LISTED})*、*)([\s:：,，]*)(.*)",
    re.IGNORECASE | re.DOTALL,
)
# A bar typed after the scope (全部 |): what is missing is the text.
_BAR_AFTER_WORDS = re.compile(r"\S\s*[|｜]")
# The end of a place's or circle's name (1号院, 3号楼, 1栋, 2单元, 幸福家园, 红旗里社区,
# 党员圈, 楼栋群) or path (1号院/3号楼): after the first scope word, a word listed with 、
# is read as scope only in this shape, so 全部、明天停水，请储水 parts at the 、.
_PLACE_SHAPED = re.compile(
    r"(?:院|楼|樓|栋|棟|幢|单元|單元|小区|小區|社区|社區|园|園|苑|里|村|圈|群)$"
)
RECEIPT_WORDS = ("回执", "回執", "receipts", "receipt")
# Without bars, 回执 after the text's last comma asks for receipts (全部 明天停水，回执), alone
# or with its deadline (，回执 截止 明天18:00, ，回执 明天18:00: words with a number), as no
# notice's text ends so; not English "receipts", with which a list may end.
_TRAILING_RECEIPTS = re.compile(
    r"(.*\S)\s*[,，]\s*((?:回执|回執)(?:\s*(?:截止|截至)\s*[^,，]+|\s*[^,，]*\d[^,，]*)?)",
    re.DOTALL,
)
# 截至 is the common slip for 截止; "by " reads "receipts by Friday 18:00".
DEADLINE_WORDS = ("截止", "截至", "deadline", "by ")
AT_WORDS = ("定时", "定時", "at")
# Send now: also what overrides the night's wait on confirming (确认发送 3 现在).
NOW_WORDS = frozenset(
    {
        "现在",
        "現在",
        "马上",
        "馬上",
        "立即",
        "立刻",
        "现在发送",
        "現在傳送",
        "現在發送",
        "now",
        "send now",
    }
)
FILE_WORDS = ("附件", "图片", "圖片", "文件", "檔案", "file", "image")
# Words whose day is the day the notice is read, not the day it was written.
_DAY_WORDS = re.compile(
    r"大后天|大後天|今晚|今夜|今天|今日|今早|明天|明日|明晚|明早|后天|後天|昨天|昨日|昨晚"
    r"|\b(?:tonight|today|tomorrow|yesterday|this\s+(?:morning|afternoon|evening))\b",
    re.IGNORECASE,
)
# A weekday's name (周五, 星期五, 礼拜五, 下周五, Friday): its day is counted from the day the
# notice is read too, but moves only where that is another week or past it. Not 每周五 or
# every Friday, nor 一周一次.
_WEEKDAY_WORDS = re.compile(
    r"(?<![每一二两兩三四几幾个個\d])(?:[下这這本]\s*)?(?:周|週|星期|礼拜|禮拜)\s*[一二三四五六日天1-7]"
    r"|(?<!every )\b(?:(?:next|this)\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NoticeSpec:
    """The scope words, the text, whether receipts are asked (and by when), when to send,
    how often, and a file to send with it: a path on the bot's machine, or `media`, the
    picture or file the sender sent with the command."""

    scope: tuple[str, ...]
    text: str
    receipts: bool = False
    deadline: str | None = None
    send_at: str | None = None
    repeat: Repeat | None = None
    attachment: str | None = None
    media: Media | None = None


def parse_notice(args: str) -> NoticeSpec:
    """The notice typed after `通知`; the scope is the first word when there is no `|`, or
    when what follows the first `|` is a setting (`本楼 明天停水 | 回执 截止 明天18:00`)."""
    items = split_items(args)
    if not items:
        raise DomainError("notices.usage")
    scope, text = _leading_scope(items[0])
    lone = len(items) == 1 and not text and not _BAR_AFTER_WORDS.search(args)
    if lone and scope.lower() not in NAMED_SCOPES:
        # One run of words and no bar (通知 明天停水, 通知3号楼的人明天停水) may be a text
        # whose scope was forgotten as well as a scope without text: the form answers both.
        raise DomainError("notices.usage")
    if len(items) == 1:
        items = [scope, *_trailing_receipts(text)]
    elif text and _is_setting(items[1]):
        items = [scope, text, *items[1:]]
    spec = NoticeSpec(scope_words(items[0]), notice_text(items[1] if len(items) > 1 else ""))
    for item in items[2:]:
        spec = _setting(spec, item)
    return spec


def _leading_scope(item: str) -> tuple[str, str]:
    """The scope `item` opens with and the text after it, where no bar parts them."""
    leading = _LEADING_SCOPE.fullmatch(item.strip())
    if leading is None:
        return item, ""
    scope, gap, text = leading.groups()
    words = scope.split("、")
    named = next((n for n, w in enumerate(words[1:], 1) if not _names_place(w)), len(words))
    if named == len(words):
        return scope, text
    rest = "、".join(words[named:]).lstrip("、")
    return "、".join(words[:named]), f"{rest}{gap}{text}" if text else rest


def _names_place(word: str) -> bool:
    """Whether a word listed with 、 after the first scope word is one more scope word."""
    if word.lower() in NAMED_SCOPES or _IS_ENGLISH_PLACE.fullmatch(word.strip()):
        return True
    return bool(_PLACE_SHAPED.search(word)) and not _DAY_WORDS.search(word)


def _trailing_receipts(text: str) -> list[str]:
    """The text, then 回执 as a setting where it ends the text after a comma."""
    trailing = _TRAILING_RECEIPTS.fullmatch(text)
    return [trailing.group(1), trailing.group(2)] if trailing else [text]


def scope_words(typed: str) -> tuple[str, ...]:
    """The words of a typed scope (1号院 3号楼, 1号院、2号院, this building)."""
    found = (" ".join(w.group().split()) for w in _SCOPE_WORD.finditer(typed.strip()))
    words = tuple(w for w in found if w.lower() not in _AND_WORDS)
    if not words or len(words) > MAX_SCOPE_WORDS:
        raise DomainError("notices.usage")
    return words


def notice_text(typed: str) -> str:
    """The text of a notice as typed; an empty or overlong one is refused."""
    text = typed.strip()
    if not text:
        raise DomainError("notices.empty")
    if len(text) > MAX_TEXT:
        raise DomainError("core.argument_too_long", limit=MAX_TEXT)
    return text


def day_words(text: str, written: date, read: date) -> tuple[str, ...]:
    """The words of `text` naming a day from the day it is read (今晚, tonight), once each, and
    the weekdays named (周五) that name another day read on `read` than on `written`."""
    said = [*_DAY_WORDS.finditer(text), *_WEEKDAY_WORDS.finditer(text)]
    found: dict[str, str] = {}
    for match in sorted(said, key=lambda m: m.start()):
        word = match.group()
        day = weekday_date(word, written)
        if day is None or day != weekday_date(word, read):
            found.setdefault(word.casefold(), word)
    return tuple(found.values())


def _setting(spec: NoticeSpec, item: str) -> NoticeSpec:
    """`spec` with one typed setting added."""
    word, rest = leading_word(item, RECEIPT_WORDS)
    if word:
        spec = replace(spec, receipts=True)
        item = rest
        if not item:
            return spec
        # 回执 明天18:00: the time after 回执 is its deadline, 截止 or not.
        if not leading_word(item, DEADLINE_WORDS)[0]:
            return replace(spec, deadline=item)
    word, rest = leading_word(item, DEADLINE_WORDS)
    if word and rest:
        return replace(spec, receipts=True, deadline=rest)
    word, rest = leading_word(item, AT_WORDS)
    if word and rest:
        return replace(spec, send_at=rest)
    word, _ = leading_word(item, FILE_WORDS)
    if word and item.strip()[len(word) :].strip():
        return replace(spec, attachment=item.strip()[len(word) :].strip())
    repeat = parse_repeat(item)
    if repeat is not None:
        return replace(spec, repeat=repeat)
    raise DomainError("notices.bad_setting", item=item[:30])


def _is_setting(item: str) -> bool:
    """Whether `item` reads as a setting rather than a notice's text."""
    try:
        _setting(NoticeSpec((), ""), item)
    except DomainError:
        return False
    return True


def leading_word(item: str, words: tuple[str, ...]) -> tuple[str, str]:
    """The setting word `item` starts with (if any) and what follows it."""
    lowered = folded(item)
    for word in words:
        if lowered.startswith(word):
            return word, lowered[len(word) :].strip()
    return "", item
