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

from pydantic import BaseModel, TypeAdapter

from nnd_competence.application.ports import ViewDatabase
from nnd_competence.application.projections.engine import Page, Projection, Table
from nnd_competence.domain import catalogue as cat
from nnd_competence.domain import employee as emp
from nnd_competence.domain.errors import InvalidValue

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
    "gap_employee_id",
    (("aggregate_id", T), ("employee_number", T)),
    ("aggregate_id",),
    by_aggregate=emp.Employee.__name__,
    lasting=True,
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
            {"aggregate_id": page.aggregate_id, "employee_number": e.employee_number},
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
        row = page.get(EMPLOYEE_ID.name, page.aggregate_id)
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
    #: False when the report was asked for without its rows (``detail=False``): the
    #: per-unit summary alone, counted in the database. ``rows`` is then empty, which
    #: does not mean there are no gaps.
    detailed: bool = True


#: Everyone employed on a day (``?`` = the day, three times) with the assignment in force
#: that day; filters on unit and employee number are appended to it.
_PEOPLE_SQL = (
    "SELECT e.employee_number AS number, a.unit AS unit, a.position AS position "
    "FROM gap_employee e JOIN gap_assignment a ON a.employee_number = e.employee_number "
    "AND a.effective_from = (SELECT MAX(a2.effective_from) FROM gap_assignment a2 "
    "WHERE a2.employee_number = e.employee_number AND a2.effective_from <= ?) "
    "WHERE e.start_date <= ? AND (e.end_date IS NULL OR e.end_date >= ?)"
)

#: Per person in scope, every competence their position and unit require (the highest
#: level of the matching profiles: position anywhere, anyone in the unit, position in the
#: unit; withdrawn competences left out) against what they hold on the day (parameters:
#: the day, the end of the expiring horizon; ISO dates compare as strings). Profiles are
#: matched once per distinct seat (position in unit), not once per person. Only the gaps
#: leave the database (an expiring holding counts as met but is listed), followed by one
#: row per unit (``number`` NULL) with its employees and requirements: for the whole
#: organisation a third of the rows, with nothing materialised per requirement.
_GAPS_SQL = (
    "WITH people AS MATERIALIZED ({people}), "
    "seats AS MATERIALIZED (SELECT DISTINCT position, unit FROM people), "
    "needs AS MATERIALIZED (SELECT s.position AS position, s.unit AS unit, "
    "r.competence_code AS code, MAX(c.name_nb) AS name, MAX(r.level) AS level FROM seats s "
    "JOIN gap_requirement r ON (r.position = s.position AND r.unit IN ('*', s.unit)) "
    "OR (r.position = '*' AND r.unit = s.unit) "
    "JOIN gap_competence c ON c.code = r.competence_code AND c.withdrawn = 0 "
    "GROUP BY s.position, s.unit, r.competence_code), "
    "seat_needs AS (SELECT position, unit, COUNT(*) AS needed FROM needs "
    "GROUP BY position, unit) "
    "SELECT p.unit, p.number, p.position, n.code, n.name, n.level, "
    "CASE WHEN h.valid_until < ? THEN 0 ELSE COALESCE(h.level, 0) END, "
    "CASE WHEN COALESCE(h.level, 0) = 0 THEN 'missing' "
    "WHEN h.valid_until < ? THEN 'expired' "
    "WHEN h.level < n.level THEN 'below_level' ELSE 'expiring' END, h.valid_until "
    "FROM people p JOIN needs n ON n.position = p.position AND n.unit = p.unit "
    "LEFT JOIN gap_holding h ON h.employee_number = p.number AND h.competence_code = n.code "
    "WHERE COALESCE(h.level, 0) = 0 OR h.valid_until <= ? OR h.level < n.level "
    "UNION ALL SELECT p.unit, NULL, NULL, NULL, NULL, COUNT(*), "
    "SUM(COALESCE(k.needed, 0)), NULL, NULL FROM people p LEFT JOIN seat_needs k "
    "ON k.position = p.position AND k.unit = p.unit GROUP BY p.unit "
    "ORDER BY 1, 2, 4"
)


#: The per-unit summary alone: every requirement of every person in scope judged as in
#: ``_GAPS_SQL`` (parameters: the day, the day, the end of the expiring horizon), counted
#: per unit and status ('met' for held and valid beyond the horizon), followed by each
#: unit's head count (status NULL). Nothing per person leaves the database.
_SUMMARY_SQL = (
    "WITH people AS MATERIALIZED ({people}), "
    "seats AS MATERIALIZED (SELECT DISTINCT position, unit FROM people), "
    "needs AS MATERIALIZED (SELECT s.position AS position, s.unit AS unit, "
    "r.competence_code AS code, MAX(r.level) AS level FROM seats s "
    "JOIN gap_requirement r ON (r.position = s.position AND r.unit IN ('*', s.unit)) "
    "OR (r.position = '*' AND r.unit = s.unit) "
    "JOIN gap_competence c ON c.code = r.competence_code AND c.withdrawn = 0 "
    "GROUP BY s.position, s.unit, r.competence_code) "
    "SELECT p.unit, CASE WHEN COALESCE(h.level, 0) = 0 THEN 'missing' "
    "WHEN h.valid_until < ? THEN 'expired' "
    "WHEN h.level < n.level THEN 'below_level' "
    "WHEN h.valid_until <= ? THEN 'expiring' ELSE 'met' END AS status, COUNT(*) "
    "FROM people p JOIN needs n ON n.position = p.position AND n.unit = p.unit "
    "LEFT JOIN gap_holding h ON h.employee_number = p.number AND h.competence_code = n.code "
    "GROUP BY p.unit, status "
    "UNION ALL SELECT unit, NULL, COUNT(*) FROM people GROUP BY unit "
    "ORDER BY 1"
)


def _summary(found: list[Any]) -> list[UnitGapSummary]:
    # In the database's order of units (its collation, as the detailed report's).
    counts: dict[str, dict[str | None, int]] = {}
    for unit, status, n in found:
        counts.setdefault(unit, {})[status] = int(n)
    units = []
    for name, c in counts.items():
        by_status = {status.value: c.get(status.value, 0) for status in GapStatus}
        requirements = sum(by_status.values()) + c.get("met", 0)
        units.append(
            UnitGapSummary(
                unit=name,
                employees=c.get(None, 0),
                requirements=requirements,
                met=c.get("met", 0) + by_status[GapStatus.EXPIRING],
                **by_status,
            )
        )
    return units


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
    detail: bool = True,
) -> GapReport:
    """Requirements are matched to holdings and judged for the day in the database (one
    query); only the gaps and the per-unit counts are turned into report rows here.

    ``detail=False`` leaves the rows out and counts per unit in the database: the
    summary HR reads for the whole organisation, without the tens of thousands of rows
    an export needs (measured in docs/performance.md)."""
    if expiring_within_days < 0:
        # The horizon is the day plus this many days: before the day it would make
        # holdings that expired in between count as met in the detailed rows.
        raise InvalidValue(f"expiring_within_days must be 0 or more, not {expiring_within_days}")
    day = as_of.isoformat()
    horizon = (as_of + timedelta(days=expiring_within_days)).isoformat()
    people_sql, params = _PEOPLE_SQL, [day, day, day]
    if unit is not None:
        people_sql += " AND a.unit = ?"
        params.append(unit)
    if employee_number is not None:
        people_sql += " AND e.employee_number = ?"
        params.append(employee_number)
    if not detail:
        found = db.query(_SUMMARY_SQL.format(people=people_sql), [*params, day, horizon])
        return GapReport(
            as_of=as_of,
            expiring_within_days=expiring_within_days,
            unit=unit,
            units=_summary(found),
            rows=[],
            detailed=False,
        )
    found = db.query(_GAPS_SQL.format(people=people_sql), [*params, day, day, horizon])
    # Rows come ordered by unit, employee, competence; a unit's count row (no employee
    # number) comes first in its unit.
    rows = _GAP_ROWS.validate_python(
        [dict(zip(_GAP_COLUMNS, r, strict=True)) for r in found if r[1]]
    )
    tally: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        tally[(row.unit, row.status)] += 1
    units = []
    for r in found:
        if r[1]:
            continue
        name, requirements = r[0], int(r[6])
        counts = {status.value: tally[(name, status)] for status in GapStatus}
        met = requirements - sum(n for s, n in counts.items() if s != GapStatus.EXPIRING)
        units.append(
            UnitGapSummary(
                unit=name, employees=int(r[5]), requirements=requirements, met=met, **counts
            )
        )
    return GapReport(
        as_of=as_of,
        expiring_within_days=expiring_within_days,
        unit=unit,
        units=units,
        rows=rows,
    )


_GAP_COLUMNS = (
    "unit",
    "employee_number",
    "position",
    "competence_code",
    "competence_name",
    "required_level",
    "held_level",
    "status",
    "valid_until",
)
#: One validation call for all rows of a report (tens of thousands for the organisation).
_GAP_ROWS = TypeAdapter(list[GapRow])
