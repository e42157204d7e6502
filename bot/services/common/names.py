"""Names and titles as people give them, made safe to store and show."""

from __future__ import annotations

import unicodedata

MAX_NAME = 64
_KEEP_FORMAT = {"\u200d"}  # zero-width joiner, which emoji sequences need


def clean_name(name: str, limit: int = MAX_NAME) -> str:
    """A name without control or bidi-override characters, at most `limit` long."""
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in _KEEP_FORMAT
    )
    return " ".join(kept.split())[:limit]
