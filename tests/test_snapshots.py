"""Snapshots of employees with long histories: same aggregates, fewer events read.

The application is built directly on a SQLite file here (so each test controls the
snapshot settings of every application opened on it); one test runs through the store
fixture, on every backend the suite knows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from nnd_competence import Actor, Role
from nnd_competence.application import commands as c
from nnd_competence.application.clock import FixedClock
from nnd_competence.application.service import CompetenceApplication
from nnd_competence.application.snapshots import (
    EMPLOYEE_SNAPSHOT_INTERVAL,
    EmployeeSnapshot,
    snapshot_of,
)
from nnd_competence.domain import ids
from nnd_competence.domain.aggregate import AggregateSnapshot
from nnd_competence.domain.catalogue import Category, CompetenceDefinition
from nnd_competence.domain.employee import Employee, PersonalDetails
from nnd_competence.domain.values import CERTIFICATE_SCALE, Context

HR = Actor(employee_number="90001", role=Role.HR)
MANAGER = Actor(employee_number="10001", role=Role.LINE_MANAGER)
CODES = ("RP-CERT", "NUC-SAFETY", "LEADERSHIP", "CRANE", "WELDING")
NUMBER = "20001"
START = datetime(2016, 1, 4, 8, 0, tzinfo=UTC)


def _env(path: Path, **more: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
        **more,
    }


class EveryThirdEvent(CompetenceApplication):
    """Snapshots far more often than in production, to exercise many snapshot points."""

    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Employee: 3}


@pytest.fixture
def open_app(tmp_path: Path) -> Iterator[Callable[..., CompetenceApplication]]:
    """``open_app(kind=CompetenceApplication, name="events", **env)``: closed at the end."""
    opened: list[CompetenceApplication] = []

    def make(
        kind: type[CompetenceApplication] = CompetenceApplication,
        name: str = "events",
        clock: FixedClock | None = None,
        **env: str,
    ) -> CompetenceApplication:
        app = kind(_env(tmp_path / f"{name}.sqlite", **env), clock=clock or FixedClock(START))
        opened.append(app)
        return app

    yield make
    for app in opened:
        app.close()


def _define_catalogue(app: CompetenceApplication) -> None:
    for code in CODES:
        definition = CompetenceDefinition(
            code=code,
            name_nb=code.title(),
            category=Category.SAFETY,
            scale=CERTIFICATE_SCALE,
            validity_months=24 if code == "RP-CERT" else None,
        )
        app.define_competence(c.DefineCompetence(competence=definition), HR)


def _career_commands(events: int) -> Iterator[c.Command]:
    """Hire, then a long mix of the employee's own commands (each stores one event)."""
    yield c.HireEmployee(
        employee_number=MANAGER.employee_number,
        unit="HALDEN",
        position="MANAGER",
        start_date=date(2010, 1, 1),
    )
    yield c.HireEmployee(
        employee_number=NUMBER,
        unit="HALDEN",
        position="OPERATOR",
        manager=MANAGER.employee_number,
        start_date=date(2016, 1, 4),
        name="Kari Nordmann",
        birth_date=date(1980, 5, 17),
    )
    day = date(2016, 1, 4)
    for i in range(events - 1):
        day += timedelta(days=7)
        code = CODES[i % len(CODES)]
        match i % 10:
            case 3:
                yield c.ConfirmRecord(employee_number=NUMBER, confirmed_on=day)
            case 5:
                yield c.TransferEmployee(
                    employee_number=NUMBER,
                    unit="KJELLER" if i % 20 == 5 else "HALDEN",
                    effective_on=day,
                )
            case 7:
                yield c.CorrectPersonalDetails(
                    employee_number=NUMBER, name=f"Kari Nordmann {i}", birth_date=date(1980, 5, 17)
                )
            case 9:
                yield c.RevokeCompetence(
                    employee_number=NUMBER,
                    competence_code=CODES[(i - 1) % len(CODES)],
                    reason="tilbakekalt",
                    effective_on=day,
                )
            case _:
                yield c.RecordCompetence(
                    employee_number=NUMBER, competence_code=code, level=1, acquired_on=day
                )


_HANDLERS: dict[type[c.Command], Callable[[CompetenceApplication, Any, Actor], Any]] = {
    c.HireEmployee: CompetenceApplication.hire,
    c.RecordCompetence: CompetenceApplication.record_competence,
    c.ConfirmRecord: CompetenceApplication.confirm_record,
    c.TransferEmployee: CompetenceApplication.transfer,
    c.CorrectPersonalDetails: CompetenceApplication.correct_personal_details,
    c.RevokeCompetence: CompetenceApplication.revoke_competence,
}


def _run(app: CompetenceApplication, events: int) -> None:
    assert isinstance(app.clock, FixedClock)
    _define_catalogue(app)
    for command in _career_commands(events):
        app.clock.advance(timedelta(days=7))
        _HANDLERS[type(command)](app, command, HR)


def _replayed(app: CompetenceApplication, number: str = NUMBER) -> Employee:
    """The employee folded from every one of its events, no snapshot, no cache."""
    aggregate = None
    for event in app.events.get(ids.employee_id(number)):
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    assert isinstance(aggregate, Employee)
    return aggregate


def _events_read_after(app: CompetenceApplication, aggregate_id: UUID) -> list[int | None]:
    """Load through the (uncached) repository; returns the ``gt`` of each read of events."""
    assert app.repository.cache is None
    seen: list[int | None] = []
    original = app.events.get

    def spy(originator_id: UUID, *args: Any, **kwargs: Any) -> Any:
        if originator_id == aggregate_id:
            seen.append(kwargs.get("gt"))
        return original(originator_id, *args, **kwargs)

    app.events.get = spy  # type: ignore[method-assign]
    try:
        app.repository.get(aggregate_id)
    finally:
        app.events.get = original  # type: ignore[method-assign]
    return seen


# --- a long history -------------------------------------------------------------------
def test_employee_with_500_events_loads_from_snapshot_plus_later_events(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    app = open_app()
    _run(app, 530)
    employee_id = ids.employee_id(NUMBER)
    full = _replayed(app)
    assert full.version == 530

    assert app.snapshots is not None
    stored = list(app.snapshots.get(employee_id))
    every = EMPLOYEE_SNAPSHOT_INTERVAL
    assert [s.originator_version for s in stored] == list(range(every, 531, every))
    last = 530 // every * every
    assert last >= 500
    assert all(isinstance(s, EmployeeSnapshot) for s in stored)

    # A fresh application (empty cache) reads the latest snapshot and the events after it.
    fresh = open_app(AGGREGATE_CACHE_MAXSIZE="")
    assert _events_read_after(fresh, employee_id) == [last]
    loaded = fresh.employee(NUMBER)
    assert loaded == full
    assert loaded.personal == PersonalDetails(
        name="Kari Nordmann 527", birth_date=date(1980, 5, 17)
    )
    assert loaded.holdings == full.holdings and loaded.holdings
    assert loaded.created_on == full.created_on and loaded.modified_on == full.modified_on

    # Reading a past version uses the latest snapshot at or before it.
    past: Employee = fresh.repository.get(employee_id, version=250)
    assert past.version == 250
    assert past == _fold_up_to(app, employee_id, 250)


def _fold_up_to(app: CompetenceApplication, aggregate_id: UUID, version: int) -> Employee:
    aggregate = None
    for event in app.events.get(aggregate_id, lte=version):
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    assert isinstance(aggregate, Employee)
    return aggregate


def test_the_loaded_aggregate_does_not_share_state_with_its_snapshot(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    app = open_app(EveryThirdEvent)
    _run(app, 7)
    assert app.snapshots is not None
    snapshot = next(iter(app.snapshots.get(ids.employee_id(NUMBER), desc=True, limit=1)))
    assert isinstance(snapshot, EmployeeSnapshot)
    one = snapshot.mutate(None)
    assert isinstance(one, Employee)
    one.holdings.clear()
    assert snapshot.state.holdings
    assert snapshot.mutate(None) != one


def test_snapshot_keeps_personal_details_out_of_its_state(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    app = open_app(EveryThirdEvent)
    _run(app, 9)
    assert app.snapshots is not None
    records = app.snapshots.recorder.select_events(ids.employee_id(NUMBER), desc=True, limit=1)
    stored = json.loads(records[0].state)
    assert stored["class_version"] == EmployeeSnapshot.class_version == 2
    assert "personal" not in stored["state"]
    assert stored["personal"]["name"] == "Kari Nordmann 7"
    assert "Kari" not in json.dumps(stored["state"])


def test_snapshots_are_not_in_the_event_log(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    app = open_app(EveryThirdEvent)
    _run(app, 12)
    events = list(app.events.get(ids.employee_id(NUMBER)))
    notifications = app.recorder.select_notifications(0, 10_000)
    assert len(events) == 12
    assert not any("Snapshot" in n.topic for n in notifications)
    assert app.history([ids.employee_id(NUMBER)]) == events


# --- versioned snapshot state ---------------------------------------------------------
def _as_v1(app: CompetenceApplication, snapshot: EmployeeSnapshot) -> StoredEvent:
    """The stored form of the snapshot in the v1 layout (personal details inside state)."""
    data = snapshot.model_dump(mode="json", exclude={"originator_id", "originator_version"})
    data["state"]["personal"] = data.pop("personal")
    return StoredEvent(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        topic="nnd_competence.application.snapshots:EmployeeSnapshot",
        state=app.mapper.transcoder.encode(data),  # no class_version: version 1
    )


def test_a_v1_snapshot_upcasts_to_the_current_version(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    writer = open_app(IS_SNAPSHOTTING_ENABLED="n")
    _run(writer, 140)
    employee_id = ids.employee_id(NUMBER)
    at_120 = _fold_up_to(writer, employee_id, 120)
    v1 = _as_v1(writer, EmployeeSnapshot.take(at_120))
    assert "class_version" not in json.loads(v1.state)

    decoded = writer.mapper.to_domain_event(v1)
    assert isinstance(decoded, EmployeeSnapshot)
    assert decoded.personal == at_120.personal is not None
    assert decoded.mutate(None) == at_120

    # Stored in the snapshot store, a v1 snapshot is read back when loading the employee.
    reader = open_app(AGGREGATE_CACHE_MAXSIZE="")
    assert reader.snapshots is not None
    reader.snapshots.recorder.insert_events([v1])
    assert _events_read_after(reader, employee_id) == [120]
    assert reader.employee(NUMBER) == _replayed(writer)


def test_snapshot_classes_refuse_what_they_cannot_snapshot(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    app = open_app()
    _run(app, 3)
    with pytest.raises(TypeError):
        snapshot_of(app.catalogue())
    with pytest.raises(TypeError):
        EmployeeSnapshot.take(app.catalogue())
    employee = app.employee(NUMBER)
    ctx = Context(actor=HR, recorded_at=START, today=date(2030, 1, 1))
    employee.confirm_record(ctx, date(2030, 1, 1))
    with pytest.raises(ValueError, match="pending"):
        EmployeeSnapshot.take(employee)
    assert issubclass(EmployeeSnapshot, AggregateSnapshot)


# --- on and off -----------------------------------------------------------------------
def test_snapshots_on_and_off_give_the_same_aggregates(
    open_app: Callable[..., CompetenceApplication],
) -> None:
    on = open_app(EveryThirdEvent, name="on", AGGREGATE_CACHE_MAXSIZE="")
    off = open_app(name="off", IS_SNAPSHOTTING_ENABLED="n", AGGREGATE_CACHE_MAXSIZE="")
    assert off.snapshots is None
    _run(on, 60)
    _run(off, 60)
    assert on.snapshots is not None
    assert len(list(on.snapshots.get(ids.employee_id(NUMBER)))) == 20
    for number in (NUMBER, MANAGER.employee_number):
        assert on.employee(number) == off.employee(number) == _replayed(on, number)
    strip = [
        (e.originator_version, type(e).__name__) for e in on.events.get(ids.employee_id(NUMBER))
    ]
    assert strip == [
        (e.originator_version, type(e).__name__) for e in off.events.get(ids.employee_id(NUMBER))
    ]
    # every historical version too, each loaded from the nearest snapshot before it
    for version in range(1, 61):
        assert on.repository.get(ids.employee_id(NUMBER), version=version) == (
            off.repository.get(ids.employee_id(NUMBER), version=version)
        )


def test_snapshots_on_and_off_through_the_store(
    store_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through ``open_store`` on every backend: a snapshot is taken at the interval and the
    employee reads the same with snapshotting off."""
    clock = FixedClock(START)
    store = store_factory(clock=clock)
    _define_catalogue(store.app)
    for command in _career_commands(EMPLOYEE_SNAPSHOT_INTERVAL + 5):
        clock.advance(timedelta(days=7))
        store.execute(command, HR)
    assert store.app.snapshots is not None
    snapshots = list(store.app.snapshots.get(ids.employee_id(NUMBER)))
    assert [s.originator_version for s in snapshots] == [EMPLOYEE_SNAPSHOT_INTERVAL]
    with_snapshots = store.app.repository.get(ids.employee_id(NUMBER))
    location = store_factory.location_of(store)

    monkeypatch.setenv("IS_SNAPSHOTTING_ENABLED", "n")
    without = store_factory(location, clock=clock)
    assert without.app.snapshots is None
    assert without.app.employee(NUMBER) == with_snapshots == _replayed(store.app)


# --- a snapshot that cannot be stored never fails the command --------------------------
def test_a_failed_snapshot_neither_fails_nor_repeats_the_command(
    open_app: Callable[..., CompetenceApplication], caplog: pytest.LogCaptureFixture
) -> None:
    app = open_app(EveryThirdEvent)
    _run(app, 2)  # the employee is at version 2
    employee_id = ids.employee_id(NUMBER)
    assert app.snapshots is not None
    # Someone already stored a snapshot at version 3: storing ours collides.
    at_2 = app.employee(NUMBER)
    squatter = EmployeeSnapshot.take(at_2).model_copy(update={"originator_version": 3})
    app.snapshots.put([squatter])

    with caplog.at_level("WARNING"):
        app.confirm_record(
            c.ConfirmRecord(employee_number=NUMBER, confirmed_on=date(2017, 1, 2)), HR
        )
    assert [e.originator_version for e in app.events.get(employee_id)] == [1, 2, 3]
    assert "no snapshot" in caplog.text


def test_a_snapshot_class_must_cover_every_attribute_of_its_aggregate(
    open_app: Callable[..., CompetenceApplication],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = open_app(EveryThirdEvent)
    _run(app, 2)
    employee = app.employee(NUMBER)
    taken = EmployeeSnapshot.take(employee)  # covers every attribute an employee has today
    assert set(vars(taken.mutate(None))) == set(vars(employee))

    employee.nickname = "Kari"  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match=r"Employee\.nickname"):
        EmployeeSnapshot.take(employee)

    # In the application a snapshot that cannot be taken is logged, never raised: the
    # command's events are stored by then.
    def broken(aggregate: object) -> AggregateSnapshot:
        raise TypeError("EmployeeSnapshot does not cover Employee.nickname")

    monkeypatch.setattr("nnd_competence.application.service.snapshot_of", broken)
    with caplog.at_level("ERROR"):
        app.confirm_record(
            c.ConfirmRecord(employee_number=NUMBER, confirmed_on=date(2017, 1, 2)), HR
        )
    assert [e.originator_version for e in app.events.get(ids.employee_id(NUMBER))] == [1, 2, 3]
    assert "cannot snapshot" in caplog.text
