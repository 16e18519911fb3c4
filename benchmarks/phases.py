"""The measured phases. Each returns plain numbers for the report table."""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from benchmarks.orgsim import HR, OFFICER, now_of
from nnd_competence import Actor, Role
from nnd_competence.api import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain import ids
from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.competence_plan import GoalOutcome, MeasureKind, Topic
from nnd_competence.domain.errors import DomainError


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


# --- commands through the use cases ----------------------------------------------------
@dataclass
class CommandRun:
    commands: int = 0
    failed: int = 0
    events: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    employees: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    groups: list[list[DomainEvent]] = field(default_factory=list)

    @property
    def commands_per_second(self) -> float:
        return self.commands / self.seconds if self.seconds else 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _eligible(store: CompetenceStore, year: int) -> list[tuple[str, str | None, str]]:
    """(employee, manager, unit) of active employees whose plan awaits goal-and-development 2,
    with goal-and-development 1 held and the work goal open: the state the last simulated
    year leaves most employees in."""
    rows = store.views.query(
        "SELECT p.employee_number FROM conv_plan p "
        "JOIN conv_conversation g1 ON g1.plan_id = p.plan_id "
        "AND g1.conversation_id = 'GOAL_AND_DEVELOPMENT_1' AND g1.held_on IS NOT NULL "
        "JOIN conv_conversation g2 ON g2.plan_id = p.plan_id "
        "AND g2.conversation_id = 'GOAL_AND_DEVELOPMENT_2' AND g2.held_on IS NULL "
        "JOIN comp_goal w ON w.plan_id = p.plan_id AND w.goal_id = 'W1' AND w.status = 'open' "
        "JOIN gap_employee e ON e.employee_number = p.employee_number AND e.end_date IS NULL "
        "WHERE p.year = ? AND p.closed_on IS NULL ORDER BY p.employee_number",
        (year,),
    )
    numbers = [r[0] for r in rows]
    assignments = {a.employee_number: a for a in _active(store, now_of_store(store))}
    return [(n, assignments[n].manager, assignments[n].unit) for n in numbers if n in assignments]


def now_of_store(store: CompetenceStore) -> date:
    return store.today()


def _active(store: CompetenceStore, day: date) -> list[Any]:
    from nnd_competence.application.projections.competence_gaps import active_assignments

    return active_assignments(store.views, day)


def _script(number: str, year: int, today: date, skill: str) -> list[tuple[c.Command, str]]:
    """One employee's remaining year, as commands and who issues them ("hr", "manager",
    "officer"); the training request id is derived from the command id."""
    need_id = f"bench-need-{number}-{year}"
    request_id = ids.client_request_id(need_id)
    return [
        (
            c.HoldConversation(
                employee_number=number,
                year=year,
                conversation_id="goal_and_development_2",
                held_on=today,
                topics=(Topic.GOALS_PERFORMANCE, Topic.COMPETENCE),
            ),
            "manager",
        ),
        (
            c.RecordGoalProgress(
                employee_number=number,
                year=year,
                goal_id="W1",
                note="Nesten i mål",
                percent_complete=90,
            ),
            "manager",
        ),
        (
            c.CloseGoal(
                employee_number=number,
                year=year,
                goal_id="W1",
                outcome=GoalOutcome.ACHIEVED,
                closed_on=today,
            ),
            "manager",
        ),
        (
            c.RecordCompetence(
                employee_number=number,
                competence_code=skill,
                level=1,
                acquired_on=today,
                evidence="Vurdert i samtale",
            ),
            "manager",
        ),
        (c.ConfirmRecord(employee_number=number, confirmed_on=today), "manager"),
        (
            c.ReportTrainingNeed(
                employee_number=number,
                competence_code=skill,
                target_level=2,
                note="Behov meldt i samtale",
                command_id=need_id,
            ),
            "manager",
        ),
        (c.ReceiveTrainingRequest(request_id=request_id), "officer"),
        (
            c.ChooseMeasure(
                request_id=request_id,
                kind=MeasureKind.COURSE,
                title="Kurs",
                planned_start=today,
                planned_end=today,
            ),
            "officer",
        ),
        (c.CompleteTraining(request_id=request_id, completed_on=today), "officer"),
        (c.ClosePlan(employee_number=number, year=year, closed_on=today), "hr"),
    ]


SKILLS_FOR_COMMANDS = ("NUK-REGELVERK", "SIKKERHETSKULTUR", "PROSJEKTLEDELSE")


def run_commands(store: CompetenceStore, count: int, years: int, seed: int = 7) -> CommandRun:
    """About ``count`` commands through ``store.execute``, interleaved over employees (each
    employee's script in order, one step of every employee before the next step)."""
    year = now_of(years).year
    today = store.today()
    known = set(store.app.catalogue().competences)
    skills = [s for s in SKILLS_FOR_COMMANDS if s in known] or sorted(known)[:3]
    store.catch_up()  # the views must show what earlier rounds did (closed plans)
    eligible = _eligible(store, year)
    rng = random.Random(seed)
    rng.shuffle(eligible)
    per_employee = len(_script("1", year, today, skills[0]))
    chosen = eligible[: max(1, count // per_employee)]
    scripts = [
        (manager, _script(number, year, today, skills[i % len(skills)]))
        for i, (number, manager, _unit) in enumerate(chosen)
    ]
    run = CommandRun(employees=len(chosen))
    actors = {
        "hr": HR,
        "officer": OFFICER,
    }
    # Capture each command's events as saved, for the raw save comparison.
    events_store = store.app.events
    original_put = events_store.put

    def capture(events: Sequence[Any], **kwargs: Any) -> Any:
        run.groups.append(list(events))
        return original_put(events, **kwargs)

    events_store.put = capture  # type: ignore[method-assign,assignment]
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        for step in range(per_employee):
            for manager, script in scripts:
                command, who = script[step]
                actor = actors.get(who) or Actor(
                    employee_number=manager or HR.employee_number, role=Role.LINE_MANAGER
                )
                try:
                    store.execute(command, actor)
                except DomainError:
                    run.failed += 1
                run.commands += 1
                name = type(command).__name__
                run.by_type[name] = run.by_type.get(name, 0) + 1
        run.seconds = time.perf_counter() - started
        run.cpu_seconds = time.process_time() - cpu
    finally:
        events_store.put = original_put  # type: ignore[method-assign]
    run.events = sum(len(g) for g in run.groups)
    return run


def combine(rounds: Sequence[tuple[CommandRun, RawRun]]) -> tuple[CommandRun, RawRun]:
    """The rounds of commands and of raw saves, added up."""
    total = CommandRun()
    for run, _ in rounds:
        total.commands += run.commands
        total.failed += run.failed
        total.events += run.events
        total.seconds += run.seconds
        total.cpu_seconds += run.cpu_seconds
        total.employees += run.employees
        for name, n in run.by_type.items():
            total.by_type[name] = total.by_type.get(name, 0) + n
    raws = [raw for _, raw in rounds]
    raw = RawRun(
        sum(r.saves for r in raws),
        sum(r.events for r in raws),
        sum(r.seconds for r in raws),
        sum(r.cpu_seconds for r in raws),
    )
    return total, raw


# --- the same events, saved raw --------------------------------------------------------
@dataclass
class RawRun:
    saves: int
    events: int
    seconds: float
    cpu_seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Holder(Aggregate):
    """A pre-built aggregate carrying given pending events (no domain logic at all)."""

    def __init__(self, aggregate_id: UUID, events: list[DomainEvent]) -> None:
        super().__init__(aggregate_id)
        self._pending = events
        self.version = events[-1].originator_version


def raw_save(store: CompetenceStore, groups: list[list[DomainEvent]]) -> RawRun:
    """Save copies of the same events, one ``app.save()`` per command as the use cases
    did, each with the same events spread over the same aggregates. The copies get fresh
    aggregate ids (the originals are already stored), the same per aggregate across
    commands, so versions continue as they did."""
    new_ids: dict[UUID, UUID] = {}
    batches: list[list[_Holder]] = []
    for group in groups:
        per_aggregate: dict[UUID, list[DomainEvent]] = {}
        for event in group:
            new_id = new_ids.setdefault(event.originator_id, uuid4())
            copy = event.model_copy(update={"originator_id": new_id})
            per_aggregate.setdefault(new_id, []).append(copy)
        batches.append([_Holder(i, evs) for i, evs in per_aggregate.items()])
    app = store.app
    cpu = time.process_time()
    started = time.perf_counter()
    for holders in batches:
        app.save(*holders)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return RawRun(len(batches), sum(len(g) for g in groups), seconds, cpu)


# --- report latencies ------------------------------------------------------------------
@dataclass
class Latency:
    runs: int
    median_ms: float
    p99_ms: float
    max_ms: float
    size: str


@contextmanager
def frozen_gc() -> Iterator[None]:
    """Objects alive now are moved out of the cyclic collector's generations.

    A full collection scans every tracked object of the process; in these latency runs
    that scan, not the query, is what the slowest calls waited for. A service embedding
    the library can freeze what start-up made (docs/embedding.md)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def gap_report_latency(store: CompetenceStore, runs: int, *, detail: bool = False) -> Latency:
    """The whole organisation's gap report: the per-unit summary (what the CLI shows by
    default), or with ``detail`` every gap row too (what a CSV or JSON export holds)."""
    store.catch_up()

    def report() -> Any:
        return store.gap_report(detail=detail)

    _timed(report, 3)  # warm up
    times, report_made = _timed(report, runs)
    if not detail:
        report_made = store.gap_report()  # for the size: the rows the summary counted
    employees = sum(u.employees for u in report_made.units)
    return Latency(
        runs,
        statistics.median(times),
        _quantile(times, 0.99),
        max(times),
        f"{employees:,} employees, {len(report_made.units)} units, "
        f"{len(report_made.rows):,} gap rows"
        + (" returned" if detail else " counted, not returned"),
    )


def audit_trail_latency(store: CompetenceStore, runs: int, seed: int = 11) -> Latency:
    """One audit trail each for ``runs`` different employees, in random order (each is
    loaded the first time: no aggregate of theirs is in the cache unless the commands
    phase touched it)."""
    store.catch_up()
    numbers = [a.employee_number for a in _active(store, store.today())]
    rng = random.Random(seed)
    picked = rng.sample(numbers, min(runs, len(numbers)))
    store.audit_trail(picked[0])  # warm up
    times = []
    entries = 0
    for number in picked:
        started = time.perf_counter()
        trail = store.audit_trail(number)
        times.append((time.perf_counter() - started) * 1000)
        entries += len(trail)
    return Latency(
        len(picked),
        statistics.median(times),
        _quantile(times, 0.99),
        max(times),
        f"{entries / len(picked):.0f} entries per employee on average",
    )


# --- long-lived aggregates: loading with and without snapshots -------------------------
@dataclass
class SnapshotLoads:
    employees: int
    events_mean: float
    events_max: int
    snapshots: int
    with_ms: float
    without_ms: float


def snapshot_loads(store: CompetenceStore, count: int = 50) -> SnapshotLoads | None:
    """Load the ``count`` employees with the longest histories, bypassing the aggregate
    cache, from their latest snapshot and then with snapshots switched off (every event
    replayed); median milliseconds per load."""
    repository = store.app.repository
    snapshot_store = repository.snapshot_store
    if snapshot_store is None:
        return None
    # As the log stores aggregate ids: PostgreSQL a uuid, SQLite the hex digits alone.
    owner_id = (
        "CAST(o.aggregate_id AS UUID)"
        if store.views.dialect == "postgres"
        else "REPLACE(o.aggregate_id, '-', '')"
    )
    events = getattr(store.app.recorder, "events_table_name", "stored_events")
    rows = store.views.query(
        "SELECT o.aggregate_id, MAX(e.originator_version) FROM audit_owner o "
        f"JOIN {events} e ON e.originator_id = {owner_id} WHERE o.kind = 'employee' "
        "GROUP BY o.aggregate_id ORDER BY 2 DESC, 1 LIMIT ?",
        (count,),
    )
    targets = [(UUID(r[0]), int(r[1])) for r in rows]
    if not targets:
        return None
    snapshots = sum(
        1 for aggregate_id, _ in targets if list(snapshot_store.get(aggregate_id, limit=1))
    )

    def median_ms() -> float:
        times = []
        for aggregate_id, version in targets:
            started = time.perf_counter()
            repository.get(aggregate_id, version=version)  # a version: never from the cache
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    with_ms = median_ms()
    repository.snapshot_store = None
    try:
        without_ms = median_ms()
    finally:
        repository.snapshot_store = snapshot_store
    versions = [v for _, v in targets]
    return SnapshotLoads(
        len(targets), statistics.mean(versions), max(versions), snapshots, with_ms, without_ms
    )
