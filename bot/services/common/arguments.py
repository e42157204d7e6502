"""Reading command arguments: their length, words, item numbers and ranges, `|` items."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.errors import DomainError
from bot.services.common.keywords import normalise, with_digits, without_ending

_WORD_SEPARATORS = re.compile(r"[\s,，、;；]+")
_ITEM_SEPARATOR = re.compile(r"\s*[|｜]\s*")
# An item number as people write it: 12, #12, 12号, 12号班, 十二, 第12个; or a range, 12-20号.
_NUMBER = r"#?第?(\d{1,6})(?:号班|號班|号|號|班|个|個)?"
# A counting word typed apart from its number: 报名 2 号.
_APART_COUNTER = re.compile(r"\s+(?=(?:号|號|个|個|班)(?:\s|$))")
_NUMBER_OR_RANGE = re.compile(rf"{_NUMBER}(?:[-~至到]{_NUMBER})?")
_COUNTER_AFTER_HEAD = re.compile(rf"^(\S+){_APART_COUNTER.pattern}")
# A number parted from the words after it by a comma or colon (回复 1：明天来修), not a time (3:30).
_PUNCTUATED = re.compile(r"^(\S+?)\s*[，,：:、](?![\d０-９])\s*(.*)$", re.DOTALL)
# Spaces, or a comma or colon, part a mention from what follows it: @张三，5.
_AFTER_MENTION = re.compile(r"^[\s,，、:：;；]*")


def bounded(args: str, limit: int) -> str:
    """The arguments, stripped; longer than `limit` characters they are refused."""
    if len(args) > limit:
        raise DomainError("core.argument_too_long", limit=limit)
    return args.strip()


def after_mentions(text: str, written: Sequence[str]) -> str:
    """`text` without the mentions, as `written`, that it opens with (`@Mary Lee 3` is `3`)."""
    spans = sorted({w.removeprefix("@") for w in written} - {""}, key=len, reverse=True)
    rest = text.lstrip()
    while spans:
        body = rest.removeprefix("@")
        span = next((s for s in spans if body.startswith(s)), None)
        if span is None:
            break
        rest = _AFTER_MENTION.sub("", body[len(span) :], count=1)
    return rest


def words_in(args: str, most: int, limit: int) -> list[str]:
    """The space-separated words of at most `limit` characters of arguments, at most `most`."""
    words = bounded(args, limit).split()
    if len(words) > most:
        raise DomainError("core.extra_arguments", extra=" ".join(words[most:])[:40])
    return words


def as_number(word: str) -> int | None:
    """`12`, `#12`, `12号`, `十二` as a number; None for any other word."""
    match = _number_or_range(word)
    return int(match.group(1)) if match and match.group(2) is None else None


def only_numbers(text: str) -> bool:
    """True when `text` holds nothing but item numbers and ranges (`2`, `2 1 3`, `12-20号`)."""
    return all(_number_or_range(word) for word in _words(text))


def numbers_in(text: str, usage: str) -> list[int]:
    """Item numbers in the order typed (`2`, `#2`, `2 1 3`); any other word gets `usage`."""
    found = numbers_or_none(text)
    if found is None:
        raise DomainError(usage)
    return found


def numbers_or_none(text: str) -> list[int] | None:
    """Item numbers in the order typed, or None when some word is not one."""
    found = []
    for word in _words(text):
        number = as_number(word)
        if number is None:
            return None
        found.append(number)
    return found


def numbers_and_ranges(text: str, usage: str, limit: int, *, too_many: str) -> list[int]:
    """Numbers and ranges (`12 13`, `12-20`, `三至五`), each once: at least one, at most `limit`."""
    found: list[int] = []
    for word in _words(text):
        match = _number_or_range(word)
        if match is None:
            raise DomainError(usage)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first or last - first >= limit:
            raise DomainError(too_many, limit=limit)
        found += range(first, last + 1)
    if not found:
        raise DomainError(usage)
    if len(found) > limit:
        raise DomainError(too_many, limit=limit)
    return list(dict.fromkeys(found))


def number_and_rest(text: str, usage: str) -> tuple[int, str]:
    """A leading item number (`3`, `#3`, `三`) and the text after it, as typed; a number
    with nothing after it may end the sentence (`驳回 3。`), a comma or colon may part it from
    the text (`回复 3：明天来修`), and its counting word may stand apart (`兑换 1 号`)."""
    number, rest = _leading(text)
    if number is None:
        raise DomainError(usage)
    return number, rest


def leads_with_number(text: str) -> bool:
    """True when `text` opens with an item number as a word of its own (`3`, `3 灯还是不亮`,
    `#3`), not with one run into other words (`3天了`, `2楼的灯`)."""
    return _leading(text)[0] is not None


def _leading(text: str) -> tuple[int | None, str]:
    punctuated = _PUNCTUATED.match(text)
    if punctuated and (number := as_number(punctuated.group(1))) is not None:
        return number, punctuated.group(2)
    head, *rest = _COUNTER_AFTER_HEAD.sub(r"\1", text).split(maxsplit=1) or [""]
    return as_number(head if rest else without_ending(head)), rest[0] if rest else ""


def barred(text: str) -> bool:
    """Whether `text` parts its items with `|` (half- or full-width)."""
    return _ITEM_SEPARATOR.search(text) is not None


def split_items(text: str, unbarred: str = "") -> list[str]:
    """The `|`-separated items (half- or full-width) as typed, each trimmed with single spaces;
    in a text without a bar the characters of `unbarred` (say `，`) part them instead.

    Empty items are dropped: a doubled or trailing bar is a slip, never a missing value.
    """
    separator = _ITEM_SEPARATOR
    if unbarred and not barred(text):
        separator = re.compile(rf"\s*[{re.escape(unbarred)}]\s*")
    items = (" ".join(item.split()) for item in separator.split(text))
    return [item for item in items if item]


def _number_or_range(word: str) -> re.Match[str] | None:
    return _NUMBER_OR_RANGE.fullmatch(with_digits(normalise(word)))


def words_apart(text: str) -> list[str]:
    """The words of `text` as typed, parted by spaces, commas (，、) or semicolons."""
    return [word for word in _WORD_SEPARATORS.split(text) if word]


def _words(text: str) -> list[str]:
    return words_apart(_APART_COUNTER.sub("", normalise(text)))
