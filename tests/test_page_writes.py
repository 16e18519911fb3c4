"""How a page writes what its handlers changed, on both stores: the batched paths
(PostgreSQL sends one column array per statement) must store what the per-row paths do."""

from __future__ import annotations

import pytest

from nnd_competence import CompetenceStore
from nnd_competence.application.projections.engine import Page, Table
from nnd_competence.domain.errors import InvalidValue

SCRATCH = Table(
    "test_scratch",
    (("k1", "TEXT"), ("k2", "INTEGER"), ("label", "TEXT"), ("n", "INTEGER")),
    ("k1", "k2"),
)


def _page(store: CompetenceStore, cur: object) -> Page:
    return Page(
        cur,  # type: ignore[arg-type]
        {SCRATCH.name: SCRATCH},
        upsert_by_columns=store.views.dialect == "postgres",
    )


def _rows(store: CompetenceStore) -> list[tuple[object, ...]]:
    return store.views.query(f"SELECT k1, k2, label, n FROM {SCRATCH.name} ORDER BY k1, k2")


def test_upserts_updates_and_deletes_of_one_page_and_the_next(store: CompetenceStore) -> None:
    with store.views.transaction() as cur:
        for statement in SCRATCH.ddl(store.views.dialect):
            cur.execute(statement)
        page = _page(store, cur)
        page.put(SCRATCH.name, {"k1": "a", "k2": 1, "label": "x", "n": 1})
        page.put(SCRATCH.name, {"k1": "a", "k2": 2, "label": None, "n": None})
        page.put(SCRATCH.name, {"k1": "b", "k2": 1, "label": "it's {a,b} \\ NULL", "n": 3})
        page.flush()
    with store.views.transaction() as cur:
        page = _page(store, cur)
        page.update(SCRATCH.name, "a", 1, label="y")  # not read: kept, written as UPDATE
        page.update(SCRATCH.name, "a", 2, n=7)
        page.update(SCRATCH.name, "zz", 9, n=1)  # no such row: nothing happens
        page.update(SCRATCH.name, "b", 1)  # no change at all: nothing to write
        page.delete(SCRATCH.name, "b", 1)
        page.put(SCRATCH.name, {"k1": "a", "k2": 3, "label": 12, "n": 4})  # mixed types
        page.put(SCRATCH.name, {"k1": "a", "k2": 4, "label": "text", "n": 5})
        page.flush()
    assert _rows(store) == [
        ("a", 1, "y", 1),
        ("a", 2, None, 7),
        ("a", 3, "12", 4),
        ("a", 4, "text", 5),
    ]


def test_a_negative_expiring_horizon_is_refused(store: CompetenceStore) -> None:
    with pytest.raises(InvalidValue, match="expiring_within_days"):
        store.gap_report(expiring_within_days=-1)
    with pytest.raises(InvalidValue, match="expiring_within_days"):
        store.gap_report(expiring_within_days=-1, detail=False)
