"""Base classes for events and aggregates.

Events are frozen pydantic models, so the stored JSON is validated when it is read back,
and every event carries the same audit envelope: who did it (``actor``), when it was
recorded (``timestamp``, UTC), when it takes effect (``effective_on``, where that differs)
and, for events a policy emitted, which policy (``via``).

``class_version`` and ``upcast_vN_vN+1`` static methods let a later schema change read old
events: the mapper in the application layer applies the chain before validation.

Aggregates are plain Python objects that apply their own events; they satisfy the small
protocol ``eventsourcing``'s ``Application.save()`` and ``Repository`` need (``id``,
``version``, ``collect_events()`` and events with ``mutate()``), with no persistence calls.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from nnd_competence.domain.values import Actor, Context


class DomainEvent(BaseModel):
    """Base of every stored event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    class_version: ClassVar[int] = 1
    aggregate_type: ClassVar[type[Aggregate]]

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    actor: Actor
    effective_on: date | None = None
    via: str | None = None

    def mutate(self, aggregate: Aggregate | None) -> Aggregate | None:
        """Called by the eventsourcing Repository when replaying events."""
        if aggregate is None:
            aggregate = self.aggregate_type.blank(self.originator_id)
        aggregate.apply(self)
        return aggregate

    @classmethod
    def upcast(cls, state: dict[str, Any], stored_version: int) -> dict[str, Any]:
        """Bring a stored event's state up to the current ``class_version``."""
        for version in range(stored_version, cls.class_version):
            state = getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        return state


A = TypeVar("A", bound="Aggregate")
E = TypeVar("E", bound=DomainEvent)


class Aggregate:
    """Consistency boundary whose state is the fold of its events."""

    def __init__(self, aggregate_id: UUID) -> None:
        self.id = aggregate_id
        self.version = 0
        self.created_on: datetime | None = None
        self.modified_on: datetime | None = None
        self._pending: list[DomainEvent] = []

    @classmethod
    def blank(cls, aggregate_id: UUID) -> Self:
        """An empty aggregate that events are applied to on replay."""
        return cls(aggregate_id)

    def apply(self, event: DomainEvent) -> None:
        handler = getattr(self, "when_" + type(event).__name__, None)
        if handler is None:
            raise TypeError(f"{type(self).__name__} has no handler for {type(event).__name__}")
        handler(event)
        self.version = event.originator_version
        if self.created_on is None:
            self.created_on = event.timestamp
        self.modified_on = event.timestamp

    def trigger(self, event_class: type[E], ctx: Context, **fields: Any) -> E:
        """Create the next event from the command's context, apply it and keep it pending."""
        event = event_class(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=ctx.recorded_at,
            actor=ctx.actor,
            via=ctx.via,
            **fields,
        )
        self.apply(event)
        self._pending.append(event)
        return event

    def collect_events(self) -> list[DomainEvent]:
        events, self._pending = self._pending, []
        return events

    @property
    def has_pending_events(self) -> bool:
        return bool(self._pending)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine = {k: v for k, v in vars(self).items() if k != "_pending"}
        theirs = {k: v for k, v in vars(other).items() if k != "_pending"}
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]
