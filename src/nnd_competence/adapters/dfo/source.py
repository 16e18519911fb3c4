"""``HrSource`` over the DFØ-SAP REST API.

Endpoints, relative to the base URL (paths configurable in ``DfoSettings``):

| call | answer | status |
|---|---|---|
| ``GET ansatte/{id}`` | ``{"ansatt": {...}}`` | published |
| ``GET stillinger/{id}`` | ``{"stilling": {...}}`` | published |
| ``GET orgenhet/{id}`` | ``{"organisasjon": {...}}`` | published |
| ``GET ansatte`` | ``{"ansatt": [...]}`` | assumed (list of everyone valid on the day) |
| ``GET stillinger`` | ``{"stilling": [...]}`` | assumed |
| ``GET orgenhet`` | ``{"organisasjon": [...]}`` | assumed |

A list answer that cannot be read at all stops the run; an item in it that cannot be read
is rejected (named by id and field) while the others are used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from nnd_competence.adapters.dfo import parse
from nnd_competence.adapters.dfo.client import DfoClient, DfoRequestRefused, DfoSettings
from nnd_competence.application.hr_source import (
    HrEmployee,
    HrOrgUnit,
    HrPosition,
    HrRecordRejected,
    HrSourceError,
    Listing,
    ObjectKind,
    Rejection,
)

log = logging.getLogger("nnd_competence.adapters.dfo")

T = TypeVar("T")


class DfoHrSource:
    """Reads employees, positions and org units from DFØ-SAP; see the module docstring."""

    def __init__(
        self,
        settings: DfoSettings,
        *,
        org_unit_fields: parse.OrgUnitFields | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.client = DfoClient(settings, transport=transport)
        self.org_unit_fields = org_unit_fields or parse.OrgUnitFields()

    # --- HrSource -------------------------------------------------------------------
    def list_employees(self, as_of: date) -> Listing[HrEmployee]:
        return self._list(
            self.settings.employees_path, "ansatt", ObjectKind.EMPLOYEE, parse.employee, as_of
        )

    def get_employee(self, employee_number: str, as_of: date) -> HrEmployee | None:
        found = self._get(
            self.settings.employees_path,
            "ansatt",
            ObjectKind.EMPLOYEE,
            employee_number,
            parse.employee,
            as_of,
        )
        if found is not None and found.employee_number != employee_number:
            raise HrRecordRejected(
                Rejection(
                    kind=ObjectKind.EMPLOYEE.value,
                    object_id=employee_number,
                    field="id",
                    reason=f"the answer is about employee {found.employee_number}",
                )
            )
        return found

    def list_positions(self, as_of: date) -> Listing[HrPosition]:
        return self._list(
            self.settings.positions_path, "stilling", ObjectKind.POSITION, parse.position, as_of
        )

    def get_position(self, position_id: str, as_of: date) -> HrPosition | None:
        return self._get(
            self.settings.positions_path,
            "stilling",
            ObjectKind.POSITION,
            position_id,
            parse.position,
            as_of,
        )

    def list_org_units(self, as_of: date) -> Listing[HrOrgUnit]:
        return self._list(
            self.settings.org_units_path, "organisasjon", ObjectKind.ORG_UNIT, self._org_unit, as_of
        )

    def get_org_unit(self, unit_id: str, as_of: date) -> HrOrgUnit | None:
        return self._get(
            self.settings.org_units_path,
            "organisasjon",
            ObjectKind.ORG_UNIT,
            unit_id,
            self._org_unit,
            as_of,
        )

    # --- plumbing -------------------------------------------------------------------
    def _org_unit(self, raw: Any) -> HrOrgUnit:
        return parse.org_unit(raw, self.org_unit_fields)

    def _list(
        self,
        collection: str,
        key: str,
        kind: ObjectKind,
        read: Callable[[Any], T],
        as_of: date,
    ) -> Listing[T]:
        path = self.client.path(collection)
        body = self.client.get(path, as_of)
        if body is None:
            raise HrSourceError(
                f"DFØ has no list at {path} (HTTP 404): check the base URL and the paths"
            )
        try:
            raw_items = parse.as_list(parse.body_value(body, key))
        except parse.FieldError as error:
            raise HrSourceError(f"the answer of GET {path} cannot be read: {error}") from None
        listing: Listing[T] = Listing()
        for index, raw in enumerate(raw_items):
            try:
                listing.items.append(read(raw))
            except parse.FieldError as error:
                id_fields = self.org_unit_fields.id if kind is ObjectKind.ORG_UNIT else ("id",)
                object_id = parse.object_id_of(raw, id_fields, f"(item {index + 1} of {path})")
                listing.rejected.append(parse.rejection(kind, object_id, error))
        log.info("GET %s: %d read, %d rejected", path, len(listing.items), len(listing.rejected))
        return listing

    def _get(
        self,
        collection: str,
        key: str,
        kind: ObjectKind,
        object_id: str,
        read: Callable[[Any], T],
        as_of: date,
    ) -> T | None:
        path = self.client.path(collection, object_id)
        try:
            body = self.client.get(path, as_of)
        except DfoRequestRefused as error:
            raise HrRecordRejected(
                Rejection(
                    kind=kind.value,
                    object_id=object_id,
                    field="(request)",
                    reason=f"DFØ answered HTTP {error.status}",
                )
            ) from None
        if body is None:
            log.info("GET %s: not found (404)", path)
            return None
        try:
            raw = parse.single(body, key)
            return None if raw is None else read(raw)
        except parse.FieldError as error:
            raise HrRecordRejected(parse.rejection(kind, object_id, error)) from None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
