"""The views in PostgreSQL, beside the event store, in the same database and schema.

The event store is ``eventsourcing``'s PostgreSQL recorder (psycopg 3); this module adds

* ``PostgresStoreFactory``: that library's factory, plus ``application_name`` and a
  connect timeout on the pool's connections (so a store's sessions can be found in
  ``pg_stat_activity``, and an unreachable server fails fast);
* ``PostgresViewDatabase``: the ``ViewDatabase`` port on one psycopg connection of its
  own. It translates the ``?`` placeholders of the shared SQL to ``%s``, adapts values
  as the sqlite3 module does (``bool`` → int, ``date`` → ISO text, ``UUID`` → text), and
  translates psycopg's exceptions into ``eventsourcing.persistence``'s, which the CLI and
  the live runner already handle.

Serialising view writers: every ``transaction()`` starts with
``pg_advisory_xact_lock(key)``, the key derived from the schema name, and keeps it until
commit or rollback. Two catch-up loops (in any processes) therefore apply pages one after
the other, and the engine's compare-and-set on the tracking positions then makes the
second one see that the page is done. An advisory lock rather than ``SELECT ... FOR
UPDATE`` on the tracking rows because it also covers creating the tables, before those
rows exist.

A connection that died (server restart, ``pg_terminate_backend``) is replaced on the next
call; a read (``query``/``stream``) that failed because of that is retried once on the
new connection. A write transaction is never retried here: the caller (the catch-up loop)
decides, and the page it was applying is simply read again.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from eventsourcing import persistence as es
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg import sql

from nnd_competence.adapters.store_location import PostgresSettings, StoreUnavailable
from nnd_competence.application.ports import Row

T = TypeVar("T")

_ERRORS: tuple[tuple[type[psycopg.Error], type[es.PersistenceError]], ...] = (
    (psycopg.InterfaceError, es.InterfaceError),
    (psycopg.OperationalError, es.OperationalError),
    (psycopg.IntegrityError, es.IntegrityError),
    (psycopg.DataError, es.DataError),
    (psycopg.ProgrammingError, es.ProgrammingError),
    (psycopg.InternalError, es.InternalError),
    (psycopg.NotSupportedError, es.NotSupportedError),
    (psycopg.DatabaseError, es.DatabaseError),
)


def translate(error: psycopg.Error) -> es.PersistenceError:
    """The ``eventsourcing.persistence`` exception for a psycopg one (as its recorder does)."""
    message = " ".join(str(error).split())
    for psycopg_class, es_class in _ERRORS:
        if isinstance(error, psycopg_class):
            return es_class(message)
    return es.PersistenceError(message)


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        raise translate(error) from error


class PostgresStoreFactory(PostgresFactory):
    """``eventsourcing``'s PostgreSQL factory, naming and time-limiting its connections."""

    POSTGRES_APPLICATION_NAME = "POSTGRES_APPLICATION_NAME"

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        kwargs = self.datastore.pool.kwargs
        assert isinstance(kwargs, dict)  # the datastore always passes a dict
        kwargs["application_name"] = (
            self.env.get(self.POSTGRES_APPLICATION_NAME) or "nnd-competence"
        )
        kwargs["connect_timeout"] = int(self.env.get(self.POSTGRES_CONNECT_TIMEOUT) or "5")


@lru_cache(maxsize=512)
def to_pyformat(statement: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (a literal ``%`` doubled)."""
    return statement.replace("%", "%%").replace("?", "%s")


def _adapt(value: Any) -> Any:
    # As Python's sqlite3 stores them, so both stores hold the same text and numbers.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):  # one column of a batch write, sent as one array
        kinds = set(map(type, value)) - {type(None)}
        if len(kinds) <= 1 and kinds <= _PLAIN:  # the usual case, checked in C
            return value
        # Mixed types (a view that stores an int in one row and text in another, which
        # SQLite accepts): psycopg dumps one type per array, so send every value as
        # text and let the statement's cast to the column's array type convert them.
        return [None if v is None else str(_adapt(v)) for v in value]
    return value


#: Types psycopg stores as the sqlite3 module does, without adapting.
_PLAIN = frozenset({str, int, float})


def _params(params: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_adapt(v) for v in params)


def lock_key(schema: str, purpose: str) -> int:
    """A signed 64-bit advisory-lock key for one purpose in one schema."""
    digest = hashlib.sha256(f"nnd-competence:{purpose}:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class _Cursor:
    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(to_pyformat(statement), _params(params))
        return list(self._cursor.fetchall()) if self._cursor.description else []

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(to_pyformat(statement), [_params(r) for r in rows])


class PostgresViewDatabase:
    """The ``ViewDatabase`` port on PostgreSQL (see the module docstring)."""

    dialect = "postgres"

    def __init__(self, settings: PostgresSettings) -> None:
        self.settings = settings
        self.schema = settings.schema
        self.writer_lock_key = lock_key(settings.schema, "views")
        self.setup_lock_key = lock_key(settings.schema, "setup")
        self._lock = threading.RLock()
        self._connection: psycopg.Connection[Any] | None = None
        self._closed = False
        try:
            self._connect()
        except psycopg.Error as error:
            raise StoreUnavailable(
                f"cannot open the store {settings.display()}: {' '.join(str(error).split())}"
            ) from None

    # --- connection -----------------------------------------------------------------
    def _connect(self) -> psycopg.Connection[Any]:
        connection = psycopg.connect(**self.settings.connect_kwargs(), autocommit=True)
        try:
            # Unqualified names in the views' SQL are the schema's tables; "public" stays
            # on the path only for functions, never for the views' tables.
            connection.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            # The views' queries are small; with statistics that overestimate them (a table
            # just refilled) PostgreSQL compiled them with JIT first, 600 ms of a 1 ms
            # audit-trail query. Nothing here gains from JIT.
            connection.execute("SET jit = off")
        except BaseException:
            connection.close()
            raise
        self._connection = connection
        return connection

    def _live_connection(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise es.InterfaceError("the view database is closed")
        connection = self._connection
        if connection is None or connection.closed or connection.broken:
            if connection is not None:
                with suppress(Exception):
                    connection.close()
            self._connection = None
            connection = self._connect()
        return connection

    def reconnect(self) -> None:
        """Drop the current connection and open a new one (after it was killed, say)."""
        with self._lock:
            if self._connection is not None:
                with suppress(Exception):
                    self._connection.close()
                self._connection = None
            with _translated():
                self._live_connection()

    @property
    def backend_pid(self) -> int | None:
        """The server process of the current connection (for tests and diagnostics)."""
        connection = self._connection
        return None if connection is None or connection.closed else connection.info.backend_pid

    # --- setup ----------------------------------------------------------------------
    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """A session-level advisory lock: one process at a time creates the tables."""
        with self._lock, _translated():
            connection = self._live_connection()
            connection.execute("SELECT pg_advisory_lock(%s)", (self.setup_lock_key,))
            try:
                yield
            finally:
                with suppress(psycopg.Error):
                    connection.execute("SELECT pg_advisory_unlock(%s)", (self.setup_lock_key,))

    def create_schema(self) -> None:
        with self._lock, _translated():
            self._live_connection().execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
            )

    # --- the port -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[_Cursor]:
        with self._lock, _translated(), ExitStack() as stack:
            yield _Cursor(self._begin(stack))

    def _begin(self, stack: ExitStack) -> psycopg.Cursor[Any]:
        """BEGIN and take the writer lock; a connection found dead (killed while idle) is
        replaced and the BEGIN tried once more, since nothing has been done yet."""
        for attempt in (1, 2):
            connection = self._live_connection()
            begun = ExitStack()
            try:
                begun.enter_context(connection.transaction())
                cursor = begun.enter_context(connection.cursor())
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", (self.writer_lock_key,))
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                with suppress(psycopg.Error):
                    begun.__exit__(type(error), error, error.__traceback__)
                if attempt == 2 or not (connection.closed or connection.broken):
                    raise
                continue
            stack.enter_context(begun)
            return cursor
        raise AssertionError("unreachable")

    def _read(self, run: Callable[[psycopg.Connection[Any]], T]) -> T:
        with self._lock:
            for attempt in (1, 2):
                connection = self._live_connection() if attempt == 1 else self._reconnected()
                try:
                    return run(connection)
                except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                    if attempt == 2 or not (connection.closed or connection.broken):
                        raise translate(error) from error
                except psycopg.Error as error:
                    raise translate(error) from error
        raise AssertionError("unreachable")

    def _reconnected(self) -> psycopg.Connection[Any]:
        try:
            return self._live_connection()
        except psycopg.Error as error:
            raise translate(error) from error

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        def run(connection: psycopg.Connection[Any]) -> list[Row]:
            with connection.cursor() as cursor:
                cursor.execute(to_pyformat(statement), _params(params))
                return list(cursor.fetchall()) if cursor.description else []

        return self._read(run)

    def stream(self, statement: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        # The result is received whole (by libpq, compactly) while the lock is held; the
        # rows are turned into Python tuples only as the caller iterates.
        def run(connection: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
            cursor = connection.cursor()
            cursor.execute(to_pyformat(statement), _params(params))
            return cursor

        cursor = self._read(run)
        try:
            with _translated():
                while batch := cursor.fetchmany(2000):
                    yield from batch
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._connection is not None:
                with suppress(Exception):
                    self._connection.close()
                self._connection = None
