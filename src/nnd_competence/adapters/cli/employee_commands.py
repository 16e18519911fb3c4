"""``nnd-competence employee ...``: hire, transfer, record and confirm competence, leave."""

from __future__ import annotations

from typing import Annotated

import typer

from nnd_competence.adapters.cli.context import done, state
from nnd_competence.application import commands as c

app = typer.Typer(help="Employees (medarbeidere): hire, transfer, competence records, leaving.")

Number = Annotated[str, typer.Argument(help="Employee number")]
Competence = Annotated[str, typer.Argument(help="Competence code from the catalogue")]


@app.command()
def hire(
    ctx: typer.Context,
    employee_number: Number,
    unit: Annotated[str, typer.Option(help="Unit code")],
    position: Annotated[str, typer.Option(help="Position code")],
    start_date: Annotated[str, typer.Option(help="First day, YYYY-MM-DD")],
    manager: Annotated[str | None, typer.Option(help="Line manager's employee number")] = None,
    name: Annotated[str | None, typer.Option(help="Full name (personal data)")] = None,
    birth_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD (personal data)")] = None,
) -> None:
    """Register a new employee; onboarding training requests follow automatically."""
    s = state(ctx)
    cmd = s.build(
        c.HireEmployee,
        employee_number=employee_number,
        unit=unit,
        position=position,
        start_date=start_date,
        manager=manager,
        name=name,
        birth_date=birth_date,
    )
    s.execute(cmd)
    done(f"employee {cmd.employee_number} hired into {cmd.unit} as {cmd.position}")


@app.command()
def transfer(
    ctx: typer.Context,
    employee_number: Number,
    effective: Annotated[str, typer.Option(help="Effective date, YYYY-MM-DD")],
    unit: Annotated[str | None, typer.Option()] = None,
    position: Annotated[str | None, typer.Option()] = None,
    manager: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Change unit, position or line manager from an effective date."""
    s = state(ctx)
    cmd = s.build(
        c.TransferEmployee,
        employee_number=employee_number,
        effective_on=effective,
        unit=unit,
        position=position,
        manager=manager,
    )
    s.execute(cmd)
    done(f"employee {cmd.employee_number} transferred from {cmd.effective_on}")


@app.command()
def record(
    ctx: typer.Context,
    employee_number: Number,
    competence: Competence,
    level: Annotated[int, typer.Option(help="Level on the competence's scale")],
    acquired: Annotated[str, typer.Option(help="Date acquired, YYYY-MM-DD")],
    valid_until: Annotated[
        str | None, typer.Option(help="Default: from the catalogue's validity")
    ] = None,
    source: Annotated[str, typer.Option(help="training, assessment or import")] = "assessment",
    evidence: Annotated[str | None, typer.Option(help="Reference to the evidence")] = None,
) -> None:
    """Record a competence the employee holds."""
    s = state(ctx)
    cmd = s.build(
        c.RecordCompetence,
        employee_number=employee_number,
        competence_code=competence,
        level=level,
        acquired_on=acquired,
        valid_until=valid_until,
        source=source,
        evidence=evidence,
    )
    s.execute(cmd)
    done(f"{cmd.competence_code} level {cmd.level} recorded for {cmd.employee_number}")


@app.command()
def correct(
    ctx: typer.Context,
    employee_number: Number,
    competence: Competence,
    level: Annotated[int, typer.Option()],
    acquired: Annotated[str, typer.Option()],
    reason: Annotated[str, typer.Option(help="Why the record was wrong")],
    valid_until: Annotated[str | None, typer.Option()] = None,
    source: Annotated[str, typer.Option()] = "assessment",
    evidence: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Correct a recorded competence (allowed also after the employee has left)."""
    s = state(ctx)
    cmd = s.build(
        c.CorrectCompetenceRecord,
        employee_number=employee_number,
        competence_code=competence,
        level=level,
        acquired_on=acquired,
        valid_until=valid_until,
        source=source,
        evidence=evidence,
        reason=reason,
    )
    s.execute(cmd)
    done(f"record of {cmd.competence_code} corrected for {cmd.employee_number}")


@app.command()
def revoke(
    ctx: typer.Context,
    employee_number: Number,
    competence: Competence,
    reason: Annotated[str, typer.Option()],
    effective: Annotated[str, typer.Option(help="YYYY-MM-DD")],
) -> None:
    """Revoke a competence (e.g. a certificate withdrawn)."""
    s = state(ctx)
    cmd = s.build(
        c.RevokeCompetence,
        employee_number=employee_number,
        competence_code=competence,
        reason=reason,
        effective_on=effective,
    )
    s.execute(cmd)
    done(f"{cmd.competence_code} revoked for {cmd.employee_number}")


@app.command()
def confirm(
    ctx: typer.Context,
    employee_number: Number,
    on: Annotated[str, typer.Option(help="Date of confirmation, YYYY-MM-DD")],
) -> None:
    """The line manager confirms the competence record is correct."""
    s = state(ctx)
    cmd = s.build(c.ConfirmRecord, employee_number=employee_number, confirmed_on=on)
    s.execute(cmd)
    done(f"competence record of {cmd.employee_number} confirmed")


@app.command()
def leave(
    ctx: typer.Context,
    employee_number: Number,
    end_date: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD")],
) -> None:
    """Register that an employee leaves; afterwards only corrections are accepted."""
    s = state(ctx)
    cmd = s.build(c.RegisterLeaving, employee_number=employee_number, end_date=end_date)
    s.execute(cmd)
    done(f"employee {cmd.employee_number} leaves on {cmd.end_date}")
