"""Live projections: follow the notification log and apply new events as they commit.

``LiveProjections`` drives an existing ``ProjectionRunner`` (so the views are written
exactly as a catch-up writes them: a page and its tracking positions in one transaction,
compare-and-set on the positions). It works on both stores:

* **Detecting new events**: it polls, every ``interval`` seconds, two cheap queries: the
  highest notification id (an index lookup) and the views' tracking positions. When the
  log is ahead of the lowest position it catches up, in bursts of ``burst_pages`` pages
  so a stop request is honoured promptly even with a large backlog. On PostgreSQL the
  event recorder takes a table lock for every insert, so notification ids become visible
  in commit order and reading "after my position" never skips a transaction that commits
  late; on SQLite writers are serialised anyway.
* **Recovering**: a lost or killed database connection (``pg_terminate_backend``, a server
  restart, a locked SQLite file) surfaces as an ``OperationalError``/``InterfaceError``.
  The runner does not stop: it records the error, reconnects the view database (a
  ``reconnect()`` method, if the adapter has one), asks the event store's connection pool
  to replace dead connections (``pool.check()``, if there is one), waits with exponential
  backoff (``0.1 s`` doubling up to ``max_backoff``) and carries on. Nothing is lost: an
  interrupted page was rolled back with its tracking row and is read again.
* **Stopping**: ``run(stop)`` returns once the ``threading.Event`` is set (within one
  interval or one burst); ``start()``/``stop()`` run it on a background thread.

Any other exception (a bug in a handler, an event that cannot be decoded) is not
retried: it would fail the same way forever. ``run`` raises it; on the background thread
it is kept in ``failure`` and the thread ends.

Give a live runner a store of its own (``nnd_competence.api.live_projections`` does): its
view connection is used from the runner's thread only.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from eventsourcing.persistence import InterfaceError, OperationalError

from nnd_competence.application.projections.engine import CatchUpResult, ProjectionRunner

_log = logging.getLogger(__name__)

#: Errors that mean "the database went away or is busy": back off, reconnect, go on.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    sqlite3.OperationalError,
)


@dataclass
class LiveStatus:
    """What the runner has done so far (read it from any thread)."""

    position: int = 0  # the lowest view position seen after the last successful poll
    applied: int = 0  # notifications applied since start
    polls: int = 0
    errors: int = 0  # transient errors recovered from
    last_error: str | None = None
    caught_up_at: float | None = None  # time.monotonic() of the last poll with no lag


class LiveProjections:
    def __init__(
        self,
        runner: ProjectionRunner,
        *,
        interval: float = 0.2,
        page_size: int = 1000,
        burst_pages: int = 10,
        max_backoff: float = 5.0,
        on_close: Callable[[], None] | None = None,
        on_applied: Callable[[CatchUpResult], None] | None = None,
        on_error: Callable[[BaseException, float], None] | None = None,
        transient_errors: tuple[type[BaseException], ...] = TRANSIENT_ERRORS,
    ) -> None:
        if interval <= 0 or page_size <= 0 or burst_pages <= 0 or max_backoff <= 0:
            raise ValueError("interval, page_size, burst_pages and max_backoff must be > 0")
        self.runner = runner
        self.interval = interval
        self.page_size = page_size
        self.burst_pages = burst_pages
        self.max_backoff = max_backoff
        self.transient_errors = transient_errors
        self.status = LiveStatus()
        self.failure: BaseException | None = None
        self._on_close = on_close
        self._on_applied = on_applied
        self._on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._progress = threading.Condition()
        self._closed = False

    # --- the loop -------------------------------------------------------------------
    def run(self, stop: threading.Event | None = None) -> None:
        """Follow the log until ``stop`` (default: this runner's own event) is set."""
        stop = stop or self._stop
        failures = 0
        while not stop.is_set():
            try:
                more = self.poll()
            except self.transient_errors as error:
                failures += 1
                delay = min(self.max_backoff, 0.1 * 2 ** min(failures - 1, 16))
                delay *= random.uniform(0.75, 1.25)
                self.status.errors += 1
                self.status.last_error = f"{type(error).__name__}: {' '.join(str(error).split())}"
                _log.warning(
                    "live projections: %s; reconnecting in %.2fs", self.status.last_error, delay
                )
                if self._on_error is not None:
                    self._on_error(error, delay)
                if stop.wait(delay):
                    break
                self._recover()
                continue
            failures = 0
            if not more:
                stop.wait(self.interval)

    def poll(self) -> bool:
        """Apply what is new (one burst at most); True if there may be more right away."""
        runner = self.runner
        latest = runner.recorder.max_notification_id() or 0
        position = min(runner.positions().values(), default=0)
        more = False
        if position < latest:
            result = runner.catch_up(self.page_size, max_pages=self.burst_pages)
            self.status.applied += result.notifications
            position = min(result.positions.values(), default=position)
            more = result.pages >= self.burst_pages
            if result.notifications and self._on_applied is not None:
                self._on_applied(result)
        with self._progress:
            self.status.polls += 1
            self.status.position = position
            if position >= latest:
                self.status.caught_up_at = time.monotonic()
            self._progress.notify_all()
        return more

    def _recover(self) -> None:
        """Replace dead connections: the views' own, and the event store pool's."""
        reconnect = getattr(self.runner.db, "reconnect", None)
        if callable(reconnect):
            try:
                reconnect()
            except self.transient_errors as error:
                _log.info("live projections: reconnecting the views failed: %s", error)
        pool = getattr(getattr(self.runner.recorder, "datastore", None), "pool", None)
        check = getattr(pool, "check", None)
        if callable(check):
            try:
                check()
            except Exception as error:  # the pool retries by itself; this only speeds it up
                _log.info("live projections: checking the event store's pool failed: %s", error)

    # --- waiting (tests, tools) -----------------------------------------------------
    def wait_for(self, notification_id: int, timeout: float) -> bool:
        """Block until the views have applied ``notification_id`` (True) or ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._progress:
            while self.status.position < notification_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self._thread is not None and not self._thread.is_alive()):
                    return False
                self._progress.wait(min(remaining, 0.1))
        return True

    # --- background thread ----------------------------------------------------------
    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("the live runner is already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run_thread, name="nnd-live-views", daemon=True)
        self._thread.start()
        return self

    def _run_thread(self) -> None:
        try:
            self.run(self._stop)
        except BaseException as error:
            self.failure = error
            _log.exception("live projections stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Stop the loop (the background thread, if started) and close the store."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.close()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._on_close is not None:
                self._on_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
