"""Which aggregates belong to which employee.

An employee's history spans their ``Employee`` aggregate, one ``CompetencePlan`` per year
and any number of ``TrainingRequest`` aggregates. Only the first of these has an id
derivable from the employee number; the index records the others as they are created,
so the audit trail can read the
events of all of them from the log in one query, in the order they were stored, even
when their timestamps are equal (events of one command share the command's timestamp).
"""

from __future__ import annotations

from nnd_competence.application.ports import Row, ViewDatabase
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
    #: ``audit_event`` held one row per event (its log position, by employee): the log's
    #: own primary key finds an aggregate's events as fast, so it was dropped.
    retired_tables = ("audit_position", "audit_event")

    def _own(self, page: Page, event: DomainEvent, number: str, kind: str) -> None:
        page.put(
            OWNER.name,
            {"aggregate_id": page.aggregate_id, "employee_number": number, "kind": kind},
        )

    def on_EmployeeHired(self, e: emp.EmployeeHired, page: Page) -> None:
        self._own(page, e, e.employee_number, "employee")

    def on_PlanOpened(self, e: cp.PlanOpened, page: Page) -> None:
        self._own(page, e, e.employee_number, "competence_plan")

    def on_TrainingNeedReported(self, e: tr.TrainingNeedReported, page: Page) -> None:
        self._own(page, e, e.employee_number, "training_request")


#: The log position column of the event store's table, as each recorder names it (and
#: the aggregate id: SQLite's recorder stores the hex digits alone, PostgreSQL's a uuid).
_NOTIFICATION_ID = {"sqlite": "rowid", "postgres": "notification_id"}


def indexed_events(db: ViewDatabase, employee_number: str, events_table: str) -> list[Row]:
    """``(notification id, aggregate id, version, topic, state)`` of every stored event of
    the aggregates the index knows as the employee's, in log order.

    One query joining the index to the event log, which lives in the same database (and,
    on PostgreSQL, the same schema) as the views: the log's primary key (aggregate id,
    version) finds each aggregate's events, and the few hundred rows of a long history are
    sorted by log position. Reading the log aggregate by aggregate took one round trip per
    plan and training request (about 28 for a ten-year employee).
    """
    if not events_table.isidentifier():
        raise ValueError(f"not a table name: {events_table!r}")
    position = _NOTIFICATION_ID[db.dialect]
    columns = f"e.{position}, e.originator_id, e.originator_version, e.topic, e.state"
    if db.dialect == "postgres":
        # As a join, PostgreSQL could not estimate how few events match the cast ids and
        # planned a scan of the whole log; a list of ids is looked up in its primary key.
        return db.query(
            f"SELECT {columns} FROM {events_table} e WHERE e.originator_id = ANY(ARRAY("
            "SELECT CAST(o.aggregate_id AS UUID) FROM audit_owner o "
            f"WHERE o.employee_number = ?)) ORDER BY e.{position}",
            (employee_number,),
        )
    return db.query(
        f"SELECT {columns} FROM audit_owner o JOIN {events_table} e "
        f"ON e.originator_id = REPLACE(o.aggregate_id, '-', '') "
        f"WHERE o.employee_number = ? ORDER BY e.{position}",
        (employee_number,),
    )
