"""From HR records to the library's assignment: unit code, position code and line manager.

Two decisions the HR system leaves to us live here, each behind a small replaceable class:

* ``CodeMapping``: the library names units and positions by codes
  (``[A-Z0-9][A-Z0-9._-]*``). By default an org unit becomes ``ORG-<unit id>`` and a
  position ``STK-<job code>`` (DFØ's stillingskode, so that every holder of the same kind
  of position shares one requirement profile), or ``POS-<position id>`` when the position
  has no job code. Explicit overrides (a JSON file on the command line) map chosen ids or
  job codes to NND's own codes, e.g. ``50000011`` → ``HLD-STRALEVERN``.
* ``ManagerRule``: who the line manager (personalleder) is. ``UnitHeadRule`` takes the
  head of the employee's unit, and for the head themselves the head of the nearest unit
  above. Where a unit's head comes from is the ``Directory``'s business (the unit record
  when it names one, else the employee whose main position heads that unit).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from nnd_competence.application.hr_source import HrEmployee, HrOrgUnit, HrPosition
from nnd_competence.domain.values import Code, EmployeeNumber

_TRANSLITERATE = str.maketrans({"Æ": "AE", "Ø": "O", "Å": "AA"})
_NOT_CODE = re.compile(r"[^A-Z0-9._-]+")


def slug(value: str) -> str:
    """A code-safe form of an HR id or job code (upper case, ASCII, '-' for the rest)."""
    text = unicodedata.normalize("NFC", value).strip().upper().translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_CODE.sub("-", text).strip("-._")


class _CodeOverrides(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    units: dict[str, Code] = {}
    job_codes: dict[str, Code] = {}
    positions: dict[str, Code] = {}


@dataclass(frozen=True)
class CodeMapping:
    """HR unit ids, position ids and job codes → the library's unit and position codes."""

    units: Mapping[str, str] = field(default_factory=dict)  # unit id → unit code
    job_codes: Mapping[str, str] = field(default_factory=dict)  # job code → position code
    positions: Mapping[str, str] = field(default_factory=dict)  # position id → code
    unit_prefix: str = "ORG-"
    job_code_prefix: str = "STK-"
    position_prefix: str = "POS-"

    def unit_code(self, unit_id: str) -> str:
        return self.units.get(unit_id) or (self.unit_prefix + slug(unit_id))[:64]

    def position_code(self, position: HrPosition) -> str:
        if position.position_id in self.positions:
            return self.positions[position.position_id]
        if position.job_code:
            return (
                self.job_codes.get(position.job_code)
                or (self.job_code_prefix + slug(position.job_code))[:64]
            )
        return (self.position_prefix + slug(position.position_id))[:64]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CodeMapping:
        """``{"units": {...}, "job_codes": {...}, "positions": {...}}``; codes are validated."""
        overrides = _CodeOverrides.model_validate(data)
        return cls(
            units=overrides.units, job_codes=overrides.job_codes, positions=overrides.positions
        )

    @classmethod
    def from_file(cls, path: Path) -> CodeMapping:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


class Directory(Protocol):
    """Looks up the units and positions an employee record refers to, as of one day."""

    def unit(self, unit_id: str) -> HrOrgUnit | None: ...

    def position(self, position_id: str) -> HrPosition | None: ...

    def head_of(self, unit_id: str) -> str | None: ...


class ManagerRule(Protocol):
    def manager_of(self, employee: HrEmployee, unit_id: str, directory: Directory) -> str | None:
        """The employee number of the line manager, or None (the top of the organisation)."""
        ...


class UnitHeadRule:
    """The head of the employee's unit; for a unit head, the head of the nearest unit above."""

    def manager_of(self, employee: HrEmployee, unit_id: str, directory: Directory) -> str | None:
        current: str | None = unit_id
        seen: set[str] = set()
        while current is not None and current not in seen:
            seen.add(current)
            head = directory.head_of(current)
            if head is not None and head != employee.employee_number:
                return head
            unit = directory.unit(current)
            current = unit.parent_id if unit is not None else None
        return None


class Target(BaseModel):
    """The assignment the HR system says an employee has, in the library's terms."""

    model_config = ConfigDict(frozen=True)

    unit: Code
    position: Code | None  # None: no real position in HR; keep the library's
    manager: EmployeeNumber | None


class Unresolvable(Exception):
    """An employee record refers to something that cannot be found or mapped."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def locate(employee: HrEmployee, directory: Directory) -> tuple[str, HrPosition | None]:
    """The HR unit id and the main position of an employee record."""
    position: HrPosition | None = None
    if employee.position_id is not None:
        position = directory.position(employee.position_id)
        if position is None:
            raise Unresolvable(
                "stillingId",
                f"position {employee.position_id} was not found in the HR system "
                "or could not be read",
            )
    unit_id = employee.unit_id or (position.unit_id if position else None)
    if unit_id is None:
        raise Unresolvable("organisasjonId", "no org unit on the employee or their position")
    if directory.unit(unit_id) is None:
        raise Unresolvable(
            "organisasjonId",
            f"org unit {unit_id} was not found in the HR system or could not be read",
        )
    return unit_id, position


def resolve(
    employee: HrEmployee, directory: Directory, mapping: CodeMapping, rule: ManagerRule
) -> Target:
    """Map one employee record to unit code, position code and manager."""
    unit_id, position = locate(employee, directory)
    return Target(
        unit=mapping.unit_code(unit_id),
        position=mapping.position_code(position) if position else None,
        manager=rule.manager_of(employee, unit_id, directory),
    )
