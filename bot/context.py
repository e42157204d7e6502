"""What a handler knows about the event in hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import ChatKind, EventKind, Incoming
from models import Circle, CircleChat, Identity, Resident


class Listed(Protocol):
    """A command as /help sees it: its name, help key and who may see it."""

    @property
    def name(self) -> str:
        """The command's slash name."""

    @property
    def help_key(self) -> str:
        """The message naming the command in /help; empty when it is not listed."""

    @property
    def visible(self) -> Callable[[Context], bool]:
        """Whether the sender of an event may see the command."""


@dataclass
class Context:
    """The session, the clock's reading, the sender, the circle and the settings of one event."""

    session: Session
    now: datetime
    zone: ZoneInfo
    incoming: Incoming
    identity: Identity | None
    binding: CircleChat | None
    commands: Sequence[Listed]
    default_language: str
    settings: Settings

    @property
    def is_group(self) -> bool:
        """True in a group chat."""
        return self.incoming.chat.kind == ChatKind.GROUP

    @property
    def pressed(self) -> bool:
        """True when the event is a button press."""
        return self.incoming.event == EventKind.PRESS

    @property
    def circle(self) -> Circle | None:
        """The circle this chat is bound to, if any."""
        return self.binding.circle if self.binding else None

    @property
    def platform_admin(self) -> bool:
        """The sender administers this chat on its platform, and the circle was created for it.

        Platform admins of a chat that joined an existing circle are not its admins.
        """
        founder = self.binding is not None and self.binding.founder
        return self.incoming.is_platform_admin and founder

    @property
    def resident(self) -> Resident:
        """The sender, as a resident."""
        if self.identity is None:
            raise DomainError("core.no_sender")
        return self.identity.resident

    def require_circle(self) -> Circle:
        """The bound circle of this group; a clear error elsewhere."""
        if not self.is_group:
            raise DomainError("core.group_only")
        if self.circle is None:
            raise DomainError("circles.not_bound")
        return self.circle

    def personal_language(self) -> str:
        """The sender's language for private answers."""
        if self.identity is not None and self.identity.resident.language:
            return self.identity.resident.language
        return self.default_language

    def chat_language(self) -> str:
        """The language of answers in this chat."""
        if not self.is_group:
            return self.personal_language()
        if self.circle is not None and self.circle.language:
            return self.circle.language
        return self.default_language
