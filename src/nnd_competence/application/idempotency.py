"""Idempotent commands: a command id is remembered, in the event log, with its outcome.

The record is an aggregate whose id is derived from the command id and which is saved in
the same transaction as the command's events, so either both are stored or neither is.
A retry of the same command (after a timeout, say) finds the record and returns the first
outcome without writing anything; two concurrent submissions collide on the record's id
and the loser, retried, finds the winner's record.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from nnd_competence.domain.aggregate import Aggregate, DomainEvent
from nnd_competence.domain.values import Context

_NAMESPACE = UUID("0b8f6f7e-3c1e-5d6a-8d0f-2a1c9e7b4d21")


def command_record_id(command_id: str) -> UUID:
    return uuid5(_NAMESPACE, command_id)


class CommandHandled(DomainEvent):
    command_id: str
    command_type: str
    outcome: str


class CommandRecord(Aggregate):
    def __init__(self, aggregate_id: UUID) -> None:
        super().__init__(aggregate_id)
        self.command_id = ""
        self.command_type = ""
        self.outcome = ""

    @classmethod
    def create(
        cls, ctx: Context, command_id: str, command_type: str, outcome: str
    ) -> CommandRecord:
        record = cls(command_record_id(command_id))
        record.trigger(
            CommandHandled,
            ctx,
            command_id=command_id,
            command_type=command_type,
            outcome=outcome,
        )
        return record

    def when_CommandHandled(self, e: CommandHandled) -> None:
        self.command_id, self.command_type, self.outcome = e.command_id, e.command_type, e.outcome


CommandHandled.aggregate_type = CommandRecord
