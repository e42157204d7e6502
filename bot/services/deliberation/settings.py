"""The `[deliberation]` settings: every community's defaults for topics and polls."""

from __future__ import annotations

from pydantic import Field

from bot.services.common.settings import Section


class DeliberationSettings(Section):
    """Topics and polls."""

    seconds_needed: int = Field(default=5, ge=1, le=1000)
    default_poll_days: int = Field(default=7, ge=1, le=365)
    reminder_hours: float = Field(default=24.0, ge=0, le=24 * 30)
    live_edit_seconds: float = Field(default=10.0, ge=1, le=3600)
    anonymous_tally_minutes: float = Field(default=5.0, ge=0, le=24 * 60)
    follow_up_repeat_days: int = Field(default=7, ge=1, le=365)
