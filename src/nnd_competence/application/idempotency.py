"""Idempotent commands: a command id is remembered, in the event log, with its outcome.

The record is an aggregate whose id is derived from the command id and which is saved in
the same transaction as the command's events, so either both are stored or neither is.
A retry of the same command (after a timeout, say) finds the record and returns the first
outcome without writing anything; two concurrent submissions collide on the record's id
and the loser, retried, finds the winner's record.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar
from uuid import UUID, uuid5

from pydantic import BaseModel

from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.values import Context

_NAMESPACE = UUID("0b8f6f7e-3c1e-5d6a-8d0f-2a1c9e7b4d21")


def command_record_id(command_id: str) -> UUID:
    return uuid5(_NAMESPACE, command_id)


class CommandHandled(DomainEvent):
    """v2 adds ``digest``: what the command said, so that the same id sent with other
    content is refused instead of answered with the first outcome (a client reusing an
    id by mistake would otherwise be told that a change it never made was made)."""

    class_version: ClassVar[int] = 2

    command_id: str
    command_type: str
    outcome: str
    digest: str | None = None  # None: recorded before v2, content not known

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> dict[str, Any]:
        return {**state, "digest": None}


def command_digest(command: BaseModel) -> str:
    """A digest of the command's content, its id left out."""
    text = command.model_dump_json(exclude={"command_id"})
    return hashlib.sha256(text.encode()).hexdigest()


class CommandRecord(Aggregate):
    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.command_id = ""
        self.command_type = ""
        self.outcome = ""

    @classmethod
    def create(
        cls,
        ctx: Context,
        command_id: str,
        command_type: str,
        outcome: str,
        digest: str | None = None,
    ) -> CommandRecord:
        record = cls(command_record_id(command_id))
        record.trigger(
            CommandHandled,
            ctx,
            command_id=command_id,
            command_type=command_type,
            outcome=outcome,
            digest=digest,
        )
        return record

    def when_CommandHandled(self, e: CommandHandled) -> None:
        self.command_id, self.command_type, self.outcome = e.command_id, e.command_type, e.outcome


CommandHandled.aggregate_type = CommandRecord
