"""Snapshots of long-lived aggregates, so that loading them does not replay every event.

An employee accumulates events for a whole career (every recorded competence, renewal,
confirmation and transfer), and every command about them loads the aggregate. Every
``EMPLOYEE_SNAPSHOT_INTERVAL``-th event of an employee, the application stores a snapshot
(``EmployeeSnapshot``) in its snapshot store (SQLite: table ``stored_snapshots`` in the
same file; PostgreSQL: ``<application>_snapshots`` in the same schema). Loading then reads
the latest snapshot and only the events after it. The event log itself is unchanged:
views, audit trails and rebuilds never read snapshots.

Set ``IS_SNAPSHOTTING_ENABLED=n`` in the environment (or the application's ``env``) to
neither take nor read snapshots; the aggregates are the same either way.

The snapshot state is versioned like the events (``class_version`` with an
``upcast_vN_vN+1`` chain, applied by ``PydanticMapper`` before validation):

* v1 (the first layout): every attribute of the employee in ``state``, personal details
  included;
* v2 (current): personal details moved out of ``state`` into their own ``personal``
  field, the same name and shape as in ``EmployeeHired`` and ``PersonalDetailsCorrected``,
  so the per-person encryption planned for that field covers snapshots too; when a
  person's key is shredded, their snapshots must be deleted (or read as "erased") like
  the events' field. Snapshots are derived data: deleting them is always safe.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from nnd_competence.domain.aggregate import Aggregate, AggregateSnapshot
from nnd_competence.domain.employee import Assignment, Employee, Holding, PersonalDetails
from nnd_competence.domain.values import Frozen

#: Take an employee snapshot at every this many events (versions 50, 100, ...). Loading an
#: employee then decodes one snapshot and fewer than this many events. An employee gathers
#: about 3-7 events a year (benchmark organisation: 33 on average, 71 at most, over ten
#: years), so only long careers are snapshotted; replaying an event costs about as much as
#: reading a whole snapshot does, and taking one costs a read and a write.
EMPLOYEE_SNAPSHOT_INTERVAL = 50


class EmployeeState(Frozen):
    """The attributes of an ``Employee`` except personal details (and id/version).

    ``AggregateSnapshot.take`` refuses an employee with an attribute this does not name,
    so a new attribute cannot silently go missing from snapshots: add it here, and if
    snapshots were already stored without it, bump ``EmployeeSnapshot.class_version``
    with an upcaster (or delete the stored snapshots, which is always safe).
    """

    employee_number: str
    assignment: Assignment | None = None
    start_date: date | None = None
    end_date: date | None = None
    holdings: dict[str, Holding] = {}
    confirmed_on: date | None = None
    assignments: dict[date, Assignment] = {}
    created_on: datetime | None = None
    modified_on: datetime | None = None


class EmployeeSnapshot(AggregateSnapshot):
    class_version: ClassVar[int] = 2
    aggregate_type: ClassVar[type[Aggregate]] = Employee

    state: EmployeeState
    personal: PersonalDetails | None = None

    @staticmethod
    def upcast_v1_v2(stored: dict[str, Any]) -> dict[str, Any]:
        """v1 kept personal details inside ``state``; v2 keeps them beside it."""
        state = dict(stored["state"])
        personal = state.pop("personal", None)
        return {**stored, "state": state, "personal": personal}


#: The snapshot class of each aggregate type that is snapshotted.
SNAPSHOT_CLASSES: dict[type[Aggregate], type[AggregateSnapshot]] = {
    Employee: EmployeeSnapshot,
}


def snapshot_of(aggregate: Aggregate) -> AggregateSnapshot:
    """A snapshot of a stored aggregate (no pending events) at its current version."""
    try:
        snapshot_class = SNAPSHOT_CLASSES[type(aggregate)]
    except KeyError:
        raise TypeError(f"no snapshot class for {type(aggregate).__name__}") from None
    return snapshot_class.take(aggregate)
