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
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from nnd_competence import CompetenceStore, open_store
from nnd_competence.application.clock import Clock

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


def postgres_location(schema: str, **params: Any) -> str:
    query = "&".join(
        [f"schema={schema}", f"application_name={application_name(schema)}"]
        + [f"{k}={v}" for k, v in params.items()]
    )
    return f"{postgres_base_url()}?{query}"


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
    keywords = getattr(report, "keywords", {}) or {}
    return "postgres" in keywords or "[postgres" in report.nodeid


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
