"""What a handler knows about the event in hand."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.config import Settings
from bot.errors import DomainError
from bot.messages import ChatKind, EventKind, Incoming, Reply
from bot.services.common.keywords import normalise
from bot.services.community.people import Sender, find_identity
from models import Circle, CircleChat, Identity, Resident


class Listed(Protocol):
    """A command as /help sees it: its name, keywords, section, help key and who may see it."""

    @property
    def name(self) -> str:
        """The command's slash name."""

    @property
    def keywords(self) -> tuple[str, ...]:
        """The words that invoke it."""

    @property
    def names(self) -> tuple[str, ...]:
        """Its English name and those it may be meant by."""

    @property
    def listed_in(self) -> str:
        """The section of /help that lists it."""

    @property
    def help_key(self) -> str:
        """The message naming the command in /help; empty when it is not listed."""

    @property
    def visible(self) -> Callable[[Context], bool]:
        """Whether the sender of an event may see the command."""

    @property
    def anywhere(self) -> bool:
        """Whether it is answered in a group bound to no circle too."""

    @property
    def full_form(self) -> bool:
        """Whether help about it shows a longer line than its lists do."""

    @property
    def unseen_help(self) -> Callable[[Context], Reply] | None:
        """What help about it tells someone it is hidden from, if anything."""


@dataclass
class Context:
    """The session, the clock's reading, the sender, the circle and the settings of one event.

    The sender comes as a row (`sender`); their identity and resident are loaded as objects
    when first asked for (`identity`, `resident`), which an answer that only reads may not need.
    """

    session: Session
    now: datetime
    zone: ZoneInfo
    incoming: Incoming
    sender: Sender | None
    binding: CircleChat | None
    commands: Sequence[Listed]
    default_language: str
    settings: Settings
    loaded: Identity | None = field(default=None, repr=False)
    # The platforms that deliver private messages without the person opening a chat first.
    always_open: frozenset[str] = frozenset()
    # Whether the command being answered only reads: its answer may be asked for again.
    reading: bool = False

    @property
    def identity(self) -> Identity | None:
        """The sender's identity, their resident with it; None for events without a sender."""
        user = self.incoming.user
        if self.loaded is None and self.sender is not None and user is not None:
            self.loaded = find_identity(self.session, user.platform, user.user_id)
        return self.loaded

    @identity.setter
    def identity(self, identity: Identity | None) -> None:
        self.loaded = identity
        self.sender = Sender.of(identity) if identity is not None else None

    @property
    def chat_open(self) -> bool:
        """Whether the sender has a private chat open with the bot, as it stands now."""
        if self.loaded is not None:
            return self.loaded.private_chat_open
        return self.sender is not None and self.sender.private_chat_open

    @property
    def reaches_privately(self) -> bool:
        """Whether a private answer reaches the sender now, rather than a pointer in the group."""
        return self.incoming.chat.platform in self.always_open or self.chat_open

    @property
    def is_group(self) -> bool:
        """True in a group chat."""
        return self.incoming.chat.kind == ChatKind.GROUP

    @property
    def pressed(self) -> bool:
        """True when the event is a button press."""
        return self.incoming.event == EventKind.PRESS

    @property
    def slashed(self) -> bool:
        """True when the message was typed as a slash command (/ack), not as a keyword."""
        return normalise(self.incoming.text).startswith("/")

    @property
    def circle(self) -> Circle | None:
        """The circle this chat is bound to, if any."""
        return self.binding.circle if self.binding else None

    @property
    def unbound_group(self) -> bool:
        """True in a group bound to no circle: it hears nothing of a community (see Command)."""
        return self.is_group and self.circle is None

    @property
    def platform_admin(self) -> bool:
        """The sender administers this chat on its platform, and the circle was created for it.

        Platform admins of a chat that joined an existing circle are not its admins.
        """
        founder = self.binding is not None and self.binding.founder
        return self.incoming.is_platform_admin and founder

    @property
    def member(self) -> Sender:
        """The sender as a row, as they were when the event came; for answers that only read."""
        if self.sender is None:
            raise DomainError("core.no_sender")
        return self.sender

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

    def chosen_language(self) -> str | None:
        """The language the sender chose with /lang (as it stands now), if any."""
        if self.loaded is not None:
            return self.loaded.resident.language
        return self.sender.language if self.sender is not None else None

    def personal_language(self) -> str:
        """The sender's language for private answers."""
        return self.chosen_language() or self.default_language

    def chat_language(self) -> str:
        """The language of answers in this chat."""
        if not self.is_group:
            return self.personal_language()
        if self.circle is not None and self.circle.language:
            return self.circle.language
        return self.default_language
