"""Run the benchmark and print the table.

    .venv/bin/python -m benchmarks.run --store sqlite --events 1000000
    .venv/bin/python -m benchmarks.run --store postgres --events 1000000

Options: ``--memory-at EVENTS`` (the size of the second store whose rebuild's memory is
measured; default twice ``--events``; 0 skips it), ``--commands 2000``,
``--rounds 4`` (the commands run in rounds, each followed by the raw save of its events),
``--latency-runs 200``, ``--floor-runs 2`` (floor measured before and after the
rebuild), ``--years 10``, ``--seed 1``, ``--json FILE`` (also write the figures as JSON),
``--rebuild-cache`` (regenerate cached stores), ``--build-only`` (generate the stores and
stop). ``NND_BENCH_CACHE`` (default
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
    parser.add_argument("--memory-at", type=int, default=None, metavar="EVENTS")
    parser.add_argument("--floor-runs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--json", dest="json_path", default=None)
    parser.add_argument("--rebuild-cache", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="generate the stores, exit")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    figures: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "store": args.store,
        "machine": _machine(args.store),
        "load_at_start": _load(),
        "args": vars(args),
    }

    def spec_for(events: int) -> stores.Spec:
        return stores.Spec(
            args.store, stores.employees_for(events, args.years), args.years, args.seed
        )

    main_spec = spec_for(args.events)
    big_spec = spec_for(args.memory_at or 2 * args.events) if args.memory_at != 0 else None
    specs = [main_spec] if big_spec is None else [main_spec, big_spec]
    for spec in specs:
        if args.rebuild_cache and spec.meta_path.exists():
            spec.meta_path.unlink()
    figures["built"] = {"main": stores.ensure(main_spec, _say)}
    if big_spec is not None:
        figures["built"]["big"] = stores.ensure(big_spec, _say)
    if args.build_only:
        print(json.dumps(figures["built"], indent=2))
        return figures

    _say("copying the store for this run")
    work = stores.work_copy(main_spec)
    try:
        floors = []
        for i in range(args.floor_runs):
            if i == 1:
                _say("rebuild of all views (subprocess)")
                figures["rebuild"] = _probe("rebuild", work)
            _say("floor: read and decode the whole log (subprocess)")
            floors.append(_probe("floor", work))
        if "rebuild" not in figures:
            _say("rebuild of all views (subprocess)")
            figures["rebuild"] = _probe("rebuild", work)
        figures["floor"] = floors
        with stores.open_at(work, main_spec) as store:
            # Commands and their raw save alternate, round by round, on different
            # employees: a machine whose speed drifts during the run (a shared host)
            # then slows both sides of the ratio alike.
            load = _load()
            rounds = []
            for round_no in range(args.rounds):
                _say(
                    f"round {round_no + 1}/{args.rounds}: ~{args.commands // args.rounds} "
                    "commands through the use cases, then the same events saved raw"
                )
                commands = phases.run_commands(
                    store, args.commands // args.rounds, args.years, seed=7 + round_no
                )
                raw = phases.raw_save(store, commands.groups)
                commands.groups = []  # not kept alive through the latency phases
                rounds.append((commands, raw))
            commands, raw = phases.combine(rounds)
            figures["commands"] = asdict(commands) | {
                "commands_per_second": commands.commands_per_second,
                "events_per_second": commands.events_per_second,
                "load": f"{load} -> {_load()}",
                "rounds": [
                    {"commands_s": c.seconds, "raw_s": r.seconds, "events": c.events}
                    for c, r in rounds
                ],
            }
            figures["raw_save"] = asdict(raw) | {
                "events_per_second": raw.events_per_second,
                "load": figures["commands"]["load"],
            }
            store.catch_up()
            figures["events_at_latency"] = store.event_count()
            _say(f"gap report x{args.latency_runs}")
            load = _load()
            gap = phases.gap_report_latency(store, args.latency_runs)
            figures["gap_report"] = asdict(gap) | {"load": f"{load} -> {_load()}"}
            _say(f"gap report with every row x{args.latency_runs}")
            figures["gap_report_rows"] = asdict(
                phases.gap_report_latency(store, args.latency_runs, detail=True)
            )
            _say(f"audit trails x{args.latency_runs}")
            load = _load()
            audit = phases.audit_trail_latency(store, args.latency_runs)
            figures["audit_trail"] = asdict(audit) | {"load": f"{load} -> {_load()}"}
            _say("both again with the objects of start-up frozen out of the collector")
            with phases.frozen_gc():
                figures["gap_report_frozen"] = asdict(
                    phases.gap_report_latency(store, args.latency_runs)
                )
                figures["gap_report_rows_frozen"] = asdict(
                    phases.gap_report_latency(store, args.latency_runs, detail=True)
                )
                figures["audit_trail_frozen"] = asdict(
                    phases.audit_trail_latency(store, args.latency_runs, seed=12)
                )
            _say("employees with the longest histories, loaded with and without snapshots")
            loads = phases.snapshot_loads(store)
            figures["snapshot_loads"] = asdict(loads) if loads is not None else None
    finally:
        stores.drop(work)

    memory = {"main": figures["rebuild"]}
    if big_spec is not None:
        big_work = stores.work_copy(big_spec)
        try:
            events = figures["built"]["big"]["events"]
            _say(f"rebuild at {events:,} events, for its memory (subprocess)")
            memory["big"] = _probe("rebuild", big_work)
        finally:
            stores.drop(big_work)
    figures["memory"] = memory
    figures["seconds"] = time.perf_counter() - started
    figures["load_at_end"] = _load()
    print(render(figures))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(figures, indent=2, default=str))
    return figures


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _rate(probe: dict[str, Any], key: str = "seconds") -> float:
    return float(probe["events"] / probe[key])


def render(f: dict[str, Any]) -> str:
    m = f["machine"]
    built = f["built"]["main"]
    cmd, raw = f["commands"], f["raw_save"]
    floors, rebuild = f["floor"], f["rebuild"]
    floor_rate = sum(_rate(x) for x in floors) / len(floors)
    floor_cpu = sum(_rate(x, "cpu_seconds") for x in floors) / len(floors)
    rebuild_rate, rebuild_cpu = _rate(rebuild), _rate(rebuild, "cpu_seconds")
    cmd_ratio = cmd["events_per_second"] / raw["events_per_second"]
    cmd_cpu_ratio = raw["cpu_seconds"] / cmd["cpu_seconds"]
    rebuild_ratio = rebuild_rate / floor_rate
    gap, audit = f["gap_report"], f["audit_trail"]
    lines = [
        f"NND competence benchmark, {f['store']}, {f['started_at']}",
        f"machine: {m['cpus']} CPUs, {m['memory']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}"
        + (f", PostgreSQL {m['postgresql']}" if "postgresql" in m else "")
        + f", eventsourcing {m['eventsourcing']}, pydantic {m['pydantic']}",
        f"load average (1/5 min): {f['load_at_start']} at start, {f['load_at_end']} at end",
        f"store: {built['spec']['employees']:,} seats over {built['spec']['years']} years "
        f"({built['people_ever_employed']:,} people ever employed), {built['events']:,} "
        f"events, generated once in {built['generate_seconds']:.0f} s and cached: "
        f"{built['how']}",
        "",
        "| measure | figure | compared with | ratio (wall; CPU) | target | |",
        "|---|---|---|---|---|---|",
        f"| commands through the use cases | {cmd['commands']:,} commands "
        f"({cmd['failed']} refused), {cmd['events']:,} events in {cmd['seconds']:.1f} s: "
        f"{_fmt_rate(cmd['commands_per_second'])} cmd/s, "
        f"{_fmt_rate(cmd['events_per_second'])} events/s | raw app.save() of the same events "
        f"in the same {raw['saves']:,} transactions: {_fmt_rate(raw['events_per_second'])} "
        f"events/s ({raw['seconds']:.1f} s) | {cmd_ratio:.0%}; {cmd_cpu_ratio:.0%} | >= 50% | "
        f"{_verdict(cmd_ratio >= 0.5)} |",
        f"| rebuild of all views | {rebuild['events']:,} events in {rebuild['seconds']:.1f} s: "
        f"{_fmt_rate(rebuild_rate)} events/s | read + decode the log: "
        f"{_fmt_rate(floor_rate)} events/s (mean of "
        + ", ".join(f"{x['seconds']:.1f} s" for x in floors)
        + f") | {rebuild_ratio:.0%}; {rebuild_cpu / floor_cpu:.0%} | >= 50% | "
        f"{_verdict(rebuild_ratio >= 0.5)} |",
    ]
    peaks = []
    for probe in f["memory"].values():
        peaks.append(probe["peak_mib"])
        lines.append(
            f"| peak RSS, rebuild at {probe['events']:,} events | {probe['peak_mib']:.0f} MiB "
            f"({_rate(probe):,.0f} events/s) | RSS after opening "
            f"{probe['rss_mib'][0]:.0f} MiB, then at each tenth "
            + "/".join(f"{x:.0f}" for x in probe["rss_mib"][1:])
            + f" MiB | | < 256 MiB | {_verdict(probe['peak_mib'] < 256)} |"
        )
    if len(peaks) >= 2:
        growth = peaks[-1] / peaks[0] - 1
        lines.append(
            f"| peak RSS growth, {peaks[0]:.0f} -> {peaks[-1]:.0f} MiB | {growth:+.1%} | | | "
            f"within 10% | {_verdict(abs(growth) <= 0.10)} |"
        )
    lines += [
        f"| gap report, whole organisation, per unit ({f['events_at_latency']:,} events) | "
        f"median {gap['median_ms']:.1f} ms, p99 {gap['p99_ms']:.1f} ms ({gap['runs']} runs) "
        f"| {gap['size']} | | < 100 ms | {_verdict(gap['p99_ms'] < 100)} |",
    ]
    rows = f.get("gap_report_rows")
    if rows:
        lines.append(
            f"| gap report, whole organisation, with every row (export) | median "
            f"{rows['median_ms']:.1f} ms, p99 {rows['p99_ms']:.1f} ms ({rows['runs']} runs) | "
            f"{rows['size']} | | < 100 ms | {_verdict(rows['p99_ms'] < 100)} |"
        )
    lines += [
        f"| audit trail, one employee | median {audit['median_ms']:.1f} ms, p99 "
        f"{audit['p99_ms']:.1f} ms ({audit['runs']} employees) | {audit['size']} | | "
        f"< 20 ms p99 | {_verdict(audit['p99_ms'] < 20)} |",
    ]
    frozen = [
        (what, f[key])
        for what, key in (
            ("gap report per unit", "gap_report_frozen"),
            ("with every row", "gap_report_rows_frozen"),
            ("audit trail", "audit_trail_frozen"),
        )
        if f.get(key)
    ]
    if frozen:
        lines.append(
            "| the same after gc.freeze() (start-up objects out of the collector's scans) | "
            + "; ".join(
                f"{what}: median {x['median_ms']:.1f} ms, p99 {x['p99_ms']:.1f} ms"
                for what, x in frozen
            )
            + " | not a target: what an embedding service gains (docs/embedding.md) | | | |"
        )
    loads = f.get("snapshot_loads")
    if loads:
        lines.append(
            f"| loading one of the {loads['employees']} employees with the longest histories "
            f"({loads['events_mean']:.0f} events on average, {loads['events_max']} at most; "
            f"{loads['snapshots']} have a snapshot), not cached | median "
            f"{loads['with_ms']:.1f} ms with snapshots | {loads['without_ms']:.1f} ms with "
            f"snapshots off | | | |"
        )
    lines += [
        "",
        "load average (1/5 min) per phase: "
        + ", ".join(
            f"{name} {part['load']}"
            for name, part in (
                ("floor", floors[0]),
                ("rebuild", rebuild),
                ("commands", cmd),
                ("raw save", raw),
                ("gap report", gap),
                ("audit trail", audit),
            )
        ),
        f"commands by type: {cmd['by_type']}",
        f"total run time {f['seconds']:.0f} s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
