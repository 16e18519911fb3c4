"""Shared fixtures: stores on real SQLite files, actors, a small catalogue, contexts.

Every store is opened through one ``StoreFactory`` that reads the ``backend`` fixture, so
running the whole suite against PostgreSQL later is a change in one place: add a
``Backend`` to ``BACKENDS`` (with ``marks=pytest.mark.postgres``) that knows how to make a
fresh location and open a store there. SQLite and PostgreSQL (``tests/backends.py``: a
fresh schema per store) are there, so every test using a store runs on both.

Hypothesis re-runs a test body many times, and function-scoped fixtures are not reset
between those runs; property tests therefore use the session-scoped ``fresh_store``
context manager, which makes a new file in a new temporary directory each time.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

from backends import PostgresBackend
from backends import pytest_terminal_summary as pytest_terminal_summary  # PostgreSQL count
from nnd_competence import Actor, CompetenceStore, Role, open_store
from nnd_competence.application import commands as c
from nnd_competence.application.clock import Clock, FixedClock
from nnd_competence.domain.catalogue import (
    Category,
    CompetenceDefinition,
    Requirement,
    RequirementProfile,
)
from nnd_competence.domain.values import CERTIFICATE_SCALE, STANDARD_SCALE, Context

# Deterministic by default; HYPOTHESIS_PROFILE=explore searches with fresh randomness.
settings.register_profile("deterministic", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
# For checking that a property can fail: report the first failure without shrinking it.
settings.register_profile(
    "noshrink",
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

#: 08:00 UTC on a Monday in March 2026 (09:00 in Oslo): "now" unless a test says otherwise.
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


# --- backends ------------------------------------------------------------------------
@dataclass(frozen=True)
class Backend:
    """How to make a fresh, empty store location and open a store there."""

    name: str

    def fresh_location(self, directory: Path, stem: str) -> str:
        raise NotImplementedError

    def open(self, location: str, clock: Clock | None) -> CompetenceStore:
        return open_store(location, clock=clock)

    def dispose(self, location: str) -> None:
        """Remove what ``fresh_location`` made (files go with the temp dir on SQLite)."""


@dataclass(frozen=True)
class SQLiteBackend(Backend):
    name: str = "sqlite"

    def fresh_location(self, directory: Path, stem: str) -> str:
        path = directory / f"{stem}.sqlite"
        assert not path.exists(), f"{path} already exists"
        return str(path)


# PostgreSQL: a fresh schema per store; skips if unreachable, fails instead on CI.
BACKENDS: dict[str, Backend] = {"sqlite": SQLiteBackend(), "postgres": PostgresBackend()}
BACKEND_PARAMS = [
    pytest.param(name, id=name, marks=[pytest.mark.postgres] if name == "postgres" else [])
    for name in BACKENDS
]


@pytest.fixture(scope="session", params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> Backend:
    return BACKENDS[request.param]


@dataclass
class StoreFactory:
    """Opens stores on fresh locations (or re-opens one) and closes them all at the end."""

    backend: Backend
    directory: Path
    default_clock: Callable[[], Clock] = lambda: FixedClock(T0)
    opened: list[CompetenceStore] = field(default_factory=list)
    locations: dict[int, str] = field(default_factory=dict)
    _made: list[str] = field(default_factory=list)

    def new_location(self) -> str:
        location = self.backend.fresh_location(self.directory, f"store-{len(self._made)}")
        self._made.append(location)
        return location

    def __call__(
        self, location: str | None = None, *, clock: Clock | None = None
    ) -> CompetenceStore:
        """A store on ``location`` (a fresh one if not given) with ``clock`` (fixed at T0)."""
        location = location or self.new_location()
        store = self.backend.open(location, clock or self.default_clock())
        self.opened.append(store)
        self.locations[id(store)] = location
        return store

    def location_of(self, store: CompetenceStore) -> str:
        return self.locations[id(store)]

    def close_all(self) -> None:
        while self.opened:
            store = self.opened.pop()
            with contextlib.suppress(Exception):  # already closed by the test is fine
                store.close()
        for location in self._made:
            self.backend.dispose(location)


@pytest.fixture
def store_factory(backend: Backend, tmp_path: Path) -> Iterator[StoreFactory]:
    factory = StoreFactory(backend, tmp_path)
    yield factory
    factory.close_all()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def store(store_factory: StoreFactory, clock: FixedClock) -> CompetenceStore:
    """An empty store on a fresh SQLite file; its clock is the ``clock`` fixture."""
    return store_factory(clock=clock)


@pytest.fixture(scope="session")
def fresh_store(
    backend: Backend,
) -> Callable[..., contextlib.AbstractContextManager[CompetenceStore]]:
    """For hypothesis: ``with fresh_store(clock) as store:`` in its own temporary directory."""

    @contextlib.contextmanager
    def make(clock: Clock | None = None) -> Iterator[CompetenceStore]:
        with tempfile.TemporaryDirectory(prefix="nnd-prop-") as directory:
            factory = StoreFactory(backend, Path(directory))
            try:
                yield factory(clock=clock)
            finally:
                factory.close_all()

    return make


# --- actors --------------------------------------------------------------------------
class Actors:
    """One actor per role; the line manager 10001 is hired by the ``org`` fixture."""

    hr = Actor(employee_number="90001", role=Role.HR)
    manager = Actor(employee_number="10001", role=Role.LINE_MANAGER)
    officer = Actor(employee_number="90002", role=Role.COMPETENCE_OFFICER)
    owner = Actor(employee_number="90003", role=Role.PROCESS_OWNER)
    employee = Actor(employee_number="20001", role=Role.EMPLOYEE)

    @staticmethod
    def make(employee_number: str, role: Role = Role.HR) -> Actor:
        return Actor(employee_number=employee_number, role=role)


ACTORS = Actors()


@pytest.fixture(scope="session")
def actors() -> Actors:
    return ACTORS


# --- a small catalogue ---------------------------------------------------------------
@dataclass(frozen=True)
class SmallCatalogue:
    """Three competences and one profile for OPERATOR.

    RP is a radiation-protection certificate valid 24 months, mandatory at onboarding;
    NUC is nuclear safety on the standard scale (level 2 required); LEAD is not required.
    """

    rp: str = "RP-CERT"
    nuc: str = "NUC-SAFETY"
    lead: str = "LEADERSHIP"
    rp_validity_months: int = 24
    position: str = "OPERATOR"
    manager_position: str = "MANAGER"
    unit: str = "HALDEN"
    other_unit: str = "KJELLER"

    def definitions(self) -> list[CompetenceDefinition]:
        return [
            CompetenceDefinition(
                code=self.rp,
                name_nb="Strålevern",
                name_en="Radiation protection",
                category=Category.SAFETY,
                scale=CERTIFICATE_SCALE,
                validity_months=self.rp_validity_months,
            ),
            CompetenceDefinition(
                code=self.nuc,
                name_nb="Kjernesikkerhet",
                name_en="Nuclear safety",
                category=Category.TECHNICAL,
                scale=STANDARD_SCALE,
            ),
            CompetenceDefinition(
                code=self.lead,
                name_nb="Ledelse",
                category=Category.LEADERSHIP,
                scale=STANDARD_SCALE,
            ),
        ]

    def profile(self) -> RequirementProfile:
        return RequirementProfile(
            position=self.position,
            requirements=(
                Requirement(competence_code=self.rp, level=1, mandatory_at_onboarding=True),
                Requirement(competence_code=self.nuc, level=2),
            ),
        )

    def commands(self) -> list[c.Command]:
        defined: list[c.Command] = [c.DefineCompetence(competence=d) for d in self.definitions()]
        return [*defined, c.SetRequirementProfile(profile=self.profile())]

    def install(self, store: CompetenceStore, actor: Actor = ACTORS.hr) -> None:
        for command in self.commands():
            store.execute(command, actor)


CATALOGUE = SmallCatalogue()


@pytest.fixture(scope="session")
def catalogue() -> SmallCatalogue:
    return CATALOGUE


@pytest.fixture
def org(store: CompetenceStore, catalogue: SmallCatalogue, actors: Actors) -> CompetenceStore:
    """The ``store`` with the small catalogue and a line manager (10001) in HALDEN."""
    catalogue.install(store, actors.hr)
    store.execute(
        c.HireEmployee(
            employee_number=actors.manager.employee_number,
            unit=catalogue.unit,
            position=catalogue.manager_position,
            start_date=date(2015, 1, 1),
            name="Mona Leder",
        ),
        actors.hr,
    )
    return store


def hire_operator(
    store: CompetenceStore, number: str, start: date = date(2026, 1, 5), **more: Any
) -> Any:
    """Hire an OPERATOR in HALDEN under manager 10001 (the ``org`` fixture's manager)."""
    fields: dict[str, Any] = {
        "employee_number": number,
        "unit": CATALOGUE.unit,
        "position": CATALOGUE.position,
        "manager": ACTORS.manager.employee_number,
        "start_date": start,
    }
    fields.update(more)
    return store.execute(c.HireEmployee(**fields), ACTORS.hr)


@pytest.fixture(scope="session")
def hire() -> Callable[..., Any]:
    return hire_operator


# --- contexts for calling the domain directly ----------------------------------------
def make_context(
    today: date = date(2026, 3, 2),
    *,
    actor: Actor = ACTORS.hr,
    recorded_at: datetime | None = None,
    via: str | None = None,
) -> Context:
    """A command context; ``recorded_at`` defaults to 08:00 UTC on ``today``."""
    at = recorded_at or datetime(today.year, today.month, today.day, 8, tzinfo=UTC)
    return Context(actor=actor, recorded_at=at, today=today, via=via)


@pytest.fixture(scope="session")
def ctx() -> Callable[..., Context]:
    return make_context


# --- reading the views ---------------------------------------------------------------
def view_snapshot(store: CompetenceStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table, in primary-key order."""
    snapshot = {}
    for name, table in sorted(store.runner.tables.items()):
        columns = ", ".join(table.column_names)
        order = ", ".join(table.key)
        snapshot[name] = store.views.query(f"SELECT {columns} FROM {name} ORDER BY {order}")
    return snapshot


def tracking_rows(store: CompetenceStore) -> list[tuple[Any, ...]]:
    return store.views.query(
        "SELECT view_name, position, rebuilding FROM nnd_view_tracking ORDER BY view_name"
    )


@pytest.fixture(scope="session")
def snapshot_views() -> Callable[[CompetenceStore], dict[str, list[tuple[Any, ...]]]]:
    return view_snapshot
