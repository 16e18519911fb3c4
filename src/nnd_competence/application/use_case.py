"""The wrapper every use case runs in: context, retries, idempotency, one atomic save.

A use-case body loads aggregates, calls domain methods and returns its result together
with the aggregates it changed. The wrapper saves them all in one transaction, so a
policy's consequences (the competence recorded when training completes, the onboarding
requests of a hire) are stored together with their cause or not at all. A conflicting
concurrent write makes the store refuse the save; the whole body is then run again on
fresh state, a bounded number of times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from nnd_competence.application.commands import Command
from nnd_competence.application.idempotency import (
    CommandHandled,
    CommandRecord,
    command_digest,
    command_record_id,
)
from nnd_competence.domain.aggregate import Aggregate
from nnd_competence.domain.errors import ConcurrencyConflict, InvalidValue
from nnd_competence.domain.values import Actor, Context

if TYPE_CHECKING:
    from nnd_competence.application.service import CompetenceApplication


C = TypeVar("C", bound=Command)
R = TypeVar("R", UUID, int)
Outcome = tuple[R, Sequence[Aggregate]]
Body = Callable[["CompetenceApplication", C, Context], "Outcome[R]"]
UseCase = Callable[["CompetenceApplication", C, Actor], R]

MAX_ATTEMPTS = 5


def _encode(result: UUID | int) -> str:
    return f"uuid:{result}" if isinstance(result, UUID) else f"int:{result}"


def _decode(outcome: str) -> Any:
    kind, _, value = outcome.partition(":")
    return UUID(value) if kind == "uuid" else int(value)


def use_case(body: Body[C, R]) -> UseCase[C, R]:
    @wraps(body)
    def run(app: CompetenceApplication, command: C, actor: Actor) -> R:
        for _attempt in range(MAX_ATTEMPTS):
            ctx = app.context(actor)
            if command.command_id is not None:
                earlier = _earlier_outcome(app, command)
                if earlier is not None:
                    return earlier  # type: ignore[no-any-return]
            result, changed = body(app, command, ctx)
            to_save: list[Aggregate] = list(changed)
            if command.command_id is not None:
                to_save.append(
                    CommandRecord.create(
                        ctx,
                        command.command_id,
                        type(command).__name__,
                        _encode(result),
                        command_digest(command),
                    )
                )
            try:
                app.save(*to_save)
            except IntegrityError:
                continue
            _remember(app, changed)
            return result
        raise ConcurrencyConflict(
            f"{type(command).__name__} kept conflicting with concurrent changes "
            f"after {MAX_ATTEMPTS} attempts; nothing was recorded, try again"
        )

    return run


def _remember(app: CompetenceApplication, saved: Sequence[Aggregate]) -> None:
    """Put the aggregates just saved in the repository's cache.

    ``eventsourcing`` leaves the cache alone on save when it fast-forwards cached
    aggregates, so the next command on an aggregate created by the last one (the steps of
    a training request) read all its events back, and one on an aggregate it changed
    replayed those changes again. The saved aggregate is exactly what was stored, and the
    cache still fast-forwards whatever it holds from the store on every load, so a newer
    version saved meanwhile by another thread or process is never missed.
    """
    cache = app.repository.cache
    if cache is not None:
        for aggregate in saved:
            cache.put(aggregate.id, aggregate)


def _earlier_outcome(app: CompetenceApplication, command: Command) -> Any:
    """The outcome recorded for this command id, or None if it was never handled.

    A command record is one ``CommandHandled`` event, so that event is read directly:
    loading it as an aggregate cost a snapshot lookup and a second query, on every
    command that carries an id and almost always to find nothing."""
    assert command.command_id is not None
    found = list(app.events.get(command_record_id(command.command_id), limit=1))
    if not found:
        return None
    record = found[0]
    assert isinstance(record, CommandHandled)
    if record.command_type != type(command).__name__:
        raise InvalidValue(
            f"command id {command.command_id!r} was already used for a "
            f"{record.command_type}, not a {type(command).__name__}"
        )
    if record.digest is not None and record.digest != command_digest(command):
        raise InvalidValue(
            f"command id {command.command_id!r} was already used for a "
            f"{record.command_type} with other content; nothing was recorded "
            "(a retry must send the same command, a new change needs a new id)"
        )
    return _decode(record.outcome)
