"""Several processes on one store, on both stores (a SQLite file; a PostgreSQL schema).

(a) conflicting writers: the final state is what the successful commands say, no event is
    lost or duplicated, and a command that ran out of retries left nothing behind;
(b) a projection runner SIGKILLed at random points, many times, while writers run: once
    restarted and caught up, every view table equals a clean rebuild, row by row;
(c) one writer's transaction held open (after its insert) while others try to commit: the
    views neither skip the held event nor stall once it commits;
(d) a command resubmitted with the same command id (one after the other, or from several
    processes at once) writes nothing more and returns the first result.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from backends import (
    HR,
    SHARED,
    STORE_KINDS,
    YEAR,
    all_notifications,
    all_views,
    assert_views_equal_a_clean_rebuild,
    check_log_integrity,
    conflicting_commands,
    fresh_location,
    open_fixed,
    progress,
    record,
    run_commands,
    run_workload,
    seed,
    work_goal,
)
from nnd_competence import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain import ids
from nnd_competence.domain.errors import ConcurrencyConflict
from nnd_competence.domain.training_request import TrainingRequest

SPAWN = multiprocessing.get_context("spawn")
BACKENDS_PY = Path(__file__).with_name("backends.py")


@pytest.fixture(params=STORE_KINDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_location(request.param, tmp_path) as where:
        seed(where)
        yield where


def _start_workers(target: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    processes = [SPAWN.Process(target=target, args=a, daemon=True) for a in args]
    for process in processes:
        process.start()
    return processes


def _join(processes: list[Any], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.1, deadline - time.monotonic()))
    stuck = [p.pid for p in processes if p.is_alive()]
    for process in processes:
        if process.is_alive():
            process.kill()
    assert not stuck, f"worker processes {stuck} did not finish"
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]


def _plan_events(store: CompetenceStore, number: str) -> list[Any]:
    return list(store.app.events.get(ids.plan_id(number, YEAR)))


# --- (a) ---------------------------------------------------------------------------------
def test_conflicting_writers_lose_nothing(location: str, tmp_path: Path) -> None:
    workers, per_worker = 4, 15
    plans = [conflicting_commands(w, per_worker) for w in range(workers)]
    go = SPAWN.Event()
    results = [tmp_path / f"writer-{w}.json" for w in range(workers)]
    processes = _start_workers(
        run_commands, [(location, plans[w], go, str(results[w])) for w in range(workers)]
    )
    time.sleep(1.0)  # let them all open the store
    go.set()
    _join(processes)

    succeeded: list[c.Command] = []
    failed: list[c.Command] = []
    for w in range(workers):
        outcomes = json.loads(results[w].read_text())
        assert len(outcomes) == per_worker
        for command, outcome in zip(plans[w], outcomes, strict=True):
            assert outcome["outcome"] in ("ok", "conflict"), outcome
            (succeeded if outcome["outcome"] == "ok" else failed).append(command)
    assert succeeded, "no command succeeded"

    with open_fixed(location) as store:
        check_log_integrity(store)
        employee = store.app.employee(SHARED)
        recorded = {x.competence_code for x in succeeded if isinstance(x, c.RecordCompetence)}
        assert set(employee.holdings) == recorded
        plan = store.app.plan(SHARED, YEAR)
        goals = {x.goal_id for x in succeeded if isinstance(x, c.AgreeWorkGoal)}
        assert set(plan.goals) == {"G0", *goals}
        notes = Counter(
            e.note
            for e in _plan_events(store, SHARED)
            if type(e).__name__ == "GoalProgressRecorded"
        )
        expected = Counter(x.note for x in succeeded if isinstance(x, c.RecordGoalProgress))
        assert notes == expected  # each successful note exactly once, no failed one
        # the views agree with the log
        store.catch_up(page_size=7)
        held = store.views.query(
            "SELECT competence_code FROM gap_holding WHERE employee_number = ?", (SHARED,)
        )
        assert {code for (code,) in held} == recorded
        assert_views_equal_a_clean_rebuild(store)


def test_a_command_out_of_retries_leaves_nothing_behind(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command touching two aggregates (a competence goal with a training need) whose
    save is beaten every time by a concurrent write: ConcurrencyConflict, and neither the
    goal nor the training request exists afterwards."""
    with open_fixed(location) as store, open_fixed(location) as rival:
        real_save = store.app.save
        attempts = []

        def beaten_save(*aggregates: Any) -> Any:
            attempts.append(len(aggregates))
            rival.execute(progress(SHARED, f"rival {len(attempts)}"), HR)  # bumps the plan
            return real_save(*aggregates)

        monkeypatch.setattr(store.app, "save", beaten_save)
        before = len(all_notifications(store))
        command = c.AgreeCompetenceGoal(
            employee_number=SHARED,
            year=YEAR,
            goal_id="CG1",
            description="Lead a team",
            competence_code="C05",
            target_level=2,
            measures=({"kind": "course", "description": "Course"},),  # type: ignore[arg-type]
            deadline=date(2026, 12, 31),
            report_training_need=True,
        )
        with pytest.raises(ConcurrencyConflict, match="AgreeCompetenceGoal"):
            store.execute(command, HR)
        monkeypatch.undo()

        assert attempts and all(n == 2 for n in attempts)  # plan + training request each time
        # Only the rival's writes. (Counted: on PostgreSQL a rolled-back insert leaves a
        # gap in the notification ids, so the highest id is not a count.)
        assert len(all_notifications(store)) == before + len(attempts)
        assert "CG1" not in store.app.plan(SHARED, YEAR).goals
        request_id = ids.goal_request_id(ids.plan_id(SHARED, YEAR), "CG1")
        assert not store.app.exists(request_id)
        check_log_integrity(store)
        store.catch_up()
        assert not store.views.query("SELECT * FROM comp_goal WHERE goal_id = ?", ("CG1",)), (
            "a goal of the failed command reached the views"
        )
        # and the same command goes through once nobody interferes
        assert store.execute(command, HR) == ids.plan_id(SHARED, YEAR)
        assert isinstance(store.app.repository.get(request_id), TrainingRequest)


# --- (b) ---------------------------------------------------------------------------------
def _start_runner(location: str, page_size: int, *more: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(BACKENDS_PY), "catch-up", location, str(page_size), *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killed_projection_runner_catches_up_to_a_clean_rebuild(
    location: str, tmp_path: Path
) -> None:
    rng = random.Random(20260302)
    with open_fixed(location) as store:
        seeded = min(store.runner.positions().values())
    writers = 3
    stop = SPAWN.Event()
    results = [tmp_path / f"workload-{w}.json" for w in range(writers)]
    processes = _start_workers(
        run_workload, [(location, w, stop, str(results[w])) for w in range(writers)]
    )
    kills = 0
    try:
        while kills < 12:
            runner = _start_runner(location, rng.choice([3, 7, 20]))
            assert runner.stdout is not None and runner.stderr is not None
            ready = runner.stdout.readline()  # the store is open: it is catching up now
            assert ready == b"ready\n", runner.stderr.read()
            time.sleep(rng.uniform(0.0, 0.6))
            assert runner.poll() is None, runner.stderr.read()
            runner.send_signal(signal.SIGKILL)
            runner.wait(10)
            runner.stdout.close()
            runner.stderr.close()
            kills += 1
    finally:
        stop.set()
        _join(processes)
    written = [json.loads(r.read_text()) for r in results]
    assert all(not w["errors"] for w in written), [w["errors"] for w in written]
    assert sum(w["counts"]["ok"] for w in written) > 50, written

    with open_fixed(location) as store:
        before = store.runner.positions()
        latest = store.event_count()
        # The killed runners did work, and were killed behind the log.
        assert seeded < min(before.values()) < latest
    final = _start_runner(location, 13, "once")
    _, errors = final.communicate(timeout=120)
    assert final.returncode == 0, errors
    with open_fixed(location) as store:
        check_log_integrity(store)
        assert_views_equal_a_clean_rebuild(store)


# --- (c) ---------------------------------------------------------------------------------
class HeldInsert:
    """Makes one store's next insert stop inside its transaction, after the rows are
    written (and, on PostgreSQL, after the table lock is taken), until released."""

    def __init__(self, store: CompetenceStore, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inserted = threading.Event()
        self.release = threading.Event()
        recorder = store.app.recorder
        # The hook inside the recorder's transaction, after the insert itself.
        name = (
            "_fetch_ids_after_insert_events"
            if isinstance(recorder, PostgresApplicationRecorder)
            else "_insert_events"
        )
        original = getattr(recorder, name)

        def hold(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            self.inserted.set()
            assert self.release.wait(30), "never released"
            return result

        monkeypatch.setattr(recorder, name, hold)


def test_a_held_writer_is_neither_skipped_nor_stalls_the_views(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnd_competence.api import live_projections

    others = [f"2{n:04d}" for n in range(4)]
    with open_fixed(location) as setup:
        for number in others:
            hire_op(setup, number)
        setup.catch_up()
        before = setup.event_count()
        before_count = len(all_notifications(setup))

    live = live_projections(location, interval=0.02)
    # Every store is opened before the hold: on SQLite, opening one creates the tables if
    # missing, which needs the write lock the held writer has.
    reader, held_store, *writer_stores = (open_fixed(location) for _ in range(2 + len(others)))
    threads: list[threading.Thread] = []
    errors: list[BaseException] = []

    def run(store: CompetenceStore, command: c.Command) -> None:
        try:
            store.execute(command, HR)
        except BaseException as error:
            errors.append(error)

    held = HeldInsert(held_store, monkeypatch)
    try:
        live.start()
        assert live.wait_for(before, 10)
        held_thread = threading.Thread(
            target=run, args=(held_store, record(SHARED, "C42", level=3)), daemon=True
        )
        held_thread.start()
        assert held.inserted.wait(15), "the held writer never inserted"
        for store, number in zip(writer_stores, others, strict=True):
            thread = threading.Thread(
                target=run, args=(store, record(number, "C43", level=2)), daemon=True
            )
            thread.start()
            threads.append(thread)
        time.sleep(0.8)  # the others are now waiting for the held writer, or committed

        # While held: the runner is alive and not ahead of anything committed; the
        # held event is invisible to it.
        assert live.running
        assert live.status.errors == 0
        committed = reader.event_count()
        assert min(reader.runner.positions().values()) <= committed
        assert not reader.views.query("SELECT * FROM gap_holding WHERE competence_code = 'C42'")

        held.release.set()
        held_thread.join(30)
        for thread in threads:
            thread.join(30)
        assert not errors, errors
        latest = reader.event_count()
        assert len(all_notifications(reader)) == before_count + 1 + len(others)
        # Not stalled: the runner reaches the end of the log promptly after the commit.
        assert live.wait_for(latest, 10), live.status
        assert live.status.errors == 0
    finally:
        held.release.set()
        live.stop()
        for store in (reader, held_store, *writer_stores):
            store.close()

    with open_fixed(location) as store:
        notifications = check_log_integrity(store)
        shared_id = ids.employee_id(SHARED)
        held_id = next(
            n.id for n in notifications if n.id > before and UUID(str(n.originator_id)) == shared_id
        )
        # The held event got its id before the others, which waited for it to commit.
        later = [n.id for n in notifications if n.id > before and n.id != held_id]
        assert all(held_id < i for i in later)
        holdings = store.views.query(
            "SELECT employee_number, competence_code, level FROM gap_holding "
            "WHERE competence_code IN ('C42', 'C43') ORDER BY employee_number"
        )
        assert holdings == sorted([(SHARED, "C42", 3), *((n, "C43", 2) for n in others)])
        assert_views_equal_a_clean_rebuild(store)


def hire_op(store: CompetenceStore, number: str) -> None:
    from backends import hire

    hire(store, number)


# --- (d) ---------------------------------------------------------------------------------
def test_resubmitting_a_command_id_writes_nothing(location: str) -> None:
    with open_fixed(location) as store:
        command = progress(SHARED, "once only", command_id="client-42")
        first = store.execute(command, HR)
        count = len(all_notifications(store))
        for _ in range(3):
            assert store.execute(command, HR) == first
        assert len(all_notifications(store)) == count
        need = c.ReportTrainingNeed(
            employee_number=SHARED, competence_code="C07", command_id="client-43"
        )
        request_id = store.execute(need, HR)
        assert isinstance(request_id, UUID)
        assert store.execute(need, HR) == request_id
        assert len(all_notifications(store)) == count + 2  # the request, its command record


def test_the_same_command_id_from_several_processes_at_once(location: str, tmp_path: Path) -> None:
    rounds, workers = 4, 4
    commands: list[c.Command] = []
    for r in range(rounds):
        commands.append(progress(SHARED, f"idempotent {r}", command_id=f"progress-{r}"))
        commands.append(
            c.ReportTrainingNeed(
                employee_number=SHARED, competence_code="C09", command_id=f"need-{r}"
            )
        )
    go = SPAWN.Event()
    results = [tmp_path / f"same-{w}.json" for w in range(workers)]
    processes = _start_workers(
        run_commands, [(location, commands, go, str(results[w])) for w in range(workers)]
    )
    time.sleep(1.0)
    go.set()
    _join(processes)

    outcomes = [json.loads(r.read_text()) for r in results]
    for i in range(len(commands)):
        seen = {(o[i]["outcome"], o[i]["detail"]) for o in outcomes}
        assert len(seen) == 1, f"command {i}: different outcomes {seen}"
        assert next(iter(seen))[0] == "ok"
    with open_fixed(location) as store:
        check_log_integrity(store)
        notes = Counter(
            e.note
            for e in _plan_events(store, SHARED)
            if type(e).__name__ == "GoalProgressRecorded"
        )
        assert all(notes[f"idempotent {r}"] == 1 for r in range(rounds)), notes
        store.catch_up()
        requests = {
            UUID(aggregate_id)
            for (aggregate_id,) in store.views.query(
                "SELECT aggregate_id FROM audit_owner WHERE kind = 'training_request'"
            )
        }
        need_ids = {UUID(o[2 * r + 1]["detail"]) for o in outcomes for r in range(rounds)}
        assert len(need_ids) == rounds
        assert need_ids <= requests
        handled = [n for n in check_log_integrity(store) if n.topic.endswith("CommandHandled")]
        assert len(handled) == 2 * rounds  # one record per command id, not per submission


def test_views_are_the_same_after_concurrent_catch_ups(location: str, tmp_path: Path) -> None:
    """Two catch-up loops racing on one store (the writer lock and the compare-and-set)
    apply every page exactly once."""
    with open_fixed(location) as store:
        for n in range(30):
            hire_op(store, f"4{n:04d}")
            store.execute(record(f"4{n:04d}", "NUC-SAFETY", level=1 + n % 3), HR)
        store.execute(work_goal(SHARED, "RACE"), HR)
    runners = [_start_runner(location, 2, "once") for _ in range(3)]
    for runner in runners:
        _, errors = runner.communicate(timeout=120)
        assert runner.returncode == 0, errors
    with open_fixed(location) as store:
        assert set(store.runner.positions().values()) == {store.event_count()}
        views = all_views(store)
        assert len(views["gap_holding"]) == 30
        assert_views_equal_a_clean_rebuild(store)
