"""Inbound HR master data: keeping the library's employees in step with the HR system.

The HR system of record (DFØ HR) is read through the ``HrSource`` port (``hr_source``);
what it says is turned into the ordinary use cases, so onboarding and every other policy
run exactly as for a change typed in by HR:

* a new employee → ``HireEmployee`` (which starts onboarding);
* a changed unit, position or line manager → ``TransferEmployee``;
* an end date that has passed, or an employee gone from the HR system → ``RegisterLeaving``;
* a changed name → ``CorrectPersonalDetails``.

Three ways in:

* ``full(as_of)``: full reconciliation. Reads every unit, position and employee as of
  the day, compares with the library as of that day (views and aggregates) and applies only
  the differences, effective that day.
* ``receive(changes)``: change notifications ``{id, uri, gyldigEtter}``. A notification
  whose date has come is applied at once, effective on its date, by reading the object as
  valid that day; one dated in the future is held (``hr_state``) and applied on that date
  by ``apply_due``, so reports before then do not show it. A notification received again
  is a no-op.
* ``apply_due(as_of)``: applies the held changes whose date has come.

Every command carries a ``command_id`` derived from the change it makes (employee, before,
after, effective date), so a run repeated after a crash, or the same change reached by a
notification and by a full sync, is stored once. Future end dates are held until the day
after the last day (registering leaving earlier would lock the employee's record during
their notice period); future start dates are held until the first day.
"""

from __future__ import annotations

import graphlib
import hashlib
import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, PrivateAttr, ValidationError

from nnd_competence.application import commands as c
from nnd_competence.application.hr_mapping import (
    CodeMapping,
    Directory,
    ManagerRule,
    Target,
    UnitHeadRule,
    Unresolvable,
    locate,
    resolve,
)
from nnd_competence.application.hr_source import (
    HrChange,
    HrEmployee,
    HrOrgUnit,
    HrPosition,
    HrRecordRejected,
    HrSource,
    Listing,
    ObjectKind,
    Rejection,
)
from nnd_competence.application.hr_state import APPLIED, FINAL, GONE, REJECTED, HrSyncState
from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.competence_gaps import (
    ActiveAssignment,
    active_assignments,
)
from nnd_competence.application.service import CompetenceApplication
from nnd_competence.domain.employee import Employee
from nnd_competence.domain.errors import DomainError, InvalidValue, NotFound
from nnd_competence.domain.values import Actor, EmployeeNumber, Role

__all__ = [
    "HR_SYNC_ACTOR",
    "HrSync",
    "SyncAction",
    "SyncChange",
    "SyncReport",
]

log = logging.getLogger("nnd_competence.hr_sync")
log.addHandler(logging.NullHandler())  # a library: the application configures logging

#: Who the sync acts as when no person is named: the integration itself.
HR_SYNC_ACTOR = Actor(employee_number="DFO1", role=Role.SYSTEM)

#: (phase, done, total) — total None while unknown.
SyncProgress = Callable[[str, int, int | None], None]


class SyncAction(StrEnum):
    HIRED = "hired"
    TRANSFERRED = "transferred"
    LEFT = "left"
    RENAMED = "renamed"
    HELD = "held"
    GONE = "gone"  # the HR system no longer has the object; nothing of it was registered


class SyncChange(BaseModel):
    action: SyncAction
    ref: str  # "employee 10030", "org_unit 50000010"
    employee_number: str | None = None
    effective_on: date | None = None
    detail: str = ""


class SyncReport(BaseModel):
    """What one run changed, held and rejected. Ids, codes and dates only: no personal data."""

    mode: str
    as_of: date
    changes: list[SyncChange] = []
    rejected: list[Rejection] = []
    warnings: list[str] = []
    unchanged: int = 0
    duplicates: int = 0
    _rejections: int = PrivateAttr(0)  # every rejection, repeats included

    @property
    def rejections_seen(self) -> int:
        return self._rejections

    def count(self, action: SyncAction) -> int:
        return sum(1 for change in self.changes if change.action is action)

    def counts(self) -> dict[str, int]:
        result = {action.value: self.count(action) for action in SyncAction}
        result.update(
            rejected=len(self.rejected), unchanged=self.unchanged, duplicates=self.duplicates
        )
        return result

    def reject(self, rejection: Rejection) -> None:
        self._rejections += 1
        if rejection not in self.rejected:
            log.warning("rejected %s", rejection)
            self.rejected.append(rejection)

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.warnings.append(message)


class Library(Protocol):
    """The part of ``CompetenceStore`` the sync uses."""

    app: CompetenceApplication
    views: ViewDatabase

    def execute(self, command: c.Command, actor: Actor) -> UUID | int: ...

    def catch_up(self) -> object: ...

    def today(self) -> date: ...


# --- directories: units, positions and unit heads as of one day ------------------------
class _Lookups:
    """Units and positions fetched one by one, remembered for the run."""

    def __init__(self, source: HrSource, day: date, report: SyncReport) -> None:
        self.source, self.day, self.report = source, day, report
        self.units: dict[str, HrOrgUnit | None] = {}
        self.positions: dict[str, HrPosition | None] = {}

    def unit(self, unit_id: str) -> HrOrgUnit | None:
        if unit_id not in self.units:
            try:
                self.units[unit_id] = self.source.get_org_unit(unit_id, self.day)
            except HrRecordRejected as error:
                self.report.reject(error.rejection)
                self.units[unit_id] = None
        return self.units[unit_id]

    def position(self, position_id: str) -> HrPosition | None:
        if position_id not in self.positions:
            try:
                self.positions[position_id] = self.source.get_position(position_id, self.day)
            except HrRecordRejected as error:
                self.report.reject(error.rejection)
                self.positions[position_id] = None
        return self.positions[position_id]


class _SnapshotDirectory(_Lookups):
    """The whole organisation as listed for a full sync.

    A unit's head is the one the unit record names; failing that, the employee whose main
    position heads the unit (lederflagg), the lowest employee number if several do.
    """

    def __init__(
        self,
        source: HrSource,
        day: date,
        report: SyncReport,
        units: Sequence[HrOrgUnit],
        positions: Sequence[HrPosition],
    ) -> None:
        super().__init__(source, day, report)
        self.units.update({u.unit_id: u for u in units})
        self.positions.update({p.position_id: p for p in positions})
        self.flagged: dict[str, list[str]] = {}

    def index_heads(self, employees: Iterable[HrEmployee]) -> None:
        for employee in employees:
            if not (employee.is_unit_head and employee.is_employed_on(self.day)):
                continue
            try:
                unit_id, _ = locate(employee, self)
            except Unresolvable:
                continue
            self.flagged.setdefault(unit_id, []).append(employee.employee_number)
        for unit_id, numbers in self.flagged.items():
            numbers.sort(key=lambda n: (len(n), n))
            unit = self.units.get(unit_id)
            if len(numbers) > 1 and not (unit and unit.head):
                self.report.warn(
                    f"org unit {unit_id} has {len(numbers)} heads in the HR system "
                    f"({', '.join(numbers)}); {numbers[0]} is taken as its head"
                )

    def head_of(self, unit_id: str) -> str | None:
        unit = self.unit(unit_id)
        if unit is not None and unit.head is not None:
            return unit.head
        flagged = self.flagged.get(unit_id)
        return flagged[0] if flagged else None

    def heads(self) -> dict[str, str | None]:
        return {
            unit_id: self.head_of(unit_id)
            for unit_id, unit in self.units.items()
            if unit is not None
        }


class _LiveDirectory(_Lookups):
    """Units and positions read one at a time (notifications), heads remembered in a table.

    A unit record that names its head wins; otherwise the head last seen (by a full sync or
    an employee record with lederflagg) is used, and ``learn`` keeps that up to date.
    """

    def __init__(
        self, source: HrSource, day: date, report: SyncReport, heads: dict[str, str | None]
    ) -> None:
        super().__init__(source, day, report)
        self.remembered = heads
        self.updated: dict[str, str | None] = {}

    def head_of(self, unit_id: str) -> str | None:
        unit = self.unit(unit_id)
        if unit is not None and unit.head is not None:
            return unit.head
        return self.remembered.get(unit_id)

    def learn(self, employee: HrEmployee) -> list[tuple[str, str | None]]:
        """Update the heads from one employee record; returns (unit, former head) changed."""
        number = employee.employee_number
        heads_now: set[str] = set()
        if employee.is_unit_head and employee.is_employed_on(self.day):
            try:
                unit_id, _ = locate(employee, self)
                heads_now.add(unit_id)
            except Unresolvable:
                pass
        changed = []
        touched = {u for u, head in self.remembered.items() if head == number} | heads_now
        for unit_id in sorted(touched):
            before = self.head_of(unit_id)
            self.remembered[unit_id] = number if unit_id in heads_now else None
            self.updated[unit_id] = self.remembered[unit_id]
            if self.head_of(unit_id) != before:
                changed.append((unit_id, before))
        return changed

    def learn_unit(self, unit: HrOrgUnit) -> list[tuple[str, str | None]]:
        before = self.remembered.get(unit.unit_id)
        self.units[unit.unit_id] = unit
        if unit.head is not None and unit.head != before:
            self.remembered[unit.unit_id] = self.updated[unit.unit_id] = unit.head
        return [(unit.unit_id, before)]


# --- what the library holds about one employee ------------------------------------------
@dataclass
class _Known:
    employee: Employee
    current: ActiveAssignment | None  # in force on the day, if employed that day


@dataclass
class _Run:
    day: date
    report: SyncReport
    directory: Directory
    origin: str  # "full sync" or the notification id, for log lines
    hold_origin: str = "full-sync"
    handled: set[str] = field(default_factory=set)
    rejections_before: int = 0


def _digest(*parts: object) -> str:
    text = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _command_id(action: SyncAction, number: str, *parts: object) -> str:
    return f"dfo-hr:{action.value}:{number}:{_digest(*parts)}"


def _rejection(number: str, field_name: str, reason: str) -> Rejection:
    return Rejection(
        kind=ObjectKind.EMPLOYEE.value, object_id=number, field=field_name, reason=reason
    )


class HrSync:
    """Runs the inbound HR sync against one store (see the module docstring)."""

    def __init__(
        self,
        library: Library,
        source: HrSource,
        *,
        mapping: CodeMapping | None = None,
        manager_rule: ManagerRule | None = None,
        actor: Actor = HR_SYNC_ACTOR,
        progress: SyncProgress | None = None,
    ) -> None:
        self.library = library
        self.source = source
        self.mapping = mapping or CodeMapping()
        self.rule: ManagerRule = manager_rule or UnitHeadRule()
        self.actor = actor
        self.progress = progress
        self.state = HrSyncState(library.views)
        self._assignments: dict[date, dict[str, ActiveAssignment]] = {}

    # --- entry points -----------------------------------------------------------------
    def full(self, as_of: date | None = None) -> SyncReport:
        """Full reconciliation as of a day (default today; never a day still to come)."""
        day = self._day(as_of)
        report = SyncReport(mode="full", as_of=day)
        log.info("full HR sync as of %s started", day)
        self._step("Reading org units", 0, 3)
        units = self.source.list_org_units(day)
        self._step("Reading positions", 1, 3)
        positions = self.source.list_positions(day)
        self._step("Reading employees", 2, 3)
        employees = self.source.list_employees(day)
        self._step("Reading employees", 3, 3)
        for listing in (units, positions, employees):
            for rejection in listing.rejected:
                report.reject(rejection)
        directory = _SnapshotDirectory(self.source, day, report, units.items, positions.items)
        records = self._by_number(employees, day)
        directory.index_heads(records.values())
        run = _Run(day=day, report=report, directory=directory, origin="full sync")
        unreadable = {r.object_id for r in employees.rejected if r.kind == ObjectKind.EMPLOYEE}

        absent = sorted(set(self._in_force(day)) - set(records) - unreadable)
        total = len(records) + len(absent)
        done = 0

        hires = self._hire_order(records, run)
        for number in hires:
            self._reconcile(run, number, records[number])
            done += 1
            self._step("Applying changes", done, total)
        for number in sorted(set(records) - set(hires)):
            self._reconcile(run, number, records[number])
            done += 1
            self._step("Applying changes", done, total)
        for number in absent:  # active in the library, not listed: ask for them one by one
            try:
                record = self.source.get_employee(number, day)
            except HrRecordRejected as error:
                report.reject(error.rejection)
            else:
                self._reconcile(run, number, record)
            done += 1
            self._step("Applying changes", done, total)
        self.state.set_heads(directory.heads(), self._now())
        log.info("full HR sync as of %s finished: %s", day, report.counts())
        return report

    def receive(self, changes: Iterable[HrChange | Rejection]) -> SyncReport:
        """Handle change notifications: apply those in force, hold the future-dated ones."""
        today = self.library.today()
        report = SyncReport(mode="notifications", as_of=today)
        items = list(changes)
        for done, item in enumerate(items, start=1):
            self._step("Notifications", done - 1, len(items))
            if isinstance(item, Rejection):
                report.reject(item)
                continue
            if self.state.status(item.key) in FINAL:
                log.info("notification %s (%s) already handled", item.notification_id, item.ref)
                report.duplicates += 1
                continue
            if item.valid_from is not None and item.valid_from > today:
                if self.state.hold(item, self._now()):
                    log.info(
                        "notification %s (%s) held until %s",
                        item.notification_id,
                        item.ref,
                        item.valid_from,
                    )
                    report.changes.append(
                        SyncChange(
                            action=SyncAction.HELD,
                            ref=item.ref,
                            employee_number=self._number_of(item),
                            effective_on=item.valid_from,
                            detail=f"notification {item.notification_id}",
                        )
                    )
                else:
                    report.duplicates += 1
                continue
            self._apply_change(item, item.valid_from or today, report)
        self._step("Notifications", len(items), len(items))
        return report

    def apply_due(self, as_of: date | None = None) -> SyncReport:
        """Apply the held changes whose date is on or before ``as_of`` (default today)."""
        day = self._day(as_of)
        report = SyncReport(mode="apply-due", as_of=day)
        due = self.state.due(day)
        for done, change in enumerate(due):
            self._step("Held changes", done, len(due))
            assert change.valid_from is not None
            self._apply_change(change, change.valid_from, report)
        self._step("Held changes", len(due), len(due))
        return report

    # --- one change notification ------------------------------------------------------
    def _apply_change(self, change: HrChange, day: date, report: SyncReport) -> None:
        directory = _LiveDirectory(self.source, day, report, self.state.heads())
        run = _Run(
            day=day,
            report=report,
            directory=directory,
            origin=f"notification {change.notification_id}",
            hold_origin=change.notification_id,
            rejections_before=report.rejections_seen,
        )
        changes_before = len(report.changes)
        queue: deque[str] = deque()
        gone = False
        if change.kind is ObjectKind.EMPLOYEE:
            number = self._number_of(change)
            if number is None:
                report.reject(
                    Rejection(
                        kind="notification",
                        object_id=change.notification_id,
                        field="uri",
                        reason=f"{change.object_id!r} is not an employee number",
                    )
                )
            else:
                queue.append(number)
        elif change.kind is ObjectKind.ORG_UNIT:
            unit = directory.unit(change.object_id)  # an unreadable unit is reported there
            gone = unit is None
            if unit is not None:
                for unit_id, former in directory.learn_unit(unit):
                    queue.extend(self._affected(run, unit_id, former))
                if unit.head is not None:
                    queue.append(unit.head)
        else:
            position = directory.position(change.object_id)
            gone = position is None
            if position is not None:
                queue.extend(h.employee_number for h in position.holders if h.holds_on(day))
        if gone and report.rejections_seen == run.rejections_before:  # not found, not unreadable
            report.changes.append(
                SyncChange(action=SyncAction.GONE, ref=change.ref, effective_on=day)
            )
        while queue:
            number = queue.popleft()
            if number in run.handled:
                continue
            run.handled.add(number)
            try:
                record = self.source.get_employee(number, day)
            except HrRecordRejected as error:
                report.reject(error.rejection)
                continue
            if record is not None:
                for unit_id, former in directory.learn(record):
                    queue.extend(self._affected(run, unit_id, former))
            self._reconcile(run, number, record)
        self.state.set_heads(directory.updated, self._now())
        made = report.changes[changes_before:]
        if report.rejections_seen > run.rejections_before:
            status = REJECTED
        elif made and all(m.action is SyncAction.GONE for m in made):
            status = GONE
        else:
            status = APPLIED
        outcome = "; ".join(f"{m.action.value} {m.ref}" for m in made) or "no difference"
        self.state.record(change, status, outcome, self._now())
        log.info(
            "notification %s (%s) as of %s: %s", change.notification_id, change.ref, day, outcome
        )

    def _affected(self, run: _Run, unit_id: str, former_head: str | None) -> list[str]:
        """Library employees whose manager may change with the head of ``unit_id``."""
        code = self.mapping.unit_code(unit_id)
        return [
            a.employee_number
            for a in self._in_force(run.day).values()
            if a.unit == code or (former_head is not None and a.manager == former_head)
        ]

    # --- one employee -----------------------------------------------------------------
    def _reconcile(self, run: _Run, number: str, hr: HrEmployee | None) -> None:
        day, report = run.day, run.report
        known = self._known(number, day)
        if hr is None:
            self._gone(run, number, known)
            return
        if hr.start_date is not None and hr.start_date > day:
            if known is None:
                self._hold(run, number, hr.start_date, "starts")
            else:
                report.unchanged += 1
            return
        if hr.end_date is not None and hr.end_date < day:
            if known is not None and not known.employee.has_left:
                self._leave(run, known.employee, hr.end_date, "end date in the HR system")
            else:
                report.unchanged += 1
            return
        try:
            target = resolve(hr, run.directory, self.mapping, self.rule)
        except Unresolvable as problem:
            report.reject(_rejection(number, problem.field, problem.reason))
            return
        except ValidationError as error:
            report.reject(_rejection(number, "organisasjonId/stillingId", _first(error)))
            return
        if known is None:
            self._hire(run, hr, target)
        elif known.employee.has_left:
            if known.employee.end_date is not None and known.employee.end_date >= day:
                report.unchanged += 1  # leaving is registered for a later day; it stands
                return
            report.reject(
                _rejection(
                    number,
                    "sluttdato",
                    f"the library registered leaving on {known.employee.end_date}, but the "
                    f"HR system shows the employee employed on {day}; re-employment under "
                    "the same number is not supported",
                )
            )
            return
        elif known.current is None:
            report.unchanged += 1  # starts later in the library; its hire stands
        else:
            changed = self._transfer(run, known, target)
            changed = self._rename(run, known.employee, hr) or changed
            if not changed:
                report.unchanged += 1
        if hr.end_date is not None:
            self._hold(run, number, hr.end_date + timedelta(days=1), "leaves")

    def _gone(self, run: _Run, number: str, known: _Known | None) -> None:
        ref = f"employee {number}"
        if known is None:
            run.report.changes.append(
                SyncChange(
                    action=SyncAction.GONE,
                    ref=ref,
                    employee_number=number,
                    effective_on=run.day,
                    detail="not in the HR system; not registered",
                )
            )
        elif known.employee.has_left:
            run.report.unchanged += 1
        else:
            self._leave(run, known.employee, run.day - timedelta(days=1), "gone from the HR system")

    def _hire(self, run: _Run, hr: HrEmployee, target: Target) -> None:
        number = hr.employee_number
        if hr.start_date is None:
            run.report.reject(
                _rejection(number, "startdato", "missing; needed to register a new employee")
            )
            return
        if target.position is None:
            run.report.reject(
                _rejection(
                    number,
                    "stillingId",
                    "no real position (none or the placeholder of former employees)",
                )
            )
            return
        manager = target.manager
        if manager is not None and not self._exists(manager):
            run.report.warn(
                f"employee {number}: manager {manager} is not registered yet; "
                "hired without a manager"
            )
            manager = None
        command = c.HireEmployee(
            employee_number=number,
            unit=target.unit,
            position=target.position,
            manager=manager,
            start_date=hr.start_date,
            name=hr.name,
            command_id=_command_id(
                SyncAction.HIRED,
                number,
                target.unit,
                target.position,
                manager,
                hr.start_date,
                hr.name,
            ),
        )
        detail = f"{target.unit} / {target.position}, manager {manager or '-'}"
        self._execute(run, command, SyncAction.HIRED, number, hr.start_date, detail)

    def _transfer(self, run: _Run, known: _Known, target: Target) -> bool:
        current = known.current
        assert current is not None
        number = current.employee_number
        position = target.position or current.position
        manager = target.manager
        if manager is not None and manager != current.manager and not self._exists(manager):
            run.report.warn(
                f"employee {number}: manager {manager} is not registered; manager unchanged"
            )
            manager = current.manager
        if manager is None and current.manager is not None:
            if target.unit == current.unit and position == current.position:
                run.report.warn(
                    f"employee {number}: the HR system gives no manager; the library keeps "
                    f"{current.manager} (a transfer cannot remove a manager)"
                )
            manager = current.manager
        parts = []
        if target.unit != current.unit:
            parts.append(f"unit {current.unit} → {target.unit}")
        if position != current.position:
            parts.append(f"position {current.position} → {position}")
        if manager != current.manager:
            parts.append(f"manager {current.manager or '-'} → {manager or '-'}")
        if not parts:
            return False
        start = known.employee.start_date
        effective = max(run.day, start) if start else run.day
        command = c.TransferEmployee(
            employee_number=number,
            unit=target.unit,
            position=position,
            manager=manager,
            effective_on=effective,
            command_id=_command_id(
                SyncAction.TRANSFERRED,
                number,
                current.unit,
                current.position,
                current.manager,
                target.unit,
                position,
                manager,
                effective,
            ),
        )
        self._execute(run, command, SyncAction.TRANSFERRED, number, effective, "; ".join(parts))
        return True

    def _rename(self, run: _Run, employee: Employee, hr: HrEmployee) -> bool:
        if hr.name is None or (employee.personal and employee.personal.name == hr.name):
            return False
        birth_date = employee.personal.birth_date if employee.personal else None
        command = c.CorrectPersonalDetails(
            employee_number=employee.employee_number,
            name=hr.name,
            birth_date=birth_date,
            command_id=_command_id(SyncAction.RENAMED, employee.employee_number, hr.name),
        )
        self._execute(
            run,
            command,
            SyncAction.RENAMED,
            employee.employee_number,
            None,
            "name updated from the HR system",
        )
        return True

    def _leave(self, run: _Run, employee: Employee, end_date: date, why: str) -> None:
        if employee.start_date is not None:
            end_date = max(end_date, employee.start_date)
        number = employee.employee_number
        command = c.RegisterLeaving(
            employee_number=number,
            end_date=end_date,
            command_id=_command_id(SyncAction.LEFT, number, end_date),
        )
        self._execute(
            run, command, SyncAction.LEFT, number, end_date, f"{why}; last day {end_date}"
        )

    def _hold(self, run: _Run, number: str, due: date, what: str) -> None:
        change = HrChange(
            key=f"due:{ObjectKind.EMPLOYEE.value}:{number}:{due.isoformat()}",
            notification_id=run.hold_origin,
            kind=ObjectKind.EMPLOYEE,
            object_id=number,
            valid_from=due,
        )
        if self.state.hold(change, self._now()):
            run.report.changes.append(
                SyncChange(
                    action=SyncAction.HELD,
                    ref=change.ref,
                    employee_number=number,
                    effective_on=due,
                    detail=f"{what} in the HR system; applied on {due}",
                )
            )

    def _execute(
        self,
        run: _Run,
        command: c.Command,
        action: SyncAction,
        number: str,
        effective_on: date | None,
        detail: str,
    ) -> None:
        try:
            self.library.execute(command, self.actor)
        except DomainError as error:
            run.report.reject(_rejection(number, "(library)", str(error)))
            return
        except ValidationError as error:
            run.report.reject(_rejection(number, "(library)", _first(error)))
            return
        self._assignments.clear()
        log.info("%s: %s employee %s (%s)", run.origin, action.value, number, detail)
        run.report.changes.append(
            SyncChange(
                action=action,
                ref=f"employee {number}",
                employee_number=number,
                effective_on=effective_on,
                detail=detail,
            )
        )

    # --- reading the library ----------------------------------------------------------
    def _known(self, number: str, day: date) -> _Known | None:
        try:
            employee = self.library.app.employee(number)
        except NotFound:
            return None
        return _Known(employee=employee, current=self._in_force(day).get(number))

    def _in_force(self, day: date) -> dict[str, ActiveAssignment]:
        """Everyone's assignment in force on ``day`` (read once until a command changes it)."""
        if day not in self._assignments:
            self.library.catch_up()
            self._assignments[day] = {
                a.employee_number: a for a in active_assignments(self.library.views, day)
            }
        return self._assignments[day]

    def _exists(self, number: str) -> bool:
        try:
            self.library.app.employee(number)
        except NotFound:
            return False
        return True

    # --- helpers ------------------------------------------------------------------------
    @staticmethod
    def _by_number(employees: Listing[HrEmployee], day: date) -> dict[str, HrEmployee]:
        """One record per employee number; if listed twice, the one employed on the day."""
        records: dict[str, HrEmployee] = {}
        for record in employees.items:
            number = record.employee_number
            seen = records.get(number)
            if seen is None or (not seen.is_employed_on(day) and record.is_employed_on(day)):
                records[number] = record
        return records

    def _hire_order(self, records: dict[str, HrEmployee], run: _Run) -> list[str]:
        """Employees to hire, managers before the people they manage."""
        candidates: dict[str, str | None] = {}
        for number, record in records.items():
            if not record.is_employed_on(run.day) or self._exists(number):
                continue
            try:
                candidates[number] = resolve(record, run.directory, self.mapping, self.rule).manager
            except (Unresolvable, ValidationError):
                candidates[number] = None
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for number, manager in sorted(candidates.items()):
            sorter.add(number, *([manager] if manager in candidates else []))
        try:
            return [n for n in sorter.static_order() if n in candidates]
        except graphlib.CycleError:
            run.report.warn("the managers in the HR system form a cycle; hiring in number order")
            return sorted(candidates)

    def _number_of(self, change: HrChange) -> str | None:
        if change.kind is not ObjectKind.EMPLOYEE:
            return None
        try:
            return _NumberCheck(employee_number=change.object_id).employee_number
        except ValidationError:
            return None

    def _day(self, as_of: date | None) -> date:
        today = self.library.today()
        if as_of is not None and as_of > today:
            raise InvalidValue(
                f"--as-of {as_of} lies after today ({today}): changes dated in the future "
                "are held and applied on their date, not before"
            )
        return as_of or today

    def _now(self) -> datetime:
        return self.library.app.clock.now()

    def _step(self, phase: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)


class _NumberCheck(BaseModel):
    employee_number: EmployeeNumber


def _first(error: ValidationError) -> str:
    detail = error.errors(include_url=False)[0]
    return str(detail.get("msg", "invalid")).removeprefix("Value error, ")
