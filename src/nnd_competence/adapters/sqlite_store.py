"""The SQLite event store, with a choice of durability.

``eventsourcing``'s SQLite recorder runs the file in WAL mode with SQLite's default
``synchronous=FULL``: every commit waits for the disk. That is the right default for
records that must be provable years later, and costs one fsync per command. For bulk
loads of data that can be regenerated (the sample organisation, benchmarks) the
environment key ``SQLITE_SYNCHRONOUS=NORMAL`` trades the durability of the last commits
on a power cut (never consistency: WAL stays intact) for several times the throughput.
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteConnection, SQLiteFactory
from eventsourcing.utils import Environment, EnvType

SYNCHRONOUS = "SQLITE_SYNCHRONOUS"
_ALLOWED = {"FULL", "NORMAL", "EXTRA"}


class SQLiteStoreFactory(SQLiteFactory):
    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        mode = (self.env.get(SYNCHRONOUS) or "FULL").strip().upper()
        if mode not in _ALLOWED:
            raise OSError(f"{SYNCHRONOUS} must be one of {sorted(_ALLOWED)}, not {mode!r}")
        pool = self.datastore.pool
        create = pool._create_connection

        def create_with_durability() -> SQLiteConnection:
            connection = create()
            connection._sqlite_conn.execute(f"PRAGMA synchronous={mode}")
            return connection

        pool._create_connection = create_with_durability  # type: ignore[method-assign]
