"""A training need reported to Atomakademiet, followed to completion or rejection.

reported → received → measure chosen → completed | rejected | cancelled.
Rejection and cancellation are possible from any open state; completion only after a
measure was chosen, and only once.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.competence_plan import MeasureKind
from nnd_competence.domain.errors import InvalidState, InvalidValue
from nnd_competence.domain.values import Code, Context, EmployeeNumber, Frozen, Text


class RequestReason(StrEnum):
    GOAL = "goal"  # from a competence goal in the plan
    ONBOARDING = "onboarding"  # mandatory at onboarding, not held on the first day
    NEED = "need"  # other need reported by the manager


class RequestStatus(StrEnum):
    REPORTED = "reported"
    RECEIVED = "received"
    MEASURE_CHOSEN = "measure_chosen"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


OPEN_STATUSES = (RequestStatus.REPORTED, RequestStatus.RECEIVED, RequestStatus.MEASURE_CHOSEN)


class TrainingResult(StrEnum):
    PASSED = "passed"
    COMPLETED = "completed"  # attended, no test
    FAILED = "failed"


class ChosenMeasure(Frozen):
    kind: MeasureKind
    title: Text
    provider: Text
    planned_start: date | None = None
    planned_end: date | None = None

    def model_post_init(self, __context: object) -> None:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise InvalidValue(
                f"planned end {self.planned_end} is before planned start {self.planned_start}"
            )


class TrainingNeedReported(DomainEvent):
    employee_number: EmployeeNumber
    competence_code: Code
    target_level: int = Field(ge=1, le=10)
    reason: RequestReason
    plan_id: UUID | None = None
    goal_id: Code | None = None
    note: str | None = None


class TrainingRequestReceived(DomainEvent):
    officer: EmployeeNumber


class MeasureChosen(DomainEvent):
    measure: ChosenMeasure


class TrainingCompleted(DomainEvent):
    completed_on: date
    result: TrainingResult
    evidence: str | None = None


class TrainingRequestRejected(DomainEvent):
    reason: Text


class TrainingRequestCancelled(DomainEvent):
    reason: Text


class TrainingRequest(Aggregate):
    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.employee_number = ""
        self.competence_code = ""
        self.target_level = 0
        self.reason = RequestReason.NEED
        self.plan_id: UUID | None = None
        self.goal_id: str | None = None
        self.status = RequestStatus.REPORTED
        self.officer: str | None = None
        self.measure: ChosenMeasure | None = None
        self.completed_on: date | None = None
        self.result: TrainingResult | None = None

    @classmethod
    def report(
        cls,
        ctx: Context,
        request_id: UUID,
        employee_number: str,
        competence_code: str,
        target_level: int,
        reason: RequestReason,
        plan_id: UUID | None = None,
        goal_id: str | None = None,
        note: str | None = None,
    ) -> TrainingRequest:
        request = cls(request_id)
        request.trigger(
            TrainingNeedReported,
            ctx,
            employee_number=employee_number,
            competence_code=competence_code,
            target_level=target_level,
            reason=reason,
            plan_id=plan_id,
            goal_id=goal_id,
            note=note,
        )
        return request

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def receive(self, ctx: Context, officer: str) -> None:
        if self.status is not RequestStatus.REPORTED:
            raise InvalidState(f"training request is {self.status.value}, not reported")
        self.trigger(TrainingRequestReceived, ctx, officer=officer)

    def choose_measure(self, ctx: Context, measure: ChosenMeasure) -> None:
        if self.status not in (RequestStatus.RECEIVED, RequestStatus.MEASURE_CHOSEN):
            raise InvalidState(
                f"a measure can be chosen once the request is received; it is {self.status.value}"
            )
        self.trigger(MeasureChosen, ctx, measure=measure)

    def complete(
        self, ctx: Context, completed_on: date, result: TrainingResult, evidence: str | None
    ) -> None:
        if self.status is RequestStatus.COMPLETED:
            raise InvalidState(f"training request was already completed on {self.completed_on}")
        if self.status is not RequestStatus.MEASURE_CHOSEN:
            raise InvalidState(
                f"training request cannot complete before a measure was chosen "
                f"(it is {self.status.value})"
            )
        if completed_on > ctx.today:
            raise InvalidValue(f"completion date {completed_on} lies in the future")
        self.trigger(
            TrainingCompleted,
            ctx,
            completed_on=completed_on,
            result=result,
            evidence=evidence,
            effective_on=completed_on,
        )

    def reject(self, ctx: Context, reason: str) -> None:
        self._refuse_if_closed()
        self.trigger(TrainingRequestRejected, ctx, reason=reason)

    def cancel(self, ctx: Context, reason: str) -> None:
        self._refuse_if_closed()
        self.trigger(TrainingRequestCancelled, ctx, reason=reason)

    def _refuse_if_closed(self) -> None:
        if not self.is_open:
            raise InvalidState(f"training request is already {self.status.value}")

    # --- event handlers -------------------------------------------------------------
    def when_TrainingNeedReported(self, e: TrainingNeedReported) -> None:
        self.employee_number = e.employee_number
        self.competence_code = e.competence_code
        self.target_level = e.target_level
        self.reason = e.reason
        self.plan_id = e.plan_id
        self.goal_id = e.goal_id

    def when_TrainingRequestReceived(self, e: TrainingRequestReceived) -> None:
        self.status = RequestStatus.RECEIVED
        self.officer = e.officer

    def when_MeasureChosen(self, e: MeasureChosen) -> None:
        self.status = RequestStatus.MEASURE_CHOSEN
        self.measure = e.measure

    def when_TrainingCompleted(self, e: TrainingCompleted) -> None:
        self.status = RequestStatus.COMPLETED
        self.completed_on = e.completed_on
        self.result = e.result

    def when_TrainingRequestRejected(self, e: TrainingRequestRejected) -> None:
        self.status = RequestStatus.REJECTED

    def when_TrainingRequestCancelled(self, e: TrainingRequestCancelled) -> None:
        self.status = RequestStatus.CANCELLED


for _event in (
    TrainingNeedReported,
    TrainingRequestReceived,
    MeasureChosen,
    TrainingCompleted,
    TrainingRequestRejected,
    TrainingRequestCancelled,
):
    _event.aggregate_type = TrainingRequest
