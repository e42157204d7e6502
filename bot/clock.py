"""Clocks: the only place that reads the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """The current time, from the operating system."""
        return datetime.now(UTC)


class VirtualClock:
    """A clock that only moves when told to (console, tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the virtual clock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current virtual time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Move the clock to `when`; it never goes back."""
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError("the clock cannot go back")
        self._now = when
