"""What people hold when they are registered: the holdings brought along at hire.

Certificates are spread as in a steady state (acquired some time within their validity
period), with a few already expired and some missing, so that the year's renewals and the
gap report both have something to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from nnd_competence.application.commands import HeldCompetence
from nnd_competence.domain.values import add_months
from nnd_competence.sample.catalogue_data import (
    BY_CODE,
    is_certificate,
    requirements_for,
    validity_of,
)
from nnd_competence.sample.people import Person


@dataclass
class Held:
    code: str
    level: int
    acquired_on: date
    valid_until: date | None

    def as_command(self, evidence: str | None = None) -> HeldCompetence:
        return HeldCompetence(
            competence_code=self.code,
            level=self.level,
            acquired_on=self.acquired_on,
            evidence=evidence,
        )


def valid_until(code: str, acquired_on: date) -> date | None:
    months = validity_of(code)
    return None if months is None else add_months(acquired_on, months)


def _day_between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return last
    return first + timedelta(days=rng.randint(0, (last - first).days))


def initial_holdings(rng: random.Random, person: Person, year_start: date) -> dict[str, Held]:
    """The holdings of someone employed before the year, for their first seat.

    Mandatory-at-onboarding competences are always held (they were checked when the person
    started, and a holding valid on the start date keeps the hire from raising onboarding
    requests); they may have expired since. Other requirements are sometimes missing.
    """
    seat = person.first_seat
    last_day = year_start - timedelta(days=1)
    held: dict[str, Held] = {}
    for code, req in sorted(requirements_for(seat.position, seat.unit).items()):
        definition = BY_CODE[code]
        if is_certificate(code):
            if not req.mandatory_at_onboarding and rng.random() < 0.08:
                continue
            months = validity_of(code)
            if months is None:
                acquired = _day_between(rng, person.start_date, last_day)
                held[code] = Held(code, 1, acquired, None)
                continue
            window_start = add_months(year_start, -months)
            acquired = _day_between(rng, window_start, last_day - timedelta(days=14))
            if rng.random() < 0.06:
                # Overdue already when the year starts.
                lapsed = _day_between(
                    rng, add_months(window_start, -9), window_start - timedelta(days=20)
                )
                expiry = valid_until(code, lapsed)
                if expiry is not None and expiry > person.start_date:
                    acquired = lapsed
            held[code] = Held(code, 1, acquired, valid_until(code, acquired))
        else:
            if rng.random() < 0.06:
                continue
            roll = rng.random()
            level = req.level
            if roll < 0.2:
                level = req.level - 1
            elif roll > 0.82:
                level = req.level + 1
            level = max(0, min(level, definition.scale.max_level))
            if level == 0:
                continue
            acquired = _day_between(rng, min(person.start_date, last_day), last_day)
            held[code] = Held(code, level, acquired, None)
    return held


def brought_by_new_hire(rng: random.Random, person: Person, hired_on: date) -> dict[str, Held]:
    """What a new employee brings from earlier jobs: some certificates, some skills."""
    seat = person.first_seat
    held: dict[str, Held] = {}
    for code, req in sorted(requirements_for(seat.position, seat.unit).items()):
        definition = BY_CODE[code]
        if is_certificate(code):
            if rng.random() > 0.4:
                continue
            months = validity_of(code) or 48
            acquired = _day_between(
                rng, add_months(hired_on, -months + 3), hired_on - timedelta(days=30)
            )
            held[code] = Held(code, 1, acquired, valid_until(code, acquired))
        else:
            if rng.random() > 0.7:
                continue
            level = rng.randint(1, min(req.level, definition.scale.max_level))
            acquired = hired_on - timedelta(days=rng.randint(200, 3000))
            held[code] = Held(code, level, acquired, None)
    return held


def onboarding_gaps(person: Person, held: dict[str, Held]) -> list[str]:
    """The competences the hire use case will raise onboarding requests for (sorted)."""
    seat = person.first_seat
    gaps = []
    for code, req in sorted(requirements_for(seat.position, seat.unit).items()):
        if not req.mandatory_at_onboarding:
            continue
        h = held.get(code)
        if (
            h is not None
            and h.level >= req.level
            and (h.valid_until is None or h.valid_until >= person.start_date)
        ):
            continue
        gaps.append(code)
    return gaps
