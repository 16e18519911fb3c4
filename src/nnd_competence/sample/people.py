"""Synthetic people: Norwegian-looking names, birth dates, start dates and seats.

Names are combined from common first names and surnames; any resemblance to a real person
is accidental. Everything is drawn from the ``random.Random`` passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from nnd_competence.sample.organisation import (
    DIVISIONS,
    FIRST_EMPLOYEE_NUMBER,
    MANAGEMENT_UNIT,
    UNITS,
    Site,
)

FIRST_NAMES = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg",
    "Hilde", "Anna", "Solveig", "Marianne", "Randi", "Ida", "Nina", "Maria", "Elisabeth",
    "Kristin", "Silje", "Hanne", "Tone", "Camilla", "Ingeborg", "Heidi", "Julie", "Tonje",
    "Ragnhild", "Siri", "Linda", "Thea", "Ingunn", "Mona", "Sara", "Nora", "Emma", "Guro",
    "Karoline", "Mari", "Torill", "Vigdis", "Trine", "Stine", "Maren", "Sigrid", "Åse",
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Svein", "Arne", "Thomas",
    "Hans", "Geir", "Tor", "Morten", "Terje", "Odd", "Martin", "Erik", "Andreas", "Rune",
    "Trond", "Jon", "Harald", "Olav", "Anders", "Gunnar", "Tore", "Espen", "Einar",
    "Magnus", "Jonas", "Kristian", "Eirik", "Øyvind", "Stian", "Håkon", "Sindre", "Vegard",
    "Henrik", "Sigurd", "Even", "Torbjørn", "Leif", "Steinar", "Frode", "Ståle", "Aksel",
)  # fmt: skip

LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen",
    "Lund", "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg",
    "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen", "Bakken", "Kristoffersen",
    "Mathisen", "Lie", "Amundsen", "Nguyen", "Rasmussen", "Ahmed", "Lunde", "Solheim",
    "Berge", "Moe", "Nygård", "Bakke", "Kristensen", "Fredriksen", "Holm", "Lien",
    "Hauge", "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther", "Aas",
    "Myhre", "Hanssen", "Ali", "Haugland", "Thomassen", "Sandvik", "Simonsen", "Berntsen",
    "Brekke", "Tangen", "Sunde", "Aasen", "Rønning", "Fjeld", "Vik", "Ruud", "Bøe",
    "Tveit", "Gulbrandsen", "Ødegård", "Kolstad", "Hovland", "Engen", "Aune", "Ødegaard",
    "Skaug", "Wold", "Østby", "Rød", "Borge", "Fossum", "Torp", "Kvamme", "Grønli",
)  # fmt: skip


class NameMaker:
    """Unique full names; a middle initial-free combination is tried before a double one."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def next(self) -> str:
        for _ in range(200):
            first = self._rng.choice(FIRST_NAMES)
            last = self._rng.choice(LAST_NAMES)
            if self._rng.random() < 0.12:
                last = f"{self._rng.choice(LAST_NAMES)} {last}"
            name = f"{first} {last}"
            if name not in self._used:
                self._used.add(name)
                return name
        raise RuntimeError("ran out of sample names")  # pragma: no cover


@dataclass
class Seat:
    """An assignment that holds from ``effective_from`` on."""

    effective_from: date
    unit: str
    position: str
    manager: str | None


@dataclass
class Person:
    number: str
    name: str
    birth_date: date
    start_date: date
    seats: list[Seat] = field(default_factory=list)
    end_date: date | None = None
    is_head: bool = False

    @property
    def first_seat(self) -> Seat:
        return self.seats[0]

    def seat_on(self, day: date) -> Seat:
        current = self.seats[0]
        for seat in self.seats:
            if seat.effective_from <= day:
                current = seat
        return current

    def manager_on(self, day: date) -> str | None:
        return self.seat_on(day).manager


def _site_of(unit_code: str) -> Site:
    return next(u.site for u in UNITS if u.code == unit_code)


def _birth_and_start(rng: random.Random, senior: bool, before: date) -> tuple[date, date]:
    """A birth date (age 23-66 at ``before``) and a start date after the 22nd birthday."""
    age = rng.randint(35, 64) if senior else rng.randint(23, 66)
    birth = date(before.year - age, 1, 1) + timedelta(days=rng.randint(0, 364))
    earliest = max(date(birth.year + 22, 8, 1), date(1990, 1, 1))
    latest = before - timedelta(days=30)
    # Most people have been there a while; the long tail is the reactor era.
    span = (latest - earliest).days
    start = latest - timedelta(days=int(span * rng.random() ** 1.6))
    if senior:
        start = min(start, latest - timedelta(days=365 * 3))
        start = max(start, earliest)
    return birth, _first_workday_on_or_after(start)


def _first_workday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def initial_roster(rng: random.Random, names: NameMaker, year: int) -> list[Person]:
    """Everyone employed when the sample year begins, in employee-number order.

    Numbering: the managing director, the directors and the staff advisers first, then each
    unit's head followed by its staff, in the order of ``UNITS``.
    """
    before = date(year, 1, 1)
    people: list[Person] = []
    number = FIRST_EMPLOYEE_NUMBER
    director_of: dict[str, str] = {}
    managing_director = str(FIRST_EMPLOYEE_NUMBER)

    def add(unit: str, position: str, manager: str | None, *, head: bool) -> Person:
        nonlocal number
        birth, start = _birth_and_start(rng, head, before)
        person = Person(
            number=str(number),
            name=names.next(),
            birth_date=birth,
            start_date=start,
            seats=[Seat(start, unit, position, manager)],
            is_head=head,
        )
        people.append(person)
        number += 1
        return person

    for unit in UNITS:
        if unit.code == MANAGEMENT_UNIT:
            add(unit.code, unit.head_position, None, head=True)
            for division in DIVISIONS:
                director = add(unit.code, "DIREKTOR", managing_director, head=True)
                director_of[division.key] = director.number
            for position, seats in unit.staff:
                if position == "DIREKTOR":
                    continue
                for _ in range(seats):
                    add(unit.code, position, managing_director, head=False)
            continue
        head = add(unit.code, unit.head_position, director_of[unit.division], head=True)
        for position, seats in unit.staff:
            for _ in range(seats):
                add(unit.code, position, head.number, head=False)
    return people


def new_hire(
    rng: random.Random,
    names: NameMaker,
    number: int,
    unit: str,
    position: str,
    manager: str,
    start: date,
) -> Person:
    age = rng.randint(24, 52)
    birth = date(start.year - age, 1, 1) + timedelta(days=rng.randint(0, 364))
    return Person(
        number=str(number),
        name=names.next(),
        birth_date=birth,
        start_date=start,
        seats=[Seat(start, unit, position, manager)],
    )


def site_of(person: Person, day: date) -> Site:
    return _site_of(person.seat_on(day).unit)
