"""Guided dialogs' state: one per person and chat, forgotten after 30 minutes of silence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.messages import Incoming
from models import Dialog

SILENCE = timedelta(minutes=30)
# The sender and chat an event found without a dialog: each guided dialog asks whether a
# plain message continues one, and most plain messages continue none.
_NONE_FOR = "no dialog for"


def _where(incoming: Incoming) -> tuple[str, str, str] | None:
    if incoming.user is None:
        return None
    return incoming.chat.platform, incoming.chat.chat_id, incoming.user.user_id


def none_open(session: Session, platform: str, chat_id: str, user_id: str) -> None:
    """Note that the sender has no dialog in this chat, as a read made anyway found."""
    session.info[_NONE_FOR] = (platform, chat_id, user_id)


def active(session: Session, now: datetime, incoming: Incoming) -> Dialog | None:
    """The sender's dialog in this chat; an expired one is removed and not returned."""
    where = _where(incoming)
    if where is None:
        return None
    if session.info.get(_NONE_FOR) == where:
        return None
    platform, chat_id, user_id = where
    found = session.scalar(
        select(Dialog).where(
            Dialog.platform == platform, Dialog.chat_id == chat_id, Dialog.user_id == user_id
        )
    )
    if found is not None and found.expires_at <= now:
        session.delete(found)
        session.flush()
        found = None
    if found is None:
        session.info[_NONE_FOR] = where
    return found


def start(session: Session, now: datetime, incoming: Incoming, kind: str, step: str) -> Dialog:
    """Begin a dialog for the sender in this chat, replacing any earlier one; drop expired ones."""
    where = _where(incoming)
    assert where is not None
    session.execute(delete(Dialog).where(Dialog.expires_at <= now))
    earlier = active(session, now, incoming)
    if earlier is not None:
        session.delete(earlier)
        session.flush()
    platform, chat_id, user_id = where
    dialog = Dialog(
        platform=platform,
        chat_id=chat_id,
        user_id=user_id,
        kind=kind,
        step=step,
        data={},
        expires_at=now + SILENCE,
    )
    session.add(dialog)
    session.flush()
    session.info.pop(_NONE_FOR, None)
    return dialog


def advance(dialog: Dialog, now: datetime, step: str, **data: Any) -> None:
    """Move a dialog to `step`, remember `data`, and give it another 30 minutes."""
    dialog.step = step
    dialog.data = {**dialog.data, **data}
    dialog.expires_at = now + SILENCE


def end(session: Session, dialog: Dialog) -> None:
    """Forget a finished or cancelled dialog."""
    session.delete(dialog)
    session.flush()
