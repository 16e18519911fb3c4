"""The HR sync's own bookkeeping, in two tables of the view database.

``hr_sync_change``: every change notification received (and every future-dated change a
full sync found), keyed by its content, with its status: ``held`` until its date,
``applied``, ``gone`` or ``rejected``. It is what makes a notification received twice a
no-op, and it is the queue ``apply_due`` works through.

``hr_sync_unit_head``: the head of each HR unit as last seen, for the notifications that
must derive a line manager without reading the whole organisation.

Why tables and not events: a held change is not yet a fact of the competence process; it
is an integration's work queue (it changes state, it may be superseded by what DFØ holds
on the day). The event log records the facts when they take effect, through the ordinary
use cases. Everything here can be recovered from DFØ (a full sync writes the heads and
holds the future-dated changes again), and nothing here is personal data: only ids,
dates, statuses and codes. ``rebuild`` of the views does not touch these tables.
"""

from __future__ import annotations

from datetime import date, datetime

from nnd_competence.application.hr_source import HrChange, ObjectKind
from nnd_competence.application.ports import ViewDatabase

CHANGE_TABLE = "hr_sync_change"
HEAD_TABLE = "hr_sync_unit_head"

HELD, APPLIED, GONE, REJECTED = "held", "applied", "gone", "rejected"
#: Statuses after which receiving the same change again does nothing.
FINAL = frozenset({HELD, APPLIED, GONE})


class HrSyncState:
    def __init__(self, db: ViewDatabase) -> None:
        self.db = db
        with db.transaction() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {CHANGE_TABLE} ("
                "change_key TEXT PRIMARY KEY, notification_id TEXT NOT NULL, "
                "object_kind TEXT NOT NULL, object_id TEXT NOT NULL, valid_from TEXT, "
                "status TEXT NOT NULL, received_at TEXT NOT NULL, handled_at TEXT, "
                "outcome TEXT)"
            )
            cur.execute(
                f"CREATE INDEX IF NOT EXISTS {CHANGE_TABLE}_due "
                f"ON {CHANGE_TABLE} (status, valid_from)"
            )
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {HEAD_TABLE} ("
                "unit_id TEXT PRIMARY KEY, head TEXT, updated_at TEXT NOT NULL)"
            )

    # --- changes ----------------------------------------------------------------------
    def status(self, key: str) -> str | None:
        rows = self.db.query(f"SELECT status FROM {CHANGE_TABLE} WHERE change_key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def hold(self, change: HrChange, at: datetime) -> bool:
        """Keep a change until its date; False if it was already held or handled."""
        with self.db.transaction() as cur:
            found = cur.execute(
                f"SELECT status FROM {CHANGE_TABLE} WHERE change_key = ?", (change.key,)
            )
            if found and found[0][0] in FINAL:
                return False
            cur.execute(
                f"INSERT INTO {CHANGE_TABLE} (change_key, notification_id, object_kind, "
                "object_id, valid_from, status, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (change_key) DO UPDATE SET status = excluded.status",
                (
                    change.key,
                    change.notification_id,
                    change.kind.value,
                    change.object_id,
                    change.valid_from.isoformat() if change.valid_from else None,
                    HELD,
                    at.isoformat(),
                ),
            )
        return True

    def record(self, change: HrChange, status: str, outcome: str, at: datetime) -> None:
        """Record how a change was handled (inserting it if it was never held)."""
        with self.db.transaction() as cur:
            cur.execute(
                f"INSERT INTO {CHANGE_TABLE} (change_key, notification_id, object_kind, "
                "object_id, valid_from, status, received_at, handled_at, outcome) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (change_key) DO UPDATE SET "
                "status = excluded.status, handled_at = excluded.handled_at, "
                "outcome = excluded.outcome",
                (
                    change.key,
                    change.notification_id,
                    change.kind.value,
                    change.object_id,
                    change.valid_from.isoformat() if change.valid_from else None,
                    status,
                    at.isoformat(),
                    at.isoformat(),
                    outcome[:500],
                ),
            )

    def due(self, day: date) -> list[HrChange]:
        """Held changes whose date has come, oldest date first."""
        rows = self.db.query(
            f"SELECT change_key, notification_id, object_kind, object_id, valid_from "
            f"FROM {CHANGE_TABLE} WHERE status = ? AND valid_from <= ? "
            "ORDER BY valid_from, received_at, change_key",
            (HELD, day.isoformat()),
        )
        return [
            HrChange(
                key=key,
                notification_id=notification_id,
                kind=ObjectKind(kind),
                object_id=object_id,
                valid_from=date.fromisoformat(valid_from),
            )
            for key, notification_id, kind, object_id, valid_from in rows
        ]

    def held(self) -> list[tuple[str, str, str, str]]:
        """(valid_from, kind, object id, notification id) of every change still held."""
        rows = self.db.query(
            f"SELECT valid_from, object_kind, object_id, notification_id FROM {CHANGE_TABLE} "
            "WHERE status = ? ORDER BY valid_from, object_kind, object_id",
            (HELD,),
        )
        return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]

    # --- unit heads -------------------------------------------------------------------
    def heads(self) -> dict[str, str | None]:
        return {str(u): h for u, h in self.db.query(f"SELECT unit_id, head FROM {HEAD_TABLE}")}

    def set_heads(self, heads: dict[str, str | None], at: datetime) -> None:
        if not heads:
            return
        with self.db.transaction() as cur:
            cur.executemany(
                f"INSERT INTO {HEAD_TABLE} (unit_id, head, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (unit_id) DO UPDATE SET head = excluded.head, "
                "updated_at = excluded.updated_at",
                [(unit, head, at.isoformat()) for unit, head in sorted(heads.items())],
            )
