"""The `[volunteering]` settings: every community's duty defaults."""

from __future__ import annotations

from pydantic import Field, field_validator

from bot.services.common.settings import Section, clock_time


class VolunteeringSettings(Section):
    """Volunteer duty: every community's defaults, which a secretary may change with /dutyrules."""

    day_before_at: str = "19:00"
    hour_before_minutes: int = Field(default=60, ge=0, le=24 * 60)
    morning_roster_at: str = "07:30"
    short_digest_at: str = "07:30"
    short_alert_hours: float = Field(default=2.0, ge=0, le=24 * 14)
    cancel_hours: float = Field(default=2.0, ge=0, le=24 * 14)
    checkin_minutes: int = Field(default=30, ge=0, le=24 * 60)
    noshow_limit: int = Field(default=0, ge=0, le=100)
    noshow_days: int = Field(default=30, ge=1, le=365)
    grace_minutes: int = Field(default=120, ge=0, le=7 * 24 * 60)
    roster_repost_seconds: float = Field(default=60.0, ge=0, le=3600)

    _times = field_validator("day_before_at", "morning_roster_at", "short_digest_at")(clock_time)
