"""Working days and office hours in Norway, for placing the sample's events in time."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from nnd_competence.application.clock import OSLO

#: Public holidays (helligdager) of the sample year and the next, plus the common summer
#: holiday (fellesferie) in July, when nothing is scheduled.
HOLIDAYS = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 4, 2),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 31),
        date(2027, 1, 1),
    }
)


def is_workday(day: date) -> bool:
    if day.weekday() >= 5 or day in HOLIDAYS:
        return False
    return not (day.month == 7 and day.year == 2026 and day.day >= 3)


def on_or_after(day: date) -> date:
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def on_or_before(day: date) -> date:
    while not is_workday(day):
        day -= timedelta(days=1)
    return day


def add_workdays(day: date, n: int) -> date:
    step = 1 if n >= 0 else -1
    for _ in range(abs(n)):
        day += timedelta(days=step)
        while not is_workday(day):
            day += timedelta(days=step)
    return day


def between(rng: random.Random, first: date, last: date) -> date:
    """A working day in [first, last] (or the first working day after ``first``)."""
    if last < first:
        return on_or_after(first)
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    moved = on_or_after(day)
    return moved if moved <= last else on_or_before(day)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in Oslo local time."""
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


def office_time(
    rng: random.Random, day: date, first_hour: int = 8, last_hour: int = 15
) -> datetime:
    return at(day, rng.randint(first_hour, last_hour), rng.choice((0, 10, 15, 20, 30, 40, 45)))
