"""What every CLI command shares: the store location, who is acting, building commands.

Commands are validated (pydantic) before the store is opened, so bad input never touches
the store.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import typer
from rich.console import Console
from rich.markup import escape

from nnd_competence.api import CompetenceStore, open_store
from nnd_competence.application.commands import Command
from nnd_competence.domain.errors import InvalidValue
from nnd_competence.domain.values import Actor, Role

DEFAULT_STORE = "nnd-competence.sqlite"
STORE_ENV = "NND_COMPETENCE_STORE"
ACTOR_ENV = "NND_COMPETENCE_ACTOR"

# Piped output (to a file, a pager, CI logs) gets wide lines instead of wrapped cells.
console = Console(width=None if sys.stdout.isatty() else 200)
C = TypeVar("C", bound=Command)

_ROLE_ALIASES = {
    "manager": Role.LINE_MANAGER,
    "personalleder": Role.LINE_MANAGER,
    "officer": Role.COMPETENCE_OFFICER,
    "kompetanseansvarlig": Role.COMPETENCE_OFFICER,
    "medarbeider": Role.EMPLOYEE,
    "prosesseier": Role.PROCESS_OWNER,
}


def parse_actor(text: str, on_behalf_of: str | None = None) -> Actor:
    number, colon, role_text = text.partition(":")
    if not colon:
        raise InvalidValue(
            f"--actor {text!r}: write EMPLOYEE_NUMBER:ROLE, e.g. 10001:hr or 10001:line_manager"
        )
    role_text = role_text.strip().lower().replace("-", "_")
    try:
        role = _ROLE_ALIASES.get(role_text) or Role(role_text)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidValue(
            f"--actor {text!r}: role {role_text!r} is not known (use NUMBER:ROLE, "
            f"role one of {allowed})"
        ) from None
    return Actor(employee_number=number, role=role, on_behalf_of=on_behalf_of)


@dataclass
class CliState:
    store_path: str
    actor_text: str | None
    on_behalf_of: str | None
    command_id: str | None

    def actor(self) -> Actor:
        if not self.actor_text:
            raise InvalidValue(
                f"who is acting? give --actor NUMBER:ROLE (e.g. 10001:hr) or set {ACTOR_ENV}"
            )
        return parse_actor(self.actor_text, self.on_behalf_of)

    @contextmanager
    def open(self, *, bulk: bool = False) -> Iterator[CompetenceStore]:
        """``bulk`` skips SQLite's fsync per commit: for regenerable bulk loads only."""
        store = open_store(self.store_path, sqlite_synchronous="NORMAL" if bulk else None)
        try:
            yield store
        finally:
            store.close()

    def build(self, command_class: type[C], **fields: Any) -> C:
        """Validate a command from CLI values (strings are parsed by pydantic)."""
        if self.command_id is not None:
            fields["command_id"] = self.command_id
        return command_class.model_validate(fields)

    def execute(self, command: Command) -> UUID | int:
        actor = self.actor()
        with self.open() as store:
            return store.execute(command, actor)


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def default_store() -> str:
    return os.environ.get(STORE_ENV, DEFAULT_STORE)


def done(message: str) -> None:
    console.print(f"[green]✓[/green] {escape(message)}", highlight=False)
