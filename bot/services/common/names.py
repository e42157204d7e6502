"""Names and titles as people give them, made safe to store and show, and read back."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from bot.errors import DomainError

MAX_NAME = 64
# The most words one name read from a command may run to (Mary Lee, Mary Ann Lee).
MOST_WORDS = 4
_COMMAS = re.compile(r"[,，、;；]+")
_KEEP_FORMAT = {"\u200d"}  # zero-width joiner, which emoji sequences need


def clean_name(name: str, limit: int = MAX_NAME) -> str:
    """A name without control or bidi-override characters, at most `limit` long."""
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in _KEEP_FORMAT
    )
    return " ".join(kept.split())[:limit]


def names_in(text: str, known: Callable[[str], bool]) -> list[str]:
    """The names typed in `text`, without their @: commas (，、;) part names; between spaces
    the longest run of words that is a known name is one name, else each word is one, and
    an @ starts a new name. A run that also reads as several known names is refused."""
    is_known = _remembered(known)
    found: list[str] = []
    for part in _COMMAS.split(text):
        words = part.split()
        start = 0
        while start < len(words):
            end = _name_end(words, start, is_known)
            found.append(_joined(words[start:end]))
            start = end
    return [name for name in found if name]


def leading_names(
    words: Sequence[str], known: Callable[[str], bool], ends: Callable[[str], bool]
) -> tuple[list[str], int]:
    """The names a command's words open with, without their @, and how many words they take:
    every word before the first after it that `ends` the names, read as `names_in` reads
    them; where none does, the first word and each word after it with an @ starts a name,
    which runs over the longest run of words that is a known name. A run that also reads as
    several known names is refused."""
    cut = next((n for n in range(1, len(words)) if ends(words[n])), None)
    if cut is not None:
        return names_in(" ".join(words[:cut]), known), cut
    is_known = _remembered(known)
    names: list[str] = []
    taken = 0
    while taken < len(words) and (not taken or words[taken].startswith("@")):
        end = _name_end(words, taken, is_known)
        names.append(_joined(words[taken:end]))
        taken = end
    return names, taken


def _name_end(words: Sequence[str], start: int, known: Callable[[str], bool]) -> int:
    """Where the name that starts at `words[start]` ends: after the longest known run."""
    end = start + 1
    for last in range(start + 1, min(len(words), start + MOST_WORDS)):
        if words[last].startswith("@"):
            break
        if known(_joined(words[start : last + 1])):
            end = last + 1
    if end - start > 1 and _several(words[start:end], known):
        # Mary Lee when Mary and Lee are members too: one person or two.
        raise DomainError("people.one_or_several", name=_joined(words[start:end])[:30])
    return end


def _several(words: Sequence[str], known: Callable[[str], bool]) -> bool:
    """Whether `words` also read as two or more known names."""
    return any(
        known(_joined(words[:cut]))
        and (known(_joined(words[cut:])) or _several(words[cut:], known))
        for cut in range(1, len(words))
    )


def _remembered(known: Callable[[str], bool]) -> Callable[[str], bool]:
    """`known`, asked once for each name."""
    seen: dict[str, bool] = {}

    def is_known(name: str) -> bool:
        if name not in seen:
            seen[name] = known(name)
        return seen[name]

    return is_known


def _joined(words: Sequence[str]) -> str:
    return " ".join(words).lstrip("@")
