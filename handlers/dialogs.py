"""Guided dialogs seen from a handler: an answer that begins with a command's keyword."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.context import Context
from bot.services.common import dialogs
from models import Dialog

T = TypeVar("T")


def claimed(ctx: Context, kind: str, step: str, answer: Callable[[Dialog], T]) -> T | None:
    """`answer` to the sender's guided dialog of `kind` waiting at `step`, for words typed to
    it though they begin with a command's keyword; None for a slash command or a button."""
    if ctx.pressed or ctx.slashed:
        return None
    dialog = dialogs.active(ctx.session, ctx.now, ctx.incoming)
    if dialog is None or dialog.kind != kind or dialog.step != step:
        return None
    answered = answer(dialog)
    # Stored at once: a reading command (回执, 议题) that writes is done again durably.
    ctx.session.flush()
    return answered
