"""The employee (medarbeider): assignment, competence holdings and the manager's confirmation.

Personal details (name, birth date) travel in their own event field (``personal``) and in
``PersonalDetailsCorrected`` only, so that they can later be encrypted per person (and the
key shredded) without rewriting any other part of the history.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.errors import AlreadyExists, EmployeeHasLeft, InvalidValue, NotFound
from nnd_competence.domain.ids import employee_id
from nnd_competence.domain.values import (
    Code,
    Context,
    EmployeeNumber,
    Frozen,
    Text,
    normalise_employee_number,
)


class PersonalDetails(Frozen):
    name: Text
    birth_date: date | None = None


class Assignment(Frozen):
    unit: Code
    position: Code
    manager: EmployeeNumber | None = None


class HoldingSource(StrEnum):
    TRAINING = "training"
    ASSESSMENT = "assessment"
    IMPORT = "import"


class Holding(Frozen):
    """A competence the employee holds, with its evidence."""

    competence_code: Code
    level: int = Field(ge=1, le=10)
    acquired_on: date
    valid_until: date | None = None
    source: HoldingSource
    evidence: str | None = None
    training_request_id: UUID | None = None

    def is_valid_on(self, day: date) -> bool:
        return self.valid_until is None or self.valid_until >= day


# --- events ---------------------------------------------------------------------------
class EmployeeHired(DomainEvent):
    employee_number: EmployeeNumber
    assignment: Assignment
    start_date: date
    personal: PersonalDetails | None = None


class EmployeeTransferred(DomainEvent):
    assignment: Assignment
    previous: Assignment


class CompetenceRecorded(DomainEvent):
    holding: Holding


class CompetenceRevoked(DomainEvent):
    competence_code: Code
    reason: Text


class CompetenceRecordCorrected(DomainEvent):
    """A correction of a recorded holding; allowed even after the employee has left."""

    holding: Holding
    reason: Text


class RecordConfirmed(DomainEvent):
    """The line manager confirms the competence record is correct (a process output)."""

    confirmed_on: date


class PersonalDetailsCorrected(DomainEvent):
    personal: PersonalDetails


class EmployeeLeft(DomainEvent):
    end_date: date


class Employee(Aggregate):
    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.employee_number = ""
        self.assignment: Assignment | None = None
        self.start_date: date | None = None
        self.end_date: date | None = None
        self.personal: PersonalDetails | None = None
        self.holdings: dict[str, Holding] = {}
        self.confirmed_on: date | None = None
        self.assignments: dict[date, Assignment] = {}

    # --- commands -------------------------------------------------------------------
    @classmethod
    def hire(
        cls,
        ctx: Context,
        employee_number: str,
        assignment: Assignment,
        start_date: date,
        personal: PersonalDetails | None = None,
    ) -> Employee:
        employee_number = normalise_employee_number(employee_number)
        employee = cls(employee_id(employee_number))
        employee.trigger(
            EmployeeHired,
            ctx,
            employee_number=employee_number,
            assignment=assignment,
            start_date=start_date,
            personal=personal,
            effective_on=start_date,
        )
        return employee

    @property
    def has_left(self) -> bool:
        """A leaving date is registered (it may still lie ahead: the notice period)."""
        return self.end_date is not None

    def has_left_by(self, day: date) -> bool:
        return self.end_date is not None and self.end_date < day

    def assignment_on(self, day: date) -> Assignment | None:
        """The assignment in force on ``day`` (transfers can be recorded ahead of time)."""
        current = None
        for effective, assignment in sorted(self.assignments.items()):
            if effective > day:
                break
            current = assignment
        return current

    def is_active_on(self, day: date) -> bool:
        assert self.start_date is not None
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def transfer(self, ctx: Context, assignment: Assignment, effective_on: date) -> None:
        self.refuse_if_left(ctx.today)
        assert self.assignment is not None and self.start_date is not None
        if assignment == self.assignment:
            return
        if assignment.manager == self.employee_number:
            raise InvalidValue(f"employee {self.employee_number} cannot be their own manager")
        if effective_on < self.start_date:
            raise InvalidValue(
                f"transfer date {effective_on} is before the start date {self.start_date}"
            )
        self.trigger(
            EmployeeTransferred,
            ctx,
            assignment=assignment,
            previous=self.assignment,
            effective_on=effective_on,
        )

    def record_competence(self, ctx: Context, holding: Holding) -> None:
        self.refuse_if_left(ctx.today)
        if holding.valid_until is not None and holding.valid_until < holding.acquired_on:
            raise InvalidValue(
                f"valid-until {holding.valid_until} is before acquired {holding.acquired_on}"
            )
        if holding.acquired_on > ctx.today:
            raise InvalidValue(f"acquired date {holding.acquired_on} lies in the future")
        if self.holdings.get(holding.competence_code) == holding:
            return
        self.trigger(CompetenceRecorded, ctx, holding=holding, effective_on=holding.acquired_on)

    def revoke_competence(self, ctx: Context, code: str, reason: str, effective_on: date) -> None:
        self.refuse_if_left(ctx.today)
        if code not in self.holdings:
            raise NotFound(f"employee {self.employee_number} holds no competence {code}")
        self.trigger(
            CompetenceRevoked, ctx, competence_code=code, reason=reason, effective_on=effective_on
        )

    def correct_competence_record(self, ctx: Context, holding: Holding, reason: str) -> None:
        if holding.competence_code not in self.holdings:
            raise NotFound(
                f"employee {self.employee_number} has no record of "
                f"{holding.competence_code} to correct"
            )
        if holding.valid_until is not None and holding.valid_until < holding.acquired_on:
            raise InvalidValue(
                f"valid-until {holding.valid_until} is before acquired {holding.acquired_on}"
            )
        self.trigger(CompetenceRecordCorrected, ctx, holding=holding, reason=reason)

    def confirm_record(self, ctx: Context, confirmed_on: date) -> None:
        self.refuse_if_left(ctx.today)
        self.trigger(RecordConfirmed, ctx, confirmed_on=confirmed_on, effective_on=confirmed_on)

    def correct_personal_details(self, ctx: Context, personal: PersonalDetails) -> None:
        if personal != self.personal:
            self.trigger(PersonalDetailsCorrected, ctx, personal=personal)

    def leave(self, ctx: Context, end_date: date) -> None:
        self.refuse_if_left(ctx.today)
        if self.end_date is not None:
            raise EmployeeHasLeft(
                f"employee {self.employee_number} is already registered as leaving on "
                f"{self.end_date}"
            )
        assert self.start_date is not None
        if end_date < self.start_date:
            raise InvalidValue(f"end date {end_date} is before the start date {self.start_date}")
        self.trigger(EmployeeLeft, ctx, end_date=end_date, effective_on=end_date)

    def refuse_if_left(self, today: date | None = None) -> None:
        """After the end date only corrections are accepted; during the notice period
        (end date registered, not yet passed) the record can still change. Without
        ``today`` any registered end date counts."""
        if self.end_date is not None and (today is None or self.end_date < today):
            raise EmployeeHasLeft(
                f"employee {self.employee_number} left on {self.end_date}; "
                "only corrections are accepted"
            )

    @staticmethod
    def refuse_duplicate(employee_number: str) -> AlreadyExists:
        return AlreadyExists(f"employee {employee_number} is already registered")

    # --- event handlers -------------------------------------------------------------
    def when_EmployeeHired(self, e: EmployeeHired) -> None:
        self.employee_number = e.employee_number
        self.assignment = e.assignment
        self.assignments[e.start_date] = e.assignment
        self.start_date = e.start_date
        self.personal = e.personal

    def when_EmployeeTransferred(self, e: EmployeeTransferred) -> None:
        assert e.effective_on is not None
        self.assignments[e.effective_on] = e.assignment
        # ``assignment`` is the latest by effective date, not the last one recorded.
        self.assignment = self.assignments[max(self.assignments)]

    def when_CompetenceRecorded(self, e: CompetenceRecorded) -> None:
        self.holdings[e.holding.competence_code] = e.holding

    def when_CompetenceRecordCorrected(self, e: CompetenceRecordCorrected) -> None:
        self.holdings[e.holding.competence_code] = e.holding

    def when_CompetenceRevoked(self, e: CompetenceRevoked) -> None:
        self.holdings.pop(e.competence_code, None)

    def when_RecordConfirmed(self, e: RecordConfirmed) -> None:
        self.confirmed_on = e.confirmed_on

    def when_PersonalDetailsCorrected(self, e: PersonalDetailsCorrected) -> None:
        self.personal = e.personal

    def when_EmployeeLeft(self, e: EmployeeLeft) -> None:
        self.end_date = e.end_date


for _event in (
    EmployeeHired,
    EmployeeTransferred,
    CompetenceRecorded,
    CompetenceRevoked,
    CompetenceRecordCorrected,
    RecordConfirmed,
    PersonalDetailsCorrected,
    EmployeeLeft,
):
    _event.aggregate_type = Employee
