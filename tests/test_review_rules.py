"""Rules added after the first review: leaving cancels open requests, a notice period
keeps the record open, the catalogue hierarchy has no cycles, competences can be
withdrawn, and an employee number has one spelling."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import Actors, SmallCatalogue
from nnd_competence.api import CompetenceStore
from nnd_competence.application import commands as c
from nnd_competence.domain.catalogue import Category, CompetenceDefinition
from nnd_competence.domain.errors import EmployeeHasLeft, InvalidValue, NotFound


def _hire_operator(org: CompetenceStore, actors: Actors, catalogue: SmallCatalogue) -> None:
    org.execute(
        c.HireEmployee(
            employee_number="20001",
            unit=catalogue.unit,
            position=catalogue.position,
            manager="10001",
            start_date=date(2026, 1, 5),
        ),
        actors.hr,
    )


def test_leaving_cancels_open_training_requests(
    org: CompetenceStore, actors: Actors, catalogue: SmallCatalogue
) -> None:
    _hire_operator(org, actors, catalogue)
    [request] = org.training_requests(employee_number="20001")
    assert request.status == "reported"
    org.execute(c.RegisterLeaving(employee_number="20001", end_date=date(2026, 6, 30)), actors.hr)
    [request] = org.training_requests(employee_number="20001")
    assert request.status == "cancelled"
    cancelled = [e for e in org.audit_trail("20001") if e.event == "TrainingRequestCancelled"]
    assert cancelled and cancelled[0].via == "employee-left"


def test_notice_period_keeps_record_open_until_end_date(
    org: CompetenceStore, actors: Actors, catalogue: SmallCatalogue, clock: object
) -> None:
    _hire_operator(org, actors, catalogue)
    today = org.today()
    org.execute(
        c.RegisterLeaving(employee_number="20001", end_date=date(today.year + 1, 1, 31)),
        actors.hr,
    )
    # Still employed: the manager can confirm the record during the notice period.
    org.execute(c.ConfirmRecord(employee_number="20001", confirmed_on=today), actors.manager)
    with pytest.raises(EmployeeHasLeft):
        org.execute(
            c.RegisterLeaving(employee_number="20001", end_date=date(today.year + 1, 2, 1)),
            actors.hr,
        )


def test_catalogue_hierarchy_cannot_become_a_cycle(org: CompetenceStore, actors: Actors) -> None:
    parent = CompetenceDefinition(code="A", name_nb="A", category=Category.TECHNICAL)
    child = CompetenceDefinition(
        code="B", name_nb="B", category=Category.TECHNICAL, parent_code="A"
    )
    org.execute(c.DefineCompetence(competence=parent), actors.hr)
    org.execute(c.DefineCompetence(competence=child), actors.hr)
    before = org.event_count()
    looped = parent.model_copy(update={"parent_code": "B"})
    with pytest.raises(InvalidValue, match="cycle"):
        org.execute(c.ReviseCompetence(competence=looped, reason="test"), actors.hr)
    assert org.event_count() == before


def test_withdrawn_competence_no_longer_accepted(
    org: CompetenceStore, actors: Actors, catalogue: SmallCatalogue
) -> None:
    _hire_operator(org, actors, catalogue)
    org.execute(c.WithdrawCompetence(code=catalogue.lead, reason="replaced"), actors.hr)
    with pytest.raises(NotFound, match="withdrawn"):
        org.execute(
            c.RecordCompetence(
                employee_number="20001",
                competence_code=catalogue.lead,
                level=1,
                acquired_on=date(2026, 1, 10),
            ),
            actors.hr,
        )


def test_employee_number_leading_zeros_are_one_person(
    org: CompetenceStore, actors: Actors, catalogue: SmallCatalogue
) -> None:
    _hire_operator(org, actors, catalogue)
    with pytest.raises(Exception, match="already registered"):
        org.execute(
            c.HireEmployee(
                employee_number="020001",
                unit=catalogue.unit,
                position=catalogue.position,
                start_date=date(2026, 1, 5),
            ),
            actors.hr,
        )
    assert org.audit_trail("0020001")[0].event == "EmployeeHired"
