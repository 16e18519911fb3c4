"""Feed the generated sample year into a store, through the public use cases only.

The store's clock is driven through the history (each command runs at the moment it was
generated for, so "held on", "completed on" and "acquired on" are never in the future),
and restored afterwards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from nnd_competence.api import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.sample.catalogue_data import COMPETENCES, PROFILES
from nnd_competence.sample.history import build_history
from nnd_competence.sample.organisation import HR_HEAD, UNITS, Site
from nnd_competence.sample.world import SAMPLE_AS_OF, SAMPLE_YEAR

Progress = Callable[[int, int], None]  # (commands done, commands in all)

PROGRESS_EVERY = 100


class SampleSummary(BaseModel):
    """What ``load_sample`` put in the store."""

    seed: int
    year: int
    as_of: date
    units: int
    sites: list[str]
    competences: int
    requirement_profiles: int
    employees_hired: int
    hired_during_year: int
    leavers: int
    transfers: int
    active_on_as_of: int
    conversations_held: int
    goals_agreed: int
    training_requests_reported: int
    training_completed: int
    commands: int
    events: int
    commands_by_type: dict[str, int]


class SampleLoadError(RuntimeError):
    """A generated command was refused: a bug in the sample generator, not in the data."""


def is_loaded(store: CompetenceStore) -> bool:
    """Whether the sample has been loaded into this store (its head of HR exists)."""
    return store.employee_exists(HR_HEAD)


def load_sample(
    store: CompetenceStore, *, seed: int = SAMPLE_YEAR, progress: Progress | None = None
) -> SampleSummary:
    """Generate the sample organisation's year from ``seed`` and run it into ``store``.

    The store must be empty: the sample uses fixed employee numbers and competence codes.
    The same seed gives the same history, events and reports, whatever the wall clock says.
    """
    if store.event_count() > 0:
        raise ValueError(
            "the sample organisation can only be loaded into an empty store"
            + (" (it is already loaded)" if is_loaded(store) else "")
        )
    world = build_history(seed)
    steps = world.timeline.in_order()
    total = len(steps)
    first_event = store.event_count()
    original_clock = store.app.clock
    clock = FixedClock(steps[0].at)
    store.app.clock = clock
    try:
        for done, step in enumerate(steps, start=1):
            clock.set(step.at)
            try:
                store.execute(step.command, step.actor)
            except Exception as exc:
                raise SampleLoadError(
                    f"sample step {done}/{total} ({type(step.command).__name__} by "
                    f"{step.actor} at {step.at.isoformat()}) was refused: {exc}"
                ) from exc
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
        store.catch_up()
    finally:
        store.app.clock = original_clock
    by_type = Counter(type(s.command).__name__ for s in steps)
    hires = [s.command for s in steps if isinstance(s.command, c.HireEmployee)]
    goals = by_type["AgreeWorkGoal"] + by_type["AgreeCompetenceGoal"]
    reported = (
        sum(
            1
            for s in steps
            if isinstance(s.command, c.AgreeCompetenceGoal) and s.command.report_training_need
        )
        + by_type["ReportTrainingNeed"]
        + sum(len(s.requests) for s in steps if isinstance(s.command, c.HireEmployee))
    )
    return SampleSummary(
        seed=seed,
        year=SAMPLE_YEAR,
        as_of=SAMPLE_AS_OF,
        units=len(UNITS),
        sites=[site.value for site in Site],
        competences=len(COMPETENCES),
        requirement_profiles=len(PROFILES),
        employees_hired=len(hires),
        hired_during_year=sum(1 for h in hires if h.start_date.year == SAMPLE_YEAR),
        leavers=by_type["RegisterLeaving"],
        transfers=by_type["TransferEmployee"],
        active_on_as_of=len(hires) - by_type["RegisterLeaving"],
        conversations_held=by_type["HoldConversation"],
        goals_agreed=goals,
        training_requests_reported=reported,
        training_completed=by_type["CompleteTraining"],
        commands=total,
        events=store.event_count() - first_event,
        commands_by_type=dict(sorted(by_type.items())),
    )
