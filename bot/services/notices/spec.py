"""Reading a notice as typed: `<scope> | <text> [| 回执 截止 <when>] [| 定时 <when>]`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.errors import DomainError
from bot.services.common.arguments import split_items
from bot.services.common.keywords import folded

MAX_TEXT = 1000
MAX_SCOPE_WORDS = 10
_SCOPE_SEPARATORS = re.compile(r"[\s,，、;；]+")
RECEIPT_WORDS = ("回执", "回執", "receipts", "receipt")
DEADLINE_WORDS = ("截止", "deadline")
AT_WORDS = ("定时", "定時", "at")


@dataclass(frozen=True)
class NoticeSpec:
    """The scope words, the text, whether receipts are asked (and by when), and when to send."""

    scope: tuple[str, ...]
    text: str
    receipts: bool = False
    deadline: str | None = None
    send_at: str | None = None


def parse_notice(args: str) -> NoticeSpec:
    """The notice typed after `通知`; the scope is the first word when there is no `|`."""
    items = split_items(args)
    if len(items) == 1:
        scope, _, text = items[0].strip().partition(" ")
        items = [scope, text]
    if not items or not items[0]:
        raise DomainError("notices.usage")
    scope_words = tuple(w for w in _SCOPE_SEPARATORS.split(items[0]) if w)
    if len(scope_words) > MAX_SCOPE_WORDS:
        raise DomainError("notices.usage")
    text = items[1].strip() if len(items) > 1 else ""
    if not text:
        raise DomainError("notices.empty")
    if len(text) > MAX_TEXT:
        raise DomainError("core.argument_too_long", limit=MAX_TEXT)
    receipts, deadline, send_at = False, None, None
    for item in items[2:]:
        word, rest = _leading(item, RECEIPT_WORDS)
        if word:
            receipts = True
            item = rest
            if not item:
                continue
        word, rest = _leading(item, DEADLINE_WORDS)
        if word and rest:
            receipts, deadline = True, rest
            continue
        word, rest = _leading(item, AT_WORDS)
        if word and rest:
            send_at = rest
            continue
        raise DomainError("notices.bad_setting", item=item[:30])
    return NoticeSpec(scope_words, text, receipts, deadline, send_at)


def _leading(item: str, words: tuple[str, ...]) -> tuple[str, str]:
    """The setting word `item` starts with (if any) and what follows it."""
    lowered = folded(item)
    for word in words:
        if lowered.startswith(word):
            return word, lowered[len(word) :].strip()
    return "", item
