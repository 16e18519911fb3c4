"""Catch-up of materialised views from the notification log, exactly once.

The SQLite recorder has no subscriptions, so the runner reads the notification log in
pages through the recorder (which works on PostgreSQL too). Each page is folded in memory
(last write per key wins), then written with ``executemany`` together with every view's
new tracking position in one transaction: a crash loses at most the uncommitted page,
which is read again on restart, and nothing is applied twice. The tracking update is a
compare-and-set on the position the page started from, so two runners racing on one
store cannot both apply a page.

Rebuild drops the views, marks them as rebuilding and catches up from zero; a rebuild
that was interrupted is resumed by the next catch-up or rebuild, which give the same
views as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from typing import Any, ClassVar

from eventsourcing.persistence import ApplicationRecorder, Mapper
from eventsourcing.utils import TopicError, resolve_topic

from nnd_competence.application.ports import ViewCursor, ViewDatabase
from nnd_competence.domain.aggregate import DomainEvent

TRACKING_TABLE = "nnd_view_tracking"
SCHEMA_TABLE = "nnd_view_schema"
_MISSING = object()
#: Bound parameters per ``IN (...)`` list when a page pre-loads its rows.
_PRELOAD_CHUNK = 500
#: Rows of ``lasting`` tables a runner remembers across pages, per table (bounded, so a
#: rebuild's memory does not grow with the log).
LASTING_ROWS = 50_000


Key = tuple[Any, ...]
RowDict = dict[str, Any]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, "TEXT" | "INTEGER")
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    #: The first key column holds the id of the aggregate whose events read and write the
    #: row: the name of that aggregate's class, or ``"*"`` for any. A page then loads the
    #: rows its events may read with one query per table (``Page.preload``). Only for
    #: tables handlers read (``get``): a table only written (``put``, ``update``) needs
    #: nothing loaded, as ``update`` of a row not yet read is written as an ``UPDATE``.
    by_aggregate: str | None = None
    #: A row never changes once written (it is a fact derived from one event), so the
    #: runner may remember it across pages.
    lasting: bool = False

    @property
    def keyed_by_rowid(self) -> bool:
        """SQLite makes a single INTEGER primary key the table's own row id."""
        return len(self.key) == 1 and dict(self.columns)[self.key[0]] == "INTEGER"

    @cached_property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def ddl(self, dialect: str = "sqlite") -> list[str]:
        cols = ", ".join(f"{n} {column_type(t, dialect)}" for n, t in self.columns)
        create = (
            f"CREATE TABLE IF NOT EXISTS {self.name} ({cols}, PRIMARY KEY ({', '.join(self.key)}))"
        )
        if dialect == "sqlite" and not self.keyed_by_rowid:
            # Rows stored in key order in one B-tree: a lookup or an upsert by key is one
            # descent, not one in the key's index and another in the table.
            create += " WITHOUT ROWID"
        statements = [create]
        for i, index in enumerate(self.indexes):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {self.name}_ix{i} ON {self.name} ({', '.join(index)})"
            )
        return statements

    @cached_property
    def row_values(self) -> Callable[[RowDict], tuple[Any, ...]]:
        """A row's values in column order (a C-level getter: flushing is per row)."""
        getter = itemgetter(*self.column_names)
        if len(self.column_names) == 1:
            return lambda row: (getter(row),)
        return getter

    @cached_property
    def row_key(self) -> Callable[[RowDict], Key]:
        getter = itemgetter(*self.key)
        if len(self.key) == 1:
            return lambda row: (getter(row),)
        return getter

    @cached_property
    def upsert_sql(self) -> str:
        names = self.column_names
        return (
            f"INSERT INTO {self.name} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) {self._on_conflict}"
        )

    @cached_property
    def _on_conflict(self) -> str:
        """An upsert's ending: a row whose key is stored already takes the new values."""
        updates = [n for n in self.column_names if n not in self.key]
        sql = f"ON CONFLICT ({', '.join(self.key)}) "
        if updates:
            return sql + "DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in updates)
        return sql + "DO NOTHING"

    @cached_property
    def upsert_columns_sql(self) -> str:
        """The upsert of many rows in one statement, each parameter one column's values as
        an array (PostgreSQL's ``unnest``): ``executemany`` runs the statement once per row
        on the server, which made a rebuild there several times slower than on SQLite."""
        arrays = ", ".join(f"?::{t.lower()}[]" for _, t in self.columns)
        return (
            f"INSERT INTO {self.name} ({', '.join(self.column_names)}) "
            f"SELECT * FROM unnest({arrays}) {self._on_conflict}"
        )

    def update_sql(self, columns: tuple[str, ...]) -> str:
        """Setting ``columns`` of one row: their new values, then the key, as parameters."""
        sets = ", ".join(f"{c} = ?" for c in columns)
        where = " AND ".join(f"{k} = ?" for k in self.key)
        return f"UPDATE {self.name} SET {sets} WHERE {where}"

    def update_columns_sql(self, columns: tuple[str, ...]) -> str:
        """Setting ``columns`` of many rows in one statement (PostgreSQL): parameters are
        arrays, the new values of ``columns`` and then the key columns, row by row."""
        types = dict(self.columns)
        names = (*columns, *self.key)
        arrays = ", ".join(f"?::{types[n].lower()}[]" for n in names)
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        where = " AND ".join(f"t.{k} = v.{k}" for k in self.key)
        return (
            f"UPDATE {self.name} AS t SET {sets} FROM unnest({arrays}) "
            f"AS v({', '.join(names)}) WHERE {where}"
        )

    @cached_property
    def select_sql(self) -> str:
        where = " AND ".join(f"{k} = ?" for k in self.key)
        return f"SELECT {', '.join(self.column_names)} FROM {self.name} WHERE {where}"

    @cached_property
    def delete_sql(self) -> str:
        where = " AND ".join(f"{k} = ?" for k in self.key)
        return f"DELETE FROM {self.name} WHERE {where}"


def column_type(declared: str, dialect: str) -> str:
    """A view column's SQL type: as declared on SQLite; on PostgreSQL, text compares
    byte-wise (``COLLATE "C"``, like SQLite, whatever the database's locale) so both stores
    order report rows the same."""
    if dialect == "postgres" and declared == "TEXT":
        return 'TEXT COLLATE "C"'
    return declared


class Page:
    """The pending changes of one page, on top of what is stored.

    Reads see the page's own writes first, so handlers can read-modify-write rows as if
    each event were applied alone. Rows read from the store are kept apart from rows
    written, so only what changed is written back.
    """

    def __init__(
        self,
        cursor: ViewCursor,
        tables: dict[str, Table],
        lasting: dict[str, dict[Key, RowDict | None]] | None = None,
        *,
        upsert_by_columns: bool = False,
    ) -> None:
        self._cursor = cursor
        self._tables = tables
        #: Write upserts as one statement of column arrays (PostgreSQL), not one per row.
        self._by_columns = upsert_by_columns
        self._dirty: dict[str, dict[Key, RowDict | None]] = {name: {} for name in tables}
        self._stored: dict[str, dict[Key, RowDict | None]] = {name: {} for name in tables}
        for name, spec in tables.items():
            if spec.lasting and lasting is not None:
                # Shared: what was read from the store stays true whatever this page does.
                self._stored[name] = lasting.setdefault(name, {})
        #: Per table, first-key values whose stored rows are all in ``_stored`` already.
        self._complete: dict[str, set[Any]] = {name: set() for name in tables}
        #: Per table, column changes to rows nobody has read yet: written as an ``UPDATE``
        #: at flush time, so changing one column of a stored row costs no query of its own.
        self._patches: dict[str, dict[Key, RowDict]] = {name: {} for name in tables}
        #: Position in the log of the event being applied (for views that index the log).
        self.notification_id = 0
        #: The id of the aggregate whose event is being applied, as text (what view rows
        #: hold): made once per event instead of once per handler that needs it.
        self.aggregate_id = ""

    def preload(self, aggregate_ids: Mapping[str, Collection[str]]) -> None:
        """Read, with one query per table and chunk, every stored row of the tables keyed
        by aggregate that belongs to these aggregates (ids per aggregate class name): a
        page's handlers then find what they read in memory instead of running a query per
        row."""
        for name, spec in self._tables.items():
            if spec.by_aggregate is None:
                continue
            stored = self._stored[name]
            if spec.by_aggregate == "*":
                ids = [i for kind in aggregate_ids.values() for i in kind if (i,) not in stored]
            else:
                ids = list(aggregate_ids.get(spec.by_aggregate, ()))
            if not ids:
                continue
            width = len(spec.key)
            for i in range(0, len(ids), _PRELOAD_CHUNK):
                chunk = ids[i : i + _PRELOAD_CHUNK]
                marks = ", ".join("?" for _ in chunk)
                rows = self._cursor.execute(
                    f"SELECT {', '.join(spec.column_names)} FROM {spec.name} "
                    f"WHERE {spec.key[0]} IN ({marks})",
                    chunk,
                )
                positions = [spec.column_names.index(k) for k in spec.key]
                for row in rows:
                    key = tuple(row[p] for p in positions) if width > 1 else (row[positions[0]],)
                    stored[key] = dict(zip(spec.column_names, row, strict=True))
            self._complete[name].update(ids)

    def remember(self, lasting: dict[str, dict[Key, RowDict | None]]) -> None:
        """After the page committed: keep the rows of lasting tables for the next page."""
        for name, spec in self._tables.items():
            if not spec.lasting:
                continue
            kept = lasting.setdefault(name, {})
            kept.update(self._dirty[name])
            if len(kept) > LASTING_ROWS:
                kept.clear()

    def get(self, table: str, *key: Any) -> RowDict | None:
        """The row as the page sees it. Shared, not copied: change rows with ``put`` or
        ``update`` only (a page handles every event of the log, so copies add up)."""
        row = self._dirty[table].get(key, _MISSING)
        if row is _MISSING:
            stored = self._stored[table]
            row = stored.get(key, _MISSING)
            if row is _MISSING:
                if key[0] in self._complete[table]:
                    row = None
                else:
                    spec = self._tables[table]
                    found = self._cursor.execute(spec.select_sql, key)
                    row = dict(zip(spec.column_names, found[0], strict=True)) if found else None
                stored[key] = row
            patches = self._patches[table]
            if patches and key in patches:
                changes = patches.pop(key)
                if row is not None:
                    row = self._dirty[table][key] = {**row, **changes}  # type: ignore[dict-item]
        return row  # type: ignore[return-value]

    def put(self, table: str, row: RowDict) -> None:
        """Write a whole row (every column; the dict is kept, not copied)."""
        spec = self._tables[table]
        if len(row) != len(spec.columns):
            row = {n: row.get(n) for n in spec.column_names}
        key = spec.row_key(row)
        self._dirty[table][key] = row
        patches = self._patches[table]
        if patches:
            patches.pop(key, None)

    def update(self, table: str, *key: Any, **changes: Any) -> None:
        """Change some columns of an existing row; silently ignores a missing row.

        A row the page has not seen is not read: the change is kept and written as an
        ``UPDATE`` (which, like this method, does nothing to a missing row) unless a later
        read or write of the row takes it in first."""
        if not changes:
            return
        row = self._dirty[table].get(key, _MISSING)
        if row is _MISSING:
            row = self._stored[table].get(key, _MISSING)
            if row is _MISSING:
                if key[0] in self._complete[table]:
                    return
                pending = self._patches[table].setdefault(key, {})
                pending.update(changes)
                return
        if row is not None:
            self._dirty[table][key] = {**row, **changes}  # type: ignore[dict-item]

    def delete(self, table: str, *key: Any) -> None:
        self._dirty[table][key] = None
        patches = self._patches[table]
        if patches:
            patches.pop(key, None)

    def flush(self) -> None:
        for name, rows in self._dirty.items():
            if not rows:
                continue
            spec = self._tables[name]
            values = spec.row_values
            upserts = [values(row) for row in rows.values() if row is not None]
            deletes = [key for key, row in rows.items() if row is None]
            if deletes:
                self._cursor.executemany(spec.delete_sql, deletes)
            if upserts and self._by_columns:
                arrays = [list(c) for c in zip(*upserts, strict=True)]
                self._cursor.execute(spec.upsert_columns_sql, arrays)
            elif upserts:
                self._cursor.executemany(spec.upsert_sql, upserts)
        for name, patches in self._patches.items():
            spec = self._tables[name]
            by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
            for key, changes in patches.items():
                columns = tuple(sorted(changes))
                by_columns.setdefault(columns, []).append((*(changes[c] for c in columns), *key))
            for columns, params in by_columns.items():
                if self._by_columns:
                    arrays = [list(c) for c in zip(*params, strict=True)]
                    self._cursor.execute(spec.update_columns_sql(columns), arrays)
                else:
                    self._cursor.executemany(spec.update_sql(columns), params)


Handler = Callable[[Any, Page], None]


class Projection:
    """A view: its tables and a handler per event class (``on_<EventClassName>``)."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    #: Tables earlier releases of this view kept; dropped when its schema changes.
    retired_tables: ClassVar[tuple[str, ...]] = ()

    def fingerprint(self) -> str:
        """What the view's stored shape is; a change means its tables must be rebuilt."""
        text = "\n".join(statement for t in self.tables for statement in t.ddl("sqlite"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def handle(self, event: DomainEvent, page: Page) -> None:
        for handler in self.handlers_for(type(event)):
            handler(event, page)

    def handlers_for(self, event_class: type) -> list[Handler]:
        """What applies an event of this class to the view (``on_<EventClassName>``);
        asked once per class, so the fold does no name lookups per event."""
        handler = getattr(self, "on_" + event_class.__name__, None)
        return [] if handler is None else [handler]


@dataclass
class CatchUpResult:
    notifications: int = 0
    pages: int = 0
    last_id: int = 0
    positions: dict[str, int] = field(default_factory=dict)


class ViewsBusy(Exception):
    """Another process moved the views on while this one was applying a page."""


Progress = Callable[[int, int], None]  # (position, max_notification_id)


class ProjectionRunner:
    def __init__(
        self,
        recorder: ApplicationRecorder,
        mapper: Mapper[Any],
        db: ViewDatabase,
        projections: Sequence[Projection],
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.db = db
        self.projections = list(projections)
        self.tables: dict[str, Table] = {}
        self._dispatch: dict[type, list[tuple[str, Handler]]] = {}
        self._lasting: dict[str, dict[Key, RowDict | None]] = {}
        #: Per stored topic: whether any view handles its events, and the aggregate class
        #: whose ids a page collects for ``Page.preload`` (None: no table needs them).
        self._topics: dict[str, tuple[bool, str | None]] = {}
        for projection in self.projections:
            for table in projection.tables:
                self.tables[table.name] = table
        self._create()

    def _create(self) -> None:
        dialect = self.db.dialect
        # Notification ids are 64-bit on PostgreSQL (bigserial); SQLite integers always are.
        position_type = "BIGINT" if dialect == "postgres" else "INTEGER"
        with self.db.transaction() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} "
                f"(view_name {column_type('TEXT', dialect)} PRIMARY KEY, "
                f"position {position_type} NOT NULL, rebuilding INTEGER NOT NULL)"
            )
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} "
                f"(view_name {column_type('TEXT', dialect)} PRIMARY KEY, "
                f"fingerprint {column_type('TEXT', dialect)} NOT NULL)"
            )
            stored: dict[str, str] = {
                str(n): str(f)
                for n, f in cur.execute(f"SELECT view_name, fingerprint FROM {SCHEMA_TABLE}")
            }
            applied: dict[str, int] = {
                str(n): int(p)
                for n, p in cur.execute(f"SELECT view_name, position FROM {TRACKING_TABLE}")
            }
            for projection in self.projections:
                fingerprint = projection.fingerprint()
                known = stored.get(projection.name)
                # A view whose tables changed shape since it was filled (or that was filled
                # before fingerprints were kept) starts again from an empty table.
                if known != fingerprint and (known is not None or applied.get(projection.name)):
                    for name in (*projection.retired_tables, *(t.name for t in projection.tables)):
                        cur.execute(f"DROP TABLE IF EXISTS {name}")
                    cur.execute(
                        f"UPDATE {TRACKING_TABLE} SET position = 0, rebuilding = 1 "
                        "WHERE view_name = ?",
                        (projection.name,),
                    )
                for table in projection.tables:
                    for statement in table.ddl(dialect):
                        cur.execute(statement)
                cur.execute(
                    f"INSERT INTO {TRACKING_TABLE} (view_name, position, rebuilding) "
                    "VALUES (?, 0, 0) ON CONFLICT (view_name) DO NOTHING",
                    (projection.name,),
                )
                if known != fingerprint:
                    cur.execute(
                        f"INSERT INTO {SCHEMA_TABLE} (view_name, fingerprint) VALUES (?, ?) "
                        "ON CONFLICT (view_name) DO UPDATE SET fingerprint = excluded.fingerprint",
                        (projection.name, fingerprint),
                    )

    # --- positions ------------------------------------------------------------------
    def positions(self) -> dict[str, int]:
        rows = self.db.query(f"SELECT view_name, position FROM {TRACKING_TABLE}")
        known = {name: int(pos) for name, pos in rows}
        return {p.name: known.get(p.name, 0) for p in self.projections}

    def is_rebuilding(self) -> bool:
        names = [p.name for p in self.projections]
        rows = self.db.query(f"SELECT view_name, rebuilding FROM {TRACKING_TABLE}")
        return any(flag for name, flag in rows if name in names)

    def lag(self) -> int:
        latest = self.recorder.max_notification_id() or 0
        return latest - min(self.positions().values(), default=0)

    # --- catching up ----------------------------------------------------------------
    def catch_up(
        self,
        page_size: int = 1000,
        *,
        max_pages: int | None = None,
        progress: Progress | None = None,
    ) -> CatchUpResult:
        """Apply every notification not yet applied; returns how many were."""
        result = CatchUpResult()
        positions = self.positions()
        latest = self.recorder.max_notification_id() or 0
        while max_pages is None or result.pages < max_pages:
            start = min(positions.values(), default=0)
            notifications = self.recorder.select_notifications(
                start=start, limit=page_size, inclusive_of_start=False
            )
            if not notifications:
                break
            try:
                positions = self._apply_page(notifications, positions)
            except ViewsBusy:
                self._lasting.clear()
                positions = self.positions()
                continue
            result.pages += 1
            result.notifications += len(notifications)
            result.last_id = notifications[-1].id
            if progress is not None:
                progress(result.last_id, max(latest, result.last_id))
        self._finish_rebuild_if_done()
        result.positions = self.positions()
        return result

    def _apply_page(
        self, notifications: Sequence[Any], positions: dict[str, int]
    ) -> dict[str, int]:
        last_id = notifications[-1].id
        with self.db.transaction() as cur:
            stored = dict(
                (name, int(pos))
                for name, pos in cur.execute(f"SELECT view_name, position FROM {TRACKING_TABLE}")
            )
            if any(stored.get(name) != pos for name, pos in positions.items()):
                # Someone else applied (part of) this page: start again from the store.
                raise ViewsBusy("views were updated by another process; catch up again")
            page = Page(
                cur, self.tables, self._lasting, upsert_by_columns=self.db.dialect == "postgres"
            )
            # Which aggregates the page touches is known from the stored records alone;
            # each event is decoded only when it is applied, so a page never holds all
            # of its events decoded at once.
            # Events no view handles (goal progress notes, say: a twentieth of the log)
            # are not decoded at all, as ``eventsourcing`` filters a subscription by
            # topic; a topic that names no class is decoded, to report it. (An unreadable
            # event of such a class is reported by what reads it: its aggregate's load,
            # the audit trail; the views never depended on it.)
            ids: dict[str, set[str]] = {}
            ids_text: dict[Any, str] = {}
            handled = []
            topics = self._topics
            for notification in notifications:
                topic = notification.topic
                wanted, kind = topics.get(topic) or self._topic(topic)
                if not wanted:
                    continue
                handled.append(notification)
                originator_id = notification.originator_id
                text = ids_text.get(originator_id)
                if text is None:
                    text = ids_text[originator_id] = str(originator_id)
                if kind is not None:
                    ids.setdefault(kind, set()).add(text)
            page.preload(ids)
            behind = max(positions.values(), default=0)
            for notification in handled:
                event = self.mapper.to_domain_event(notification)
                handlers = self._dispatch.get(type(event))
                if handlers is None:
                    handlers = self._handlers_for(type(event))
                page.notification_id = position = notification.id
                page.aggregate_id = ids_text[notification.originator_id]
                for name, handler in handlers:
                    if position > behind or position > positions[name]:
                        handler(event, page)
            page.flush()
            cur.executemany(
                f"UPDATE {TRACKING_TABLE} SET position = ? WHERE view_name = ?",
                [(last_id, p.name) for p in self.projections],
            )
        page.remember(self._lasting)
        return {name: last_id for name in positions}

    def _topic(self, topic: str) -> tuple[bool, str | None]:
        """Whether any view handles the events stored under ``topic``, and the class name
        of their aggregate if a pre-loaded table is keyed by it (resolved once a topic)."""
        try:
            event_class = resolve_topic(topic)
        except TopicError:
            wanted, kind = True, ""  # decoding it will say what is wrong
        else:
            wanted = bool(self._handlers_for(event_class))
            aggregate = getattr(event_class, "aggregate_type", None)
            kind = aggregate.__name__ if aggregate is not None else ""
        preloaded = {t.by_aggregate for t in self.tables.values()}
        info = (wanted, kind if "*" in preloaded or kind in preloaded else None)
        self._topics[topic] = info
        return info

    def _handlers_for(self, event_class: type) -> list[tuple[str, Handler]]:
        handlers = [
            (projection.name, handler)
            for projection in self.projections
            for handler in projection.handlers_for(event_class)
        ]
        self._dispatch[event_class] = handlers
        return handlers

    # --- rebuilding -----------------------------------------------------------------
    def start_rebuild(self, names: Iterable[str] | None = None) -> None:
        """Empty the views and rewind them; the catch-up that follows refills them."""
        selected = set(names) if names is not None else {p.name for p in self.projections}
        with self.db.transaction() as cur:
            for projection in self.projections:
                if projection.name not in selected:
                    continue
                for table in projection.tables:
                    cur.execute(f"DELETE FROM {table.name}")
                cur.execute(
                    f"UPDATE {TRACKING_TABLE} SET position = 0, rebuilding = 1 WHERE view_name = ?",
                    (projection.name,),
                )

    def rebuild(
        self,
        page_size: int = 1000,
        *,
        progress: Progress | None = None,
        max_pages: int | None = None,
    ) -> CatchUpResult:
        """Rebuild all views, or resume a rebuild that was interrupted."""
        if not self.is_rebuilding():
            self.start_rebuild()
        return self.catch_up(page_size, progress=progress, max_pages=max_pages)

    def _finish_rebuild_if_done(self) -> None:
        if not self.is_rebuilding():
            return
        latest = self.recorder.max_notification_id() or 0
        with self.db.transaction() as cur:
            cur.execute(
                f"UPDATE {TRACKING_TABLE} SET rebuilding = 0 "
                "WHERE rebuilding = 1 AND position >= ?",
                (latest,),
            )
            if self.db.dialect == "postgres" and all(
                position >= latest for position in self.positions().values()
            ):
                # Refilled from empty: until autovacuum gets to them, the planner would
                # judge the reports' queries by the statistics of empty tables.
                for name in self.tables:
                    cur.execute(f"ANALYZE {name}")
