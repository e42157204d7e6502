"""Cutting a long reply into the pieces a platform accepts, at line ends where it can."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

# What may not be cut apart: one character, or (in HTML) a whole tag or entity.
CHARACTER = re.compile(r".", re.DOTALL)
HTML_ATOM = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)


def split_text(
    text: str,
    limit: int,
    length: Callable[[str], int] = len,
    atom: re.Pattern[str] = CHARACTER,
) -> list[str]:
    """Pieces of at most `limit` (as `length` counts), cut at line ends unless a line is too long.

    The line break where a piece ends is not sent, nor are blank lines at either end of a
    piece, and a piece with nothing to show is left out: platforms refuse or trim them.
    """
    pieces = [text] if length(text) <= limit else _packed(text, limit, length, atom)
    trimmed = (piece.strip("\n") for piece in pieces)
    return [piece for piece in trimmed if length(piece.strip())]


def _packed(
    text: str, limit: int, length: Callable[[str], int], atom: re.Pattern[str]
) -> list[str]:
    """A text too long for one piece, its lines packed into pieces of at most `limit`."""
    pieces: list[str] = []
    lines: list[str] = []
    size = 0
    for line in text.split("\n"):
        for part in _cut(line, limit, length, atom):
            width = length(part)
            if lines and size + 1 + width > limit:
                pieces.append("\n".join(lines))
                lines, size = [], 0
            size += width + (1 if lines else 0)
            lines.append(part)
    pieces.append("\n".join(lines))
    return pieces


def _cut(
    line: str, limit: int, length: Callable[[str], int], atom: re.Pattern[str]
) -> Iterable[str]:
    """A line as parts of at most `limit`, cut between atoms only."""
    if length(line) <= limit:
        yield line
        return
    part: list[str] = []
    size = 0
    for piece in atom.findall(line):
        width = length(piece)
        if part and size + width > limit:
            yield "".join(part)
            part, size = [], 0
        part.append(piece)
        size += width
    yield "".join(part)
