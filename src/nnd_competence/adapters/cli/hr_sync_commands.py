"""``nnd-competence sync hr``: bring employees in step with DFØ HR.

Every run first applies the held changes whose date has come; then, as asked, a full
reconciliation (``--full``) and/or a file of change notifications (``--notifications``).
Exit codes: 0 done; 3 done, but some HR records were rejected (listed); 1 or 2 the run
could not be done (one line on stderr says why).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import click
import typer
from pydantic import ValidationError
from rich.progress import Progress, TaskID
from rich.table import Table

from nnd_competence.adapters.cli.context import CliState, console, parse_actor, state
from nnd_competence.adapters.cli.errors import describe_validation_error
from nnd_competence.adapters.cli.render import Format
from nnd_competence.adapters.cli.report_commands import progress_bar
from nnd_competence.adapters.dfo import DfoHrSource, DfoSettings, RetryPolicy
from nnd_competence.adapters.dfo.notifications import parse_notifications
from nnd_competence.application.hr_mapping import CodeMapping
from nnd_competence.application.hr_source import HrChange, HrSourceError, Rejection
from nnd_competence.application.hr_sync import HR_SYNC_ACTOR, HrSync, SyncReport
from nnd_competence.domain.values import Actor

EXIT_REJECTED = 3


def register(sync_app: typer.Typer) -> None:
    sync_app.command("hr")(hr)


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date in YYYY-MM-DD", param_hint="--as-of"
        ) from None


def _api_key(variable: str) -> str:
    key = os.environ.get(variable, "").strip()
    if not key:
        raise click.BadParameter(
            f"the environment variable {variable} is not set or empty; put the DFØ API key "
            "there (never on the command line)",
            param_hint="--api-key-env",
        )
    return key


def _mapping(path: Path | None) -> CodeMapping:
    if path is None:
        return CodeMapping()
    try:
        return CodeMapping.from_file(path)
    except OSError as error:
        raise click.BadParameter(f"{path}: {error.strerror}", param_hint="--code-map") from None
    except json.JSONDecodeError as error:
        raise click.BadParameter(
            f"{path}: not JSON ({error.msg})", param_hint="--code-map"
        ) from None
    except ValidationError as error:
        raise click.BadParameter(
            f"{path}: {describe_validation_error(error)}", param_hint="--code-map"
        ) from None


def _notifications(path: Path) -> list[HrChange | Rejection]:
    try:
        content = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        raise click.BadParameter(
            f"{path}: {error.strerror}", param_hint="--notifications"
        ) from None
    return parse_notifications(content, "stdin" if str(path) == "-" else path.name)


def _actor(s: CliState) -> Actor:
    return parse_actor(s.actor_text, s.on_behalf_of) if s.actor_text else HR_SYNC_ACTOR


def hr(
    ctx: typer.Context,
    base_url: Annotated[
        str, typer.Option(help="DFØ-SAP REST base URL, e.g. https://api.example/dfo/v2/")
    ],
    api_key_env: Annotated[
        str, typer.Option(help="Name of the environment variable holding the API key")
    ],
    full: Annotated[
        bool,
        typer.Option("--full", help="Full reconciliation: compare everyone, apply differences"),
    ] = False,
    notifications: Annotated[
        Path | None,
        typer.Option(help="File of change notifications {id, uri, gyldigEtter} ('-': stdin)"),
    ] = None,
    apply_due: Annotated[
        bool, typer.Option("--apply-due", help="Only apply held changes whose date has come")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help="Day to sync as of, YYYY-MM-DD (default today; not in the future)"),
    ] = None,
    code_map: Annotated[
        Path | None,
        typer.Option(help='JSON {"units": {...}, "job_codes": {...}, "positions": {...}}'),
    ] = None,
    attempts: Annotated[int, typer.Option(min=1, max=20, help="Tries per request")] = 5,
    timeout: Annotated[float, typer.Option(min=0.1, max=600, help="Seconds per request")] = 30.0,
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.TABLE,
) -> None:
    """Synchronise employees from DFØ HR: hires, transfers, leavers; future changes held."""
    if not (full or notifications or apply_due):
        raise click.UsageError("say what to do: --full, --notifications FILE and/or --apply-due")
    if fmt is Format.CSV:
        raise click.BadParameter("use table or json", param_hint="--format")
    day = _date(as_of)
    settings = DfoSettings(
        base_url=base_url.strip(),
        api_key=_api_key(api_key_env),
        timeout=timeout,
        retry=RetryPolicy(attempts=attempts),
    )
    mapping = _mapping(code_map)
    changes = _notifications(notifications) if notifications is not None else None
    s = state(ctx)
    actor = _actor(s)
    reports: list[SyncReport] = []
    try:
        with DfoHrSource(settings) as source, s.open() as store, progress_bar("DFØ") as bar:
            tasks: dict[str, TaskID] = {}

            def advance(phase: str, done: int, total: int | None) -> None:
                _advance(bar, tasks, phase, done, total)

            sync = HrSync(store, source, mapping=mapping, actor=actor, progress=advance)
            reports.append(sync.apply_due(day))
            if full:
                reports.append(sync.full(day))
            if changes is not None:
                reports.append(sync.receive(changes))
    except HrSourceError as error:
        raise click.ClickException(str(error)) from None
    if fmt is Format.JSON:
        sys.stdout.write("[\n" + ",\n".join(r.model_dump_json(indent=2) for r in reports) + "\n]\n")
    else:
        _render(reports)
    if any(r.rejected for r in reports):
        raise typer.Exit(EXIT_REJECTED)


def _advance(
    bar: Progress, tasks: dict[str, TaskID], phase: str, done: int, total: int | None
) -> None:
    if phase not in tasks:
        tasks[phase] = bar.add_task(phase, total=total)
    bar.update(tasks[phase], completed=done, total=total)


_COLUMNS = ("hired", "transferred", "left", "renamed", "held", "gone", "rejected", "unchanged")


def _render(reports: list[SyncReport]) -> None:
    summary = Table(title="DFØ HR sync", title_justify="left", header_style="bold")
    summary.add_column("run")
    summary.add_column("as of")
    for name in (*_COLUMNS, "duplicates"):
        summary.add_column(name, justify="right")
    for report in reports:
        counts = report.counts()
        summary.add_row(
            report.mode,
            str(report.as_of),
            *(str(counts[n]) for n in (*_COLUMNS, "duplicates")),
        )
    console.print(summary)
    changes = [(r.mode, ch) for r in reports for ch in r.changes]
    if changes:
        table = Table(title="Changes", title_justify="left", header_style="bold")
        for header in ("run", "action", "what", "effective", "detail"):
            table.add_column(header, overflow="fold")
        for mode, ch in changes:
            table.add_row(mode, ch.action.value, ch.ref, str(ch.effective_on or ""), ch.detail)
        console.print(table)
    rejected = [rej for r in reports for rej in r.rejected]
    if rejected:
        table = Table(
            title="Rejected (nothing of these was applied)",
            title_justify="left",
            header_style="bold red",
        )
        for header in ("object", "field", "reason"):
            table.add_column(header, overflow="fold")
        for rej in rejected:
            table.add_row(f"{rej.kind.replace('_', ' ')} {rej.object_id}", rej.field, rej.reason)
        console.print(table)
    for report in reports:
        for warning in report.warnings:
            console.print(f"[yellow]![/yellow] {warning}", highlight=False)
