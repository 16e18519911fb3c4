"""Completion: per unit, goals agreed / achieved / overdue, training requests by status,
completed measures, and the share of plans followed up at least twice.

"Followed up" counts held goal-and-development conversations and extra follow-ups, not the
employee conversation that opens the year (process.md: plans are followed up at least
twice a year).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from nnd_competence.application.clock import oslo_date
from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.competence_gaps import active_assignments
from nnd_competence.application.projections.engine import Page, Projection, Table
from nnd_competence.domain import competence_plan as cp
from nnd_competence.domain import training_request as tr
from nnd_competence.domain.aggregate import DomainEvent

T, INT = "TEXT", "INTEGER"

PLAN = Table(
    "comp_plan",
    (("plan_id", T), ("employee_number", T), ("year", INT), ("follow_ups_held", INT)),
    ("plan_id",),
    indexes=(("year",),),
    by_aggregate=cp.CompetencePlan.__name__,
)
CONVERSATION_KIND = Table(
    "comp_conversation_kind",
    (("plan_id", T), ("conversation_id", T), ("kind", T)),
    ("plan_id", "conversation_id"),
    by_aggregate=cp.CompetencePlan.__name__,
)
GOAL = Table(
    "comp_goal",
    (
        ("plan_id", T),
        ("goal_id", T),
        ("employee_number", T),
        ("year", INT),
        ("kind", T),
        ("competence_code", T),
        ("deadline", T),
        ("status", T),
    ),
    ("plan_id", "goal_id"),
    indexes=(("year",),),
)
REQUEST = Table(
    "comp_request",
    (
        ("request_id", T),
        ("employee_number", T),
        ("competence_code", T),
        ("reason", T),
        ("status", T),
        ("measure_kind", T),
        ("reported_on", T),
        ("completed_on", T),
        ("result", T),
    ),
    ("request_id",),
    indexes=(("employee_number",),),
)

FOLLOW_UP_KINDS = {
    cp.ConversationKind.GOAL_AND_DEVELOPMENT_1.value,
    cp.ConversationKind.GOAL_AND_DEVELOPMENT_2.value,
    cp.ConversationKind.FOLLOW_UP.value,
}


class CompletionProjection(Projection):
    name = "completion"
    tables = (PLAN, CONVERSATION_KIND, GOAL, REQUEST)

    def on_PlanOpened(self, e: cp.PlanOpened, page: Page) -> None:
        page.put(
            PLAN.name,
            {
                "plan_id": page.aggregate_id,
                "employee_number": e.employee_number,
                "year": e.year,
                "follow_ups_held": 0,
            },
        )

    def on_ConversationScheduled(self, e: cp.ConversationScheduled, page: Page) -> None:
        page.put(
            CONVERSATION_KIND.name,
            {
                "plan_id": page.aggregate_id,
                "conversation_id": e.conversation_id,
                "kind": e.kind.value,
            },
        )

    def on_ConversationHeld(self, e: cp.ConversationHeld, page: Page) -> None:
        plan_id = page.aggregate_id
        kind = page.get(CONVERSATION_KIND.name, plan_id, e.conversation_id)
        plan = page.get(PLAN.name, plan_id)
        if kind and plan and kind["kind"] in FOLLOW_UP_KINDS:
            page.update(PLAN.name, plan_id, follow_ups_held=plan["follow_ups_held"] + 1)

    def _goal(self, page: Page, plan_id: str, goal: cp.Goal, status: str) -> None:
        plan = page.get(PLAN.name, plan_id)
        if plan is None:
            return
        page.put(
            GOAL.name,
            {
                "plan_id": plan_id,
                "goal_id": goal.goal_id,
                "employee_number": plan["employee_number"],
                "year": plan["year"],
                "kind": goal.kind.value,
                "competence_code": goal.competence_code,
                "deadline": goal.deadline.isoformat(),
                "status": status,
            },
        )

    def on_GoalAgreed(self, e: cp.GoalAgreed, page: Page) -> None:
        self._goal(page, page.aggregate_id, e.goal, "open")

    def on_GoalRevised(self, e: cp.GoalRevised, page: Page) -> None:
        self._goal(page, page.aggregate_id, e.goal, "open")

    def on_GoalClosed(self, e: cp.GoalClosed, page: Page) -> None:
        page.update(GOAL.name, page.aggregate_id, e.goal_id, status=e.outcome.value)

    def on_TrainingNeedReported(self, e: tr.TrainingNeedReported, page: Page) -> None:
        page.put(
            REQUEST.name,
            {
                "request_id": page.aggregate_id,
                "employee_number": e.employee_number,
                "competence_code": e.competence_code,
                "reason": e.reason.value,
                "status": tr.RequestStatus.REPORTED.value,
                "measure_kind": None,
                "reported_on": oslo_date(e.timestamp).isoformat(),
                "completed_on": None,
                "result": None,
            },
        )

    def _status(self, page: Page, e: DomainEvent, status: tr.RequestStatus, **more: object) -> None:
        page.update(REQUEST.name, page.aggregate_id, status=status.value, **more)

    def on_TrainingRequestReceived(self, e: tr.TrainingRequestReceived, page: Page) -> None:
        self._status(page, e, tr.RequestStatus.RECEIVED)

    def on_MeasureChosen(self, e: tr.MeasureChosen, page: Page) -> None:
        self._status(page, e, tr.RequestStatus.MEASURE_CHOSEN, measure_kind=e.measure.kind.value)

    def on_TrainingCompleted(self, e: tr.TrainingCompleted, page: Page) -> None:
        self._status(
            page,
            e,
            tr.RequestStatus.COMPLETED,
            completed_on=e.completed_on.isoformat(),
            result=e.result.value,
        )

    def on_TrainingRequestRejected(self, e: tr.TrainingRequestRejected, page: Page) -> None:
        self._status(page, e, tr.RequestStatus.REJECTED)

    def on_TrainingRequestCancelled(self, e: tr.TrainingRequestCancelled, page: Page) -> None:
        self._status(page, e, tr.RequestStatus.CANCELLED)


class UnitCompletion(BaseModel):
    unit: str
    employees: int
    goals_agreed: int
    goals_achieved: int
    goals_not_achieved: int
    goals_dropped: int
    goals_overdue: int
    requests: dict[str, int]
    completed_measures: int
    plans: int
    plans_followed_up_twice: int

    @property
    def followed_up_share(self) -> float:
        return self.plans_followed_up_twice / self.plans if self.plans else 0.0


class CompletionReport(BaseModel):
    as_of: date
    year: int
    unit: str | None
    units: list[UnitCompletion]


def completion_report(
    db: ViewDatabase, as_of: date, *, year: int | None = None, unit: str | None = None
) -> CompletionReport:
    year = year or as_of.year
    unit_of = {a.employee_number: a.unit for a in active_assignments(db, as_of, unit)}
    units: dict[str, UnitCompletion] = {}

    def row(number: str) -> UnitCompletion | None:
        name = unit_of.get(number)
        if name is None:
            return None
        if name not in units:
            units[name] = UnitCompletion(
                unit=name,
                employees=0,
                goals_agreed=0,
                goals_achieved=0,
                goals_not_achieved=0,
                goals_dropped=0,
                goals_overdue=0,
                requests={s.value: 0 for s in tr.RequestStatus},
                completed_measures=0,
                plans=0,
                plans_followed_up_twice=0,
            )
        return units[name]

    for number in unit_of:
        r = row(number)
        assert r is not None
        r.employees += 1
    today = as_of.isoformat()
    for number, status, deadline in db.query(
        "SELECT employee_number, status, deadline FROM comp_goal WHERE year = ?", (year,)
    ):
        r = row(number)
        if r is None:
            continue
        r.goals_agreed += 1
        if status == "achieved":
            r.goals_achieved += 1
        elif status == "not_achieved":
            r.goals_not_achieved += 1
        elif status == "dropped":
            r.goals_dropped += 1
        elif deadline < today:
            r.goals_overdue += 1
    for number, status, result in db.query(
        "SELECT employee_number, status, result FROM comp_request "
        "WHERE reported_on >= ? AND reported_on <= ?",
        (f"{year}-01-01", f"{year}-12-31"),
    ):
        r = row(number)
        if r is None:
            continue
        r.requests[status] += 1
        if status == "completed" and result != "failed":
            r.completed_measures += 1
    for number, follow_ups in db.query(
        "SELECT employee_number, follow_ups_held FROM comp_plan WHERE year = ?", (year,)
    ):
        r = row(number)
        if r is None:
            continue
        r.plans += 1
        r.plans_followed_up_twice += int(follow_ups) >= 2
    return CompletionReport(
        as_of=as_of, year=year, unit=unit, units=sorted(units.values(), key=lambda u: u.unit)
    )


class TrainingRequestRow(BaseModel):
    request_id: str
    employee_number: str
    competence_code: str
    reason: str
    status: str
    measure_kind: str | None
    reported_on: date
    completed_on: date | None
    result: str | None


def training_requests(
    db: ViewDatabase, *, employee_number: str | None = None, status: str | None = None
) -> list[TrainingRequestRow]:
    sql = f"SELECT {', '.join(REQUEST.column_names)} FROM comp_request WHERE 1 = 1"
    params: list[str] = []
    if employee_number is not None:
        sql += " AND employee_number = ?"
        params.append(employee_number.strip().upper())
    if status is not None:
        sql += " AND status = ?"
        params.append(status.strip().lower())
    sql += " ORDER BY reported_on, request_id"
    return [
        TrainingRequestRow.model_validate(dict(zip(REQUEST.column_names, row, strict=True)))
        for row in db.query(sql, params)
    ]
