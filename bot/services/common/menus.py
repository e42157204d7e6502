"""Numbered menus where there are no buttons: a bare `2` picks the second choice, and so
does its label typed whole (确认注销) unless a bare yes or no, in a private chat or, from a
group reply whose choices are its reader's alone, in that group; there a bare 同意 accepts
the consent such a reply asks for, and a bare 确认 that or the move it asks to confirm. In a
private chat a bare yes (是, 好的) or no (不是) picks the menu's one choice that says so.
Where there are buttons only a ballot's options are picked so, by number or label.

The menu last shown to a person in a chat is remembered for 30 minutes, or until
they use another command there (where there are buttons, a ballot is also forgotten
once other buttons are shown them).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.messages import Incoming
from bot.services.common.arguments import as_number
from bot.services.common.keywords import CONFIRMING, folded, without_ending
from models import Menu

LIFE = timedelta(minutes=30)
# Words that say yes on their own in a group too, and the last word of a consent (登记 … 同意).
_AGREEING = frozenset({"同意", "agree", "确认", "確認", "confirm"})
_CONSENTS = ("同意", "确认")
# The commands a bare 同意 in a group may say yes to, and a bare 确认 (which also says yes to a
# move and to an award given again): a join's consent, never another reply's choice whose
# words end so (提议 装个长椅 确认).
_AGREES_TO = ("/join",)
_CONFIRMS = ("/join", "/move", "/award")
# Words that answer a private question on their own, yes or no (folded; zh-Hant where it
# differs): every word that agrees says yes.
_YES = _AGREEING | {"是", "是的", "对", "对的", "對", "對的", "好", "好的", "yes", "ok", "okay"}
_NO = frozenset({"不是", "不", "不对", "不對", "不同意", "no"})
# The commands whose choice says yes to a question, and those that say no: a request to join
# a household or bind a group, a consent (登记 … 同意), a move, an award given again. /forget 确认
# is none: a bare yes must not erase anyone.
_SAYS_YES = ("/confirmjoin", "/approvebind", "/move", "/award")
_SAYS_NO = ("/refusejoin", "/rejectbind")
# The sender and chat a read made anyway found without a menu: every command there forgets
# the menu, and most people have none.
_NONE_FOR = "no menu for"
# Whether the sender has a menu in their private chat (whose id is theirs), read with them.
MENU_SHOWN = (
    exists()
    .where(
        Menu.platform == bindparam("platform"),
        Menu.chat_id == bindparam("external_id"),
        Menu.user_id == bindparam("external_id"),
    )
    .label("menu_shown")
)
# Whether the sender has a menu in the group the event came from, read with them.
MENU_SHOWN_HERE = (
    exists()
    .where(
        Menu.platform == bindparam("platform"),
        Menu.chat_id == bindparam("chat_id"),
        Menu.user_id == bindparam("external_id"),
    )
    .label("menu_shown_here")
)


def none_shown(session: Session, where: tuple[str, str, str]) -> None:
    """Note that the sender has no menu in a chat (platform, chat, user), as a read made
    anyway found."""
    session.info[_NONE_FOR] = where


def remember(
    session: Session,
    now: datetime,
    where: tuple[str, str, str],
    commands: list[str],
    labels: list[str] | None,
) -> None:
    """Remember `commands` as the menu (platform, chat, user) just saw, with the `labels` it
    saw them by, if known; drop expired menus."""
    session.execute(delete(Menu).where(Menu.expires_at <= now))
    platform, chat_id, user_id = where
    session.info.pop(_NONE_FOR, None)
    found = _menu(session, platform, chat_id, user_id)
    choices: list[str | list[str]] = (
        [[c, label] for c, label in zip(commands, labels, strict=True)]
        if labels is not None
        else list(commands)
    )
    if found is None:
        session.add(
            Menu(
                platform=platform,
                chat_id=chat_id,
                user_id=user_id,
                commands=choices,
                expires_at=now + LIFE,
            )
        )
    else:
        found.commands, found.expires_at = choices, now + LIFE
    session.flush()


def picked(session: Session, now: datetime, incoming: Incoming, text: str) -> str | None:
    """The command a bare number (`2`, `2。`, `二`) picks from the sender's live menu here.

    A number the menu does not have is refused with the range it has.
    """
    number = as_number(without_ending(text.strip()))
    if number is None:
        return None
    menu = _live(session, now, incoming)
    if menu is None:
        return None
    commands = _commands(menu)
    if not 1 <= number <= len(commands):
        raise DomainError("core.no_such_choice", number=number, count=len(commands))
    return commands[number - 1]


def labelled(session: Session, now: datetime, incoming: Incoming, text: str) -> str | None:
    """The command of the one choice of the sender's live menu here whose label `text` is,
    typed whole (确认注销, 批准); None for a bare yes or no, which picks by its own rules."""
    word = folded(without_ending(text))
    menu = _live(session, now, incoming) if word and word not in _YES | _NO else None
    if menu is None:
        return None
    found = [
        entry[0]
        for entry in menu.commands
        if not isinstance(entry, str) and folded(without_ending(entry[1])) == word
    ]
    return found[0] if len(found) == 1 else None


def agreed(session: Session, now: datetime, incoming: Incoming, text: str) -> str | None:
    """The consent a bare 同意 (确认, agree) accepts from the sender's live menu here: its one
    choice that says yes to a join (登记 3-2-301 同意), or for 确认 to a join or the move it
    asks to confirm (搬迁 3-2-302); None when it has none."""
    word = folded(without_ending(text))
    if word not in _AGREEING:
        return None
    return _saying(session, now, incoming, True, _CONFIRMS if word in CONFIRMING else _AGREES_TO)


def answered(session: Session, now: datetime, incoming: Incoming, text: str) -> str | None:
    """The choice a bare yes (是, 好的, ok) or no (不是, no) picks from the sender's live menu
    here: its one choice that says so; None when it has no such one."""
    word = folded(without_ending(text))
    yes = True if word in _YES else False if word in _NO else None
    return None if yes is None else _saying(session, now, incoming, yes, None)


def _saying(
    session: Session, now: datetime, incoming: Incoming, yes: bool, commands: tuple[str, ...] | None
) -> str | None:
    """The one choice of the sender's live menu here that says yes (or no), among `commands`
    when given; None when it has no such one."""
    menu = _live(session, now, incoming)
    if menu is None:
        return None
    saying = [
        c
        for c in _commands(menu)
        if _says_yes(c) is yes and (commands is None or c.split()[0] in commands)
    ]
    return saying[0] if len(saying) == 1 else None


def _commands(menu: Menu) -> list[str]:
    """The menu's commands, in order, whether stored with their labels or alone."""
    return [entry if isinstance(entry, str) else entry[0] for entry in menu.commands]


def _says_yes(command: str) -> bool | None:
    """Whether a choice's command says yes to its question (True), no (False), or neither."""
    words = command.split()
    if words[0] in _SAYS_YES or (words[0] == "/join" and words[-1] in _CONSENTS):
        return True
    return False if words[0] in _SAYS_NO else None


def drop(session: Session, where: tuple[str, str, str]) -> None:
    """Drop the menu (platform, chat, user) was shown, if any."""
    platform, chat_id, user_id = where
    if session.info.get(_NONE_FOR) == where:
        return
    session.execute(
        delete(Menu).where(
            Menu.platform == platform, Menu.chat_id == chat_id, Menu.user_id == user_id
        )
    )


def forget(session: Session, incoming: Incoming) -> None:
    """Forget the sender's menu in this chat: they used a command (reads nothing where the
    sender's own read found none)."""
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


def _live(session: Session, now: datetime, incoming: Incoming) -> Menu | None:
    """The sender's menu in this chat, unless it has expired."""
    if incoming.user is None:
        return None
    menu = _menu(session, incoming.chat.platform, incoming.chat.chat_id, incoming.user.user_id)
    return menu if menu is not None and menu.expires_at > now else None


def _menu(session: Session, platform: str, chat_id: str, user_id: str) -> Menu | None:
    if session.info.get(_NONE_FOR) == (platform, chat_id, user_id):
        return None
    return session.scalar(_MENU, {"platform": platform, "chat_id": chat_id, "user_id": user_id})
