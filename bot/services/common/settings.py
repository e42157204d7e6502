"""What every settings section shares: unknown keys are refused, times of day are checked."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """One `[section]` of the settings file; an unknown key is an error."""

    model_config = ConfigDict(extra="forbid")


def clock_time(value: str) -> str:
    """A time of day such as 19:00, or empty for none."""
    hour, colon, minute = value.partition(":")
    if value and not (
        colon and hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
    ):
        raise ValueError("a time of day such as 19:00, or empty for none")
    return value
