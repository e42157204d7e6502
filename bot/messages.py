"""The neutral types every adapter speaks: Incoming in, Reply out."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ChatKind(enum.StrEnum):
    """A private chat with the bot, or a group chat."""

    PRIVATE = "private"
    GROUP = "group"


class EventKind(enum.StrEnum):
    """What happened in a chat."""

    MESSAGE = "message"
    PRESS = "press"
    JOINED = "joined"
    LEFT = "left"
    BOT_ADDED = "bot_added"
    BOT_REMOVED = "bot_removed"
    MIGRATED = "migrated"


@dataclass(frozen=True)
class ChatRef:
    """A chat on a platform; chat ids are strings."""

    platform: str
    chat_id: str
    kind: ChatKind
    title: str = ""


@dataclass(frozen=True)
class UserRef:
    """A platform account; user ids are strings."""

    platform: str
    user_id: str
    display_name: str = ""
    username: str = ""


class MediaKind(enum.StrEnum):
    """A picture, or any other file."""

    PHOTO = "photo"
    FILE = "file"


# A platform's own reference to a file it keeps (Telegram's file_id), written as a path.
PLATFORM_FILE = "platform-file:"


@dataclass(frozen=True)
class Media:
    """A picture or file someone sent: `ref` is the platform's id for it (Telegram's
    file_id), or, where `saved`, the path of the copy kept on this machine."""

    kind: MediaKind
    platform: str
    ref: str
    name: str = ""
    size: int = 0
    saved: bool = False

    def as_path(self) -> Path:
        """The media as a Reply carries it: its saved copy, or the platform's reference."""
        return Path(self.ref) if self.saved else Path(f"{PLATFORM_FILE}{self.platform}:{self.ref}")


def platform_file(path: Path, platform: str) -> str | None:
    """The platform's own id of a file a Reply carries, when it is one of `platform`'s."""
    prefix = f"{PLATFORM_FILE}{platform}:"
    text = str(path)
    return text[len(prefix) :] if text.startswith(prefix) else None


def carried(stored: str | None, platform: str) -> Path | None:
    """A stored picture or file as a Reply carries it, where `platform` can send it: a
    file on this machine goes anywhere, a platform's own only back to that platform."""
    if stored is None:
        return None
    path = Path(stored)
    mine = platform_file(path, platform) is not None
    return path if mine or not stored.startswith(PLATFORM_FILE) else None


@dataclass(frozen=True)
class Replied:
    """The bot's own message a user's message replies to (quotes): its id on the platform,
    or the key the bot sent it under where the adapter knows that (the console)."""

    message_id: str = ""
    key: str = ""


@dataclass(frozen=True)
class Incoming:
    """One event from a platform, in neutral form.

    For a press, `text` is the button's token; for a migration, the chat's new id.
    `delivery_key` identifies a platform delivery, so a redelivered update is skipped.
    `media` is a picture or file sent with the message (its caption is the text).
    `mentioned_as` is each mention as it is written in the text (`@Mary Lee`, or a name
    without its @), so that what follows it can be read apart from it. `replied` is the
    bot's message this one replies to, where the platform tells.
    """

    chat: ChatRef
    user: UserRef | None
    event: EventKind = EventKind.MESSAGE
    text: str = ""
    is_platform_admin: bool = False
    mentions: tuple[UserRef, ...] = ()
    mentioned_as: tuple[str, ...] = ()
    reply_to: UserRef | None = None
    subject: UserRef | None = None
    bot_username: str = ""
    delivery_key: str = ""
    private_link: str = ""
    media: Media | None = None
    replied: Replied | None = None


class Audience(enum.StrEnum):
    """Where a reply goes."""

    HERE = "here"
    PRIVATE = "private"
    TOAST = "toast"


@dataclass(frozen=True)
class Choice:
    """A button, or a numbered line where there are no buttons; pressing runs `command`.

    With `translated`, `label` is a template key rendered in the reader's language.
    A `personal` button may be pressed only by the person the reply answers. `token`
    is the short id a platform carries for it (Telegram's callback data).
    """

    label: str
    command: str
    translated: bool = False
    personal: bool = False
    token: str = ""


@dataclass
class Reply:
    """What a handler answers: a template, its data and the choices offered.

    An `image` goes as a picture with the text; a `document` as a file sent after it.
    `by_number` choices may be picked by typing their number where buttons show them too.
    """

    template: str
    data: dict[str, Any] = field(default_factory=dict)
    choices: list[list[Choice]] = field(default_factory=list)
    audience: Audience = Audience.HERE
    image: Path | None = None
    document: Path | None = None
    by_number: bool = False


@dataclass(frozen=True)
class Target:
    """A resolved destination: a chat, or a user's private chat."""

    platform: str
    chat_id: str
    kind: ChatKind


@dataclass
class Envelope:
    """A reply with its destination and language, ready for an adapter to render.

    A `key` names the message in its chat (e.g. `poll:12`) so that it can be edited
    later. An `edit` envelope replaces the text and buttons of the message with the
    same key in the same chat instead of sending a new one; `message_id` is the
    platform's id of that message, where the outbox knows it. `chat_open` says the
    person just wrote from this private chat, so it is open even if they are no longer
    known (the answer to erasing oneself). An `urgent` private push goes out even in
    the recipient's quiet hours (a reminder of duty that starts before they end).
    """

    target: Target
    reply: Reply
    language: str
    to_user: str | None = None
    toast: bool = False
    outbox_id: int | None = None
    key: str = ""
    edit: bool = False
    message_id: str | None = None
    chat_open: bool = False
    urgent: bool = False
    bulk: bool = False
    direct: bool = False


@dataclass(frozen=True)
class PlatformTraits:
    """What a platform can do: buttons, durable sending, writing privately, editing."""

    buttons: bool = True
    durable: bool = False
    private_always_open: bool = False
    edits: bool = True
