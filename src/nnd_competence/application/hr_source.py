"""The HR source port: what the library reads from the HR system of record (DFØ HR).

The application layer owns this contract; an adapter (``adapters/dfo`` for DFØ-SAP REST)
implements it and can be replaced when DFØ publishes other interfaces. The records are
domain-neutral and carry only what the competence process needs: employee number, name,
org unit, main position, whether the person heads their unit, and the employment dates.
National identity numbers, phone numbers, addresses and the like never cross this port:
an adapter drops them where it parses the HR system's answer.

Ids of units and positions are the HR system's own ids; ``hr_mapping`` turns them into the
library's unit and position codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from nnd_competence.domain.values import EmployeeNumber


class ObjectKind(StrEnum):
    """The kinds of HR objects a change notification can be about."""

    EMPLOYEE = "employee"
    POSITION = "position"
    ORG_UNIT = "org_unit"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HrEmployee(_Record):
    """An employee as the HR system has them on the day asked for."""

    employee_number: EmployeeNumber
    name: str | None = None
    unit_id: str | None = None
    position_id: str | None = None  # main position; None when there is no real one
    is_unit_head: bool = False  # the main position heads the employee's unit
    start_date: date | None = None
    end_date: date | None = None  # the last day employed; None while open-ended

    def is_employed_on(self, day: date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or day <= self.end_date)


class HrHolder(_Record):
    """One period in which an employee held a position (the same person may recur)."""

    employee_number: EmployeeNumber
    start_date: date | None = None
    end_date: date | None = None

    def holds_on(self, day: date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and (self.end_date is None or day <= self.end_date)


class HrPosition(_Record):
    position_id: str
    job_code: str | None = None  # the state's position code (DFØ: stillingskode)
    title: str | None = None
    unit_id: str | None = None
    holders: tuple[HrHolder, ...] = ()


class HrOrgUnit(_Record):
    unit_id: str
    name: str | None = None
    parent_id: str | None = None
    head: EmployeeNumber | None = None  # when the HR system names the unit head


class HrChange(_Record):
    """A change notification: object ``object_id`` of ``kind`` changed from ``valid_from``.

    ``key`` identifies the notification by its content, so receiving it again is a no-op.
    ``valid_from`` is the first day the change is in force (None: at once).
    """

    key: str
    notification_id: str
    kind: ObjectKind
    object_id: str
    valid_from: date | None = None

    @property
    def ref(self) -> str:
        return f"{self.kind.value} {self.object_id}"


class Rejection(_Record):
    """Something the HR data held that the library cannot read; nothing of it was applied.

    ``reason`` never repeats a personal value, only what was expected.
    """

    kind: str  # an ObjectKind value, or "notification"
    object_id: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.object_id}: {self.field}: {self.reason}"


T = TypeVar("T")


@dataclass
class Listing(Generic[T]):
    """What a list call returned: the readable records and the rejected ones."""

    items: list[T] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


class HrSourceError(Exception):
    """The HR system could not be read (after retries) or refused the request."""


class HrSourceUnavailable(HrSourceError):
    """Transient failures (timeouts, 5xx, a proxy's error page) outlasted the retries."""


class HrRecordRejected(HrSourceError):
    """One object could not be read; the message names the object and the field."""

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(str(rejection))
        self.rejection = rejection


class HrSource(Protocol):
    """Reads the HR master data as valid on a given day (point-in-time reads).

    ``get_*`` return None when the object does not exist (is gone) and raise
    ``HrRecordRejected`` when it exists but cannot be read; list calls put unreadable
    items in ``Listing.rejected`` and go on.
    """

    def list_employees(self, as_of: date) -> Listing[HrEmployee]: ...

    def get_employee(self, employee_number: str, as_of: date) -> HrEmployee | None: ...

    def list_positions(self, as_of: date) -> Listing[HrPosition]: ...

    def get_position(self, position_id: str, as_of: date) -> HrPosition | None: ...

    def list_org_units(self, as_of: date) -> Listing[HrOrgUnit]: ...

    def get_org_unit(self, unit_id: str, as_of: date) -> HrOrgUnit | None: ...


class ChangeFeed(Protocol):
    """Where change notifications come from (a file, a queue, an endpoint)."""

    def changes(self) -> Iterable[HrChange | Rejection]: ...
