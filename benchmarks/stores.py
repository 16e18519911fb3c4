"""Where the benchmark's stores live, how they are built once and copied for each run.

A generated store is cached, keyed by everything that decides its content (store kind,
employees, years, seed, generator version and a digest of the sample catalogue and
units), so a second run reuses it:

* SQLite: ``$NND_BENCH_CACHE/sqlite-<key>.sqlite`` (default cache ``/tmp/nnd-bench``);
* PostgreSQL: database ``nndbench_<key>`` (schema ``nnd``) on ``$NND_BENCH_PG``
  (default ``postgresql://postgres@127.0.0.1:5432``).

A JSON file beside it (``<kind>-<key>.json``) records how it was built; it is written only
when the build finished, so a half-built store is never reused. The cached store has the
events only: its views are empty until a run rebuilds them. Each run works on a copy (a
file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so neither its
rebuild nor its commands change the cached store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.orgsim import BATCH_AGGREGATES, FIRST_YEAR, GENERATOR_VERSION, Simulation, now_of
from nnd_competence import open_store
from nnd_competence.api import CompetenceStore
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.snapshots import EMPLOYEE_SNAPSHOT_INTERVAL
from nnd_competence.sample.catalogue_data import COMPETENCES, PROFILES
from nnd_competence.sample.organisation import UNITS

CACHE_DIR = Path(os.environ.get("NND_BENCH_CACHE", "/tmp/nnd-bench"))
PG_SERVER = os.environ.get("NND_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PG_SCHEMA = "nnd"

#: Events per employee per year the simulation produces (measured), to size the
#: organisation for a target number of events.
EVENTS_PER_EMPLOYEE_YEAR = 26.0


def employees_for(events: int, years: int) -> int:
    return max(50, round(events / (years * EVENTS_PER_EMPLOYEE_YEAR)))


def _sample_digest() -> str:
    text = repr((COMPETENCES, PROFILES, UNITS))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Spec:
    kind: str  # "sqlite" | "postgres"
    employees: int
    years: int
    seed: int = 1

    @property
    def key(self) -> str:
        return (
            f"e{self.employees}_y{self.years}_s{self.seed}_g{GENERATOR_VERSION}_"
            f"i{EMPLOYEE_SNAPSHOT_INTERVAL}_{_sample_digest()}"
        )

    @property
    def meta_path(self) -> Path:
        return CACHE_DIR / f"{self.kind}-{self.key}.json"

    @property
    def base_location(self) -> str:
        if self.kind == "sqlite":
            return str(CACHE_DIR / f"sqlite-{self.key}.sqlite")
        return pg_location(f"nndbench_{self.key}")

    def work_location(self) -> str:
        if self.kind == "sqlite":
            return str(CACHE_DIR / f"work-{self.key}.sqlite")
        return pg_location(f"nndbench_work_{self.key}"[:63])

    def now(self) -> datetime:
        return now_of(self.years)


def pg_location(database: str) -> str:
    return f"{PG_SERVER}/{database}?schema={PG_SCHEMA}"


def _pg_database(location: str) -> str:
    return location.rsplit("/", 1)[1].split("?", 1)[0]


def _pg_admin() -> Any:
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True)


def _pg_recreate(database: str, template: str | None = None) -> None:
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if template is None:
            conn.execute(f'CREATE DATABASE "{database}"')
        else:
            conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')


def _pg_exists(database: str) -> bool:
    with _pg_admin() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        return row is not None


def drop(location: str) -> None:
    """Remove a working copy."""
    if location.startswith("postgresql://"):
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{_pg_database(location)}" WITH (FORCE)')
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(location + suffix).unlink(missing_ok=True)


def cached(spec: Spec) -> dict[str, Any] | None:
    """The build record of a finished cached store, or None."""
    if not spec.meta_path.exists():
        return None
    if spec.kind == "sqlite" and not Path(spec.base_location).exists():
        return None
    if spec.kind == "postgres" and not _pg_exists(_pg_database(spec.base_location)):
        return None
    meta: dict[str, Any] = json.loads(spec.meta_path.read_text())
    return meta


def build(spec: Spec, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Generate the store for ``spec`` (replacing any half-built one) and record how."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    spec.meta_path.unlink(missing_ok=True)
    location = spec.base_location
    if spec.kind == "sqlite":
        drop(location)
    else:
        _pg_recreate(_pg_database(location))
    clock = FixedClock(datetime(FIRST_YEAR, 1, 1, 7, 0, tzinfo=UTC))
    started = time.perf_counter()
    with open_store(location, clock=clock) as store:
        sim = Simulation(store, spec.employees, spec.years, spec.seed, progress=say)
        stats = sim.run()
        generated = time.perf_counter() - started
        events = store.event_count()
        say(f"built {events:,} events in {generated:.0f} s")
        people = len(sim.people)
    meta = {
        "spec": asdict(spec),
        "location": location,
        "events": events,
        "people_ever_employed": people,
        "generate_seconds": round(generated, 1),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "how": (
            f"catalogue ({stats.commands_via_use_cases} commands) through the use cases; "
            f"the bulk by the domain methods the use cases call, saved with "
            f"Application.save() in {stats.saves:,} transactions of up to "
            f"{BATCH_AGGREGATES} aggregates"
        ),
        "stats": asdict(stats),
    }
    if spec.kind == "sqlite":
        with sqlite3.connect(location) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    spec.meta_path.write_text(json.dumps(meta, indent=2))
    return meta


def ensure(spec: Spec, say: Callable[[str], None] = print) -> dict[str, Any]:
    meta = cached(spec)
    if meta is None:
        say(f"building {spec.kind} store {spec.key} (cached for later runs)")
        meta = build(spec, say)
    return meta


def work_copy(spec: Spec) -> str:
    """A fresh copy of the cached store to rebuild and run commands on."""
    target = spec.work_location()
    drop(target)
    if spec.kind == "sqlite":
        with sqlite3.connect(spec.base_location) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(spec.base_location, target)
    else:
        _pg_recreate(_pg_database(target), template=_pg_database(spec.base_location))
    return target


def open_at(location: str, spec: Spec) -> CompetenceStore:
    return open_store(location, clock=FixedClock(spec.now()))
