"""DFØ-SAP JSON → the HR port's records, surviving the API's known quirks.

Only the fields the library needs are read; everything else in an answer — the national
identity number (``fnr``), birth date, phone numbers, addresses, e-mail — is never touched,
so it cannot reach the store or a log line. Error messages name the object and the field
and say what was expected; they repeat a value only for ids and employment dates.

Quirks handled (see docs/integrations.md):

* a value that should be a list arrives as a single object, lists hold ``null``s, and a
  body wraps a single object in a one-element list (``as_list``, ``single``);
* the placeholder position ``99999999`` of former employees is no position;
* empty dates (``""``, ``null``, ``0000-00-00``) are no date, and an end date in the year
  9999 is open-ended; a date with a time part is read as its date;
* the same position held twice in different periods is kept as two periods;
* text is trimmed and NFC-normalised; numeric ids lose their leading zeros.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from pydantic import ValidationError

from nnd_competence.application.hr_source import (
    HrEmployee,
    HrHolder,
    HrOrgUnit,
    HrPosition,
    ObjectKind,
    Rejection,
)

PLACEHOLDER_POSITION = "99999999"
OPEN_ENDED_FROM = date(9999, 1, 1)
_EMPTY_DATES = {"", "0000-00-00", "00000000"}
_TRUE = {"true", "x", "j", "ja", "y", "yes", "1"}
_FALSE = {"false", "", "n", "nei", "no", "0"}

T = TypeVar("T")


class FieldError(ValueError):
    """One field of one object could not be read."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- shapes -----------------------------------------------------------------------------
def as_list(value: Any) -> list[Any]:
    """A list without ``null``s, whether DFØ sent a list, one object, or nothing."""
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        return [value]
    return [item for item in value if item is not None]


def body_value(body: Any, key: str) -> Any:
    """``body[key]``, also when the body is wrapped in a one-element list."""
    if isinstance(body, list):
        items = [item for item in body if item is not None]
        if len(items) != 1:
            raise FieldError(key, f"expected one answer object, got a list of {len(items)}")
        body = items[0]
    if not isinstance(body, dict) or key not in body:
        raise FieldError(key, f"the answer has no {key!r}")
    return body[key]


def single(body: Any, key: str) -> Any:
    """The one object under ``key`` (None if there is none), unwrapping one-element lists."""
    items = as_list(body_value(body, key))
    if len(items) > 1:
        raise FieldError(key, f"expected one object, got {len(items)}")
    return items[0] if items else None


# --- values -----------------------------------------------------------------------------
def text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(field, "expected text")
    result = unicodedata.normalize("NFC", str(value)).strip()
    return " ".join(result.split()) or None


def ident(value: Any, field: str, *, required: bool = True) -> str | None:
    """A numeric id as text without leading zeros (``00012345`` → ``12345``)."""
    if isinstance(value, bool):
        raise FieldError(field, f"expected a number, got {_shown(value)}")
    if isinstance(value, int):
        found: str | None = str(value)
    elif isinstance(value, str):
        found = unicodedata.normalize("NFC", value).strip() or None
    elif value is None:
        found = None
    else:
        raise FieldError(field, f"expected a number, got {_shown(value)}")
    if found is None:
        if required:
            raise FieldError(field, "missing")
        return None
    if not found.isascii() or not found.isdigit():
        raise FieldError(field, f"expected a number, got {_shown(value)}")
    return str(int(found))


def day(value: Any, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(field, f"expected a date YYYY-MM-DD, got {_shown(value)}")
    found = value.strip()
    if found in _EMPTY_DATES:
        return None
    try:
        return date.fromisoformat(found[:10])
    except ValueError:
        raise FieldError(field, f"{_shown(found)} is not a date (YYYY-MM-DD)") from None


def end_day(value: Any, field: str) -> date | None:
    """An end date; empty or in the year 9999 means open-ended (None)."""
    found = day(value, field)
    return None if found is None or found >= OPEN_ENDED_FROM else found


def flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str | int) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    raise FieldError(field, f"expected true or false, got {_shown(value)}")


def _first(raw: dict[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        if raw.get(name) not in (None, ""):
            return raw[name]
    return None


def _object(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FieldError(what, "expected an object")
    return raw


def _model(build: Callable[[], T], field: str) -> T:
    try:
        return build()
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        reason = str(detail.get("msg", "invalid")).removeprefix("Value error, ")
        raise FieldError(field, reason) from None


# --- objects ----------------------------------------------------------------------------
def employee(raw: Any) -> HrEmployee:
    """An ``ansatt`` object; secondary positions (``tilleggsstilling``) are not used."""
    data = _object(raw, "ansatt")
    number = ident(data.get("id"), "id")
    assert number is not None
    position_id = ident(data.get("stillingId"), "stillingId", required=False)
    if position_id == PLACEHOLDER_POSITION:
        position_id = None
    first = text(data.get("fornavn"), "fornavn")
    last = text(data.get("etternavn"), "etternavn")
    start = day(data.get("startdato"), "startdato")
    end = end_day(data.get("sluttdato"), "sluttdato")
    if start is not None and end is not None and end < start:
        raise FieldError("sluttdato", f"{end} is before startdato {start}")
    return _model(
        lambda: HrEmployee(
            employee_number=number,
            name=" ".join(part for part in (first, last) if part) or None,
            unit_id=ident(data.get("organisasjonId"), "organisasjonId", required=False),
            position_id=position_id,
            is_unit_head=flag(data.get("lederflagg"), "lederflagg"),
            start_date=start,
            end_date=end,
        ),
        "id",
    )


def position(raw: Any) -> HrPosition:
    data = _object(raw, "stilling")
    position_id = ident(data.get("id"), "id")
    assert position_id is not None
    job_code = text(data.get("stillingskode"), "stillingskode")
    if job_code is not None and job_code.isascii() and job_code.isdigit():
        job_code = str(int(job_code))
    holders: list[HrHolder] = []
    for index, item in enumerate(as_list(data.get("innehaver"))):
        where = f"innehaver[{index}]"
        entry = _object(item, where)
        number = ident(entry.get("innehaverAnsattnr"), f"{where}.innehaverAnsattnr")
        holder = _model(
            partial(
                HrHolder,
                employee_number=number,
                start_date=day(entry.get("innehaverStartdato"), f"{where}.innehaverStartdato"),
                end_date=end_day(entry.get("innehaverSluttdato"), f"{where}.innehaverSluttdato"),
            ),
            f"{where}.innehaverAnsattnr",
        )
        if holder not in holders:  # the same period listed twice; two periods stay two
            holders.append(holder)
    return HrPosition(
        position_id=position_id,
        job_code=job_code,
        title=text(_first(data, ("stillingstittel", "stillingsnavn")), "stillingstittel"),
        unit_id=ident(
            _first(data, ("organisasjonId", "organisasjon_id")), "organisasjonId", required=False
        ),
        holders=tuple(holders),
    )


@dataclass(frozen=True)
class OrgUnitFields:
    """Field names of an ``organisasjon`` object: not published, so assumed and replaceable.

    Each entry lists the names tried, first found wins. ``head`` may hold an employee
    number or an object with one under ``ansattnr``.
    """

    id: tuple[str, ...] = ("organisasjonId", "id")
    name: tuple[str, ...] = ("navn", "organisasjonsnavn", "kortnavn")
    parent: tuple[str, ...] = ("overordnetOrganisasjonId", "overordnetId")
    head: tuple[str, ...] = ("lederAnsattnr", "leder")


def org_unit(raw: Any, fields: OrgUnitFields = OrgUnitFields()) -> HrOrgUnit:
    data = _object(raw, "organisasjon")
    unit_id = ident(_first(data, fields.id), fields.id[0])
    assert unit_id is not None
    parent = ident(_first(data, fields.parent), fields.parent[0], required=False)
    head_value = _first(data, fields.head)
    if isinstance(head_value, dict):
        head_value = head_value.get("ansattnr")
    head = ident(head_value, fields.head[0], required=False)
    return _model(
        lambda: HrOrgUnit(
            unit_id=unit_id,
            name=text(_first(data, fields.name), fields.name[0]),
            parent_id=None if parent == unit_id else parent,  # the top unit points at itself
            head=head,
        ),
        fields.head[0],
    )


def object_id_of(raw: Any, id_fields: Sequence[str], fallback: str) -> str:
    """The id of an unreadable object, for its rejection message, as far as it can be told."""
    if isinstance(raw, dict):
        value = _first(raw, id_fields)
        if isinstance(value, str | int) and not isinstance(value, bool):
            shown = " ".join(str(value).split())
            if shown:
                try:
                    return ident(shown, "id") or shown
                except FieldError:
                    return shown if len(shown) <= 24 else shown[:21] + "..."
    return fallback


def rejection(kind: ObjectKind, object_id: str, error: FieldError) -> Rejection:
    return Rejection(kind=kind.value, object_id=object_id, field=error.field, reason=error.reason)
