"""Which events belong to which employee, and where they stand in the log.

An employee's history spans their ``Employee`` aggregate, one ``CompetencePlan`` per year
and any number of ``TrainingRequest`` aggregates. Only the first of these has an id
derivable from the employee number; the index records the others as they are created,
and the log position of every event of those aggregates, so the audit trail can put the
events of several aggregates in the order they were stored even when their timestamps are
equal (events of one command share the command's timestamp).
"""

from __future__ import annotations

from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.engine import Handler, Page, Projection, Table
from nnd_competence.domain import competence_plan as cp
from nnd_competence.domain import employee as emp
from nnd_competence.domain import training_request as tr
from nnd_competence.domain.aggregate import DomainEvent

OWNER = Table(
    "audit_owner",
    (("aggregate_id", "TEXT"), ("employee_number", "TEXT"), ("kind", "TEXT")),
    ("aggregate_id",),
    indexes=(("employee_number",),),
    by_aggregate="*",
    lasting=True,
)

#: One row per event of an employee's aggregates, keyed by its log position: rows are
#: appended in key order (cheap to write at any size) and found by employee number.
POSITION = Table(
    "audit_event",
    (
        ("notification_id", "INTEGER"),
        ("employee_number", "TEXT"),
        ("aggregate_id", "TEXT"),
        ("version", "INTEGER"),
    ),
    ("notification_id",),
    indexes=(("employee_number",),),
)


class AuditIndexProjection(Projection):
    name = "audit_index"
    tables = (OWNER, POSITION)
    retired_tables = ("audit_position",)

    def handlers_for(self, event_class: type) -> list[Handler]:
        # Every event of an employee's aggregates is indexed, after the event's own
        # handler (which may be the one that makes the aggregate theirs).
        return [*super().handlers_for(event_class), self._index]

    def _index(self, event: DomainEvent, page: Page) -> None:
        aggregate_id = str(event.originator_id)
        owner = page.get(OWNER.name, aggregate_id)
        if owner is not None:
            page.put(
                POSITION.name,
                {
                    "notification_id": page.notification_id,
                    "employee_number": owner["employee_number"],
                    "aggregate_id": aggregate_id,
                    "version": event.originator_version,
                },
            )

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


def log_positions(db: ViewDatabase, employee_number: str) -> dict[tuple[str, int], int]:
    """(aggregate id, version) → notification id, for every indexed event of the employee."""
    rows = db.query(
        "SELECT aggregate_id, version, notification_id FROM audit_event WHERE employee_number = ?",
        (employee_number,),
    )
    return {(a, int(v)): int(n) for a, v, n in rows}
