"""Keyword normalisation: how typed words are folded before they are read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import TypeVar

import opencc

# The characters of Chinese numerals people type: 三, 十二, 两, 三零一, 廿一, 一万.
NUMERALS = "零〇一二两兩三四五六七八九十廿百千万萬"
# A numeral standing alone between these (or the text's ends) is a number: 报名 二, 三-二-三零一.
_APART = r"\s#\-~至到,，、;；:：|/"
# A numeral right before one of these counts something: 三号楼, 二单元, 三天, 下午三点, 两人.
COUNTED = (
    "号|號|楼|樓|栋|棟|幢|单元|單元|室|户|戶|层|層|班|天|日|周|週|星期|个|個|小时|小時|钟|鐘"
    "|分|秒|月|年|点|點|时|時|人|次|项|項|票|名|位|%"
)
_NUMERAL_RUN = re.compile(
    rf"(?:(?<=^)|(?<=[{_APART}]))([{NUMERALS}]+)(?=$|[{_APART}])"
    rf"|(?<![{NUMERALS}])([{NUMERALS}]+)(?={COUNTED})"
)
_ANY_NUMERAL_RUN = re.compile(rf"[{NUMERALS}]+")
# Sentence punctuation ending a message, as typed or folded: 。！？.!?… (repeated).
_ENDING = frozenset(".!?。！？．｡…")
# Text that opens with a number: 2, 二, 三号, 一号班, 第一个 (but not 一下, 一起 or 第一天).
_LEADING_NUMBER = re.compile(rf"第?(?:\d|[{NUMERALS}]+(?:$|[{_APART}]|号|號|班|个|個))")


# Thanks, as people end a message with them: 谢谢, 多谢您了, 辛苦了, 麻烦你了, thank you.
THANKS = (
    r"(?:谢谢|謝謝|多谢|多謝|感谢|感謝)(?:你们|您们|你們|您們|你|您)?(?:了|啦)?"
    r"|辛苦(?:你|您)?了?|(?:麻烦|麻煩)(?:你|您)?了|thanks|thank you"
)
# An apology people end a request with: 取消报名 2 不好意思.
APOLOGY = r"不好意思|抱歉|对不起|對不起|sorry"
# Thanks, and assent, that ask nothing: 谢谢, 辛苦了; 好的, 知道了.
# Words that confirm on their own: what a question asking to confirm is answered with.
CONFIRMING = frozenset({"确认", "確認", "confirm"})
_GRATITUDE = re.compile(THANKS)
_ASSENT = re.compile(r"好的|知道了|明白了|嗯|啦|ok")


T = TypeVar("T")
# How typed words name a thing, most exact first: all of its name, its start, a part of it.
_FITS: tuple[Callable[[str, str], bool], ...] = (str.__eq__, str.startswith, str.__contains__)


def courtesy(text: str) -> str:
    """What courtesy `text` is, punctuation, emoji and spaces aside: `thanks` (谢谢,
    好的，辛苦了！), `assent` only (好的👍), or empty for anything else."""
    folded_text = normalise(text).lower()
    thanked = _GRATITUDE.sub("", folded_text)
    rest = _ASSENT.sub("", thanked)
    if rest == folded_text or any(ch.isalnum() for ch in rest):
        return ""
    return "thanks" if thanked != folded_text else "assent"


def normalise(text: str) -> str:
    """NFKC-fold and trim, so full-width digits, spaces, colons and bars read as plain ones."""
    return unicodedata.normalize("NFKC", text).strip()


def without_ending(text: str) -> str:
    """`text` without the sentence punctuation and spaces it ends with: 报名 2。 -> 报名 2."""
    end = len(text)
    while end and (text[end - 1] in _ENDING or text[end - 1].isspace()):
        end -= 1
    return text[:end]


def folded(text: str) -> str:
    """Normalised, lower-cased, with each run of spaces as one: the form keywords match in."""
    return " ".join(normalise(text).lower().split())


def simplified(text: str) -> str:
    """Normalised, with traditional characters as simplified ones (1號院 -> 1号院): the form
    in which typed names, places and options are compared with stored ones."""
    return _converted("t2s", normalise(text))


def clipped(text: str, most: int) -> str:
    """`text` cut to `most` characters, its last an ellipsis where it was cut."""
    return text if len(text) <= most else text[: most - 1] + "…"


def squeezed(text: str) -> str:
    """Folded, simplified and without spaces: how a typed name is compared with stored ones
    (东门 充电桩 as 东门充电桩, 食用 油 as 食用油)."""
    return "".join(simplified(folded(text)).split())


def best_named(wanted: str, named: Sequence[tuple[T, Sequence[str]]]) -> list[T]:
    """The things whose (squeezed) names `wanted` fits most exactly: all of a name, else its
    start, else a part of it; none when it fits no name."""
    word = squeezed(wanted)
    for fits in _FITS:
        found = [thing for thing, names in named if any(fits(name, word) for name in names)]
        if found:
            return found
    return []


def spellings(text: str) -> list[str]:
    """The name `text` as typed and in simplified, traditional, Taiwan and Hong Kong
    characters: what an index is asked for before names are compared `simplified`."""
    typed = normalise(text)
    base = simplified(typed)
    return sorted({typed, base, *(_converted(c, base) for c in ("s2t", "s2tw", "s2hk"))})


def _converted(config: str, text: str) -> str:
    return str(_converter(config).convert(text))


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def numeral_value(word: str) -> int | None:
    """A whole number written in digits or Chinese numerals (12, 十二, 两, 三零一); else None."""
    if word.isascii() and word.isdigit():
        return int(word)
    if not word or any(ch not in NUMERALS for ch in word):
        return None
    # cn2an compiles its patterns on import (~0.2 s): only the first numeral pays for it.
    import cn2an  # type: ignore[import-untyped]

    try:
        value = cn2an.cn2an(word.replace("萬", "万"), "normal")
    except ValueError:
        return None
    return value if isinstance(value, int) else None


def starts_with_number(text: str) -> bool:
    """True when `text` opens with a number in digits or Chinese numerals."""
    return _LEADING_NUMBER.match(text) is not None


def with_digits(text: str) -> str:
    """`text` with the Chinese numerals in number positions as digits: 三号楼二单元 -> 3号楼2单元.

    Only a numeral standing alone or counting something is a number, so 一起, 一下,
    万一 and 单一 stay words.
    """

    def digits(match: re.Match[str]) -> str:
        run = match.group(0)
        value = numeral_value(run)
        return run if value is None else str(value)

    return _NUMERAL_RUN.sub(digits, text)


def all_digits(text: str) -> str:
    """`text` with every run of Chinese numerals as digits (三号楼二单元二零一 -> 3号楼2单元201):
    for text made only of numbers and their counters, such as an address."""

    def digits(match: re.Match[str]) -> str:
        value = numeral_value(match.group(0))
        return match.group(0) if value is None else str(value)

    return _ANY_NUMERAL_RUN.sub(digits, text)
