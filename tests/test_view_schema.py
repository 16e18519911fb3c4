"""Views whose tables changed shape between releases are rebuilt by themselves.

A view's fingerprint (its tables' DDL) is stored beside its tracking position; a store
opened by a release whose tables differ drops that view's tables (and tables earlier
releases kept, such as the audit index's ``audit_position``), rewinds it and refills it
from the log on the next catch-up. Nothing else is touched: events stay as they were.
"""

from __future__ import annotations

from conftest import tracking_rows, view_snapshot
from nnd_competence import CompetenceStore
from nnd_competence.api import default_projections
from nnd_competence.application.projections.engine import SCHEMA_TABLE, ProjectionRunner


def _reopen(store: CompetenceStore) -> ProjectionRunner:
    """What opening the store with this release does to its views."""
    return ProjectionRunner(
        store.app.recorder, store.app.mapper, store.views, default_projections()
    )


def _table_exists(store: CompetenceStore, name: str) -> bool:
    if store.views.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
    else:
        sql = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = ?"
        )
    return bool(store.views.query(sql, (name,)))


def test_a_view_of_an_older_shape_is_dropped_and_refilled(org: CompetenceStore, hire) -> None:
    hire(org, "20001")
    hire(org, "20002")
    org.catch_up()
    expected = view_snapshot(org)
    events = org.event_count()
    assert _table_exists(org, "audit_owner")
    with org.views.transaction() as cur:  # as an earlier release left it
        cur.execute(
            f"UPDATE {SCHEMA_TABLE} SET fingerprint = 'older' WHERE view_name = ?", ("audit_index",)
        )
        cur.execute("CREATE TABLE audit_position (aggregate_id TEXT, version INTEGER)")
        cur.execute("DELETE FROM audit_owner")

    runner = _reopen(org)

    positions = dict((name, (pos, flag)) for name, pos, flag in tracking_rows(org))
    assert positions["audit_index"] == (0, 1)  # rewound, marked as rebuilding
    assert positions["completion"][0] > 0  # the other views are left as they were
    assert not _table_exists(org, "audit_position")
    runner.catch_up()
    assert view_snapshot(org) == expected
    assert not runner.is_rebuilding()
    assert org.event_count() == events


def test_views_filled_before_fingerprints_were_kept_are_rebuilt(org: CompetenceStore, hire) -> None:
    hire(org, "20001")
    org.catch_up()
    expected = view_snapshot(org)
    with org.views.transaction() as cur:
        cur.execute(f"DELETE FROM {SCHEMA_TABLE}")

    runner = _reopen(org)

    assert {flag for _, _, flag in tracking_rows(org)} == {1}
    runner.catch_up()
    assert view_snapshot(org) == expected


def test_an_unchanged_view_is_left_alone(org: CompetenceStore, hire) -> None:
    hire(org, "20001")
    org.catch_up()
    before = tracking_rows(org)

    _reopen(org)

    assert tracking_rows(org) == before
