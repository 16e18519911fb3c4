"""Rules of the employee record: holdings, transfers, and nothing but corrections after leaving."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from nnd_competence import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain.employee import (
    Assignment,
    Employee,
    EmployeeHired,
    Holding,
    HoldingSource,
    PersonalDetails,
)
from nnd_competence.domain.errors import AlreadyExists, EmployeeHasLeft, InvalidValue
from nnd_competence.domain.ids import employee_id
from nnd_competence.domain.values import Context

HALDEN = Assignment(unit="HALDEN", position="OPERATOR", manager="10001")
KJELLER = Assignment(unit="KJELLER", position="OPERATOR", manager="10001")


def holding(code: str = "NUC-SAFETY", level: int = 2, **more: object) -> Holding:
    fields: dict[str, object] = {
        "competence_code": code,
        "level": level,
        "acquired_on": date(2025, 5, 1),
        "source": HoldingSource.ASSESSMENT,
    }
    fields.update(more)
    return Holding(**fields)  # type: ignore[arg-type]


@pytest.fixture
def employee(ctx: Callable[..., Context]) -> Employee:
    e = Employee.hire(
        ctx(date(2026, 1, 5)),
        "20001",
        HALDEN,
        date(2026, 1, 5),
        PersonalDetails(name="Kari Nordmann", birth_date=date(1990, 4, 1)),
    )
    e.record_competence(ctx(date(2026, 1, 5)), holding())
    e.collect_events()
    return e


@pytest.fixture
def left(employee: Employee, ctx: Callable[..., Context]) -> Employee:
    employee.leave(ctx(), date(2026, 2, 28))
    employee.collect_events()
    return employee


def test_hire_derives_id_from_number_and_records_start_as_effective(
    ctx: Callable[..., Context],
) -> None:
    e = Employee.hire(ctx(), "E20001", HALDEN, date(2026, 1, 5))
    (hired,) = e.collect_events()
    assert isinstance(hired, EmployeeHired)
    assert e.id == employee_id("E20001")
    assert hired.employee_number == "E20001"
    assert hired.effective_on == date(2026, 1, 5)


# --- after leaving: corrections only -------------------------------------------------
def test_left_employee_cannot_be_transferred(left: Employee, ctx: Callable[..., Context]) -> None:
    with pytest.raises(EmployeeHasLeft, match="only corrections"):
        left.transfer(ctx(), KJELLER, date(2026, 3, 1))


def test_left_employee_gets_no_new_competence(left: Employee, ctx: Callable[..., Context]) -> None:
    with pytest.raises(EmployeeHasLeft):
        left.record_competence(ctx(), holding("RP-CERT", 1))


def test_left_employee_record_cannot_be_confirmed(
    left: Employee, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(EmployeeHasLeft):
        left.confirm_record(ctx(), date(2026, 3, 1))


def test_left_employee_cannot_leave_again_nor_lose_competence(
    left: Employee, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(EmployeeHasLeft):
        left.leave(ctx(), date(2026, 3, 1))
    with pytest.raises(EmployeeHasLeft):
        left.revoke_competence(ctx(), "NUC-SAFETY", "feil", date(2026, 3, 1))
    assert not left.has_pending_events


def test_left_employee_competence_record_can_be_corrected(
    left: Employee, ctx: Callable[..., Context]
) -> None:
    left.correct_competence_record(ctx(), holding(level=3), "feil nivå registrert")
    assert left.holdings["NUC-SAFETY"].level == 3
    assert [type(e).__name__ for e in left.collect_events()] == ["CompetenceRecordCorrected"]


def test_left_employee_personal_details_can_be_corrected(
    left: Employee, ctx: Callable[..., Context]
) -> None:
    left.correct_personal_details(ctx(), PersonalDetails(name="Kari Nordmann Berg"))
    assert left.personal == PersonalDetails(name="Kari Nordmann Berg")
    assert [type(e).__name__ for e in left.collect_events()] == ["PersonalDetailsCorrected"]


def test_store_refuses_all_but_corrections_after_leaving(
    org: CompetenceStore, actors, hire
) -> None:
    hire(
        org,
        "20001",
        holdings=(
            c.HeldCompetence(competence_code="NUC-SAFETY", level=2, acquired_on=date(2024, 1, 1)),
        ),
    )
    org.execute(c.RegisterLeaving(employee_number="20001", end_date=date(2026, 2, 28)), actors.hr)
    before = org.event_count()
    refused = [
        c.TransferEmployee(employee_number="20001", unit="KJELLER", effective_on=date(2026, 3, 1)),
        c.RecordCompetence(
            employee_number="20001",
            competence_code="LEADERSHIP",
            level=1,
            acquired_on=date(2026, 1, 9),
        ),
        c.ConfirmRecord(employee_number="20001", confirmed_on=date(2026, 3, 1)),
        c.OpenPlan(employee_number="20001", year=2026),
        c.ReportTrainingNeed(employee_number="20001", competence_code="RP-CERT"),
    ]
    for command in refused:
        with pytest.raises(EmployeeHasLeft):
            org.execute(command, actors.hr)
    assert org.event_count() == before
    org.execute(
        c.CorrectCompetenceRecord(
            employee_number="20001",
            competence_code="NUC-SAFETY",
            level=3,
            acquired_on=date(2024, 1, 1),
            reason="Feil nivå",
        ),
        actors.manager,
    )
    org.execute(c.CorrectPersonalDetails(employee_number="20001", name="Kari Berg"), actors.hr)
    assert org.event_count() == before + 2
    assert org.app.employee("20001").holdings["NUC-SAFETY"].level == 3


# --- other rules ---------------------------------------------------------------------
def test_competence_cannot_be_acquired_in_the_future(
    employee: Employee, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(InvalidValue, match="future"):
        employee.record_competence(ctx(date(2026, 3, 1)), holding(acquired_on=date(2026, 3, 2)))


def test_valid_until_cannot_precede_acquisition(
    employee: Employee, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(InvalidValue, match="before acquired"):
        employee.record_competence(
            ctx(), holding("RP-CERT", 1, acquired_on=date(2025, 1, 1), valid_until=date(2024, 1, 1))
        )


def test_recording_the_same_holding_twice_records_it_once(
    employee: Employee, ctx: Callable[..., Context]
) -> None:
    employee.record_competence(ctx(), holding())
    assert not employee.has_pending_events


def test_transfer_cannot_predate_start_nor_make_own_manager(
    employee: Employee, ctx: Callable[..., Context]
) -> None:
    with pytest.raises(InvalidValue, match="before the start date"):
        employee.transfer(ctx(), KJELLER, date(2025, 12, 31))
    with pytest.raises(InvalidValue, match="own manager"):
        employee.transfer(ctx(), KJELLER.model_copy(update={"manager": "20001"}), date(2026, 3, 1))
    employee.transfer(ctx(), KJELLER, date(2026, 4, 1))
    (moved,) = employee.collect_events()
    assert moved.effective_on == date(2026, 4, 1)
    assert employee.assignment == KJELLER


def test_store_refuses_hiring_twice(org: CompetenceStore, hire) -> None:
    hire(org, "20001")
    before = org.event_count()
    with pytest.raises(AlreadyExists):
        hire(org, "20001")
    assert org.event_count() == before


def test_hire_derives_id_from_the_normalised_number(ctx: Callable[..., Context]) -> None:
    e = Employee.hire(ctx(), "e20001", HALDEN, date(2026, 1, 5))
    assert e.employee_number == "E20001"
    assert e.id == employee_id("E20001")
