"""``nnd-competence views ...``: the materialised views' state, and following the log live.

``views follow`` keeps the views up to date as events are committed (by this or any other
process or machine sharing the store) until it gets Ctrl-C or SIGTERM; it survives a lost
database connection by reconnecting with backoff. Run one per store next to the writers
so reports never wait for a catch-up; several are harmless (pages are applied once).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer

from nnd_competence.adapters.cli.context import console, state
from nnd_competence.adapters.store_location import parse_store_location
from nnd_competence.api import live_projections
from nnd_competence.application.projections.engine import CatchUpResult

app = typer.Typer(help="The materialised views: status, and following new events live.")


def _say(message: str) -> None:
    console.print(message, highlight=False)
    sys.stdout.flush()


@app.command()
def status(ctx: typer.Context) -> None:
    """Each view's position in the event log, and how far behind it is."""
    with state(ctx).open() as store:
        latest = store.event_count()
        positions = store.runner.positions()
        rebuilding = store.runner.is_rebuilding()
    for name, position in sorted(positions.items()):
        _say(f"{name}: at {position} of {latest} (behind by {max(0, latest - position)})")
    if rebuilding:
        _say("a rebuild is in progress (the next catch-up or `rebuild` resumes it)")


@app.command()
def follow(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option(min=0.01, max=60.0, help="Seconds between polls of the log")
    ] = 0.2,
    page_size: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
    max_backoff: Annotated[
        float, typer.Option(min=0.1, max=600.0, help="Longest wait before reconnecting")
    ] = 5.0,
    quiet: Annotated[bool, typer.Option("--quiet", help="Only report errors")] = False,
) -> None:
    """Apply new events to the views as they are committed, until Ctrl-C or SIGTERM."""
    location = state(ctx).store_path
    shown = parse_store_location(location).display
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_applied(result: CatchUpResult) -> None:
        if not quiet:
            _say(f"applied {result.notifications} events, views at {result.last_id}")

    def on_error(error: BaseException, delay: float) -> None:
        message = " ".join(str(error).split())
        _say(f"lost the database ({type(error).__name__}: {message}); retrying in {delay:.1f}s")

    live = live_projections(
        location,
        interval=interval,
        page_size=page_size,
        max_backoff=max_backoff,
        on_applied=on_applied,
        on_error=on_error,
    )
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not quiet:
            lag = live.runner.lag()
            _say(f"following {shown} ({lag} events behind); Ctrl-C to stop")
        live.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        live.close()
    status_ = live.status
    _say(
        f"stopped: views at {status_.position}, {status_.applied} events applied, "
        f"{status_.errors} connection errors recovered"
    )
