"""Competence gaps: required level against held level, per unit and per employee.

The view stores facts (assignments with their effective dates, requirements, holdings
with their valid-until dates); whether a holding is expired or expiring depends on the
day the report is asked for, so that is decided at query time. An expired certification
does not count as held. Assignments are kept as a history, so a transfer recorded ahead
of its effective date shows in reports from that date on, not before.

No personal data is copied into the view: reports name employees by number.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.engine import Page, Projection, Table
from nnd_competence.domain import catalogue as cat
from nnd_competence.domain import employee as emp

T, INT = "TEXT", "INTEGER"

EMPLOYEE = Table(
    "gap_employee",
    (("employee_number", T), ("start_date", T), ("end_date", T), ("confirmed_on", T)),
    ("employee_number",),
)
ASSIGNMENT = Table(
    "gap_assignment",
    (
        ("employee_number", T),
        ("effective_from", T),
        ("unit", T),
        ("position", T),
        ("manager", T),
    ),
    ("employee_number", "effective_from"),
    indexes=(("unit",),),
)
COMPETENCE = Table(
    "gap_competence",
    (
        ("code", T),
        ("name_nb", T),
        ("name_en", T),
        ("category", T),
        ("max_level", INT),
        ("validity_months", INT),
        ("parent_code", T),
        ("withdrawn", INT),
    ),
    ("code",),
)
EMPLOYEE_ID = Table(
    "gap_employee_id", (("aggregate_id", T), ("employee_number", T)), ("aggregate_id",)
)
PROFILE = Table("gap_profile", (("profile_key", T), ("codes", T)), ("profile_key",))
REQUIREMENT = Table(
    "gap_requirement",
    (
        ("profile_key", T),
        ("competence_code", T),
        ("position", T),
        ("unit", T),
        ("level", INT),
        ("mandatory", INT),
    ),
    ("profile_key", "competence_code"),
)
HOLDING = Table(
    "gap_holding",
    (
        ("employee_number", T),
        ("competence_code", T),
        ("level", INT),
        ("acquired_on", T),
        ("valid_until", T),
        ("source", T),
    ),
    ("employee_number", "competence_code"),
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


class CompetenceGapsProjection(Projection):
    name = "competence_gaps"
    tables = (EMPLOYEE_ID, EMPLOYEE, ASSIGNMENT, COMPETENCE, PROFILE, REQUIREMENT, HOLDING)

    # catalogue
    def _competence(self, page: Page, c: cat.CompetenceDefinition) -> None:
        page.put(
            COMPETENCE.name,
            {
                "code": c.code,
                "name_nb": c.name_nb,
                "name_en": c.name_en,
                "category": c.category.value,
                "max_level": c.scale.max_level,
                "validity_months": c.validity_months,
                "parent_code": c.parent_code,
                "withdrawn": 0,
            },
        )

    def on_CompetenceDefined(self, e: cat.CompetenceDefined, page: Page) -> None:
        self._competence(page, e.competence)

    def on_CompetenceRevised(self, e: cat.CompetenceRevised, page: Page) -> None:
        self._competence(page, e.competence)

    def on_CompetenceWithdrawn(self, e: cat.CompetenceWithdrawn, page: Page) -> None:
        page.update(COMPETENCE.name, e.code, withdrawn=1)

    def _drop_profile(self, page: Page, key: str) -> None:
        old = page.get(PROFILE.name, key)
        if old is not None:
            for code in filter(None, old["codes"].split(",")):
                page.delete(REQUIREMENT.name, key, code)
            page.delete(PROFILE.name, key)

    def on_RequirementProfileSet(self, e: cat.RequirementProfileSet, page: Page) -> None:
        profile = e.profile
        self._drop_profile(page, profile.key)
        page.put(
            PROFILE.name,
            {
                "profile_key": profile.key,
                "codes": ",".join(r.competence_code for r in profile.requirements),
            },
        )
        for req in profile.requirements:
            page.put(
                REQUIREMENT.name,
                {
                    "profile_key": profile.key,
                    "competence_code": req.competence_code,
                    "position": profile.position or "*",
                    "unit": profile.unit or "*",
                    "level": req.level,
                    "mandatory": int(req.mandatory_at_onboarding),
                },
            )

    def on_RequirementProfileRemoved(self, e: cat.RequirementProfileRemoved, page: Page) -> None:
        self._drop_profile(page, f"{e.position or '*'}@{e.unit or '*'}")

    # employees
    def on_EmployeeHired(self, e: emp.EmployeeHired, page: Page) -> None:
        page.put(
            EMPLOYEE_ID.name,
            {"aggregate_id": str(e.originator_id), "employee_number": e.employee_number},
        )
        page.put(
            EMPLOYEE.name,
            {
                "employee_number": e.employee_number,
                "start_date": _iso(e.start_date),
                "end_date": None,
                "confirmed_on": None,
            },
        )
        self._assign(page, e.employee_number, e.start_date, e.assignment)

    def _assign(self, page: Page, number: str, day: date, a: emp.Assignment) -> None:
        page.put(
            ASSIGNMENT.name,
            {
                "employee_number": number,
                "effective_from": _iso(day),
                "unit": a.unit,
                "position": a.position,
                "manager": a.manager,
            },
        )

    def _number(self, page: Page, e: Any) -> str | None:
        row = page.get(EMPLOYEE_ID.name, str(e.originator_id))
        return row["employee_number"] if row else None

    def on_EmployeeTransferred(self, e: emp.EmployeeTransferred, page: Page) -> None:
        number = self._number(page, e)
        if number and e.effective_on:
            self._assign(page, number, e.effective_on, e.assignment)

    def _hold(self, page: Page, number: str, h: emp.Holding) -> None:
        page.put(
            HOLDING.name,
            {
                "employee_number": number,
                "competence_code": h.competence_code,
                "level": h.level,
                "acquired_on": _iso(h.acquired_on),
                "valid_until": _iso(h.valid_until),
                "source": h.source.value,
            },
        )

    def on_CompetenceRecorded(self, e: emp.CompetenceRecorded, page: Page) -> None:
        number = self._number(page, e)
        if number:
            self._hold(page, number, e.holding)

    def on_CompetenceRecordCorrected(self, e: emp.CompetenceRecordCorrected, page: Page) -> None:
        self.on_CompetenceRecorded(e, page)  # type: ignore[arg-type]

    def on_CompetenceRevoked(self, e: emp.CompetenceRevoked, page: Page) -> None:
        number = self._number(page, e)
        if number:
            page.delete(HOLDING.name, number, e.competence_code)

    def on_RecordConfirmed(self, e: emp.RecordConfirmed, page: Page) -> None:
        number = self._number(page, e)
        if number:
            page.update(EMPLOYEE.name, number, confirmed_on=_iso(e.confirmed_on))

    def on_EmployeeLeft(self, e: emp.EmployeeLeft, page: Page) -> None:
        number = self._number(page, e)
        if number:
            page.update(EMPLOYEE.name, number, end_date=_iso(e.end_date))


# --- queries ---------------------------------------------------------------------------


class ActiveAssignment(BaseModel):
    employee_number: str
    unit: str
    position: str
    manager: str | None
    start_date: date


def active_assignments(
    db: ViewDatabase, as_of: date, unit: str | None = None
) -> list[ActiveAssignment]:
    """Everyone employed on ``as_of``, with the assignment in force that day."""
    day = as_of.isoformat()
    rows = db.query(
        "SELECT e.employee_number, a.unit, a.position, a.manager, e.start_date "
        "FROM gap_employee e JOIN gap_assignment a ON a.employee_number = e.employee_number "
        "AND a.effective_from = (SELECT MAX(a2.effective_from) FROM gap_assignment a2 "
        "WHERE a2.employee_number = e.employee_number AND a2.effective_from <= ?) "
        "WHERE e.start_date <= ? AND (e.end_date IS NULL OR e.end_date >= ?) "
        "ORDER BY a.unit, e.employee_number",
        (day, day, day),
    )
    result = [
        ActiveAssignment(
            employee_number=r[0],
            unit=r[1],
            position=r[2],
            manager=r[3],
            start_date=date.fromisoformat(r[4]),
        )
        for r in rows
    ]
    return [a for a in result if unit is None or a.unit == unit]


class GapStatus(StrEnum):
    MISSING = "missing"
    BELOW_LEVEL = "below_level"
    EXPIRED = "expired"
    EXPIRING = "expiring"


class GapRow(BaseModel):
    unit: str
    employee_number: str
    position: str
    competence_code: str
    competence_name: str
    required_level: int
    held_level: int
    status: GapStatus
    valid_until: date | None = None


class UnitGapSummary(BaseModel):
    unit: str
    employees: int
    requirements: int
    met: int
    missing: int
    below_level: int
    expired: int
    expiring: int

    @property
    def coverage(self) -> float:
        return self.met / self.requirements if self.requirements else 1.0


class GapReport(BaseModel):
    as_of: date
    expiring_within_days: int
    unit: str | None
    units: list[UnitGapSummary]
    rows: list[GapRow]


def _requirements(db: ViewDatabase) -> dict[tuple[str, str], dict[str, int]]:
    """(position, unit) with '*' wildcards → {competence: level}."""
    result: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    rows = db.query(
        "SELECT r.position, r.unit, r.competence_code, r.level FROM gap_requirement r "
        "JOIN gap_competence c ON c.code = r.competence_code WHERE c.withdrawn = 0"
    )
    for position, unit, code, level in rows:
        result[(position, unit)][code] = int(level)
    return result


def required_for(
    profiles: dict[tuple[str, str], dict[str, int]], position: str, unit: str
) -> dict[str, int]:
    merged: dict[str, int] = {}
    for key in ((position, "*"), ("*", unit), (position, unit)):
        for code, level in profiles.get(key, {}).items():
            merged[code] = max(level, merged.get(code, 0))
    return merged


def gap_report(
    db: ViewDatabase,
    as_of: date,
    *,
    unit: str | None = None,
    employee_number: str | None = None,
    expiring_within_days: int = 90,
) -> GapReport:
    people = active_assignments(db, as_of, unit)
    if employee_number is not None:
        people = [p for p in people if p.employee_number == employee_number]
    profiles = _requirements(db)
    names: dict[str, str] = dict(db.query("SELECT code, name_nb FROM gap_competence"))
    holdings: dict[str, dict[str, tuple[int, date | None]]] = defaultdict(dict)
    scope = {p.employee_number for p in people}
    for number, code, level, valid_until in db.stream(
        "SELECT employee_number, competence_code, level, valid_until FROM gap_holding"
    ):
        if number in scope:
            holdings[number][code] = (
                int(level),
                date.fromisoformat(valid_until) if valid_until else None,
            )
    horizon = as_of + timedelta(days=expiring_within_days)
    rows: list[GapRow] = []
    summaries: dict[str, UnitGapSummary] = {}
    for person in people:
        summary = summaries.setdefault(
            person.unit,
            UnitGapSummary(
                unit=person.unit,
                employees=0,
                requirements=0,
                met=0,
                missing=0,
                below_level=0,
                expired=0,
                expiring=0,
            ),
        )
        summary.employees += 1
        for code, required in sorted(required_for(profiles, person.position, person.unit).items()):
            summary.requirements += 1
            level, valid_until = holdings[person.employee_number].get(code, (0, None))
            status: GapStatus | None
            if level == 0:
                status = GapStatus.MISSING
            elif valid_until is not None and valid_until < as_of:
                status, level = GapStatus.EXPIRED, 0
            elif level < required:
                status = GapStatus.BELOW_LEVEL
            elif valid_until is not None and valid_until <= horizon:
                status = GapStatus.EXPIRING
            else:
                status = None
            if status is None or status is GapStatus.EXPIRING:
                summary.met += 1
            if status is None:
                continue
            setattr(summary, status.value, getattr(summary, status.value) + 1)
            rows.append(
                GapRow(
                    unit=person.unit,
                    employee_number=person.employee_number,
                    position=person.position,
                    competence_code=code,
                    competence_name=names.get(code, code),
                    required_level=required,
                    held_level=level,
                    status=status,
                    valid_until=valid_until,
                )
            )
    return GapReport(
        as_of=as_of,
        expiring_within_days=expiring_within_days,
        unit=unit,
        units=sorted(summaries.values(), key=lambda s: s.unit),
        rows=rows,
    )
