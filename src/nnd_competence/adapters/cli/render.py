"""Rendering reports as rich tables, CSV (for spreadsheets) or JSON (for other systems)."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from rich.markup import escape
from rich.table import Table

from nnd_competence.adapters.cli.context import console
from nnd_competence.application.audit import AuditEntry
from nnd_competence.application.projections.competence_gaps import GapReport
from nnd_competence.application.projections.completion import CompletionReport
from nnd_competence.application.projections.conversations import ConversationReport


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def _table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left", header_style="bold")
    for i, header in enumerate(headers):
        numeric = bool(rows) and all(isinstance(row[i], int | float) for row in rows)
        table.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else escape(str(v)) for v in row))
    console.print(table)


def _csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    sys.stdout.write(buffer.getvalue())


def _json(model: BaseModel) -> None:
    sys.stdout.write(model.model_dump_json(indent=2) + "\n")


def _pct(value: float) -> str:
    return f"{value:.0%}"


def gaps(report: GapReport, fmt: Format, detail: bool) -> None:
    if fmt is Format.JSON:
        return _json(report)
    detail_headers = [
        "unit",
        "employee",
        "position",
        "competence",
        "name",
        "required",
        "held",
        "status",
        "valid_until",
    ]
    detail_rows = [
        (
            r.unit,
            r.employee_number,
            r.position,
            r.competence_code,
            r.competence_name,
            r.required_level,
            r.held_level,
            r.status.value,
            r.valid_until,
        )
        for r in report.rows
    ]
    if fmt is Format.CSV:
        return _csv(detail_headers, detail_rows)
    scope = f" — {report.unit}" if report.unit else ""
    _table(
        f"Competence gaps (kompetansegap) as of {report.as_of}{scope}; "
        f"expiring = within {report.expiring_within_days} days",
        [
            "Unit",
            "Employees",
            "Requirements",
            "Met",
            "Coverage",
            "Missing",
            "Below level",
            "Expired",
            "Expiring",
        ],
        [
            (
                u.unit,
                u.employees,
                u.requirements,
                u.met,
                _pct(u.coverage),
                u.missing,
                u.below_level,
                u.expired,
                u.expiring,
            )
            for u in report.units
        ],
    )
    if detail:
        _table("Gaps per employee", detail_headers, detail_rows)
    return None


def completion(report: CompletionReport, fmt: Format) -> None:
    if fmt is Format.JSON:
        return _json(report)
    headers = [
        "unit",
        "employees",
        "goals_agreed",
        "achieved",
        "not_achieved",
        "dropped",
        "overdue",
        "req_reported",
        "req_received",
        "req_measure_chosen",
        "req_completed",
        "req_rejected",
        "req_cancelled",
        "completed_measures",
        "plans",
        "followed_up_twice",
        "followed_up_share",
    ]
    rows = [
        (
            u.unit,
            u.employees,
            u.goals_agreed,
            u.goals_achieved,
            u.goals_not_achieved,
            u.goals_dropped,
            u.goals_overdue,
            u.requests["reported"],
            u.requests["received"],
            u.requests["measure_chosen"],
            u.requests["completed"],
            u.requests["rejected"],
            u.requests["cancelled"],
            u.completed_measures,
            u.plans,
            u.plans_followed_up_twice,
            _pct(u.followed_up_share),
        )
        for u in report.units
    ]
    if fmt is Format.CSV:
        return _csv(headers, rows)
    scope = f" — {report.unit}" if report.unit else ""
    _table(
        f"Completion {report.year} as of {report.as_of}{scope}",
        [
            "Unit",
            "Empl.",
            "Goals",
            "Achieved",
            "Not ach.",
            "Dropped",
            "Overdue",
            "Req. open",
            "Req. done",
            "Req. rejected/cancelled",
            "Measures done",
            "Plans",
            "≥2 follow-ups",
        ],
        [
            (
                u.unit,
                u.employees,
                u.goals_agreed,
                u.goals_achieved,
                u.goals_not_achieved,
                u.goals_dropped,
                u.goals_overdue,
                u.requests["reported"] + u.requests["received"] + u.requests["measure_chosen"],
                u.requests["completed"],
                u.requests["rejected"] + u.requests["cancelled"],
                u.completed_measures,
                u.plans,
                f"{u.plans_followed_up_twice} ({_pct(u.followed_up_share)})",
            )
            for u in report.units
        ],
    )
    return None


def conversations(report: ConversationReport, fmt: Format, detail: bool) -> None:
    if fmt is Format.JSON:
        return _json(report)
    detail_headers = [
        "unit",
        "manager",
        "employee",
        "employee_conversation",
        "goal_and_development_1",
        "goal_and_development_2",
        "extra_follow_ups_held",
    ]
    detail_rows = [
        (
            e.unit,
            e.manager,
            e.employee_number,
            e.employee_conversation,
            e.goal_and_development_1,
            e.goal_and_development_2,
            e.follow_ups_held,
        )
        for e in report.employees
    ]
    if fmt is Format.CSV:
        return _csv(detail_headers, detail_rows)
    scope = f" — {report.unit}" if report.unit else ""
    _table(
        f"Conversations {report.year} as of {report.as_of}{scope} "
        "(medarbeidersamtale, mål- og utviklingssamtale 1 and 2)",
        [
            "Unit",
            "Manager (personalleder)",
            "Employees",
            "Medarbeidersamtale held",
            "MU-samtale 1 held",
            "MU-samtale 2 held",
            "Overdue",
            "No plan",
        ],
        [
            (
                m.unit,
                m.manager or "-",
                m.employees,
                m.employee_conversation_held,
                m.goal_and_development_1_held,
                m.goal_and_development_2_held,
                m.overdue,
                m.without_plan,
            )
            for m in report.managers
        ],
    )
    if detail:
        _table("Conversations per employee", detail_headers, detail_rows)
    return None


def audit(entries: list[AuditEntry], fmt: Format, title: str) -> None:
    headers = [
        "recorded (Europe/Oslo)",
        "effective",
        "actor",
        "role",
        "on_behalf_of",
        "via",
        "record",
        "event",
        "details",
    ]
    rows = [
        (
            e.recorded_at_oslo,
            e.effective_on or "",
            e.actor,
            e.role,
            e.on_behalf_of or "",
            e.via or "",
            f"{e.aggregate} v{e.version}",
            e.event,
            e.describe(),
        )
        for e in entries
    ]
    if fmt is Format.JSON:
        sys.stdout.write("[\n" + ",\n".join(e.model_dump_json(indent=2) for e in entries) + "\n]\n")
    elif fmt is Format.CSV:
        _csv(headers, rows)
    else:
        console.print(f"[bold]{title}[/bold]", highlight=False)
        for e in entries:
            who = f"{e.actor} ({e.role})"
            if e.on_behalf_of:
                who += f" on behalf of {e.on_behalf_of}"
            if e.via:
                who += f" via {e.via}"
            effective = f" effective {e.effective_on}" if e.effective_on else ""
            console.print(
                f"{e.recorded_at_oslo}{effective}  {escape(who)}  [cyan]{e.event}[/cyan] "
                f"({e.aggregate} v{e.version})",
                highlight=False,
            )
            details = e.describe()
            if details:
                # escape: "[safety]" is data, not rich markup
                console.print(f"    {escape(details)}", highlight=False, soft_wrap=True)
