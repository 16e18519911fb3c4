"""``nnd-competence cycle|plan ...``: the annual cycle, conversations and goals."""

from __future__ import annotations

from typing import Annotated

import typer

from nnd_competence.adapters.cli.context import done, state
from nnd_competence.application import commands as c
from nnd_competence.domain.errors import InvalidValue

cycle_app = typer.Typer(help="The annual cycle (årshjul), started by HR.")
app = typer.Typer(help="Competence plans: conversations and development goals.")

Number = Annotated[str, typer.Argument(help="Employee number")]
Year = Annotated[int, typer.Argument(help="Plan year")]


@cycle_app.command("start")
def start_cycle(
    ctx: typer.Context,
    year: Year,
    employee_conversation_by: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    gd1_by: Annotated[str, typer.Option(help="Goal-and-development 1 by, YYYY-MM-DD")],
    gd2_by: Annotated[str, typer.Option(help="Goal-and-development 2 by, YYYY-MM-DD")],
    unit: Annotated[str | None, typer.Option(help="Only this unit")] = None,
) -> None:
    """Open a plan and schedule the three conversations for every active employee."""
    s = state(ctx)
    cmd = s.build(
        c.StartCycle,
        year=year,
        employee_conversation_by=employee_conversation_by,
        goal_and_development_1_by=gd1_by,
        goal_and_development_2_by=gd2_by,
        unit=unit,
    )
    opened = s.execute(cmd)
    done(f"cycle {year}: {opened} plan(s) opened with three conversations scheduled")


@app.command("open")
def open_plan(ctx: typer.Context, employee_number: Number, year: Year) -> None:
    """Open a plan for one employee (e.g. hired after the cycle started)."""
    s = state(ctx)
    s.execute(s.build(c.OpenPlan, employee_number=employee_number, year=year))
    done(f"plan {year} opened for {employee_number}")


@app.command()
def schedule(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    kind: Annotated[
        str,
        typer.Argument(
            help="employee_conversation, goal_and_development_1, goal_and_development_2, follow_up"
        ),
    ],
    on: Annotated[str, typer.Option(help="Date, YYYY-MM-DD")],
) -> None:
    """Schedule a conversation."""
    s = state(ctx)
    cmd = s.build(
        c.ScheduleConversation,
        employee_number=employee_number,
        year=year,
        kind=kind,
        scheduled_for=on,
    )
    s.execute(cmd)
    done(f"{cmd.kind.value} scheduled for {cmd.scheduled_for}")


@app.command()
def hold(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    conversation: Annotated[
        str, typer.Argument(help="Conversation id, e.g. employee_conversation")
    ],
    on: Annotated[str, typer.Option(help="Date held, YYYY-MM-DD")],
    topic: Annotated[
        list[str],
        typer.Option(
            help="Topic covered (repeatable): competence, goals_performance, "
            "job_description, safety, well_being"
        ),
    ],
    summary: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Record that a scheduled conversation was held."""
    s = state(ctx)
    cmd = s.build(
        c.HoldConversation,
        employee_number=employee_number,
        year=year,
        conversation_id=conversation,
        held_on=on,
        topics=topic,
        summary=summary,
    )
    s.execute(cmd)
    done(f"conversation {cmd.conversation_id} held on {cmd.held_on}")


def _measures(values: list[str]) -> list[dict[str, str]]:
    measures = []
    for value in values:
        kind, sep, text = value.partition(":")
        if not sep:
            raise InvalidValue(
                f"--measure {value!r}: write KIND:DESCRIPTION, e.g. course:Strålevern grunnkurs"
            )
        measures.append({"kind": kind.strip(), "description": text})
    return measures


@app.command()
def goal(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    goal_id: Annotated[str, typer.Argument(help="Goal id within the plan, e.g. G1")],
    description: Annotated[str, typer.Option()],
    deadline: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    competence: Annotated[
        str | None, typer.Option(help="Competence code: makes it a competence goal")
    ] = None,
    level: Annotated[int | None, typer.Option(help="Target level (competence goal)")] = None,
    measure: Annotated[
        list[str] | None,
        typer.Option(
            help="KIND:DESCRIPTION, repeatable (course, e_learning, internal_training, "
            "on_the_job, other)"
        ),
    ] = None,
    report_need: Annotated[
        bool, typer.Option("--report-need", help="Also report the training need to the Academy")
    ] = False,
) -> None:
    """Agree a work goal, or a competence goal (with --competence, --level, --measure)."""
    s = state(ctx)
    if competence is None:
        cmd: c.Command = s.build(
            c.AgreeWorkGoal,
            employee_number=employee_number,
            year=year,
            goal_id=goal_id,
            description=description,
            deadline=deadline,
        )
    else:
        cmd = s.build(
            c.AgreeCompetenceGoal,
            employee_number=employee_number,
            year=year,
            goal_id=goal_id,
            description=description,
            deadline=deadline,
            competence_code=competence,
            target_level=level,
            measures=_measures(measure or []),
            report_training_need=report_need,
        )
    s.execute(cmd)
    done(f"goal {goal_id.upper()} agreed")


@app.command()
def progress(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    goal_id: str,
    note: Annotated[str, typer.Option()],
    percent: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Record progress on a goal."""
    s = state(ctx)
    s.execute(
        s.build(
            c.RecordGoalProgress,
            employee_number=employee_number,
            year=year,
            goal_id=goal_id,
            note=note,
            percent_complete=percent,
        )
    )
    done(f"progress recorded on goal {goal_id.upper()}")


@app.command()
def revise(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    goal_id: str,
    reason: Annotated[str, typer.Option()],
    description: Annotated[str | None, typer.Option()] = None,
    deadline: Annotated[str | None, typer.Option()] = None,
    level: Annotated[int | None, typer.Option()] = None,
) -> None:
    """Revise a goal; the earlier version stays in the history."""
    s = state(ctx)
    s.execute(
        s.build(
            c.ReviseGoal,
            employee_number=employee_number,
            year=year,
            goal_id=goal_id,
            reason=reason,
            description=description,
            deadline=deadline,
            target_level=level,
        )
    )
    done(f"goal {goal_id.upper()} revised")


@app.command("close-goal")
def close_goal(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    goal_id: str,
    outcome: Annotated[str, typer.Option(help="achieved, not_achieved or dropped")],
    on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    comment: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Check off a goal as achieved, not achieved or dropped."""
    s = state(ctx)
    s.execute(
        s.build(
            c.CloseGoal,
            employee_number=employee_number,
            year=year,
            goal_id=goal_id,
            outcome=outcome,
            closed_on=on,
            comment=comment,
        )
    )
    done(f"goal {goal_id.upper()} closed as {outcome}")


@app.command("close")
def close_plan(
    ctx: typer.Context,
    employee_number: Number,
    year: Year,
    on: Annotated[str, typer.Option(help="YYYY-MM-DD")],
) -> None:
    """Close the year's plan."""
    s = state(ctx)
    s.execute(s.build(c.ClosePlan, employee_number=employee_number, year=year, closed_on=on))
    done(f"plan {year} of {employee_number} closed")
