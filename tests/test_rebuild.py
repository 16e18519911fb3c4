"""Acceptance: killing ``rebuild`` midway and running it again gives exactly the report of a
clean rebuild.

A rebuild runs in a child process on a store of a few thousand events, in small pages, and
is killed with SIGKILL while it is midway (the tracking table shows a partial position and
``rebuilding = 1``; if the child finished or had not started, it is tried again with another
delay). ``rebuild()`` is then run again in this process; it must resume where the child
stopped, and the views and reports must equal those of a clean rebuild of a copy of the
store (on PostgreSQL, where there is no file to copy: of the same store, rebuilt cleanly
afterwards). The CLI's ``rebuild`` is a thin wrapper over ``CompetenceStore.rebuild``.
"""

from __future__ import annotations

import contextlib
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from typing import Any

import pytest

from nnd_competence import CompetenceStore, open_store
from nnd_competence.domain import ids
from nnd_competence.domain.competence_plan import CompetencePlan, ConversationKind, Topic
from nnd_competence.domain.employee import Assignment, Employee, Holding, HoldingSource
from nnd_competence.domain.training_request import RequestReason, TrainingRequest

EMPLOYEES = 500
#: Small pages, so that a kill lands midway; PostgreSQL pages cost more round trips.
PAGE_SIZES = {"sqlite": 10, "postgres": 25}
CHILD = """
import sys
from nnd_competence import open_store

store = open_store(sys.argv[1])
print("ready", flush=True)
store.rebuild(page_size=int(sys.argv[2]))
store.close()
print("done", flush=True)
"""


def populate(store: CompetenceStore, actors, catalogue, ctx) -> None:
    """About 3,000 events over 1,500 aggregates, saved in batches straight from the domain
    (the use cases are tested elsewhere; here only the volume matters)."""
    catalogue.install(store, actors.hr)
    context = ctx(date(2026, 3, 2))
    batch: list[Any] = []
    for i in range(EMPLOYEES):
        number = f"{40000 + i}"
        unit = catalogue.unit if i % 3 else catalogue.other_unit
        employee = Employee.hire(
            context, number, Assignment(unit=unit, position=catalogue.position), date(2025, 1, 2)
        )
        if i % 4:
            employee.record_competence(
                context,
                Holding(
                    competence_code=catalogue.nuc,
                    level=1 + i % 3,
                    acquired_on=date(2024, 1, 1 + i % 28),
                    source=HoldingSource.IMPORT,
                ),
            )
        plan = CompetencePlan.open(context, number, 2026, unit, None)
        for kind, day in (
            (ConversationKind.EMPLOYEE_CONVERSATION, date(2026, 2, 15)),
            (ConversationKind.GOAL_AND_DEVELOPMENT_1, date(2026, 6, 15)),
        ):
            plan.schedule(context, kind.value.upper(), kind, day)
        if i % 2:
            plan.hold(context, "EMPLOYEE_CONVERSATION", date(2026, 2, 10), (Topic.SAFETY,))
        request = TrainingRequest.report(
            context,
            ids.onboarding_request_id(number, catalogue.rp),
            number,
            catalogue.rp,
            1,
            RequestReason.ONBOARDING,
        )
        if i % 3 == 0:
            request.receive(context, actors.officer.employee_number)
        batch += [employee, plan, request]
        if len(batch) >= 150:
            store.app.save(*batch)
            batch = []
    store.app.save(*batch)


def tracking(store: CompetenceStore) -> list[tuple[Any, ...]]:
    return store.views.query(
        "SELECT view_name, position, rebuilding FROM nnd_view_tracking ORDER BY view_name"
    )


def everything(store: CompetenceStore, snapshot_views) -> dict[str, Any]:
    """All view rows, the tracking rows, and the reports on a few days."""
    found: dict[str, Any] = {"views": snapshot_views(store), "tracking": tracking(store)}
    for day in (date(2026, 1, 15), date(2026, 3, 2), date(2026, 12, 1)):
        found[f"gaps {day}"] = store.gap_report(as_of=day).model_dump()
        found[f"completion {day}"] = store.completion_report(as_of=day).model_dump()
        found[f"conversations {day}"] = store.conversation_report(as_of=day).model_dump()
    return found


def copy_sqlite(source: str, target: str) -> None:
    """A consistent copy (WAL included), as a backup tool would take it."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def kill_midway(location: str, latest: int, duration: float, page_size: int) -> tuple[int, float]:
    """Run a rebuild in a child and SIGKILL it midway; returns (position, delay used)."""
    rng = random.Random(20260302)
    delay = duration * rng.uniform(0.25, 0.6)
    outcomes = []
    for _attempt in range(10):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, location, str(page_size)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            ready = child.stdout.readline().strip()
            assert ready == "ready", child.communicate()[1]
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        with contextlib.closing(open_store(location)) as probe:
            rows = tracking(probe)
        positions = {position for _, position, _ in rows}
        flags = {flag for _, _, flag in rows}
        outcomes.append((round(delay, 3), child.returncode, sorted(positions), sorted(flags)))
        if flags == {1} and len(positions) == 1 and 0 < min(positions) < latest:
            assert child.returncode == -signal.SIGKILL
            return min(positions), delay
        if flags == {0}:  # finished before the kill: kill sooner
            delay *= rng.uniform(0.3, 0.6)
        else:  # killed before the first page: later
            delay += duration * rng.uniform(0.1, 0.4)
    pytest.fail(f"could not kill the rebuild midway; attempts: {outcomes}")


def test_killed_rebuild_resumes_to_exactly_a_clean_rebuild(
    store_factory, backend, actors, catalogue, ctx, snapshot_views, tmp_path
) -> None:
    page_size = PAGE_SIZES.get(backend.name, 10)
    store = store_factory()
    location = store_factory.location_of(store)
    populate(store, actors, catalogue, ctx)
    latest = store.event_count()
    assert latest > 2500
    store.catch_up()

    # the reference: a clean rebuild (timed, to aim the kill)
    if backend.name == "sqlite":
        copy = str(tmp_path / "copy.sqlite")
        copy_sqlite(location, copy)
        reference_store = store_factory(copy)
    else:  # no file to copy: the same store rebuilt cleanly, after the resumed one
        reference_store = None
    started = time.perf_counter()
    clean_result = (reference_store or store).rebuild(page_size=page_size)
    duration = time.perf_counter() - started
    assert clean_result.notifications == latest
    reference = everything(reference_store, snapshot_views) if reference_store else None
    store.close()

    position, _delay = kill_midway(location, latest, duration, page_size)

    resumed_store = store_factory(location)
    assert resumed_store.runner.is_rebuilding()
    result = resumed_store.rebuild(page_size=page_size)
    assert result.notifications == latest - position  # resumed, not started over
    assert not resumed_store.runner.is_rebuilding()
    resumed = everything(resumed_store, snapshot_views)
    if reference is None:
        assert resumed_store.rebuild(page_size=500).notifications == latest  # clean
        reference = everything(resumed_store, snapshot_views)

    assert resumed.keys() == reference.keys()
    for key in reference:
        assert resumed[key] == reference[key], key
    assert resumed["tracking"] == [(name, latest, 0) for name, _, _ in resumed["tracking"]]
    assert sum(len(rows) for rows in resumed["views"].values()) > 2 * EMPLOYEES
