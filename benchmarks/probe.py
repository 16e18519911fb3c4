"""One measurement in a process of its own, so its peak memory is its own.

    python -m benchmarks.probe floor LOCATION [PAGE_SIZE]
    python -m benchmarks.probe rebuild LOCATION [PAGE_SIZE]

PAGE_SIZE defaults to the library's rebuild page (``REBUILD_PAGE_SIZE``) for both.

Prints one JSON object: events, seconds, peak resident memory and the resident memory
sampled after opening the store and at every tenth of the way.

The peak is the kernel's high-water mark of this process's memory (``VmHWM`` in
``/proc/self/status``). ``getrusage(RUSAGE_SELF).ru_maxrss`` would not do here: on Linux
it carries over the parent's high-water mark across ``fork``/``exec``, so a probe started
from a big parent would report the parent's size.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from nnd_competence import open_store
from nnd_competence.api import REBUILD_PAGE_SIZE


def _rss_mib() -> float:
    """Current resident set size (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def floor(location: str, page_size: int) -> dict[str, Any]:
    """Read the whole notification log in pages and decode every event: nothing else."""
    store = open_store(location)
    app = store.app
    recorder, mapper = app.recorder, app.mapper
    latest = recorder.max_notification_id() or 0
    samples = [_rss_mib()]
    mark = latest / 10
    count = 0
    start = 0
    cpu = time.process_time()
    started = time.perf_counter()
    while True:
        page = recorder.select_notifications(start, page_size, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            mapper.to_domain_event(notification)
        count += len(page)
        start = page[-1].id
        if start >= mark:
            samples.append(_rss_mib())
            mark += latest / 10
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    store.close()
    return {
        "events": count,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": _peak_mib(),
        "rss_mib": samples,
    }


def rebuild(location: str, page_size: int) -> dict[str, Any]:
    """``store.rebuild()``: empty every view and replay the whole log into them."""
    store = open_store(location)
    samples = [_rss_mib()]
    marks = {"next": 0.1}

    def progress(position: int, latest: int) -> None:
        if latest and position / latest >= marks["next"]:
            samples.append(_rss_mib())
            marks["next"] += 0.1

    cpu = time.process_time()
    started = time.perf_counter()
    result = store.rebuild(progress=progress, page_size=page_size)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    store.close()
    return {
        "events": result.notifications,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": _peak_mib(),
        "rss_mib": samples,
    }


def main(argv: list[str]) -> None:
    what, location = argv[0], argv[1]
    # Both read the log in the pages a rebuild uses, so the floor is read the same way.
    page_size = int(argv[2]) if len(argv) > 2 else REBUILD_PAGE_SIZE
    measure = {"floor": floor, "rebuild": rebuild}[what]
    print(json.dumps(measure(location, page_size)))


if __name__ == "__main__":
    main(sys.argv[1:])
