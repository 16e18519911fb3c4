"""Replaying stored events onto an aggregate, for the repository.

``eventsourcing``'s default projector, ``project_aggregate``, asserts for every event
that it satisfies a runtime-checkable protocol; that ``isinstance`` check walks the
protocol's attributes each time and was a sixth of a command's time. Every event read
back here is one of our ``DomainEvent`` classes (the mapper builds nothing else), so the
check says nothing the type of the event did not already.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
