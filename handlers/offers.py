"""What a command typed without its number offers: the one item asked about, or several."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.messages import Audience, Choice, Reply
from bot.services.common.keywords import clipped

# A button's label, cut to what a phone shows on one line.
LABEL = 24


@dataclass(frozen=True)
class Offer:
    """A command's answers when typed alone: the one item asked about (`this`, with its `yes`
    choice), several to pick from (`which`), or none; each choice runs `command` N."""

    this: str
    yes: str
    which: str
    none: str
    command: str


@dataclass(frozen=True)
class Item:
    """One item offered: its number, its choice's label among several, the data `this` shows."""

    number: int
    label: str
    data: dict[str, Any]


def offered(offer: Offer, items: Sequence[Item], audience: Audience = Audience.HERE) -> Reply:
    """The one item asked about with its yes choice, several to pick, or the `none` answer."""
    if len(items) == 1:
        only = items[0]
        yes = Choice(offer.yes, f"{offer.command} {only.number}", True, personal=True)
        return Reply(offer.this, only.data, [[yes]], audience)
    choices = [
        [Choice(clipped(item.label, LABEL), f"{offer.command} {item.number}", personal=True)]
        for item in items
    ]
    return Reply(offer.which if items else offer.none, choices=choices, audience=audience)
