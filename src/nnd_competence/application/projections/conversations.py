"""Conversations: per unit and line manager, who has and has not had each of the three.

Before each round HR and the managers need to see, for the year's cycle, which employee
has had the medarbeidersamtale and the two mål- og utviklingssamtaler, which are overdue
(scheduled date passed, not held) and who has no plan at all.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from enum import StrEnum

from pydantic import BaseModel

from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.competence_gaps import active_assignments
from nnd_competence.application.projections.engine import Page, Projection, Table
from nnd_competence.domain import competence_plan as cp

T = "TEXT"

PLAN = Table(
    "conv_plan",
    (("plan_id", T), ("employee_number", T), ("year", "INTEGER"), ("closed_on", T)),
    ("plan_id",),
    indexes=(("year", "employee_number"),),
)
CONVERSATION = Table(
    "conv_conversation",
    (
        ("plan_id", T),
        ("conversation_id", T),
        ("kind", T),
        ("scheduled_for", T),
        ("held_on", T),
    ),
    ("plan_id", "conversation_id"),
)


class ConversationsProjection(Projection):
    name = "conversations"
    tables = (PLAN, CONVERSATION)

    def on_PlanOpened(self, e: cp.PlanOpened, page: Page) -> None:
        page.put(
            PLAN.name,
            {
                "plan_id": page.aggregate_id,
                "employee_number": e.employee_number,
                "year": e.year,
                "closed_on": None,
            },
        )

    def on_PlanClosed(self, e: cp.PlanClosed, page: Page) -> None:
        page.update(PLAN.name, page.aggregate_id, closed_on=e.closed_on.isoformat())

    def on_ConversationScheduled(self, e: cp.ConversationScheduled, page: Page) -> None:
        page.put(
            CONVERSATION.name,
            {
                "plan_id": page.aggregate_id,
                "conversation_id": e.conversation_id,
                "kind": e.kind.value,
                "scheduled_for": e.scheduled_for.isoformat(),
                "held_on": None,
            },
        )

    def on_ConversationRescheduled(self, e: cp.ConversationRescheduled, page: Page) -> None:
        page.update(
            CONVERSATION.name,
            page.aggregate_id,
            e.conversation_id,
            scheduled_for=e.scheduled_for.isoformat(),
        )

    def on_ConversationHeld(self, e: cp.ConversationHeld, page: Page) -> None:
        page.update(
            CONVERSATION.name,
            page.aggregate_id,
            e.conversation_id,
            held_on=e.held_on.isoformat(),
        )


class ConversationState(StrEnum):
    HELD = "held"
    SCHEDULED = "scheduled"
    OVERDUE = "overdue"
    NOT_SCHEDULED = "not_scheduled"
    NO_PLAN = "no_plan"


class ConversationCell(BaseModel):
    state: ConversationState
    day: date | None = None  # held on, or scheduled for

    def __str__(self) -> str:
        return f"{self.state.value} {self.day}" if self.day else self.state.value


class EmployeeConversations(BaseModel):
    unit: str
    manager: str | None
    employee_number: str
    employee_conversation: ConversationCell
    goal_and_development_1: ConversationCell
    goal_and_development_2: ConversationCell
    follow_ups_held: int


class ManagerConversations(BaseModel):
    unit: str
    manager: str | None
    employees: int
    employee_conversation_held: int
    goal_and_development_1_held: int
    goal_and_development_2_held: int
    overdue: int
    without_plan: int


class ConversationReport(BaseModel):
    as_of: date
    year: int
    unit: str | None
    managers: list[ManagerConversations]
    employees: list[EmployeeConversations]


def conversation_report(
    db: ViewDatabase, as_of: date, *, year: int | None = None, unit: str | None = None
) -> ConversationReport:
    year = year or as_of.year
    people = active_assignments(db, as_of, unit)
    plans: dict[str, str] = dict(
        db.query("SELECT employee_number, plan_id FROM conv_plan WHERE year = ?", (year,))
    )
    conversations: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for plan_id, kind, scheduled, held in db.query(
        "SELECT c.plan_id, c.kind, c.scheduled_for, c.held_on FROM conv_conversation c "
        "JOIN conv_plan p ON p.plan_id = c.plan_id WHERE p.year = ?",
        (year,),
    ):
        conversations[plan_id].append((kind, scheduled, held))
    rows: list[EmployeeConversations] = []
    summaries: dict[tuple[str, str | None], ManagerConversations] = {}
    for person in people:
        plan_id = plans.get(person.employee_number)
        cells: dict[str, ConversationCell] = {}
        follow_ups = 0
        for kind, scheduled, held in conversations.get(plan_id or "", []):
            if kind == cp.ConversationKind.FOLLOW_UP.value:
                follow_ups += held is not None
                continue
            if held:
                cells[kind] = ConversationCell(
                    state=ConversationState.HELD, day=date.fromisoformat(held)
                )
            else:
                day = date.fromisoformat(scheduled)
                state = ConversationState.OVERDUE if day < as_of else ConversationState.SCHEDULED
                cells[kind] = ConversationCell(state=state, day=day)
        missing = ConversationCell(
            state=ConversationState.NOT_SCHEDULED if plan_id else ConversationState.NO_PLAN
        )
        row = EmployeeConversations(
            unit=person.unit,
            manager=person.manager,
            employee_number=person.employee_number,
            employee_conversation=cells.get("employee_conversation", missing),
            goal_and_development_1=cells.get("goal_and_development_1", missing),
            goal_and_development_2=cells.get("goal_and_development_2", missing),
            follow_ups_held=follow_ups,
        )
        rows.append(row)
        summary = summaries.setdefault(
            (person.unit, person.manager),
            ManagerConversations(
                unit=person.unit,
                manager=person.manager,
                employees=0,
                employee_conversation_held=0,
                goal_and_development_1_held=0,
                goal_and_development_2_held=0,
                overdue=0,
                without_plan=0,
            ),
        )
        summary.employees += 1
        three = (row.employee_conversation, row.goal_and_development_1, row.goal_and_development_2)
        summary.employee_conversation_held += three[0].state is ConversationState.HELD
        summary.goal_and_development_1_held += three[1].state is ConversationState.HELD
        summary.goal_and_development_2_held += three[2].state is ConversationState.HELD
        summary.overdue += sum(c.state is ConversationState.OVERDUE for c in three)
        summary.without_plan += plan_id is None
    return ConversationReport(
        as_of=as_of,
        year=year,
        unit=unit,
        managers=sorted(summaries.values(), key=lambda s: (s.unit, s.manager or "")),
        employees=rows,
    )
