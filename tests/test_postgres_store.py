"""PostgreSQL as a store: choosing it by configuration alone, clear errors, the views'
adapter (placeholders, types, the writer lock, lost connections), and the CLI on it.

The parsing tests need no server; the others are marked ``postgres``.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from backends import (
    HR,
    SHARED,
    fresh_location,
    hire,
    new_schema_name,
    open_fixed,
    postgres_base_url,
    postgres_location,
    record,
    renamed,
    require_postgres,
    schema_of,
    seed,
    session_pids,
    terminate_sessions,
)
from nnd_competence import DomainError, open_store
from nnd_competence.adapters.cli.main import main
from nnd_competence.adapters.store_location import (
    StoreLocationError,
    StoreUnavailable,
    parse_store_location,
)

SPAWN = multiprocessing.get_context("spawn")


# --- parsing (no server needed) -----------------------------------------------------------
def test_sqlite_locations() -> None:
    assert parse_store_location("data/x.sqlite").sqlite_path == "data/x.sqlite"
    assert parse_store_location("sqlite:///data/x.sqlite").sqlite_path == "data/x.sqlite"
    assert parse_store_location("sqlite:////srv/x.sqlite").sqlite_path == "/srv/x.sqlite"
    assert parse_store_location(Path("/tmp/y.sqlite")).sqlite_path == "/tmp/y.sqlite"
    assert parse_store_location("x.sqlite").kind == "sqlite"


def test_postgres_url_with_everything() -> None:
    where = parse_store_location(
        "postgresql://nnd%40hr:s3cr%2Ft@db.example:6543/comp?schema=Nnd_1&pool_size=4"
        "&max_overflow=0&connect_timeout=9&lock_timeout=3"
        "&idle_in_transaction_session_timeout=7&application_name=hr-sync"
    )
    pg = where.postgres
    assert pg is not None and where.kind == "postgres"
    assert (pg.user, pg.password, pg.host, pg.port, pg.dbname) == (
        "nnd@hr",
        "s3cr/t",
        "db.example",
        6543,
        "comp",
    )
    assert (pg.schema, pg.pool_size, pg.max_overflow, pg.connect_timeout) == ("Nnd_1", 4, 0, 9)
    assert (pg.lock_timeout, pg.idle_in_transaction_session_timeout) == (3, 7)
    assert pg.application_name == "hr-sync"
    assert "s3cr" not in where.display
    assert where.display == "postgresql://nnd%40hr@db.example:6543/comp?schema=Nnd_1"
    env = pg.eventsourcing_env("some.module:Factory")
    assert env["POSTGRES_SCHEMA"] == env["NNDCOMPETENCE_POSTGRES_SCHEMA"] == "Nnd_1"
    assert env["PERSISTENCE_MODULE"] == "some.module:Factory"


def test_postgres_url_defaults() -> None:
    pg = parse_store_location("postgres://dbhost/test").postgres
    assert pg is not None
    assert (pg.host, pg.port, pg.schema, pg.password) == ("dbhost", 5432, "public", "")
    assert pg.user  # the operating-system user


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        ("postgresql://u:hunter2@h:5432/", "name the database"),
        ("postgresql://u:hunter2@h:99999/db", "port"),
        ("postgresql://u:hunter2@h/db?schema=drop table", "not a plain identifier"),
        ("postgresql://u:hunter2@h/db?schema=1abc", "not a plain identifier"),
        ("postgresql://u:hunter2@h/db?colour=blue", "unknown parameter 'colour'"),
        ("postgresql://u:hunter2@h/db?schema=a&schema=b", "given twice"),
        ("postgresql://u:hunter2@h/db?pool_size=many", "pool_size"),
        ("mysql://u:hunter2@h/db", "unsupported store location"),
        ("   ", "empty"),
    ],
)
def test_malformed_locations_are_one_line_without_the_password(location: str, problem: str) -> None:
    with pytest.raises(StoreLocationError) as caught:
        parse_store_location(location)
    message = str(caught.value)
    assert problem in message
    assert "hunter2" not in message and "\n" not in message
    assert isinstance(caught.value, DomainError) and isinstance(caught.value, ValueError)


def test_env_location_reads_the_eventsourcing_variables() -> None:
    environ = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "test",
        "POSTGRES_HOST": "10.0.0.5",
        "POSTGRES_PORT": "5433",
        "POSTGRES_USER": "nnd",
        "POSTGRES_PASSWORD": "pw",
        "POSTGRES_SCHEMA": "plain",
        "NNDCOMPETENCE_POSTGRES_SCHEMA": "prefixed",  # the prefixed key wins, as in eventsourcing
        "POSTGRES_POOL_SIZE": "3",
    }
    pg = parse_store_location("env:", environ).postgres
    assert pg is not None
    assert (pg.dbname, pg.host, pg.port, pg.user, pg.password) == (
        "test",
        "10.0.0.5",
        5433,
        "nnd",
        "pw",
    )
    assert (pg.schema, pg.pool_size) == ("prefixed", 3)
    sqlite = parse_store_location(
        "env:", {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": "a.sqlite"}
    )
    assert sqlite.sqlite_path == "a.sqlite"
    for broken, problem in [
        ({}, "PERSISTENCE_MODULE is unset"),
        ({"PERSISTENCE_MODULE": "eventsourcing.popo"}, "eventsourcing.popo"),
        ({"PERSISTENCE_MODULE": "eventsourcing.postgres"}, "POSTGRES_DBNAME"),
        ({"PERSISTENCE_MODULE": "eventsourcing.sqlite"}, "SQLITE_DBNAME"),
        ({**environ, "POSTGRES_PORT": "x"}, "POSTGRES_PORT"),
    ]:
        with pytest.raises(StoreLocationError, match=problem):
            parse_store_location("env:", broken)


# --- with the server -------------------------------------------------------------------------


@pytest.fixture
def pg_location(tmp_path: Path) -> Iterator[str]:
    with fresh_location("postgres", tmp_path) as where:
        yield where


@pytest.fixture
def seeded(pg_location: str) -> str:
    seed(pg_location)
    return pg_location


@pytest.mark.postgres
def test_open_by_environment_variables(monkeypatch: pytest.MonkeyPatch, seeded: str) -> None:
    pg_location = seeded
    url = postgres_base_url()
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.postgres")
    monkeypatch.setenv("POSTGRES_DBNAME", parts.path.lstrip("/"))
    monkeypatch.setenv("POSTGRES_HOST", parts.hostname or "127.0.0.1")
    monkeypatch.setenv("POSTGRES_PORT", str(parts.port or 5432))
    monkeypatch.setenv("POSTGRES_USER", parts.username or "postgres")
    monkeypatch.setenv("POSTGRES_PASSWORD", parts.password or "")
    monkeypatch.setenv("POSTGRES_SCHEMA", schema_of(pg_location))
    monkeypatch.setenv("POSTGRES_APPLICATION_NAME", f"nndt-{schema_of(pg_location)}")
    with open_store("env:") as store:
        hire(store, "12345")
        assert store.views.dialect == "postgres"
    with open_store(pg_location) as same:  # the same schema, through the URL
        assert same.employee_exists("12345")
        rows = same.gap_report(date(2026, 3, 2)).rows
        assert "12345" in {row.employee_number for row in rows}


@pytest.mark.postgres
def test_os_environment_does_not_override_a_url(
    monkeypatch: pytest.MonkeyPatch, pg_location: str
) -> None:
    """eventsourcing merges os.environ into the settings; the URL's values still win."""
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    monkeypatch.setenv("NNDCOMPETENCE_POSTGRES_SCHEMA", "somewhere_else")
    monkeypatch.setenv("POSTGRES_DBNAME", "no_such_db")
    seed(pg_location)
    with open_store(pg_location) as store:
        hire(store, "12345")
    from backends import admin

    with admin() as connection:
        rows = connection.execute(
            f'SELECT count(*) FROM "{schema_of(pg_location)}".nndcompetence_events'
        ).fetchall()
    assert rows[0][0] >= 1


@pytest.mark.postgres
def test_unreachable_server_is_a_one_line_error_without_password() -> None:
    require_postgres()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        open_store("postgresql://postgres:hunter2@127.0.0.1:1/test?schema=x&connect_timeout=2")
    message = str(caught.value)
    assert "hunter2" not in message and "\n" not in message
    assert message.startswith("cannot open the store postgresql://postgres@127.0.0.1:1/test")
    assert time.monotonic() - started < 10
    with pytest.raises(StoreUnavailable, match="does not exist"):
        open_store(f"{postgres_base_url().rsplit('/', 1)[0]}/no_such_database_nnd")


@pytest.mark.postgres
def test_cli_reports_on_postgres(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")

    def cli(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as stop:
            main(["--store", seeded, "--actor", "90001:hr", *args])
        out, err = capsys.readouterr()
        return int(stop.value.code or 0), out, err

    code, out, err = cli(
        "employee", "hire", "20001", "--unit", "HALDEN", "--position", "OPERATOR",
        "--start-date", "2026-01-05",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = cli("report", "gaps", "--as-of", "2026-03-02", "--detail")
    assert code == 0, err
    assert "20001" in out and "RP-CERT" in out
    code, out, err = cli("report", "gaps", "--format", "json", "--as-of", "2026-03-02")
    assert code == 0 and '"HALDEN"' in out
    code, out, err = cli("audit", SHARED)
    assert code == 0, err
    code, out, err = cli("views", "status")
    assert code == 0 and "behind by 0" in out

    with pytest.raises(SystemExit) as stop:
        main(["--store", "postgresql://postgres:hunter2@127.0.0.1:1/test", "report", "gaps"])
    out, err = capsys.readouterr()
    assert stop.value.code == 1
    assert err.count("\n") == 1 and err.startswith("error: cannot open the store")
    assert "hunter2" not in err and "Traceback" not in err


@pytest.mark.postgres
def test_placeholders_and_values_as_on_sqlite(seeded: str) -> None:
    with open_store(seeded) as store:
        db = store.views
        some = uuid.uuid4()
        assert db.query("SELECT '100%' || ?, ?, ?, ?", ("x", True, date(2026, 1, 2), some)) == [
            ("100%x", 1, "2026-01-02", str(some))
        ]
        assert list(
            db.stream("SELECT code FROM gap_competence WHERE code LIKE 'C0%' ORDER BY code")
        ) == [(f"C0{n}",) for n in range(10)]
        # the event store hands back UUID objects; the views hold text
        notification = store.app.recorder.select_notifications(1, 1)[0]
        assert isinstance(notification.originator_id, uuid.UUID)
        assert store.audit_trail(SHARED)  # gathers aggregates by their text ids
        # text compares byte-wise, as on SQLite, whatever the database's locale
        collations = store.views.query(
            "SELECT DISTINCT collation_name FROM information_schema.columns "
            "WHERE table_schema = ? AND data_type = 'text' AND table_name NOT LIKE 'nndcomp%'",
            (schema_of(seeded),),
        )
        assert set(collations) == {("C",)}


@pytest.mark.postgres
def test_writer_transactions_are_serialised(seeded: str) -> None:
    with open_store(seeded) as first, open_store(seeded) as second:
        entered = threading.Event()
        order: list[str] = []

        def other() -> None:
            with second.views.transaction() as cursor:
                order.append("second")
                cursor.execute("SELECT 1")

        with first.views.transaction() as cursor:
            cursor.execute("SELECT 1")
            thread = threading.Thread(target=other, daemon=True)
            thread.start()
            time.sleep(0.5)
            entered.set()
            order.append("first")
        thread.join(10)
        assert order == ["first", "second"]


def _open_and_close(location: str) -> None:
    open_store(location).close()


@pytest.mark.postgres
def test_many_processes_can_create_one_new_store_at_once(pg_location: str) -> None:
    processes = [SPAWN.Process(target=_open_and_close, args=(pg_location,)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    with open_store(pg_location) as store:
        assert store.runner.positions() == dict.fromkeys(store.runner.positions(), 0)


@pytest.mark.postgres
def test_a_store_survives_its_connections_being_killed(seeded: str) -> None:
    app = f"nndt-kill-{uuid.uuid4().hex[:8]}"
    with open_fixed(renamed(seeded, app)) as store:
        store.catch_up()
        before = session_pids(app)
        assert store.views.backend_pid in before
        assert terminate_sessions(app) >= 2  # the views' connection and the pool's
        # writes go through (eventsourcing retries on a new pool connection) ...
        store.execute(record(SHARED, "C11", level=2), HR)
        # ... and reads too (the views' connection is replaced and the read retried)
        report = store.gap_report(date(2026, 3, 2), employee_number=SHARED)
        assert report.units
        holdings = store.views.query(
            "SELECT level FROM gap_holding WHERE employee_number = ? AND competence_code = ?",
            (SHARED, "C11"),
        )
        assert holdings == [(2,)]
        assert not set(session_pids(app)) & set(before)
        # a write transaction that finds its connection dead starts again on a new one
        pid = store.views.backend_pid
        assert terminate_sessions(app) >= 1
        with store.views.transaction() as cursor:
            assert cursor.execute("SELECT 1") == [(1,)]
        assert store.views.backend_pid != pid


@pytest.mark.postgres
def test_schemas_are_independent(tmp_path: Path) -> None:
    require_postgres()
    with (
        fresh_location("postgres", tmp_path, "a") as a,
        fresh_location("postgres", tmp_path, "b") as b,
    ):
        seed(a)
        with open_fixed(a) as store_a, open_fixed(b) as store_b:
            hire(store_a, "11111")
            assert not store_b.employee_exists("11111")
            assert store_b.event_count() == 0
    assert new_schema_name() != new_schema_name()
    assert postgres_location("s").startswith(postgres_base_url())
