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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from eventsourcing.persistence import ApplicationRecorder, Mapper

from nnd_competence.application.ports import ViewCursor, ViewDatabase
from nnd_competence.domain.aggregate import DomainEvent

TRACKING_TABLE = "nnd_view_tracking"
_MISSING = object()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, "TEXT" | "INTEGER")
    key: tuple[str, ...]
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def ddl(self, dialect: str = "sqlite") -> list[str]:
        cols = ", ".join(f"{n} {column_type(t, dialect)}" for n, t in self.columns)
        statements = [
            f"CREATE TABLE IF NOT EXISTS {self.name} ({cols}, PRIMARY KEY ({', '.join(self.key)}))"
        ]
        for i, index in enumerate(self.indexes):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS {self.name}_ix{i} ON {self.name} ({', '.join(index)})"
            )
        return statements

    def upsert_sql(self) -> str:
        names = self.column_names
        updates = [n for n in names if n not in self.key]
        sql = (
            f"INSERT INTO {self.name} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT ({', '.join(self.key)}) "
        )
        if updates:
            return sql + "DO UPDATE SET " + ", ".join(f"{n} = excluded.{n}" for n in updates)
        return sql + "DO NOTHING"

    def select_sql(self) -> str:
        where = " AND ".join(f"{k} = ?" for k in self.key)
        return f"SELECT {', '.join(self.column_names)} FROM {self.name} WHERE {where}"

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


Key = tuple[Any, ...]
RowDict = dict[str, Any]


class Page:
    """The pending changes of one page, on top of what is stored.

    Reads see the page's own writes first, so handlers can read-modify-write rows as if
    each event were applied alone.
    """

    def __init__(self, cursor: ViewCursor, tables: dict[str, Table]) -> None:
        self._cursor = cursor
        self._tables = tables
        self._rows: dict[str, dict[Key, RowDict | None]] = {name: {} for name in tables}
        #: Position in the log of the event being applied (for views that index the log).
        self.notification_id = 0

    def get(self, table: str, *key: Any) -> RowDict | None:
        pending = self._rows[table]
        row = pending.get(key, _MISSING)
        if row is _MISSING:
            spec = self._tables[table]
            found = self._cursor.execute(spec.select_sql(), key)
            row = dict(zip(spec.column_names, found[0], strict=True)) if found else None
            pending[key] = row
        return None if row is None else dict(row)  # type: ignore[call-overload]

    def put(self, table: str, row: RowDict) -> None:
        spec = self._tables[table]
        key = tuple(row[k] for k in spec.key)
        self._rows[table][key] = {n: row.get(n) for n in spec.column_names}

    def update(self, table: str, *key: Any, **changes: Any) -> None:
        """Change some columns of an existing row; silently ignores a missing row."""
        row = self.get(table, *key)
        if row is not None:
            row.update(changes)
            self.put(table, row)

    def delete(self, table: str, *key: Any) -> None:
        self._rows[table][key] = None

    def flush(self) -> None:
        for name, rows in self._rows.items():
            spec = self._tables[name]
            upserts = [
                tuple(row[n] for n in spec.column_names) for row in rows.values() if row is not None
            ]
            deletes = [key for key, row in rows.items() if row is None]
            if deletes:
                self._cursor.executemany(spec.delete_sql(), deletes)
            if upserts:
                self._cursor.executemany(spec.upsert_sql(), upserts)


class Projection:
    """A view: its tables and a handler per event class (``on_<EventClassName>``)."""

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]

    def handle(self, event: DomainEvent, page: Page) -> None:
        handler = getattr(self, "on_" + type(event).__name__, None)
        if handler is not None:
            handler(event, page)


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
            for table in self.tables.values():
                for statement in table.ddl(dialect):
                    cur.execute(statement)
            for projection in self.projections:
                cur.execute(
                    f"INSERT INTO {TRACKING_TABLE} (view_name, position, rebuilding) "
                    "VALUES (?, 0, 0) ON CONFLICT (view_name) DO NOTHING",
                    (projection.name,),
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
            page = Page(cur, self.tables)
            for notification in notifications:
                event = self.mapper.to_domain_event(notification)
                page.notification_id = notification.id
                for projection in self.projections:
                    if notification.id > positions[projection.name]:
                        projection.handle(event, page)  # type: ignore[arg-type]
            page.flush()
            cur.executemany(
                f"UPDATE {TRACKING_TABLE} SET position = ? WHERE view_name = ?",
                [(last_id, p.name) for p in self.projections],
            )
        return {name: last_id for name in positions}

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
