"""Base classes for events and aggregates.

Events are frozen pydantic models, so the stored JSON is validated when it is read back,
and every event carries the same audit envelope: who did it (``actor``), when it was
recorded (``timestamp``, UTC), when it takes effect (``effective_on``, where that differs)
and, for events a policy emitted, which policy (``via``).

``class_version`` and ``upcast_vN_vN+1`` static methods let a later schema change read old
events: the mapper in the application layer applies the chain before validation.
Snapshots (``AggregateSnapshot``) are events too, so their state is versioned the same way.

Aggregates are plain Python objects that apply their own events; they satisfy the small
protocol ``eventsourcing``'s ``Application.save()`` and ``Repository`` need (``id``,
``version``, ``collect_events()`` and events with ``mutate()``), with no persistence calls.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from nnd_competence.domain.values import Actor, Context, Frozen, Role


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

    def __deepcopy__(self, memo: dict[int, object] | None = None) -> Self:
        return self  # frozen

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

#: Types whose values never change in place: exact types first (a set lookup), then the
#: bases of frozen values and enumerations.
_ATOMIC = frozenset({str, int, float, bool, type(None), date, datetime, UUID})
_IMMUTABLE = (Frozen, DomainEvent, Enum)


def _immutable(value: object) -> bool:
    return type(value) in _ATOMIC or isinstance(value, _IMMUTABLE)


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

    def __deepcopy__(self, memo: dict[int, object] | None = None) -> Self:
        """The copy the repository's cache hands out on every load.

        Aggregate state is immutable values (frozen models, enums, dates, text, numbers)
        held directly or in dicts, lists and sets one level deep, so copying those
        containers gives a copy no change to the original can reach, at a fraction of
        what ``copy.deepcopy`` walking every value cost per command. Anything else is
        deep-copied as before.
        """
        clone = object.__new__(type(self))
        state = clone.__dict__
        for name, value in vars(self).items():
            kind = type(value)
            if (
                kind is dict
                and all(map(_immutable, value))
                and all(map(_immutable, value.values()))
            ):
                value = dict(value)
            elif (kind is list or kind is set) and all(map(_immutable, value)):
                value = kind(value)
            elif not _immutable(value):
                value = copy.deepcopy(value, memo)
            state[name] = value
        return clone


#: Who "did" a snapshot: nobody; the envelope needs an actor, and snapshots never reach an
#: audit trail (they live in the snapshot store, not the event log).
SNAPSHOT_ACTOR = Actor(employee_number="SYS0", role=Role.SYSTEM)

_ENVELOPE_FIELDS = frozenset(DomainEvent.model_fields)
#: Attributes every aggregate has that a snapshot restores from its envelope.
_OWN_ATTRIBUTES = frozenset({"id", "version", "_pending"})


class AggregateSnapshot(DomainEvent):
    """An aggregate's state at one version, so that loading it need not replay every event.

    It is stored in the snapshot store, not the event log, so views and audit trails never
    see it; loading reads the latest snapshot, rebuilds the aggregate with
    ``mutate(None)`` and applies the events after it as usual. A snapshot can always be
    taken again from the events, so deleting snapshots is always safe.

    A subclass per aggregate type sets ``aggregate_type`` and declares ``state`` as a
    pydantic model whose fields are the aggregate's attribute names. The state is
    versioned like any event: when its shape changes, bump ``class_version`` and add
    ``upcast_vN_vN+1`` (the mapper applies the chain before validating). Attributes that
    must stay out of ``state`` (personal details, so a per-person cipher covers them as it
    covers the events' ``personal`` field) are declared as fields of the subclass itself.
    """

    state: BaseModel  # narrowed by each subclass to its aggregate's state model
    via: str | None = "snapshot"

    @classmethod
    def _state_type(cls) -> type[BaseModel]:
        annotation = cls.model_fields["state"].annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        return annotation

    @classmethod
    def _apart(cls) -> list[str]:
        """Aggregate attributes stored as fields beside ``state``."""
        return [name for name in cls.model_fields if name not in _ENVELOPE_FIELDS | {"state"}]

    @classmethod
    def take(cls, aggregate: Aggregate) -> Self:
        if type(aggregate) is not cls.aggregate_type:
            raise TypeError(f"{cls.__name__} cannot snapshot a {type(aggregate).__name__}")
        if aggregate.has_pending_events or aggregate.modified_on is None:
            raise ValueError("only a stored aggregate (no pending events) can be snapshotted")
        state_type = cls._state_type()
        missing = set(vars(aggregate)) - _OWN_ATTRIBUTES - set(state_type.model_fields)
        missing -= set(cls._apart())
        if missing:
            # A new attribute on the aggregate must be added to its snapshot (and the
            # snapshot's class_version bumped), or snapshots would silently drop it.
            raise TypeError(
                f"{cls.__name__} does not cover {type(aggregate).__name__}."
                f"{', '.join(sorted(missing))}"
            )
        state = state_type.model_validate(
            {n: getattr(aggregate, n) for n in state_type.model_fields}
        )
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=aggregate.modified_on,
            actor=SNAPSHOT_ACTOR,
            state=state,
            **{name: getattr(aggregate, name) for name in cls._apart()},
        )

    def mutate(self, aggregate: Aggregate | None) -> Aggregate:
        """Rebuild the aggregate; a snapshot is always the first thing replayed."""
        restored = self.aggregate_type.blank(self.originator_id)
        for name in type(self.state).model_fields:
            setattr(restored, name, _unshared(getattr(self.state, name)))
        for name in self._apart():
            setattr(restored, name, _unshared(getattr(self, name)))
        restored.version = self.originator_version
        return restored


def _unshared(value: Any) -> Any:
    """A fresh container, so mutating the aggregate never changes the snapshot."""
    if isinstance(value, dict | list | set):
        return value.copy()
    return value
