"""The clock port: the only place the library learns what time it is.

Tests and the sample organisation use a fixed or stepping clock so that replays and
generated histories are reproducible.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


class Clock(Protocol):
    def now(self) -> datetime:
        """A timezone-aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved, for tests and simulated histories."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at += delta


def oslo_date(at: datetime) -> date:
    """The calendar date in Norway at a given instant: what 'today' means to a user."""
    return at.astimezone(OSLO).date()


def oslo_text(at: datetime) -> str:
    return at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M:%S %Z")
