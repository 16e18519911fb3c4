"""The generated history before it is run: commands with the moment they are issued.

Every step carries who it concerns (so a leaver's story can be cut at the leaving date)
and, where it matters, the training request or goal it opens or closes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from nnd_competence.application.commands import Command
from nnd_competence.domain.values import Actor


@dataclass(frozen=True)
class Step:
    at: datetime
    seq: int
    command: Command
    actor: Actor
    employee: str | None = None
    requests: tuple[UUID, ...] = ()  # the training requests it creates or acts on
    goal: str | None = None
    closes: bool = False  # the last step of that request (or of that goal)

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.at, self.seq)


@dataclass
class Timeline:
    steps: list[Step] = field(default_factory=list)

    def add(
        self,
        at: datetime,
        command: Command,
        actor: Actor,
        *,
        employee: str | None = None,
        requests: tuple[UUID, ...] = (),
        goal: str | None = None,
        closes: bool = False,
    ) -> Step:
        if at.tzinfo is None:
            raise ValueError("sample steps need timezone-aware moments")
        step = Step(at, len(self.steps), command, actor, employee, requests, goal, closes)
        self.steps.append(step)
        return step

    def in_order(self) -> list[Step]:
        return sorted(self.steps, key=lambda s: s.sort_key)
