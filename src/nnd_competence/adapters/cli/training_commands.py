"""``nnd-competence training ...``: training needs reported to Atomakademiet."""

from __future__ import annotations

from typing import Annotated

import typer

from nnd_competence.adapters.cli.context import done, state
from nnd_competence.adapters.cli.render import _table
from nnd_competence.application import commands as c
from nnd_competence.application.projections.completion import training_requests

app = typer.Typer(help="Training requests to Atomakademiet.")

RequestId = Annotated[str, typer.Argument(help="Training request id (UUID)")]


@app.command()
def report(
    ctx: typer.Context,
    employee_number: Annotated[str, typer.Argument()],
    competence: Annotated[str, typer.Argument()],
    level: Annotated[int | None, typer.Option(help="Target level")] = None,
    year: Annotated[int | None, typer.Option(help="Plan year (with --goal)")] = None,
    goal: Annotated[str | None, typer.Option(help="Goal id the need belongs to")] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Report a training need for an employee (the line manager's step)."""
    s = state(ctx)
    cmd = s.build(
        c.ReportTrainingNeed,
        employee_number=employee_number,
        competence_code=competence,
        target_level=level,
        year=year,
        goal_id=goal,
        note=note,
    )
    request_id = s.execute(cmd)
    done(f"training need reported: request {request_id}")


@app.command()
def receive(ctx: typer.Context, request_id: RequestId) -> None:
    """The competence officer receives the request."""
    s = state(ctx)
    s.execute(s.build(c.ReceiveTrainingRequest, request_id=request_id))
    done(f"request {request_id} received")


@app.command()
def measure(
    ctx: typer.Context,
    request_id: RequestId,
    kind: Annotated[
        str, typer.Option(help="course, e_learning, internal_training, on_the_job, other")
    ],
    title: Annotated[str, typer.Option()],
    provider: Annotated[str, typer.Option()] = "Atomakademiet",
    start: Annotated[str | None, typer.Option(help="Planned start, YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option(help="Planned end, YYYY-MM-DD")] = None,
) -> None:
    """Choose the measure that will meet the need."""
    s = state(ctx)
    s.execute(
        s.build(
            c.ChooseMeasure,
            request_id=request_id,
            kind=kind,
            title=title,
            provider=provider,
            planned_start=start,
            planned_end=end,
        )
    )
    done(f"measure chosen for request {request_id}")


@app.command()
def complete(
    ctx: typer.Context,
    request_id: RequestId,
    on: Annotated[str, typer.Option(help="Completion date, YYYY-MM-DD")],
    result: Annotated[str, typer.Option(help="passed, completed or failed")] = "passed",
    evidence: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record completion; a passed or attended measure records the competence."""
    s = state(ctx)
    s.execute(
        s.build(
            c.CompleteTraining,
            request_id=request_id,
            completed_on=on,
            result=result,
            evidence=evidence,
        )
    )
    done(f"request {request_id} completed ({result})")


@app.command()
def reject(
    ctx: typer.Context, request_id: RequestId, reason: Annotated[str, typer.Option()]
) -> None:
    """Reject the request."""
    s = state(ctx)
    s.execute(s.build(c.RejectTrainingRequest, request_id=request_id, reason=reason))
    done(f"request {request_id} rejected")


@app.command()
def cancel(
    ctx: typer.Context, request_id: RequestId, reason: Annotated[str, typer.Option()]
) -> None:
    """Cancel the request."""
    s = state(ctx)
    s.execute(s.build(c.CancelTrainingRequest, request_id=request_id, reason=reason))
    done(f"request {request_id} cancelled")


@app.command("list")
def list_requests(
    ctx: typer.Context,
    employee: Annotated[str | None, typer.Option(help="Employee number")] = None,
    status: Annotated[
        str | None, typer.Option(help="reported, received, measure_chosen, ...")
    ] = None,
) -> None:
    """List training requests."""
    with state(ctx).open() as store:
        store.catch_up()
        rows = training_requests(store.views, employee_number=employee, status=status)
    _table(
        "Training requests",
        [
            "Request",
            "Employee",
            "Competence",
            "Reason",
            "Status",
            "Measure",
            "Reported",
            "Completed",
        ],
        [
            (
                r.request_id,
                r.employee_number,
                r.competence_code,
                r.reason,
                r.status,
                r.measure_kind,
                r.reported_on,
                r.completed_on,
            )
            for r in rows
        ],
    )
