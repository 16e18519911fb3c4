"""Live projections: following the log as events commit, stopping on request, and (on
PostgreSQL) surviving ``pg_terminate_backend`` of every connection the runner has.

Also ``nnd-competence views follow`` as a real process, killed connections included.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from backends import (
    HR,
    STORE_KINDS,
    assert_views_equal_a_clean_rebuild,
    fresh_location,
    hire,
    open_fixed,
    record,
    renamed,
    session_pids,
    terminate_sessions,
)
from backends import seed as seed_store
from nnd_competence.api import live_projections
from nnd_competence.application.projections.live import LiveProjections


@pytest.fixture(params=STORE_KINDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_location(request.param, tmp_path) as where:
        seed_store(where)
        yield where


@pytest.fixture
def pg_location(tmp_path: Path) -> Iterator[str]:
    with fresh_location("postgres", tmp_path) as where:
        seed_store(where)
        yield where


def write_some(location: str, first: int, count: int) -> int:
    """Hire ``count`` operators with a competence each; returns the log's head."""
    with open_fixed(location) as store:
        for n in range(first, first + count):
            hire(store, f"5{n:04d}")
            store.execute(record(f"5{n:04d}", "NUC-SAFETY", level=1 + n % 3), HR)
        return store.event_count()


class Writer(threading.Thread):
    """Keeps writing (in its own store) until stopped; counts what it wrote."""

    def __init__(self, location: str, first: int) -> None:
        super().__init__(daemon=True)
        self.location, self.first = location, first
        self.stopped = threading.Event()
        self.written = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with open_fixed(self.location) as store:
                n = self.first
                while not self.stopped.is_set():
                    hire(store, f"6{n:04d}")
                    store.execute(record(f"6{n:04d}", "C01", level=1 + n % 3), HR)
                    n += 1
                    self.written += 1
                    time.sleep(0.01)
        except BaseException as error:
            self.error = error

    def finish(self) -> None:
        self.stopped.set()
        self.join(60)
        assert self.error is None, self.error


def head(location: str) -> int:
    with open_fixed(location) as store:
        return store.event_count()


def test_follows_new_events_as_they_commit(location: str) -> None:
    with live_projections(location, interval=0.02) as live:
        live.start()
        assert live.wait_for(head(location), 10)
        writer = Writer(location, 0)
        writer.start()
        time.sleep(1.0)
        writer.finish()
        latest = head(location)
        assert live.wait_for(latest, 10), live.status
        assert live.status.applied > 0
        assert live.status.errors == 0
        started = time.monotonic()
    assert time.monotonic() - started < 5  # stop() returned promptly
    assert not live.running
    with open_fixed(location) as store:
        assert_views_equal_a_clean_rebuild(store)


def test_stops_promptly_in_the_middle_of_a_backlog(location: str) -> None:
    latest = write_some(location, 0, 60)
    first_page = threading.Event()
    live = live_projections(
        location, interval=0.05, page_size=2, on_applied=lambda result: first_page.set()
    )
    live.burst_pages = 1
    live.start()
    assert first_page.wait(30)
    started = time.monotonic()
    live.stop()
    assert time.monotonic() - started < 5
    assert not live.running and live.failure is None
    assert live.status.position < latest  # it really was interrupted
    with live_projections(location, interval=0.02) as again:  # and resumes where it was
        again.start()
        assert again.wait_for(latest, 30), again.status
    with open_fixed(location) as store:
        assert_views_equal_a_clean_rebuild(store)


def test_run_returns_when_its_event_is_set(location: str) -> None:
    stop = threading.Event()
    with open_fixed(location) as store:
        live = LiveProjections(store.runner, interval=0.02)
        thread = threading.Thread(target=live.run, args=(stop,), daemon=True)
        thread.start()
        assert live.wait_for(store.event_count(), 10)
        stop.set()
        thread.join(5)
        assert not thread.is_alive()


def test_a_bug_in_a_handler_stops_the_runner_with_the_error(location: str) -> None:
    write_some(location, 0, 1)
    live = live_projections(location, interval=0.02)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("handler bug")

    live.runner.catch_up = broken  # type: ignore[method-assign]
    live.start()
    deadline = time.monotonic() + 10
    while live.running and time.monotonic() < deadline:
        time.sleep(0.02)
    live.stop()
    assert isinstance(live.failure, ZeroDivisionError)


# --- PostgreSQL: connections killed under the runner ----------------------------------------
def _kill_when_connected(app: str, killed: set[int], timeout: float = 10) -> None:
    """Wait until sessions named ``app`` not killed before exist (the runner reconnected),
    then terminate all of them; adds their pids to ``killed``."""
    deadline = time.monotonic() + timeout
    while not set(pids := session_pids(app)) - killed:
        assert time.monotonic() < deadline, f"{app} did not reconnect"
        time.sleep(0.05)
    terminate_sessions(app)
    killed.update(pids)


@pytest.mark.postgres
def test_survives_its_connections_being_terminated(pg_location: str) -> None:
    app = f"nndt-live-{uuid.uuid4().hex[:8]}"
    live = live_projections(renamed(pg_location, app), interval=0.02, max_backoff=0.5)
    writer = Writer(pg_location, 0)
    killed: set[int] = set()
    try:
        live.start()
        writer.start()
        for _ in range(6):
            time.sleep(0.4)
            _kill_when_connected(app, killed)  # each time on connections made since
            assert live.running, live.failure
        writer.finish()
        latest = head(pg_location)
        assert live.wait_for(latest, 30), live.status
        assert live.running
        assert len(killed) >= 6
        # It still works through new connections (a failure in the middle of a write shows
        # in status.errors; one found idle is replaced silently by the next read).
        assert set(session_pids(app)) - killed, "the runner has no connection any more"
    finally:
        writer.stopped.set()
        live.stop()
    assert live.failure is None
    with open_fixed(pg_location) as store:
        assert_views_equal_a_clean_rebuild(store)


@pytest.mark.postgres
def test_survives_kills_in_the_middle_of_pages(pg_location: str) -> None:
    latest = write_some(pg_location, 0, 80)
    app = f"nndt-live-{uuid.uuid4().hex[:8]}"
    live = live_projections(renamed(pg_location, app), interval=0.01, page_size=3, max_backoff=0.2)
    try:
        live.start()
        kills = 0
        while live.status.position < latest and kills < 15:
            time.sleep(0.15)
            kills += 1
            terminate_sessions(app)
        assert live.wait_for(latest, 60), live.status
        assert live.running, live.failure
        assert kills > 0
    finally:
        live.stop()
    with open_fixed(pg_location) as store:
        assert_views_equal_a_clean_rebuild(store)


# --- the CLI ------------------------------------------------------------------------------
def _follow(location: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nnd_competence.adapters.cli.main",
            "--store",
            location,
            "views",
            "follow",
            "--interval",
            "0.05",
            "--max-backoff",
            "0.5",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_positions(location: str, latest: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    with open_fixed(location) as store:
        while time.monotonic() < deadline:
            if min(store.runner.positions().values()) >= latest:  # read only: no catch-up
                return True
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, (out, err)
    return out, err


def test_cli_follow_keeps_the_views_current_until_sigterm(location: str) -> None:
    process = _follow(location)
    try:
        latest = write_some(location, 0, 20)
        assert _wait_positions(location, latest, 30)
    finally:
        out, err = _stop(process)
    assert "following" in out and "stopped: views at" in out, (out, err)
    assert "password" not in out


@pytest.mark.postgres
def test_cli_follow_survives_killed_connections(pg_location: str) -> None:
    app = f"nndt-follow-{uuid.uuid4().hex[:8]}"
    process = _follow(renamed(pg_location, app))
    killed: set[int] = set()
    try:
        for round_ in range(3):
            latest = write_some(pg_location, round_ * 10, 10)
            assert _wait_positions(pg_location, latest, 30), round_
            _kill_when_connected(app, killed)
        latest = write_some(pg_location, 100, 10)
        assert _wait_positions(pg_location, latest, 30)
        assert process.poll() is None
        assert set(session_pids(app)) - killed
    finally:
        out, err = _stop(process)
    assert "stopped: views at" in out, (out, err)


def test_cli_views_status(location: str) -> None:
    cli = [sys.executable, "-m", "nnd_competence.adapters.cli.main"]
    result = subprocess.run(
        [*cli, "--store", location, "views", "status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "competence_gaps: at" in result.stdout
