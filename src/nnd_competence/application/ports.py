"""Ports the application layer owns; adapters implement them.

The views are plain SQL tables. SQL is written once, with ``?`` placeholders and
``INSERT ... ON CONFLICT`` upserts, which both SQLite and PostgreSQL accept; an adapter
only has to translate placeholders and supply transactions.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = tuple[Any, ...]


class ViewCursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement; returns the rows it produced (empty for writes)."""
        ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


class ViewDatabase(Protocol):
    """Where the materialised views and their tracking positions live."""

    dialect: str  # "sqlite" or "postgres"

    def transaction(self) -> AbstractContextManager[ViewCursor]:
        """A write transaction, committed on normal exit and rolled back on an exception.

        It must be serialised against other writers of the views (SQLite: BEGIN
        IMMEDIATE; PostgreSQL: a row lock on the tracking rows), so two catch-up loops
        cannot both apply the same page.
        """
        ...

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """A read outside any write transaction."""
        ...

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]: ...

    def close(self) -> None: ...
