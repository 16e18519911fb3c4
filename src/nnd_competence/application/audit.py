"""The audit trail: who did what, when, on whose behalf, and when it took effect.

Read straight from the event log (the views only say which aggregates to read), so it
shows exactly what was stored. Personal details are masked unless asked for, because an
audit extract is often passed on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, TypeAdapter

from nnd_competence.application.clock import oslo_text
from nnd_competence.domain.aggregate import DomainEvent

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "actor", "effective_on", "via"}
_PERSONAL = {"personal"}


class AuditEntry(BaseModel):
    recorded_at: datetime
    recorded_at_oslo: str
    effective_on: date | None
    actor: str
    role: str
    on_behalf_of: str | None
    via: str | None
    aggregate: str
    aggregate_id: UUID
    version: int
    event: str
    details: dict[str, Any]

    def describe(self) -> str:
        parts = []
        for key, value in self.details.items():
            if value is None or value == [] or value == {}:
                continue
            parts.append(f"{key}={_flat(value)}")
        return ", ".join(parts)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_flat(v)}" for k, v in value.items() if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return str(value)


def _fields(event: DomainEvent, show_personal: bool) -> dict[str, Any]:
    details = event.model_dump(mode="json", exclude=_ENVELOPE)
    if not show_personal:
        for key in _PERSONAL & details.keys():
            if details[key] is not None:
                details[key] = "(personal details recorded, masked)"
    actor = event.actor
    return {
        "recorded_at": event.timestamp,
        "recorded_at_oslo": oslo_text(event.timestamp),
        "effective_on": event.effective_on,
        "actor": actor.employee_number,
        "role": actor.role.value,
        "on_behalf_of": actor.on_behalf_of,
        "via": event.via,
        "aggregate": event.aggregate_type.__name__,
        "aggregate_id": event.originator_id,
        "version": event.originator_version,
        "event": type(event).__name__,
        "details": details,
    }


#: A whole trail is validated in one call: ``model_construct`` per entry, which skips
#: validation, took longer than pydantic validating the list in its compiled core.
_ENTRIES = TypeAdapter(list[AuditEntry])


def entries(events: Iterator[Any] | list[Any], *, show_personal: bool = False) -> list[AuditEntry]:
    return _ENTRIES.validate_python(
        [_fields(e, show_personal) for e in events if isinstance(e, DomainEvent)]
    )
