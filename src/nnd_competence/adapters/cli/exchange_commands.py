"""``sync outbound``, ``sync dead-letters``, ``sync deliveries``, ``import xapi``,
``import framework`` and ``export framework``.

Every input file and option is read and checked before the store is opened, so bad input
ends with one line naming the row or field and leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nnd_competence.adapters.cli.context import console, done, state
from nnd_competence.adapters.cli.render import Format, _csv, _table
from nnd_competence.adapters.moodle_framework import read_framework_file, write_framework_csv
from nnd_competence.adapters.outbound_sinks import (
    FileDropSink,
    atomic_write,
    open_sink,
    parse_headers,
)
from nnd_competence.adapters.xapi import read_mapping, read_statements
from nnd_competence.application.clock import oslo_text
from nnd_competence.application.frameworks import export_framework, import_framework
from nnd_competence.application.learning_records import (
    LearningImportReport,
    Outcome,
    import_learning_records,
)
from nnd_competence.application.outbound import (
    DEFAULT_CHANNEL,
    DeliveryOutcome,
    OutboundProcess,
    PassResult,
    RecordSink,
    RetryPolicy,
)
from nnd_competence.domain.catalogue import Category
from nnd_competence.domain.errors import InvalidValue

Channel = Annotated[
    str, typer.Option(help="Outbound channel: one tracking position and outbox per destination")
]
Headers = Annotated[
    list[str] | None,
    typer.Option(
        "--header",
        help="Extra HTTP header 'Name: value' (repeatable); 'Name: env:VAR' reads the value "
        "from the environment",
    ),
]
Timeout = Annotated[float, typer.Option(min=0.1, max=600, help="HTTP timeout in seconds")]
CsvDelimiter = Annotated[
    str, typer.Option(help="Delimiter of the file drop's CSV (';' suits a Norwegian Excel)")
]


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _rows(rows: Iterable[Sequence[Any]]) -> list[tuple[str, ...]]:
    """Cells as plain text: rich would read '[...]' in a URL or an error as markup."""
    return [tuple("" if v is None else escape(str(v)) for v in row) for row in rows]


def _when(at: datetime | None) -> str:
    return oslo_text(at) if at is not None else ""


def _sink(spec: str, headers: list[str] | None, timeout: float, csv_delimiter: str) -> RecordSink:
    return open_sink(
        spec,
        headers=parse_headers(headers or []),
        timeout=timeout,
        csv_delimiter=csv_delimiter,
    )


def _summary(result: PassResult) -> str:
    parts = [
        f"{result.staged} new record(s) staged",
        f"{result.delivered} delivered",
    ]
    if result.duplicates:
        parts.append(f"{result.duplicates} already at the receiver")
    if result.retrying:
        parts.append(f"{result.retrying} to be retried")
    if result.dead:
        parts.append(f"{result.dead} dead-lettered")
    return ", ".join(parts)


def _one_pass(process: OutboundProcess, sink: RecordSink, batch: int) -> PassResult:
    with _bar() as bar:
        reading = bar.add_task("Reading the event log", total=max(process.lag(), 0))
        staged = process.stage(
            progress=lambda n, total: bar.update(reading, completed=n, total=total)
        )
        sending = bar.add_task(f"Delivering to {sink.name}", total=None)
        result = process.deliver_due(
            sink,
            batch,
            progress=lambda n, total: bar.update(sending, completed=n, total=total),
        )
    result.staged = staged
    return result


@contextmanager
def _stop_on_signal() -> Iterator[list[bool]]:
    """A flag set by SIGTERM (and Ctrl-C), so the loop ends after the current batch."""
    flag = [False]

    def stop(signum: int, frame: FrameType | None) -> None:
        flag[0] = True

    previous: dict[signal.Signals, Any] = {}
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(ValueError):  # not the main thread: KeyboardInterrupt only
            previous[signum] = signal.signal(signum, stop)
    try:
        yield flag
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def sync_outbound(
    ctx: typer.Context,
    sink: Annotated[
        str,
        typer.Option(help="file:DIRECTORY (JSON lines + CSV) or an http(s) URL to POST to"),
    ],
    once: Annotated[
        bool, typer.Option("--once", help="One pass (stage new records, deliver due ones), exit")
    ] = False,
    channel: Channel = DEFAULT_CHANNEL,
    header: Headers = None,
    timeout: Timeout = 10.0,
    csv_delimiter: CsvDelimiter = ";",
    poll: Annotated[
        float, typer.Option(min=0.05, max=3600, help="Seconds between looks at the log")
    ] = 5.0,
    batch: Annotated[
        int | None,
        typer.Option(
            min=1, max=10_000, help="Records per batch (default 500 for a file drop, 50 for HTTP)"
        ),
    ] = None,
    max_attempts: Annotated[
        int, typer.Option(min=1, max=1000, help="Tries before a record is dead-lettered")
    ] = 8,
    retry_base: Annotated[
        float, typer.Option(min=0, max=3600, help="First retry delay (s); doubles each time")
    ] = 2.0,
    retry_max: Annotated[float, typer.Option(min=0, max=86400, help="Longest delay (s)")] = 600.0,
    claim_seconds: Annotated[
        float,
        typer.Option(
            min=0.1, max=86400, help="How long a record being sent is reserved for this process"
        ),
    ] = 120.0,
) -> None:
    """Deliver completed measures and recorded competences to DFØ HR (or a file drop)."""
    s = state(ctx)
    policy = RetryPolicy(
        base_seconds=retry_base,
        max_seconds=retry_max,
        max_attempts=max_attempts,
        claim_seconds=claim_seconds,
    )
    destination = _sink(sink, header, timeout, csv_delimiter)
    # A file drop rewrites its day's files per batch: fewer, larger batches.
    size = batch or (500 if isinstance(destination, FileDropSink) else 50)
    try:
        with s.open() as store:
            process = OutboundProcess(store.app, store.views, channel=channel, policy=policy)
            if once:
                result = _one_pass(process, destination, size)
            else:
                result = _follow(process, destination, poll, size)
            status = process.status()
    finally:
        destination.close()
    done(escape(f"outbound (channel {channel} → {destination.name}): {_summary(result)}"))
    tail = f"{status.pending} pending, {status.delivered} delivered, {status.dead} dead letter(s)"
    if status.pending and status.next_attempt_at is not None:
        tail += f"; next try {_when(status.next_attempt_at)}"
    console.print(escape(f"  channel {channel}: {tail}"), highlight=False)
    if status.dead:
        console.print(
            "  [yellow]see them with[/yellow] nnd-competence sync dead-letters"
            + escape("" if channel == DEFAULT_CHANNEL else " --channel " + channel),
            highlight=False,
        )


def _follow(process: OutboundProcess, sink: RecordSink, poll: float, batch: int) -> PassResult:
    console.print(
        escape(
            f"following the event log for channel {process.channel} → {sink.name} "
            "(Ctrl-C or SIGTERM to stop)"
        ),
        highlight=False,
    )

    def report(result: PassResult) -> None:
        if result.changed:
            console.print(f"  {_when(process.clock.now())}: {_summary(result)}", highlight=False)

    with _stop_on_signal() as flag:
        try:
            return process.run(
                sink,
                poll_seconds=poll,
                batch_size=batch,
                should_stop=lambda: flag[0],
                on_pass=report,
            )
        except KeyboardInterrupt:
            return PassResult()


def dead_letters(
    ctx: typer.Context,
    retry: Annotated[
        bool, typer.Option("--retry", help="Queue them for delivery again (all, or --key)")
    ] = False,
    key: Annotated[
        list[str] | None, typer.Option("--key", help="Only this record key (repeatable)")
    ] = None,
    channel: Channel = DEFAULT_CHANNEL,
    sink: Annotated[
        str | None, typer.Option(help="With --retry: deliver right away to this sink")
    ] = None,
    header: Headers = None,
    timeout: Timeout = 10.0,
    csv_delimiter: CsvDelimiter = ";",
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.TABLE,
) -> None:
    """Records that kept failing (or were refused), and retrying them."""
    if sink is not None and not retry:
        raise InvalidValue("--sink is for delivering retried dead letters: add --retry")
    destination = _sink(sink, header, timeout, csv_delimiter) if sink is not None else None
    try:
        with state(ctx).open() as store:
            process = OutboundProcess(store.app, store.views, channel=channel)
            if retry:
                queued = process.retry_dead(key)
                done(f"{queued} dead letter(s) queued for delivery again")
                if destination is not None and queued:
                    result = _one_pass(process, destination, 50)
                    done(
                        escape(
                            f"outbound (channel {channel} → {destination.name}): "
                            + _summary(result)
                        )
                    )
                elif queued:
                    console.print("  they go out with the next: nnd-competence sync outbound")
                return
            letters = process.entries(keys=key) if key else process.dead_letters()
    finally:
        if destination is not None:
            destination.close()
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps([e.model_dump(mode="json") for e in letters], indent=2) + "\n")
        return
    headers = ["Key", "Kind", "Employee", "Competence", "Tries", "Status", "Last error"]
    rows = [
        (
            e.key,
            e.kind.value,
            e.employee_number,
            e.competence_code,
            e.tries,
            e.status.value,
            e.last_error,
        )
        for e in letters
    ]
    if fmt is Format.CSV:
        _csv(headers, rows)
        return
    _table(escape(f"Dead letters of channel {channel}"), headers, _rows(rows))
    if not letters:
        console.print("No dead letters.")


def deliveries(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Option(help="Only this record key")] = None,
    employee: Annotated[str | None, typer.Option(help="Only records of this employee")] = None,
    outcome: Annotated[
        str | None, typer.Option(help="delivered, duplicate, retry or rejected")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1_000_000)] = 50,
    channel: Channel = DEFAULT_CHANNEL,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json")] = Format.TABLE,
) -> None:
    """The delivery log: what was sent, when, where, with which outcome (newest first)."""
    wanted = None
    if outcome is not None:
        try:
            wanted = DeliveryOutcome(outcome.strip().lower())
        except ValueError:
            allowed = ", ".join(o.value for o in DeliveryOutcome)
            raise InvalidValue(f"--outcome {outcome!r}: use one of {allowed}") from None
    with state(ctx).open() as store:
        process = OutboundProcess(store.app, store.views, channel=channel)
        entries = process.deliveries(limit=limit, key=key, outcome=wanted, employee_number=employee)
        status = process.status()
    if fmt is Format.JSON:
        sys.stdout.write(json.dumps([e.model_dump(mode="json") for e in entries], indent=2) + "\n")
        return
    headers = ["When", "Key", "Try", "Sink", "Outcome", "Detail"]
    rows = [(_when(e.at), e.key, e.try_no, e.sink, e.outcome.value, e.detail) for e in entries]
    if fmt is Format.CSV:
        _csv(headers, rows)
        return
    _table(escape(f"Deliveries of channel {channel} (newest first)"), headers, _rows(rows))
    console.print(
        escape(
            f"channel {channel}: log read up to event {status.position} of {status.log_end}; "
            f"{status.pending} pending, {status.delivered} delivered, "
            f"{status.dead} dead letter(s)"
        ),
        highlight=False,
    )


# --- xAPI -------------------------------------------------------------------------------
_OUTCOME_TEXT = {
    Outcome.COMPLETED_REQUEST: "training request(s) completed",
    Outcome.RECORDED: "competence(s) recorded",
    Outcome.ALREADY_HELD: "already held",
    Outcome.ALREADY_IMPORTED: "already imported",
    Outcome.DUPLICATE: "duplicate(s) in the file",
    Outcome.FAILED_WITHOUT_REQUEST: "failed without an open request",
    Outcome.UNKNOWN_PERSON: "unknown person(s)",
    Outcome.UNKNOWN_ACTIVITY: "unknown activit(y/ies)",
    Outcome.IGNORED_VERB: "other verb(s) ignored",
    Outcome.VOIDED: "voided",
    Outcome.REFUSED: "refused",
}


def _print_report(report: LearningImportReport, show_all: bool) -> None:
    lines = report.lines if show_all else report.needs_attention
    if lines:
        _table(
            "Statements" if show_all else "Statements that need attention",
            ["#", "Statement", "Learner", "Verb", "Activity", "Outcome", "Why"],
            _rows(
                (
                    line.index,
                    line.key,
                    line.learner,
                    line.verb,
                    line.activity_id,
                    line.outcome.value,
                    line.detail,
                )
                for line in lines
            ),
        )
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False)


def import_xapi(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="xAPI statements: a JSON array or an LRS export")],
    mapping: Annotated[
        Path, typer.Option(help="TOML/JSON file mapping activity IRIs to competences")
    ],
    report: Annotated[
        Path | None, typer.Option(help="Also write the full report to this JSON file")
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="List every statement")] = False,
) -> None:
    """Import the Academy's learning records: complete training requests, record competences."""
    s = state(ctx)
    records, notes = read_statements(file)
    activity_map = read_mapping(mapping)
    actor = s.actor()
    with s.open() as store, _bar() as bar:
        task = bar.add_task("Importing statements", total=len(records))
        result = import_learning_records(
            store,
            records,
            activity_map,
            actor,
            notes=notes,
            progress=lambda n, total: bar.update(task, completed=n, total=total),
        )
    if report is not None:
        _write_atomically(report, result.model_dump_json(indent=2) + "\n")
    counts = ", ".join(
        f"{result.count(o)} {text}" for o, text in _OUTCOME_TEXT.items() if result.count(o)
    )
    done(
        escape(
            f"{len(records)} statement(s) read from {file.name}: {counts or 'nothing to do'}; "
            f"{result.events_written} event(s) written"
        )
    )
    _print_report(result, show_all)


# --- Moodle frameworks ----------------------------------------------------------------------
def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InvalidValue(f"{path}: the directory {directory} does not exist")
    atomic_write(path, text.encode("utf-8"))


def import_framework_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Moodle competency framework CSV")],
    category: Annotated[
        str,
        typer.Option(
            help="Category of new competences: safety, technical, leadership, "
            "administrative, security"
        ),
    ] = Category.TECHNICAL.value,
    code_prefix: Annotated[
        str, typer.Option(help="Put before every code, to keep frameworks apart (e.g. OECD.)")
    ] = "",
    delimiter: Annotated[str, typer.Option(help="CSV delimiter")] = ",",
    show_unchanged: Annotated[
        bool, typer.Option("--show-unchanged", help="List unchanged competences too")
    ] = False,
) -> None:
    """Add or update catalogue competences from a Moodle competency framework."""
    s = state(ctx)
    try:
        chosen = Category(category.strip().lower())
    except ValueError:
        allowed = ", ".join(c.value for c in Category)
        raise InvalidValue(f"--category {category!r}: use one of {allowed}") from None
    framework = read_framework_file(file, delimiter=delimiter)
    actor = s.actor()
    with s.open() as store, _bar() as bar:
        task = bar.add_task("Updating the catalogue", total=None)
        result = import_framework(
            store,
            framework,
            actor,
            category=chosen,
            code_prefix=code_prefix,
            source_name=file.name,
            progress=lambda n, total: bar.update(task, completed=n, total=total),
        )
    done(
        escape(
            f"framework {framework.root.source_id!r} → root competence {result.root_code}: "
            f"{len(result.added)} added, {len(result.updated)} updated, "
            f"{result.unchanged} unchanged; {result.events_written} event(s) written"
        )
    )
    shown = [ch for ch in result.changes if show_unchanged or ch.action != "unchanged"]
    if shown:
        _table(
            "Changes to the catalogue",
            ["Row", "Code", "ID number", "Change", "Fields"],
            _rows(
                (ch.where, ch.code, ch.source_id, ch.action, ", ".join(ch.fields)) for ch in shown
            ),
        )
    if result.not_in_file:
        console.print(
            f"[yellow]note:[/yellow] {len(result.not_in_file)} competence(s) of this framework "
            f"are not in the file and were kept: {', '.join(result.not_in_file[:20])}"
            + (" ..." if len(result.not_in_file) > 20 else ""),
            highlight=False,
        )


def export_framework_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file to write (replaced if it exists)")],
    root: Annotated[
        str | None,
        typer.Option(help="Root competence to export (default: the only one with children)"),
    ] = None,
    delimiter: Annotated[str, typer.Option(help="CSV delimiter")] = ",",
) -> None:
    """Write a catalogue subtree as a Moodle competency framework CSV."""
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise InvalidValue(f"--delimiter {delimiter!r}: give one character")
    with state(ctx).open() as store:
        framework = export_framework(store.app.catalogue(), root)
    _write_atomically(file, write_framework_csv(framework, delimiter=delimiter))
    done(
        escape(
            f"framework {framework.root.source_id!r} ({len(framework.items)} competences "
            f"under {framework.root.where}) written to {file}"
        )
    )


def register(sync_app: typer.Typer, import_app: typer.Typer, export_app: typer.Typer) -> None:
    sync_app.command("outbound")(sync_outbound)
    sync_app.command("dead-letters")(dead_letters)
    sync_app.command("deliveries")(deliveries)
    import_app.command("xapi")(import_xapi)
    import_app.command("framework")(import_framework_cmd)
    export_app.command("framework")(export_framework_cmd)
