"""Run the benchmark and print the table.

    .venv/bin/python -m benchmarks.run --store sqlite --events 1000000
    .venv/bin/python -m benchmarks.run --store postgres --events 1000000

Options: ``--memory-at 1000000,2000000`` (the event counts of the rebuild-memory probes;
the default is the run's size and twice it), ``--commands 2000``, ``--latency-runs 200``,
``--years 10``, ``--seed 1``, ``--json FILE`` (also write the figures as JSON),
``--rebuild-cache`` (regenerate cached stores). ``NND_BENCH_CACHE`` (default
``/tmp/nnd-bench``) and ``NND_BENCH_PG`` (default ``postgresql://postgres@127.0.0.1:5432``)
say where generated stores are kept. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks import phases, stores


def _say(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def _probe(what: str, location: str) -> dict[str, Any]:
    load_before = _load()
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.probe", what, location],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = f"{load_before} -> {_load()}"
    return result


def _machine(kind: str) -> dict[str, str]:
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    info = {
        "cpus": str(os.cpu_count()),
        "memory": f"{mem_kib / 2**20:.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "eventsourcing": version("eventsourcing"),
        "pydantic": version("pydantic"),
        "os": platform.platform(),
    }
    if kind == "postgres":
        import psycopg

        with psycopg.connect(f"{stores.PG_SERVER}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = str(row[0]) if row else "?"
        info["psycopg"] = version("psycopg")
    return info


def _fmt_rate(value: float) -> str:
    return f"{value:,.0f}"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--latency-runs", type=int, default=200)
    parser.add_argument("--memory-at", default=None)
    parser.add_argument("--json", dest="json_path", default=None)
    parser.add_argument("--rebuild-cache", action="store_true")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    figures: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": args.store,
        "machine": _machine(args.store),
        "load_at_start": _load(),
    }
    memory_at = (
        [int(x) for x in args.memory_at.split(",") if x]
        if args.memory_at is not None
        else [args.events, 2 * args.events]
    )

    def spec_for(events: int) -> stores.Spec:
        return stores.Spec(
            args.store, stores.employees_for(events, args.years), args.years, args.seed
        )

    main_spec = spec_for(args.events)
    specs = {events: spec_for(events) for events in memory_at}
    for spec in [main_spec, *specs.values()]:
        if args.rebuild_cache and stores.cached(spec) is not None:
            spec.meta_path.unlink()
    main_meta = stores.ensure(main_spec, _say)
    metas = {events: stores.ensure(spec, _say) for events, spec in specs.items()}
    figures["built"] = {"main": main_meta, **{str(k): v for k, v in metas.items()}}

    _say("copying the store for this run")
    work = stores.work_copy(main_spec)
    try:
        with stores.open_at(work, main_spec) as store:
            _say(f"commands through the use cases (~{args.commands})")
            load = _load()
            commands = phases.run_commands(store, args.commands, args.years)
            figures["commands"] = {
                k: v for k, v in asdict(commands).items() if k != "groups"
            } | {
                "commands_per_second": commands.commands_per_second,
                "events_per_second": commands.events_per_second,
                "load": f"{load} -> {_load()}",
            }
            _say("the same events saved raw with app.save()")
            load = _load()
            raw = phases.raw_save(store, commands.groups)
            figures["raw_save"] = asdict(raw) | {
                "events_per_second": raw.events_per_second,
                "load": f"{load} -> {_load()}",
            }
            store.catch_up()
            _say(f"gap report x{args.latency_runs}")
            load = _load()
            gap = phases.gap_report_latency(store, args.latency_runs)
            figures["gap_report"] = asdict(gap) | {"load": f"{load} -> {_load()}"}
            _say(f"audit trails x{args.latency_runs}")
            load = _load()
            audit = phases.audit_trail_latency(store, args.latency_runs)
            figures["audit_trail"] = asdict(audit) | {"load": f"{load} -> {_load()}"}
        _say("floor: read and decode the log (subprocess)")
        floor1 = _probe("floor", work)
        _say("rebuild of all views (subprocess)")
        rebuild = _probe("rebuild", work)
        _say("floor again (subprocess)")
        floor2 = _probe("floor", work)
        figures["floor"] = [floor1, floor2]
        figures["rebuild"] = rebuild
    finally:
        stores.drop(work)

    memory: dict[str, Any] = {}
    for events, spec in specs.items():
        _say(f"rebuild memory at {metas[events]['events']:,} events (subprocess)")
        memory[str(events)] = _probe("rebuild", spec.base_location)
    figures["memory"] = memory
    figures["seconds"] = time.perf_counter() - started
    figures["load_at_end"] = _load()
    print(render(figures))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(figures, indent=2, default=str))
    return figures


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(f: dict[str, Any]) -> str:
    m = f["machine"]
    built = f["built"]["main"]
    cmd, raw = f["commands"], f["raw_save"]
    floor_rate = sum(x["events"] / x["seconds"] for x in f["floor"]) / len(f["floor"])
    rebuild = f["rebuild"]
    rebuild_rate = rebuild["events"] / rebuild["seconds"]
    cmd_ratio = cmd["events_per_second"] / raw["events_per_second"]
    rebuild_ratio = rebuild_rate / floor_rate
    gap, audit = f["gap_report"], f["audit_trail"]
    lines = [
        f"NND competence benchmark, {f['store']}, {f['started_at']}",
        f"machine: {m['cpus']} CPUs, {m['memory']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}"
        + (f", PostgreSQL {m['postgresql']}" if "postgresql" in m else "")
        + f", eventsourcing {m['eventsourcing']}, pydantic {m['pydantic']}",
        f"load average (1/5 min): {f['load_at_start']} at start, {f['load_at_end']} at end",
        f"store: {built['spec']['employees']:,} employees over {built['spec']['years']} years "
        f"({built['people_ever_employed']:,} people ever employed), {built['events']:,} "
        f"events; built once in {built['generate_seconds']:.0f} s + views "
        f"{built['views_seconds']:.0f} s, cached: {built['how']}",
        "",
        "| measure | figure | compared with | ratio | target | |",
        "|---|---|---|---|---|---|",
        f"| commands through the use cases | {cmd['commands']:,} commands "
        f"({cmd['failed']} refused), {cmd['events']:,} events in {cmd['seconds']:.1f} s: "
        f"{_fmt_rate(cmd['commands_per_second'])} cmd/s, "
        f"{_fmt_rate(cmd['events_per_second'])} events/s | raw app.save() of the same events, "
        f"same batches: {_fmt_rate(raw['events_per_second'])} events/s "
        f"({raw['seconds']:.1f} s) | {cmd_ratio:.0%} | >= 50% | {_verdict(cmd_ratio >= 0.5)} |",
        f"| rebuild of all views | {rebuild['events']:,} events in {rebuild['seconds']:.1f} s: "
        f"{_fmt_rate(rebuild_rate)} events/s | read + decode the log: "
        f"{_fmt_rate(floor_rate)} events/s (mean of "
        + ", ".join(f"{x['seconds']:.1f} s" for x in f["floor"])
        + f") | {rebuild_ratio:.0%} | >= 50% | {_verdict(rebuild_ratio >= 0.5)} |",
    ]
    peaks = []
    for events, probe in f["memory"].items():
        peaks.append(probe["peak_mib"])
        lines.append(
            f"| peak RSS, rebuild at {probe['events']:,} events | {probe['peak_mib']:.0f} MiB "
            f"({probe['events'] / probe['seconds']:,.0f} events/s) | RSS after opening "
            f"{probe['rss_mib'][0]:.0f} MiB, at each tenth "
            + "/".join(f"{x:.0f}" for x in probe["rss_mib"][1:])
            + f" MiB | | < 256 MiB | {_verdict(probe['peak_mib'] < 256)} |"
        )
    if len(peaks) >= 2:
        growth = peaks[-1] / peaks[0] - 1
        lines.append(
            f"| peak RSS growth, {len(peaks)} sizes | {growth:+.1%} | | | within 10% | "
            f"{_verdict(abs(growth) <= 0.10)} |"
        )
    lines += [
        f"| gap report, whole organisation | median {gap['median_ms']:.1f} ms, p99 "
        f"{gap['p99_ms']:.1f} ms ({gap['runs']} runs) | {gap['size']} | | < 100 ms | "
        f"{_verdict(gap['p99_ms'] < 100)} |",
        f"| audit trail, one employee | median {audit['median_ms']:.1f} ms, p99 "
        f"{audit['p99_ms']:.1f} ms ({audit['runs']} employees) | {audit['size']} | | "
        f"< 20 ms p99 | {_verdict(audit['p99_ms'] < 20)} |",
        "",
        "load average per phase: "
        + ", ".join(
            f"{name} {f[name]['load']}"
            for name in ("commands", "raw_save", "gap_report", "audit_trail", "rebuild")
        ),
        f"commands by type: {cmd['by_type']}",
        f"total run time {f['seconds']:.0f} s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
