"""Keyword normalisation: how typed words are folded before they are read."""

from __future__ import annotations

import unicodedata


def normalise(text: str) -> str:
    """NFKC-fold and trim, so full-width digits, spaces, colons and bars read as plain ones."""
    return unicodedata.normalize("NFKC", text).strip()


def folded(text: str) -> str:
    """Normalised, lower-cased, with each run of spaces as one: the form keywords match in."""
    return " ".join(normalise(text).lower().split())
