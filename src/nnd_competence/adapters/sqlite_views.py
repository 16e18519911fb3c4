"""The views in SQLite: the same database file as the event store, its own connection.

The event store runs the file in WAL mode, so report readers never block writers.
``BEGIN IMMEDIATE`` takes the write lock when a page starts, which serialises catch-up
loops of several processes on the same file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from nnd_competence.application.ports import Row

#: Page cache of the views' connection, in KiB.
VIEW_CACHE_KIB = 65536
#: WAL pages after which the views' connection checkpoints (SQLite's default is 1000).
VIEW_CHECKPOINT_PAGES = 16384


class _Cursor:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._connection.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)


class SQLiteViewDatabase:
    dialect = "sqlite"

    def __init__(self, path: str, *, lock_timeout: float = 30.0) -> None:
        self.path = path
        self._connection = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=lock_timeout
        )
        # One connection serves every thread of the process; the lock keeps one thread's
        # BEGIN ... COMMIT from interleaving with another's statements.
        self._lock = threading.RLock()
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        # Catch-up reads and writes view rows all over tables that reach millions of rows
        # (the audit index has one per event); SQLite's default 2 MB page cache would make
        # most of those a trip to the OS. 64 MB bounds the memory a store process may use.
        self._connection.execute(f"PRAGMA cache_size=-{VIEW_CACHE_KIB}")
        # A page of a rebuild dirties tens of megabytes of view B-tree pages (their keys
        # are aggregate ids: random); with SQLite's default checkpoint every 4 MB of WAL,
        # each commit was followed by a checkpoint copying all of it into the file.
        # Checkpointing every 64 MB copies a page rewritten by several commits once. The
        # event store's own connection keeps the default.
        self._connection.execute(f"PRAGMA wal_autocheckpoint={VIEW_CHECKPOINT_PAGES}")

    @contextmanager
    def transaction(self) -> Iterator[_Cursor]:
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield _Cursor(self._connection)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self._connection.execute(sql, tuple(params)).fetchall()

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        with self._lock:
            rows = self._connection.execute(sql, tuple(params)).fetchall()
        yield from rows

    def close(self) -> None:
        self._connection.close()
