"""Reports, the audit trail, rebuilding the views, and the demo on the sample organisation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nnd_competence.adapters.cli import render
from nnd_competence.adapters.cli.context import CliState, console, done, state
from nnd_competence.adapters.cli.render import Format
from nnd_competence.api import REBUILD_PAGE_SIZE, CompetenceStore
from nnd_competence.domain.errors import InvalidValue
from nnd_competence.domain.values import normalise_text

app = typer.Typer(help="Reports: competence gaps, completion, conversations.")

Unit = Annotated[str | None, typer.Option(help="Only this unit")]
AsOf = Annotated[str | None, typer.Option(help="Report date, YYYY-MM-DD (default: today)")]
Year = Annotated[int | None, typer.Option(help="Plan year (default: the report date's year)")]
Fmt = Annotated[Format, typer.Option("--format", help="table, csv or json")]
Detail = Annotated[
    bool,
    typer.Option(
        "--detail",
        help="Also list rows per employee in the table (csv and json always hold every row)",
    ),
]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise InvalidValue(f"{option} {value!r}: not a real date in YYYY-MM-DD ({error})") from None


def _unit(value: str | None) -> str | None:
    return normalise_text(value).upper() if value else None


def _check_scope(store: CompetenceStore, unit: str | None, employee: str | None) -> None:
    """An unknown unit or employee is a typing error, not an empty report."""
    if employee is not None and not store.employee_exists(employee):
        raise InvalidValue(f"--employee {employee}: no such employee is registered")
    if unit is not None and not store.views.query(
        "SELECT 1 FROM gap_assignment WHERE unit = ? LIMIT 1", (unit,)
    ):
        raise InvalidValue(f"--unit {unit}: no employee has ever been in that unit")


def progress_bar(description: str) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _catch_up(store: CompetenceStore) -> None:
    lag = store.runner.lag()
    if lag < 5000:
        store.catch_up()
        return
    with progress_bar("Updating views") as bar:
        task = bar.add_task("Updating views", total=lag)
        start = min(store.runner.positions().values(), default=0)
        store.catch_up(progress=lambda pos, top: bar.update(task, completed=pos - start))


@app.command()
def gaps(
    ctx: typer.Context,
    unit: Unit = None,
    employee: Annotated[str | None, typer.Option(help="Only this employee")] = None,
    as_of: AsOf = None,
    expiring_days: Annotated[int, typer.Option(min=0, max=3650)] = 90,
    fmt: Fmt = Format.TABLE,
    detail: Detail = False,
) -> None:
    """Required against held competence, per unit (and per employee with --detail)."""
    day = _date(as_of, "--as-of")
    with state(ctx).open() as store:
        _catch_up(store)
        _check_scope(store, _unit(unit), _unit(employee))
        detailed = detail or employee is not None
        report = store.gap_report(
            day,
            unit=_unit(unit),
            employee_number=_unit(employee),
            expiring_within_days=expiring_days,
            # The table without --detail shows the per-unit summary only.
            detail=detailed or fmt is not Format.TABLE,
        )
    render.gaps(report, fmt, detailed)


@app.command()
def completion(
    ctx: typer.Context,
    unit: Unit = None,
    as_of: AsOf = None,
    year: Year = None,
    fmt: Fmt = Format.TABLE,
) -> None:
    """Goals, training requests, completed measures and follow-up, per unit."""
    day = _date(as_of, "--as-of")
    with state(ctx).open() as store:
        _catch_up(store)
        _check_scope(store, _unit(unit), None)
        report = store.completion_report(day, year=year, unit=_unit(unit))
    render.completion(report, fmt)


@app.command()
def conversations(
    ctx: typer.Context,
    unit: Unit = None,
    as_of: AsOf = None,
    year: Year = None,
    fmt: Fmt = Format.TABLE,
    detail: Detail = False,
) -> None:
    """Who has and has not had each of the three conversations, per unit and manager."""
    day = _date(as_of, "--as-of")
    with state(ctx).open() as store:
        _catch_up(store)
        _check_scope(store, _unit(unit), None)
        report = store.conversation_report(day, year=year, unit=_unit(unit))
    render.conversations(report, fmt, detail)


def audit(
    ctx: typer.Context,
    employee_number: Annotated[str | None, typer.Argument(help="Employee number")] = None,
    by: Annotated[str | None, typer.Option(help="Instead: everything this person did")] = None,
    show_personal: Annotated[
        bool, typer.Option("--show-personal", help="Show names and birth dates")
    ] = False,
    fmt: Fmt = Format.TABLE,
) -> None:
    """The full history of one employee (or of one actor's actions), oldest first."""
    if (employee_number is None) == (by is None):
        raise InvalidValue(
            "give either an employee number (their history) or --by NUMBER (one actor's "
            "actions), not both"
            if employee_number is not None
            else "give an employee number (their history) or --by NUMBER (one actor's actions)"
        )
    with state(ctx).open() as store:
        if employee_number is not None:
            number = _unit(employee_number) or ""
            if not store.employee_exists(number):
                raise InvalidValue(f"employee {number} is not registered")
            entries = store.audit_trail(number, show_personal=show_personal)
            title = f"Audit trail of employee {number} ({len(entries)} events)"
        else:
            number = _unit(by) or ""
            entries = store.actions_by(number)
            title = f"Actions by {number} ({len(entries)} events)"
    render.audit(entries, fmt, title)


def rebuild(
    ctx: typer.Context,
    page_size: Annotated[int, typer.Option(min=1, max=100_000)] = REBUILD_PAGE_SIZE,
) -> None:
    """Empty every view and replay the whole log into it (resumes if interrupted)."""
    with state(ctx).open() as store:
        resuming = store.runner.is_rebuilding()
        total = store.event_count()
        with progress_bar("Rebuilding views") as bar:
            task = bar.add_task("Rebuilding views", total=total)
            result = store.rebuild(
                progress=lambda pos, top: bar.update(task, completed=pos, total=top),
                page_size=page_size,
            )
    verb = "resumed and finished" if resuming else "finished"
    done(f"rebuild {verb}: {result.notifications} events applied, views at {result.last_id}")


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed of the generated organisation")] = 2026,
) -> None:
    """Load the bundled sample organisation (once) and print the three reports."""
    from nnd_competence.sample import SAMPLE_AS_OF, SAMPLE_YEAR, is_loaded, load_sample

    s: CliState = state(ctx)
    with s.open(bulk=True) as store:
        if not is_loaded(store):
            if store.event_count():
                raise InvalidValue(
                    f"{s.store_path} already holds other data; run the demo with "
                    "--store pointing to a new file"
                )
            with progress_bar("Loading sample organisation") as bar:
                task = bar.add_task("Loading sample organisation", total=None)

                def advance(done_count: int, total: int) -> None:
                    bar.update(task, completed=done_count, total=total)

                summary = load_sample(store, seed=seed, progress=advance)
            done(
                f"sample organisation loaded into {s.store_path}: "
                f"{summary.employees_hired} employees hired, {summary.units} units, "
                f"{summary.competences} competences, {summary.events} events"
            )
        else:
            done(f"sample organisation already in {s.store_path}")
        _catch_up(store)
        render.gaps(store.gap_report(SAMPLE_AS_OF), Format.TABLE, False)
        render.completion(store.completion_report(SAMPLE_AS_OF, year=SAMPLE_YEAR), Format.TABLE)
        render.conversations(
            store.conversation_report(SAMPLE_AS_OF, year=SAMPLE_YEAR), Format.TABLE, False
        )
    console.print(
        f"Next: [bold]nnd-competence report gaps --as-of {SAMPLE_AS_OF} --detail --unit "
        "<UNIT>[/bold], [bold]nnd-competence audit <EMPLOYEE NUMBER>[/bold]",
        highlight=False,
    )
