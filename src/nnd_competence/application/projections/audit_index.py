"""Which aggregates belong to which employee, so an audit trail can gather them.

An employee's history spans their ``Employee`` aggregate, one ``CompetencePlan`` per year
and any number of ``TrainingRequest`` aggregates. Only the first of these has an id
derivable from the employee number; the index records the others as they are created.
"""

from __future__ import annotations

from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.engine import Page, Projection, Table
from nnd_competence.domain import competence_plan as cp
from nnd_competence.domain import employee as emp
from nnd_competence.domain import training_request as tr
from nnd_competence.domain.aggregate import DomainEvent

OWNER = Table(
    "audit_owner",
    (("aggregate_id", "TEXT"), ("employee_number", "TEXT"), ("kind", "TEXT")),
    ("aggregate_id",),
    indexes=(("employee_number",),),
)


class AuditIndexProjection(Projection):
    name = "audit_index"
    tables = (OWNER,)

    def _own(self, page: Page, event: DomainEvent, number: str, kind: str) -> None:
        page.put(
            OWNER.name,
            {"aggregate_id": str(event.originator_id), "employee_number": number, "kind": kind},
        )

    def on_EmployeeHired(self, e: emp.EmployeeHired, page: Page) -> None:
        self._own(page, e, e.employee_number, "employee")

    def on_PlanOpened(self, e: cp.PlanOpened, page: Page) -> None:
        self._own(page, e, e.employee_number, "competence_plan")

    def on_TrainingNeedReported(self, e: tr.TrainingNeedReported, page: Page) -> None:
        self._own(page, e, e.employee_number, "training_request")


def aggregates_of(db: ViewDatabase, employee_number: str) -> list[str]:
    rows = db.query(
        "SELECT aggregate_id FROM audit_owner WHERE employee_number = ?", (employee_number,)
    )
    return [r[0] for r in rows]
