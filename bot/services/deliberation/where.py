"""Where a deliberation command came from: who, in which circle, when, and how it reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services.common.access import Actor, community_for
from models import Circle, Place, Resident


@dataclass(frozen=True)
class Where:
    """The sender (with the circle they speak in), the time, and the community's time zone
    and default language for messages sent beyond this chat."""

    actor: Actor
    now: datetime
    zone: ZoneInfo
    language: str

    @property
    def resident(self) -> Resident:
        """The sender."""
        return self.actor.resident

    @property
    def circle(self) -> Circle | None:
        """The circle of the chat, if any."""
        return self.actor.circle

    def community(self, session: Session) -> Place:
        """The community the command acts in."""
        return community_for(session, self.resident, self.circle)
