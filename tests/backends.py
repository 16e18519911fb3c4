"""Test helpers for the two stores: PostgreSQL locations, skipping or failing, counting.

PostgreSQL is expected at ``NND_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``, trust auth). Every store the tests make
there gets a schema of its own with a random name, dropped afterwards; its sessions carry
``application_name`` ``nndt-<schema>`` so leftovers (from a killed process, say) can be
terminated before the drop.

When the server cannot be reached, PostgreSQL tests skip with the reason, unless ``CI``
is set or ``NND_REQUIRE_POSTGRES=1``: then they fail, so a CI run cannot pass by quietly
testing SQLite only. ``pytest_terminal_summary`` (imported by ``conftest.py``) prints how
many PostgreSQL tests passed, failed and skipped.

Also importable by worker processes (``multiprocessing`` with spawn, or ``python
tests/backends.py ...``), so it imports nothing from ``conftest``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from nnd_competence import Actor, CompetenceStore, Role, open_store
from nnd_competence.application import commands as c
from nnd_competence.application.clock import Clock, FixedClock
from nnd_competence.domain.catalogue import (
    Category,
    CompetenceDefinition,
    Requirement,
    RequirementProfile,
)
from nnd_competence.domain.competence_plan import ConversationKind
from nnd_competence.domain.errors import ConcurrencyConflict
from nnd_competence.domain.values import CERTIFICATE_SCALE, STANDARD_SCALE

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("NND_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL).split("?")[0]


def postgres_required() -> bool:
    """CI (``CI`` set and not false) or ``NND_REQUIRE_POSTGRES=1``: never skip."""
    ci = os.environ.get("CI", "").strip().lower()
    required = os.environ.get("NND_REQUIRE_POSTGRES", "").strip().lower()
    return ci not in ("", "0", "false", "no") or required in ("1", "true", "yes")


def _connect(**more: Any) -> Any:
    import psycopg

    parts = urlsplit(postgres_base_url())
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname=parts.path.lstrip("/") or "test",
        connect_timeout=3,
        autocommit=True,
        **more,
    )


@functools.cache
def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None if it can (checked once)."""
    try:
        import psycopg  # noqa: F401
    except ImportError as error:
        return f"psycopg is not installed ({error}); pip install -e '.[test]'"
    try:
        with _connect() as connection:
            connection.execute("SELECT 1")
    except Exception as error:
        where = postgres_base_url()
        return f"PostgreSQL at {where} is not reachable: {' '.join(str(error).split())}"
    return None


def require_postgres() -> None:
    """Skip the calling test when PostgreSQL is unreachable, or fail it on CI."""
    problem = postgres_problem()
    if problem is None:
        return
    if postgres_required():
        pytest.fail(f"{problem} (required: CI or NND_REQUIRE_POSTGRES=1 is set)", pytrace=False)
    pytest.skip(problem)


@contextlib.contextmanager
def admin() -> Iterator[Any]:
    """A plain autocommit psycopg connection to the test database."""
    connection = _connect(application_name="nnd-test-admin")
    try:
        yield connection
    finally:
        connection.close()


def new_schema_name() -> str:
    return f"nnd_t_{uuid.uuid4().hex[:16]}"


def application_name(schema: str) -> str:
    return f"nndt-{schema}"


def postgres_location(schema: str, *, app: str | None = None, **params: Any) -> str:
    """The URL of ``schema``; its sessions are named ``app`` (default ``nndt-<schema>``)."""
    query = "&".join(
        [f"schema={schema}", f"application_name={app or application_name(schema)}"]
        + [f"{k}={v}" for k, v in params.items()]
    )
    return f"{postgres_base_url()}?{query}"


def renamed(location: str, app: str) -> str:
    """The same PostgreSQL location, its sessions named ``app`` (to kill just those)."""
    return postgres_location(schema_of(location), app=app)


def schema_of(location: str) -> str:
    for part in urlsplit(location).query.split("&"):
        key, _, value = part.partition("=")
        if key == "schema":
            return value
    raise ValueError(f"no schema in {location}")


def terminate_sessions(name: str) -> int:
    """Kill every server session whose application_name is ``name``; how many."""
    with admin() as connection:
        rows = connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return sum(1 for (killed,) in rows if killed)


def session_pids(name: str) -> list[int]:
    with admin() as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,)
        ).fetchall()
    return [pid for (pid,) in rows]


def drop_schema(schema: str) -> None:
    with contextlib.suppress(Exception):
        terminate_sessions(application_name(schema))
    with admin() as connection:
        connection.execute("SET lock_timeout = '20s'")
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@dataclass(frozen=True)
class PostgresBackend:
    """Like conftest's ``Backend``: a fresh schema per location, dropped in ``dispose``."""

    name: str = "postgres"

    def fresh_location(self, directory: Path, stem: str) -> str:
        require_postgres()
        return postgres_location(new_schema_name())

    def open(self, location: str, clock: Clock | None) -> CompetenceStore:
        return open_store(location, clock=clock)

    def dispose(self, location: str) -> None:
        drop_schema(schema_of(location))


@dataclass(frozen=True)
class SQLiteFile:
    name: str = "sqlite"

    def fresh_location(self, directory: Path, stem: str) -> str:
        return str(directory / f"{stem}.sqlite")

    def dispose(self, location: str) -> None:
        pass


@contextlib.contextmanager
def fresh_location(kind: str, directory: Path, stem: str = "store") -> Iterator[str]:
    """A fresh location of ``kind`` ("sqlite" or "postgres"), removed afterwards."""
    backend: PostgresBackend | SQLiteFile = (
        PostgresBackend() if kind == "postgres" else SQLiteFile()
    )
    location = backend.fresh_location(directory, stem)
    try:
        yield location
    finally:
        backend.dispose(location)


STORE_KINDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


# --- reporting -------------------------------------------------------------------------
def _is_postgres(report: Any) -> bool:
    return "postgres" in (getattr(report, "keywords", None) or {})  # the mark


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = sum(
            1
            for r in reports
            if _is_postgres(r) and (outcome != "passed" or getattr(r, "when", "") == "call")
        )
    summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
    terminalreporter.write_line(f"postgres: {summary or 'no tests ran'}")


# --- a shared scenario for processes writing at the same time ---------------------------
# (module level, so that processes started with "spawn" can import and run it)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HR = Actor(employee_number="90001", role=Role.HR)
MANAGER = "10001"
SHARED = "10002"  # the employee (and 2026 plan) every writer fights over
YEAR = 2026
EXTRA_CODES = tuple(f"C{n:02d}" for n in range(60))


def open_fixed(location: str) -> CompetenceStore:
    return open_store(location, clock=FixedClock(T0))


def seed(location: str) -> None:
    """Catalogue (RP, NUC, LEAD and C00..C59), a manager, the shared employee, its 2026
    plan with goal G0; views caught up."""
    with open_fixed(location) as store:
        definitions = [
            CompetenceDefinition(
                code="RP-CERT",
                name_nb="Strålevern",
                category=Category.SAFETY,
                scale=CERTIFICATE_SCALE,
                validity_months=24,
            ),
            CompetenceDefinition(
                code="NUC-SAFETY",
                name_nb="Kjernesikkerhet",
                category=Category.TECHNICAL,
                scale=STANDARD_SCALE,
            ),
            *(
                CompetenceDefinition(
                    code=code, name_nb=f"Kompetanse {code}", category=Category.TECHNICAL
                )
                for code in EXTRA_CODES
            ),
        ]
        for definition in definitions:
            store.execute(c.DefineCompetence(competence=definition), HR)
        store.execute(
            c.SetRequirementProfile(
                profile=RequirementProfile(
                    position="OPERATOR",
                    requirements=(
                        Requirement(
                            competence_code="RP-CERT", level=1, mandatory_at_onboarding=True
                        ),
                        Requirement(competence_code="NUC-SAFETY", level=2),
                    ),
                )
            ),
            HR,
        )
        store.execute(
            c.HireEmployee(
                employee_number=MANAGER,
                unit="HALDEN",
                position="MANAGER",
                start_date=date(2015, 1, 1),
            ),
            HR,
        )
        hire(store, SHARED)
        store.execute(c.OpenPlan(employee_number=SHARED, year=YEAR), HR)
        store.execute(work_goal(SHARED, "G0"), HR)
        store.catch_up()


def hire(store: CompetenceStore, number: str, **more: Any) -> Any:
    return store.execute(
        c.HireEmployee(
            employee_number=number,
            unit="HALDEN",
            position="OPERATOR",
            manager=MANAGER,
            start_date=date(2026, 1, 5),
            **more,
        ),
        HR,
    )


def work_goal(number: str, goal_id: str, **more: Any) -> c.AgreeWorkGoal:
    return c.AgreeWorkGoal(
        employee_number=number,
        year=YEAR,
        goal_id=goal_id,
        description=f"Goal {goal_id}",
        deadline=date(2026, 12, 31),
        **more,
    )


def record(number: str, code: str, level: int = 1, **more: Any) -> c.RecordCompetence:
    return c.RecordCompetence(
        employee_number=number,
        competence_code=code,
        level=level,
        acquired_on=date(2026, 2, 1),
        **more,
    )


def progress(number: str, note: str, **more: Any) -> c.RecordGoalProgress:
    return c.RecordGoalProgress(employee_number=number, year=YEAR, goal_id="G0", note=note, **more)


def conflicting_commands(worker: int, count: int) -> list[c.Command]:
    """Commands of one writer, all on the shared employee or its plan: competences (each
    writer its own codes), work goals (own ids) and progress notes on the shared goal."""
    commands: list[c.Command] = []
    for i in range(count):
        if i % 3 == 0:
            commands.append(record(SHARED, EXTRA_CODES[worker * 10 + i // 3]))
        elif i % 3 == 1:
            commands.append(work_goal(SHARED, f"W{worker}-{i}"))
        else:
            commands.append(progress(SHARED, f"progress {worker}-{i}"))
    return commands


def _outcome(store: CompetenceStore, command: c.Command) -> dict[str, Any]:
    try:
        result = store.execute(command, HR)
    except ConcurrencyConflict as error:
        return {"outcome": "conflict", "detail": str(error)}
    except Exception as error:
        return {"outcome": "error", "detail": f"{type(error).__name__}: {error}"}
    return {"outcome": "ok", "detail": str(result)}


def run_commands(location: str, commands: list[c.Command], go: Any, result_path: str) -> None:
    """Worker: open the store, wait for ``go`` (so all start together), run ``commands``
    and write each outcome to ``result_path`` (JSON)."""
    store = open_fixed(location)
    try:
        go.wait(60)
        outcomes = [_outcome(store, command) for command in commands]
    finally:
        store.close()
    Path(result_path).write_text(json.dumps(outcomes))


def run_workload(location: str, worker: int, stop: Any, result_path: str) -> None:
    """Worker: a varied stream of commands until ``stop`` is set: hires, competences,
    plans, goals, training needs, and progress on the shared goal (which conflicts)."""
    counts = {"ok": 0, "conflict": 0, "error": 0}
    errors: list[str] = []
    store = open_fixed(location)
    try:
        i = 0
        while not stop.is_set() and i < 2000:
            number = f"{worker + 3}{i:04d}"
            steps: list[c.Command] = [
                c.HireEmployee(
                    employee_number=number,
                    unit="HALDEN" if i % 2 else "KJELLER",
                    position="OPERATOR",
                    manager=MANAGER,
                    start_date=date(2026, 1, 5),
                ),
                record(number, "NUC-SAFETY", level=1 + i % 3),
                c.OpenPlan(employee_number=number, year=YEAR),
                work_goal(number, "W1"),
                c.ScheduleConversation(
                    employee_number=number,
                    year=YEAR,
                    kind=ConversationKind.EMPLOYEE_CONVERSATION,
                    scheduled_for=date(2026, 4, 1),
                ),
                c.ReportTrainingNeed(employee_number=number, competence_code="C01"),
                progress(SHARED, f"w{worker}-{i}"),
            ]
            if i % 4 == 3:
                steps.append(
                    c.TransferEmployee(
                        employee_number=number, unit="HALDEN", effective_on=date(2026, 3, 1)
                    )
                )
            for command in steps:
                outcome = _outcome(store, command)
                counts[outcome["outcome"]] += 1
                if outcome["outcome"] == "error":
                    errors.append(outcome["detail"])
            i += 1
            time.sleep(0.005)
    finally:
        store.close()
    Path(result_path).write_text(json.dumps({"counts": counts, "errors": errors}))


def catch_up_loop(location: str, page_size: int, once: bool) -> None:
    """The projection runner the kill test SIGKILLs: catch up in small pages, forever."""
    store = open_store(location)
    print("ready", flush=True)  # the test kills it only once it is at work
    try:
        while True:
            store.runner.catch_up(page_size)
            if once:
                return
            time.sleep(0.01)
    finally:
        store.close()


# --- checking a store --------------------------------------------------------------------
def all_notifications(store: CompetenceStore, page: int = 1000) -> list[Any]:
    found: list[Any] = []
    start = 0
    while batch := store.app.recorder.select_notifications(start, page, inclusive_of_start=False):
        found.extend(batch)
        start = batch[-1].id
    return found


def check_log_integrity(store: CompetenceStore) -> list[Any]:
    """No event lost or duplicated: notification ids unique and increasing, each
    aggregate's versions exactly 1..n. Returns the notifications."""
    notifications = all_notifications(store)
    ids = [n.id for n in notifications]
    assert ids == sorted(set(ids)), "notification ids are not unique and increasing"
    versions: dict[str, list[int]] = {}
    for n in notifications:
        versions.setdefault(str(n.originator_id), []).append(n.originator_version)
    for originator, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{originator}: versions {seen}"
    return notifications


def all_views(store: CompetenceStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table (and the tracking table), in primary-key order."""
    snapshot = {}
    for name, table in sorted(store.runner.tables.items()):
        columns = ", ".join(table.column_names)
        order = ", ".join(table.key)
        snapshot[name] = store.views.query(f"SELECT {columns} FROM {name} ORDER BY {order}")
    return snapshot


def assert_views_equal_a_clean_rebuild(store: CompetenceStore) -> None:
    latest = store.event_count()
    positions = store.runner.positions()
    assert set(positions.values()) == {latest}, (positions, latest)
    caught_up = all_views(store)
    store.rebuild(page_size=997)
    rebuilt = all_views(store)
    for name in rebuilt:
        assert caught_up[name] == rebuilt[name], f"view table {name} differs from a rebuild"


if __name__ == "__main__":  # python tests/backends.py catch-up LOCATION PAGE_SIZE [once]
    import sys

    if sys.argv[1] == "catch-up":
        catch_up_loop(sys.argv[2], int(sys.argv[3]), once=sys.argv[4:] == ["once"])
