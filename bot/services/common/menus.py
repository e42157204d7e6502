"""Numbered menus where there are no buttons: a bare `2` picks the second choice, in a
private chat or, from a group reply whose choices are its reader's alone, in that group.

The menu last shown to a person in a chat is remembered for 30 minutes, or until
they use another command.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Incoming
from bot.services.common.arguments import as_number
from bot.services.common.keywords import without_ending
from models import Menu

LIFE = timedelta(minutes=30)


def remember(
    session: Session, now: datetime, where: tuple[str, str, str], commands: list[str]
) -> None:
    """Remember `commands` as the menu (platform, chat, user) just saw; drop expired menus."""
    session.execute(delete(Menu).where(Menu.expires_at <= now))
    platform, chat_id, user_id = where
    found = _menu(session, platform, chat_id, user_id)
    if found is None:
        session.add(
            Menu(
                platform=platform,
                chat_id=chat_id,
                user_id=user_id,
                commands=commands,
                expires_at=now + LIFE,
            )
        )
    else:
        found.commands, found.expires_at = commands, now + LIFE
    session.flush()


def picked(session: Session, now: datetime, incoming: Incoming, text: str) -> str | None:
    """The command a bare number (`2`, `2。`, `二`) picks from the sender's live menu here.

    A number the menu does not have is refused with the range it has.
    """
    number = as_number(without_ending(text.strip()))
    if number is None or incoming.user is None:
        return None
    menu = _menu(session, incoming.chat.platform, incoming.chat.chat_id, incoming.user.user_id)
    if menu is None or menu.expires_at <= now:
        return None
    if not 1 <= number <= len(menu.commands):
        raise DomainError("core.no_such_choice", number=number, count=len(menu.commands))
    return menu.commands[number - 1]


def forget(session: Session, incoming: Incoming) -> None:
    """Forget the sender's menu in this chat: they used a command (reads only if none)."""
    if incoming.user is None:
        return
    menu = _menu(session, incoming.chat.platform, incoming.chat.chat_id, incoming.user.user_id)
    if menu is not None:
        session.delete(menu)


_MENU = select(Menu).where(
    Menu.platform == bindparam("platform"),
    Menu.chat_id == bindparam("chat_id"),
    Menu.user_id == bindparam("user_id"),
)


def _menu(session: Session, platform: str, chat_id: str, user_id: str) -> Menu | None:
    return session.scalar(_MENU, {"platform": platform, "chat_id": chat_id, "user_id": user_id})
