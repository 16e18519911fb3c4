"""The generator's state: the people, what they hold, who acts, and the timeline so far."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from nnd_competence.domain.values import Actor, Role
from nnd_competence.sample.holdings import Held
from nnd_competence.sample.organisation import (
    ACADEMY_UNIT,
    COMPETENCE_OFFICER_POSITION,
    HR_HEAD,
    HR_UNIT,
    Site,
)
from nnd_competence.sample.people import NameMaker, Person, site_of
from nnd_competence.sample.timeline import Timeline

SAMPLE_YEAR = 2026
#: The day the demo reports are read; nothing in the sample happens after it.
SAMPLE_AS_OF = date(2026, 11, 30)
YEAR_START = date(SAMPLE_YEAR, 1, 1)

#: The annual cycle HR starts in January (årshjul): the deadlines of the three conversations.
EMPLOYEE_CONVERSATION_BY = date(SAMPLE_YEAR, 2, 27)
GOAL_AND_DEVELOPMENT_1_BY = date(SAMPLE_YEAR, 6, 19)
GOAL_AND_DEVELOPMENT_2_BY = date(SAMPLE_YEAR, 11, 13)


class Cursor:
    """Consecutive moments within one sitting (a conversation, a registration session)."""

    def __init__(self, start: datetime, step_minutes: int = 2) -> None:
        self._at = start
        self._step = timedelta(minutes=step_minutes)

    @property
    def day(self) -> date:
        return self._at.date()

    def next(self) -> datetime:
        self._at += self._step
        return self._at


@dataclass
class World:
    rng: random.Random
    names: NameMaker
    timeline: Timeline = field(default_factory=Timeline)
    people: dict[str, Person] = field(default_factory=dict)
    holdings: dict[str, dict[str, Held]] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)  # unit -> head's number
    has_plan: set[str] = field(default_factory=set)
    leaving: dict[str, date] = field(default_factory=dict)
    transferred: set[str] = field(default_factory=set)
    goal_codes: dict[str, set[str]] = field(default_factory=dict)  # competences with goals
    _hr_staff: list[str] = field(default_factory=list)
    _officers: list[str] = field(default_factory=list)

    # --- who acts -------------------------------------------------------------------
    @property
    def hr_head(self) -> Actor:
        return Actor(employee_number=HR_HEAD, role=Role.HR)

    def hr(self) -> Actor:
        """HR staff take turns registering things."""
        if not self._hr_staff:
            self._hr_staff = [
                p.number for p in self.people.values() if p.first_seat.unit == HR_UNIT
            ]
        return Actor(employee_number=self.rng.choice(self._hr_staff), role=Role.HR)

    def officers(self, site: Site | None = None) -> list[str]:
        """The Academy's competence officers: the first half serve Halden, the rest Kjeller."""
        if not self._officers:
            self._officers = [
                p.number
                for p in self.people.values()
                if p.first_seat.unit == ACADEMY_UNIT
                and p.first_seat.position == COMPETENCE_OFFICER_POSITION
            ]
        found = self._officers
        if site is Site.KJELLER:
            return found[len(found) // 2 :]
        if site is Site.HALDEN:
            return found[: len(found) // 2]
        return found

    def officer(self, person: Person, day: date) -> Actor:
        """A competence officer of the Academy, from the team serving the person's site."""
        number = self.rng.choice(self.officers(site_of(person, day)))
        return Actor(employee_number=number, role=Role.COMPETENCE_OFFICER)

    @property
    def academy_head(self) -> Actor:
        return Actor(employee_number=self.heads[ACADEMY_UNIT], role=Role.COMPETENCE_OFFICER)

    def manager(self, person: Person, day: date) -> Actor:
        """The line manager on that day; HR acts for the managing director, who has none."""
        number = person.manager_on(day)
        if number is None:
            return self.hr_head
        return Actor(employee_number=number, role=Role.LINE_MANAGER)

    def is_active_on(self, person: Person, day: date) -> bool:
        end = self.leaving.get(person.number)
        return person.start_date <= day and (end is None or day < end)
